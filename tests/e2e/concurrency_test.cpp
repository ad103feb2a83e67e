// Load end to end: concurrent invocations wait for each other instead of
// failing, and every write of every one of them is there afterwards; a command that cannot get
// the store within 10 s fails with exit 6, says so, and leaves nothing half-written.
#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;
using e2e::t0;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string describe(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// t0 plus n seconds, as RFC 3339.
std::string at_offset(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2026-01-01T%02d:%02d:%02dZ", n / 3600, n / 60 % 60, n % 60);
  return buf;
}

// One command run by a worker thread, kept for the main thread to check (Catch2 assertions are
// not thread-safe, so the threads only record).
struct Run {
  std::vector<std::string> args;
  int expected;
  Result result;
};

// Counts the hookctl processes running at once.
struct Gauge {
  std::atomic<int> now{0};
  std::atomic<int> peak{0};
  std::atomic<int> total{0};
  Result run(const Sandbox& s, const std::vector<std::string>& args, const std::string& input,
             const std::map<std::string, std::string>& env = {}) {
    int n = ++now;
    ++total;
    for (int p = peak.load(); n > p && !peak.compare_exchange_weak(p, n);) {
    }
    Result r = s.run_env(args, input, env);
    --now;
    return r;
  }
};

// What one writer created in one round: the webhook and the integration token bound to it, with
// every secret printed for that token, the last one current.
struct Round {
  std::string user, webhook, token;
  std::vector<std::string> secrets;
};

}  // namespace

TEST_CASE("concurrent writers and verifiers all succeed and every write is kept") {
  constexpr int writers = 6;
  constexpr int verifiers = 2;
  constexpr int rounds = 6;  // per writer; each round is 7 writing commands

  Sandbox s;
  s.at(t0);
  s.user("probe-owner", {"--service"});
  std::vector<std::string> probe_secrets;
  for (int v = 0; v < verifiers; ++v) {
    std::string owner = "probe" + std::to_string(v);
    s.user(owner, {"--service"});
    std::string secret = s.token(owner);
    s.webhook("probe-hook" + std::to_string(v), "probe-owner");
    Result bound = s.run(
        {"webhook", "bind", "probe-hook" + std::to_string(v), "--token", e2e::token_id(secret)});
    REQUIRE(bound.code == 0);
    probe_secrets.push_back(secret);
  }
  s.webhook("shared", "probe-owner");
  const long long accounts0 = s.count("accounts"), tokens0 = s.count("tokens"),
                  webhooks0 = s.count("webhooks");

  Gauge gauge;
  std::mutex mutex;
  std::vector<Run> runs;  // every command, for the checks below
  std::vector<Round> made;
  std::atomic<int> writers_left{writers};
  std::vector<std::thread> threads;
  auto record = [&](std::vector<Run> batch) {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& r : batch) runs.push_back(std::move(r));
  };

  const auto start = Clock::now();
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      std::vector<Run> mine;
      std::vector<Round> rounds_made;
      auto step = [&](std::vector<std::string> args) -> const Result& {
        mine.push_back({args, 0, gauge.run(s, args, "")});
        return mine.back().result;
      };
      for (int i = 0; i < rounds; ++i) {
        Round r;
        r.user = "w" + std::to_string(w) + "-u" + std::to_string(i);
        r.webhook = "w" + std::to_string(w) + "-h" + std::to_string(i);
        step({"user", "create", r.user, "--service", "--no-password"});
        r.secrets.push_back(step({"token", "create", "--user", r.user}).line());
        r.token = e2e::token_id(r.secrets.back());
        step({"webhook", "create", r.webhook, "--owner", r.user});
        step({"webhook", "bind", r.webhook, "--token", r.token});
        r.secrets.push_back(step({"token", "rotate", r.token}).line());
        step({"webhook", "bind", "shared", "--token", r.token});
        r.secrets.push_back(step({"token", "rotate", r.token}).line());
        rounds_made.push_back(std::move(r));
      }
      --writers_left;
      record(std::move(mine));
      std::lock_guard<std::mutex> lock(mutex);
      for (auto& r : rounds_made) made.push_back(std::move(r));
    });
  }
  for (int v = 0; v < verifiers; ++v) {
    threads.emplace_back([&, v] {
      // Each call is a minute later than the one before, so every accepted call records activity
      // (a write) as well as reading.
      std::vector<Run> mine;
      const std::string hook = "probe-hook" + std::to_string(v);
      const std::string good = "Bearer " + probe_secrets[static_cast<size_t>(v)];
      const std::string wrong = "Bearer " + probe_secrets[static_cast<size_t>(1 - v)];
      for (int k = 0; (writers_left > 0 || k < 20) && k < 1000; ++k) {
        bool accept = k % 4 != 3;
        std::vector<std::string> args{"auth", "verify", hook};
        Result r = gauge.run(s, args, accept ? good : wrong,
                             {{"HOOKCTL_NOW", at_offset(600 + 61 * k + v)}});
        mine.push_back({args, accept ? 0 : 5, std::move(r)});
      }
      record(std::move(mine));
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = seconds_since(start);

  // Every command succeeded (the wrong-token calls were answered 401), and none reported a lock.
  size_t verifies = 0;
  for (const auto& r : runs) {
    INFO(describe(r.args) << "\n" << r.result.err);
    CHECK(r.result.code == r.expected);
    CHECK_FALSE(contains(r.result.err, "locked"));
    if (r.args[0] == "auth") {
      ++verifies;
      if (r.expected == 0) CHECK(r.result.line() == "200");
      if (r.expected == 5) CHECK(r.result.line().rfind("401 ", 0) == 0);
    }
  }
  REQUIRE(made.size() == writers * rounds);

  // Every write is there: accounts, tokens (an integration token and the webhook's App token,
  // revoked by the bind, per round), webhooks, and their audit events.
  CHECK(s.count("accounts") == accounts0 + writers * rounds);
  CHECK(s.count("tokens") == tokens0 + 2 * writers * rounds);
  CHECK(s.count("webhooks") == webhooks0 + writers * rounds);
  {
    auto events = [&](const std::string& action) {
      return s.count("audit", "action = '" + action + "'");
    };
    CHECK(events("token.rotate") == 2 * writers * rounds);
    CHECK(events("webhook.bind") == 2 * writers * rounds + verifiers);
    CHECK(events("webhook.create") == webhooks0 + writers * rounds);
    if (!s.on_postgresql()) {
      SQLite::Database d(s.db.string(), SQLite::OPEN_READONLY);
      CHECK(d.execAndGet("PRAGMA integrity_check").getString() == "ok");
    }
  }
  // Every rotation took effect: the last secret printed verifies, the earlier ones no longer do.
  for (const auto& r : made) {
    INFO(r.webhook << " " << r.token);
    REQUIRE(r.secrets.size() == 3);
    Result last = s.run({"auth", "verify", r.webhook}, "Bearer " + r.secrets.back());
    INFO(last.err);
    CHECK(last.code == 0);
    for (size_t i = 0; i + 1 < r.secrets.size(); ++i)
      CHECK(s.run({"auth", "verify", r.webhook}, "Bearer " + r.secrets[i]).code == 5);
  }
  // The shared webhook ended bound to one of the writers' tokens.
  Result shared = s.run({"webhook", "show", "shared", "--json"});
  REQUIRE(shared.code == 0);
  bool known = false;
  for (const auto& r : made) known = known || shared.json()["token"] == r.token;
  CHECK(known);

  WARN("concurrency: " << writers << " writers + " << verifiers << " verifiers, " << gauge.total
                       << " commands (" << verifies << " auth verify), at most " << gauge.peak
                       << " hookctl processes at once, " << elapsed << " s");
  // No wall-clock limit is asserted (100 s under ASan on a busy machine); ctest's timeout catches
  // a hang.
}

// SQLite only: holds SQLite's write lock from the test.
TEST_CASE("a command that waits for the store gets it when the holder lets go", "[sqlite]") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  SQLite::Database holder(s.db.string(), SQLite::OPEN_READWRITE);
  holder.exec("BEGIN IMMEDIATE");
  auto start = Clock::now();
  e2e::Process waiting = s.start({"user", "create", "bob", "--no-password"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  holder.exec("COMMIT");
  Result r = waiting.wait();
  double waited = seconds_since(start);
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(waited >= 1.5);
  CHECK(s.run({"user", "show", "bob"}).code == 0);
}

// SQLite only: holds SQLite's write lock from the test.
TEST_CASE("a write that cannot get the store within 10 s fails with exit 6 and changes nothing",
          "[sqlite]") {
  // The suite's one long wait: every kind of write waits on the same held lock at once.
  Sandbox s;
  s.at(t0);
  s.user("alice");
  s.user("svc", {"--service"});
  s.user("heir", {"--service"});
  std::string api = s.token("svc");
  std::string app = s.webhook("orders", "svc");
  e2e::write_file(s.dir / "import.jsonl", "{\"name\":\"imp1\"}\n{\"name\":\"imp2\"}\n");
  const std::string before = s.dump();

  struct Waiter {
    std::vector<std::string> args;
    std::string input;
    int expected;
  };
  const std::vector<Waiter> waiters{
      {{"user", "create", "bob", "--no-password"}, "", 6},
      {{"user", "create", "carol", "--no-password", "--json"}, "", 6},
      {{"user", "import", (s.dir / "import.jsonl").string()}, "", 6},
      {{"user", "set-password", "alice", "--password-stdin"}, "a long enough password\n", 6},
      {{"user", "delete", "svc", "--transfer-to", "heir", "--yes"}, "", 6},
      {{"token", "create", "--user", "svc"}, "", 6},
      {{"token", "rotate", e2e::token_id(api)}, "", 6},
      {{"token", "revoke", e2e::token_id(app), "--yes"}, "", 6},
      {{"webhook", "create", "billing", "--owner", "svc"}, "", 6},
      {{"webhook", "bind", "orders", "--token", e2e::token_id(api)}, "", 6},
      {{"policy", "set", "inactivity-period", "90d"}, "", 6},
      // A rejected call still gets its answer: recording it is best effort.
      {{"auth", "verify", "orders"}, "Bearer " + api, 5},
      // A genuine call is accepted; the use it could not record is reported on stderr.
      {{"auth", "verify", "orders"}, "Bearer " + app, 0},
  };

  SQLite::Database holder(s.db.string(), SQLite::OPEN_READWRITE);
  holder.exec("BEGIN IMMEDIATE");
  const auto start = Clock::now();
  std::vector<e2e::Process> running;
  for (const auto& w : waiters) running.push_back(s.start(w.args, w.input));

  // Reads do not wait for a writer.
  auto read_start = Clock::now();
  Result list = s.run({"user", "list", "--json"});
  CHECK(list.code == 0);
  CHECK(seconds_since(read_start) < 8);  // well before the writers' 10 s

  std::vector<Result> results;
  for (auto& p : running) results.push_back(p.wait());
  const double waited = seconds_since(start);
  // Hold a little longer than the commands waited, then let go without changing anything.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  holder.exec("ROLLBACK");

  for (size_t i = 0; i < waiters.size(); ++i) {
    INFO(describe(waiters[i].args) << "\n" << results[i].err);
    CHECK(results[i].code == waiters[i].expected);
    if (waiters[i].expected == 6) {
      CHECK(contains(results[i].err, "locked"));
      CHECK(contains(results[i].err, "try again"));
      CHECK(results[i].out.empty());
    }
    if (waiters[i].expected == 0) {
      CHECK(results[i].line() == "200");
      CHECK(contains(results[i].err, "not recorded"));
      CHECK(contains(results[i].err, "locked"));
    }
  }
  Result as_json = results[1];
  REQUIRE(as_json.code == 6);
  CHECK(as_json.error_json()["error"]["code"] == "store");
  // They gave up at the timeout, not before, and not much after.
  CHECK(waited >= 10);
  CHECK(waited < 30);
  CHECK(s.dump() == before);
  WARN("busy timeout: " << waiters.size() << " commands waited on one held lock and gave up after "
                        << waited << " s");

  // With the lock gone, the same writes go through.
  CHECK(s.run({"user", "create", "bob", "--no-password"}).code == 0);
  CHECK(s.run({"token", "rotate", e2e::token_id(api)}).code == 0);
}
