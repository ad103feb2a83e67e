// The rules that derive an object's state from stored facts, each stated once. The functions
// decide for objects in memory; the SQL builders beside them state the same rule for queries that
// must filter or order in the store. tests/unit/rules_test.cpp evaluates both over a grid of
// cases and requires them to agree, so the two spellings cannot drift apart.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hookctl/model.hpp"
#include "hookctl/time.hpp"

namespace hookctl::rules {

// An account becomes inactive at its last activity plus the inactivity period, and is inactive
// from that instant on.
constexpr Time inactive_at(Time last_activity_at, Duration period) noexcept {
  return last_activity_at + period;
}
constexpr bool is_active(Time inactive_at, Time now) noexcept { return now < inactive_at; }
// The same rule as a bound on the stored last activity, so a query can use its index: the account
// is inactive at `now` exactly when last_activity_at <= inactivity_cutoff(now, period).
constexpr Time inactivity_cutoff(Time now, Duration period) noexcept { return now - period; }

// A token with an expiry is expired from that instant on.
constexpr bool is_expired(const std::optional<Time>& expires_at, Time now) noexcept {
  return expires_at && *expires_at <= now;
}
// A rotated token's previous secret works while now < previous_valid_until.
constexpr bool in_grace(const std::optional<Time>& previous_valid_until, Time now) noexcept {
  return previous_valid_until && now < *previous_valid_until;
}

// A token's status, the first that applies: revoked, expired, owner-inactive, active.
TokenStatus token_status(Time now, Time owner_inactive_at, const std::optional<Time>& expires_at,
                         const std::optional<Time>& revoked_at) noexcept;

// When a webhook stops (or stopped) working if nothing changes: without a token, never known
// (nullopt); with a revoked token, the revocation; else the earlier of the owner's inactive_at and
// the token's expiry.
std::optional<Time> webhook_breaks_at(bool has_token, const std::optional<Time>& revoked_at,
                                      const std::optional<Time>& expires_at,
                                      Time owner_inactive_at) noexcept;
// A webhook is broken when it has no token, its token is revoked, or breaks_at has passed.
bool webhook_broken(bool has_token, const std::optional<Time>& revoked_at,
                    const std::optional<Time>& breaks_at, Time now) noexcept;
// At risk within `window`: broken, or breaking at or before now + window (inclusive).
bool webhook_at_risk(bool broken, const std::optional<Time>& breaks_at, Time now,
                     Duration window) noexcept;

// A live token is unused when its last use (never used: its creation) lies more than the
// inactivity period before now.
constexpr bool token_unused(const std::optional<Time>& last_used_at, Time created_at, Time now,
                            Duration period) noexcept {
  return last_used_at.value_or(created_at) < now - period;
}

// The same rules in SQL. Each builder takes the SQL expressions (columns or parameters) that hold
// the facts, and returns an expression over them in integer seconds, as the store keeps times.
namespace sql {
// last_activity_at + period.
std::string inactive_at(std::string_view last_activity_at, std::string_view period);
// NULL without a token; see webhook_breaks_at.
std::string webhook_breaks_at(std::string_view token_id, std::string_view revoked_at,
                              std::string_view expires_at, std::string_view last_activity_at,
                              std::string_view period);
// True when broken at `now`; `breaks_at` is the expression webhook_breaks_at built.
std::string webhook_broken(std::string_view token_id, std::string_view revoked_at,
                           std::string_view breaks_at, std::string_view now);
// True when unused: `cutoff` holds now - period.
std::string token_unused(std::string_view last_used_at, std::string_view created_at,
                         std::string_view cutoff);
}  // namespace sql

}  // namespace hookctl::rules
