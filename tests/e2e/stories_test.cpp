// The stories of the webhook-token documentation hookctl follows, end to end, each step asserted.
#include <catch2/catch.hpp>

#include "harness.hpp"

using e2e::Result;
using e2e::Sandbox;

namespace {

Result verify(const Sandbox& s, const std::string& webhook, const std::string& header) {
  return s.run({"auth", "verify", webhook, "--json"}, header);
}

}  // namespace

TEST_CASE("story 1: a service account's integration token stays alive through regular calls") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("svc-orders", {"--service"});
  std::string token = s.token("svc-orders");
  s.webhook("orders", "svc-orders");
  REQUIRE(s.run({"webhook", "bind", "orders", "--token", e2e::token_id(token)}).code == 0);

  // A call every 30 days for 120 days: each keeps the account active.
  for (const char* when : {"2026-01-31T00:00:00Z", "2026-03-02T00:00:00Z", "2026-04-01T00:00:00Z",
                           "2026-05-01T00:00:00Z"}) {
    s.at(when);
    Result r = verify(s, "orders", "Bearer " + token);
    INFO(when << " " << r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.json()["status"] == 200);
    auto u = s.run({"user", "show", "svc-orders", "--json"}).json();
    CHECK(u["status"] == "active");
    CHECK(u["last_activity_at"] == when);
    CHECK(u["last_activity_source"] == "token:" + e2e::token_id(token));
  }
  // 120 days after creation, far past 60: still active thanks to the calls.
  s.at("2026-05-01T00:00:01Z");
  CHECK(s.run({"user", "show", "svc-orders", "--json"}).json()["status"] == "active");
  // Without calls, 60 days after the last one it goes inactive.
  s.at("2026-06-30T00:00:00Z");
  CHECK(s.run({"user", "show", "svc-orders", "--json"}).json()["status"] == "inactive");
}

TEST_CASE("story 2: an App token's owner goes inactive, 401, reactivation, 200") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  std::string app = s.webhook("orders", "alice");
  CHECK(verify(s, "orders", "Bearer " + app).code == 0);

  s.at("2026-03-02T00:00:00Z");  // 60 days after the last call, to the second
  std::string before = s.dump();
  Result rejected = verify(s, "orders", "Bearer " + app);
  CHECK(rejected.code == 5);
  auto j = rejected.json();
  CHECK(j["status"] == 401);
  CHECK(j["user"] == "alice");
  CHECK(j["reason"].get<std::string>().rfind("owner-inactive:", 0) == 0);
  // A rejected call never changes an account.
  auto u = s.run({"user", "show", "alice", "--json"}).json();
  CHECK(u["status"] == "inactive");
  CHECK(u["last_activity_at"] == "2026-01-01T00:00:00Z");

  Result plain = s.run({"auth", "verify", "orders"}, "Bearer " + app);
  CHECK(plain.code == 5);
  CHECK(plain.out.rfind("401 owner-inactive", 0) == 0);

  REQUIRE(s.run({"user", "reactivate", "alice"}).code == 0);
  CHECK(s.run({"user", "show", "alice", "--json"}).json()["last_activity_source"] == "reactivated");
  Result ok = s.run({"auth", "verify", "orders"}, "Bearer " + app);
  CHECK(ok.code == 0);
  CHECK(ok.line() == "200");
}

TEST_CASE("story 3: the owner leaves - delete refused, webhook repaired, delete succeeds") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("alice");
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "alice");
  std::string app_id = e2e::token_id(app);

  std::string before = s.dump();
  Result refused = s.run({"user", "delete", "alice", "--yes"});
  CHECK(refused.code == 4);
  CHECK(refused.err.find(app_id) != std::string::npos);
  CHECK(refused.err.find("orders") != std::string::npos);
  CHECK(refused.err.find("--transfer-to") != std::string::npos);
  CHECK(refused.err.find("token revoke") != std::string::npos);
  CHECK(s.dump() == before);

  SECTION("repair with webhook bind --app-token --owner svc") {
    Result bound = s.run({"webhook", "bind", "orders", "--app-token", "--owner", "svc"});
    REQUIRE(bound.code == 0);
    std::string fresh = bound.line();
    CHECK(fresh.rfind("hka_", 0) == 0);
    CHECK(verify(s, "orders", "Bearer " + app).code == 5);  // the old App token is revoked
    REQUIRE(s.run({"user", "delete", "alice", "--yes"}).code == 0);
    CHECK(s.run({"user", "show", "alice"}).code == 3);
    Result ok = verify(s, "orders", "Bearer " + fresh);
    CHECK(ok.code == 0);
    CHECK(ok.json()["user"] == "svc");
  }
  SECTION("repair with token rotate --owner svc") {
    Result rotated = s.run({"token", "rotate", app_id, "--owner", "svc"});
    REQUIRE(rotated.code == 0);
    std::string fresh = rotated.line();
    CHECK(e2e::token_id(fresh) == app_id);
    REQUIRE(s.run({"user", "delete", "alice", "--yes"}).code == 0);
    CHECK(verify(s, "orders", "Bearer " + fresh).code == 0);
    CHECK(verify(s, "orders", "Bearer " + app).code == 5);
  }
  SECTION("delete --transfer-to keeps the secret working") {
    REQUIRE(s.run({"user", "delete", "alice", "--transfer-to", "svc", "--yes"}).code == 0);
    Result ok = verify(s, "orders", "Bearer " + app);
    CHECK(ok.code == 0);
    CHECK(ok.json()["user"] == "svc");
  }
}

TEST_CASE("story 4: rotation with a one-hour grace") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("svc", {"--service"});
  std::string old_secret = s.token("svc");
  std::string id = e2e::token_id(old_secret);
  s.webhook("orders", "svc");
  REQUIRE(s.run({"webhook", "bind", "orders", "--token", id}).code == 0);

  Result rotated = s.run({"token", "rotate", id, "--grace", "1h", "--json"});
  REQUIRE(rotated.code == 0);
  auto j = rotated.json();
  std::string new_secret = j["secret"];
  CHECK(j["id"] == id);
  CHECK(j["previous_secret_valid_until"] == "2026-01-01T01:00:00Z");
  CHECK(j["webhooks"] == nlohmann::json::array({"orders"}));

  s.at("2026-01-01T00:59:59Z");
  CHECK(verify(s, "orders", "Bearer " + old_secret).code == 0);
  CHECK(verify(s, "orders", "Bearer " + new_secret).code == 0);
  s.at("2026-01-01T01:00:00Z");
  Result late = verify(s, "orders", "Bearer " + old_secret);
  CHECK(late.code == 5);
  CHECK(late.json()["reason"].get<std::string>().rfind("grace-ended:", 0) == 0);
  CHECK(verify(s, "orders", "Bearer " + new_secret).code == 0);
}

TEST_CASE("story 5: basic auth with the owner's name as username") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "svc", "basic");
  CHECK(verify(s, "orders", "Basic " + e2e::base64("svc:" + app)).code == 0);
  CHECK(verify(s, "orders", "basic " + e2e::base64("SVC:" + app)).code == 0);
  CHECK(verify(s, "orders", "Authorization: Basic " + e2e::base64("svc:" + app) + "\r\n").code ==
        0);
  Result wrong_user = verify(s, "orders", "Basic " + e2e::base64("mallory:" + app));
  CHECK(wrong_user.code == 5);
  CHECK(wrong_user.json()["reason"].get<std::string>().rfind("bad-username:", 0) == 0);
  Result bearer = verify(s, "orders", "Bearer " + app);
  CHECK(bearer.code == 5);
  CHECK(bearer.json()["reason"].get<std::string>().rfind("wrong-scheme:", 0) == 0);
}
