#include "hookctl/check.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "hookctl/auth.hpp"
#include "hookctl/policy.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::days;
using fixture::Fixture;
using fixture::secs;
using fixture::T;

namespace {

std::vector<std::pair<std::string, std::string>> kinds_and_subjects(
    const std::vector<Problem>& problems) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : problems) out.emplace_back(std::string(to_string(p.kind)), p.subject);
  return out;
}

const Problem* find(const std::vector<Problem>& problems, const std::string& kind,
                    const std::string& subject) {
  for (const auto& p : problems)
    if (to_string(p.kind) == kind && p.subject == subject) return &p;
  return nullptr;
}

std::string bearer(const IssuedCredential& c) { return "Bearer " + std::string(c.secret.view()); }

}  // namespace

TEST_CASE("a healthy store has no problems") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  auto s = f.at(f.start + days(1));
  CHECK(check(s, default_check_window).empty());
}

TEST_CASE("check reports broken, at-risk, personal-owner and unused problems in that order") {
  Fixture f;
  const Time now = f.start + days(70);
  f.user("bob", AccountKind::person, f.start);               // inactive since now - 10d
  f.user("alice", AccountKind::person, f.start + days(20));  // inactive at now + 10d
  f.service("svc", now);
  f.webhook("bob-hook", "bob", AuthScheme::bearer, f.start);
  f.webhook("alice-hook", "alice", AuthScheme::bearer, f.start + days(20));
  f.webhook("svc-hook", "svc", AuthScheme::bearer, now);
  auto dead = f.webhook("dead-hook", "svc", AuthScheme::bearer, now);
  auto r = f.at(now);
  revoke_token(r, dead.credential.token.id);

  auto s = f.at(now);
  std::vector<Problem> problems = check(s, default_check_window);
  using KS = std::pair<std::string, std::string>;
  CHECK(kinds_and_subjects(problems) == std::vector<KS>{
                                            {"webhook-broken", "bob-hook"},   // broke at now - 10d
                                            {"webhook-broken", "dead-hook"},  // broke at now
                                            {"webhook-at-risk", "alice-hook"},
                                            {"personal-owner", "alice-hook"},
                                            {"personal-owner", "bob-hook"},
                                            {"token-unused", f.hook("bob-hook", now).token.value()},
                                        });

  const Problem* bob = find(problems, "webhook-broken", "bob-hook");
  REQUIRE(bob);
  CHECK(bob->at == std::optional<Time>(f.start + days(60)));
  CHECK(bob->message.find("inactive") != std::string::npos);
  const Problem* dead_p = find(problems, "webhook-broken", "dead-hook");
  REQUIRE(dead_p);
  CHECK(dead_p->at == std::optional<Time>(now));
  CHECK(dead_p->message.find("revoked") != std::string::npos);
  const Problem* risk = find(problems, "webhook-at-risk", "alice-hook");
  REQUIRE(risk);
  CHECK(risk->at == std::optional<Time>(now + days(10)));
  CHECK(risk->message.find("alice") != std::string::npos);
  const Problem* personal = find(problems, "personal-owner", "alice-hook");
  REQUIRE(personal);
  CHECK_FALSE(personal->at.has_value());
  CHECK(personal->message.find("alice") != std::string::npos);

  // Each names its cause.
  CHECK(bob->code == ProblemCode::owner_inactive);
  CHECK(dead_p->code == ProblemCode::revoked);
  CHECK(risk->code == ProblemCode::owner_inactive_soon);
  CHECK(personal->code == ProblemCode::personal_owner);
  CHECK(problems.back().code == ProblemCode::never_used);
}

TEST_CASE("a broken webhook's code is the reason auth verify gives a call with its token") {
  for (ProblemCode code : {ProblemCode::not_bound, ProblemCode::revoked, ProblemCode::expired,
                           ProblemCode::owner_inactive}) {
    INFO(to_string(code));
    CHECK(from_string<Rejection>(to_string(code)).has_value());
  }
}

TEST_CASE("the at-risk window is inclusive and configurable") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");  // breaks at start + 60d
  const Time breaks = f.start + days(60);
  auto in_window = f.at(breaks - days(14));
  CHECK(kinds_and_subjects(check(in_window, default_check_window)) ==
        std::vector<std::pair<std::string, std::string>>{{"webhook-at-risk", "orders"}});
  auto outside = f.at(breaks - days(14) - secs(1));
  CHECK(check(outside, default_check_window).empty());
  CHECK(check(outside, days(15)).size() == 1);
  CHECK(check(outside, days(1)).empty());
}

TEST_CASE("an expiring token puts its webhook at risk, naming the expiry") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  auto expiring = f.token("svc", f.start, days(5));
  auto s = f.now();
  bind_webhook(s, "orders", expiring.token.id);
  std::vector<Problem> problems = check(s, default_check_window);
  REQUIRE(problems.size() == 1);
  CHECK(to_string(problems[0].kind) == "webhook-at-risk");
  CHECK(problems[0].at == std::optional<Time>(f.start + days(5)));
  CHECK(problems[0].message.find("expires") != std::string::npos);
  auto later = f.at(f.start + days(5));
  std::vector<Problem> after = check(later, default_check_window);
  REQUIRE(after.size() == 1);
  CHECK(to_string(after[0].kind) == "webhook-broken");
  CHECK(after[0].message.find("expired") != std::string::npos);
}

TEST_CASE("a webhook on a service account's token is not a personal-owner problem") {
  Fixture f;
  f.user("alice");
  f.service("svc");
  f.webhook("orders", "alice");
  auto api = f.token("svc");
  auto s = f.now();
  CHECK(find(check(s, Duration{0}), "personal-owner", "orders") != nullptr);
  bind_webhook(s, "orders", api.token.id);
  CHECK(check(s, Duration{0}).empty());
}

TEST_CASE("tokens unused for longer than the inactivity period are reported") {
  Fixture f;
  f.service("svc");
  f.webhook("hook-used", "svc");
  f.webhook("hook-busy", "svc");
  auto never = f.token("svc", f.start + days(30));
  auto recent = f.token("svc", f.start + days(50));
  auto used = f.token("svc", f.start);
  auto busy = f.token("svc", f.start);
  auto revoked = f.token("svc", f.start);
  auto expired = f.token("svc", f.start, days(10));
  auto s = f.now();
  bind_webhook(s, "hook-used", used.token.id);
  bind_webhook(s, "hook-busy", busy.token.id);
  revoke_token(s, revoked.token.id);
  auto use = f.at(f.start + days(35));
  REQUIRE(verify_call(use, "hook-used", bearer(used)).accepted);
  REQUIRE(verify_call(use, "hook-busy", bearer(busy)).accepted);
  auto busy_use = f.at(f.start + days(90));
  REQUIRE(verify_call(busy_use, "hook-busy", bearer(busy)).accepted);

  const Time now = f.start + days(100);
  auto c = f.at(now);
  std::vector<Problem> unused;
  for (auto& p : check(c, Duration{0}))
    if (to_string(p.kind) == "token-unused") unused.push_back(p);
  REQUIRE(unused.size() == 2);
  CHECK(unused[0].subject == never.token.id);  // since start + 30d: the oldest first
  CHECK(unused[0].at == std::optional<Time>(f.start + days(30)));
  CHECK(unused[0].message.find("never used") != std::string::npos);
  CHECK(unused[1].subject == used.token.id);  // last used at start + 35d
  CHECK(unused[1].at == std::optional<Time>(f.start + days(35)));
  CHECK(unused[1].message.find("last used") != std::string::npos);
  (void)recent;
  (void)expired;
}

TEST_CASE("token-unused follows the inactivity policy") {
  Fixture f;
  f.service("svc");
  auto t = f.token("svc");
  auto s = f.at(f.start + days(20));
  CHECK(check(s, Duration{0}).empty());
  set_policy(s, "inactivity-period", "10d");
  auto after = f.at(f.start + days(20));
  auto problems = check(after, Duration{0});
  REQUIRE(problems.size() == 1);
  CHECK(to_string(problems[0].kind) == "token-unused");
  CHECK(problems[0].subject == t.token.id);
}

TEST_CASE("a token is unused only once longer than the inactivity period has passed") {
  Fixture f;
  f.service("svc");
  auto t = f.token("svc");
  auto exactly = f.at(f.start + days(60));
  CHECK(check(exactly, Duration{0}).empty());
  auto longer = f.at(f.start + days(60) + secs(1));
  auto problems = check(longer, Duration{0});
  REQUIRE(problems.size() == 1);
  CHECK(to_string(problems[0].kind) == "token-unused");
  CHECK(problems[0].subject == t.token.id);
  CHECK(problems[0].at == std::optional<Time>(f.start));
}
