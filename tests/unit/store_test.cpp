#include "hookctl/store.hpp"

#include "sqlite_schema.hpp"
#include "sqlite_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "hookctl/error.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::error_kind;
using fixture::error_message;
using fixture::listing;
using fixture::mode_of;
using fixture::read_bytes;
using fixture::TempDir;
using fixture::write_bytes;

namespace fs = std::filesystem;

namespace {

StoreLocation at_path(const fs::path& p) {
  return StoreLocation{hookctl::Engine::sqlite, p, {}, "--db"};
}

// Sets (or, with nullopt, unsets) environment variables for one test and restores them after.
class EnvGuard {
 public:
  explicit EnvGuard(std::map<std::string, std::optional<std::string>> values) {
    for (const auto& [name, value] : values) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }
  ~EnvGuard() {
    for (const auto& [name, value] : saved_) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// An SQLite file that some other program wrote, in rollback-journal mode (so opening it leaves
// no -wal/-shm behind).
void foreign_sqlite(const fs::path& p, const std::string& sql) {
  SQLite::Database db(p.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec(sql);
}

// Opening `p` in every mode fails with Error(store); the directory and the file's bytes are
// exactly as before.
void refused_untouched(const TempDir& dir, const fs::path& p) {
  const std::string before = read_bytes(p);
  const auto files = listing(dir.path());
  for (auto mode : {OpenMode::read, OpenMode::write, OpenMode::create}) {
    INFO("mode " << static_cast<int>(mode));
    CHECK(error_kind([&] { SqliteStore s(at_path(p), mode); }) == ErrorKind::store);
    CHECK(read_bytes(p) == before);
    CHECK(listing(dir.path()) == files);
  }
}

}  // namespace

TEST_CASE("creating a store makes the file 0600 and missing directories 0700", "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "a" / "b" / "store.db";
  {
    SqliteStore s(at_path(p), OpenMode::create);
    CHECK(s.created());
    CHECK(s.path() == p);
    CHECK_FALSE(fs::exists(p));  // built under a temporary name until published
    CHECK(s.publish());
  }
  CHECK(fs::is_regular_file(p));
  CHECK(mode_of(p) == 0600);
  CHECK(mode_of(dir / "a") == 0700);
  CHECK(mode_of(dir / "a" / "b") == 0700);
}

TEST_CASE("the file is 0600 whatever the umask", "[sqlite]") {
  TempDir dir;
  mode_t old = ::umask(0);
  fs::path p = dir / "sub" / "store.db";
  {
    SqliteStore s(at_path(p), OpenMode::create);
    s.publish();
  }
  ::umask(old);
  CHECK(mode_of(p) == 0600);
  CHECK(mode_of(dir / "sub") == 0700);
}

TEST_CASE("a new store carries the hookctl application id and the current schema version",
          "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "store.db";
  {
    SqliteStore s(at_path(p), OpenMode::create);
    CHECK(s.migrated());
    REQUIRE(s.publish());
    CHECK(s.db().execAndGet("PRAGMA application_id").getInt() == application_id);
    CHECK(s.db().execAndGet("PRAGMA user_version").getInt() == sqlite_schema_version());
    CHECK(s.db().execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(s.db().execAndGet("PRAGMA foreign_keys").getInt() == 1);
    CHECK(
        s.db().execAndGet("SELECT value FROM policy WHERE key = 'inactivity-period'").getString() ==
        "5184000");
  }
  CHECK(sqlite_schema_version() >= 1);
  // Reopening an existing, current store neither creates nor migrates.
  SqliteStore again(at_path(p), OpenMode::write);
  CHECK_FALSE(again.created());
  CHECK_FALSE(again.migrated());
  SqliteStore reader(at_path(p), OpenMode::read);
  CHECK_FALSE(reader.created());
}

TEST_CASE("read and write on a missing store fail with a store error and create nothing",
          "[sqlite]") {
  TempDir dir;
  for (auto mode : {OpenMode::read, OpenMode::write}) {
    INFO("mode " << static_cast<int>(mode));
    fs::path p = dir / "missing" / "store.db";
    std::string msg = error_message([&] {
      SqliteStore s(StoreLocation{hookctl::Engine::sqlite, p, {}, "HOOKCTL_DB"}, mode);
    });
    CHECK(error_kind([&] { SqliteStore s(at_path(p), mode); }) == ErrorKind::store);
    CHECK(msg.find(p.string()) != std::string::npos);  // says where it looked
    CHECK(msg.find("HOOKCTL_DB") != std::string::npos);
    CHECK(listing(dir.path()).empty());
    fs::path flat = dir / "store.db";
    CHECK(error_kind([&] { SqliteStore s(at_path(flat), mode); }) == ErrorKind::store);
    CHECK(listing(dir.path()).empty());
  }
}

TEST_CASE("a file that is not SQLite is refused and left untouched", "[sqlite]") {
  TempDir dir;
  SECTION("text") {
    fs::path p = dir / "notes.txt";
    write_bytes(p, "these are my notes, not a database\n");
    refused_untouched(dir, p);
  }
  SECTION("binary, longer than an SQLite header") {
    fs::path p = dir / "blob.bin";
    std::string bytes;
    for (int i = 0; i < 8192; ++i) bytes += static_cast<char>((i * 37 + 11) % 256);
    write_bytes(p, bytes);
    refused_untouched(dir, p);
  }
  SECTION("a damaged SQLite header") {
    fs::path p = dir / "damaged.db";
    std::string bytes = "SQLite format 3";
    bytes += '\0';
    bytes += std::string(4080, '\x7f');
    write_bytes(p, bytes);
    refused_untouched(dir, p);
  }
}

TEST_CASE("another application's SQLite file is refused and left untouched", "[sqlite]") {
  TempDir dir;
  SECTION("a different application_id") {
    fs::path p = dir / "other.db";
    foreign_sqlite(p, "PRAGMA application_id = 1234; CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    refused_untouched(dir, p);
    std::string msg = error_message([&] { SqliteStore s(at_path(p), OpenMode::create); });
    CHECK(msg.find("not a hookctl store") != std::string::npos);
  }
  SECTION("a different application_id and no tables") {
    fs::path p = dir / "other.db";
    foreign_sqlite(p, "PRAGMA application_id = 1234");
    refused_untouched(dir, p);
  }
  SECTION("no application_id but tables of its own") {
    fs::path p = dir / "other.db";
    foreign_sqlite(p, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)");
    refused_untouched(dir, p);
  }
  SECTION("hookctl's table names without hookctl's application_id") {
    fs::path p = dir / "other.db";
    foreign_sqlite(p, "PRAGMA user_version = 1; CREATE TABLE policy (key TEXT, value TEXT)");
    refused_untouched(dir, p);
  }
}

TEST_CASE("a store from a newer hookctl is refused and left untouched", "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "newer.db";
  foreign_sqlite(p, "PRAGMA application_id = " + std::to_string(application_id) +
                        "; PRAGMA user_version = " + std::to_string(sqlite_schema_version() + 1) +
                        "; CREATE TABLE future (x)");
  refused_untouched(dir, p);
  std::string msg = error_message([&] { SqliteStore s(at_path(p), OpenMode::write); });
  CHECK(msg.find("newer") != std::string::npos);
}

TEST_CASE("a newer hookctl store made by this build is refused after its version is raised",
          "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "store.db";
  {
    SqliteStore s(at_path(p), OpenMode::create);
    s.publish();
  }
  {
    SQLite::Database db(p.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA journal_mode = DELETE");
    db.exec("PRAGMA user_version = " + std::to_string(sqlite_schema_version() + 5));
  }
  refused_untouched(dir, p);
}

TEST_CASE("a store at schema 1 is migrated on open and keeps its rows", "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "v1.db";
  {
    // What the first release wrote: migration 1 only, with a webhook and its token.
    SQLite::Database db(p.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    detail::migrations().front().apply(db);
    db.exec("PRAGMA application_id = " + std::to_string(application_id));
    db.exec("PRAGMA user_version = 1");
    db.exec(
        "INSERT INTO accounts VALUES (1, 'svc', 'service', NULL, NULL, 0, 0, 'created');"
        "INSERT INTO tokens (id, kind, account_id, secret_hash, created_at) "
        "VALUES ('abcdefghijkm', 'app', 1, x'00', 0);"
        "INSERT INTO webhooks VALUES (1, 'orders', 'bearer', NULL, 'abcdefghijkm', 0);"
        "INSERT INTO audit (at, actor, action, subject) VALUES (0, 'root', 'store.init', '');");
  }
  {
    SqliteStore s(at_path(p), OpenMode::write);
    CHECK(s.migrated());
    CHECK(s.stored_schema_version() == sqlite_schema_version());
  }
  SQLite::Database db(p.string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT token_id FROM webhooks WHERE name = 'orders'").getString() ==
        "abcdefghijkm");
  CHECK(db.execAndGet("SELECT previous_token_id IS NULL FROM webhooks").getInt() == 1);
  CHECK(db.execAndGet("SELECT count(*) FROM audit").getInt() == 1);
}

TEST_CASE("a store at schema 2 is migrated to rights and admin tokens keeping every reference",
          "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "v2.db";
  {
    // What schema 2 wrote: a webhook bound to one token with another in grace, an audit event.
    SQLite::Database db(p.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA foreign_keys = ON");
    detail::migrations().at(0).apply(db);
    detail::migrations().at(1).apply(db);
    db.exec("PRAGMA application_id = " + std::to_string(application_id));
    db.exec("PRAGMA user_version = 2");
    db.exec(
        "INSERT INTO accounts VALUES (1, 'svc', 'service', NULL, NULL, 0, 0, 'created');"
        "INSERT INTO tokens (id, kind, account_id, name, secret_hash, created_at) VALUES "
        "('abcdefghijkm', 'app', 1, 'old', x'01', 0), ('nopqrstuvwxy', 'api', 1, 'new', x'02', 5);"
        "INSERT INTO webhooks VALUES (1, 'orders', 'basic', 'd', 'nopqrstuvwxy', 0, "
        "'abcdefghijkm', 99);"
        "INSERT INTO audit (at, actor, action, subject) VALUES (0, 'root', 'store.init', '');");
  }
  {
    SqliteStore s(at_path(p), OpenMode::write);
    CHECK(s.migrated());
    CHECK(s.stored_schema_version() == sqlite_schema_version());
  }
  SQLite::Database db(p.string(), SQLite::OPEN_READWRITE);
  CHECK(db.execAndGet("SELECT token_id || ' ' || previous_token_id || ' ' || previous_token_until "
                      "FROM webhooks")
            .getString() == "nopqrstuvwxy abcdefghijkm 99");
  CHECK(db.execAndGet("SELECT group_concat(id || ':' || kind || ':' || name || ':' || "
                      "hex(secret_hash), ' ') FROM (SELECT * FROM tokens ORDER BY id)")
            .getString() == "abcdefghijkm:app:old:01 nopqrstuvwxy:api:new:02");
  CHECK(db.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt() == 0);
  CHECK(db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE name = 'tokens_by_account'")
            .getInt() == 1);
  // The new columns start as "nothing": no rights, no failed logins, owner-mode audit events.
  CHECK(db.execAndGet("SELECT failed_logins || ' ' || (locked_until IS NULL) FROM accounts")
            .getString() == "0 1");
  CHECK(db.execAndGet("SELECT authenticated_by || ' ' || result || ' ' || (actor_account IS NULL) "
                      "FROM audit")
            .getString() == "owner ok 1");
  CHECK(db.execAndGet("SELECT count(*) FROM account_rights").getInt() == 0);
  // Admin tokens are a kind now; anything else still is not.
  db.exec(
      "INSERT INTO tokens (id, kind, account_id, secret_hash, created_at) "
      "VALUES ('zzzzzzzzzzzz', 'admin', 1, x'03', 0)");
  CHECK_THROWS(
      db.exec("INSERT INTO tokens (id, kind, account_id, secret_hash, created_at) "
              "VALUES ('yyyyyyyyyyyy', 'root', 1, x'04', 0)"));
  // Foreign keys are enforced again for the connection that migrated, and the references hold.
  {
    SqliteStore s(at_path(p), OpenMode::write);
    CHECK_THROWS(s.write([&] { s.statement("DELETE FROM accounts WHERE id = 1").run(); }));
    CHECK_THROWS(
        s.write([&] { s.statement("INSERT INTO account_rights VALUES (42, 'audit', 0)").run(); }));
  }
  CHECK(db.execAndGet("SELECT count(*) FROM tokens").getInt() == 3);
}

TEST_CASE("an existing empty file is not a store for read or write", "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "empty.db";
  write_bytes(p, "");
  for (auto mode : {OpenMode::read, OpenMode::write}) {
    INFO("mode " << static_cast<int>(mode));
    CHECK(error_kind([&] { SqliteStore s(at_path(p), mode); }) == ErrorKind::store);
    CHECK(fs::file_size(p) == 0);
    CHECK(listing(dir.path()) == std::set<std::string>{"empty.db"});
  }
}

TEST_CASE("an existing empty file is replaced by the store on create, untouched if abandoned",
          "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "empty.db";
  write_bytes(p, "");
  fs::permissions(p, fs::perms(0644));
  {
    SqliteStore s(at_path(p), OpenMode::create);
    CHECK(s.created());
    CHECK(s.migrated());
    CHECK(s.db().execAndGet("PRAGMA application_id").getInt() == application_id);
    CHECK(fs::file_size(p) == 0);  // built aside, never in the file itself
    s.abandon_creation();
  }
  CHECK(fs::file_size(p) == 0);
  CHECK(mode_of(p) == 0644);
  CHECK(listing(dir.path()) == std::set<std::string>{"empty.db"});
  {
    SqliteStore s(at_path(p), OpenMode::create);
    REQUIRE(s.publish());
  }
  CHECK(mode_of(p) == 0600);  // it holds credentials now
  SqliteStore opened(at_path(p), OpenMode::write);
  CHECK(opened.db().execAndGet("PRAGMA application_id").getInt() == application_id);
}

TEST_CASE("an empty file reached through a symbolic link is replaced where it is", "[sqlite]") {
  TempDir dir;
  fs::create_directory(dir / "data");
  write_bytes(dir / "data" / "store.db", "");
  fs::create_symlink(dir / "data" / "store.db", dir / "link.db");
  {
    SqliteStore s(at_path(dir / "link.db"), OpenMode::create);
    REQUIRE(s.publish());
  }
  CHECK(fs::is_symlink(dir / "link.db"));
  CHECK(fs::file_size(dir / "data" / "store.db") > 0);
  SqliteStore opened(at_path(dir / "link.db"), OpenMode::write);
  CHECK(opened.db().execAndGet("PRAGMA application_id").getInt() == application_id);
}

TEST_CASE("an empty file beside a -wal holding data is refused, both left alone", "[sqlite]") {
  TempDir dir;
  write_bytes(dir / "store.db", "");
  write_bytes(dir / "store.db-wal", "someone's log");
  CHECK(error_kind([&] { SqliteStore s(at_path(dir / "store.db"), OpenMode::create); }) ==
        ErrorKind::store);
  CHECK(read_bytes(dir / "store.db") == "");
  CHECK(read_bytes(dir / "store.db-wal") == "someone's log");
  CHECK(listing(dir.path()) == std::set<std::string>{"store.db", "store.db-wal"});
}

TEST_CASE("a directory or a path through a file is a store error", "[sqlite]") {
  TempDir dir;
  fs::create_directory(dir / "adir");
  for (auto mode : {OpenMode::read, OpenMode::write, OpenMode::create})
    CHECK(error_kind([&] { SqliteStore s(at_path(dir / "adir"), mode); }) == ErrorKind::store);
  write_bytes(dir / "afile", "x");
  CHECK(error_kind([&] { SqliteStore s(at_path(dir / "afile" / "store.db"), OpenMode::create); }) ==
        ErrorKind::store);
  CHECK(read_bytes(dir / "afile") == "x");
  CHECK(listing(dir.path()) == std::set<std::string>{"adir", "afile"});
}

TEST_CASE("abandon_creation removes the created file and directories, nothing else", "[sqlite]") {
  TempDir dir;
  fs::create_directory(dir / "keep");
  write_bytes(dir / "keep" / "other.txt", "mine");
  fs::path p = dir / "keep" / "new1" / "new2" / "store.db";
  SqliteStore s(at_path(p), OpenMode::create);
  REQUIRE(s.created());
  REQUIRE_FALSE(fs::exists(p));  // not published: nobody else can have opened it
  s.abandon_creation();
  CHECK_FALSE(fs::exists(p));
  CHECK_FALSE(fs::exists(p.string() + "-wal"));
  CHECK_FALSE(fs::exists(p.string() + "-shm"));
  CHECK_FALSE(fs::exists(dir / "keep" / "new1"));
  CHECK(listing(dir.path()) == std::set<std::string>{"keep", "keep/other.txt"});
  CHECK_FALSE(s.created());
}

TEST_CASE("abandon_creation leaves a store it did not create alone", "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "store.db";
  {
    SqliteStore s(at_path(p), OpenMode::create);
    s.publish();
  }
  const auto files = listing(dir.path());
  {
    SqliteStore s(at_path(p), OpenMode::create);
    REQUIRE_FALSE(s.created());
    s.abandon_creation();
  }
  CHECK(listing(dir.path()) == files);
  SqliteStore again(at_path(p), OpenMode::read);  // still a valid store
  CHECK(again.db().execAndGet("SELECT count(*) FROM policy").getInt() == 1);
}

TEST_CASE("write runs in one transaction: an exception rolls everything back", "[sqlite]") {
  TempDir dir;
  SqliteStore s(at_path(dir / "store.db"), OpenMode::create);
  struct Boom {};
  CHECK_THROWS_AS(s.write([&] {
    s.db().exec("INSERT INTO policy (key, value) VALUES ('a', '1')");
    s.db().exec("INSERT INTO policy (key, value) VALUES ('b', '2')");
    throw Boom{};
  }),
                  Boom);
  CHECK_FALSE(s.in_transaction());
  CHECK(s.db().execAndGet("SELECT count(*) FROM policy").getInt() == 1);
  int got = s.write([&] {
    s.db().exec("INSERT INTO policy (key, value) VALUES ('a', '1')");
    return 7;
  });
  CHECK(got == 7);
  CHECK(s.db().execAndGet("SELECT count(*) FROM policy").getInt() == 2);
  // A write inside a write is a bug, reported as internal.
  CHECK(error_kind([&] { s.write([&] { s.write([] {}); }); }) == ErrorKind::internal);
  CHECK_FALSE(s.in_transaction());
}

TEST_CASE("translate_exception maps SQLite errors to store or internal errors", "[sqlite]") {
  // Only the mapping is checked here; waiting 10 s for a lock belongs to the end-to-end tests.
  SQLite::Exception busy("database is locked", SQLITE_BUSY);
  Error e = translate_exception(busy);
  CHECK(e.kind() == ErrorKind::store);
  CHECK(std::string(e.what()).find("locked") != std::string::npos);
  CHECK(translate_exception(SQLite::Exception("x", SQLITE_READONLY)).kind() == ErrorKind::store);
  CHECK(translate_exception(SQLite::Exception("x", SQLITE_NOTADB)).kind() == ErrorKind::store);
  CHECK(translate_exception(SQLite::Exception("x", SQLITE_FULL)).kind() == ErrorKind::store);
  CHECK(translate_exception(SQLite::Exception("x", SQLITE_MISMATCH)).kind() == ErrorKind::internal);
  Error passed = translate_exception(Error(ErrorKind::conflict, "kept"));
  CHECK(passed.kind() == ErrorKind::conflict);
  CHECK(std::string(passed.what()) == "kept");
  CHECK(translate_exception(std::runtime_error("oops")).kind() == ErrorKind::internal);
}

TEST_CASE("io_error says when the store cannot grow, and keeps the OS error otherwise",
          "[sqlite]") {
  SQLite::Exception write_failed("disk I/O error", SQLITE_IOERR_WRITE);
  for (int os : {EFBIG, ENOSPC, EDQUOT}) {
    Error e = io_error(write_failed, os);
    CHECK(e.kind() == ErrorKind::store);
    CHECK(std::string(e.what()).find("cannot grow") != std::string::npos);
    CHECK(std::string(e.what()).find("nothing was changed") != std::string::npos);
  }
  Error other = io_error(write_failed, EIO);
  CHECK(other.kind() == ErrorKind::store);
  CHECK(std::string(other.what()).find(std::strerror(EIO)) != std::string::npos);
  // Anything but an I/O error is translate_exception's.
  CHECK(io_error(SQLite::Exception("x", SQLITE_FULL), 0).kind() == ErrorKind::store);
  CHECK(io_error(SQLite::Exception("x", SQLITE_BUSY), EFBIG).what() ==
        std::string(translate_exception(SQLite::Exception("x", SQLITE_BUSY)).what()));
}

TEST_CASE("the -wal and -shm files outlive the last connection, with the store's mode",
          "[sqlite]") {
  // A reader that may not write the directory cannot create them, and needs them.
  TempDir dir;
  fs::path p = dir / "store.db";
  {
    SqliteStore s(at_path(p), OpenMode::create);
    s.write([&] { s.db().exec("INSERT INTO policy (key, value) VALUES ('x', 'y')"); });
  }
  const fs::path wal = p.string() + "-wal", shm = p.string() + "-shm";
  REQUIRE(fs::exists(wal));
  REQUIRE(fs::exists(shm));
  CHECK(fs::file_size(wal) == 0);  // checkpointed and emptied
  CHECK(mode_of(wal) == 0600);
  CHECK(mode_of(shm) == 0600);
  // A store made readable to others takes its log files along at the next writable open.
  ::chmod(p.c_str(), 0640);
  { SqliteStore s(at_path(p), OpenMode::write); }
  CHECK(mode_of(wal) == 0640);
  CHECK(mode_of(shm) == 0640);
  SqliteStore reader(at_path(p), OpenMode::read);
  CHECK(reader.db().execAndGet("SELECT value FROM policy WHERE key = 'x'").getString() == "y");
}

TEST_CASE("locate_store: --db, then HOOKCTL_DB, then XDG_DATA_HOME, then HOME", "[sqlite]") {
  EnvGuard env(
      {{"HOOKCTL_DB", "/env/hookctl.db"}, {"XDG_DATA_HOME", "/xdg"}, {"HOME", "/home/someone"}});
  StoreLocation l = locate_store(std::string("/opt/x.db"));
  CHECK(l.path == fs::path("/opt/x.db"));
  CHECK(l.source == "--db");

  l = locate_store(std::nullopt);
  CHECK(l.path == fs::path("/env/hookctl.db"));
  CHECK(l.source == "HOOKCTL_DB");

  l = locate_store(std::string(""));  // an empty --db counts as not given
  CHECK(l.source == "HOOKCTL_DB");

  {
    EnvGuard no_db({{"HOOKCTL_DB", std::nullopt}});
    l = locate_store(std::nullopt);
    CHECK(l.path == fs::path("/xdg/hookctl/store.db"));
    CHECK(l.source == "XDG_DATA_HOME");
  }
  {
    EnvGuard empty_db({{"HOOKCTL_DB", std::string()}});  // empty counts as unset
    CHECK(locate_store(std::nullopt).source == "XDG_DATA_HOME");
  }
  {
    EnvGuard home_only({{"HOOKCTL_DB", std::nullopt}, {"XDG_DATA_HOME", std::nullopt}});
    l = locate_store(std::nullopt);
    CHECK(l.path == fs::path("/home/someone/.local/share/hookctl/store.db"));
    CHECK(l.source == "HOME");
  }
  {
    EnvGuard relative_xdg({{"HOOKCTL_DB", std::nullopt}, {"XDG_DATA_HOME", "relative/dir"}});
    CHECK(locate_store(std::nullopt).source == "HOME");  // XDG paths must be absolute
  }
  {
    EnvGuard nothing(
        {{"HOOKCTL_DB", std::nullopt}, {"XDG_DATA_HOME", std::nullopt}, {"HOME", std::nullopt}});
    CHECK(error_kind([] { locate_store(std::nullopt); }) == ErrorKind::store);
    CHECK(locate_store(std::string("/still/works.db")).source == "--db");
  }
}

TEST_CASE("a store published after a write is never removed by abandon_creation", "[sqlite]") {
  // Once at its path, other processes may have written into it.
  TempDir dir;
  fs::path p = dir / "new" / "store.db";
  SqliteStore s(at_path(p), OpenMode::create);
  s.write([&] { s.db().exec("INSERT INTO policy (key, value) VALUES ('x', 'y')"); });
  REQUIRE(fs::exists(p));
  s.abandon_creation();
  CHECK(fs::exists(p));
  SqliteStore again(at_path(p), OpenMode::read);
  CHECK(again.db().execAndGet("SELECT count(*) FROM policy WHERE key = 'x'").getInt() == 1);
}

TEST_CASE("a store created meanwhile by another process is used, not replaced", "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "store.db";
  SqliteStore mine(at_path(p), OpenMode::create);
  {
    SqliteStore theirs(at_path(p), OpenMode::create);
    theirs.write([&] { theirs.db().exec("INSERT INTO policy (key, value) VALUES ('t', '1')"); });
  }
  mine.write([&] { mine.db().exec("INSERT INTO policy (key, value) VALUES ('m', '1')"); });
  CHECK_FALSE(mine.created());
  SqliteStore again(at_path(p), OpenMode::read);
  CHECK(again.db().execAndGet("SELECT count(*) FROM policy WHERE key IN ('t', 'm')").getInt() == 2);
  CHECK(listing(dir.path()) == std::set<std::string>{"store.db", "store.db-shm", "store.db-wal"});
}

TEST_CASE("a store of schema 1 is upgraded when opened and keeps its audit log", "[sqlite]") {
  // Schema 1 exactly as the hookctl before rejection tallies created it: its one migration.
  TempDir dir;
  fs::path p = dir / "store.db";
  {
    SQLite::Database db(p.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    detail::migrations().at(0).apply(db);
    db.exec("PRAGMA application_id = " + std::to_string(application_id));
    db.exec("PRAGMA user_version = 1");
    db.exec(
        "INSERT INTO audit (at, actor, action, subject, details) VALUES "
        "(100, 'root', 'user.create', 'alice', 'kind=person'), "
        "(7200, 'serve', 'auth.rejected', 'orders', 'revoked: token unknown (first such "
        "rejection this hour; later ones in the hour are not logged)')");
  }
  REQUIRE(sqlite_schema_version() >= 2);
  // A read with write access upgrades it, as the next command of any kind does.
  SqliteStore store(at_path(p), OpenMode::read);
  CHECK(store.migrated());
  CHECK(store.stored_schema_version() == sqlite_schema_version());
  Session session(store, Time{Duration{7300}}, "tester");
  std::vector<AuditEvent> events;
  list_audit(session, {}, [&](const AuditEvent& e) { events.push_back(e); });
  REQUIRE(events.size() == 2);
  CHECK(events[0].details == "kind=person");
  CHECK(events[1].action == "auth.rejected");
  CHECK(events[1].repeated == 0);
  CHECK(shown_details(events[1]) == events[1].details);
  // The old summary's hour stays uncounted, as its text says; a new hour is counted.
  record_rejection(session, AuditAction::auth_rejected, "orders", "revoked", "token unknown");
  Session next_hour(store, Time{Duration{10800}}, "tester");
  record_rejection(next_hour, AuditAction::auth_rejected, "orders", "revoked", "token unknown");
  record_rejection(next_hour, AuditAction::auth_rejected, "orders", "revoked", "token unknown");
  events.clear();
  list_audit(session, {}, [&](const AuditEvent& e) { events.push_back(e); });
  REQUIRE(events.size() == 3);
  CHECK(events[1].repeated == 0);
  CHECK(events[2].repeated == 1);
  // Opened again, it is current: nothing more to migrate.
  SqliteStore again(at_path(p), OpenMode::write);
  CHECK_FALSE(again.migrated());
}

TEST_CASE("a relaxed write skips the disk flush for its own commit only") {
  fixture::Fixture f;
  // SQLite: PRAGMA synchronous (2 FULL, 1 NORMAL); PostgreSQL: synchronous_commit.
  auto setting = [&]() -> std::string {
    auto& q = f.store->statement(f.store->engine() == Engine::sqlite
                                     ? "PRAGMA synchronous"
                                     : "SELECT current_setting('synchronous_commit')");
    REQUIRE(q.step());
    std::string value = q.text(0);
    q.reset();
    return value;
  };
  const bool sqlite = f.store->engine() == Engine::sqlite;
  if (!sqlite) {
    // The test cluster runs with synchronous_commit off: the session's own setting is on.
    auto& q = f.store->statement("SELECT set_config('synchronous_commit', 'on', false)");
    REQUIRE(q.step());
    q.reset();
  }
  const std::string full = sqlite ? "2" : "on";
  const std::string relaxed = sqlite ? "1" : "off";
  CHECK(setting() == full);
  f.store->write([&] { CHECK(setting() == full); });
  f.store->write([&] { CHECK(setting() == relaxed); }, Durability::relaxed);
  CHECK(setting() == full);
  f.store->write([&] { CHECK(setting() == full); });
  CHECK_THROWS(
      f.store->write([&] { throw std::runtime_error("rolled back"); }, Durability::relaxed));
  CHECK(setting() == full);
  // What a relaxed write commits is there, as any commit.
  f.store->write([&] { f.store->statement("DELETE FROM policy").run(); }, Durability::relaxed);
  CHECK(f.scalar("SELECT count(*) FROM policy") == 0);
}

TEST_CASE("a relaxed write that cannot begin leaves the next write fully durable", "[sqlite]") {
  TempDir dir;
  fs::path p = dir / "store.db";
  SqliteStore s(at_path(p), OpenMode::create);
  REQUIRE(s.publish());
  SQLite::Database holder(p.string(), SQLite::OPEN_READWRITE);
  holder.exec("BEGIN IMMEDIATE");
  s.set_busy_timeout(std::chrono::milliseconds(50));
  CHECK_THROWS(s.write([] {}, Durability::relaxed));  // busy past the timeout
  holder.exec("ROLLBACK");
  CHECK(s.db().execAndGet("PRAGMA synchronous").getInt() == 2);
}
