#include "hookctl/policy.hpp"

#include <fmt/format.h>

#include "hookctl/audit.hpp"
#include "hookctl/names.hpp"
#include "hookctl/webhooks.hpp"
#include "rows.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace hookctl {

Duration stored_inactivity_period(Store& store) {
  auto& q = store.statement("SELECT value FROM policy WHERE key = 'inactivity-period'");
  Duration period = q.step() ? Duration{q.integer(0)} : default_inactivity_period;
  q.reset();
  return period;
}

LockoutPolicy stored_lockout_policy(Store& store) {
  LockoutPolicy p;
  auto& q = store.statement("SELECT key, value FROM policy WHERE key IN (?1, ?2)");
  q.bind(1, lockout_threshold_key);
  q.bind(2, lockout_duration_key);
  while (q.step()) {
    if (q.text(0) == lockout_threshold_key)
      p.threshold = q.integer(1);
    else
      p.duration = Duration{q.integer(1)};
  }
  return p;
}

std::vector<PolicySetting> show_policy(Session& session) {
  const LockoutPolicy lockout = stored_lockout_policy(session.store());
  std::vector<PolicySetting> out;
  out.push_back({std::string(inactivity_period_key), format_duration(session.inactivity_period())});
  PolicySetting threshold;
  threshold.key = std::string(lockout_threshold_key);
  threshold.value = std::to_string(lockout.threshold);
  threshold.duration = false;
  out.push_back(threshold);
  out.push_back({std::string(lockout_duration_key), format_duration(lockout.duration)});
  return out;
}

namespace {

// Names of the accounts active at `now` under one period and inactive under the other.
std::vector<std::string> accounts_crossing(Session& session, Duration active_under,
                                           Duration inactive_under) {
  std::vector<std::string> names;
  auto& q = session.store().statement(
      "SELECT name FROM accounts WHERE last_activity_at + ?2 > ?1 AND last_activity_at + ?3 <= ?1 "
      "ORDER BY " +
      detail::name_order(session.store().engine(), "name"));
  q.bind(1, detail::secs(session.now()));
  q.bind(2, static_cast<int64_t>(active_under.count()));
  q.bind(3, static_cast<int64_t>(inactive_under.count()));
  while (q.step()) names.push_back(q.text(0));
  return names;
}

std::vector<std::string> broken_webhooks(Session& session) {
  std::vector<std::string> names;
  WebhookFilter broken;
  broken.broken = true;
  list_webhooks(session, broken, [&](const Webhook& w) { names.push_back(w.name); });
  return names;
}

// The names in `after` that are not in `before` (both in the same order).
std::vector<std::string> newly(const std::vector<std::string>& before,
                               const std::vector<std::string>& after) {
  std::vector<std::string> out;
  for (const auto& name : after)
    if (std::find(before.begin(), before.end(), name) == before.end()) out.push_back(name);
  return out;
}

}  // namespace

namespace {

// lockout-threshold and lockout-duration: a value stored as an integer, with no effect on the
// accounts and webhooks at the moment it changes.
PolicyChange set_lockout_policy(Session& session, std::string_view key, std::string_view value) {
  const bool threshold = key == lockout_threshold_key;
  int64_t stored = 0;
  std::string shown;
  if (threshold) {
    const std::string text(value);
    size_t used = 0;
    long long n = -1;
    try {
      n = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) ||
        n < 0 || n > 1000)
      fail(ErrorKind::usage,
           "the lockout threshold must be a whole number from 0 (never lock) to 1000");
    stored = n;
    shown = std::to_string(n);
  } else {
    const Duration d = parse_duration(value);
    if (d < Duration{60})
      fail(ErrorKind::usage, "the lockout duration must be at least one minute");
    stored = d.count();
    shown = format_duration(d);
  }
  return session.change([&] {
    const LockoutPolicy before = stored_lockout_policy(session.store());
    PolicyChange c;
    c.previous = {std::string(key),
                  threshold ? std::to_string(before.threshold) : format_duration(before.duration)};
    c.current = {std::string(key), shown};
    c.previous.duration = c.current.duration = !threshold;
    if (c.previous.value == c.current.value) return c;
    auto& q = session.store().statement(
        "INSERT INTO policy (key, value) VALUES (?1, ?2) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    q.bind(1, std::string(key));
    q.bind(2, std::to_string(stored));
    q.run();
    record_event(session, AuditAction::policy_set, key,
                 fmt::format("{} -> {}", c.previous.value, c.current.value));
    c.changed = true;
    return c;
  });
}

}  // namespace

PolicyChange set_policy(Session& session, std::string_view key, std::string_view value) {
  if (key == lockout_threshold_key || key == lockout_duration_key)
    return set_lockout_policy(session, key, value);
  if (key != inactivity_period_key)
    fail(ErrorKind::usage,
         fmt::format("unknown policy key '{}' (known: {}, {}, {})", printable(key),
                     inactivity_period_key, lockout_threshold_key, lockout_duration_key));
  Duration period = parse_duration(value);
  if (period < Duration{60})
    fail(ErrorKind::usage, "the inactivity period must be at least one minute");
  return session.change([&] {
    session.forget_policy();
    PolicyChange c;
    const Duration old_period = session.inactivity_period();
    c.previous = {std::string(key), format_duration(old_period)};
    c.current = {std::string(key), format_duration(period)};
    if (old_period == period) return c;
    c.accounts_becoming_inactive = accounts_crossing(session, old_period, period);
    c.accounts_becoming_active = accounts_crossing(session, period, old_period);
    const auto broken_before = broken_webhooks(session);
    auto& q = session.store().statement(
        "INSERT INTO policy (key, value) VALUES (?1, ?2) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    q.bind(1, std::string(key));
    q.bind(2, std::to_string(period.count()));
    q.run();
    session.forget_policy();
    const auto broken_after = broken_webhooks(session);
    c.webhooks_breaking = newly(broken_before, broken_after);
    c.webhooks_repaired = newly(broken_after, broken_before);
    record_event(session, AuditAction::policy_set, key,
                 fmt::format("{} -> {}; {} account(s) became inactive, {} webhook(s) broke",
                             c.previous.value, c.current.value, c.accounts_becoming_inactive.size(),
                             c.webhooks_breaking.size()));
    c.changed = true;
    session.forget_policy();  // read again after the commit (or the rehearsal's rollback)
    return c;
  });
}

}  // namespace hookctl
