#include "hookctl/policy.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "hookctl/error.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::days;
using fixture::error_kind;
using fixture::Fixture;
using fixture::secs;

TEST_CASE("the default inactivity period is 60 days") {
  Fixture f;
  auto s = f.now();
  std::vector<PolicySetting> policy = show_policy(s);
  REQUIRE(policy.size() == 3);
  CHECK(policy[0].key == "inactivity-period");
  CHECK(policy[0].value == "60d");
  CHECK(policy[1].key == "lockout-threshold");
  CHECK(policy[1].value == "10");
  CHECK(policy[2].key == "lockout-duration");
  CHECK(policy[2].value == "15m");
  CHECK(s.inactivity_period() == default_inactivity_period);
  CHECK(default_inactivity_period == days(60));
}

TEST_CASE("set_policy changes the period, returns the previous value and audits it") {
  Fixture f;
  auto s = f.now();
  PolicyChange change = set_policy(s, "inactivity-period", "2w");
  CHECK(change.changed);
  CHECK(change.previous.key == "inactivity-period");
  CHECK(change.previous.value == "60d");
  CHECK(change.current.value == "14d");
  CHECK(s.inactivity_period() == days(14));  // the same session sees the new value
  auto later = f.at(f.start + days(1));
  CHECK(show_policy(later)[0].value == "14d");
  CHECK(set_policy(later, "inactivity-period", "1d12h").previous.value == "14d");
  CHECK(show_policy(later)[0].value == "1d12h");

  auto events = f.audit();
  REQUIRE(events.size() == 2);
  CHECK(events[0].action == "policy.set");
  CHECK(events[0].subject == "inactivity-period");
  CHECK(events[0].details == "60d -> 14d; 0 account(s) became inactive, 0 webhook(s) broke");
  CHECK(events[1].details == "14d -> 1d12h; 0 account(s) became inactive, 0 webhook(s) broke");
}

TEST_CASE("setting the current policy value writes nothing, not even an audit event") {
  Fixture f;
  auto s = f.now();
  set_policy(s, "inactivity-period", "30d");
  const std::string before = f.dump();
  PolicyChange same = set_policy(s, "inactivity-period", "720h");  // the same duration
  CHECK_FALSE(same.changed);
  CHECK(f.dump() == before);
  CHECK(f.audit().size() == 1);
}

TEST_CASE("set_policy names the accounts and webhooks it deactivates, breaks or repairs") {
  Fixture f;
  f.user("alice");
  f.service("svc");
  f.webhook("orders", "alice");
  f.webhook("billing", "svc");
  const Time when = f.start + days(20);
  auto s = f.at(when);
  f.service("fresh", when);
  PolicyChange shorter = set_policy(s, "inactivity-period", "10d");
  CHECK(shorter.accounts_becoming_inactive == std::vector<std::string>{"alice", "svc"});
  CHECK(shorter.webhooks_breaking == std::vector<std::string>{"billing", "orders"});
  CHECK(shorter.has_victims());
  PolicyChange longer = set_policy(s, "inactivity-period", "60d");
  CHECK(longer.accounts_becoming_active == std::vector<std::string>{"alice", "svc"});
  CHECK(longer.webhooks_repaired == std::vector<std::string>{"billing", "orders"});
  CHECK_FALSE(longer.has_victims());
}

TEST_CASE("a rehearsed policy change reports its effect and keeps nothing") {
  Fixture f;
  f.user("alice");
  auto s = f.at(f.start + days(20));
  const std::string before = f.dump();
  const auto commits = s.store().commits();
  PolicyChange plan = s.store().rehearse([&] { return set_policy(s, "inactivity-period", "10d"); });
  CHECK(plan.changed);
  CHECK(plan.accounts_becoming_inactive == std::vector<std::string>{"alice"});
  CHECK(f.dump() == before);
  CHECK(s.inactivity_period() == days(60));
  CHECK(s.store().commits() == commits);
}

TEST_CASE("unknown keys and bad values are usage errors that change nothing") {
  Fixture f;
  const std::string before = f.dump();
  auto s = f.now();
  CHECK(error_kind([&] { set_policy(s, "inactivity", "30d"); }) == ErrorKind::usage);
  CHECK(error_kind([&] { set_policy(s, "Inactivity-Period", "30d"); }) == ErrorKind::usage);
  CHECK(error_kind([&] { set_policy(s, "", "30d"); }) == ErrorKind::usage);
  for (const char* bad : {"", "30", "thirty days", "0s", "-1d", "30x", "36501d", "59s"}) {
    INFO(bad);
    CHECK(error_kind([&] { set_policy(s, "inactivity-period", bad); }) == ErrorKind::usage);
  }
  CHECK(f.dump() == before);
  CHECK(show_policy(s)[0].value == "60d");
}

TEST_CASE("the inactivity period decides inactive_at and status") {
  Fixture f;
  f.user("alice");
  auto s = f.now();
  set_policy(s, "inactivity-period", "30d");
  Account a = f.account("alice", f.start + days(30) - secs(1));
  CHECK(a.inactive_at == f.start + days(30));
  CHECK(a.active);
  CHECK_FALSE(f.account("alice", f.start + days(30)).active);

  // Lengthening the period revives an account that has not been inactive for that long.
  auto longer = f.at(f.start + days(40));
  set_policy(longer, "inactivity-period", "90d");
  Account again = f.account("alice", f.start + days(40));
  CHECK(again.active);
  CHECK(again.inactive_at == f.start + days(90));
  CHECK(again.last_activity_source == "created");
}

TEST_CASE("the inactivity period decides when tokens stop working") {
  Fixture f;
  f.service("svc");
  auto inst = f.webhook("orders", "svc");
  auto s = f.now();
  set_policy(s, "inactivity-period", "7d");
  CHECK(f.token_row(inst.credential.token.id, f.start + days(7) - secs(1)).status ==
        TokenStatus::active);
  CHECK(f.token_row(inst.credential.token.id, f.start + days(7)).status ==
        TokenStatus::owner_inactive);
  CHECK(f.hook("orders").breaks_at == std::optional<Time>(f.start + days(7)));
}
