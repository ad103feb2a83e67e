#include "hookctl/rights.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "hookctl/accounts.hpp"
#include "hookctl/error.hpp"
#include "hookctl/password.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::days;
using fixture::error_kind;
using fixture::error_message;
using fixture::Fixture;

namespace {

// An account that can authenticate (a password), so it may receive administration.
Account admin_candidate(Fixture& f, const std::string& name) {
  auto s = f.now();
  return create_account(s, NewAccount{name, AccountKind::person, std::nullopt,
                                      hash_password("a long enough password")});
}

}  // namespace

TEST_CASE("grant_rights adds rights sorted, audits the ones added and nothing when held") {
  Fixture f;
  f.user("helpdesk");
  auto s = f.now();
  RightsChange c = grant_rights(s, "helpdesk", {Right::user_management, Right::audit});
  CHECK(c.changed == std::vector<Right>{Right::audit, Right::user_management});
  CHECK(c.account.rights == std::vector<Right>{Right::audit, Right::user_management});
  CHECK(f.account("helpdesk").rights == c.account.rights);
  auto again = grant_rights(s, "HELPDESK", {Right::audit, Right::token_management});
  CHECK(again.changed == std::vector<Right>{Right::token_management});
  const std::string before = f.dump();
  CHECK(grant_rights(s, "helpdesk", {Right::audit}).changed.empty());
  CHECK(f.dump() == before);
  std::vector<AuditEvent> grants;
  for (const auto& e : f.audit())
    if (e.action == "user.grant") grants.push_back(e);
  REQUIRE(grants.size() == 2);
  CHECK(grants[0].subject == "helpdesk");
  CHECK(grants[0].details == "audit, user-management");
  CHECK(grants[1].details == "token-management");
  CHECK_FALSE(delegated_mode(s));
}

TEST_CASE("grant_rights refuses unknown and inactive accounts and changes nothing") {
  Fixture f;
  f.user("old");
  auto s = f.now();
  CHECK(error_kind([&] { grant_rights(s, "nobody", {Right::audit}); }) == ErrorKind::not_found);
  auto later = f.at(f.start + days(400));
  const std::string before = f.dump();
  CHECK(error_kind([&] { grant_rights(later, "old", {Right::audit}); }) == ErrorKind::conflict);
  CHECK(error_message([&] { grant_rights(later, "old", {Right::audit}); }).find("reactivate") !=
        std::string::npos);
  CHECK(f.dump() == before);
}

TEST_CASE("administration needs an account that can authenticate, and starts delegated mode") {
  Fixture f;
  f.user("nopass");
  auto s = f.now();
  const std::string before = f.dump();
  CHECK(error_kind([&] { grant_rights(s, "nopass", {Right::administration}); }) ==
        ErrorKind::conflict);
  CHECK(f.dump() == before);
  CHECK_FALSE(delegated_mode(s));
  admin_candidate(f, "root-admin");
  grant_rights(s, "root-admin", {Right::administration});
  CHECK(delegated_mode(s));
}

TEST_CASE("the last administrator keeps administration and cannot be deleted") {
  Fixture f;
  admin_candidate(f, "ann");
  admin_candidate(f, "bob");
  auto s = f.now();
  grant_rights(s, "ann", {Right::administration, Right::audit});
  const std::string before = f.dump();
  CHECK(error_kind([&] {
          revoke_rights(s, "ann", {Right::administration, Right::audit});
        }) == ErrorKind::conflict);
  CHECK(error_message([&] {
          revoke_rights(s, "ann", {Right::administration});
        }).find("last account holding administration") != std::string::npos);
  CHECK(error_kind([&] { delete_account(s, "ann", std::nullopt); }) == ErrorKind::conflict);
  CHECK(f.dump() == before);
  // With a second administrator either may go, but not both.
  grant_rights(s, "bob", {Right::administration});
  RightsChange c = revoke_rights(s, "ann", {Right::administration, Right::webhook_management});
  CHECK(c.changed == std::vector<Right>{Right::administration});
  CHECK(c.account.rights == std::vector<Right>{Right::audit});
  CHECK(error_kind([&] { revoke_rights(s, "bob", {Right::administration}); }) ==
        ErrorKind::conflict);
  CHECK(revoke_rights(s, "ann", {Right::token_management}).changed.empty());
}

TEST_CASE("a deleted account's rights go with it") {
  Fixture f;
  f.user("temp");
  auto s = f.now();
  grant_rights(s, "temp", {Right::audit});
  delete_account(s, "temp", std::nullopt);
  CHECK(f.scalar("SELECT count(*) FROM account_rights") == 0);
}

namespace {

ActorCredentials as(const std::string& name, const std::string& password) {
  ActorCredentials c;
  c.account = name;
  c.password = Secret(password);
  return c;
}

}  // namespace

TEST_CASE("authorize leaves owner mode as it was and names an account only when asked") {
  Fixture f;
  admin_candidate(f, "ann");
  auto s = f.now();
  authorize(s, "user create", {Right::user_management}, {});
  CHECK(s.acting().authenticated_by == "owner");
  CHECK_FALSE(s.acting().account);
  auto t = f.at(f.start + days(1));  // acting counts once the last activity is a minute old
  authorize(t, "user create", {Right::user_management}, as("ann", "a long enough password"));
  CHECK(t.acting().account == std::optional<std::string>("ann"));
  CHECK(t.acting().needs.empty());  // owner mode: recorded, not limited
  create_account(t, NewAccount{"newbie", AccountKind::person, std::nullopt, std::nullopt});
  const auto events = f.audit();
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().actor_account == std::optional<std::string>("ann"));
  CHECK(events.back().authenticated_by == "password");
  CHECK(f.account("ann").last_activity_source == "admin:user.create");
}

TEST_CASE("in delegated mode authorize needs a right, and a refusal is recorded, bounded") {
  Fixture f;
  admin_candidate(f, "ann");
  admin_candidate(f, "desk");
  {
    auto s = f.now();
    grant_rights(s, "ann", {Right::administration});
  }
  const std::string pw = "a long enough password";
  auto s = f.now();
  CHECK(error_kind([&] { authorize(s, "user create", {Right::user_management}, {}); }) ==
        ErrorKind::unauthorized);
  CHECK(error_kind([&] {
          authorize(s, "user create", {Right::user_management}, as("desk", "wrong password!!"));
        }) == ErrorKind::unauthorized);
  CHECK(error_kind([&] {
          authorize(s, "user create", {Right::user_management}, as("desk", pw));
        }) == ErrorKind::forbidden);
  CHECK(error_kind([&] {
          authorize(s, "user create", {Right::user_management}, as("desk", pw));
        }) == ErrorKind::forbidden);
  // Reads that need nothing stay open.
  authorize(s, "user list", {}, {});
  std::vector<AuditEvent> denied;
  for (const auto& e : f.audit())
    if (e.action == "admin.denied") denied.push_back(e);
  REQUIRE(denied.size() == 3);  // no actor, wrong password, no right (twice: counted once)
  for (const auto& e : denied) CHECK(e.result == "denied");
  CHECK(denied.back().repeated == 1);
}

TEST_CASE("a right taken after authorize stops the change inside its transaction") {
  Fixture f;
  admin_candidate(f, "ann");
  admin_candidate(f, "desk");
  const std::string pw = "a long enough password";
  {
    auto s = f.now();
    grant_rights(s, "ann", {Right::administration, Right::user_management});
    grant_rights(s, "desk", {Right::user_management});
  }
  auto desk = f.now();
  authorize(desk, "user create", {Right::user_management}, as("desk", pw));
  {
    auto admin = f.now();
    authorize(admin, "user revoke", {Right::administration}, as("ann", pw));
    revoke_rights(admin, "desk", {Right::user_management});
  }
  const std::string before = f.dump();
  CHECK(error_kind([&] {
          create_account(desk, NewAccount{"late", AccountKind::person, std::nullopt, std::nullopt});
        }) == ErrorKind::forbidden);
  CHECK(f.dump() == before);
}

TEST_CASE("the owner of an SQLite store may override, and it is audited as such") {
  Fixture f;
  admin_candidate(f, "ann");
  {
    auto s = f.now();
    grant_rights(s, "ann", {Right::administration});
  }
  auto s = f.now();
  ActorCredentials owner;
  owner.owner_override = true;
  authorize(s, "policy set", {Right::administration}, owner);
  CHECK(s.acting().authenticated_by == "owner-override");
  grant_rights(s, "ann", {Right::audit});
  CHECK(f.audit().back().authenticated_by == "owner-override");
}
