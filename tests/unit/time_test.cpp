#include "hookctl/time.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "hookctl/error.hpp"

using namespace hookctl;

TEST_CASE("durations parse with units s m h d w, combinable") {
  CHECK(parse_duration("90m") == Duration{90 * 60});
  CHECK(parse_duration("14d") == Duration{14 * 86400});
  CHECK(parse_duration("2w") == Duration{14 * 86400});
  CHECK(parse_duration("1d12h") == Duration{86400 + 12 * 3600});
  CHECK(parse_duration("0s") == Duration{0});
  CHECK(parse_duration("36500d") == max_duration);
}

TEST_CASE("durations reject anything else with a usage error") {
  for (const char* bad : {"", "d", "14", "14x", "1.5d", "-1d", "1d1d", " 1d", "1d ", "36500d1s",
                          "5215w", "99999999999999999999s", "1D"}) {
    INFO(bad);
    try {
      parse_duration(bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
    }
  }
}

TEST_CASE("a refused duration is not repeated, and the message teaches the units") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"1d2x", "unknown unit"},
      {"1d\n2h\x1b[2J", "expected a number"},
      {"30D", "units are lower case (14d, not 14D)"},
      {"2.5d", "whole numbers only (1d12h, not 1.5d)"},
      {"90days", "expected a number"},
      {"hunter2secret", "expected a number"},
  };
  for (const auto& [text, why] : cases) {
    INFO(text);
    try {
      parse_duration(text);
      FAIL("accepted");
    } catch (const Error& e) {
      std::string message = e.what();
      CHECK(message.find(why) != std::string::npos);
      CHECK(message.find("the units s, m, h, d and w") != std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
      CHECK(message.find('\x1b') == std::string::npos);
      CHECK(message.find(text) == std::string::npos);
    }
  }
}

TEST_CASE("a time or a plain date: RFC 3339, or midnight UTC of the date") {
  CHECK(parse_time_or_date("2026-11-01") == parse_rfc3339("2026-11-01T00:00:00Z"));
  CHECK(parse_time_or_date("2026-11-01T09:30:00Z") == parse_rfc3339("2026-11-01T09:30:00Z"));
  CHECK(parse_time_or_date("2026-11-01T09:30:00+02:00") == parse_rfc3339("2026-11-01T07:30:00Z"));
  CHECK(parse_time_or_date("2024-02-29") == parse_rfc3339("2024-02-29T00:00:00Z"));
  for (const char* bad : {"", "2026-11-1", "2026-13-01", "2025-02-29", "1969-12-31", "2026/11/01",
                          "2026-11-01Z", "2026-11-01T", "26-11-01", "14d", "2026-11-01 "}) {
    INFO(bad);
    CHECK_FALSE(parse_time_or_date(bad).has_value());
  }
}

TEST_CASE("since takes a duration back from now or a time") {
  const Time now = *parse_rfc3339("2026-11-10T12:00:00Z");
  CHECK(parse_since("7d", now) == *parse_rfc3339("2026-11-03T12:00:00Z"));
  CHECK(parse_since("0s", now) == now);
  CHECK(parse_since("1d12h", now) == *parse_rfc3339("2026-11-09T00:00:00Z"));
  CHECK(parse_since("2026-11-01", now) == *parse_rfc3339("2026-11-01T00:00:00Z"));
  CHECK(parse_since("2026-11-01T09:00:00Z", now) == *parse_rfc3339("2026-11-01T09:00:00Z"));
  // A time after now is accepted: nothing is that recent.
  CHECK(parse_since("2027-01-01", now) == *parse_rfc3339("2027-01-01T00:00:00Z"));
}

TEST_CASE("a refused since names what is accepted and never repeats the value") {
  const Time now = *parse_rfc3339("2026-11-10T12:00:00Z");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"2026-13-01", "invalid time"},
      {"2026-11-01T25:00:00Z", "invalid time"},
      {"1969-12-31", "1970 to 9999"},
      {"7x", "unknown unit"},
      {"-1d", "expected a number"},
      {"Zq9-hunter2", "expected a number"},
      {"", "empty"},
  };
  for (const auto& [text, why] : cases) {
    INFO(text);
    try {
      parse_since(text, now);
      FAIL("accepted");
    } catch (const Error& e) {
      const std::string message = e.what();
      CHECK(e.kind() == ErrorKind::usage);
      CHECK(message.find(why) != std::string::npos);
      CHECK(message.find("2026-11-28T13:00:00Z") != std::string::npos);  // teaches a time
      if (!text.empty()) CHECK(message.find(text) == std::string::npos);
    }
  }
}

TEST_CASE("durations format back canonically") {
  CHECK(format_duration(Duration{60 * 86400}) == "60d");
  CHECK(format_duration(Duration{86400 + 12 * 3600}) == "1d12h");
  CHECK(format_duration(Duration{0}) == "0s");
  CHECK(format_duration(parse_duration("2w")) == "14d");
}

TEST_CASE("RFC 3339 round trip at second precision") {
  auto t = parse_rfc3339("2026-11-28T13:00:00Z");
  REQUIRE(t);
  CHECK(format_rfc3339(*t) == "2026-11-28T13:00:00Z");
  CHECK(format_rfc3339(*parse_rfc3339("2026-11-28T14:30:00+01:30")) == "2026-11-28T13:00:00Z");
  CHECK(format_rfc3339(*parse_rfc3339("2026-11-28t13:00:00.999z")) == "2026-11-28T13:00:00Z");
  CHECK(format_rfc3339(*parse_rfc3339("2024-02-29T00:00:00Z")) == "2024-02-29T00:00:00Z");
  CHECK(format_rfc3339(*parse_rfc3339("9999-12-31T23:59:59Z")) == "9999-12-31T23:59:59Z");
  CHECK(format_rfc3339(*parse_rfc3339("1970-01-01T00:00:00Z")) == "1970-01-01T00:00:00Z");
}

TEST_CASE("Rfc3339Text writes format_rfc3339's text without allocating, never past 9999") {
  using std::chrono::sys_days;
  using namespace std::chrono_literals;
  Time t = *parse_rfc3339("2026-11-28T13:05:09Z");
  CHECK(Rfc3339Text(t).view() == "2026-11-28T13:05:09Z");
  CHECK(Rfc3339Text(Time{}).view() == "1970-01-01T00:00:00Z");
  CHECK(Rfc3339Text(*parse_rfc3339("9999-12-31T23:59:59Z")).view() == "9999-12-31T23:59:59Z");
  Time far = std::chrono::time_point_cast<std::chrono::seconds>(
      sys_days{std::chrono::year{10000} / 1 / 2} + 3h + 4min + 5s);
  CHECK(Rfc3339Text(far).view() == "9999-12-31T23:59:59Z");
  CHECK(format_rfc3339(far) == "9999-12-31T23:59:59Z");
}

TEST_CASE("RFC 3339 rejects malformed times") {
  for (const char* bad :
       {"", "2026-11-28", "2026-11-28 13:00:00Z", "2026-11-28T13:00:00", "2026-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-11-28T24:00:00Z", "1969-12-31T23:59:59Z",
        "2026-11-28T13:00:00Zjunk", "now", "2026-11-28T13:00:00+1:00",
        // in range as written, outside 1970..9999 in UTC (found by fuzz/rfc3339_fuzz.cpp)
        "9999-12-31T23:59:59-00:01", "9999-12-31T23:30:00-23:59", "1970-01-01T00:00:00+00:01"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}
