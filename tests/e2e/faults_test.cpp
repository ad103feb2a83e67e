// Store faults end to end (exit 6: the store is unreadable, damaged, cannot be written, or
// locked): a store that cannot grow, a read-only store, a damaged store. hookctl never crashes on
// them (no signal, no exit 70), says what is wrong, and never leaves a write half-done; a
// read-only store still answers reads and webhook calls.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <random>

#include "harness.hpp"

namespace fs = std::filesystem;
using e2e::contains;
using e2e::Result;
using e2e::Sandbox;
using e2e::t0;
using nlohmann::json;

namespace {

const char* const password = "a long enough password";

std::string describe(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

struct Case {
  std::vector<std::string> args;
  std::string input;
};

// A small store: alice (a person with a password), svc and heir (service accounts); orders accepts
// svc's integration token `api`, billing its App token `app` owned by alice.
struct Store {
  std::string api, app;
};

Store populate(Sandbox& s) {
  s.at(t0);
  Result alice = s.run({"user", "create", "alice", "--password-stdin"}, std::string(password));
  INFO(alice.err);
  REQUIRE(alice.code == 0);
  s.user("svc", {"--service"});
  s.user("heir", {"--service"});
  Store st;
  st.api = s.token("svc");
  s.webhook("orders", "svc");
  REQUIRE(s.run({"webhook", "bind", "orders", "--token", e2e::token_id(st.api)}).code == 0);
  st.app = s.webhook("billing", "alice");
  return st;
}

// Every command that only reads, with a webhook call that is accepted and one that is not.
std::vector<Case> reads(const Store& st) {
  return {
      {{"user", "list"}, ""},
      {{"user", "list", "--json"}, ""},
      {{"user", "show", "alice"}, ""},
      {{"token", "list"}, ""},
      {{"token", "show", e2e::token_id(st.api)}, ""},
      {{"webhook", "list"}, ""},
      {{"webhook", "show", "orders", "--json"}, ""},
      {{"check"}, ""},
      {{"audit"}, ""},
      {{"policy", "show"}, ""},
  };
}

// Every kind of write.
std::vector<Case> writes(const Sandbox& s, const Store& st) {
  std::string lines;
  for (int i = 0; i < 3000; ++i)
    lines += "{\"name\":\"imported" + std::to_string(i) + "\",\"kind\":\"service\"}\n";
  e2e::write_file(s.dir / "import.jsonl", lines);
  return {
      {{"user", "create", "bob", "--no-password"}, ""},
      {{"user", "import", (s.dir / "import.jsonl").string()}, ""},
      {{"user", "import"}, "{\"name\":\"carol\"}\n"},
      {{"user", "set-password", "alice", "--password-stdin"}, "another long password\n"},
      {{"user", "delete", "svc", "--transfer-to", "heir", "--yes"}, ""},
      {{"token", "create", "--user", "svc"}, ""},
      {{"token", "rotate", e2e::token_id(st.api)}, ""},
      {{"token", "revoke", e2e::token_id(st.app), "--yes"}, ""},
      {{"webhook", "create", "shipping", "--owner", "svc"}, ""},
      {{"webhook", "bind", "billing", "--token", e2e::token_id(st.api)}, ""},
      {{"webhook", "delete", "orders", "--yes"}, ""},
      {{"policy", "set", "inactivity-period", "90d"}, ""},
  };
}

// hookctl ended on its own, with one of its exit codes: no signal, no internal error.
void no_crash(const Result& r) {
  CHECK(r.code < 128);
  CHECK(r.code != 70);
  CHECK_FALSE(contains(r.err, "internal error"));
}

}  // namespace

// (a) RLIMIT_FSIZE stands for a full disk: writes past the limit fail with EFBIG.
// SQLite only: limits the store file's size.
TEST_CASE("a store that cannot grow refuses writes with exit 6 and keeps every write whole",
          "[sqlite]") {
  Sandbox s;
  Store st = populate(s);
  const std::string before = s.dump();
  e2e::ChildSetup limit;

  SECTION("a write larger than what fits, the store otherwise idle") {
    // 32 KiB: room for the -shm index that the first connection sizes, not for 3000 accounts.
    limit.file_size_limit = 32768;
    Case import = writes(s, st)[1];
    Result r = s.run_as(import.args, import.input, limit);
    INFO(r.err);
    no_crash(r);
    CHECK(r.code == 6);
    CHECK(contains(r.err, "cannot grow"));
    CHECK(contains(r.err, "nothing was changed"));
    CHECK(s.dump() == before);
    // Without the limit the same import goes through, whole.
    Result again = s.run(import.args, import.input);
    INFO(again.err);
    CHECK(again.code == 0);
    CHECK(s.count("accounts") == 3 + 3000);
  }
  SECTION("every write, while another process has the store open") {
    // Another connection keeps the -shm index sized, so hookctl opens fine and only its write
    // needs room: with a 4 KiB limit not even one page fits in the write-ahead log.
    SQLite::Database other(s.db.string(), SQLite::OPEN_READONLY);
    REQUIRE(other.execAndGet("SELECT count(*) FROM accounts").getInt() == 3);
    limit.file_size_limit = 4096;
    for (const auto& c : writes(s, st)) {
      Result r = s.run_as(c.args, c.input, limit);
      INFO(describe(c.args) << "\n" << r.err);
      no_crash(r);
      CHECK(r.code == 6);
      CHECK(contains(r.err, "cannot grow"));
      // A command that issues a secret writes it out before its commit, so that a secret that
      // cannot be delivered is never committed; when the commit itself then fails, what was
      // printed was never issued (the store is as before, so it authenticates nothing).
      const bool issues_secret = contains(describe(c.args), "token create") ||
                                 contains(describe(c.args), "token rotate") ||
                                 contains(describe(c.args), "webhook create") ||
                                 contains(describe(c.args), "--app-token");
      if (!issues_secret) CHECK(r.out.empty());
      CHECK(s.dump() == before);
    }
    // Reads need no room.
    for (const auto& c : reads(st)) {
      Result r = s.run_as(c.args, c.input, limit);
      INFO(describe(c.args) << "\n" << r.err);
      CHECK(r.code == 0);
    }
    // A rejected webhook call is still answered: recording it is best effort.
    Result rejected = s.run_as({"auth", "verify", "orders"}, "Bearer " + st.app, limit);
    INFO(rejected.err);
    CHECK(rejected.code == 5);
    CHECK(rejected.line().rfind("401 ", 0) == 0);
    CHECK(s.dump() == before);
    // A genuine call is accepted: the caller is not refused because the bookkeeping write
    // failed; stderr says the use was not recorded, and why.
    Result accepted = s.run_as({"auth", "verify", "orders"}, "Bearer " + st.api, limit);
    INFO(accepted.err);
    CHECK(accepted.code == 0);
    CHECK(accepted.line() == "200");
    CHECK(contains(accepted.err, "not recorded"));
    CHECK(contains(accepted.err, "cannot grow"));
    CHECK(s.dump() == before);
  }
  SECTION("a limit below what opening the store needs") {
    // The first connection sizes the 32 KiB -shm index, which a 4 KiB limit already refuses.
    limit.file_size_limit = 4096;
    std::vector<Case> all = reads(st);
    for (const auto& c : writes(s, st)) all.push_back(c);
    for (const auto& c : all) {
      Result r = s.run_as(c.args, c.input, limit);
      INFO(describe(c.args) << "\n" << r.err);
      no_crash(r);
      CHECK(r.code == 6);
      CHECK(contains(r.err, "cannot grow"));
      CHECK(s.dump() == before);
    }
  }
  // Whatever failed, the store is intact and usable.
  {
    SQLite::Database d(s.db.string(), SQLite::OPEN_READONLY);
    CHECK(d.execAndGet("PRAGMA integrity_check").getString() == "ok");
  }
  Result later = s.run({"user", "create", "dave", "--no-password"});
  INFO(later.err);
  CHECK(later.code == 0);
}

// (b) Root makes the store read-only for real by running hookctl as nobody on a root-owned store.
// SQLite only: a read-only file.
TEST_CASE("a read-only store answers reads and webhook calls and refuses writes with exit 6",
          "[sqlite]") {
  if (::geteuid() != 0) {
    WARN("skipped: needs root to run hookctl as another user");
    return;
  }
  Sandbox s;
  Store st = populate(s);
  e2e::ChildSetup nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  fs::permissions(s.dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
  auto as_nobody = [&](const std::vector<std::string>& args, const std::string& input = "") {
    return s.run_as(args, input, nobody);
  };
  {
    Result probe = as_nobody({"--version"});
    if (probe.code != 0) {
      WARN("skipped: user nobody cannot run " << e2e::hookctl_bin());
      return;
    }
  }
  // hookctl keeps -wal (emptied) and -shm after the last close, with the store's mode.
  const fs::path wal = s.db.string() + "-wal", shm = s.db.string() + "-shm";
  REQUIRE(fs::exists(wal));
  REQUIRE(fs::exists(shm));
  CHECK(fs::file_size(wal) == 0);
  CHECK(e2e::mode_of(wal) == 0600);
  CHECK(e2e::mode_of(shm) == 0600);
  const std::string before = s.dump();
  ::chmod(s.db.c_str(), 0644);

  // Reads and webhook calls work; writes fail with exit 6, change nothing (the store's content
  // is still `before`) and create no file.
  auto reads_work_writes_fail = [&](const std::string& before) {
    std::vector<Case> refused = writes(s, st);
    refused.push_back({{"init"}, ""});
    refused.push_back({{"user", "reactivate", "alice"}, ""});
    const auto files = e2e::entries(s.dir);
    for (const auto& c : reads(st)) {
      Result r = as_nobody(c.args, c.input);
      INFO(describe(c.args) << "\n" << r.err);
      CHECK(r.code == 0);
      CHECK_FALSE(r.out.empty());
    }
    Result ok = as_nobody({"auth", "verify", "orders"}, "Bearer " + st.api);
    INFO(ok.err);
    CHECK(ok.code == 0);
    CHECK(ok.line() == "200");
    CHECK(contains(ok.err, "not recorded"));
    Result no = as_nobody({"auth", "verify", "orders", "--json"}, "Bearer " + st.app);
    INFO(no.err);
    CHECK(no.code == 5);
    CHECK(no.json()["status"] == 401);
    Result login = as_nobody({"auth", "login", "alice"}, std::string(password) + "\n");
    INFO(login.err);
    CHECK(login.code == 0);
    CHECK(contains(login.err, "not recorded"));
    for (const auto& c : refused) {
      Result r = as_nobody(c.args, c.input);
      INFO(describe(c.args) << "\n" << r.err);
      no_crash(r);
      CHECK(r.code == 6);
      CHECK(contains(r.err, "not writable"));
      CHECK(r.out.empty());
    }
    CHECK(e2e::entries(s.dir) == files);
    CHECK(s.dump() == before);  // (last: as root, it may create the log files)
  };

  SECTION("made readable after its last write: the log files are still private") {
    // (SQLite itself gives an empty -wal the store's mode when it opens it for writing, as
    // dump() just did.)
    ::chmod(wal.c_str(), 0600);
    ::chmod(shm.c_str(), 0600);
    reads_work_writes_fail(before);
  }
  SECTION("written again after it was made readable: the log files follow its mode") {
    REQUIRE(s.run({"user", "create", "carol", "--no-password"}).code == 0);
    CHECK(e2e::mode_of(wal) == 0644);
    CHECK(e2e::mode_of(shm) == 0644);
    reads_work_writes_fail(s.dump());
    // A change still in the write-ahead log (its writer is still open) is seen by the reader.
    SQLite::Database writer(s.db.string(), SQLite::OPEN_READWRITE);
    writer.exec("UPDATE accounts SET email = 'carol@example.org' WHERE name = 'carol'");
    REQUIRE(fs::file_size(wal) > 0);
    Result carol = as_nobody({"user", "show", "carol", "--json"});
    INFO(carol.err);
    REQUIRE(carol.code == 0);
    CHECK(carol.json()["email"] == "carol@example.org");
  }
  SECTION("no log files at all (last closed by a program that deletes them)") {
    {
      SQLite::Database plain(s.db.string(), SQLite::OPEN_READWRITE);
      plain.exec("SELECT count(*) FROM accounts");
    }
    REQUIRE_FALSE(fs::exists(wal));
    REQUIRE_FALSE(fs::exists(shm));
    reads_work_writes_fail(before);
  }
  SECTION("a log holding changes this user may not read is refused, not skipped") {
    SQLite::Database writer(s.db.string(), SQLite::OPEN_READWRITE);
    writer.exec("UPDATE accounts SET email = 'alice@example.org' WHERE name = 'alice'");
    REQUIRE(fs::file_size(wal) > 0);
    ::chmod(wal.c_str(), 0600);
    Result r = as_nobody({"user", "show", "alice"});
    INFO(r.err);
    no_crash(r);
    CHECK(r.code == 6);
    CHECK(contains(r.err, "not readable"));
    CHECK(contains(r.err, wal.string()));
  }
}

// (c) A damaged file: garbage over the pages after the first (the header and schema survive, so
// the file still looks like a hookctl store), or a truncated file.
// SQLite only: damages the store file.
TEST_CASE("a damaged store is refused with exit 6 and a clear message, never a crash", "[sqlite]") {
  Sandbox s;
  Store st = populate(s);
  std::string lines;
  for (int i = 0; i < 300; ++i)
    lines += "{\"name\":\"filler" + std::to_string(i) + "\",\"email\":\"f@example.org\"}\n";
  REQUIRE(s.run({"user", "import"}, lines).code == 0);
  const std::string good = e2e::read_file(s.db);
  const size_t page = 4096;
  REQUIRE(good.size() % page == 0);
  const size_t pages = good.size() / page;
  REQUIRE(pages > 8);

  auto overwrite = [&](size_t from_page, size_t to_page, auto&& byte) {
    std::string bytes = good;
    for (size_t i = from_page * page; i < to_page * page && i < bytes.size(); ++i)
      bytes[i] = static_cast<char>(byte());
    return bytes;
  };
  std::mt19937 rng(20261128);
  auto random_byte = [&] { return static_cast<int>(rng() & 0xff); };
  struct Damage {
    std::string what;
    std::string bytes;
    bool everything;  // every command must be refused (else: only no crash)
  };
  const std::vector<Damage> damages{
      {"random bytes over pages 2+", overwrite(1, pages, random_byte), true},
      {"other random bytes over pages 2+", overwrite(1, pages, random_byte), true},
      {"0xff over pages 2+", overwrite(1, pages, [] { return 0xff; }), true},
      {"zeros over pages 2+", overwrite(1, pages, [] { return 0; }), true},
      {"truncated to 100 bytes", good.substr(0, 100), true},
      {"truncated to the first page", good.substr(0, page), true},
      {"truncated to half", good.substr(0, pages / 2 * page), true},
      {"the last page missing", good.substr(0, (pages - 1) * page), true},
      {"random bytes over one page in the middle", overwrite(pages / 2, pages / 2 + 1, random_byte),
       false},
      {"random bytes over the first page", overwrite(0, 1, random_byte), true},
  };
  std::vector<Case> commands = reads(st);
  for (const auto& c : writes(s, st)) commands.push_back(c);
  commands.push_back({{"auth", "verify", "orders"}, "Bearer " + st.api});
  commands.push_back({{"auth", "login", "alice"}, std::string(password) + "\n"});
  commands.push_back({{"init"}, ""});

  int runs = 0, refused = 0;
  for (const auto& damage : damages) {
    for (const auto& c : commands) {
      // Each command meets the damage alone: no log left by the one before.
      fs::remove(s.db.string() + "-wal");
      fs::remove(s.db.string() + "-shm");
      e2e::write_file(s.db, damage.bytes);
      Result r = s.run(c.args, c.input);
      ++runs;
      INFO(damage.what << ": " << describe(c.args) << "\n" << r.err);
      no_crash(r);
      if (r.code == 6) ++refused;
      // init checks the whole file (quick_check), so it finds even the one damaged page that
      // other commands may never read.
      const bool is_init = c.args[0] == "init";
      if (damage.everything || is_init) {
        CHECK(r.code == 6);
        CHECK((contains(r.err, "damaged") || contains(r.err, "not a hookctl store")));
        CHECK(r.out.empty());
      }
      if (damage.everything) CHECK(e2e::read_file(s.db) == damage.bytes);
    }
  }
  WARN("damaged store: " << damages.size() << " kinds of damage, " << runs << " commands, "
                         << refused << " refused with exit 6, none crashed");
}
