// Time as values: instants are std::chrono::sys_seconds, spans are std::chrono::seconds.
// The clock is injected so every inactivity rule can be tested (HOOKCTL_NOW).
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hookctl {

using Time = std::chrono::sys_seconds;
using Duration = std::chrono::seconds;

// The longest duration accepted anywhere: 100 years of 365 days.
inline constexpr Duration max_duration{36500LL * 86400};

// The system clock, to the second.
Time system_now() noexcept;

// Where a long-running service reads "now" for each request: the system clock, or an instant a
// test (or HOOKCTL_NOW) fixes. One command reads it once; `serve` once per check.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Time now() const override { return system_now(); }
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(Time t) : t_(t) {}
  Time now() const override { return t_; }
  void advance(Duration d) { t_ += d; }

 private:
  Time t_;
};

// The instant a command runs at: the RFC 3339 time in `override_text` (the HOOKCTL_NOW variable)
// when it is set, else system_now(). Error(usage) naming HOOKCTL_NOW when it is malformed. Every
// rule about time reads "now" from here once, so tests and what-if reports can set it.
Time command_now(const char* override_text);

// Parses an RFC 3339 date-time ("2026-11-28T13:00:00Z", offsets and fractions accepted; the
// fraction is truncated). Years 1970-9999, in UTC too. Returns nullopt when malformed.
std::optional<Time> parse_rfc3339(std::string_view text) noexcept;

// A point in time as a filter takes it: an RFC 3339 date-time (parse_rfc3339), or a plain date
// "2026-11-28" meaning that day's midnight UTC. nullopt when it is neither.
std::optional<Time> parse_time_or_date(std::string_view text) noexcept;

// "Since when" as a filter takes it: a duration back from `now` ("7d" is now - 7d; see
// parse_duration) or a time (parse_time_or_date). Throws Error(usage) saying what is accepted
// otherwise, without repeating the value.
Time parse_since(std::string_view text, Time now);

// Formats as RFC 3339 UTC with second precision: exactly "2026-11-28T13:00:00Z".
// The last instant RFC 3339 can show: 9999-12-31T23:59:59Z. Later times are formatted as it.
inline constexpr Time latest_time{Duration{253402300799LL}};
std::string format_rfc3339(Time t);

// format_rfc3339's text in a fixed buffer, without an allocation: for hot paths (rejection
// messages, JSON listings of a million rows).
class Rfc3339Text {
 public:
  explicit Rfc3339Text(Time t) noexcept;
  std::string_view view() const noexcept { return {buf_.data(), size_}; }
  operator std::string_view() const noexcept { return view(); }

 private:
  std::array<char, 32> buf_{};
  size_t size_ = 0;
};

// Parses "90m", "14d", "2w", "1d12h": numbers with units s m h d w, each unit at most once,
// in total at most max_duration. Throws Error(usage) naming the problem otherwise (the value is
// quoted through printable(), so the message stays one line whatever the input).
Duration parse_duration(std::string_view text);

// Inverse of parse_duration in days/hours/minutes/seconds: 5184000s -> "60d", 0 -> "0s".
std::string format_duration(Duration d);

// Human-friendly distance such as "in 3d 4h" or "2h ago" (largest two units).
std::string format_relative(Time t, Time now);

}  // namespace hookctl
