// store copy and store backup: whole stores moved between engines and snapshotted while others
// write. Each test runs on the sandbox's engine (both passes), so the SQLite pass covers SQLite to
// SQLite and the PostgreSQL pass covers PostgreSQL to SQLite and SQLite back to PostgreSQL.
#include <SQLiteCpp/Database.h>

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;
using nlohmann::json;

namespace {

// Every listing a script could read, at one instant, from the store `db`.
std::string listings(const Sandbox& s, const std::string& db) {
  std::string out;
  for (auto args : std::vector<std::vector<std::string>>{{"user", "list", "--json"},
                                                         {"token", "list", "--json"},
                                                         {"webhook", "list", "--json"},
                                                         {"audit", "--json"},
                                                         {"policy", "show", "--json"},
                                                         {"check", "--json"}}) {
    args.insert(args.begin(), {"--db", db});
    Result r = s.run(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    out += r.out;
  }
  return out;
}

// A store with something in every table and every column that can be empty or not.
struct Populated {
  std::string api;    // an integration token, rotated with a grace period (both secrets work)
  std::string old;    // its previous secret
  std::string app;    // the App token of the webhook "orders"
  std::string basic;  // the App token of the basic webhook "legacy"
};

Populated populate(Sandbox& s) {
  s.at(e2e::t0);
  Populated p;
  REQUIRE(s.run({"user", "create", "alice", "--email", "alice@example.com", "--password-stdin"},
                "correct horse battery staple\n")
              .code == 0);
  s.user("svc", {"--service"});
  s.user("Zed-free.name_9");
  p.old = s.token("svc");
  p.app = s.webhook("orders", "alice");
  p.basic = s.webhook("legacy", "svc", "basic");
  s.webhook("spare", "svc");
  REQUIRE(s.run({"webhook", "bind", "spare", "--token", e2e::token_id(p.old)}).code == 0);
  Result labelled =
      s.run({"token", "create", "--user", "svc", "--name", "ci deploy", "--expires-in", "90d"});
  REQUIRE(labelled.code == 0);
  Result revoked = s.run({"token", "create", "--user", "alice"});
  REQUIRE(s.run({"token", "revoke", e2e::token_id(revoked.line()), "--yes"}).code == 0);
  REQUIRE(s.run({"policy", "set", "inactivity-period", "30d"}).code == 0);
  s.at("2026-01-02T00:00:00Z");
  Result rotated = s.run({"token", "rotate", e2e::token_id(p.old), "--grace", "7d"});
  REQUIRE(rotated.code == 0);
  p.api = rotated.line();
  // Rejected calls: one summary in the audit log, the two later ones in its tally.
  for (int i = 0; i < 3; ++i)
    REQUIRE(s.run({"auth", "verify", "orders"}, "Bearer not-a-token-" + std::to_string(i)).code ==
            5);
  return p;
}

// Another store of the sandbox's engine: a file in the sandbox, or a new database.
struct OtherStore {
  std::optional<pgtest::Database> database;
  std::string where;
  OtherStore(const Sandbox& s, const std::string& file) {
    if (s.on_postgresql()) {
      database.emplace(s.database->host());
      where = database->uri();
    } else {
      where = (s.dir / file).string();
    }
  }
};

Result verify(const Sandbox& s, const std::string& db, const std::string& webhook,
              const std::string& header) {
  return s.run({"--db", db, "auth", "verify", webhook}, header);
}

}  // namespace

TEST_CASE("store copy moves every object to SQLite and back, exactly") {
  Sandbox s;
  Populated p = populate(s);
  s.at("2026-01-03T00:00:00Z");
  const std::string before = listings(s, s.store);
  const std::string dump = s.dump();

  const std::string file = (s.dir / "copy" / "store.db").string();
  Result copy = s.run({"store", "copy", "--to", file, "--json"});
  INFO(copy.err);
  REQUIRE(copy.code == 0);
  json counts = copy.json();
  CHECK(counts["accounts"] == 3);
  CHECK(counts["tokens"] == 6);  // three App tokens, three integration tokens
  CHECK(counts["webhooks"] == 3);
  CHECK(counts["policy_settings"] == 1);
  CHECK(counts["audit_events"] == s.count("audit"));
  CHECK(counts["rejection_tallies"] == 1);
  CHECK(counts["to"] == file);
  CHECK(e2e::mode_of(file) == 0600);
  CHECK(s.dump() == dump);  // the source is only read
  CHECK(listings(s, file) == before);

  // Back into a fresh store of the sandbox's own engine: the round trip changes nothing.
  OtherStore back(s, "back.db");
  Result again = s.run({"--db", file, "store", "copy", "--to", back.where});
  INFO(again.err);
  REQUIRE(again.code == 0);
  CHECK(contains(again.out, "Copied 3 accounts, 6 tokens, 3 webhooks, "));
  CHECK(listings(s, back.where) == before);

  // Secrets issued before the copy verify against each copy: the current and the previous
  // (in grace) integration secret, a bearer and a basic App token.
  for (const std::string& db : {file, back.where}) {
    INFO(db);
    CHECK(verify(s, db, "spare", "Bearer " + p.api).code == 0);
    CHECK(verify(s, db, "spare", "Bearer " + p.old).code == 0);
    CHECK(verify(s, db, "orders", "Bearer " + p.app).code == 0);
    CHECK(verify(s, db, "legacy", "Basic " + e2e::base64("svc:" + p.basic)).code == 0);
    CHECK(verify(s, db, "orders", "Bearer " + p.api).code == 5);
    Result login = s.run({"--db", db, "auth", "login", "alice"}, "correct horse battery staple\n");
    CHECK(login.code == 0);
  }

  // The copy is a working store: new objects get fresh ids after the copied ones.
  Result created = s.run({"--db", back.where, "user", "create", "newcomer", "--no-password"});
  INFO(created.err);
  CHECK(created.code == 0);
  Result hook = s.run({"--db", back.where, "webhook", "create", "fresh", "--owner", "newcomer"});
  CHECK(hook.code == 0);
  Result audit = s.run({"--db", back.where, "audit", "--subject", "newcomer", "--json"});
  REQUIRE(audit.code == 0);
  CHECK(audit.json().size() >= 1);
}

TEST_CASE("store copy refuses a destination that is not empty, and changes neither store") {
  Sandbox s;
  populate(s);
  OtherStore other(s, "other.db");
  REQUIRE(s.run({"--db", other.where, "user", "create", "bob", "--no-password"}).code == 0);
  const std::string other_before = listings(s, other.where);
  const std::string dump = s.dump();
  Result r = s.run({"store", "copy", "--to", other.where});
  CHECK(r.code == 4);
  CHECK(contains(r.err, "already holds a store (1 account,"));
  CHECK(contains(r.err, "never merges"));
  CHECK(listings(s, other.where) == other_before);
  CHECK(s.dump() == dump);

  // A store that was only initialised holds its creation event: a copy into it could not be
  // exact, so it is refused as well, with the way out.
  OtherStore fresh(s, "fresh.db");
  REQUIRE(s.run({"--db", fresh.where, "init"}).code == 0);
  Result initialised = s.run({"store", "copy", "--to", fresh.where});
  CHECK(initialised.code == 4);
  CHECK(contains(initialised.err, "1 audit event"));
  CHECK(contains(initialised.err, "a new store"));
}

TEST_CASE("store copy refuses the store itself and a password in --to") {
  Sandbox s;
  populate(s);
  const std::string dump = s.dump();
  Result self = s.run({"store", "copy", "--to", s.store});
  CHECK(self.code != 0);
  CHECK((self.code == 2 || self.code == 4));
  Result pw = s.run({"store", "copy", "--to", "postgresql://u:s3cret@db.example/hooks"});
  CHECK(pw.code == 2);
  CHECK(contains(pw.err, "a password in --to"));
  CHECK_FALSE(contains(pw.err, "s3cret"));
  Result missing = s.run({"store", "copy"});
  CHECK(missing.code == 2);
  CHECK(s.dump() == dump);
}

TEST_CASE("store copy from a missing store creates nothing anywhere") {
  Sandbox s;
  const std::string file = (s.dir / "copy.db").string();
  Result r = s.run({"store", "copy", "--to", file});
  CHECK(r.code == 6);
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK_FALSE(s.store_exists());
}

TEST_CASE("store copy into an SQLite file that is not a store is refused untouched", "[sqlite]") {
  // Files: the PostgreSQL pass has the same refusal through the file's engine.
  Sandbox s;
  populate(s);
  const auto file = s.dir / "notes.txt";
  e2e::write_file(file, "shopping list\n");
  Result r = s.run({"store", "copy", "--to", file.string()});
  CHECK(r.code == 6);
  CHECK(e2e::read_file(file) == "shopping list\n");
}

TEST_CASE("store backup writes a 0600 snapshot that opens in hookctl and lists the same") {
  Sandbox s;
  Populated p = populate(s);
  s.at("2026-01-03T00:00:00Z");
  const std::string before = listings(s, s.store);
  const auto file = s.dir / "backups" / "store.db";
  std::filesystem::create_directory(s.dir / "backups");
  Result r = s.run({"store", "backup", file.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Backed up 3 accounts, 6 tokens, 3 webhooks, "));
  CHECK(e2e::mode_of(file) == 0600);
  // One self-contained file: no scratch directory, no -wal or -shm left beside it.
  CHECK(e2e::entries(s.dir / "backups") == std::vector<std::string>{"store.db"});
  {
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "delete");
  }
  CHECK(listings(s, file.string()) == before);
  CHECK(verify(s, file.string(), "spare", "Bearer " + p.api).code == 0);

  // A later backup replaces the earlier one.
  s.user("later");
  Result again = s.run({"store", "backup", file.string(), "--json"});
  INFO(again.err);
  REQUIRE(again.code == 0);
  CHECK(again.json()["accounts"] == 4);
  CHECK(again.json()["rejection_tallies"] == 1);
  CHECK(s.run({"--db", file.string(), "user", "show", "later"}).code == 0);
}

TEST_CASE("store backup replaces only an earlier backup, never anything else") {
  Sandbox s;
  populate(s);
  const auto notes = s.dir / "notes.txt";
  e2e::write_file(notes, "not a store\n");
  Result r = s.run({"store", "backup", notes.string()});
  CHECK(r.code == 4);
  CHECK(contains(r.err, "not a hookctl store"));
  CHECK(e2e::read_file(notes) == "not a store\n");

  Result dir = s.run({"store", "backup", s.dir.string()});
  CHECK(dir.code == 2);
  CHECK(contains(dir.err, "is a directory"));

  if (!s.on_postgresql()) {
    const std::string dump = s.dump();
    Result self = s.run({"store", "backup", s.db.string()});
    CHECK(self.code == 2);
    CHECK(contains(self.err, "the store itself"));
    CHECK(s.dump() == dump);
  }
  std::vector<std::string> left = e2e::entries(s.dir);
  for (const auto& name : left) CHECK_FALSE(e2e::starts_with(name, ".hookctl-backup-"));

  Result missing_dir = s.run({"store", "backup", (s.dir / "nowhere" / "b.db").string()});
  CHECK(missing_dir.code == 6);
  CHECK_FALSE(std::filesystem::exists(s.dir / "nowhere"));
}

TEST_CASE("store backup under write load is consistent and keeps every committed write") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("seed");
  // Writers keep creating accounts, each in its own transaction, while backups are taken.
  std::vector<e2e::Process> writers;
  const int rounds = 4, per_round = 8;
  std::vector<long long> seen;
  for (int b = 0; b < rounds; ++b) {
    for (int i = 0; i < per_round; ++i)
      writers.push_back(s.start(
          {"user", "create", "w" + std::to_string(b) + "-" + std::to_string(i), "--no-password"}));
    const auto file = s.dir / ("b" + std::to_string(b) + ".db");
    Result r = s.run({"store", "backup", file.string(), "--json"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    long long accounts = db.execAndGet("SELECT count(*) FROM accounts").getInt64();
    CHECK(r.json()["accounts"] == accounts);
    // One snapshot: each account's creation event is in it, and no event without its account.
    CHECK(db.execAndGet("SELECT count(*) FROM audit WHERE action = 'user.create'").getInt64() ==
          accounts);
    seen.push_back(accounts);
    CHECK(s.run({"--db", file.string(), "user", "list", "--json"}).code == 0);
  }
  for (auto& w : writers) CHECK(w.wait().code == 0);
  for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] >= seen[i - 1]);
  Result last = s.run({"store", "backup", (s.dir / "final.db").string(), "--json"});
  REQUIRE(last.code == 0);
  CHECK(last.json()["accounts"] == 1 + rounds * per_round);
}

TEST_CASE("a copy that fails part way leaves no destination behind") {
  Sandbox s;
  s.at(e2e::t0);
  std::string lines;
  for (int i = 0; i < 400; ++i)
    lines += json{{"name", "u" + std::to_string(i)},
                  {"email", std::string(60, 'e') + "@" + std::string(60, 'd') + ".org"}}
                 .dump() +
             "\n";
  Result imported = s.run({"user", "import", "-"}, lines);
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  const auto file = s.dir / "copy" / "store.db";
  e2e::ChildSetup small;
  small.file_size_limit = 64 * 1024;  // the copy needs several times this
  Result r = s.run_as({"store", "copy", "--to", file.string()}, "", small);
  INFO(r.err);
  CHECK(r.code == 6);
  CHECK(contains(r.err, "file size limit"));
  CHECK_FALSE(std::filesystem::exists(s.dir / "copy"));
  Result b = s.run_as({"store", "backup", (s.dir / "b.db").string()}, "", small);
  CHECK(b.code == 6);
  for (const auto& name : e2e::entries(s.dir)) {
    CHECK_FALSE(e2e::starts_with(name, ".hookctl-backup-"));
    CHECK_FALSE(e2e::starts_with(name, "b.db"));
  }
}
