// The rights matrix: every command that changes the store (and audit, which reads the log) under
// each kind of actor in a store in delegated mode. Every refusal has its exit code and leaves the
// store as it was (only the bounded record of refusals, and the failed-password count, grow).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "e2e/harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;

namespace {

const std::string pw = "a long enough password\n";
const std::vector<std::string> all_rights{"user-management", "token-management",
                                          "webhook-management", "audit", "administration"};

// A delegated store at 2026-03-10. Actors: "super" holds every right (a password and an admin
// token), "none" holds none (an admin token), "idle" holds every right but went inactive (acting
// with an admin token), "locked" holds every right but its password is locked. To act on: "target"
// (no password), "pwuser" (a password), "deleteme", service "svc" with the webhook "orders" and an
// integration token (`token`).
//
// Passwords are Argon2id (64 MiB, about a third of a second each), so the actors that need no
// password to be what they are act with admin tokens, and one world serves every command.
struct World {
  Sandbox s;
  std::string token;
  std::map<std::string, std::string> token_file;  // actor -> its admin token's file

  World() {
    s.at("2026-01-01T00:00:00Z");
    REQUIRE(s.run({"user", "create", "idle", "--password-stdin"}, pw).code == 0);
    s.at("2026-03-01T00:00:00Z");
    for (const char* name : {"super", "locked", "pwuser"})
      REQUIRE(s.run({"user", "create", name, "--password-stdin"}, pw).code == 0);
    for (const char* name : {"none", "target", "deleteme"}) s.user(name);
    s.user("svc", {"--service"});
    REQUIRE(s.run({"webhook", "create", "orders", "--owner", "svc"}).code == 0);
    Result t = s.run({"token", "create", "--user", "svc"});
    REQUIRE(t.code == 0);
    token = e2e::token_id(t.line());
    for (const char* name : {"idle", "super", "none"}) {
      Result admin = s.run({"token", "create", "--user", name, "--admin"});
      REQUIRE(admin.code == 0);
      const std::filesystem::path file = s.dir / (std::string(name) + ".token");
      std::ofstream(file) << admin.line() << '\n';
      std::filesystem::permissions(
          file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      token_file[name] = file.string();
    }
    REQUIRE(s.run({"policy", "set", "lockout-threshold", "3"}).code == 0);
    for (const char* name : {"idle", "locked", "super"}) {
      // The first grant of administration ends owner mode; the store's owner goes on.
      std::vector<std::string> grant{"--owner-override", "user", "grant", name};
      grant.insert(grant.end(), all_rights.begin(), all_rights.end());
      REQUIRE(s.run(grant).code == 0);
    }
    s.at("2026-03-10T00:00:00Z");  // idle is inactive since 03-02
    for (int i = 0; i < 3; ++i) run_as("locked", {"user", "list"}, "wrong password!!\n");
    REQUIRE(s.count("accounts", "name = 'locked' AND locked_until IS NOT NULL") == 1);
    // Wrong passwords for super follow, one per command: it must not lock.
    REQUIRE(s.run({"--owner-override", "policy", "set", "lockout-threshold", "1000"}).code == 0);
    std::ofstream(s.dir / "import.jsonl") << "{\"name\": \"imported\"}\n";
  }

  Result run_as(const std::string& actor, std::vector<std::string> args,
                const std::string& password = pw) const {
    std::vector<std::string> full{"--as", actor, "--as-password-fd", "0"};
    full.insert(full.end(), args.begin(), args.end());
    return s.run(full, password);
  }
  Result run_with_token(const std::string& actor, std::vector<std::string> args) const {
    std::vector<std::string> full{"--as-token-file", token_file.at(actor)};
    full.insert(full.end(), args.begin(), args.end());
    return s.run(full);
  }

  // Everything a refused command must leave alone (failed-password counts aside).
  std::string state() const {
    return s.run({"--json", "user", "list"}).out + s.table("account_rights") + s.table("tokens") +
           s.table("webhooks") + s.table("policy") +
           std::to_string(
               s.count("audit", "action <> 'admin.denied' AND action <> 'user.lockout'"));
  }

  // A command with its placeholders filled in.
  std::vector<std::string> args(std::vector<std::string> command) const {
    for (auto& a : command) {
      if (a == "TOKEN") a = token;
      if (a == "IMPORT") a = (s.dir / "import.jsonl").string();
      if (a == "BACKUP") a = (s.dir / "backup.db").string();
    }
    return command;
  }
};

// Every command that changes the store, and audit, which reads the log; in an order in which
// each succeeds after the ones before it.
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
    {"webhook", "create", "billing", "--owner", "svc"},
    {"webhook", "bind", "orders", "--token", "TOKEN"},
    {"webhook", "edit", "orders", "--description", "the shop"},
    {"token", "revoke", "TOKEN", "--yes"},
    {"webhook", "delete", "orders", "--yes"},
    {"policy", "set", "inactivity-period", "90d", "--yes"},
    {"audit"},
    {"store", "backup", "BACKUP"},
};

std::string shown(const std::vector<std::string>& command) {
  std::string out = "hookctl";
  for (const auto& w : command) out += " " + w;
  return out;
}

}  // namespace

TEST_CASE("rights matrix: every change under every kind of actor") {
  World w;
  // Every refusal first, each leaving the store as it was.
  for (const auto& command : commands) {
    INFO(shown(command));
    const std::vector<std::string> args = w.args(command);
    const std::string before = w.state();
    Result none = w.s.run(args);
    CHECK(none.code == 5);
    Result wrong = w.run_as("super", args, "not the password!\n");
    CHECK(wrong.code == 5);
    Result idle = w.run_with_token("idle", args);
    CHECK(idle.code == 5);
    Result locked = w.run_as("locked", args);
    CHECK(locked.code == 5);
    CHECK(contains(locked.err, "locked"));
    Result without = w.run_with_token("none", args);
    CHECK(without.code == 7);
    for (const Result* r : {&none, &wrong, &idle, &locked, &without}) CHECK(r->out.empty());
    CHECK(w.state() == before);
  }
  // Then each with the right, in order.
  for (const auto& command : commands) {
    INFO(shown(command));
    Result with = w.run_with_token("super", w.args(command));
    INFO(with.err);
    CHECK(with.code == 0);
  }
  // The password path with the right, once (the refusals above took it for every command).
  CHECK(w.run_as("super", {"user", "edit", "target", "--no-email"}).code == 0);
}

TEST_CASE("rights matrix: the store's owner overrides every right") {
  World w;
  for (const auto& command : commands) {
    INFO(shown(command));
    std::vector<std::string> full{"--owner-override"};
    for (const auto& a : w.args(command)) full.push_back(a);
    Result r = w.s.run(full);
    INFO(r.err);
    CHECK(r.code == 0);
  }
}
