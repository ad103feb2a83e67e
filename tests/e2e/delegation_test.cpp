// Delegated mode: once an account holds administration, every change and audit read needs an
// authenticated actor holding the command's right. Each refusal changes nothing in the store but
// the bounded record of the refusal.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;

namespace {

const std::string password = "a long enough password\n";

// A delegated store: root-admin (administration), helpdesk (user-management), plain (no right),
// each with `password`; and an account "target" to act on.
void delegated_store(Sandbox& s) {
  s.at(e2e::t0);
  for (const char* name : {"root-admin", "helpdesk", "plain"})
    REQUIRE(s.run({"user", "create", name, "--password-stdin"}, password).code == 0);
  s.user("target");
  REQUIRE(s.run({"user", "grant", "helpdesk", "user-management"}).code == 0);
  REQUIRE(s.run({"user", "grant", "root-admin", "administration"}).code == 0);
}

// Runs `args` acting as `actor`, its password (or `pw`) on stdin through --as-password-fd 0.
Result as(const Sandbox& s, const std::string& actor, std::vector<std::string> args,
          const std::string& pw = password) {
  std::vector<std::string> full{"--as", actor, "--as-password-fd", "0"};
  full.insert(full.end(), args.begin(), args.end());
  return s.run(full, pw);
}

// The store without the audit log's refusal summaries and tallies (a refusal adds to those) and
// without the accounts' counts of failed password checks (a wrong password adds to those).
std::string state(const Sandbox& s) {
  std::istringstream in(s.dump_except({"failed_logins"}));
  std::string out;
  bool keep = true;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) keep = line != "## audit" && line != "## rejection_tally";
    if (keep) out += line + '\n';
  }
  return out + std::to_string(s.count("audit", "action <> 'admin.denied'"));
}

}  // namespace

TEST_CASE("in delegated mode a change needs an authenticated actor holding its right") {
  Sandbox s;
  delegated_store(s);
  const std::string before = state(s);
  const std::vector<std::string> create{"user", "create", "newbie", "--no-password"};

  Result none = s.run(create);
  CHECK(none.code == 5);
  CHECK(contains(none.err, "delegated mode"));
  CHECK(contains(none.err, "--as"));
  Result wrong = as(s, "helpdesk", create, "not the password\n");
  CHECK(wrong.code == 5);
  CHECK(contains(wrong.err, "wrong password"));
  Result unknown = as(s, "nobody", create);
  CHECK(unknown.code == 5);
  CHECK(contains(unknown.err, "unknown user or wrong password"));  // no hint which it was
  Result without = as(s, "plain", create);
  CHECK(without.code == 7);
  CHECK(contains(without.err, "user-management"));
  CHECK(state(s) == before);
  // Every refusal is on record, bounded: one summary per subject and reason in the hour.
  CHECK(s.count("audit", "action = 'admin.denied' AND result = 'denied'") == 4);

  Result ok = as(s, "helpdesk", create);
  REQUIRE(ok.code == 0);
  Result event = s.run({"--json", "audit", "--action", "user.create", "--limit", "1"});
  // Reading the audit log needs the audit right too.
  CHECK(event.code == 5);
  REQUIRE(s.run({"user", "grant", "plain", "audit"}).code == 5);
  REQUIRE(as(s, "root-admin", {"user", "grant", "root-admin", "audit"}).code == 7);
}

TEST_CASE("the actor is recorded on each event, and acting counts as its activity") {
  Sandbox s;
  s.at("2025-10-01T00:00:00Z");
  s.user("dormant");  // inactive from 2025-11-30
  delegated_store(s);
  REQUIRE(as(s, "root-admin", {"user", "grant", "root-admin", "user-management"}).code == 7);
  // Nobody holds audit yet: the owner grants it (owner override) to read the log back.
  REQUIRE(s.run({"--owner-override", "user", "grant", "root-admin", "audit"}).code == 0);
  s.at("2026-01-10T00:00:00Z");
  REQUIRE(as(s, "helpdesk", {"user", "reactivate", "dormant"}).code == 0);
  Result log = as(s, "root-admin", {"--json", "audit"});
  REQUIRE(log.code == 0);
  const auto events = log.json();
  const auto& override_grant = events[events.size() - 2];
  CHECK(override_grant["action"] == "user.grant");
  CHECK(override_grant["authenticated_by"] == "owner-override");
  CHECK(override_grant["actor_account"].is_null());
  const auto& reactivation = events.back();
  CHECK(reactivation["action"] == "user.reactivate");
  CHECK(reactivation["actor_account"] == "helpdesk");
  CHECK(reactivation["authenticated_by"] == "password");
  CHECK(reactivation["result"] == "ok");
  Result helpdesk = s.run({"--json", "user", "show", "helpdesk"});
  CHECK(helpdesk.json()["last_activity_source"] == "admin:user.reactivate");
  CHECK(helpdesk.json()["last_activity_at"] == "2026-01-10T00:00:00Z");
  // Reads stay open to whoever can read the store.
  CHECK(s.run({"user", "list"}).code == 0);
  CHECK(s.run({"webhook", "list"}).code == 0);
}

TEST_CASE("an inactive actor cannot act, and another holder of user-management reactivates it") {
  Sandbox s;
  delegated_store(s);
  REQUIRE(as(s, "root-admin", {"user", "grant", "plain", "user-management"}).code == 7);
  REQUIRE(s.run({"--owner-override", "user", "grant", "plain", "user-management"}).code == 0);
  s.at("2026-02-20T00:00:00Z");  // plain acts, which keeps it active; helpdesk does not
  REQUIRE(as(s, "plain", {"user", "edit", "target", "--email", "t@example.org"}).code == 0);
  s.at("2026-03-05T00:00:00Z");
  Result inactive = as(s, "helpdesk", {"user", "reactivate", "target"});
  CHECK(inactive.code == 5);
  CHECK(contains(inactive.err, "inactive"));
  REQUIRE(as(s, "plain", {"user", "reactivate", "helpdesk"}).code == 0);
  CHECK(as(s, "helpdesk", {"user", "reactivate", "target"}).code == 0);
}

TEST_CASE(
    "an actor grants and takes only rights it holds, and cannot take over a mightier account") {
  Sandbox s;
  delegated_store(s);
  const std::string before = state(s);
  Result more = as(s, "root-admin", {"user", "grant", "plain", "token-management"});
  CHECK(more.code == 7);
  CHECK(contains(more.err, "token-management"));
  // user-management may set passwords, but not of an account holding rights it lacks.
  Result takeover = as(s, "helpdesk", {"user", "set-password", "root-admin", "--no-password"});
  CHECK(takeover.code == 7);
  CHECK(as(s, "helpdesk", {"user", "delete", "root-admin", "--yes"}).code == 7);
  CHECK(state(s) == before);
  CHECK(as(s, "root-admin", {"user", "grant", "plain", "administration"}).code == 0);
  CHECK(as(s, "helpdesk", {"user", "set-password", "target", "--no-password"}).code == 0);
}

TEST_CASE("the store's owner may use --owner-override, and a password is never taken from argv") {
  Sandbox s;
  delegated_store(s);
  // The tests run as the store's owner (or root): the override works and is audited.
  Result o = s.run({"--owner-override", "policy", "set", "inactivity-period", "90d", "--yes"});
  CHECK(o.code == 0);
  // --as-password-fd takes a descriptor, never the password itself.
  Result argv = s.run({"--as", "helpdesk", "--as-password-fd", "a long enough password", "user",
                       "reactivate", "target"});
  CHECK(argv.code == 2);
  CHECK_FALSE(contains(argv.err, "long enough"));
  // Without a terminal and without --as-password-fd there is no way to give the password.
  Result no_tty = s.run({"--as", "helpdesk", "user", "reactivate", "target"});
  CHECK(no_tty.code == 2);
  CHECK(contains(no_tty.err, "--as-password-fd"));
}

namespace {

// Writes an admin token's secret to a file of `mode` in the sandbox and returns its path.
std::string token_file(const Sandbox& s, const std::string& secret, std::filesystem::perms mode,
                       const std::string& name = "admin.token") {
  const auto path = s.dir / name;
  {
    std::ofstream out(path);
    out << secret << '\n';
  }
  std::filesystem::permissions(path, mode);
  return path.string();
}

}  // namespace

TEST_CASE("an admin token lets a script act as its owner, and never passes a webhook call") {
  Sandbox s;
  delegated_store(s);
  REQUIRE(s.run({"--owner-override", "user", "create", "svc", "--service", "--no-password"}).code ==
          0);
  REQUIRE(s.run({"--owner-override", "webhook", "create", "orders", "--owner", "svc"}).code == 0);
  Result issued =
      as(s, "helpdesk", {"token", "create", "--user", "helpdesk", "--admin", "--name", "cron"});
  REQUIRE(issued.code == 0);
  const std::string secret = issued.line();
  REQUIRE(e2e::starts_with(secret, "hkm_"));
  const std::string id = e2e::token_id(secret);
  const std::string file = token_file(
      s, secret, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  Result acted =
      s.run({"--as-token-file", file, "user", "edit", "target", "--email", "target@example.org"});
  REQUIRE(acted.code == 0);
  REQUIRE(s.run({"--owner-override", "user", "grant", "root-admin", "audit"}).code == 0);
  Result log = as(s, "root-admin", {"--json", "audit", "--action", "user.edit"});
  REQUIRE(log.code == 0);
  CHECK(log.json().back()["actor_account"] == "helpdesk");
  CHECK(log.json().back()["authenticated_by"] == "token:" + id);
  // The same through the environment.
  CHECK(s.run_env({"user", "edit", "target", "--no-email"}, "", {{"HOOKCTL_AS_TOKEN_FILE", file}})
            .code == 0);
  // Its rights are its owner's.
  CHECK(
      s.run({"--as-token-file", file, "policy", "set", "inactivity-period", "30d", "--yes"}).code ==
      7);

  // Never a webhook credential: not accepted for a call, not bindable.
  Result call = s.run({"auth", "verify", "orders"}, "Bearer " + secret);
  CHECK(call.code == 5);
  CHECK(e2e::starts_with(call.out, "401 not-bound"));
  CHECK(as(s, "root-admin", {"webhook", "bind", "orders", "--token", id}).code != 0);
  REQUIRE(s.run({"--owner-override", "webhook", "bind", "orders", "--token", id}).code == 4);
  // A webhook token never authenticates an actor.
  Result api_token = as(s, "helpdesk", {"token", "create", "--user", "svc"});
  REQUIRE(api_token.code == 0);
  const std::string api_file = token_file(
      s, api_token.line(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
      "api.token");
  CHECK(s.run({"--as-token-file", api_file, "user", "reactivate", "target"}).code == 5);
  // A file others can read is refused before anything is read from it.
  std::filesystem::permissions(file, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  Result open_file = s.run({"--as-token-file", file, "user", "reactivate", "target"});
  CHECK(open_file.code == 2);
  CHECK(contains(open_file.err, "chmod 600"));
  CHECK_FALSE(contains(open_file.err, secret.substr(4, 20)));
  // Neither the admin token's secret nor an actor's password is kept in the store, the audit log
  // included: not in any row, and (SQLite) not in any byte of its files.
  const std::string rows = s.dump();
  CHECK_FALSE(contains(rows, secret.substr(4)));
  CHECK_FALSE(contains(rows, "a long enough password"));
  if (!s.on_postgresql()) {
    const std::string files = s.raw_files();
    CHECK_FALSE(contains(files, secret.substr(4)));
    CHECK_FALSE(contains(files, "a long enough password"));
  }
}

TEST_CASE("an admin token for another account needs every right that account holds") {
  Sandbox s;
  delegated_store(s);
  Result up = as(s, "helpdesk", {"token", "create", "--user", "root-admin", "--admin"});
  CHECK(up.code == 7);
  CHECK(up.out.empty());  // no secret was issued
  CHECK(s.count("tokens") == 0);
  // An expired admin token no longer authenticates.
  Result brief =
      as(s, "helpdesk", {"token", "create", "--user", "helpdesk", "--admin", "--expires-in", "1h"});
  REQUIRE(brief.code == 0);
  const std::string file = token_file(
      s, brief.line(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  s.at("2026-01-01T02:00:00Z");
  Result expired = s.run({"--as-token-file", file, "user", "reactivate", "target"});
  CHECK(expired.code == 5);
  CHECK(contains(expired.err, "not valid"));
}

TEST_CASE("under sudo the caller can neither choose the store nor move the clock", "[sqlite]") {
  // The tests run as root; sudo is played by running hookctl as nobody with the environment sudo
  // leaves: the caller's uid and name in SUDO_UID and SUDO_USER.
  Sandbox s;
  s.at(e2e::t0);
  s.user("alice");
  ::chmod(s.dir.c_str(), 0755);
  e2e::ChildSetup as_nobody;
  as_nobody.uid = 65534;
  as_nobody.gid = 65534;
  const auto saved = s.env;
  auto run_sudo = [&](const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env) {
    s.env = saved;
    for (const auto& [k, v] : env) s.env[k] = v;
    Result r = s.run_as(args, "", as_nobody);
    s.env = saved;
    return r;
  };
  const std::map<std::string, std::string> carol{{"SUDO_UID", "1000"}, {"SUDO_USER", "carol"}};
  // A caller who is not root names no store: neither --db nor HOOKCTL_DB.
  Result db = run_sudo({"--db", s.store, "user", "list"}, carol);
  CHECK(db.code == 2);
  CHECK(contains(db.err, "under sudo"));
  CHECK(run_sudo({"user", "list"}, carol).code == 2);  // HOOKCTL_DB is set by the harness
  // The default store is the target user's, from its home in the password database (nobody's
  // is /nonexistent), whatever HOME and XDG_DATA_HOME say.
  auto defaults = carol;
  defaults["HOOKCTL_DB"] = "";
  defaults["HOME"] = s.dir.string();
  defaults["XDG_DATA_HOME"] = s.dir.string();
  Result found = run_sudo({"user", "list"}, defaults);
  CHECK(found.code == 6);
  CHECK(contains(found.err, "/nonexistent/.local/share/hookctl/store.db"));
  CHECK(contains(found.err, "home directory of nobody"));
  // Root may name a store (here one nobody owns), but the clock stays real, and the actor is
  // the sudo user.
  const std::filesystem::path own = s.dir / "nobody";
  std::filesystem::create_directory(own);
  REQUIRE(::chown(own.c_str(), 65534, 65534) == 0);
  const std::map<std::string, std::string> root{{"SUDO_UID", "0"},
                                                {"SUDO_USER", "root-caller"},
                                                {"HOOKCTL_DB", (own / "store.db").string()},
                                                {"HOOKCTL_NOW", "2020-01-01T00:00:00Z"}};
  Result created = run_sudo({"--json", "user", "create", "bob", "--no-password"}, root);
  INFO(created.err);
  REQUIRE(created.code == 0);
  CHECK_FALSE(e2e::starts_with(created.json()["created_at"].get<std::string>(), "2020-"));
  Result log = run_sudo({"--json", "audit", "--action", "user.create"}, root);
  REQUIRE(log.code == 0);
  CHECK(log.json().back()["actor"] == "root-caller");
}
