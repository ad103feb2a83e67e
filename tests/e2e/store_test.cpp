// Global behaviour end to end: where the store lives and how it is
// created, the refusals that leave a store or a foreign file untouched, a failed command creating
// nothing, global options before or after the subcommand, HOOKCTL_NOW, usage errors and the JSON
// error envelope.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <regex>

#include "harness.hpp"

namespace fs = std::filesystem;
using e2e::contains;
using e2e::Result;
using e2e::Sandbox;
using json = nlohmann::json;

namespace {

// Sets the umask for the commands run while it lives (a child inherits it).
class Umask {
 public:
  explicit Umask(mode_t mask) : saved_(::umask(mask)) {}
  ~Umask() { ::umask(saved_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t saved_;
};

struct Case {
  std::vector<std::string> args;
  std::string input;
  int code;
};

std::string describe(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

const std::regex rfc3339_utc(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)");

// Every command that only reads, with what it needs on stdin.
const std::vector<Case> read_commands{
    {{"user", "list"}, "", 6},
    {{"user", "show", "alice"}, "", 6},
    {{"user", "reactivate", "alice"}, "", 6},
    {{"user", "set-password", "alice", "--password-stdin"}, "a long enough password\n", 6},
    {{"user", "delete", "alice", "--yes"}, "", 6},
    {{"auth", "login", "alice"}, "a long enough password\n", 6},
    {{"policy", "show"}, "", 6},
    {{"audit"}, "", 6},
    {{"token", "list"}, "", 6},
    {{"webhook", "list"}, "", 6},
    {{"check"}, "", 6},
};

}  // namespace

TEST_CASE("init creates the store 0600 in new 0700 directories and prints its path") {
  Sandbox s;
  Umask open_umask(0);  // the modes must not depend on the caller's umask
  fs::path nested = s.dir / "srv" / "hookctl" / "store.db";
  Result r = s.run({"--db", nested.string(), "init"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.line() == nested.string());
  REQUIRE(fs::exists(nested));
  CHECK(e2e::mode_of(nested) == 0600);
  CHECK(e2e::mode_of(s.dir / "srv") == 0700);
  CHECK(e2e::mode_of(s.dir / "srv" / "hookctl") == 0700);
  for (const char* suffix : {"-wal", "-shm"}) {
    fs::path side = nested.string() + suffix;
    if (fs::exists(side)) CHECK(e2e::mode_of(side) == 0600);
  }
  CHECK_FALSE(fs::exists(s.db));  // --db beats HOOKCTL_DB

  // A second init finds the store up to date and changes nothing.
  Result again = s.run({"init", "--db", nested.string(), "--json"});
  INFO(again.err);
  REQUIRE(again.code == 0);
  auto j = again.json();
  CHECK(j["path"] == nested.string());
  CHECK(j["created"] == false);
  CHECK(j["migrated"] == false);
  CHECK(j["schema_version"].is_number_integer());
  CHECK(e2e::mode_of(nested) == 0600);
}

TEST_CASE("a store created by user create is 0600 in a 0700 directory") {
  Sandbox s;
  Umask open_umask(0);
  fs::path nested = s.dir / "a" / "b" / "store.db";
  Result r = s.run({"user", "create", "alice", "--no-password", "--db", nested.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(e2e::mode_of(nested) == 0600);
  CHECK(e2e::mode_of(s.dir / "a") == 0700);
  CHECK(e2e::mode_of(s.dir / "a" / "b") == 0700);
}

// SQLite only: the default store is a file.
TEST_CASE("default store path: XDG_DATA_HOME/hookctl/store.db, else HOME/.local/share",
          "[sqlite]") {
  Sandbox s;
  fs::path xdg = s.dir / "xdg";
  fs::path home = s.dir / "home";

  SECTION("XDG_DATA_HOME") {
    std::map<std::string, std::string> env{{"HOOKCTL_DB", ""}, {"XDG_DATA_HOME", xdg.string()}};
    fs::path expected = xdg / "hookctl" / "store.db";
    Result r = s.run_env({"init"}, "", env);
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.line() == expected.string());
    CHECK(fs::exists(expected));
    CHECK(e2e::mode_of(expected) == 0600);
    CHECK(e2e::mode_of(xdg / "hookctl") == 0700);
    REQUIRE(s.run_env({"user", "create", "alice", "--no-password"}, "", env).code == 0);
    Result list = s.run_env({"user", "list", "--json"}, "", env);
    REQUIRE(list.code == 0);
    REQUIRE(list.json().size() == 1);
    CHECK(list.json()[0]["name"] == "alice");
    CHECK_FALSE(fs::exists(s.db));
    CHECK_FALSE(fs::exists(home / ".local"));
  }
  SECTION("HOME when XDG_DATA_HOME is not set") {
    std::map<std::string, std::string> env{{"HOOKCTL_DB", ""}, {"XDG_DATA_HOME", ""}};
    fs::path expected = home / ".local" / "share" / "hookctl" / "store.db";
    Result r = s.run_env({"init"}, "", env);
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.line() == expected.string());
    CHECK(fs::exists(expected));
    CHECK(e2e::mode_of(expected) == 0600);
    CHECK(e2e::mode_of(home / ".local" / "share" / "hookctl") == 0700);
    REQUIRE(s.run_env({"user", "create", "alice", "--no-password"}, "", env).code == 0);
    CHECK(s.run_env({"user", "show", "alice"}, "", env).code == 0);
    CHECK_FALSE(fs::exists(s.db));
  }
  SECTION("HOOKCTL_DB beats XDG_DATA_HOME, --db beats both") {
    std::map<std::string, std::string> env{{"XDG_DATA_HOME", xdg.string()}};
    REQUIRE(s.run_env({"init"}, "", env).code == 0);
    CHECK(fs::exists(s.db));
    CHECK_FALSE(fs::exists(xdg));
    fs::path other = s.dir / "other.db";
    Result r = s.run_env({"init", "--db", other.string()}, "", env);
    REQUIRE(r.code == 0);
    CHECK(r.line() == other.string());
    CHECK(fs::exists(other));
    CHECK_FALSE(fs::exists(xdg));
  }
}

// SQLite only: names two store files.
TEST_CASE("option --db beats HOOKCTL_DB and global options stand before or after the subcommand",
          "[sqlite]") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  fs::path other = s.dir / "other.db";
  REQUIRE(s.run({"--db", other.string(), "user", "create", "alice", "--no-password"}).code == 0);
  REQUIRE(s.run({"user", "create", "bob", "--no-password", "--db", other.string()}).code == 0);
  REQUIRE(s.run({"user", "--db", other.string(), "create", "carol", "--no-password"}).code == 0);
  CHECK_FALSE(fs::exists(s.db));

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--json", "--db", other.string(), "user", "list"},
           {"--db", other.string(), "user", "list", "--json"},
           {"user", "list", "--json", "--db", other.string()},
           {"user", "--json", "list", "--db", other.string()},
       }) {
    Result r = s.run(args);
    INFO(describe(args) << "\n" << r.err);
    REQUIRE(r.code == 0);
    auto j = r.json();
    REQUIRE(j.is_array());
    CHECK(j.size() == 3);
  }
  Result before = s.run({"--json", "--db", other.string(), "user", "show", "alice"});
  Result after = s.run({"user", "show", "alice", "--db", other.string(), "--json"});
  REQUIRE(before.code == 0);
  REQUIRE(after.code == 0);
  CHECK(before.json() == after.json());

  // Without --db the store named by HOOKCTL_DB is used, and it does not exist.
  Result missing = s.run({"user", "list"});
  CHECK(missing.code == 6);
  CHECK(contains(missing.err, s.db.string()));
}

// SQLite only: checks that no file or directory appears.
TEST_CASE("read commands on a missing store exit 6, say where they looked, and create nothing",
          "[sqlite]") {
  Sandbox s;
  SECTION("--db in a missing directory") {
    fs::path nested = s.dir / "nowhere" / "store.db";
    for (const auto& c : read_commands) {
      std::vector<std::string> args = c.args;
      args.insert(args.end(), {"--db", nested.string()});
      Result r = s.run(args, c.input);
      INFO(describe(args) << "\n" << r.err);
      CHECK(r.code == 6);
      CHECK(contains(r.err, nested.string()));
      CHECK(r.out.empty());
      CHECK_FALSE(fs::exists(s.dir / "nowhere"));
    }
  }
  SECTION("HOOKCTL_DB in an existing directory") {
    for (const auto& c : read_commands) {
      Result r = s.run(c.args, c.input);
      INFO(describe(c.args) << "\n" << r.err);
      CHECK(r.code == 6);
      CHECK(contains(r.err, s.db.string()));
      CHECK(e2e::entries(s.dir).empty());
    }
  }
  SECTION("the default path under XDG_DATA_HOME") {
    fs::path xdg = s.dir / "xdg";
    fs::create_directory(xdg);
    for (const auto& c : read_commands) {
      Result r = s.run_env(c.args, c.input, {{"HOOKCTL_DB", ""}, {"XDG_DATA_HOME", xdg.string()}});
      INFO(describe(c.args) << "\n" << r.err);
      CHECK(r.code == 6);
      CHECK(contains(r.err, (xdg / "hookctl" / "store.db").string()));
      CHECK(e2e::entries(xdg).empty());
    }
  }
  SECTION("under --json the error is the envelope with code store") {
    Result r = s.run({"user", "list", "--json"});
    CHECK(r.code == 6);
    CHECK(r.out.empty());
    auto j = r.error_json();
    CHECK(j["error"]["code"] == "store");
    CHECK(contains(j["error"]["message"].get<std::string>(), s.db.string()));
  }
}

TEST_CASE("a failed command on a missing store creates nothing, not even its directory") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  e2e::write_file(s.dir / "bad.jsonl",
                  "{\"name\":\"a\"}\n{\"name\":\"b\"}\n{\"name\":\"bad name!\"}\n");
  e2e::write_file(s.dir / "dup.jsonl", "{\"name\":\"a\"}\n{\"name\":\"A\"}\n");
  const std::vector<Case> failing{
      {{"token", "create", "--user", "nobody"}, "", 3},
      {{"webhook", "create", "orders", "--owner", "nobody"}, "", 3},
      {{"user", "create", "bad name!", "--no-password"}, "", 2},
      {{"user", "create", "alice"}, "", 2},  // no password option off a terminal
      {{"user", "create", "alice", "--password-stdin"}, "too short\n", 2},
      {{"user", "create", "alice", "--no-password", "--email", "not-an-address"}, "", 2},
      {{"user", "create", "alice", "--no-password", "--bogus"}, "", 2},
      {{"user", "import", (s.dir / "bad.jsonl").string()}, "", 2},
      {{"user", "import"}, "{\"name\":\"a\"}\nnot json\n", 2},
      {{"user", "import", (s.dir / "dup.jsonl").string()}, "", 4},
      {{"user", "import", (s.dir / "no-such-file.jsonl").string()}, "", 2},
      {{"policy", "set", "inactivity-period", "3x"}, "", 2},
      {{"policy", "set", "inactivity-period", "30s"}, "", 2},
      {{"policy", "set", "colour", "blue"}, "", 2},
  };
  SECTION("nested --db") {
    fs::path nested = s.dir / "new" / "deeper" / "store.db";
    for (const auto& c : failing) {
      std::vector<std::string> args = c.args;
      args.insert(args.end(), {"--db", nested.string()});
      Result r = s.run(args, c.input);
      INFO(describe(args) << "\n" << r.err);
      CHECK(r.code == c.code);
      CHECK_FALSE(fs::exists(s.dir / "new"));
    }
  }
  SECTION("HOOKCTL_DB") {
    for (const auto& c : failing) {
      Result r = s.run(c.args, c.input);
      INFO(describe(c.args) << "\n" << r.err);
      CHECK(r.code == c.code);
      CHECK(e2e::entries(s.dir) == std::vector<std::string>{"bad.jsonl", "dup.jsonl"});
    }
  }
  SECTION("the default path under XDG_DATA_HOME") {
    fs::path xdg = s.dir / "xdg";
    for (const auto& c : failing) {
      Result r = s.run_env(c.args, c.input, {{"HOOKCTL_DB", ""}, {"XDG_DATA_HOME", xdg.string()}});
      INFO(describe(c.args) << "\n" << r.err);
      CHECK(r.code == c.code);
      CHECK_FALSE(fs::exists(xdg));
    }
  }
  SECTION("a malformed HOOKCTL_NOW") {
    s.at("yesterday");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"init"}, {"user", "create", "alice", "--no-password"}, {"user", "import"}}) {
      Result r = s.run(args, "{\"name\":\"a\"}\n");
      INFO(describe(args) << "\n" << r.err);
      CHECK(r.code == 2);
      CHECK(contains(r.err, "HOOKCTL_NOW"));
      CHECK(e2e::entries(s.dir) == std::vector<std::string>{"bad.jsonl", "dup.jsonl"});
    }
  }
}

TEST_CASE("failed commands leave an existing store untouched") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  s.user("svc", {"--service"});
  s.token("svc");  // so that deleting svc is refused
  e2e::write_file(s.dir / "bad.jsonl", "{\"name\":\"a\"}\n{\"name\":\"b\"}\n{\"nom\":\"c\"}\n");
  const std::vector<Case> failing{
      {{"user", "create", "ALICE", "--no-password"}, "", 4},
      {{"user", "create", "bad name!", "--no-password"}, "", 2},
      {{"user", "create", "bob"}, "", 2},
      {{"user", "create", "bob", "--password-stdin"}, "elevenchars\n", 2},
      {{"user", "create", "bob", "--password", "a long enough password"}, "", 2},
      {{"user", "create", "bob", "--no-password", "--frobnicate"}, "", 2},
      {{"user", "list", "--kind", "robot"}, "", 2},
      {{"user", "list", "--inactive-within", "2 weeks"}, "", 2},
      {{"user", "show", "nobody"}, "", 3},
      {{"user", "reactivate", "nobody"}, "", 3},
      {{"user", "set-password", "nobody", "--password-stdin"}, "a long enough password\n", 3},
      {{"user", "set-password", "alice", "--password-stdin"}, "short\n", 2},
      {{"user", "set-password", "alice"}, "", 2},
      {{"user", "import", (s.dir / "bad.jsonl").string()}, "", 2},
      {{"user", "import"}, "{\"name\":\"zed\"}\n{\"name\":\"Alice\"}\n", 4},
      {{"user", "delete", "alice"}, "", 2},
      {{"user", "delete", "nobody", "--yes"}, "", 3},
      {{"user", "delete", "svc", "--yes"}, "", 4},
      {{"user", "lsit"}, "", 2},
      {{"policy", "set", "inactivity-period", "36501d"}, "", 2},
      {{"policy", "set", "inactivity-period", "14"}, "", 2},
      {{"audit", "--since", "yesterday"}, "", 2},
      {{"audit", "--limit", "0"}, "", 2},
  };
  std::string before = s.dump();
  for (const auto& c : failing) {
    Result r = s.run(c.args, c.input);
    INFO(describe(c.args) << "\n" << r.err);
    CHECK(r.code == c.code);
    CHECK(s.dump() == before);
  }
  // The same commands with a malformed clock fail with a usage error before touching anything.
  s.at("2026-01-01");
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"user", "create", "bob", "--no-password"},
                                             {"user", "reactivate", "alice"},
                                             {"policy", "set", "inactivity-period", "90d"},
                                             {"token", "create", "--user", "svc"}}) {
    Result r = s.run(args);
    INFO(describe(args) << "\n" << r.err);
    CHECK(r.code == 2);
    CHECK(s.dump() == before);
  }
}

// SQLite only: raises SQLite's user_version (the PostgreSQL twin is in postgresql_test.cpp).
TEST_CASE("a store from a newer hookctl is refused with exit 6 and left untouched", "[sqlite]") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  {
    SQLite::Database d(s.db.string(), SQLite::OPEN_READWRITE);
    d.exec("PRAGMA user_version = 99");
  }
  const std::string bytes = e2e::read_file(s.db);
  const auto files = e2e::entries(s.dir);
  const std::vector<Case> commands{
      {{"init"}, "", 6},
      {{"user", "list"}, "", 6},
      {{"user", "show", "alice"}, "", 6},
      {{"user", "create", "bob", "--no-password"}, "", 6},
      {{"user", "import"}, "{\"name\":\"bob\"}\n", 6},
      {{"user", "reactivate", "alice"}, "", 6},
      {{"user", "set-password", "alice", "--password-stdin"}, "a long enough password\n", 6},
      {{"user", "delete", "alice", "--yes"}, "", 6},
      {{"auth", "login", "alice"}, "a long enough password\n", 6},
      {{"token", "create", "--user", "alice"}, "", 6},
      {{"policy", "show"}, "", 6},
      {{"policy", "set", "inactivity-period", "90d"}, "", 6},
      {{"audit"}, "", 6},
  };
  for (const auto& c : commands) {
    Result r = s.run(c.args, c.input);
    INFO(describe(c.args) << "\n" << r.err);
    CHECK(r.code == 6);
    CHECK(contains(r.err, "newer"));
    CHECK(e2e::read_file(s.db) == bytes);
    CHECK(e2e::entries(s.dir) == files);
  }
  Result j = s.run({"user", "list", "--json"});
  CHECK(j.code == 6);
  CHECK(j.error_json()["error"]["code"] == "store");
  CHECK(e2e::read_file(s.db) == bytes);
}

// SQLite only: foreign files.
TEST_CASE("a file that is not a hookctl store is refused with exit 6 and left untouched",
          "[sqlite]") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  const std::vector<Case> commands{
      {{"init"}, "", 6},
      {{"user", "list"}, "", 6},
      {{"user", "create", "bob", "--no-password"}, "", 6},
      {{"user", "import"}, "{\"name\":\"bob\"}\n", 6},
      {{"policy", "set", "inactivity-period", "90d"}, "", 6},
      {{"audit"}, "", 6},
  };
  auto refused_untouched = [&] {
    const std::string bytes = e2e::read_file(s.db);
    const auto files = e2e::entries(s.dir);
    for (const auto& c : commands) {
      Result r = s.run(c.args, c.input);
      INFO(describe(c.args) << "\n" << r.err);
      CHECK(r.code == 6);
      CHECK(contains(r.err, "not a hookctl store"));
      CHECK(e2e::read_file(s.db) == bytes);
      CHECK(e2e::entries(s.dir) == files);
    }
  };
  SECTION("a text file") {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i) + " of someone's notes\n";
    e2e::write_file(s.db, text);
    refused_untouched();
    CHECK(e2e::read_file(s.db) == text);
  }
  SECTION("another application's SQLite database") {
    {
      SQLite::Database d(s.db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      d.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
      d.exec("INSERT INTO notes (body) VALUES ('keep me')");
    }
    refused_untouched();
  }
  SECTION("another application's SQLite database at our schema version") {
    {
      SQLite::Database d(s.db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      d.exec("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)");
      d.exec("INSERT INTO accounts (name) VALUES ('keep me')");
      d.exec("PRAGMA user_version = 1");
    }
    refused_untouched();
  }
  SECTION("a directory") {
    fs::create_directory(s.db);
    for (const auto& c : commands) {
      Result r = s.run(c.args, c.input);
      INFO(describe(c.args) << "\n" << r.err);
      CHECK(r.code == 6);
      CHECK(e2e::entries(s.db).empty());
    }
  }
}

TEST_CASE("a write under HOOKCTL_NOW warns and its audit event says the clock was overridden") {
  Sandbox s;
  s.at("2030-01-01T00:00:00Z");
  Result created = s.run({"user", "create", "alice", "--no-password"});
  REQUIRE(created.code == 0);
  CHECK(created.err.find("hookctl: warning: HOOKCTL_NOW is set: recorded 2030-01-01T00:00:00Z "
                         "as now") != std::string::npos);
  json events = s.run({"audit", "--json"}).json();
  REQUIRE(events.size() == 1);  // user.create
  for (const auto& e : events) {
    CHECK(e["at"] == "2030-01-01T00:00:00Z");
    CHECK(e["details"].get<std::string>().find("[clock overridden by HOOKCTL_NOW; recorded at ") !=
          std::string::npos);
  }

  // A read, a refusal and a failure record nothing and print no warning: with --json, stderr
  // stays exactly one JSON document.
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"user", "list"},
                                             {"user", "create", "alice", "--no-password", "--json"},
                                             {"user", "reactivate", "nobody", "--json"}}) {
    Result r = s.run(args);
    INFO(describe(args) << "\n" << r.err);
    CHECK(r.err.find("warning") == std::string::npos);
    if (r.code != 0) CHECK_NOTHROW(json::parse(r.err));
  }

  // Within a minute of the real clock is not an override worth a warning.
  s.env.erase("HOOKCTL_NOW");
  Result real = s.run({"user", "create", "bob", "--no-password"});
  REQUIRE(real.code == 0);
  CHECK(real.err.find("warning") == std::string::npos);
  CHECK(s.run({"audit", "--json"}).json().back()["details"].get<std::string>().find("overridden") ==
        std::string::npos);
}

TEST_CASE("reports take --at as the option form of HOOKCTL_NOW") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  s.env.erase("HOOKCTL_NOW");
  const std::string later = "2026-03-15T00:00:00Z";  // alice is inactive by then
  CHECK(s.run({"user", "list", "--inactive", "--json", "--at", later}).json().size() == 1);
  CHECK(s.run({"user", "list", "--inactive", "--json", "--at", "2026-01-02T00:00:00Z"})
            .json()
            .empty());
  CHECK(s.run({"check", "--json", "--at", later}).code == 0);
  CHECK(s.run({"webhook", "list", "--json", "--at", later}).code == 0);
  CHECK(s.run({"token", "list", "--json", "--at", later}).code == 0);
  Result bad = s.run({"user", "list", "--at", "next-tuesday"});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("next-tuesday") == std::string::npos);
  // A report at another time records nothing, so it warns about nothing.
  CHECK(s.run({"user", "list", "--at", later}).err.empty());
}

// SQLite only: the location shown for PostgreSQL is its URI.
TEST_CASE("a command that creates a store says where", "[sqlite]") {
  Sandbox s;
  Result r = s.run({"user", "create", "alice", "--no-password"});
  REQUIRE(r.code == 0);
  CHECK(r.err.find("Created a new store at " + s.db.string() + ".") != std::string::npos);
  Result again = s.run({"user", "create", "bob", "--no-password"});
  CHECK(again.err.find("Created a new store") == std::string::npos);
}

TEST_CASE("HOOKCTL_NOW sets the clock and a malformed value is exit 2") {
  Sandbox s;
  SECTION("an offset is converted to UTC, printed exactly to the second") {
    s.at("2026-11-28T14:00:00.75+01:00");
    Result r = s.run({"user", "create", "alice", "--no-password", "--json"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.json()["created_at"] == "2026-11-28T13:00:00Z");
    CHECK(r.json()["inactive_at"] == "2027-01-27T13:00:00Z");
  }
  SECTION("without HOOKCTL_NOW the real clock is used") {
    auto t0 = std::chrono::system_clock::now() - std::chrono::seconds(1);
    Result r = s.run({"user", "create", "alice", "--no-password", "--json"});
    auto t1 = std::chrono::system_clock::now() + std::chrono::seconds(1);
    REQUIRE(r.code == 0);
    std::string created = r.json()["created_at"];
    CHECK(std::regex_match(created, rfc3339_utc));
    auto fmt = [](std::chrono::system_clock::time_point t) {
      std::time_t tt = std::chrono::system_clock::to_time_t(t);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
      return std::string(buf);
    };
    CHECK(created >= fmt(t0));
    CHECK(created <= fmt(t1));
  }
  SECTION("malformed values") {
    s.at("2026-01-01T00:00:00Z");
    s.user("alice");
    std::string before = s.dump();
    for (const char* bad : {"garbage", "2026-11-28T13:00:00", "2026-02-30T00:00:00Z",
                            "2026-11-28T25:00:00Z", "1764334800", "2026-11-28"}) {
      s.at(bad);
      for (const auto& args :
           std::vector<std::vector<std::string>>{{"user", "list"},
                                                 {"user", "show", "alice"},
                                                 {"user", "create", "bob", "--no-password"},
                                                 {"audit"},
                                                 {"policy", "show"}}) {
        Result r = s.run(args);
        INFO(bad << ": " << describe(args) << "\n" << r.err);
        CHECK(r.code == 2);
        CHECK(contains(r.err, "HOOKCTL_NOW"));
        CHECK(r.out.empty());
      }
      Result j = s.run({"user", "list", "--json"});
      CHECK(j.code == 2);
      CHECK(j.error_json()["error"]["code"] == "usage");
    }
    CHECK(s.dump() == before);
  }
}

TEST_CASE("unknown commands and options are usage errors, with a did-you-mean for typos") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  std::string before = s.dump();

  Result usr = s.run({"usr", "list"});
  CHECK(usr.code == 2);
  CHECK(contains(usr.err, "did you mean 'user'"));
  Result lst = s.run({"user", "lst"});
  CHECK(lst.code == 2);
  CHECK(contains(lst.err, "did you mean 'list'"));
  Result shwo = s.run({"policy", "shwo"});
  CHECK(shwo.code == 2);
  CHECK(contains(shwo.err, "did you mean 'show'"));
  Result json_typo = s.run({"--json", "user", "craete", "bob"});
  CHECK(json_typo.code == 2);
  CHECK(json_typo.out.empty());
  CHECK(json_typo.error_json()["error"]["code"] == "usage");
  CHECK(contains(json_typo.error_json()["error"]["message"], "did you mean 'create'"));

  Result unknown = s.run({"frobnicate"});
  CHECK(unknown.code == 2);
  CHECK(contains(unknown.err, "frobnicate"));
  CHECK(s.run({}).code == 2);
  Result bare_user = s.run({"user"});
  CHECK(bare_user.code == 2);
  CHECK(contains(bare_user.err, "create"));

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"user", "list", "--bogus"},
           {"user", "show", "alice", "--verbose"},
           {"user", "create", "bob", "--no-password", "--admin"},
           {"user", "list", "--inactive", "--inactive-within", "7d"},
           {"user", "create", "bob", "--no-password", "--password-stdin"},
           {"policy", "show", "--all"},
           {"audit", "--subjects", "alice"},
           {"init", "extra"},
       }) {
    Result r = s.run(args, "a long enough password\n");
    INFO(describe(args) << "\n" << r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "hookctl"));
  }
  CHECK(s.dump() == before);
}

TEST_CASE("bad durations are exit 2") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  std::string before = s.dump();
  for (const char* bad : {"", "14", "d", "1.5d", "-1d", "14days", "1y", "2 w", "36501d", "5215w",
                          "14D", "9999999999999999999999d"}) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"user", "list", "--inactive-within", bad},
                                               {"policy", "set", "inactivity-period", bad},
                                               {"audit", "--since", bad}}) {
      Result r = s.run(args);
      INFO("'" << bad << "': " << describe(args) << "\n" << r.err);
      CHECK(r.code == 2);
    }
  }
  CHECK(s.dump() == before);
  for (const char* good : {"90m", "14d", "2w", "1d12h", "36500d", "1w2d3h4m5s"}) {
    Result r = s.run({"user", "list", "--inactive-within", good});
    INFO(good << "\n" << r.err);
    CHECK(r.code == 0);
  }
}

TEST_CASE("under --json every error is an envelope on stderr with the exit code's name") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  struct Expect {
    std::vector<std::string> args;
    std::string input;
    int code;
    const char* name;
  };
  const std::vector<Expect> cases{
      {{"user", "list", "--bogus", "--json"}, "", 2, "usage"},
      {{"--json", "user", "create", "bad name!", "--no-password"}, "", 2, "usage"},
      {{"user", "show", "nobody", "--json"}, "", 3, "not_found"},
      {{"user", "create", "ALICE", "--no-password", "--json"}, "", 4, "conflict"},
      {{"auth", "login", "alice", "--json"}, "a long enough password\n", 5, "unauthorized"},
      {{"user", "list", "--json", "--db", (s.dir / "none.db").string()}, "", 6, "store"},
  };
  for (const auto& c : cases) {
    Result r = s.run(c.args, c.input);
    INFO(describe(c.args) << "\n" << r.err);
    CHECK(r.code == c.code);
    CHECK(r.out.empty());
    nlohmann::json j;
    REQUIRE_NOTHROW(j = r.error_json());
    REQUIRE(j.is_object());
    CHECK(j.size() == 1);
    REQUIRE(j.contains("error"));
    CHECK(j["error"].size() == 2);
    CHECK(j["error"]["code"] == c.name);
    REQUIRE(j["error"]["message"].is_string());
    CHECK_FALSE(j["error"]["message"].get<std::string>().empty());

    // Without --json the same failure is a human message.
    std::vector<std::string> plain;
    for (const auto& a : c.args)
      if (a != "--json") plain.push_back(a);
    Result h = s.run(plain, c.input);
    CHECK(h.code == c.code);
    CHECK(h.err.rfind("hookctl: ", 0) == 0);
  }
}

TEST_CASE("a failed command on an existing empty file leaves it empty") {
  // An administrator may prepare the store file (touch, chown, chmod 600) before the first run.
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  e2e::write_file(s.dir / "dup.jsonl", "{\"name\":\"a\"}\n{\"name\":\"A\"}\n");
  const std::vector<Case> failing{
      {{"token", "create", "--user", "nobody"}, "", 3},
      {{"webhook", "create", "orders", "--owner", "nobody"}, "", 3},
      {{"user", "create", "bad name!", "--no-password"}, "", 2},
      {{"user", "import", (s.dir / "dup.jsonl").string()}, "", 4},
      {{"user", "import"}, "{\"name\":\"a\"}\n{\"name\":\"b\",\"role\":\"x\"}\n", 2},
      {{"policy", "set", "inactivity-period", "30s"}, "", 2},
      {{"user", "list"}, "", 6},
  };
  for (const auto& c : failing) {
    e2e::write_file(s.db, "");
    Result r = s.run(c.args, c.input);
    INFO(describe(c.args) << "\n" << r.err);
    CHECK(r.code == c.code);
    CHECK(fs::file_size(s.db) == 0);
    CHECK(e2e::entries(s.dir) == std::vector<std::string>{"dup.jsonl", "store.db"});
  }
  // A successful command makes it a store.
  e2e::write_file(s.db, "");
  REQUIRE(s.run({"user", "create", "alice", "--no-password"}).code == 0);
  CHECK(s.run({"user", "show", "alice"}).code == 0);
}

TEST_CASE("options --help and --version exit 0 and create nothing") {
  Sandbox s;
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"},
                                                                {"--version"},
                                                                {"user", "--help"},
                                                                {"user", "create", "--help"},
                                                                {"init", "--help"},
                                                                {"policy", "set", "--help"}}) {
    Result r = s.run(args);
    INFO(describe(args) << "\n" << r.err);
    CHECK(r.code == 0);
    CHECK_FALSE(r.out.empty());
    CHECK(e2e::entries(s.dir).empty());
  }
  CHECK(contains(s.run({"--help"}).out, "user"));
  CHECK(contains(s.run({"--version"}).out, "hookctl"));
}

TEST_CASE("read commands leave the store's bytes unchanged") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  s.user("svc", {"--service"});
  s.token("svc");
  s.at("2026-04-01T00:00:00Z");
  const std::string bytes = e2e::read_file(s.db);
  const auto files = e2e::entries(s.dir);
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"user", "list"},
                                             {"user", "list", "--inactive", "--json"},
                                             {"user", "list", "--inactive-within", "30d"},
                                             {"user", "show", "alice", "--json"},
                                             {"policy", "show"},
                                             {"audit", "--json"},
                                             {"init"}}) {
    Result r = s.run(args);
    INFO(describe(args) << "\n" << r.err);
    CHECK(r.code == 0);
    CHECK(e2e::read_file(s.db) == bytes);
    CHECK(e2e::entries(s.dir) == files);
  }
}
