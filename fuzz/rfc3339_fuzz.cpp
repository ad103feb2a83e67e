// parse_rfc3339 (HOOKCTL_NOW, import times) on hostile text. Oracles: what it accepts lies in
// 1970..9999 and formats to the canonical form, which parses back to the same instant; and, for
// an instant taken from the input, format_rfc3339 -> parse_rfc3339 is the identity.
#include <cstring>
#include <string>

#include "fuzz_check.hpp"
#include "hookctl/time.hpp"

namespace {

using namespace std::chrono;

const hookctl::Time earliest{};  // 1970-01-01T00:00:00Z
const hookctl::Time latest = sys_days{year{9999} / 12 / 31} + hours{23} + minutes{59} + seconds{59};

bool canonical(std::string_view s) {
  if (s.size() != 20) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char want = "dddd-dd-ddTdd:dd:ddZ"[i];
    if (want == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != want) return false;
  }
  return true;
}

void round_trip(hookctl::Time t) {
  std::string text = hookctl::format_rfc3339(t);
  fuzz::require(canonical(text), "format_rfc3339 is not canonical", text);
  auto again = hookctl::parse_rfc3339(text);
  fuzz::require(again.has_value(), "format_rfc3339 output does not parse", text);
  fuzz::require(*again == t, "format/parse round trip changed the instant", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  std::optional<hookctl::Time> t;
  fuzz::never_throws([&] { t = hookctl::parse_rfc3339(text); });
  if (t) {
    fuzz::require(*t >= earliest && *t <= latest, "accepted an instant outside 1970..9999", text);
    fuzz::require(text.size() >= 20, "accepted a value too short for RFC 3339", text);
    round_trip(*t);
    if (canonical(text) && text.substr(17, 2) != "60")  // a leap second is held at :59
      fuzz::require(hookctl::format_rfc3339(*t) == text, "a canonical value changed", text);
  }
  if (size >= 8) {
    int64_t raw;
    std::memcpy(&raw, data, sizeof raw);
    auto span = (latest - earliest).count() + 1;
    round_trip(earliest + hookctl::Duration{((raw % span) + span) % span});
  }
  return 0;
}
