// Rights held by accounts: user grant / user revoke, the user object's rights, and the last
// administrator kept, through the CLI on both engines.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;

TEST_CASE("user grant and user revoke change the rights shown on the user object") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("helpdesk");
  Result g = s.run({"user", "grant", "helpdesk", "user-management", "audit"});
  REQUIRE(g.code == 0);
  CHECK(g.out == "Granted to helpdesk: audit, user-management.\n");
  Result show = s.run({"--json", "user", "show", "helpdesk"});
  REQUIRE(show.code == 0);
  CHECK(show.json()["rights"] == nlohmann::json::array({"audit", "user-management"}));
  CHECK(show.json()["locked_until"].is_null());
  CHECK(contains(s.run({"user", "show", "helpdesk"}).out, "rights:"));
  CHECK(contains(s.run({"user", "show", "helpdesk"}).out, "audit, user-management"));
  // Granting what is held changes nothing and says so.
  const std::string before = s.dump();
  Result again = s.run({"--json", "user", "grant", "helpdesk", "audit"});
  REQUIRE(again.code == 0);
  CHECK(again.json()["changed"] == false);
  CHECK(s.dump() == before);
  Result r = s.run({"user", "revoke", "helpdesk", "audit", "token-management"});
  REQUIRE(r.code == 0);
  CHECK(r.out == "Revoked from helpdesk: audit.\n");
  CHECK(s.run({"--json", "user", "list"}).json()[0]["rights"] ==
        nlohmann::json::array({"user-management"}));
  Result audit = s.run({"--json", "audit", "--action", "user.grant", "--action", "user.revoke"});
  REQUIRE(audit.code == 0);
  REQUIRE(audit.json().size() == 2);
  // The details name the rights (and the clock override the tests run under).
  CHECK(audit.json()[0]["details"].get<std::string>().rfind("audit, user-management [", 0) == 0);
  CHECK(audit.json()[1]["details"].get<std::string>().rfind("audit [", 0) == 0);
}

TEST_CASE("user grant and revoke refuse bad input with the documented codes, changing nothing") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("helpdesk");
  const std::string before = s.dump();
  CHECK(s.run({"user", "revoke", "helpdesk"}).code == 2);  // at least one right
  CHECK(s.run({"user", "grant", "helpdesk"}).code == 2);
  Result bad = s.run({"user", "grant", "helpdesk", "root"});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "administration"));  // the accepted words are named
  CHECK(s.run({"user", "grant", "nobody", "audit"}).code == 3);
  Result nopass = s.run({"user", "grant", "helpdesk", "administration"});
  CHECK(nopass.code == 4);
  CHECK(contains(nopass.err, "has no password"));
  s.at("2027-06-01T00:00:00Z");  // helpdesk is inactive by then
  Result inactive = s.run({"user", "grant", "helpdesk", "audit"});
  CHECK(inactive.code == 4);
  CHECK(contains(inactive.err, "reactivate"));
  CHECK(s.dump() == before);
}

namespace {

const std::string password = "a long enough password\n";

// `args` acting as `actor`, whose password comes on stdin through --as-password-fd 0.
std::vector<std::string> as(const std::string& actor, std::vector<std::string> args) {
  std::vector<std::string> full{"--as", actor, "--as-password-fd", "0"};
  full.insert(full.end(), args.begin(), args.end());
  return full;
}

}  // namespace

TEST_CASE("the last administrator keeps administration and cannot be deleted") {
  Sandbox s;
  s.at(e2e::t0);
  for (const char* name : {"ann", "bob"})
    REQUIRE(s.run({"user", "create", name, "--password-stdin"}, password).code == 0);
  REQUIRE(s.run({"user", "grant", "ann", "administration", "user-management"}).code == 0);
  const std::string before = s.table("account_rights") + s.table("accounts");
  Result last = s.run(as("ann", {"user", "revoke", "ann", "administration"}), password);
  CHECK(last.code == 4);
  CHECK(contains(last.err, "last account holding administration"));
  CHECK(s.run(as("ann", {"user", "delete", "ann", "--yes"}), password).code == 4);
  // Not even the store's owner can leave a delegated store without an administrator.
  CHECK(s.run({"--owner-override", "user", "revoke", "ann", "administration"}).code == 4);
  CHECK(s.table("account_rights") + s.table("accounts") == before);
  REQUIRE(s.run(as("ann", {"user", "grant", "bob", "administration"}), password).code == 0);
  CHECK(s.run(as("ann", {"user", "revoke", "ann", "administration"}), password).code == 0);
  CHECK(s.run(as("bob", {"user", "revoke", "bob", "administration"}), password).code == 4);
}

TEST_CASE("two administrators revoking each other at once leave one administrator") {
  Sandbox s;
  s.at(e2e::t0);
  for (int round = 0; round < 8; ++round) {
    const std::string a = "a" + std::to_string(round), b = "b" + std::to_string(round);
    // The set-up is the store owner's (past delegated mode, which begins in round 0).
    for (const auto& name : {a, b}) {
      REQUIRE(
          s.run({"--owner-override", "user", "create", name, "--password-stdin"}, password).code ==
          0);
      REQUIRE(s.run({"--owner-override", "user", "grant", name, "administration"}).code == 0);
    }
    if (round > 0) {  // the previous round's survivor steps down, so a and b are the only two
      const std::string pa = "a" + std::to_string(round - 1), pb = "b" + std::to_string(round - 1);
      for (const auto& name : {pa, pb})
        s.run({"--owner-override", "user", "revoke", name, "administration"});
    }
    REQUIRE(s.count("account_rights", "name = 'administration'") == 2);
    // Each takes administration from the other, acting with its own password.
    auto p = s.start(as(a, {"user", "revoke", b, "administration"}), password);
    auto q = s.start(as(b, {"user", "revoke", a, "administration"}), password);
    Result ra = p.wait(), rb = q.wait();
    INFO(ra.err << rb.err);
    // Exactly one succeeds. The other finds, inside its write, either that it would leave no
    // administrator (4) or that its actor no longer holds administration (7).
    auto refused = [](int code) { return code == 4 || code == 7; };
    CHECK(((ra.code == 0 && refused(rb.code)) || (refused(ra.code) && rb.code == 0)));
    CHECK(s.count("account_rights", "name = 'administration'") == 1);
  }
}

TEST_CASE("completion offers the rights, each once, after the account name") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("helpdesk");
  auto words = [&](const std::vector<std::string>& line) {
    std::vector<std::string> args{"__complete"};
    args.insert(args.end(), line.begin(), line.end());
    std::istringstream in(s.run(args).out);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l.substr(0, l.find('\t')));
    return out;
  };
  CHECK(words({"user", "grant", ""}) == std::vector<std::string>{"helpdesk"});
  CHECK(words({"user", "grant", "helpdesk", ""}) ==
        std::vector<std::string>{"administration", "audit", "token-management", "user-management",
                                 "webhook-management"});
  CHECK(words({"user", "grant", "helpdesk", "audit", "user-management", ""}) ==
        std::vector<std::string>{"administration", "token-management", "webhook-management"});
  CHECK(words({"user", "revoke", "helpdesk", "ad"}) == std::vector<std::string>{"administration"});
}
