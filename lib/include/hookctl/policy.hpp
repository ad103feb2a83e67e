// Store policy. One key today: inactivity-period (default 60d), after which an account without
// activity becomes inactive.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hookctl/session.hpp"

namespace hookctl {

inline constexpr std::string_view inactivity_period_key = "inactivity-period";
inline constexpr Duration default_inactivity_period{60LL * 86400};

struct PolicySetting {
  std::string key;
  std::string value;  // as shown: "60d"
};

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

// Sets a policy key (validated: a known key, a duration of at least a minute) and records an
// audit event. Setting the current value writes nothing, not even an event. Error(usage) for an
// unknown key or a bad value.
PolicyChange set_policy(Session& session, std::string_view key, std::string_view value);

}  // namespace hookctl
