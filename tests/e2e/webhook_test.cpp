// Webhooks end to end: the installation (create), binding tokens, listing with breaks_at, the
// broken and at-risk views, and deletion.
#include <catch2/catch.hpp>
#include <set>

#include "harness.hpp"

using e2e::contains;
using e2e::keys_of;
using e2e::Result;
using e2e::Sandbox;
using e2e::starts_with;
using e2e::t0;
using nlohmann::json;

namespace {

const std::set<std::string> webhook_fields{
    "name",   "auth", "description", "token",      "token_kind",     "owner",
    "status", "code", "breaks_at",   "created_at", "previous_token", "previous_token_until"};

std::set<std::string> names_of(const json& array) {
  std::set<std::string> names;
  for (const auto& w : array) names.insert(w.at("name").get<std::string>());
  return names;
}

json webhook(const Sandbox& s, const std::string& name) {
  Result r = s.run({"webhook", "show", name, "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.json();
}

json token(const Sandbox& s, const std::string& id) {
  Result r = s.run({"token", "show", id, "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.json();
}

json list(const Sandbox& s, std::vector<std::string> args) {
  args.insert(args.begin(), {"webhook", "list"});
  args.push_back("--json");
  Result r = s.run(args);
  INFO(r.err);
  REQUIRE((r.code == 0 || r.code == 1));
  json j = r.json();
  REQUIRE(j.is_array());
  return j;
}

Result verify(const Sandbox& s, const std::string& webhook, const std::string& header) {
  return s.run({"auth", "verify", webhook, "--json"}, header);
}

std::string reason(const Result& r) {
  json j = r.json();
  return j["reason"].is_string() ? j["reason"].get<std::string>() : std::string("<null>");
}

void bind_token(const Sandbox& s, const std::string& webhook, const std::string& secret) {
  Result r = s.run({"webhook", "bind", webhook, "--token", e2e::token_id(secret)});
  INFO(r.err);
  REQUIRE(r.code == 0);
}

}  // namespace

TEST_CASE("webhook create installs a bearer webhook with an App token printed once") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  Result r = s.run({"webhook", "create", "orders", "--owner", "svc", "--description", "Shop"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::string secret = r.line();
  CHECK(r.out == secret + "\n");
  CHECK(starts_with(secret, "hka_"));
  CHECK(secret.size() == 75);
  CHECK(contains(r.err, "orders"));
  CHECK(contains(r.err, e2e::token_id(secret)));
  CHECK_FALSE(contains(r.err, secret.substr(17, 52)));

  json w = webhook(s, "orders");
  CHECK(keys_of(w) == webhook_fields);
  CHECK(w["name"] == "orders");
  CHECK(w["auth"] == "bearer");
  CHECK(w["description"] == "Shop");
  CHECK(w["token"] == e2e::token_id(secret));
  CHECK(w["token_kind"] == "app");
  CHECK(w["owner"] == "svc");
  CHECK(w["status"] == "ok");
  CHECK(w["breaks_at"] == "2026-03-02T00:00:00Z");  // the owner's inactive_at
  CHECK(w["created_at"] == t0);

  json t = token(s, e2e::token_id(secret));
  CHECK(t["kind"] == "app");
  CHECK(t["owner"] == "svc");
  CHECK(t["webhooks"] == json::array({"orders"}));
  CHECK(verify(s, "orders", "Bearer " + secret).code == 0);
}

TEST_CASE("webhook create --json carries the webhook, its App token and the secret") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  Result r = s.run({"webhook", "create", "legacy", "--owner", "svc", "--auth", "basic", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  json j = r.json();
  CHECK(j["name"] == "legacy");
  CHECK(j["auth"] == "basic");
  CHECK(j["description"].is_null());
  CHECK(j["token_kind"] == "app");
  CHECK(j["owner"] == "svc");
  std::string secret = j["secret"];
  CHECK(starts_with(secret, "hka_"));
  CHECK(j["token"] == e2e::token_id(secret));
  CHECK(webhook(s, "legacy")["auth"] == "basic");
  CHECK(verify(s, "legacy", "Basic " + e2e::base64("svc:" + secret)).code == 0);

  std::string before = s.dump();
  CHECK(s.run({"webhook", "create", "other", "--owner", "svc", "--auth", "digest"}).code == 2);
  CHECK(s.dump() == before);
}

TEST_CASE("webhook create refuses a duplicate name, case-insensitively") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  s.webhook("Orders", "svc");
  std::string before = s.dump();
  for (const char* dup : {"Orders", "orders", "ORDERS"}) {
    INFO(dup);
    Result r = s.run({"webhook", "create", dup, "--owner", "svc"});
    CHECK(r.code == 4);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "Orders"));
  }
  CHECK(s.run({"webhook", "create", "orders", "--owner", "svc", "--json"})
            .error_json()["error"]["code"] == "conflict");
  CHECK(s.dump() == before);
  CHECK(webhook(s, "orders")["name"] == "Orders");  // shown as first written

  for (const char* bad : {"", "a b", "x!", "_lead", "\xc3\xa9t\xc3\xa9"}) {
    INFO("name '" << bad << "'");
    CHECK(s.run({"webhook", "create", bad, "--owner", "svc"}).code == 2);
  }
  CHECK(s.run({"webhook", "create", std::string(65, 'a'), "--owner", "svc"}).code == 2);
  CHECK(s.dump() == before);
  s.webhook(std::string(64, 'a'), "svc");
}

TEST_CASE("webhook create needs an existing, active owner") {
  Sandbox s;
  s.at(t0);
  s.user("alice");
  s.at("2026-03-02T00:00:00Z");
  std::string before = s.dump();
  Result inactive = s.run({"webhook", "create", "orders", "--owner", "alice"});
  CHECK(inactive.code == 4);
  CHECK(inactive.out.empty());
  CHECK(contains(inactive.err, "alice"));
  Result unknown = s.run({"webhook", "create", "orders", "--owner", "ghost"});
  CHECK(unknown.code == 3);
  CHECK(unknown.out.empty());
  CHECK(s.dump() == before);
  CHECK(s.run({"webhook", "show", "orders"}).code == 3);

  Sandbox fresh;
  CHECK(fresh.run({"webhook", "create", "orders", "--owner", "ghost"}).code == 3);
  CHECK_FALSE(std::filesystem::exists(fresh.db));
}

TEST_CASE("webhook bind --token revokes the previous App token") {
  Sandbox s;
  s.at(t0);
  s.user("alice");
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "alice");
  std::string api = s.token("svc");

  Result r = s.run({"webhook", "bind", "orders", "--token", e2e::token_id(api)});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out + r.err, e2e::token_id(app)));  // says the App token is revoked
  CHECK_FALSE(contains(r.out + r.err, api.substr(17, 52)));

  json w = webhook(s, "orders");
  CHECK(w["token"] == e2e::token_id(api));
  CHECK(w["token_kind"] == "api");
  CHECK(w["owner"] == "svc");
  json old = token(s, e2e::token_id(app));
  CHECK(old["status"] == "revoked");
  CHECK(old["revoked_at"] == t0);
  CHECK(old["webhooks"] == json::array());
  Result old_call = verify(s, "orders", "Bearer " + app);
  CHECK(old_call.code == 5);
  CHECK(starts_with(reason(old_call), "revoked:"));
  Result ok = verify(s, "orders", "Bearer " + api);
  CHECK(ok.code == 0);
  CHECK(ok.json()["user"] == "svc");
  CHECK(s.run({"user", "show", "alice", "--json"}).json()["tokens"] == 0);

  // --json prints the webhook object; binding the same token again changes nothing.
  std::string before = s.dump();
  Result again = s.run({"webhook", "bind", "orders", "--token", e2e::token_id(api), "--json"});
  CHECK(again.code == 0);
  CHECK(again.json()["token"] == e2e::token_id(api));
  CHECK(s.dump() == before);
}

TEST_CASE("webhook bind --token only unbinds a previous integration token") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string first = s.token("svc");
  std::string second = s.token("svc");
  s.webhook("orders", "svc");
  s.webhook("billing", "svc");
  bind_token(s, "orders", first);
  bind_token(s, "billing", first);
  CHECK(token(s, e2e::token_id(first))["webhooks"] == json::array({"billing", "orders"}));

  Result r = s.run({"webhook", "bind", "orders", "--token", e2e::token_id(second)});
  INFO(r.err);
  REQUIRE(r.code == 0);
  json t = token(s, e2e::token_id(first));
  CHECK(t["status"] == "active");
  CHECK(t["revoked_at"].is_null());
  CHECK(t["webhooks"] == json::array({"billing"}));
  CHECK(verify(s, "billing", "Bearer " + first).code == 0);
  Result unbound = verify(s, "orders", "Bearer " + first);
  CHECK(unbound.code == 5);
  CHECK(starts_with(reason(unbound), "not-bound:"));
  CHECK(verify(s, "orders", "Bearer " + second).code == 0);
}

TEST_CASE("webhook bind refuses app tokens of other webhooks and unusable tokens") {
  Sandbox s;
  s.at(t0);
  s.user("bob");  // inactive by the time of the binds
  std::string bobs = s.token("bob");
  s.at("2026-01-31T00:00:00Z");
  s.user("svc", {"--service"});
  std::string orders_app = s.webhook("orders", "svc");
  std::string billing_app = s.webhook("billing", "svc");
  std::string revoked = s.token("svc");
  REQUIRE(s.run({"token", "revoke", e2e::token_id(revoked), "--yes"}).code == 0);
  Result e = s.run({"token", "create", "--user", "svc", "--expires-in", "1d", "--json"});
  REQUIRE(e.code == 0);
  std::string expired = e.json()["secret"];

  s.at("2026-03-02T00:00:00Z");
  std::string before = s.dump();
  const std::vector<std::pair<std::string, std::string>> refused{
      {"another webhook's App token", billing_app},
      {"a revoked token", revoked},
      {"an expired token", expired},
      {"a token of an inactive account", bobs},
  };
  for (const auto& [what, secret] : refused) {
    INFO(what);
    Result r = s.run({"webhook", "bind", "orders", "--token", e2e::token_id(secret)});
    CHECK(r.code == 4);
    CHECK(r.out.empty());
    CHECK(contains(r.err, e2e::token_id(secret)));
    CHECK(s.run({"webhook", "bind", "orders", "--token", e2e::token_id(secret), "--json"})
              .error_json()["error"]["code"] == "conflict");
  }
  CHECK(s.run({"webhook", "bind", "orders", "--token", "nosuchtoken1"}).code == 3);
  CHECK(s.run({"webhook", "bind", "ghost", "--token", e2e::token_id(revoked)}).code == 3);
  CHECK(s.dump() == before);
  CHECK(verify(s, "orders", "Bearer " + orders_app).code == 0);
  CHECK(verify(s, "billing", "Bearer " + billing_app).code == 0);
}

TEST_CASE("webhook bind --app-token --owner issues a new App token printed once") {
  Sandbox s;
  s.at(t0);
  s.user("old");  // inactive later
  s.at("2026-01-31T00:00:00Z");
  s.user("alice");
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "alice");
  std::string api = s.token("svc");
  s.webhook("billing", "svc");
  bind_token(s, "billing", api);

  s.at("2026-03-02T00:00:00Z");
  std::string before = s.dump();
  CHECK(s.run({"webhook", "bind", "orders", "--app-token", "--owner", "old"}).code == 4);
  CHECK(s.run({"webhook", "bind", "orders", "--app-token", "--owner", "ghost"}).code == 3);
  CHECK(s.run({"webhook", "bind", "ghost", "--app-token", "--owner", "svc"}).code == 3);
  const std::vector<std::vector<std::string>> usage{
      {"webhook", "bind", "orders", "--token", e2e::token_id(api), "--app-token", "--owner", "svc"},
      {"webhook", "bind", "orders", "--token", e2e::token_id(api), "--app-token"},
      {"webhook", "bind", "orders", "--app-token"},
      {"webhook", "bind", "orders", "--owner", "svc"},
      {"webhook", "bind", "orders"},
  };
  for (const auto& args : usage) {
    Result r = s.run(args);
    INFO(args.size() << " args: " << r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
  }
  CHECK(s.dump() == before);

  Result r = s.run({"webhook", "bind", "orders", "--app-token", "--owner", "svc"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::string fresh = r.line();
  CHECK(r.out == fresh + "\n");
  CHECK(starts_with(fresh, "hka_"));
  CHECK(fresh.size() == 75);
  CHECK(e2e::token_id(fresh) != e2e::token_id(app));
  json w = webhook(s, "orders");
  CHECK(w["token"] == e2e::token_id(fresh));
  CHECK(w["token_kind"] == "app");
  CHECK(w["owner"] == "svc");
  CHECK(token(s, e2e::token_id(app))["status"] == "revoked");
  CHECK(verify(s, "orders", "Bearer " + fresh).code == 0);
  CHECK(verify(s, "orders", "Bearer " + app).code == 5);

  // On a webhook with an integration token: the integration token stays valid elsewhere.
  s.webhook("reports", "svc");
  bind_token(s, "reports", api);
  Result j = s.run({"webhook", "bind", "reports", "--app-token", "--owner", "svc", "--json"});
  REQUIRE(j.code == 0);
  std::string reports_app = j.json()["secret"];
  CHECK(starts_with(reports_app, "hka_"));
  CHECK(j.json()["token"] == e2e::token_id(reports_app));
  json t = token(s, e2e::token_id(api));
  CHECK(t["status"] == "active");
  CHECK(t["webhooks"] == json::array({"billing"}));
  CHECK(verify(s, "billing", "Bearer " + api).code == 0);
  CHECK(verify(s, "reports", "Bearer " + reports_app).code == 0);
  CHECK(verify(s, "reports", "Bearer " + api).code == 5);
}

TEST_CASE("webhook bind --grace keeps the replaced token accepted and says until when") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  s.user("svc2", {"--service"});
  std::string app = s.webhook("orders", "svc");
  std::string api = s.token("svc2");

  for (const char* bad : {"1x", "-1h"}) {
    INFO("--grace " << bad);
    CHECK(
        s.run({"webhook", "bind", "orders", "--token", e2e::token_id(api), "--grace", bad}).code ==
        2);
  }
  Result r = s.run(
      {"webhook", "bind", "orders", "--token", e2e::token_id(api), "--grace", "1h", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  json b = r.json();
  CHECK(b["token"] == e2e::token_id(api));
  CHECK(b["changed"] == true);
  CHECK(b["previous_token"] == e2e::token_id(app));
  CHECK(b["previous_token_until"] == "2026-01-01T01:00:00Z");
  CHECK(b["replaced"] == json{{"token", e2e::token_id(app)},
                              {"kind", "app"},
                              {"accepted_until", "2026-01-01T01:00:00Z"},
                              {"revoked", false}});
  CHECK(b["basic_username_changed"].is_null());
  CHECK(verify(s, "orders", "Bearer " + app).code == 0);
  CHECK(verify(s, "orders", "Bearer " + api).code == 0);
  CHECK(webhook(s, "orders")["previous_token_until"] == "2026-01-01T01:00:00Z");
  s.at("2026-01-01T01:00:00Z");
  CHECK(verify(s, "orders", "Bearer " + app).code == 5);
  CHECK(verify(s, "orders", "Bearer " + api).code == 0);
  CHECK(webhook(s, "orders")["previous_token"].is_null());
  CHECK(token(s, e2e::token_id(app))["status"] == "expired");

  // Without --grace the text says the replaced token is refused from now on.
  std::string other = s.token("svc2");
  Result plain = s.run({"webhook", "bind", "orders", "--token", e2e::token_id(other)});
  REQUIRE(plain.code == 0);
  CHECK(contains(plain.out, "Callers still sending token " + e2e::token_id(api) +
                                " (api) are refused from now on."));
}

TEST_CASE("webhook bind of the bound token after its revocation is a conflict") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string api = s.token("svc");
  s.webhook("orders", "svc");
  bind_token(s, "orders", api);
  REQUIRE(s.run({"token", "revoke", e2e::token_id(api), "--yes"}).code == 0);
  std::string before = s.dump();
  Result r = s.run({"webhook", "bind", "orders", "--token", e2e::token_id(api)});
  CHECK(r.code == 4);
  CHECK(contains(r.err, "is revoked, so webhook orders is broken"));
  CHECK(r.out.empty());
  CHECK(s.dump() == before);
}

TEST_CASE("webhook bind of the bound token after it expired is a conflict") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  Result issued = s.run({"token", "create", "--user", "svc", "--expires-in", "1d"});
  REQUIRE(issued.code == 0);
  const std::string api = issued.line();
  s.webhook("orders", "svc");
  bind_token(s, "orders", api);
  s.at("2026-01-03T00:00:00Z");  // a day after the token expired
  const std::string before = s.dump();
  Result r = s.run({"webhook", "bind", "orders", "--token", e2e::token_id(api)});
  CHECK(r.code == 4);
  CHECK(contains(r.err, "expired"));
  CHECK(r.out.empty());
  CHECK(s.dump() == before);
}

TEST_CASE("changes of a Basic-auth username are announced by bind and rotate --owner") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  s.user("svc2", {"--service"});
  REQUIRE(s.run({"webhook", "create", "basic-hook", "--owner", "svc", "--auth", "basic"}).code ==
          0);
  Result b = s.run({"webhook", "bind", "basic-hook", "--app-token", "--owner", "svc2", "--json"});
  REQUIRE(b.code == 0);
  CHECK(b.json()["basic_username_changed"] == json{{"from", "svc"}, {"to", "svc2"}});
  Result t = s.run({"webhook", "bind", "basic-hook", "--app-token", "--owner", "svc"});
  REQUIRE(t.code == 0);
  CHECK(contains(t.err, "its callers must now send username svc (not svc2)"));

  std::string api = s.token("svc");
  bind_token(s, "basic-hook", api);
  Result moved = s.run({"token", "rotate", e2e::token_id(api), "--owner", "svc2", "--json"});
  REQUIRE(moved.code == 0);
  CHECK(moved.json()["basic_webhooks_username_changed"] == json::array({"basic-hook"}));
  Result back = s.run({"token", "rotate", e2e::token_id(api), "--owner", "svc"});
  REQUIRE(back.code == 0);
  CHECK(contains(back.err,
                 "webhook basic-hook uses Basic auth; its callers must now send "
                 "username svc (not svc2)"));
}

TEST_CASE("webhook list and show report breaks_at and status") {
  Sandbox s;
  s.at(t0);
  s.user("alice");
  s.user("svc", {"--service"});
  s.user("carol");
  s.webhook("app-hook", "alice");  // breaks when alice goes inactive: 2026-03-02
  Result r = s.run({"token", "create", "--user", "svc", "--expires-in", "10d", "--json"});
  REQUIRE(r.code == 0);
  std::string short_lived = r.json()["secret"];
  r = s.run({"token", "create", "--user", "svc", "--expires-in", "100d", "--json"});
  REQUIRE(r.code == 0);
  std::string long_lived = r.json()["secret"];
  s.webhook("expiring", "svc");
  bind_token(s, "expiring", short_lived);  // breaks at the expiry: 2026-01-11
  s.webhook("owner-bound", "svc");
  bind_token(s, "owner-bound", long_lived);  // breaks when svc goes inactive: 2026-03-02
  std::string revoked = s.webhook("revoked", "svc");
  s.at("2026-01-01T06:00:00Z");
  REQUIRE(s.run({"token", "revoke", e2e::token_id(revoked), "--yes"}).code == 0);
  // A webhook without any token: its owner's only (revoked) token goes with the deleted owner.
  std::string carols = s.webhook("orphan", "carol");
  REQUIRE(s.run({"token", "revoke", e2e::token_id(carols), "--yes"}).code == 0);
  REQUIRE(s.run({"user", "delete", "carol", "--yes"}).code == 0);

  s.at("2026-01-02T00:00:00Z");
  json all = list(s, {});
  REQUIRE(all.size() == 5);
  std::map<std::string, json> by_name;
  for (const auto& w : all) {
    CHECK(keys_of(w) == webhook_fields);
    by_name[w["name"].get<std::string>()] = w;
  }
  CHECK(by_name["app-hook"]["breaks_at"] == "2026-03-02T00:00:00Z");
  CHECK(by_name["app-hook"]["status"] == "ok");
  CHECK(by_name["app-hook"]["code"].is_null());
  CHECK(by_name["expiring"]["breaks_at"] == "2026-01-11T00:00:00Z");
  CHECK(by_name["expiring"]["status"] == "ok");
  CHECK(by_name["expiring"]["token_kind"] == "api");
  CHECK(by_name["owner-bound"]["breaks_at"] == "2026-03-02T00:00:00Z");
  CHECK(by_name["revoked"]["breaks_at"] == "2026-01-01T06:00:00Z");
  CHECK(by_name["revoked"]["status"] == "broken");
  CHECK(by_name["revoked"]["code"] == "revoked");
  CHECK(by_name["revoked"]["token"] == e2e::token_id(revoked));
  CHECK(by_name["orphan"]["token"].is_null());
  CHECK(by_name["orphan"]["token_kind"].is_null());
  CHECK(by_name["orphan"]["owner"].is_null());
  CHECK(by_name["orphan"]["breaks_at"].is_null());
  CHECK(by_name["orphan"]["status"] == "broken");
  CHECK(by_name["orphan"]["code"] == "not-bound");
  // show returns the same object as the list.
  for (const auto& [name, w] : by_name) CHECK(webhook(s, name) == w);
  CHECK(s.run({"webhook", "show", "ghost"}).code == 3);
  CHECK(s.run({"webhook", "show", "ghost", "--json"}).error_json()["error"]["code"] == "not_found");

  // Activity moves breaks_at: a call through app-hook keeps alice active 60 more days.
  s.at("2026-01-10T00:00:00Z");
  std::string app_secret;
  {
    Result rot = s.run({"token", "rotate", by_name["app-hook"]["token"].get<std::string>()});
    REQUIRE(rot.code == 0);
    app_secret = rot.line();
  }
  REQUIRE(verify(s, "app-hook", "Bearer " + app_secret).code == 0);
  CHECK(webhook(s, "app-hook")["breaks_at"] == "2026-03-11T00:00:00Z");

  // Past its breaks_at a webhook is broken; breaks_at is then in the past.
  s.at("2026-01-11T00:00:00Z");
  json e = webhook(s, "expiring");
  CHECK(e["status"] == "broken");
  CHECK(e["code"] == "expired");
  CHECK(e["breaks_at"] == "2026-01-11T00:00:00Z");
  s.at("2026-03-02T00:00:00Z");
  CHECK(webhook(s, "owner-bound")["status"] == "broken");
  CHECK(webhook(s, "owner-bound")["code"] == "owner-inactive");
  CHECK(webhook(s, "app-hook")["status"] == "ok");

  // The human listing names them all.
  Result plain = s.run({"webhook", "list"});
  REQUIRE(plain.code == 0);
  for (const char* n : {"app-hook", "expiring", "owner-bound", "revoked", "orphan"})
    CHECK(contains(plain.out, n));
}

TEST_CASE("webhook list --broken, --at-risk and --exit-code") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  SECTION("nothing to report") {
    s.webhook("orders", "svc");
    Result b = s.run({"webhook", "list", "--broken", "--exit-code", "--json"});
    CHECK(b.code == 0);
    CHECK(b.json() == json::array());
    CHECK(s.run({"webhook", "list", "--at-risk", "14d", "--exit-code"}).code == 0);
    CHECK(s.run({"webhook", "list", "--exit-code"}).code == 1);
    CHECK(s.run({"webhook", "list", "--broken"}).code == 0);
  }
  SECTION("broken and at-risk webhooks") {
    s.webhook("healthy", "svc");  // breaks 2026-03-02
    Result r = s.run({"token", "create", "--user", "svc", "--expires-in", "10d", "--json"});
    REQUIRE(r.code == 0);
    s.webhook("expiring", "svc");
    bind_token(s, "expiring", r.json()["secret"].get<std::string>());  // breaks 2026-01-11
    std::string dead = s.webhook("dead", "svc");
    REQUIRE(s.run({"token", "revoke", e2e::token_id(dead), "--yes"}).code == 0);

    s.at("2026-01-02T00:00:00Z");
    CHECK(names_of(list(s, {"--broken"})) == std::set<std::string>{"dead"});
    CHECK(names_of(list(s, {"--at-risk", "8d"})) == std::set<std::string>{"dead"});
    // Inclusive: expiring breaks exactly 9 days from now.
    CHECK(names_of(list(s, {"--at-risk", "9d"})) == std::set<std::string>{"dead", "expiring"});
    CHECK(names_of(list(s, {"--at-risk", "59d"})) ==
          std::set<std::string>{"dead", "expiring", "healthy"});
    Result found = s.run({"webhook", "list", "--broken", "--exit-code", "--json"});
    CHECK(found.code == 1);
    CHECK(names_of(found.json()) == std::set<std::string>{"dead"});
    CHECK(s.run({"webhook", "list", "--at-risk", "9d", "--exit-code"}).code == 1);

    s.at("2026-01-11T00:00:00Z");
    CHECK(names_of(list(s, {"--broken"})) == std::set<std::string>{"dead", "expiring"});

    CHECK(s.run({"webhook", "list", "--broken", "--at-risk", "1d"}).code == 2);
    CHECK(s.run({"webhook", "list", "--at-risk", "soon"}).code == 2);
    CHECK(s.run({"webhook", "list", "--at-risk"}).code == 2);
  }
}

TEST_CASE("webhook delete revokes its App token and leaves an integration token valid") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "svc");
  std::string api = s.token("svc");
  s.webhook("billing", "svc");
  s.webhook("reports", "svc");
  bind_token(s, "billing", api);
  bind_token(s, "reports", api);

  std::string before = s.dump();
  Result no = s.run({"webhook", "delete", "orders"});
  CHECK(no.code == 2);
  CHECK(s.dump() == before);
  CHECK(s.run({"webhook", "delete", "ghost", "--yes"}).code == 3);
  CHECK(s.dump() == before);

  s.at("2026-01-01T01:00:00Z");
  Result r = s.run({"webhook", "delete", "orders", "--yes"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out + r.err, e2e::token_id(app)));
  CHECK(s.run({"webhook", "show", "orders"}).code == 3);
  json t = token(s, e2e::token_id(app));
  CHECK(t["status"] == "revoked");
  CHECK(t["revoked_at"] == "2026-01-01T01:00:00Z");
  CHECK(t["webhooks"] == json::array());
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + app).code == 3);

  Result j = s.run({"webhook", "delete", "billing", "--yes", "--json"});
  REQUIRE(j.code == 0);
  json i = token(s, e2e::token_id(api));
  CHECK(i["status"] == "active");
  CHECK(i["revoked_at"].is_null());
  CHECK(i["webhooks"] == json::array({"reports"}));
  CHECK(verify(s, "reports", "Bearer " + api).code == 0);

  // The name is free again.
  std::string again = s.webhook("orders", "svc");
  CHECK(verify(s, "orders", "Bearer " + again).code == 0);
  CHECK(verify(s, "orders", "Bearer " + app).code == 5);
}

TEST_CASE("webhook list --owner and --token keep the webhooks of one account or one token") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  s.user("alice");
  std::string api = s.token("svc");
  s.webhook("orders", "svc");
  s.webhook("billing", "alice");
  s.webhook("refunds", "svc");
  bind_token(s, "refunds", api);
  CHECK(names_of(list(s, {"--owner", "SVC"})) == std::set<std::string>{"orders", "refunds"});
  CHECK(names_of(list(s, {"--owner", "alice"})) == std::set<std::string>{"billing"});
  CHECK(names_of(list(s, {"--token", e2e::token_id(api)})) == std::set<std::string>{"refunds"});
  CHECK(list(s, {"--owner", "alice", "--token", e2e::token_id(api)}).empty());
  CHECK(s.run({"webhook", "list", "--owner", "nobody"}).code == 3);
  CHECK(s.run({"webhook", "list", "--token", "nosuchtoken1"}).code == 3);
}
