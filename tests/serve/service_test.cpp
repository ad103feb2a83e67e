// `hookctl serve` in-process: every endpoint and status, the same verdicts as `auth verify` for
// every reason code (compared case by case through the CLI, the handler and HTTP), and no stale
// answer after a change made with the CLI.
#include <catch2/catch.hpp>
#include <list>
#include <string>
#include <vector>

#include "client.hpp"
#include "e2e/harness.hpp"
#include "hookctl/vocabulary.hpp"
#include "running.hpp"

using e2e::Result;
using e2e::Sandbox;
using hookctl::server::Request;
using hookctl::server::Response;
using serve_test::Decider;
using serve_test::Reply;
using serve_test::Running;

namespace {

const std::string t_setup = "2025-10-01T00:00:00Z";
const std::string t_reactivate = "2026-01-01T11:00:00Z";
const std::string t_check = "2026-01-01T12:00:00Z";

void ok(const Result& r) {
  INFO(r.err);
  REQUIRE(r.code == 0);
}

void bind_webhook(const Sandbox& s, const std::string& webhook, const std::string& secret) {
  ok(s.run({"webhook", "bind", webhook, "--token", e2e::token_id(secret)}));
}

std::string rotate(const Sandbox& s, const std::string& secret,
                   const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"token", "rotate", e2e::token_id(secret)};
  args.insert(args.end(), extra.begin(), extra.end());
  Result r = s.run(args);
  ok(r);
  return r.line();
}

std::string typo(std::string token, size_t pos) {
  token[pos] = token[pos] == 'a' ? 'b' : 'a';
  return token;
}

// Every kind of verdict, on one store, decided at t_check:
//   orders     bearer, integration token `api` of svc        billing  bearer, App token of alice
//   legacy     basic, App token of svc                       stalehook  App token of `old`, whose
//   expiring   bearer, `exp`, expired 30 days after set-up              owner went inactive
//   revoked    bearer, `rev`, revoked                        graced   `graced_old` within grace
//   ended      `ended_old`, grace over                       plus `stale` (rotated away, no grace)
//                                                            and `foreign` (another store's)
struct World {
  Sandbox s;
  std::string api, billing, legacy, old_app, exp, rev, stale, foreign, graced_old, graced_new,
      ended_old;

  World() {
    s.at(t_setup);
    s.user("svc", {"--service"});
    s.user("alice");
    s.user("old");
    api = s.token("svc");
    s.webhook("orders", "svc");
    bind_webhook(s, "orders", api);
    billing = s.webhook("billing", "alice");
    legacy = s.webhook("legacy", "svc", "basic");
    old_app = s.webhook("stalehook", "old");
    exp = s.run({"token", "create", "--user", "svc", "--expires-in", "30d"}).line();
    s.webhook("expiring", "svc");
    bind_webhook(s, "expiring", exp);
    rev = s.token("svc");
    s.webhook("revoked", "svc");
    bind_webhook(s, "revoked", rev);
    ok(s.run({"token", "revoke", e2e::token_id(rev), "--yes"}));
    stale = s.token("svc");
    rotate(s, stale);
    Sandbox other;
    other.at(t_setup);
    other.user("svc", {"--service"});
    foreign = other.token("svc");

    s.at(t_reactivate);  // 92 days on: everyone but `old` is brought back
    ok(s.run({"user", "reactivate", "svc"}));
    ok(s.run({"user", "reactivate", "alice"}));
    graced_old = s.token("svc");
    s.webhook("graced", "svc");
    bind_webhook(s, "graced", graced_old);
    graced_new = rotate(s, graced_old, {"--grace", "2h"});
    ended_old = s.token("svc");
    s.webhook("ended", "svc");
    bind_webhook(s, "ended", ended_old);
    rotate(s, ended_old, {"--grace", "30m"});
    s.at(t_check);
  }
};

struct Case {
  std::string what, webhook;
  std::optional<std::string> authorization;  // nullopt: no Authorization header at all
  std::string code;                          // "accepted" or the reason code
};

std::string basic(const std::string& user, const std::string& secret) {
  return "Basic " + e2e::base64(user + ":" + secret);
}

std::vector<Case> matrix(const World& w) {
  return {
      {"bearer, integration token", "orders", "Bearer " + w.api, "accepted"},
      {"bearer, App token", "billing", "Bearer " + w.billing, "accepted"},
      {"basic, App token, owner's name", "legacy", basic("svc", w.legacy), "accepted"},
      {"previous secret within grace", "graced", "Bearer " + w.graced_old, "accepted"},
      {"new secret after a rotation", "graced", "Bearer " + w.graced_new, "accepted"},
      {"scheme case-insensitive", "orders", "bEaReR " + w.api, "accepted"},
      {"no Authorization header", "orders", std::nullopt, "malformed-header"},
      {"unknown scheme", "orders", "Token " + w.api, "malformed-header"},
      {"basic, not base64", "legacy", "Basic !!!", "malformed-header"},
      {"oversized value", "orders", "Bearer " + std::string(9000, 'a'), "malformed-header"},
      {"basic to a bearer webhook", "orders", basic("svc", w.api), "wrong-scheme"},
      {"bearer to a basic webhook", "legacy", "Bearer " + w.legacy, "wrong-scheme"},
      {"not a token", "orders", "Bearer hello", "malformed-token"},
      {"typo", "orders", "Bearer " + typo(w.api, 40), "bad-checksum"},
      {"another store's token", "orders", "Bearer " + w.foreign, "unknown-token"},
      {"a secret rotated away", "orders", "Bearer " + w.stale, "wrong-secret"},
      {"previous secret after grace", "ended", "Bearer " + w.ended_old, "grace-ended"},
      {"revoked", "revoked", "Bearer " + w.rev, "revoked"},
      {"expired", "expiring", "Bearer " + w.exp, "expired"},
      {"another webhook's token", "billing", "Bearer " + w.api, "not-bound"},
      {"inactive owner", "stalehook", "Bearer " + w.old_app, "owner-inactive"},
      {"basic, another user's name", "legacy", basic("alice", w.legacy), "bad-username"},
  };
}

std::string code_of(const Response& r) {
  if (r.status == 200) return "accepted";
  if (r.outcome == hookctl::server::CheckOutcome::decided)
    return std::string(hookctl::to_string(r.rejection));
  return "other";
}

std::vector<std::string> header_lines(const Case& c) {
  if (!c.authorization) return {};
  return {"Authorization: " + *c.authorization};
}

// The request views `target` and `auth`: they must outlive it.
Request check_request(std::string_view target, std::optional<std::string_view> auth) {
  Request q;
  q.method = "GET";
  q.target = target;
  if (auth) q.authorization = *auth;
  return q;
}

// The tally of the summaries of `reason` rejections of `webhook`, as `audit --json` shows it
// (-1: no summary; the sum when several hours have one).
long long repeated(const Sandbox& s, const std::string& webhook, const std::string& reason) {
  Result audit = s.run({"audit", "--subject", webhook, "--json"});
  INFO(audit.err);
  REQUIRE(audit.code == 0);
  long long n = -1;
  for (const auto& e : audit.json())
    if (e["action"] == "auth.rejected" &&
        e["details"].get<std::string>().rfind(reason + ": ", 0) == 0)
      n = (n < 0 ? 0 : n) + e["repeated"].get<long long>();
  return n;
}

}  // namespace

TEST_CASE("serve decides every case exactly as auth verify, through the handler and over HTTP") {
  World w;
  Decider direct(w.s, t_check);
  Running http(w.s, t_check);
  serve_test::Connection keep_alive(http.address);
  REQUIRE(keep_alive.connected());

  for (const Case& c : matrix(w)) {
    INFO(c.what);
    Result cli = w.s.run({"auth", "verify", c.webhook, "--json"}, c.authorization.value_or(""));
    const nlohmann::json j = cli.json();
    const std::string cli_code = cli.code == 0 ? "accepted"
                                               : j["reason"].get<std::string>().substr(
                                                     0, j["reason"].get<std::string>().find(':'));
    CHECK(cli_code == c.code);

    const std::string target = "/check/" + c.webhook;
    Response r = direct.service.handle(check_request(target, c.authorization));
    CHECK(code_of(r) == cli_code);
    CHECK(r.body.empty());

    Reply reply = keep_alive.get(target, header_lines(c));
    CHECK(reply.status == (cli.code == 0 ? 200 : 401));
    CHECK(reply.status == r.status);
    CHECK(reply.body.empty());
    CHECK_FALSE(reply.closed);
    if (reply.status == 200) {
      CHECK(reply.header("X-Hookctl-User") == j["user"].get<std::string>());
      CHECK(reply.header("X-Hookctl-Token") == j["token"].get<std::string>());
      CHECK(reply.header("WWW-Authenticate").empty());
    } else {
      const std::string scheme = c.webhook == "legacy" ? "Basic" : "Bearer";
      CHECK(reply.header("WWW-Authenticate") == scheme + " realm=\"" + c.webhook + "\"");
      CHECK(reply.header("X-Hookctl-User").empty());
      CHECK(reply.header("X-Hookctl-Token").empty());
    }
  }
  // The unknown webhook: exit 3 for the CLI, 401 (never 404) for a proxy.
  CHECK(w.s.run({"auth", "verify", "ghost"}, "Bearer " + w.api).code == 3);
  Reply ghost = keep_alive.get("/check/ghost", {"Authorization: Bearer " + w.api});
  CHECK(ghost.status == 401);
  CHECK(ghost.header("WWW-Authenticate") == "Bearer realm=\"ghost\"");
  CHECK(ghost.body.empty());
}

TEST_CASE("serve answers every endpoint, and finds the webhook where each proxy puts it") {
  World w;
  Running http(w.s, t_check, hookctl::server::UriPattern::parse("/hooks/{webhook}"));
  const std::string good = "Authorization: Bearer " + w.api;
  const std::string& a = http.address;

  CHECK(serve_test::get(a, "/check/orders", {good}).status == 200);
  CHECK(serve_test::get(a, "/check/ord%65rs", {good}).status == 200);  // percent-decoded
  CHECK(serve_test::get(a, "/check/orders?x=1", {good}).status == 200);
  // /check: X-Hookctl-Webhook first, then the original URI (nginx, then Traefik/Caddy).
  CHECK(serve_test::get(a, "/check", {good, "X-Hookctl-Webhook: orders"}).status == 200);
  CHECK(serve_test::get(a, "/check", {good, "X-Original-URI: /hooks/orders?id=7"}).status == 200);
  CHECK(serve_test::get(a, "/check", {good, "X-Forwarded-Uri: /hooks/orders/sub"}).status == 200);
  CHECK(serve_test::get(a, "/check", {good, "X-Original-URI: /hooks/billing"}).status == 401);
  // Envoy ext_authz: the original method and path behind the prefix.
  serve_test::Connection envoy(a);
  envoy.send("POST /check/hooks/orders HTTP/1.1\r\nHost: x\r\n" + good + "\r\n\r\n");
  CHECK(envoy.read().status == 200);
  // No webhook named anywhere: 401 with a challenge, never 404 or 400 (a proxy makes those 500).
  Reply none = serve_test::get(a, "/check", {good});
  CHECK(none.status == 401);
  CHECK(none.header("WWW-Authenticate") == "Bearer realm=\"hookctl\"");
  CHECK(serve_test::get(a, "/check", {good, "X-Original-URI: /other/orders"}).status == 401);
  CHECK(serve_test::get(a, "/check/no%20such", {good}).status == 401);

  Reply health = serve_test::get(a, "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  CHECK(serve_test::get(a, "/readyz").status == 200);
  CHECK(serve_test::get(a, "/nothing-here").status == 404);

  Reply metrics = serve_test::get(a, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.header("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  for (const char* line :
       {"hookctl_checks_total{status=\"200\",code=\"accepted\"} 7",
        "hookctl_checks_total{status=\"401\",code=\"not-bound\"} 1",
        "hookctl_checks_total{status=\"401\",code=\"no-webhook\"} 2",
        "hookctl_checks_total{status=\"401\",code=\"unknown-webhook\"} 1",
        "hookctl_check_duration_seconds_count 11", "hookctl_activity_pending_uses 1",
        "# TYPE hookctl_connections_open gauge",
        "# TYPE hookctl_check_duration_seconds histogram"}) {
    INFO(line);
    CHECK(metrics.body.find(std::string(line) + "\n") != std::string::npos);
  }
}

TEST_CASE("serve answers HEAD, HTTP/1.0 and Connection: close as HTTP says") {
  World w;
  Running http(w.s, t_check);
  auto ends_with = [](const std::string& s, const std::string& end) {
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
  };
  {  // HEAD: the GET's Content-Length, no body; closed as asked
    serve_test::Connection c(http.address);
    REQUIRE(c.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const std::string raw = c.read_until_closed();
    CHECK(raw.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(e2e::contains(raw, "\r\nContent-Length: 3\r\n"));
    CHECK(e2e::contains(raw, "\r\nConnection: close\r\n"));
    CHECK(ends_with(raw, "\r\n\r\n"));
  }
  {  // HTTP/1.0 without keep-alive: answered in 1.0, then closed
    serve_test::Connection c(http.address);
    REQUIRE(c.send("GET /check/orders HTTP/1.0\r\nAuthorization: Bearer " + w.api + "\r\n\r\n"));
    const std::string raw = c.read_until_closed();
    CHECK(raw.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
    CHECK(e2e::contains(raw, "\r\nX-Hookctl-User: svc\r\n"));
    CHECK(ends_with(raw, "\r\nContent-Length: 0\r\n\r\n"));
  }
  {  // HTTP/1.0 with keep-alive: said so, and the connection serves the next request
    serve_test::Connection c(http.address);
    const std::string request = "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    REQUIRE(c.send(request));
    Reply first = c.read();
    CHECK(first.status == 200);
    CHECK(first.header("Connection") == "keep-alive");
    CHECK(first.body == "ok\n");
    REQUIRE(c.send(request));
    CHECK(c.read().status == 200);
  }
  {  // a 401 carries its challenge and an empty body
    serve_test::Connection c(http.address);
    Reply r = c.get("/check/orders", {"Authorization: Bearer " + w.stale});
    CHECK(r.status == 401);
    CHECK(r.header("WWW-Authenticate") == "Bearer realm=\"orders\"");
    CHECK(r.header("Content-Length") == "0");
    CHECK_FALSE(r.closed);
  }
}

TEST_CASE("serve answers 503 while the store cannot answer, and recovers") {
  World w;
  Running http(w.s, t_check);
  const std::string good = "Authorization: Bearer " + w.api;
  REQUIRE(serve_test::get(http.address, "/check/orders", {good}).status == 200);
  {
    SQLite::Database db(w.s.db.string(), SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE webhooks RENAME TO webhooks_elsewhere");
  }
  Reply down = serve_test::get(http.address, "/check/orders", {good});
  CHECK(down.status == 503);  // fail closed
  CHECK(down.body.empty());
  {
    SQLite::Database db(w.s.db.string(), SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE webhooks_elsewhere RENAME TO webhooks");
  }
  CHECK(serve_test::get(http.address, "/check/orders", {good}).status == 200);
  http.stop();
  const std::string log = e2e::read_file(w.s.dir / "serve.log");
  CHECK(e2e::contains(log, "\"code\":\"store-unavailable\""));
  CHECK_FALSE(e2e::contains(log, w.api));
}

TEST_CASE("a change made with the CLI takes effect on the next check") {
  World w;
  Running http(w.s, t_check);
  serve_test::Connection c(http.address);
  auto status = [&c](const std::string& webhook, const std::string& secret) {
    return c.get("/check/" + webhook, {"Authorization: Bearer " + secret}).status;
  };
  REQUIRE(status("orders", w.api) == 200);
  ok(w.s.run({"token", "revoke", e2e::token_id(w.api), "--yes"}));
  CHECK(status("orders", w.api) == 401);

  const std::string next = w.s.token("svc");
  CHECK(status("orders", next) == 401);  // not bound yet
  bind_webhook(w.s, "orders", next);
  CHECK(status("orders", next) == 200);

  const std::string rotated = rotate(w.s, next);
  CHECK(status("orders", next) == 401);
  CHECK(status("orders", rotated) == 200);

  // alice was reactivated an hour ago: a 30-minute period makes her inactive at once.
  REQUIRE(status("billing", w.billing) == 200);
  Result policy = w.s.run({"policy", "set", "inactivity-period", "30m"});
  if (policy.code == 2) policy = w.s.run({"policy", "set", "inactivity-period", "30m", "--yes"});
  ok(policy);
  CHECK(status("billing", w.billing) == 401);
  ok(w.s.run({"user", "reactivate", "alice"}));
  CHECK(status("billing", w.billing) == 200);

  CHECK(status("stalehook", w.old_app) == 401);
  ok(w.s.run({"user", "reactivate", "old"}));
  CHECK(status("stalehook", w.old_app) == 200);
}

TEST_CASE("accepted checks are buffered and written on shutdown, rejections summarised") {
  World w;
  const std::string api_id = e2e::token_id(w.api);
  auto last_used = [&w, &api_id] {
    SQLite::Database db(w.s.db.string());
    SQLite::Statement q(db, "SELECT last_used_at FROM tokens WHERE id = ?");
    q.bind(1, api_id);
    REQUIRE(q.executeStep());
    return q.getColumn(0).isNull() ? int64_t{-1} : q.getColumn(0).getInt64();
  };
  const int64_t now = serve_test::at(t_check).time_since_epoch().count();
  const long long audit_before = w.s.count("audit");
  Running http(w.s, t_check);
  serve_test::Connection c(http.address);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(c.get("/check/orders", {"Authorization: Bearer " + w.api}).status == 200);
    REQUIRE(c.get("/check/orders", {"Authorization: Bearer " + w.stale}).status == 401);
  }
  CHECK(last_used() != now);                      // held in memory
  CHECK(w.s.count("audit") == audit_before + 1);  // fifty rejections, one summary
  CHECK(w.s.count("rejection_tally") == 0);       // the later 49 held in memory
  http.stop();
  CHECK(http.flushed);
  CHECK(last_used() == now);
  CHECK(repeated(w.s, "orders", "wrong-secret") == 49);
  SQLite::Database db(w.s.db.string());
  CHECK(db.execAndGet("SELECT last_activity_at FROM accounts WHERE name = 'svc'").getInt64() ==
        now);
}

TEST_CASE("a use close to the owner's inactivity is written at once") {
  World w;
  // alice's activity is from t_reactivate; with a period of 61 minutes she turns inactive at
  // 12:01, within the urgent margin of a check at 12:00.
  Result policy = w.s.run({"policy", "set", "inactivity-period", "61m"});
  if (policy.code == 2) policy = w.s.run({"policy", "set", "inactivity-period", "61m", "--yes"});
  ok(policy);
  Decider d(w.s, t_check);
  Response r = d.service.handle(check_request("/check/billing", "Bearer " + w.billing));
  REQUIRE(r.status == 200);
  CHECK(d.service.pending_uses() == 0);
  SQLite::Database db(w.s.db.string());
  CHECK(db.execAndGet("SELECT last_activity_at FROM accounts WHERE name = 'alice'").getInt64() ==
        serve_test::at(t_check).time_since_epoch().count());
}

TEST_CASE("requests that arrive together are answered as each alone, and write after the read") {
  World w;
  // As above: alice's use is urgent, so the batch's writes include a write at once.
  Result policy = w.s.run({"policy", "set", "inactivity-period", "61m"});
  if (policy.code == 2) policy = w.s.run({"policy", "set", "inactivity-period", "61m", "--yes"});
  ok(policy);
  // A request holds views: its targets and headers live as long as the requests.
  const std::vector<Case> cases = matrix(w);
  const std::string api = "Bearer " + w.api;
  std::list<std::string> targets;
  std::vector<Request> requests;
  for (const Case& c : cases)
    requests.push_back(check_request(targets.emplace_back("/check/" + c.webhook), c.authorization));
  for (const char* target :
       {"/check/ghost", "/check/no%20such", "/check", "/healthz", "/readyz", "/metrics", "/x"})
    requests.push_back(check_request(targets.emplace_back(target), api));
  const long long audit_before = w.s.count("audit");

  Decider together(w.s, t_check);
  const std::vector<Response> batch = together.service.handle_together(requests);
  REQUIRE(batch.size() == requests.size());
  CHECK_FALSE(together.store->in_transaction());
  // The urgent use was written (a write inside the shared read would have failed and stayed
  // pending), and the rejections were summarised.
  SQLite::Database db(w.s.db.string());
  CHECK(db.execAndGet("SELECT last_activity_at FROM accounts WHERE name = 'alice'").getInt64() ==
        serve_test::at(t_check).time_since_epoch().count());
  CHECK(together.service.pending_uses() == 0);
  CHECK(w.s.count("audit") > audit_before);

  Decider alone(w.s, t_check);
  for (size_t i = 0; i < requests.size(); ++i) {
    INFO(requests[i].target);
    const Response one = alone.service.handle(requests[i]);
    CHECK(batch[i].status == one.status);
    CHECK(code_of(batch[i]) == code_of(one));
    CHECK(batch[i].www_authenticate == one.www_authenticate);
    CHECK(batch[i].user == one.user);
    CHECK(batch[i].token == one.token);
    if (requests[i].target != "/metrics") CHECK(batch[i].body == one.body);
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].what);
    CHECK(code_of(batch[i]) == cases[i].code);
  }
}

TEST_CASE("a batch meeting a store that cannot answer fails closed, then recovers") {
  World w;
  Decider d(w.s, t_check);
  const std::string api = "Bearer " + w.api, billing = "Bearer " + w.billing;
  const std::vector<Request> requests{check_request("/check/orders", api),
                                      check_request("/check/billing", billing)};
  {
    SQLite::Database db(w.s.db.string(), SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE webhooks RENAME TO webhooks_elsewhere");
  }
  for (const Response& r : d.service.handle_together(requests)) CHECK(r.status == 503);
  CHECK_FALSE(d.store->in_transaction());
  {
    SQLite::Database db(w.s.db.string(), SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE webhooks_elsewhere RENAME TO webhooks");
  }
  for (const Response& r : d.service.handle_together(requests)) CHECK(r.status == 200);
}

TEST_CASE("checks arriving at once on many connections each get their own answer") {
  World w;
  Running http(w.s, t_check);
  const std::vector<Case> cases = matrix(w);
  std::vector<Response> expected;  // each case alone (its answer headers are empty when refused)
  Decider alone(w.s, t_check);
  for (const Case& c : cases) {
    expected.push_back(alone.service.handle(check_request("/check/" + c.webhook, c.authorization)));
    if (expected.back().status != 200) expected.back().user = expected.back().token = "";
  }
  for (int round = 0; round < 3; ++round) {
    std::vector<serve_test::Connection> connections;
    for (size_t i = 0; i < cases.size(); ++i) {
      connections.emplace_back(http.address);
      REQUIRE(connections.back().connected());
    }
    // Every request is sent before any answer is read, so the server reads several in one turn.
    for (size_t i = 0; i < cases.size(); ++i) {
      std::string request = "GET /check/" + cases[i].webhook + " HTTP/1.1\r\nHost: x\r\n";
      for (const std::string& line : header_lines(cases[i])) request += line + "\r\n";
      REQUIRE(connections[i].send(request + "\r\n"));
    }
    for (size_t i = 0; i < cases.size(); ++i) {
      INFO(cases[i].what);
      Reply reply = connections[i].read();
      CHECK(reply.status == (cases[i].code == "accepted" ? 200 : 401));
      CHECK(reply.header("X-Hookctl-User") == expected[i].user);
      CHECK(reply.header("X-Hookctl-Token") == expected[i].token);
    }
  }
}

TEST_CASE("the opt-in access log has a line for every check, and no secret") {
  World w;
  hookctl::server::ServerOptions options;
  options.access_log = true;
  Running http(w.s, t_check, std::nullopt, options);
  CHECK(serve_test::get(http.address, "/check/orders", {"Authorization: Bearer " + w.api}).status ==
        200);
  CHECK(
      serve_test::get(http.address, "/check/orders", {"Authorization: Bearer " + w.stale}).status ==
      401);
  http.stop();
  const std::string log = e2e::read_file(w.s.dir / "serve.log");
  CHECK(e2e::contains(log,
                      "\"event\":\"check\",\"status\":200,\"code\":\"accepted\","
                      "\"webhook\":\"orders\",\"user\":\"svc\",\"token\":\"" +
                          e2e::token_id(w.api) + "\",\"method\":\"GET\""));
  CHECK(e2e::contains(log, "\"status\":401,\"code\":\"wrong-secret\",\"webhook\":\"orders\""));
  CHECK_FALSE(e2e::contains(log, w.api));
  CHECK_FALSE(e2e::contains(log, w.stale));
}

TEST_CASE("later rejections are counted in memory and added to the tally at each flush") {
  World w;
  // A summary another process wrote this hour: the server's rejections are all later ones.
  REQUIRE(w.s.run({"auth", "verify", "revoked"}, "Bearer " + w.rev).code == 5);
  REQUIRE(repeated(w.s, "revoked", "revoked") == 0);
  Decider d(w.s, t_check);
  auto reject = [&d](const std::string& webhook, const std::string& secret, int n) {
    for (int i = 0; i < n; ++i)
      REQUIRE(d.service.handle(check_request("/check/" + webhook, "Bearer " + secret)).status ==
              401);
  };
  const long long audit_before = w.s.count("audit");
  reject("orders", w.stale, 10);
  reject("revoked", w.rev, 5);
  CHECK(w.s.count("audit") == audit_before + 1);  // orders' summary; revoked's was there
  CHECK(d.service.pending_rejections() == 9 + 5);
  CHECK(w.s.count("rejection_tally") == 0);  // no write per rejection
  REQUIRE_FALSE(d.service.flush_activity());
  CHECK(d.service.pending_rejections() == 0);
  CHECK(repeated(w.s, "orders", "wrong-secret") == 9);
  CHECK(repeated(w.s, "revoked", "revoked") == 5);

  // A flush adds to what is there (the CLI's counts, another server's), never overwrites it.
  REQUIRE(w.s.run({"auth", "verify", "orders"}, "Bearer " + w.stale).code == 5);
  reject("orders", w.stale, 3);
  REQUIRE_FALSE(d.service.flush_activity());
  CHECK(repeated(w.s, "orders", "wrong-secret") == 9 + 1 + 3);

  // A store that cannot take the write keeps the counts for the next flush.
  reject("orders", w.stale, 4);
  {
    SQLite::Database holder(w.s.db.string(), SQLite::OPEN_READWRITE);
    holder.exec("BEGIN IMMEDIATE");
    CHECK(d.service.flush_activity());  // busy past the service's timeout
    holder.exec("ROLLBACK");
  }
  CHECK(d.service.pending_rejections() == 4);
  REQUIRE_FALSE(d.service.flush_activity());
  CHECK(repeated(w.s, "orders", "wrong-secret") == 9 + 1 + 3 + 4);

  // The next clock hour has its own summary.
  d.clock.advance(hookctl::Duration{3600});
  reject("orders", w.stale, 2);
  REQUIRE_FALSE(d.service.flush_activity());
  CHECK(w.s.count("audit", "action = 'auth.rejected' AND subject = 'orders'") == 2);
  CHECK(repeated(w.s, "orders", "wrong-secret") == 9 + 1 + 3 + 4 + 1);
}
