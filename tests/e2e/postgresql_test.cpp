// What only a PostgreSQL store has: the schema in an existing database, its identification, and
// URIs that may carry a password. Tagged [postgresql]: these run in the e2e-pg: pass only (the
// rest of the e2e suite runs on both engines).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <tuple>

#include "harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;

namespace {

std::string sql(const Sandbox& s, const std::string& statement) {
  return pgtest::query(s.database->host(), s.database->name(), statement);
}

}  // namespace

TEST_CASE("a password in a --db URI is refused before anything is touched") {
  // No server is needed: the URI is refused as it is read (the same in both passes).
  Sandbox s;
  for (const char* uri : {"postgresql://alice:s3cret@db.example/hooks",
                          "postgres:///hooks?host=/run/postgresql&password=s3cret",
                          "postgresql:///hooks?pass%77ord=s3cret"}) {
    Result r = s.run({"--db", uri, "user", "list"});
    INFO(uri << ": " << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "~/.pgpass"));
    CHECK_FALSE(contains(r.err, "s3cret"));
  }
}

TEST_CASE("init creates the schema in an existing database, once", "[postgresql]") {
  Sandbox s;
  REQUIRE(s.on_postgresql());
  CHECK_FALSE(s.store_exists());
  Result first = s.run({"init"});
  INFO(first.err);
  REQUIRE(first.code == 0);
  CHECK(s.store_exists());
  CHECK(sql(s, "SELECT value FROM hookctl.meta WHERE key = 'application'") == "hookctl|\n");
  Result again = s.run({"init", "--json"});
  CHECK(again.code == 0);
  CHECK(nlohmann::json::parse(again.out)["created"] == false);
  CHECK(s.count("audit") == 1);  // store.init, once
}

TEST_CASE("a missing store is refused for reads and changes, and nothing is created",
          "[postgresql]") {
  Sandbox s;
  for (auto args : std::vector<std::vector<std::string>>{
           {"user", "list"}, {"user", "reactivate", "alice"}, {"auth", "verify", "hook"}}) {
    Result r = s.run(args);
    CHECK(r.code == 6);
    CHECK(contains(r.err, "no hookctl store in"));
    CHECK(contains(r.err, "hookctl init"));
  }
  CHECK_FALSE(s.store_exists());
}

TEST_CASE("names stay unique ignoring case, and list in the SQLite order", "[postgresql]") {
  Sandbox s;
  s.user("alice");
  Result dup = s.run({"user", "create", "ALICE", "--no-password"});
  CHECK(dup.code == 4);
  CHECK(contains(dup.err, "already exists as 'alice'"));
  for (const char* n : {"b_x", "b-x", "B.x", "b9", "Bz"}) s.user(n);
  Result list = s.run({"user", "list", "--json"});
  REQUIRE(list.code == 0);
  // ASCII case folded, then bytes: '-' < '.' < digits < '_' < letters.
  std::vector<std::string> names;
  for (const auto& u : nlohmann::json::parse(list.out)) names.push_back(u["name"]);
  CHECK(names == std::vector<std::string>{"alice", "b-x", "B.x", "b9", "b_x", "Bz"});
  Result show = s.run({"user", "show", "bZ"});
  CHECK(show.code == 0);
}

TEST_CASE("a store written by a newer hookctl is refused and left untouched", "[postgresql]") {
  Sandbox s;
  s.user("alice");
  sql(s, "UPDATE hookctl.meta SET value = '99' WHERE key = 'schema_version'");
  const std::string before = s.dump();
  for (auto args : std::vector<std::vector<std::string>>{
           {"user", "list"}, {"init"}, {"user", "create", "bob", "--no-password"}}) {
    Result r = s.run(args);
    CHECK(r.code == 6);
    CHECK(contains(r.err, "newer hookctl"));
  }
  CHECK(s.dump() == before);
}

TEST_CASE("a schema named hookctl that is not a store is refused and left untouched",
          "[postgresql]") {
  Sandbox s;
  sql(s,
      "CREATE SCHEMA hookctl; CREATE TABLE hookctl.orders (id int); "
      "INSERT INTO hookctl.orders VALUES (1)");
  for (auto args : std::vector<std::vector<std::string>>{{"user", "list"}, {"init"}}) {
    Result r = s.run(args);
    CHECK(r.code == 6);
    CHECK(contains(r.err, "does not hold a hookctl store"));
  }
  CHECK(sql(s, "SELECT count(*) FROM hookctl.orders") == "1|\n");
  CHECK(sql(s, "SELECT to_regclass('hookctl.accounts') IS NULL") == "t|\n");
}

TEST_CASE("a password in HOOKCTL_DB is used and never shown", "[postgresql]") {
  Sandbox s;
  s.env["HOOKCTL_DB"] = s.store + "&password=hunter2-s3cret";
  Result r = s.run({"init"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_FALSE(contains(r.out + r.err, "hunter2"));
  Result audit = s.run({"audit", "--json"});
  CHECK(audit.code == 0);
  CHECK_FALSE(contains(audit.out, "hunter2"));
}

TEST_CASE("an unreachable server is exit 6 with the reason, and the URI without its password",
          "[postgresql]") {
  Sandbox s;
  s.env["HOOKCTL_DB"] = "postgresql://u:hunter2@/nowhere?host=" + s.dir.string();
  Result r = s.run({"user", "list"});
  CHECK(r.code == 6);
  CHECK(contains(r.err, "cannot connect to the store postgresql://u@/nowhere"));
  CHECK_FALSE(contains(r.err, "hunter2"));
}

// What another host's writer does to this one: holds the writers' lock (the advisory lock every
// hookctl write transaction takes) in an open transaction.
TEST_CASE("a write waits for another host's writer, and gives up after 10 s changing nothing",
          "[postgresql]") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("svc", {"--service"});
  const std::string before = s.dump();
  pgtest::Connection holder(s.database->host(), s.database->name());
  holder.exec("BEGIN; SELECT pg_advisory_xact_lock(1752916852)");

  // Reads do not wait.
  auto start = std::chrono::steady_clock::now();
  CHECK(s.run({"user", "list"}).code == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));

  e2e::Process waiting = s.start({"user", "create", "bob", "--no-password"});
  e2e::Process giving_up = s.start({"token", "create", "--user", "svc"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  Result late = giving_up.wait();  // the holder keeps the lock past its 10 s
  CHECK(late.code == 6);
  CHECK(contains(late.err, "locked"));
  CHECK(late.out.empty());  // no secret shown for a token that was never stored
  CHECK(s.dump() == before);
  holder.exec("COMMIT");
  Result r = waiting.wait();
  INFO(r.err);
  CHECK(r.code == 6);  // it waited as long as the other one
  start = std::chrono::steady_clock::now();
  Result now_free = s.run({"user", "create", "bob", "--no-password"});
  CHECK(now_free.code == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("a write that waited gets the store as soon as another host's writer commits",
          "[postgresql]") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("svc", {"--service"});
  pgtest::Connection holder(s.database->host(), s.database->name());
  holder.exec("BEGIN; SELECT pg_advisory_xact_lock(1752916852)");
  auto start = std::chrono::steady_clock::now();
  e2e::Process waiting = s.start({"user", "create", "bob", "--no-password"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  holder.exec("COMMIT");
  Result r = waiting.wait();
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(1500));
  CHECK(s.run({"user", "show", "bob"}).code == 0);
}

// The PostgreSQL twin of the SQLite crash test: the server rolls back what a killed client left
// open and releases its lock, so the next writer goes on at once.
TEST_CASE("kill -9 during writes on PostgreSQL keeps every change whole or absent",
          "[postgresql]") {
  constexpr int rounds = 24;
  constexpr int import_lines = 1000;
  unsigned seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  Sandbox s;
  s.at(e2e::t0);
  s.user("own", {"--service"});
  for (int k = 0; k < rounds; ++k) {
    std::string lines;
    for (int j = 0; j < import_lines; ++j)
      lines += "{\"name\":\"imp" + std::to_string(k) + "-" + std::to_string(j) + "\"}\n";
    e2e::write_file(s.dir / ("imp" + std::to_string(k) + ".jsonl"), lines);
  }
  // How long an import takes alone: kills land uniformly over 1.5 times that.
  auto start = std::chrono::steady_clock::now();
  REQUIRE(s.run({"user", "import", (s.dir / "imp0.jsonl").string()}).code == 0);
  const double span =
      1.5 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int killed = 0;
  for (int k = 1; k < rounds; ++k) {
    const bool import = k % 2 == 1;
    const std::string n = std::to_string(k);
    std::vector<std::string> args =
        import
            ? std::vector<std::string>{"user", "import", (s.dir / ("imp" + n + ".jsonl")).string()}
            : std::vector<std::string>{"webhook", "create", "wh" + n, "--owner", "own"};
    e2e::Process p = s.start(args);
    std::this_thread::sleep_for(
        std::chrono::duration<double>(std::uniform_real_distribution<double>(0, span)(rng)));
    p.kill();
    Result r = p.wait();
    if (p.signaled()) ++killed;
    INFO("round " << k << ": " << r.err);
    if (import) {
      long long rows = s.count("accounts", "name COLLATE \"C\" LIKE 'imp" + n + "-%'");
      CHECK((rows == 0 || rows == import_lines));
      CHECK(s.count("audit", "action = 'user.import' AND subject LIKE 'imp" + n + "-%'") == rows);
      if (r.code == 0) CHECK(rows == import_lines);
    } else {
      long long hooks = s.count("webhooks", "name = 'wh" + n + "'");
      CHECK(s.count("audit", "action = 'webhook.create' AND subject = 'wh" + n + "'") == hooks);
      CHECK(s.count("tokens", "id IN (SELECT token_id FROM hookctl.webhooks WHERE name = 'wh" + n +
                                  "')") == hooks);
      if (r.code == 0) CHECK(hooks == 1);
    }
    // The killed client's lock is gone: the next write does not wait for it.
    auto next = std::chrono::steady_clock::now();
    Result after = s.run({"user", "create", "after" + n, "--no-password"});
    CHECK(after.code == 0);
    CHECK(std::chrono::steady_clock::now() - next < std::chrono::seconds(5));
  }
  WARN("kill -9 on PostgreSQL: " << killed << " of " << rounds - 1 << " commands killed mid-run");
  CHECK(killed > 0);
}

// A server that accepts the connection and never answers (a hung host, a black hole behind a
// load balancer): the attempt gives up after 10 s by default, sooner with connect_timeout.
TEST_CASE("a server that never answers is given up after 10 s, or the URI's connect_timeout",
          "[postgresql]") {
  Sandbox s;
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 16) == 0);  // the kernel completes connections; nobody reads
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string uri =
      "postgresql://nobody@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hooks";
  for (auto [suffix, at_least, at_most] :
       {std::tuple{std::string(), 9.0, 20.0},
        std::tuple{std::string("?connect_timeout=2"), 1.5, 8.0}}) {
    auto start = std::chrono::steady_clock::now();
    Result r = s.run({"--db", uri + suffix, "user", "list"});
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(suffix << ": " << r.err << " after " << took << " s");
    CHECK(r.code == 6);
    CHECK(contains(r.err, "cannot connect to the store"));
    CHECK(took >= at_least);
    CHECK(took <= at_most);
  }
  ::close(listener);
}
