// The audit trail end to end: every administrative change recorded with time, actor, action,
// subject and details; the audit command's filters; rejected logins summarised, bounded and
// counted; a store of the previous schema upgraded with its log; and no secret ever written to
// the audit log or the store files.
#include <SQLiteCpp/Database.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;
using nlohmann::json;

namespace {

const std::regex rfc3339_utc(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)");

json audit(const Sandbox& s, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"audit", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  Result r = s.run(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  json j = r.json();
  REQUIRE(j.is_array());
  return j;
}

std::vector<std::string> subjects(const json& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["subject"]);
  return out;
}

// The events about `subject` at `at` whose action mentions `word`.
size_t matching(const json& events, const std::string& subject, const std::string& at,
                const std::string& word) {
  size_t n = 0;
  for (const auto& e : events)
    if (e["subject"] == subject && e["at"] == at && contains(e["action"], word)) ++n;
  return n;
}

void must(const Result& r) {
  INFO(r.err);
  REQUIRE(r.code == 0);
}

// Runs SQL of the test's own on the sandbox's store, whatever its engine (several statements
// allowed; the PostgreSQL spelling names the schema).
void raw_sql(const Sandbox& s, const std::string& sqlite, const std::string& postgresql) {
  if (s.on_postgresql()) {
    pgtest::query(s.database->host(), s.database->name(), postgresql);
    return;
  }
  SQLite::Database d(s.db.string(), SQLite::OPEN_READWRITE);
  d.exec(sqlite);
}

// Takes the sandbox's store back to schema 1, the one before rejection tallies: exactly what
// that hookctl created, as schema 2 only added the tally table and its guards.
void downgrade_to_schema_1(const Sandbox& s) {
  // What schema 3 added goes first (rights, lockout, the audit's actor columns), then schema 2's.
  raw_sql(s,
          "DROP TABLE account_rights; ALTER TABLE accounts DROP COLUMN failed_logins; "
          "ALTER TABLE accounts DROP COLUMN locked_until; "
          "ALTER TABLE audit DROP COLUMN actor_account; "
          "ALTER TABLE audit DROP COLUMN authenticated_by; ALTER TABLE audit DROP COLUMN result; "
          "DROP TABLE rejection_tally; ALTER TABLE webhooks DROP COLUMN previous_token_until; "
          "ALTER TABLE webhooks DROP COLUMN previous_token_id; PRAGMA user_version = 1",
          "DROP TABLE hookctl.account_rights; "
          "ALTER TABLE hookctl.accounts DROP COLUMN failed_logins, DROP COLUMN locked_until; "
          "ALTER TABLE hookctl.audit DROP COLUMN actor_account, DROP COLUMN authenticated_by, "
          "DROP COLUMN result; "
          "DROP TABLE hookctl.rejection_tally; "
          "DROP FUNCTION hookctl.rejection_tally_only_grows(); "
          "ALTER TABLE hookctl.webhooks DROP COLUMN previous_token_until; "
          "ALTER TABLE hookctl.webhooks DROP COLUMN previous_token_id; "
          "UPDATE hookctl.meta SET value = '1' WHERE key = 'schema_version'");
}

long long schema_version(const Sandbox& s) {
  if (s.on_postgresql())
    return std::stoll(pgtest::query(s.database->host(), s.database->name(),
                                    "SELECT value FROM hookctl.meta WHERE key = "
                                    "'schema_version'"));
  SQLite::Database d(s.db.string(), SQLite::OPEN_READONLY);
  return d.execAndGet("PRAGMA user_version").getInt();
}

}  // namespace

TEST_CASE("every change appears in audit --json with time, actor, action, subject and details") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  must(s.run({"user", "create", "alice", "--password-stdin"}, "alice's first password\n"));
  s.user("svc", {"--service"});
  s.at("2026-01-02T00:00:00Z");
  std::string api = s.token("svc");
  std::string id = e2e::token_id(api);
  s.at("2026-01-03T00:00:00Z");
  s.webhook("orders", "svc");
  s.at("2026-01-04T00:00:00Z");
  must(s.run({"policy", "set", "inactivity-period", "90d"}));
  s.at("2026-01-05T00:00:00Z");
  must(s.run({"user", "set-password", "alice", "--password-stdin"}, "alice's second password\n"));
  s.at("2026-04-10T00:00:00Z");
  must(s.run({"user", "reactivate", "alice"}));
  s.at("2026-04-11T00:00:00Z");
  must(s.run({"user", "import"}, "{\"name\":\"imp\"}\n"));
  s.at("2026-04-12T00:00:00Z");
  must(s.run({"token", "revoke", id, "--yes"}));
  s.at("2026-04-13T00:00:00Z");
  must(s.run({"user", "delete", "imp", "--yes"}));

  json events = audit(s);
  const std::set<std::string> fields{"at",      "actor",    "action",        "subject",
                                     "details", "repeated", "actor_account", "authenticated_by",
                                     "result"};
  std::string previous;
  for (const auto& e : events) {
    INFO(e.dump());
    std::set<std::string> k;
    for (const auto& [key, value] : e.items()) k.insert(key);
    CHECK(k == fields);
    CHECK(e["actor"] == e2e::os_user());
    REQUIRE(e["at"].is_string());
    CHECK(std::regex_match(e["at"].get<std::string>(), rfc3339_utc));
    CHECK(e["at"].get<std::string>() >= previous);  // oldest first
    previous = e["at"];
    REQUIRE(e["details"].is_string());
    CHECK_FALSE(e["details"].get<std::string>().empty());
    CHECK_FALSE(e["action"].get<std::string>().empty());
    CHECK(e["repeated"] == 0);  // present on every event; counts only rejection summaries
  }
  CHECK(matching(events, "alice", "2026-01-01T00:00:00Z", "create") == 1);
  CHECK(matching(events, "svc", "2026-01-01T00:00:00Z", "create") == 1);
  CHECK(matching(events, id, "2026-01-02T00:00:00Z", "create") == 1);
  CHECK(matching(events, "orders", "2026-01-03T00:00:00Z", "create") == 1);
  CHECK(matching(events, "alice", "2026-01-05T00:00:00Z", "password") == 1);
  CHECK(matching(events, "alice", "2026-04-10T00:00:00Z", "reactivate") == 1);
  CHECK(matching(events, "imp", "2026-04-11T00:00:00Z", "import") == 1);
  CHECK(matching(events, id, "2026-04-12T00:00:00Z", "revoke") == 1);
  CHECK(matching(events, "imp", "2026-04-13T00:00:00Z", "delete") == 1);
  size_t policy_events = 0;  // the only change on 2026-01-04
  for (const auto& e : events)
    if (e["at"] == "2026-01-04T00:00:00Z") {
      ++policy_events;
      CHECK(contains(e["action"].get<std::string>() + " " + e["subject"].get<std::string>(),
                     "policy"));
      CHECK(contains(e["details"], "90d"));
    }
  CHECK(policy_events == 1);
  for (const auto& e : events)
    if (e["subject"] == "svc" && contains(e["action"], "create"))
      CHECK(contains(e["details"], "service"));

  // The human table shows the same events.
  Result text = s.run({"audit"});
  REQUIRE(text.code == 0);
  CHECK(contains(text.out, "alice"));
  CHECK(contains(text.out, id));
  CHECK(contains(text.out, e2e::os_user()));
  CHECK(contains(text.out, "2026-04-13T00:00:00Z"));

  // Reading changes nothing and records nothing.
  std::string before = s.dump();
  for (const auto& args : std::vector<std::vector<std::string>>{{"user", "list"},
                                                                {"user", "show", "alice"},
                                                                {"policy", "show"},
                                                                {"audit"},
                                                                {"token", "list", "--all"}})
    CHECK(s.run(args).code == 0);
  CHECK(s.dump() == before);
}

TEST_CASE("audit --subject matches any subject of that name, case-insensitively") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("Alice");
  s.user("svc", {"--service"});
  std::string id = e2e::token_id(s.token("svc"));
  s.webhook("orders", "svc");
  s.at("2026-03-05T00:00:00Z");
  must(s.run({"user", "reactivate", "alice"}));

  for (const char* spelling : {"alice", "ALICE", "Alice", "aLiCe"}) {
    json events = audit(s, {"--subject", spelling});
    INFO(spelling);
    REQUIRE(events.size() == 2);
    CHECK(subjects(events) == std::vector<std::string>{"Alice", "Alice"});
    CHECK(contains(events[0]["action"], "create"));
    CHECK(contains(events[1]["action"], "reactivate"));
  }
  json token_events = audit(s, {"--subject", id});
  REQUIRE_FALSE(token_events.empty());
  for (const auto& e : token_events) CHECK(e["subject"] == id);
  json webhook_events = audit(s, {"--subject", "ORDERS"});
  REQUIRE_FALSE(webhook_events.empty());
  for (const auto& e : webhook_events) CHECK(e["subject"] == "orders");
  // No prefix or substring match.
  CHECK(audit(s, {"--subject", "ali"}).empty());
  CHECK(audit(s, {"--subject", "svc-orders"}).empty());

  Result none = s.run({"audit", "--subject", "nobody"});
  CHECK(none.code == 0);
  CHECK_FALSE(contains(none.out, "Alice"));
  CHECK_FALSE(contains(none.out, "orders"));

  // The history outlives the account.
  must(s.run({"user", "delete", "alice", "--yes"}));
  json history = audit(s, {"--subject", "alice"});
  REQUIRE(history.size() == 3);
  CHECK(contains(history[2]["action"], "delete"));
}

TEST_CASE("audit --subject USER also finds the events of the tokens the user owns or owned") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  s.user("bob");
  s.user("svc", {"--service"});
  s.at("2026-01-02T00:00:00Z");
  const std::string mine = e2e::token_id(s.token("alice"));  // created for alice
  const std::string bobs = e2e::token_id(s.token("bob"));
  const std::string app = e2e::token_id(s.webhook("orders", "alice"));  // alice's App token
  s.at("2026-01-03T00:00:00Z");
  must(s.run({"token", "rotate", bobs, "--owner", "alice"}));  // rotated onto alice
  s.at("2026-01-04T00:00:00Z");
  must(s.run({"token", "edit", mine, "--name", "nightly"}));
  s.at("2026-01-05T00:00:00Z");
  must(s.run({"user", "delete", "alice", "--transfer-to", "svc", "--yes"}));  // moved to svc
  s.at("2026-01-06T00:00:00Z");
  must(s.run({"token", "rotate", mine}));  // svc's by now: not alice's

  auto pairs = [](const json& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(e["action"].get<std::string>() + " " + e["subject"].get<std::string>());
    return out;
  };
  using V = std::vector<std::string>;
  const json alice_json = audit(s, {"--subject", "Alice"});
  const V alice = pairs(alice_json);
  REQUIRE(alice.size() == 9);
  CHECK(V(alice.begin(), alice.begin() + 5) == V{"user.create alice", "token.create " + mine,
                                                 "token.create " + app, "token.rotate " + bobs,
                                                 "token.edit " + mine});
  // The deletion moved the three in id order, then deleted the account.
  const V tail(alice.begin() + 5, alice.end());
  CHECK(std::count(tail.begin(), tail.end(), "token.transfer " + mine) == 1);
  CHECK(std::count(tail.begin(), tail.end(), "token.transfer " + app) == 1);
  CHECK(std::count(tail.begin(), tail.end(), "token.transfer " + bobs) == 1);
  CHECK(tail.back() == "user.delete alice");
  for (const auto& e : alice_json) CHECK(e["at"] < "2026-01-06T00:00:00Z");

  // bob: his token up to the rotation that moved it, included.
  CHECK(pairs(audit(s, {"--subject", "bob"})) ==
        V{"user.create bob", "token.create " + bobs, "token.rotate " + bobs});
  // svc owns all three now: their whole histories, the later rotation too.
  const json svc = audit(s, {"--subject", "svc"});
  CHECK(svc.back()["action"] == "token.rotate");
  CHECK(svc.back()["subject"] == mine);
  CHECK(svc.size() == 1 + 3 + 1 + 1 + 3 + 1);  // user, creates, rotate, edit, transfers, rotate
  // A webhook or token id stays an exact match; the filters still combine.
  CHECK(pairs(audit(s, {"--subject", "orders"})) == V{"webhook.create orders"});
  CHECK(audit(s, {"--subject", mine}).size() == 4);
  CHECK(pairs(audit(s, {"--subject", "alice", "--action", "token.rotate"})) ==
        V{"token.rotate " + bobs});
  CHECK(pairs(audit(s, {"--subject", "alice", "--since", "2026-01-05", "--limit", "1"})) ==
        V{"user.delete alice"});
  CHECK(audit(s, {"--subject", "alice", "--since", "2026-01-04", "--action", "token.transfer"})
            .size() == 3);
}

TEST_CASE("audit --since keeps the last DUR and --limit the newest N, oldest first") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("a");
  s.at("2026-01-05T00:00:00Z");
  s.user("b");
  s.at("2026-01-10T00:00:00Z");
  s.user("c");
  s.at("2026-01-10T06:00:00Z");
  s.user("d");

  s.at("2026-01-10T12:00:00Z");
  using V = std::vector<std::string>;
  CHECK(subjects(audit(s)) == V{"a", "b", "c", "d"});
  CHECK(subjects(audit(s, {"--since", "30d"})) == V{"a", "b", "c", "d"});
  CHECK(subjects(audit(s, {"--since", "6d"})) == V{"b", "c", "d"});
  CHECK(subjects(audit(s, {"--since", "1d"})) == V{"c", "d"});
  CHECK(subjects(audit(s, {"--since", "7h"})) == V{"d"});
  CHECK(subjects(audit(s, {"--since", "5h"})) == V{});
  CHECK(subjects(audit(s, {"--limit", "2"})) == V{"c", "d"});
  CHECK(subjects(audit(s, {"--limit", "1"})) == V{"d"});
  CHECK(subjects(audit(s, {"--limit", "100"})) == V{"a", "b", "c", "d"});
  CHECK(subjects(audit(s, {"--since", "6d", "--limit", "2"})) == V{"c", "d"});
  CHECK(subjects(audit(s, {"--subject", "A", "--limit", "1"})) == V{"a"});
  CHECK(subjects(audit(s, {"--subject", "b", "--since", "1d"})) == V{});

  Result text = s.run({"audit", "--limit", "1"});
  REQUIRE(text.code == 0);
  CHECK(contains(text.out, "2026-01-10T06:00:00Z"));
  CHECK_FALSE(contains(text.out, "2026-01-10T00:00:00Z"));

  std::string before = s.dump();
  for (const auto& args : std::vector<std::vector<std::string>>{{"audit", "--limit", "0"},
                                                                {"audit", "--limit", "-1"},
                                                                {"audit", "--limit", "ten"},
                                                                {"audit", "--limit"},
                                                                {"audit", "--since", "5"},
                                                                {"audit", "--since", "1y"},
                                                                {"audit", "--since", "-1d"},
                                                                {"audit", "--until", "1d"}}) {
    Result r = s.run(args);
    INFO(args.back() << "\n" << r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
  }
  CHECK(s.dump() == before);
}

TEST_CASE("audit --since also takes a time or a date, which means its midnight UTC") {
  Sandbox s;
  s.at("2026-10-31T23:59:59Z");
  s.user("a");
  s.at("2026-11-01T00:00:00Z");
  s.user("b");
  s.at("2026-11-01T09:00:00Z");
  s.user("c");
  s.at("2026-11-02T08:00:00Z");
  s.user("d");

  s.at("2026-11-03T00:00:00Z");
  using V = std::vector<std::string>;
  CHECK(subjects(audit(s, {"--since", "2026-11-01"})) == V{"b", "c", "d"});
  CHECK(subjects(audit(s, {"--since", "2026-10-31"})) == V{"a", "b", "c", "d"});
  CHECK(subjects(audit(s, {"--since", "2026-11-01T09:00:00Z"})) == V{"c", "d"});
  CHECK(subjects(audit(s, {"--since", "2026-11-01T09:00:01Z"})) == V{"d"});
  CHECK(subjects(audit(s, {"--since", "2026-11-01T10:00:00+01:00"})) == V{"c", "d"});
  CHECK(subjects(audit(s, {"--since", "2026-11-01T00:00:00.5Z"})) == V{"b", "c", "d"});
  CHECK(audit(s, {"--since", "2026-11-04"}).empty());
  // A duration still counts back from now (HOOKCTL_NOW here).
  CHECK(subjects(audit(s, {"--since", "1d"})) == V{"d"});
  CHECK(subjects(audit(s, {"--since", "2026-11-01", "--limit", "1"})) == V{"d"});
  // The same in the table.
  Result text = s.run({"audit", "--since", "2026-11-02"});
  REQUIRE(text.code == 0);
  CHECK(contains(text.out, "2026-11-02T08:00:00Z"));
  CHECK_FALSE(contains(text.out, "2026-11-01T09:00:00Z"));

  // Neither a duration nor a time: exit 2, naming the option, teaching both forms, and never
  // repeating the value.
  const std::string before = s.dump();
  for (const char* wrong : {"2026-13-01", "2026-11-01 09:00", "1969-12-31", "01/11/2026",
                            "yesterday", "Zq9-hunter2-Passphrase"}) {
    Result r = s.run({"audit", "--since", wrong});
    INFO(wrong << "\n" << r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "--since"));
    CHECK(contains(r.err, "2026-11-28"));
    CHECK_FALSE(contains(r.err, wrong));
  }
  CHECK(s.dump() == before);
}

TEST_CASE("audit --action keeps the events of the actions named and refuses any other") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  s.user("svc", {"--service"});
  const std::string id = e2e::token_id(s.token("svc"));
  s.webhook("orders", "svc");
  s.at("2026-01-02T00:00:00Z");
  must(s.run({"token", "rotate", id}));
  s.at("2026-01-03T00:00:00Z");
  must(s.run({"token", "revoke", id, "--yes"}));

  json rotations = audit(s, {"--action", "token.rotate"});
  REQUIRE(rotations.size() == 1);
  CHECK(rotations[0]["subject"] == id);
  CHECK(rotations[0]["at"] == "2026-01-02T00:00:00Z");
  json users = audit(s, {"--action", "user.create"});
  CHECK(subjects(users) == std::vector<std::string>{"alice", "svc"});
  // Repeated: any of them, oldest first.
  json either = audit(s, {"--action", "token.revoke", "--action", "token.rotate"});
  REQUIRE(either.size() == 2);
  CHECK(either[0]["action"] == "token.rotate");
  CHECK(either[1]["action"] == "token.revoke");
  // With the other filters: every one must match.
  CHECK(audit(s, {"--action", "token.create", "--subject", id}).size() == 1);
  CHECK(audit(s, {"--action", "user.create", "--subject", id}).empty());
  CHECK(audit(s, {"--action", "token.rotate", "--since", "12h"}).empty());
  CHECK(subjects(audit(s, {"--action", "user.create", "--limit", "1"})) ==
        std::vector<std::string>{"svc"});
  CHECK(audit(s, {"--action", "policy.set"}).empty());

  // An action not in the list is a usage error that teaches the list and never echoes the
  // value (it may be anything pasted in the wrong place).
  const std::string before = s.dump();
  for (const char* wrong : {"token-rotate", "TOKEN.ROTATE", "rotation", "Zq9-hunter2-Passphrase"}) {
    Result r = s.run({"audit", "--action", wrong});
    INFO(wrong << "\n" << r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "--action"));
    CHECK(contains(r.err, "token.rotate"));
    CHECK(contains(r.err, "auth.login-rejected"));
    CHECK_FALSE(contains(r.err, wrong));
    Result j = s.run({"audit", "--json", "--action", wrong});
    CHECK(j.code == 2);
    CHECK(j.error_json()["error"]["code"] == "usage");
  }
  CHECK(s.dump() == before);
}

TEST_CASE("the manual lists exactly the actions audit --action accepts") {
  Sandbox s;
  // The accepted words, as the completer offers them (from the option's own list).
  std::set<std::string> accepted;
  {
    std::istringstream lines(s.run({"__complete", "audit", "--action", ""}).out);
    for (std::string line; std::getline(lines, line);)
      accepted.insert(line.substr(0, line.find('\t')));
  }
  CHECK(accepted.count("token.rotate") == 1);
  CHECK(accepted.count("auth.login-rejected") == 1);
  // The man page's list under "The actions, with their subjects:" in the audit section.
  std::ifstream in(HOOKCTL_MAN_PAGE);
  REQUIRE(in);
  std::set<std::string> listed;
  bool in_list = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "The actions, with their subjects:") {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    if (line.rfind(".BR ", 0) != 0) break;
    std::string word;
    for (size_t i = 4; i < line.size() && line[i] != ' '; ++i)
      if (line[i] != '\\') word += line[i];
    listed.insert(word);
  }
  CHECK(listed == accepted);
}

TEST_CASE("a usage error from audit --limit has a readable message") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("a");
  Result r = s.run({"audit", "--limit", "0"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--limit"));
  // Not CLI11's raw range check ("Value 0 not in range 0.000000 to 1797693...").
  CHECK(r.err.size() < 200);
  CHECK_FALSE(contains(r.err, "0.000000"));
}

TEST_CASE("the actor is the invoking OS user, and under sudo the sudo user") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  must(s.run_env({"user", "create", "bob", "--no-password"}, "", {{"SUDO_USER", "carol-admin"}}));
  json events = audit(s);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["actor"] == e2e::os_user());
  if (::geteuid() == 0)
    CHECK(events[1]["actor"] == "carol-admin");
  else
    CHECK(events[1]["actor"] == e2e::os_user());  // SUDO_USER alone proves nothing
}

TEST_CASE("rejected logins are summarised in the audit log, bounded, and successes are not") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  must(s.run({"user", "create", "bob", "--password-stdin"}, "bob's real password\n"));
  s.at("2026-01-02T10:00:00Z");
  long long start = s.count("audit");
  for (int i = 0; i < 4; ++i) {
    s.at("2026-01-02T10:0" + std::to_string(i) + ":00Z");
    CHECK(s.run({"auth", "login", "bob"}, "wrong guess " + std::to_string(i) + "\n").code == 5);
    CHECK(s.run({"auth", "login", "nobody" + std::to_string(i)}, "wrong guess\n").code == 5);
  }
  long long after_flood = s.count("audit");
  CHECK(after_flood > start);       // summarised ...
  CHECK(after_flood - start <= 2);  // ... and bounded ...
  json bob = audit(s, {"--subject", "bob"});
  REQUIRE(bob.size() == 2);
  CHECK(contains(bob[1]["action"], "login"));
  CHECK(bob[1]["repeated"] == 3);  // ... and counted: four wrong passwords in the hour
  json unknown = audit(s, {"--subject", "(unknown)"});
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0]["repeated"] == 3);  // four unknown names share one summary
  for (const auto& e : audit(s)) {
    CHECK_FALSE(contains(e["details"], "wrong guess"));
    CHECK_FALSE(contains(e["subject"], "wrong guess"));
  }
  // A success is activity, not an audit event.
  long long before_success = s.count("audit");
  must(s.run({"auth", "login", "bob"}, "bob's real password\n"));
  CHECK(s.count("audit") == before_success);
}

// SQLite only: reads the store's files byte by byte.
TEST_CASE("no password or token secret appears in audit output or the store files", "[sqlite]") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  const std::string first = "Correct-Horse-Battery-1";
  const std::string second = "Correct-Horse-Battery-2";
  const std::string wrong = "Correct-Horse-Battery-X";
  const std::string in_import = "Correct-Horse-Battery-I";
  const std::string as_argument = "Correct-Horse-Battery-A";

  Result created = s.run({"user", "create", "alice", "--password-stdin", "--json"}, first + "\n");
  must(created);
  CHECK_FALSE(contains(created.out + created.err, first));
  Result changed =
      s.run({"user", "set-password", "alice", "--password-stdin", "--json"}, second + "\n");
  must(changed);
  CHECK_FALSE(contains(changed.out + changed.err, second));
  CHECK(s.run({"auth", "login", "alice"}, wrong + "\n").code == 5);
  must(s.run({"auth", "login", "alice"}, second + "\n"));
  CHECK(s.run({"user", "import"}, "{\"name\":\"imp\",\"password\":\"" + in_import + "\"}\n").code ==
        2);
  CHECK(s.run({"user", "create", "bob", "--password", as_argument}).code == 2);

  s.user("svc", {"--service"});
  std::string api = s.token("svc");
  std::string app = s.webhook("orders", "svc");
  Result rotated = s.run({"token", "rotate", e2e::token_id(api), "--grace", "1h"});
  must(rotated);
  std::string fresh = rotated.line();
  REQUIRE(fresh.size() > 40);

  std::string trail = s.run({"audit", "--json"}).out + s.run({"audit"}).out;
  std::string files = s.raw_files();
  REQUIRE(trail.size() > 0);
  REQUIRE(files.size() > 0);
  for (const std::string& secret : {first, second, wrong, in_import, as_argument}) {
    INFO(secret);
    CHECK_FALSE(contains(trail, secret));
    CHECK_FALSE(contains(files, secret));
  }
  for (const std::string& secret : {api, app, fresh}) {
    INFO(secret);
    std::string random_part = secret.substr(17);  // after "hk?_<id>_"
    CHECK_FALSE(contains(trail, secret));
    CHECK_FALSE(contains(trail, random_part));
    CHECK_FALSE(contains(files, secret));
    CHECK_FALSE(contains(files, random_part));
  }
  // Passwords are kept as Argon2id hashes.
  CHECK(contains(files, "$argon2id$"));
}

TEST_CASE("a store of the previous schema upgrades on its next use and keeps its audit log") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("svc", {"--service"});
  const std::string app = s.webhook("orders", "svc");
  const std::string stale = s.token("svc");
  must(s.run({"token", "rotate", e2e::token_id(stale)}));  // its old secret: wrong-secret
  const json log_before = audit(s);
  const long long current = schema_version(s);
  downgrade_to_schema_1(s);
  REQUIRE(schema_version(s) == 1);
  // What the previous hookctl wrote for a rejection: its summary, later ones not logged.
  s.at("2026-01-02T10:30:00Z");
  const std::string old_summary =
      "wrong-secret: token=" + e2e::token_id(stale) +
      " (first such rejection this hour; later ones in the hour are not logged)";
  const std::string insert =
      "audit (at, actor, action, subject, details) VALUES (1767349800, 'old', 'auth.rejected', "
      "'orders', '" +
      old_summary + "')";
  raw_sql(s, "INSERT INTO " + insert, "INSERT INTO hookctl." + insert);

  const json upgraded = audit(s);  // the first use upgrades the store, and lists everything
  CHECK(schema_version(s) == current);
  REQUIRE(upgraded.size() == log_before.size() + 1);
  for (size_t i = 0; i < log_before.size(); ++i) CHECK(upgraded[i] == log_before[i]);
  CHECK(upgraded.back()["details"] == old_summary);
  CHECK(upgraded.back()["repeated"] == 0);
  Result text = s.run({"audit", "--subject", "orders", "--wide"});
  REQUIRE(text.code == 0);
  CHECK(contains(text.out, "later ones in the hour are not logged"));

  // Within the old summary's hour, later rejections stay as its text says: neither a second
  // event nor a count.
  for (int i = 0; i < 3; ++i)
    CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + stale).code == 5);
  json after = audit(s, {"--subject", "orders"});
  REQUIRE(after.size() == 2);  // webhook.create, the old summary
  CHECK(after.back()["details"] == old_summary);
  CHECK(after.back()["repeated"] == 0);

  // The next hour's are counted.
  s.at("2026-01-02T11:00:00Z");
  for (int i = 0; i < 3; ++i)
    CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + stale).code == 5);
  after = audit(s, {"--subject", "orders"});
  REQUIRE(after.size() == 3);
  CHECK(after.back()["at"] == "2026-01-02T11:00:00Z");
  CHECK(after.back()["repeated"] == 2);
}
