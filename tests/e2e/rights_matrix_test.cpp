// The rights matrix: every command that changes the store (and audit, which reads the log) under
// each kind of actor in a store in delegated mode. Every refusal has its exit code and leaves the
// store as it was (only the bounded record of refusals, and the failed-password count, grow).
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "e2e/harness.hpp"

using e2e::Result;
using e2e::Sandbox;

namespace {

const std::string pw = "a long enough password\n";
const std::vector<std::string> all_rights{"user-management", "token-management",
                                          "webhook-management", "audit", "administration"};

// A delegated store at 2026-03-10: "super" holds every right; "none" holds none; "idle" holds
// every right but went inactive; "locked" holds every right but its password is locked. To act
// on: "target" (no password), "pwuser" (a password), "deleteme", service "svc" with the webhook
// "orders" and an integration token (`token`).
struct World {
  Sandbox s;
  std::string token;

  World() {
    s.at("2026-01-01T00:00:00Z");
    REQUIRE(s.run({"user", "create", "idle", "--password-stdin"}, pw).code == 0);
    s.at("2026-03-01T00:00:00Z");
    for (const char* name : {"super", "none", "locked", "pwuser"})
      REQUIRE(s.run({"user", "create", name, "--password-stdin"}, pw).code == 0);
    for (const char* name : {"target", "deleteme"}) s.user(name);
    s.user("svc", {"--service"});
    REQUIRE(s.run({"webhook", "create", "orders", "--owner", "svc"}).code == 0);
    Result t = s.run({"token", "create", "--user", "svc"});
    REQUIRE(t.code == 0);
    token = e2e::token_id(t.line());
    REQUIRE(s.run({"policy", "set", "lockout-threshold", "3"}).code == 0);
    for (const char* name : {"idle", "locked", "super"}) {
      // The first grant of administration ends owner mode; the store's owner goes on.
      std::vector<std::string> grant{"--owner-override", "user", "grant", name};
      grant.insert(grant.end(), all_rights.begin(), all_rights.end());
      REQUIRE(s.run(grant).code == 0);
    }
    s.at("2026-03-10T00:00:00Z");  // idle is inactive since 03-02
    for (int i = 0; i < 3; ++i) run_as("locked", {"user", "list"}, "wrong password!!\n");
    std::ofstream(s.dir / "import.jsonl") << "{\"name\": \"imported\"}\n";
  }

  Result run_as(const std::string& actor, std::vector<std::string> args,
                const std::string& password = pw) const {
    std::vector<std::string> full{"--as", actor, "--as-password-fd", "0"};
    full.insert(full.end(), args.begin(), args.end());
    return s.run(full, password);
  }

  // Everything a refused command must leave alone (the failed-password count aside).
  std::string state() const {
    return s.run({"--json", "user", "list"}).out + s.table("account_rights") + s.table("tokens") +
           s.table("webhooks") + s.table("policy") +
           std::to_string(
               s.count("audit", "action <> 'admin.denied' AND action <> 'user.lockout'"));
  }
};

}  // namespace

TEST_CASE("rights matrix: every change under every kind of actor") {
  const std::string backup_name = "backup.db";
  const std::vector<std::vector<std::string>> commands{
      {"user", "create", "newbie", "--no-password"},
      {"user", "edit", "target", "--email", "target@example.org"},
      {"user", "import", "IMPORT"},
      {"user", "reactivate", "idle"},
      {"user", "set-password", "pwuser", "--no-password"},
      {"user", "delete", "deleteme", "--yes"},
      {"user", "grant", "target", "audit"},
      {"user", "revoke", "locked", "audit"},
      {"user", "unlock", "locked"},
      {"token", "create", "--user", "svc"},
      {"token", "rotate", "TOKEN", "--grace", "1h"},
      {"token", "edit", "TOKEN", "--name", "renamed"},
      {"token", "revoke", "TOKEN", "--yes"},
      {"webhook", "create", "billing", "--owner", "svc"},
      {"webhook", "bind", "orders", "--token", "TOKEN"},
      {"webhook", "edit", "orders", "--description", "the shop"},
      {"webhook", "delete", "orders", "--yes"},
      {"policy", "set", "inactivity-period", "90d", "--yes"},
      {"audit"},
      {"store", "backup", "BACKUP"},
  };
  for (const auto& command : commands) {
    std::string shown;
    for (const auto& w : command) shown += w + " ";
    INFO("hookctl " << shown);
    for (bool override : {false, true}) {
      World w;
      std::vector<std::string> args = command;
      for (auto& a : args) {
        if (a == "TOKEN") a = w.token;
        if (a == "IMPORT") a = (w.s.dir / "import.jsonl").string();
        if (a == "BACKUP") a = (w.s.dir / backup_name).string();
      }
      if (override) {  // the store's owner, past every right
        std::vector<std::string> full{"--owner-override"};
        full.insert(full.end(), args.begin(), args.end());
        Result r = w.s.run(full);
        INFO(r.err);
        CHECK(r.code == 0);
        continue;
      }
      const std::string before = w.state();
      Result none = w.s.run(args);
      CHECK(none.code == 5);
      Result wrong = w.run_as("super", args, "not the password!\n");
      CHECK(wrong.code == 5);
      Result idle = w.run_as("idle", args);
      CHECK(idle.code == 5);
      Result locked = w.run_as("locked", args);
      CHECK(locked.code == 5);
      Result without = w.run_as("none", args);
      CHECK(without.code == 7);
      for (const Result* r : {&none, &wrong, &idle, &locked, &without}) CHECK(r->out.empty());
      CHECK(w.state() == before);
      Result with = w.run_as("super", args);
      INFO(with.err);
      CHECK(with.code == 0);
    }
  }
}
