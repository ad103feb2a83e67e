// Store policy: inactivity-period (default 60d), after which an account without activity becomes
// inactive; lockout-threshold (default 10) failed password checks in a row, after which an
// account's password is refused for lockout-duration (default 15m).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hookctl/session.hpp"

namespace hookctl {

inline constexpr std::string_view inactivity_period_key = "inactivity-period";
inline constexpr Duration default_inactivity_period{60LL * 86400};
inline constexpr std::string_view lockout_threshold_key = "lockout-threshold";
inline constexpr std::string_view lockout_duration_key = "lockout-duration";
inline constexpr int64_t default_lockout_threshold = 10;
inline constexpr Duration default_lockout_duration{15LL * 60};

// Every policy key, in the order `policy show` lists them.
inline constexpr std::string_view policy_keys[] = {inactivity_period_key, lockout_threshold_key,
                                                   lockout_duration_key};

struct PolicySetting {
  std::string key;
  std::string value;  // as shown: "60d", "10"
  // A duration (value is one, as parse_duration reads it), else a count.
  bool duration = true;
};

// How password checks lock an account (see accounts.hpp): after `threshold` failures in a row
// (0: never), the password is refused for `duration`.
struct LockoutPolicy {
  int64_t threshold = default_lockout_threshold;
  Duration duration = default_lockout_duration;
};
LockoutPolicy stored_lockout_policy(Store& store);

std::vector<PolicySetting> show_policy(Session& session);

// The inactivity period the store holds (its policy table), or the default. Session caches it.
Duration stored_inactivity_period(Store& store);

// What a policy change did (or, rehearsed, would do) as of the session's `now`.
struct PolicyChange {
  PolicySetting previous, current;
  bool changed = false;  // false: the key already had that value; nothing was written
  std::vector<std::string> accounts_becoming_inactive, accounts_becoming_active;  // by name
  std::vector<std::string> webhooks_breaking, webhooks_repaired;                  // by name
  bool has_victims() const noexcept {
    return !accounts_becoming_inactive.empty() || !webhooks_breaking.empty();
  }
};

// Sets a policy key (validated: a known key; a period or duration of at least a minute; a
// threshold from 0, never, to 1000) and records an audit event. Setting the current value writes
// nothing, not even an event. Error(usage) for an unknown key or a bad value.
PolicyChange set_policy(Session& session, std::string_view key, std::string_view value);

}  // namespace hookctl
