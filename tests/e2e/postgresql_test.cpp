// What only a PostgreSQL store has: the schema in an existing database, its identification, and
// URIs that may carry a password. Tagged [postgresql]: these run in the e2e-pg: pass only (the
// rest of the e2e suite runs on both engines).
#include <catch2/catch.hpp>
#include <string>

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
