#include "hookctl/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "hookctl/error.hpp"
#include "hookctl/names.hpp"

namespace hookctl {

namespace {

using namespace std::chrono;

bool take_digits(std::string_view s, size_t& pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  out = v;
  return true;
}

bool take_char(std::string_view s, size_t& pos, char expected) {
  if (pos >= s.size() || s[pos] != expected) return false;
  ++pos;
  return true;
}

}  // namespace

Time system_now() noexcept { return floor<seconds>(system_clock::now()); }

Time command_now(const char* override_text) {
  if (override_text == nullptr) return system_now();
  auto t = parse_rfc3339(override_text);
  if (!t)
    fail(ErrorKind::usage,
         fmt::format("HOOKCTL_NOW='{}' is not an RFC 3339 time such as 2026-11-28T13:00:00Z",
                     printable(override_text)));
  return *t;
}

std::optional<Time> parse_rfc3339(std::string_view s) noexcept {
  size_t pos = 0;
  int y, mo, d, h, mi, sec;
  if (!take_digits(s, pos, 4, y) || !take_char(s, pos, '-') || !take_digits(s, pos, 2, mo) ||
      !take_char(s, pos, '-') || !take_digits(s, pos, 2, d))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return std::nullopt;
  ++pos;
  if (!take_digits(s, pos, 2, h) || !take_char(s, pos, ':') || !take_digits(s, pos, 2, mi) ||
      !take_char(s, pos, ':') || !take_digits(s, pos, 2, sec))
    return std::nullopt;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start || pos - start > 9) return std::nullopt;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!take_digits(s, pos, 2, oh) || !take_char(s, pos, ':') || !take_digits(s, pos, 2, om))
      return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  if (y < 1970 || y > 9999 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  if (sec == 60) sec = 59;  // a leap second is held at :59; second precision cannot show it
  Time t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} - minutes{offset_minutes};
  // An offset can carry a time just outside 1970..9999 UTC, which could not be shown again.
  if (t < sys_days{year{1970} / 1 / 1} || t >= sys_days{year{10000} / 1 / 1}) return std::nullopt;
  return t;
}

std::optional<Time> parse_time_or_date(std::string_view text) noexcept {
  constexpr std::string_view midnight = "T00:00:00Z";
  if (text.size() != 10) return parse_rfc3339(text);
  std::array<char, 20> full{};
  std::copy(text.begin(), text.end(), full.begin());
  std::copy(midnight.begin(), midnight.end(), full.begin() + 10);
  return parse_rfc3339(std::string_view(full.data(), full.size()));
}

Time parse_since(std::string_view text, Time now) {
  constexpr std::string_view times =
      "a time such as 2026-11-28T13:00:00Z (RFC 3339) or 2026-11-28 (midnight UTC)";
  if (auto t = parse_time_or_date(text)) return *t;
  // Four digits and a dash can only be meant as a date: say what a time looks like. Anything
  // else is read as a duration, whose message names what is wrong with it.
  const bool dated =
      text.size() > 4 && text[4] == '-' &&
      std::all_of(text.begin(), text.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
  if (dated)
    fail(ErrorKind::usage,
         fmt::format("invalid time: expected {}, in the years 1970 to 9999", times));
  try {
    return now - parse_duration(text);
  } catch (const Error& e) {
    fail(ErrorKind::usage, fmt::format("{}; or {}", e.what(), times));
  }
}

std::string format_rfc3339(Time t) { return std::string(Rfc3339Text(t).view()); }

Rfc3339Text::Rfc3339Text(Time t) noexcept {
  // RFC 3339 has four-digit years. A time past the end of 9999 (an account active in late 9999
  // under HOOKCTL_NOW, plus its inactivity period) is shown as the last second that can be.
  t = std::min(t, latest_time);
  const auto day_point = floor<days>(t);
  const year_month_day ymd{day_point};
  const int y = static_cast<int>(ymd.year());
  const int64_t tod = (t - day_point).count();
  if (y < 0 || y > 9999) {  // not on any path a store written by hookctl can take
    auto r = fmt::format_to_n(buf_.data(), buf_.size(), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y,
                              static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                              tod / 3600, tod / 60 % 60, tod % 60);
    size_ = std::min(r.size, buf_.size());
    return;
  }
  std::memcpy(buf_.data(), "0000-00-00T00:00:00Z", 20);
  size_ = 20;
  auto two = [&](size_t at, unsigned v) {
    buf_[at] = static_cast<char>('0' + v / 10);
    buf_[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(0, static_cast<unsigned>(y / 100));
  two(2, static_cast<unsigned>(y % 100));
  two(5, static_cast<unsigned>(ymd.month()));
  two(8, static_cast<unsigned>(ymd.day()));
  two(11, static_cast<unsigned>(tod / 3600));
  two(14, static_cast<unsigned>(tod / 60 % 60));
  two(17, static_cast<unsigned>(tod % 60));
}

Duration parse_duration(std::string_view text) {
  // The value is not repeated: it may be a secret pasted in the wrong place.
  auto bad = [&](std::string_view why) -> Error {
    return Error(ErrorKind::usage,
                 fmt::format("invalid duration: {} (a duration is whole numbers with the units s, "
                             "m, h, d and w, in lower case, each at most once, e.g. 90m, 14d, 2w, "
                             "1d12h)",
                             why));
  };
  if (text.empty()) throw bad("empty");
  constexpr std::string_view units = "smhdw";
  constexpr std::array<int64_t, 5> unit_seconds{1, 60, 3600, 86400, 7 * 86400};
  const int64_t limit = max_duration.count();
  std::array<bool, 5> seen{};
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    int64_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      n = n * 10 + (text[pos] - '0');
      if (n > limit) throw bad("longer than 100 years");
      ++pos;
    }
    if (pos == start) throw bad("expected a number");
    if (pos == text.size()) throw bad("missing unit");
    auto u = units.find(text[pos]);
    if (u == std::string_view::npos) {
      if (text[pos] == '.' || text[pos] == ',') throw bad("whole numbers only (1d12h, not 1.5d)");
      if (units.find(static_cast<char>(text[pos] | 0x20)) != std::string_view::npos)
        throw bad("units are lower case (14d, not 14D)");
      throw bad("unknown unit");
    }
    if (seen[u]) throw bad("unit repeated");
    seen[u] = true;
    ++pos;
    if (n > limit / unit_seconds[u]) throw bad("longer than 100 years");
    total += n * unit_seconds[u];
    if (total > limit) throw bad("longer than 100 years");
  }
  return Duration{total};
}

std::string format_duration(Duration d) {
  int64_t s = d.count();
  if (s == 0) return "0s";
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  constexpr std::array<std::pair<int64_t, char>, 4> parts{
      {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}};
  for (auto [size, unit] : parts) {
    if (s >= size) {
      out += fmt::format("{}{}", s / size, unit);
      s %= size;
    }
  }
  return out;
}

std::string format_relative(Time t, Time now) {
  int64_t delta = (t - now).count();
  bool future = delta >= 0;
  int64_t s = future ? delta : -delta;
  if (s < 60) return future ? "now" : "just now";
  constexpr std::array<std::pair<int64_t, char>, 4> parts{
      {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}};
  std::string text;
  int shown = 0;
  for (auto [size, unit] : parts) {
    if (s >= size && shown < 2) {
      if (!text.empty()) text += ' ';
      text += fmt::format("{}{}", s / size, unit);
      s %= size;
      ++shown;
    } else if (shown > 0) {
      break;
    }
  }
  return future ? "in " + text : text + " ago";
}

}  // namespace hookctl
