// `hookctl serve` as administrators run it: a child process on a unix socket. Abuse (huge
// headers, silent and slow clients, a thousand connections, malformed requests) never stops it
// answering others and never puts a header value in its log; SIGTERM under load answers the
// checks in progress, writes the buffered activity and exits 0; nothing accepted is lost.
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client.hpp"
#include "e2e/harness.hpp"
#include "running.hpp"
#include "server_process.hpp"

using e2e::Result;
using e2e::Sandbox;
using serve_test::Connection;
using serve_test::Reply;
using serve_test::ServerProcess;

namespace {

const std::string t_now = "2026-01-01T12:00:00Z";
// Put in header values of every abusive request: it must never reach the log.
const std::string marker = "hka_MARKERdoNotLogMe";

// The last_used_at of a token and last_activity_at of its owner, as epoch seconds (-1: NULL).
std::pair<int64_t, int64_t> activity(const Sandbox& s, const std::string& token_id) {
  SQLite::Database db(s.db.string());
  SQLite::Statement q(db,
                      "SELECT t.last_used_at, a.last_activity_at FROM tokens t JOIN accounts a "
                      "ON a.id = t.account_id WHERE t.id = ?");
  q.bind(1, token_id);
  REQUIRE(q.executeStep());
  auto value = [&q](int i) { return q.getColumn(i).isNull() ? -1 : q.getColumn(i).getInt64(); };
  return {value(0), value(1)};
}

int64_t epoch(const std::string& t) { return serve_test::at(t).time_since_epoch().count(); }

void every_line_is_json(const std::string& log) {
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    INFO(line);
    CHECK_NOTHROW(nlohmann::json::parse(line));
  }
}

}  // namespace

TEST_CASE("abuse does not stop serve answering others, and no header value reaches its log") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("svc", {"--service"});
  const std::string secret = s.webhook("orders", "svc");
  s.at(t_now);
  ServerProcess serve(s);
  const std::string good = "Authorization: Bearer " + secret;
  auto answers = [&] { return serve_test::get(serve.address(), "/check/orders", {good}).status; };

  Connection silent(serve.address());  // connects and sends nothing, for the whole test
  REQUIRE(silent.connected());
  // Half a header, then nothing (closed before the SIGTERM below, whose drain would otherwise
  // wait for it up to the header timeout).
  auto slow = std::make_unique<Connection>(serve.address());
  slow->send("GET /check/orders HTTP/1.1\r\nAuthorization: Bearer " + marker);
  CHECK(answers() == 200);

  {  // 100 KB of headers
    Connection big(serve.address());
    std::string request = "GET /check/orders HTTP/1.1\r\nAuthorization: Bearer " + marker + "\r\n";
    for (int i = 0; i < 100; ++i)
      request += "X-Filler-" + std::to_string(i) + ": " + marker + std::string(1000, 'x') + "\r\n";
    big.send(request + "\r\n");
    Reply r = big.read();
    CHECK(r.status == 431);
    CHECK(r.closed);
  }
  {  // one Authorization value of 100 KB
    Connection big(serve.address());
    big.send("GET /check/orders HTTP/1.1\r\nAuthorization: Bearer " + marker +
             std::string(100 * 1024, 'a') + "\r\n\r\n");
    CHECK(big.read().status == 431);
  }
  CHECK(answers() == 200);

  for (const std::string& bad :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET\r\n\r\n"),
        std::string("GET /check/orders HTTX/1.1\r\n\r\n"),
        std::string("GET /check/orders HTTP/1.1\r\nAuthorization Bearer ") + marker + "\r\n\r\n",
        std::string("GET /check/orders HTTP/1.1\r\nBad Name: ") + marker + "\r\n\r\n",
        std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + marker + "\r\n\r\n",
        std::string("GET /check/orders HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
        std::string("GET /check/orders HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Length: 5\r\n\r\n")}) {
    INFO(bad);
    Connection c(serve.address());
    c.send(bad);
    Reply r = c.read();
    CHECK((r.status == 400 || r.status == 0));
    CHECK((r.closed || c.closed_by_peer(5000)));
    CHECK(answers() == 200);
  }

  {  // a thousand connections at once (beyond the limit), then all dropped
    std::vector<Connection> many;
    for (int i = 0; i < 1000; ++i) many.emplace_back(serve.address());
    // Beyond the limit, a new connection is closed at once.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    Connection extra(serve.address());
    CHECK(extra.closed_by_peer(5000));
    for (size_t i = 0; i < many.size(); i += 2) {  // half reset, half closed politely
      linger hard{1, 0};
      ::setsockopt(many[i].fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
  }
  // The dropped connections are noticed asynchronously: the server answers again within moments.
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = answers();
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(status == 200);
  Reply metrics = serve_test::get(serve.address(), "/metrics");
  CHECK(e2e::contains(metrics.body, "hookctl_http_errors_total{kind=\"header-too-large\"} 2\n"));
  CHECK_FALSE(e2e::contains(metrics.body, "hookctl_connections_refused_total 0\n"));

  slow.reset();
  serve.signal(SIGTERM);
  CHECK(serve.wait() == 0);
  const std::string log = serve.log();
  CHECK_FALSE(e2e::contains(log, marker));
  CHECK_FALSE(e2e::contains(log, secret));
  CHECK(e2e::contains(log, "\"event\":\"request.header-too-large\""));
  CHECK(e2e::contains(log, "\"event\":\"request.malformed\""));
  every_line_is_json(log);
}

TEST_CASE("slow and idle clients are timed out", "[in-process]") {
  Sandbox s;
  s.at(t_now);
  s.user("svc", {"--service"});
  hookctl::server::ServerOptions options;
  options.header_timeout = std::chrono::milliseconds(300);
  options.idle_timeout = std::chrono::milliseconds(600);
  serve_test::Running http(s, t_now, std::nullopt, options);
  Connection slow(http.address);
  slow.send("GET /healthz HTTP/1.1\r\nAuthorization: Bearer " + marker);
  Connection idle(http.address);
  CHECK(idle.get("/healthz").status == 200);
  Connection silent(http.address);
  CHECK(slow.closed_by_peer(3000));
  CHECK(idle.closed_by_peer(3000));
  CHECK(silent.closed_by_peer(3000));
  http.stop();
  const std::string log = e2e::read_file(s.dir / "serve.log");
  CHECK(e2e::contains(log, "\"event\":\"request.timeout\""));
  CHECK_FALSE(e2e::contains(log, marker));
}

TEST_CASE("a drain that times out closes the connections still open and returns cleanly",
          "[in-process]") {
  Sandbox s;
  s.at(t_now);
  s.user("svc", {"--service"});
  hookctl::server::ServerOptions options;
  // A request header still arriving when the drain begins, and slower than the drain: the
  // loop is stopped with the connection open, its read pending. Under the sanitizers a handler
  // outliving the server it calls back into is a report, and the test fails.
  options.header_timeout = std::chrono::seconds(60);
  options.drain_timeout = std::chrono::milliseconds(300);
  serve_test::Running http(s, t_now, std::nullopt, options);
  Connection slow(http.address);
  REQUIRE(slow.send("GET /healthz HTTP/1.1\r\nAuthorization: Bearer " + marker));
  Connection idle(http.address);
  REQUIRE(idle.get("/healthz").status == 200);
  const auto started = std::chrono::steady_clock::now();
  http.stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(http.flushed);
  CHECK(slow.closed_by_peer(1000));
  CHECK(idle.closed_by_peer(1000));
  const std::string log = e2e::read_file(s.dir / "serve.log");
  CHECK(e2e::contains(log, "\"event\":\"drain.timeout\""));
  CHECK(e2e::contains(log, "\"event\":\"stopped\""));
  CHECK_FALSE(e2e::contains(log, marker));
}

TEST_CASE("SIGTERM under load: checks in progress are answered, activity written, exit 0",
          "[heavy]") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("svc", {"--service"});
  s.user("late", {"--service"});
  const std::string secret = s.webhook("orders", "svc");
  const std::string late_secret = s.webhook("late", "late");
  s.at(t_now);
  // On the event loop, and on check workers (each with its own store connection) as a
  // PostgreSQL store has by default: the drain waits for the checks still on a worker.
  const std::string workers = GENERATE(as<std::string>{}, "0", "3");
  INFO("--store-connections " << workers);
  ServerProcess serve(s, {"--store-connections", workers});

  std::atomic<bool> stop{false};
  std::atomic<int> accepted{0}, wrong{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t)
    load.emplace_back([&] {
      while (!stop) {
        Connection c(serve.address());
        if (!c.connected()) return;  // the listener is gone: the drain has begun
        for (int i = 0; i < 200 && !stop; ++i) {
          Reply r = c.get("/check/orders", {"Authorization: Bearer " + secret});
          if (r.status == 200)
            ++accepted;
          else if (r.status != 0)
            ++wrong;
          if (r.status == 0 || r.closed) break;
        }
      }
    });
  const std::filesystem::path socket = s.dir / "serve.sock";
  CHECK(e2e::mode_of(socket) == 0660);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // A check in progress: its header half sent when the signal arrives, the rest after.
  Connection in_flight(serve.address());
  REQUIRE(in_flight.send("GET /check/late HTTP/1.1\r\nAuthorization: Bearer " + late_secret));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  serve.signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(in_flight.send("\r\n\r\n"));
  Reply r = in_flight.read();
  CHECK(r.status == 200);
  CHECK(r.closed);  // answered, then closed: the server is stopping
  stop = true;
  for (auto& t : load) t.join();
  CHECK(serve.wait() == 0);
  CHECK_FALSE(std::filesystem::exists(socket));
  CHECK(accepted > 0);
  CHECK(wrong == 0);
  CHECK(activity(s, e2e::token_id(secret)) == std::make_pair(epoch(t_now), epoch(t_now)));
  CHECK(activity(s, e2e::token_id(late_secret)) == std::make_pair(epoch(t_now), epoch(t_now)));
  const std::string log = serve.log();
  CHECK(e2e::contains(log, "\"event\":\"stopping\""));
  CHECK(e2e::contains(log, "\"event\":\"stopped\""));
  CHECK_FALSE(e2e::contains(log, "flush-failed"));
}

TEST_CASE("a bounded load over TCP loses nothing: every accepted owner's activity is written",
          "[heavy]") {
  constexpr int owners = 20, threads = 4, per_thread = 500;
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  std::string lines;
  for (int i = 0; i < owners; ++i)
    lines += "{\"name\":\"owner" + std::to_string(i) + "\",\"kind\":\"service\"}\n";
  REQUIRE(s.run({"user", "import"}, lines).code == 0);
  std::vector<std::string> secrets;
  for (int i = 0; i < owners; ++i)
    secrets.push_back(s.webhook("hook" + std::to_string(i), "owner" + std::to_string(i)));
  s.at(t_now);
  const std::string tcp = "127.0.0.1:" + std::to_string(serve_test::free_port());
  ServerProcess serve(s, {"--listen", tcp});

  std::atomic<int> accepted{0};
  std::vector<std::thread> load;
  const auto started = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t)
    load.emplace_back([&, t] {
      Connection c("tcp:" + tcp);
      for (int i = 0; i < per_thread; ++i) {
        const int k = (t * per_thread + i) % owners;
        Reply r = c.get("/check/hook" + std::to_string(k),
                        {"Authorization: Bearer " + secrets[static_cast<size_t>(k)]});
        if (r.status != 200) return;
        ++accepted;
      }
    });
  for (auto& t : load) t.join();
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(accepted == threads * per_thread);
  CHECK(took < std::chrono::seconds(60));  // a bound on the test, not a benchmark
  serve.signal(SIGTERM);
  REQUIRE(serve.wait() == 0);
  for (int i = 0; i < owners; ++i) {
    INFO("owner" << i);
    CHECK(activity(s, e2e::token_id(secrets[static_cast<size_t>(i)])) ==
          std::make_pair(epoch(t_now), epoch(t_now)));
  }
}

TEST_CASE("SIGTERM writes the counts of the rejections held in memory") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("svc", {"--service"});
  const std::string secret = s.webhook("orders", "svc");
  s.at(t_now);
  ServerProcess serve(s);
  constexpr int rejected = 120;
  Connection c(serve.address());
  for (int i = 0; i < rejected; ++i)
    REQUIRE(c.get("/check/orders", {"Authorization: Bearer " + secret + "x"}).status == 401);
  // The summary is written at the first rejection; the later ones wait for a flush.
  Result before = s.run({"audit", "--subject", "orders", "--json"});
  REQUIRE(before.code == 0);
  CHECK(before.json().back()["action"] == "auth.rejected");
  CHECK(before.json().back()["repeated"] == 0);
  serve.signal(SIGTERM);
  REQUIRE(serve.wait() == 0);
  const std::string log = serve.log();
  INFO(log);
  CHECK(e2e::contains(log, "\"flushed_rejections\":" + std::to_string(rejected - 1)));
  Result after = s.run({"audit", "--subject", "orders", "--json"});
  REQUIRE(after.code == 0);
  const nlohmann::json events = after.json();
  REQUIRE(events.size() == before.json().size());  // still one summary
  CHECK(events.back()["repeated"] == rejected - 1);
  Result text = s.run({"audit", "--subject", "orders", "--wide"});
  CHECK(e2e::contains(text.out, "(first such rejection this hour; 119 more in the hour)"));
}

TEST_CASE("serve refuses to start on a bad store or address, with the CLI's messages") {
  Sandbox s;
  Result missing = s.run({"serve", "--listen", "127.0.0.1:0"});
  CHECK(missing.code == 6);
  CHECK(e2e::contains(missing.err, "no store at"));
  CHECK(s.run({"serve", "--listen", "localhost:80"}).code == 2);
  CHECK(s.run({"serve", "--listen", "::1:80"}).code == 2);
  CHECK(s.run({"serve", "--listen", "127.0.0.1:70000"}).code == 2);
  CHECK(s.run({"serve", "--webhook-from-uri", "/hooks/"}).code == 2);
  Result secretish = s.run({"serve", "--listen", marker});
  CHECK(secretish.code == 2);
  CHECK_FALSE(e2e::contains(secretish.err, marker));  // never echoed

  s.user("svc", {"--service"});
  {  // a unix socket path held by a regular file is not taken over
    e2e::write_file(s.dir / "taken", "data");
    Result r = s.run({"serve", "--listen", "unix:" + (s.dir / "taken").string()});
    CHECK(r.code == 4);
    CHECK(e2e::read_file(s.dir / "taken") == "data");
  }
  // An address another server listens on.
  serve_test::Running other(s, t_now);
  const std::string taken = other.address.substr(4);  // "tcp:" removed
  Result in_use = s.run({"serve", "--listen", taken});
  CHECK(in_use.code == 4);
  CHECK(e2e::contains(in_use.err, "cannot listen on " + taken));
}
