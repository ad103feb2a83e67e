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

// Sets a policy key (validated: a known key, a positive duration). Records an audit event.
// Returns the previous value. Error(usage) for an unknown key or a bad value.
PolicySetting set_policy(Session& session, std::string_view key, std::string_view value);

}  // namespace hookctl
