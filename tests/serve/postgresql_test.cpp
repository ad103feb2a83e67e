// `hookctl serve` on a PostgreSQL store shared by several servers and the CLI: a change made
// anywhere is honoured by every server's next check, activity from all of them is written
// without conflict, and a server whose connection is dropped reconnects by itself. Tagged
// [postgresql]: registered as serve-pg: with the throwaway cluster.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client.hpp"
#include "e2e/harness.hpp"
#include "server_process.hpp"

using e2e::Result;
using e2e::Sandbox;
using serve_test::ServerProcess;

namespace {

const std::string t_now = "2026-01-01T12:00:00Z";
const long long t_now_epoch = 1767268800;

std::string sql(const Sandbox& s, const std::string& statement) {
  return pgtest::query(s.database->host(), s.database->name(), statement);
}

int check(const ServerProcess& serve, const std::string& webhook, const std::string& secret) {
  return serve_test::get(serve.address(), "/check/" + webhook, {"Authorization: Bearer " + secret})
      .status;
}

// A PostgreSQL sandbox with the service account "svc" and, for each name, a webhook it owns;
// their App token secrets, in order. The clock is left at t_now.
std::vector<std::string> shared_store(Sandbox& s, const std::vector<std::string>& webhooks) {
  REQUIRE(s.on_postgresql());
  s.at("2026-01-01T00:00:00Z");
  s.user("svc", {"--service"});
  std::vector<std::string> secrets;
  for (const auto& name : webhooks) secrets.push_back(s.webhook(name, "svc"));
  s.at(t_now);
  return secrets;
}

}  // namespace

TEST_CASE("two servers and the CLI share one PostgreSQL store: every change is seen at once",
          "[postgresql]") {
  Sandbox s;
  const std::string orders = shared_store(s, {"orders"}).front();
  ServerProcess a(s, {}, "a");
  ServerProcess b(s, {}, "b");
  CHECK(check(a, "orders", orders) == 200);
  CHECK(check(b, "orders", orders) == 200);

  // A webhook created through the CLI is known to both servers on their next check.
  const std::string billing = s.webhook("billing", "svc");
  CHECK(check(b, "billing", billing) == 200);
  CHECK(check(a, "billing", billing) == 200);
  CHECK(check(a, "billing", orders) == 401);

  // A revoke through the CLI (another host, as far as the servers know) ends the token on both.
  Result revoke = s.run({"token", "revoke", e2e::token_id(orders), "--yes"});
  INFO(revoke.err);
  REQUIRE(revoke.code == 0);
  CHECK(check(a, "orders", orders) == 401);
  CHECK(check(b, "orders", orders) == 401);
  CHECK(check(b, "billing", billing) == 200);

  // Both servers flush their buffered uses on SIGTERM; the conditional writes never conflict.
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  CHECK(a.wait() == 0);
  CHECK(b.wait() == 0);
  INFO(a.log() << b.log());
  CHECK(sql(s, "SELECT last_used_at FROM hookctl.tokens WHERE id = '" + e2e::token_id(billing) +
                   "'") == std::to_string(t_now_epoch) + "|\n");
  CHECK(sql(s, "SELECT last_activity_at FROM hookctl.accounts WHERE name = 'svc'") ==
        std::to_string(t_now_epoch) + "|\n");
}

TEST_CASE("servers sharing a PostgreSQL store add their rejection counts to one tally",
          "[postgresql]") {
  Sandbox s;
  const std::string orders = shared_store(s, {"orders"}).front();
  const std::string wrong = "Bearer " + orders + "x";
  // The CLI writes the hour's summary and counts one more.
  REQUIRE(s.run({"auth", "verify", "orders"}, wrong).code == 5);
  REQUIRE(s.run({"auth", "verify", "orders"}, wrong).code == 5);
  ServerProcess a(s, {}, "a");
  ServerProcess b(s, {}, "b");
  for (int i = 0; i < 30; ++i) {
    CHECK(check(a, "orders", orders + "x") == 401);
    CHECK(check(b, "orders", orders + "x") == 401);
  }
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  CHECK(a.wait() == 0);
  CHECK(b.wait() == 0);
  INFO(a.log() << b.log());
  CHECK(sql(s, "SELECT count(*) FROM hookctl.audit WHERE action = 'auth.rejected'") == "1|\n");
  CHECK(sql(s, "SELECT repeated FROM hookctl.rejection_tally") == "61|\n");  // 1 + 30 + 30
}

TEST_CASE("a server whose PostgreSQL connection is dropped reconnects, failing closed meanwhile",
          "[postgresql]") {
  Sandbox s;
  const std::string orders = shared_store(s, {"orders"}).front();
  ServerProcess serve(s);
  REQUIRE(check(serve, "orders", orders) == 200);

  for (int round = 0; round < 2; ++round) {
    // What a server restart or a fail-over does to the connection.
    pgtest::admin(s.database->host(),
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                      s.database->name() + "' AND application_name = 'hookctl'");
    std::set<int> seen;
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (status != 200 && std::chrono::steady_clock::now() < deadline) {
      status = check(serve, "orders", orders);
      seen.insert(status);
      if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    INFO(serve.log());
    CHECK(status == 200);
    for (int st : seen) CHECK((st == 200 || st == 503));  // never a wrong answer
    CHECK(serve_test::get(serve.address(), "/readyz").status == 200);
    CHECK(check(serve, "orders", "hka_wrong") == 401);
  }
  serve.signal(SIGTERM);
  CHECK(serve.wait() == 0);
}

TEST_CASE(
    "six writers and two servers on one PostgreSQL store: every answer right, every write kept",
    "[postgresql]") {
  Sandbox s;
  constexpr int writers = 6, rounds = 4;
  std::vector<std::string> names;
  for (int i = 0; i < writers; ++i) names.push_back("w" + std::to_string(i));
  const std::vector<std::string> secrets = shared_store(s, names);
  ServerProcess a(s, {}, "a");
  ServerProcess b(s, {}, "b");

  std::mutex mutex;
  std::vector<std::string> current = secrets;  // guarded by mutex
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  std::vector<int> failures(writers, 0);
  std::string errors;  // guarded by mutex
  for (int i = 0; i < writers; ++i)
    threads.emplace_back([&, i] {
      const std::string id = e2e::token_id(secrets[static_cast<size_t>(i)]);
      for (int k = 0; k < rounds; ++k) {
        // Each round rotates during the previous round's grace: on purpose, so --force.
        Result rotated = s.run({"token", "rotate", id, "--grace", "1h", "--force"});
        Result created = s.run(
            {"user", "create", "u" + std::to_string(i) + "-" + std::to_string(k), "--no-password"});
        if (rotated.code != 0 || created.code != 0) {
          std::lock_guard lock(mutex);
          ++failures[static_cast<size_t>(i)];
          errors += rotated.err + created.err;
          continue;
        }
        std::lock_guard lock(mutex);
        current[static_cast<size_t>(i)] = rotated.line();
      }
    });
  std::map<int, int> statuses;  // of the checks made while the writers run
  std::mutex status_mutex;
  std::vector<std::thread> checkers;
  for (const ServerProcess* serve : {&a, &b})
    checkers.emplace_back([&, serve] {
      for (int n = 0; !done; ++n) {
        const size_t i = static_cast<size_t>(n % writers);
        std::string secret;
        {
          std::lock_guard lock(mutex);
          secret = current[i];
        }
        int st = check(*serve, "w" + std::to_string(i), secret);
        {
          std::lock_guard lock(status_mutex);
          ++statuses[st];
        }
        // A steady stream, not a storm: on two cores a spinning client would starve the writers
        // past their 10 s wait, which is not what this test is about.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  for (auto& t : threads) t.join();
  done = true;
  for (auto& t : checkers) t.join();

  INFO(errors);
  for (int f : failures) CHECK(f == 0);
  // 200, or 401 for a secret two rotations old by the time it was checked; never a 5xx.
  for (const auto& [st, n] : statuses) {
    INFO(n << " answers " << st);
    CHECK((st == 200 || st == 401));
  }
  CHECK(statuses[200] > 0);
  WARN("6 writers, 2 servers: " << statuses[200] << " accepted, " << statuses[401]
                                << " rejected while rotating");
  // Afterwards every current secret is accepted by both servers, and every write is there.
  for (int i = 0; i < writers; ++i) {
    CHECK(check(a, "w" + std::to_string(i), current[static_cast<size_t>(i)]) == 200);
    CHECK(check(b, "w" + std::to_string(i), current[static_cast<size_t>(i)]) == 200);
  }
  CHECK(s.count("accounts") == 1 + writers * rounds);
  CHECK(s.count("audit", "action = 'token.rotate'") == writers * rounds);
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  CHECK(a.wait() == 0);
  CHECK(b.wait() == 0);
}
