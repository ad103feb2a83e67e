#include "hookctl/policy.hpp"

#include <fmt/format.h>

#include "hookctl/audit.hpp"
#include "hookctl/names.hpp"

namespace hookctl {

Duration stored_inactivity_period(Store& store) {
  auto& q = store.statement("SELECT value FROM policy WHERE key = 'inactivity-period'");
  Duration period = q.step() ? Duration{q.integer(0)} : default_inactivity_period;
  q.reset();
  return period;
}

std::vector<PolicySetting> show_policy(Session& session) {
  return {{std::string(inactivity_period_key), format_duration(session.inactivity_period())}};
}

PolicySetting set_policy(Session& session, std::string_view key, std::string_view value) {
  if (key != inactivity_period_key)
    fail(ErrorKind::usage,
         fmt::format("unknown policy key '{}' (known: {})", printable(key), inactivity_period_key));
  Duration period = parse_duration(value);
  if (period < Duration{60})
    fail(ErrorKind::usage, "the inactivity period must be at least one minute");
  return session.store().write([&] {
    session.forget_policy();
    PolicySetting previous{std::string(key), format_duration(session.inactivity_period())};
    auto& q = session.store().statement(
        "INSERT INTO policy (key, value) VALUES (?1, ?2) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    q.bind(1, std::string(key));
    q.bind(2, std::to_string(period.count()));
    q.run();
    record_event(session, "policy.set", key,
                 fmt::format("{} -> {}", previous.value, format_duration(period)));
    session.forget_policy();
    return previous;
  });
}

}  // namespace hookctl
