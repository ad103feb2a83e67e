// parse_duration on hostile text, against an independent reference parser, plus the round trip
// format_duration(parse_duration(x)) -> the same value, in canonical form.
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "hookctl/time.hpp"

namespace {

// The documented grammar: one or more <digits><unit>, units s m h d w each at most once, total at
// most 36500 days. Wide arithmetic, so it cannot overflow where the library must not.
std::optional<int64_t> reference(std::string_view s) {
  if (s.empty()) return std::nullopt;
  constexpr std::string_view units = "smhdw";
  constexpr int64_t seconds[] = {1, 60, 3600, 86400, 7 * 86400};
  bool seen[5] = {};
  __int128 total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i == s.size()) return std::nullopt;
    auto u = units.find(s[i]);
    if (u == std::string_view::npos || seen[u]) return std::nullopt;
    seen[u] = true;
    std::string_view digits = s.substr(start, i - start);
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    if (digits.size() > 15) return std::nullopt;  // far beyond 100 years in any unit
    __int128 n = 0;
    for (char c : digits) n = n * 10 + (c - '0');
    total += n * seconds[u];
    ++i;
  }
  if (total > hookctl::max_duration.count()) return std::nullopt;
  return static_cast<int64_t>(total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using namespace hookctl;
  std::string_view text = fuzz::as_text(data, size);
  Duration d{};
  bool ok = fuzz::runs_or_refuses([&] { d = parse_duration(text); });
  auto expected = reference(text);
  fuzz::require(ok == expected.has_value(), "parse_duration disagrees with the reference grammar",
                text);
  if (!ok) return 0;
  fuzz::require(d.count() == *expected, "parse_duration computed another value", text);
  fuzz::require(d.count() >= 0 && d <= max_duration, "duration out of range", text);

  std::string formatted = format_duration(d);
  Duration again{};
  fuzz::require(fuzz::runs_or_refuses([&] { again = parse_duration(formatted); }),
                "format_duration output does not parse", formatted);
  fuzz::require(again == d, "format/parse round trip changed the value", formatted);
  fuzz::require(format_duration(again) == formatted, "format_duration is not canonical", formatted);
  return 0;
}
