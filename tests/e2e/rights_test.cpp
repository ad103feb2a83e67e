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
  CHECK(audit.json()[0]["details"] == "audit, user-management");
  CHECK(audit.json()[1]["details"] == "audit");
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

TEST_CASE("the last administrator keeps administration and cannot be deleted") {
  Sandbox s;
  s.at(e2e::t0);
  for (const char* name : {"ann", "bob"})
    REQUIRE(s.run({"user", "create", name, "--password-stdin"}, "a long enough password\n").code ==
            0);
  REQUIRE(s.run({"user", "grant", "ann", "administration"}).code == 0);
  const std::string before = s.dump();
  Result last = s.run({"user", "revoke", "ann", "administration"});
  CHECK(last.code == 4);
  CHECK(contains(last.err, "last account holding administration"));
  CHECK(s.run({"user", "delete", "ann", "--yes"}).code == 4);
  CHECK(s.dump() == before);
  REQUIRE(s.run({"user", "grant", "bob", "administration"}).code == 0);
  CHECK(s.run({"user", "revoke", "ann", "administration"}).code == 0);
  CHECK(s.run({"user", "revoke", "bob", "administration"}).code == 4);
}

TEST_CASE("two administrators revoking each other at once leave one administrator") {
  Sandbox s;
  s.at(e2e::t0);
  for (int round = 0; round < 8; ++round) {
    const std::string a = "a" + std::to_string(round), b = "b" + std::to_string(round);
    for (const auto& name : {a, b})
      REQUIRE(
          s.run({"user", "create", name, "--password-stdin"}, "a long enough password\n").code ==
          0);
    REQUIRE(s.run({"user", "grant", a, "administration"}).code == 0);
    REQUIRE(s.run({"user", "grant", b, "administration"}).code == 0);
    if (round > 0) {  // the previous round's survivor steps down, so a and b are the only two
      const std::string pa = "a" + std::to_string(round - 1), pb = "b" + std::to_string(round - 1);
      for (const auto& name : {pa, pb}) s.run({"user", "revoke", name, "administration"});
    }
    auto p = s.start({"user", "revoke", a, "administration"});
    auto q = s.start({"user", "revoke", b, "administration"});
    Result ra = p.wait(), rb = q.wait();
    INFO(ra.err << rb.err);
    // Exactly one succeeds; the other finds it would leave no administrator.
    CHECK(((ra.code == 0 && rb.code == 4) || (ra.code == 4 && rb.code == 0)));
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
