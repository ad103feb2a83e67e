#include <catch2/catch.hpp>

#include "hookctl/time.hpp"

using namespace hookctl;

TEST_CASE("times after the end of 9999 are shown as its last second, never with five digits") {
  CHECK(format_rfc3339(latest_time) == "9999-12-31T23:59:59Z");
  CHECK(format_rfc3339(latest_time + Duration{1}) == "9999-12-31T23:59:59Z");
  CHECK(format_rfc3339(latest_time + Duration{36500LL * 86400}) == "9999-12-31T23:59:59Z");
  CHECK(parse_rfc3339("9999-12-31T23:59:59Z") == latest_time);
}
