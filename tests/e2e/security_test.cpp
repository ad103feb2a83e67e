// Attacks on the store from outside a command: a second process racing a command that creates
// the store, files planted by another user at the store path, foreign SQLite databases in WAL
// mode, odd umasks.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>

#include "harness.hpp"

namespace fs = std::filesystem;
using e2e::contains;
using e2e::Result;
using e2e::Sandbox;

namespace {

constexpr uid_t nobody = 65534;

void chown_to(const fs::path& p, uid_t uid) { REQUIRE(::lchown(p.c_str(), uid, uid) == 0); }

uid_t owner_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_uid;
}

}  // namespace

namespace {

// 200 rounds of a race between two commands that each find no store at `store` (as `prepare`
// leaves it): one fails (an unknown user), the other succeeds, and what the successful one
// reports must be in the store afterwards, every round, with no temporary file left beside it.
void race_a_failing_creation(const std::function<fs::path(Sandbox&)>& prepare) {
  for (int round = 0; round < 200; ++round) {
    Sandbox s;
    const fs::path store = prepare(s);
    e2e::Process failing = s.start({"token", "create", "--user", "nosuch"});
    Result bob = s.run({"user", "create", "bob", "--no-password"});
    Result failed = failing.wait();
    INFO("round " << round << ": " << bob.err << failed.err);
    CHECK(failed.code == 3);
    REQUIRE(bob.code == 0);
    REQUIRE(s.run({"user", "show", "bob"}).code == 0);
    for (const auto& name : e2e::entries(store.parent_path()))
      CHECK((name == "store.db" || name == "store.db-wal" || name == "store.db-shm"));
  }
}

}  // namespace

// SQLite only: the store is a file path here, so a PostgreSQL pass would only repeat them.
TEST_CASE("a command that fails after creating the store never removes another's write",
          "[race][sqlite]") {
  race_a_failing_creation([](Sandbox& s) {
    const fs::path store = s.dir / "data" / "store.db";  // its directory is created too
    s.env["HOOKCTL_DB"] = store.string();
    return store;
  });
}

TEST_CASE("a command that fails on a prepared empty store file never empties another's write",
          "[race][sqlite]") {
  // A store file an administrator made ahead (touch, install -m 600): the failing command must
  // not empty the file once the successful one has written into it.
  race_a_failing_creation([](Sandbox& s) {
    e2e::write_file(s.db, "");
    ::chmod(s.db.c_str(), 0600);
    return s.db;
  });
}

TEST_CASE("two commands creating the same store at once both land in it") {
  for (int round = 0; round < 20; ++round) {
    Sandbox s;
    e2e::Process a = s.start({"user", "create", "ann", "--no-password"});
    Result b = s.run({"user", "create", "bob", "--no-password"});
    Result ra = a.wait();
    INFO(ra.err << b.err);
    REQUIRE(ra.code == 0);
    REQUIRE(b.code == 0);
    CHECK(s.count("accounts") == 2);
  }
}

// SQLite only: file ownership.
TEST_CASE("a store path planted by another user is never written into", "[sqlite]") {
  Sandbox s;
  SECTION("an empty file owned by another user") {
    e2e::write_file(s.db, "");
    ::chmod(s.db.c_str(), 0644);
    chown_to(s.db, nobody);
    Result r = s.run({"init"});
    CHECK(r.code == 6);
    CHECK(contains(r.err, "owned by nobody (uid 65534)"));
    CHECK(contains(r.err, "chown"));
    CHECK(fs::file_size(s.db) == 0);
    CHECK(owner_of(s.db) == nobody);
    CHECK_FALSE(fs::exists(s.dir / "store.db-wal"));
  }
  SECTION("a symbolic link to another user's empty file") {
    fs::create_directory(s.dir / "theirs");
    e2e::write_file(s.dir / "theirs" / "bait.db", "");
    chown_to(s.dir / "theirs" / "bait.db", nobody);
    fs::create_symlink(s.dir / "theirs" / "bait.db", s.db);
    chown_to(s.db, nobody);
    Result r = s.run({"user", "create", "bob", "--no-password"});
    CHECK(r.code == 6);
    CHECK(contains(r.err, "symbolic link"));
    CHECK(fs::file_size(s.dir / "theirs" / "bait.db") == 0);
  }
  SECTION("a file everyone may write") {
    e2e::write_file(s.db, "");
    ::chmod(s.db.c_str(), 0666);
    Result r = s.run({"init"});
    CHECK(r.code == 6);
    CHECK(contains(r.err, "writable by every user"));
    CHECK(fs::file_size(s.db) == 0);
  }
  SECTION("a directory everyone may write") {
    ::chmod(s.dir.c_str(), 01777);
    Result r = s.run({"init"});
    CHECK(r.code == 6);
    CHECK(contains(r.err, "directory"));
    CHECK(e2e::entries(s.dir).empty());
  }
  SECTION("a directory owned by another user") {
    fs::create_directory(s.dir / "theirs");
    chown_to(s.dir / "theirs", nobody);
    s.env["HOOKCTL_DB"] = (s.dir / "theirs" / "store.db").string();
    Result r = s.run({"init"});
    CHECK(r.code == 6);
    CHECK(e2e::entries(s.dir / "theirs").empty());
  }
}

// SQLite only: SQLite's -wal file.
TEST_CASE("a store whose -wal another user planted is neither written nor read", "[sqlite]") {
  Sandbox s;
  s.user("alice");
  const std::string before = s.dump();
  REQUIRE(fs::exists(s.dir / "store.db-wal"));
  chown_to(s.dir / "store.db-wal", nobody);
  Result create = s.run({"user", "create", "bob", "--no-password"});
  CHECK(create.code == 6);
  CHECK(contains(create.err, "nobody"));
  Result show = s.run({"user", "show", "alice"});
  CHECK(show.code == 6);
  CHECK(contains(show.err, "store.db-wal"));
  CHECK(owner_of(s.dir / "store.db-wal") == nobody);
  CHECK(s.dump() == before);
}

// SQLite only: file ownership.
TEST_CASE("a store owned by another user is read, never written", "[sqlite]") {
  Sandbox s;
  s.user("alice");
  std::string webhook_secret = s.webhook("orders", "alice");
  const std::string before = s.dump();
  for (const char* suffix : {"", "-wal", "-shm"})
    chown_to(s.dir / (std::string("store.db") + suffix), nobody);
  Result create = s.run({"user", "create", "bob", "--no-password"});
  CHECK(create.code == 6);
  CHECK(contains(create.err, "nobody"));
  // Reads work, and a genuine call is answered, without recording (the store is not written).
  CHECK(s.run({"user", "show", "alice"}).code == 0);
  Result verify = s.run({"auth", "verify", "orders"}, "Bearer " + webhook_secret);
  CHECK(verify.code == 0);
  CHECK(contains(verify.err, "not recorded"));
  CHECK(s.dump() == before);
}

// SQLite only: file ownership.
TEST_CASE("another user may use a store owned by root, and root one it may read", "[sqlite]") {
  // Root counts as a trusted owner: a service user reads a root-owned store it may read.
  Sandbox s;
  s.user("alice");
  for (const char* suffix : {"", "-wal", "-shm"})
    ::chmod((s.dir / (std::string("store.db") + suffix)).c_str(), 0644);
  ::chmod(s.dir.c_str(), 0755);
  e2e::ChildSetup as_nobody;
  as_nobody.uid = nobody;
  as_nobody.gid = nobody;
  Result r = s.run_as({"user", "show", "alice", "--json"}, "", as_nobody);
  INFO(r.err);
  CHECK(r.code == 0);
  // A store file nobody may write but that root owns is still refused a write by nobody.
  CHECK(s.run_as({"user", "create", "bob", "--no-password"}, "", as_nobody).code == 6);
}

TEST_CASE("a foreign WAL database is left untouched, -wal and -shm included") {
  Sandbox s;
  const fs::path foreign = s.dir / "other.db";
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(foreign.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t "
                         "VALUES(1),(2),(3);",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    // Leave committed changes in the log, as a running application does.
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    sqlite3_close(db);
  }
  const fs::path wal = s.dir / "other.db-wal";
  REQUIRE(fs::exists(wal));
  REQUIRE(fs::file_size(wal) > 0);
  const std::string main_bytes = e2e::read_file(foreign), wal_bytes = e2e::read_file(wal);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"user", "list"}, {"init"}, {"user", "create", "bob"}}) {
    std::vector<std::string> full{"--db", foreign.string()};
    full.insert(full.end(), args.begin(), args.end());
    Result r = s.run(full);
    INFO(r.err);
    CHECK(r.code == 6);
    CHECK(contains(r.err, "not a hookctl store"));
    CHECK(e2e::read_file(foreign) == main_bytes);
    CHECK(fs::exists(wal));
    CHECK(e2e::read_file(wal) == wal_bytes);
    CHECK(fs::exists(s.dir / "other.db-shm"));
  }
}

TEST_CASE("directories a command creates are 0700 whatever the umask") {
  for (mode_t mask : {mode_t{0277}, mode_t{0777}, mode_t{0022}, mode_t{0}}) {
    Sandbox s;
    s.env["HOOKCTL_DB"] = (s.dir / "a" / "b" / "store.db").string();
    e2e::ChildSetup setup;
    setup.umask = mask;
    Result r = s.run_as({"init"}, "", setup);
    INFO("umask " << mask << ": " << r.err);
    REQUIRE(r.code == 0);
    CHECK(e2e::mode_of(s.dir / "a") == 0700);
    CHECK(e2e::mode_of(s.dir / "a" / "b") == 0700);
    CHECK(e2e::mode_of(s.dir / "a" / "b" / "store.db") == 0600);
  }
}
