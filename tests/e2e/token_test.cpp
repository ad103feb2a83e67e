// Tokens end to end: create, list (every filter), show, rotate, revoke, and the refusal to delete
// a user that still has tokens.
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

std::set<std::string> ids_of(const json& array) {
  std::set<std::string> ids;
  for (const auto& t : array) ids.insert(t.at("id").get<std::string>());
  return ids;
}

// `token list ARGS --json`, REQUIREd to succeed (exit 0 or, with --exit-code, 1).
json list(const Sandbox& s, std::vector<std::string> args) {
  args.insert(args.begin(), {"token", "list"});
  args.push_back("--json");
  Result r = s.run(args);
  INFO(r.err);
  REQUIRE((r.code == 0 || r.code == 1));
  json j = r.json();
  REQUIRE(j.is_array());
  return j;
}

json show(const Sandbox& s, const std::string& id) {
  Result r = s.run({"token", "show", id, "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.json();
}

Result verify(const Sandbox& s, const std::string& webhook, const std::string& header) {
  return s.run({"auth", "verify", webhook, "--json"}, header);
}

std::string reason(const Result& r) {
  json j = r.json();
  return j["reason"].is_string() ? j["reason"].get<std::string>() : std::string("<null>");
}

const std::set<std::string> token_fields{
    "id",         "kind",         "owner",      "name",       "status",
    "created_at", "last_used_at", "expires_at", "revoked_at", "previous_secret_valid_until",
    "webhooks"};

void bind_token(const Sandbox& s, const std::string& webhook, const std::string& secret) {
  Result r = s.run({"webhook", "bind", webhook, "--token", e2e::token_id(secret)});
  INFO(r.err);
  REQUIRE(r.code == 0);
}

}  // namespace

TEST_CASE("token create prints the secret alone on stdout and the message on stderr") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  Result r = s.run({"token", "create", "--user", "svc", "--name", "orders-sync"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::string secret = r.line();
  CHECK(r.out == secret + "\n");  // one line, nothing else
  CHECK(starts_with(secret, "hki_"));
  CHECK(secret.size() == 75);
  CHECK(secret.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567_") == std::string::npos);
  std::string id = e2e::token_id(secret);
  CHECK(secret[16] == '_');
  CHECK_FALSE(r.err.empty());
  CHECK(contains(r.err, id));
  CHECK_FALSE(contains(r.err, secret));
  CHECK_FALSE(contains(r.err, secret.substr(17, 52)));

  json t = show(s, id);
  CHECK(t["kind"] == "api");
  CHECK(t["owner"] == "svc");
  CHECK(t["name"] == "orders-sync");

  // A second token is a different one.
  std::string other = s.token("svc");
  CHECK(other != secret);
  CHECK(e2e::token_id(other) != id);
}

TEST_CASE("token create --json has every token field plus the secret") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  Result r = s.run({"token", "create", "--user", "svc", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  json j = r.json();
  REQUIRE(j.is_object());
  std::set<std::string> expected = token_fields;
  expected.insert("secret");
  CHECK(keys_of(j) == expected);
  std::string secret = j["secret"];
  CHECK(starts_with(secret, "hki_"));
  CHECK(secret.size() == 75);
  CHECK(j["id"] == e2e::token_id(secret));
  CHECK(j["kind"] == "api");
  CHECK(j["owner"] == "svc");
  CHECK(j["name"].is_null());
  CHECK(j["status"] == "active");
  CHECK(j["created_at"] == t0);
  CHECK(j["last_used_at"].is_null());
  CHECK(j["expires_at"].is_null());
  CHECK(j["revoked_at"].is_null());
  CHECK(j["previous_secret_valid_until"].is_null());
  CHECK(j["webhooks"] == json::array());
  // The secret is usable once bound.
  s.webhook("orders", "svc");
  bind_token(s, "orders", secret);
  CHECK(verify(s, "orders", "Bearer " + secret).code == 0);
}

TEST_CASE("token create --expires-in sets expires_at and rejects bad durations") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  Result r = s.run({"token", "create", "--user", "svc", "--expires-in", "90d", "--json"});
  REQUIRE(r.code == 0);
  CHECK(r.json()["expires_at"] == "2026-04-01T00:00:00Z");
  r = s.run({"token", "create", "--user", "svc", "--expires-in", "1d12h", "--json"});
  REQUIRE(r.code == 0);
  CHECK(r.json()["expires_at"] == "2026-01-02T12:00:00Z");

  std::string before = s.dump();
  for (const char* bad : {"10x", "", "d", "-1d", "36501d", "1.5d"}) {
    Result b = s.run({"token", "create", "--user", "svc", "--expires-in", bad});
    INFO("--expires-in '" << bad << "': " << b.err);
    CHECK(b.code == 2);
    CHECK(b.out.empty());
  }
  CHECK(s.dump() == before);

  // The token expires at that instant.
  std::string secret = r.json()["secret"];
  s.at("2026-01-02T11:59:59Z");
  CHECK(show(s, e2e::token_id(secret))["status"] == "active");
  s.at("2026-01-02T12:00:00Z");
  CHECK(show(s, e2e::token_id(secret))["status"] == "expired");
}

TEST_CASE("token create refuses an inactive user with 4 and an unknown user with 3") {
  Sandbox s;
  s.at(t0);
  s.user("alice");
  s.at("2026-03-02T00:00:00Z");  // 60 days later: inactive
  std::string before = s.dump();
  Result r = s.run({"token", "create", "--user", "alice"});
  CHECK(r.code == 4);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "alice"));
  CHECK(contains(r.err, "inactive"));
  CHECK(s.dump() == before);

  Result j = s.run({"token", "create", "--user", "alice", "--json"});
  CHECK(j.code == 4);
  CHECK(j.out.empty());
  CHECK(j.error_json()["error"]["code"] == "conflict");

  Result unknown = s.run({"token", "create", "--user", "ghost"});
  CHECK(unknown.code == 3);
  CHECK(unknown.out.empty());
  CHECK(contains(unknown.err, "ghost"));
  CHECK(s.dump() == before);

  // A failing token create does not even create the store.
  Sandbox fresh;
  Result none = fresh.run({"token", "create", "--user", "ghost"});
  CHECK(none.code == 3);
  CHECK_FALSE(std::filesystem::exists(fresh.db));
}

TEST_CASE("token show never shows the secret") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string secret = s.token("svc");
  std::string app = s.webhook("orders", "svc");
  for (const std::string& sec : {secret, app}) {
    std::string id = e2e::token_id(sec);
    Result plain = s.run({"token", "show", id});
    INFO(plain.err);
    REQUIRE(plain.code == 0);
    CHECK(contains(plain.out, id));
    CHECK_FALSE(contains(plain.out + plain.err, sec));
    CHECK_FALSE(contains(plain.out + plain.err, sec.substr(17, 52)));
    Result j = s.run({"token", "show", id, "--json"});
    REQUIRE(j.code == 0);
    CHECK(keys_of(j.json()) == token_fields);
    CHECK_FALSE(contains(j.out + j.err, sec.substr(17, 52)));
  }
  json a = show(s, e2e::token_id(app));
  CHECK(a["kind"] == "app");
  CHECK(a["owner"] == "svc");
  CHECK(a["webhooks"] == json::array({"orders"}));
}

TEST_CASE("token list filters by user, webhook, kind, status and expiry") {
  Sandbox s;
  // bob is created 30 days before the others, so that at the check time he alone is inactive.
  s.at(t0);
  s.user("bob");
  std::string bob = s.token("bob");
  s.at("2026-01-31T00:00:00Z");
  s.user("svc", {"--service"});
  s.user("alice");
  std::string api = s.token("svc");
  std::string orders_app = s.webhook("orders", "alice");
  std::string billing_app = s.webhook("billing", "alice");
  bind_token(s, "orders", api);  // revokes orders_app
  Result r = s.run({"token", "create", "--user", "svc", "--expires-in", "1d", "--json"});
  REQUIRE(r.code == 0);
  std::string expired = r.json()["secret"];
  r = s.run({"token", "create", "--user", "svc", "--expires-in", "40d", "--json"});
  REQUIRE(r.code == 0);
  std::string soon = r.json()["secret"];  // expires 2026-03-12
  std::string revoked = s.token("svc");
  REQUIRE(s.run({"token", "revoke", e2e::token_id(revoked), "--yes"}).code == 0);

  s.at("2026-03-02T00:00:00Z");
  auto id = [](const std::string& secret) { return e2e::token_id(secret); };
  const std::string i_bob = id(bob), i_api = id(api), i_oapp = id(orders_app),
                    i_bapp = id(billing_app), i_exp = id(expired), i_soon = id(soon),
                    i_rev = id(revoked);

  CHECK(ids_of(list(s, {})) == std::set<std::string>{i_bob, i_api, i_bapp, i_exp, i_soon});
  CHECK(ids_of(list(s, {"--all"})) ==
        std::set<std::string>{i_bob, i_api, i_oapp, i_bapp, i_exp, i_soon, i_rev});
  CHECK(ids_of(list(s, {"--user", "svc"})) == std::set<std::string>{i_api, i_exp, i_soon});
  CHECK(ids_of(list(s, {"--user", "svc", "--all"})) ==
        std::set<std::string>{i_api, i_exp, i_soon, i_rev});
  CHECK(ids_of(list(s, {"--user", "alice"})) == std::set<std::string>{i_bapp});
  CHECK(ids_of(list(s, {"--webhook", "orders"})) == std::set<std::string>{i_api});
  CHECK(ids_of(list(s, {"--webhook", "billing"})) == std::set<std::string>{i_bapp});
  CHECK(ids_of(list(s, {"--kind", "app"})) == std::set<std::string>{i_bapp});
  CHECK(ids_of(list(s, {"--kind", "app", "--all"})) == std::set<std::string>{i_oapp, i_bapp});
  CHECK(ids_of(list(s, {"--kind", "api"})) == std::set<std::string>{i_bob, i_api, i_exp, i_soon});

  const std::map<std::string, std::set<std::string>> by_status{
      {"active", {i_api, i_bapp, i_soon}},
      {"expired", {i_exp}},
      {"revoked", {i_oapp, i_rev}},
      {"owner-inactive", {i_bob}},
  };
  for (const auto& [status, expected] : by_status) {
    INFO("--status " << status);
    json l = list(s, {"--status", status});
    CHECK(ids_of(l) == expected);
    for (const auto& t : l) CHECK(t["status"] == status);
  }
  CHECK(ids_of(list(s, {"--user", "svc", "--status", "expired"})) == std::set<std::string>{i_exp});

  // Every element is a full token object, never with a secret.
  for (const auto& t : list(s, {"--all"})) CHECK(keys_of(t) == token_fields);

  // --expiring-within is inclusive: soon expires exactly 10 days from now.
  CHECK(ids_of(list(s, {"--expiring-within", "10d"})) == std::set<std::string>{i_soon});
  CHECK(list(s, {"--expiring-within", "9d"}).empty());
  CHECK(list(s, {"--expiring-within", "239h59m"}).empty());

  // --exit-code: 1 when the list is not empty, 0 when it is.
  Result found = s.run({"token", "list", "--expiring-within", "10d", "--exit-code", "--json"});
  CHECK(found.code == 1);
  CHECK(ids_of(found.json()) == std::set<std::string>{i_soon});
  Result empty = s.run({"token", "list", "--expiring-within", "9d", "--exit-code", "--json"});
  CHECK(empty.code == 0);
  CHECK(empty.json() == json::array());
  CHECK(s.run({"token", "list", "--exit-code"}).code == 1);
  CHECK(s.run({"token", "list", "--status", "revoked", "--exit-code"}).code == 1);
  CHECK(s.run({"token", "list", "--user", "alice", "--kind", "api", "--exit-code"}).code == 0);
  CHECK(s.run({"token", "list", "--expiring-within", "9d"}).code == 0);

  // The human table lists the same tokens; revoked ones only with --all.
  Result table = s.run({"token", "list"});
  REQUIRE(table.code == 0);
  CHECK(contains(table.out, i_api));
  CHECK(contains(table.out, i_bob));
  CHECK_FALSE(contains(table.out, i_rev));
  CHECK_FALSE(contains(table.out, i_oapp));
  Result all = s.run({"token", "list", "--all"});
  REQUIRE(all.code == 0);
  CHECK(contains(all.out, i_rev));

  // Bad filter values are usage errors; unknown user or webhook is not found.
  CHECK(s.run({"token", "list", "--status", "bogus"}).code == 2);
  CHECK(s.run({"token", "list", "--kind", "personal"}).code == 2);
  CHECK(s.run({"token", "list", "--expiring-within", "soon"}).code == 2);
  CHECK(s.run({"token", "list", "--user", "ghost"}).code == 3);
  CHECK(s.run({"token", "list", "--webhook", "ghost"}).code == 3);
}

TEST_CASE("an unknown token id is exit 3 whatever its shape") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string secret = s.token("svc");
  s.webhook("orders", "svc");
  std::string before = s.dump();
  const std::vector<std::string> shapes{
      "x!",
      "",
      "zzzzzzzzzzzz",
      "aaaa",
      e2e::token_id(secret) + " ",
      "' OR 1=1 --",
      "%s%n",
      std::string(5000, 'a'),
      "\xc3\xa9t\xc3\xa9",
  };
  for (const auto& id : shapes) {
    INFO("id '" << id << "'");
    Result show_r = s.run({"token", "show", id});
    CHECK(show_r.code == 3);
    CHECK(show_r.out.empty());
    CHECK_FALSE(show_r.err.empty());
    Result j = s.run({"token", "show", id, "--json"});
    CHECK(j.code == 3);
    CHECK(j.error_json()["error"]["code"] == "not_found");
    CHECK(s.run({"token", "rotate", id}).code == 3);
    CHECK(s.run({"token", "revoke", id, "--yes"}).code == 3);
    CHECK(s.run({"webhook", "bind", "orders", "--token", id}).code == 3);
  }
  // A whole secret given as an id is refused as an argument before any look-up (exit 2) and
  // never echoed: see the hostile corpus, group "secrets given as ids".
  Result r = s.run({"token", "show", secret});
  CHECK(r.code == 2);
  CHECK_FALSE(e2e::contains(r.err, secret));
  CHECK(s.dump() == before);
}

TEST_CASE("token rotate keeps the id and webhook bindings with a new secret") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string old_secret = s.token("svc");
  std::string id = e2e::token_id(old_secret);
  s.webhook("orders", "svc");
  s.webhook("billing", "svc");
  bind_token(s, "orders", old_secret);
  bind_token(s, "billing", old_secret);

  s.at("2026-01-02T00:00:00Z");
  Result r = s.run({"token", "rotate", id});
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::string fresh = r.line();
  CHECK(r.out == fresh + "\n");
  CHECK(starts_with(fresh, "hki_"));
  CHECK(fresh.size() == 75);
  CHECK(e2e::token_id(fresh) == id);
  CHECK(fresh != old_secret);
  CHECK(contains(r.err, id));
  CHECK_FALSE(contains(r.err, fresh.substr(17, 52)));

  json t = show(s, id);
  CHECK(t["webhooks"] == json::array({"billing", "orders"}));
  CHECK(t["status"] == "active");
  CHECK(t["owner"] == "svc");
  CHECK(t["previous_secret_valid_until"].is_null());
  CHECK(t["created_at"] == t0);

  // Without --grace the previous secret stops at once.
  Result old_call = verify(s, "orders", "Bearer " + old_secret);
  CHECK(old_call.code == 5);
  CHECK(starts_with(reason(old_call), "wrong-secret:"));
  CHECK(verify(s, "orders", "Bearer " + fresh).code == 0);
  CHECK(verify(s, "billing", "Bearer " + fresh).code == 0);

  // --json: the token object with the secret.
  Result j = s.run({"token", "rotate", id, "--json"});
  REQUIRE(j.code == 0);
  json o = j.json();
  std::set<std::string> expected = token_fields;
  expected.insert({"secret", "grace_cut_short", "basic_webhooks_username_changed"});
  CHECK(keys_of(o) == expected);
  CHECK(o["grace_cut_short"].is_null());
  CHECK(o["basic_webhooks_username_changed"] == json::array());
  CHECK(o["id"] == id);
  CHECK(e2e::token_id(o["secret"]) == id);
  CHECK(o["secret"] != fresh);
  CHECK(o["webhooks"] == json::array({"billing", "orders"}));
  CHECK(verify(s, "orders", "Bearer " + o["secret"].get<std::string>()).code == 0);
  CHECK(verify(s, "orders", "Bearer " + fresh).code == 5);

  // An App token keeps its kind.
  std::string app = s.webhook("reports", "svc");
  Result ra = s.run({"token", "rotate", e2e::token_id(app)});
  REQUIRE(ra.code == 0);
  CHECK(starts_with(ra.line(), "hka_"));
  CHECK(e2e::token_id(ra.line()) == e2e::token_id(app));
  CHECK(verify(s, "reports", "Bearer " + ra.line()).code == 0);
  CHECK(verify(s, "reports", "Bearer " + app).code == 5);
}

TEST_CASE("token rotate --grace keeps only the immediately previous secret") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string first = s.token("svc");
  std::string id = e2e::token_id(first);
  s.webhook("orders", "svc");
  bind_token(s, "orders", first);

  std::string before = s.dump();
  for (const char* bad : {"1x", "-1h", "forever"}) {
    INFO("--grace " << bad);
    CHECK(s.run({"token", "rotate", id, "--grace", bad}).code == 2);
  }
  CHECK(s.dump() == before);

  Result r1 = s.run({"token", "rotate", id, "--grace", "2h"});
  REQUIRE(r1.code == 0);
  std::string second = r1.line();
  CHECK(show(s, id)["previous_secret_valid_until"] == "2026-01-01T02:00:00Z");
  CHECK(verify(s, "orders", "Bearer " + first).code == 0);

  // A second rotation during the grace (a retried script) would cut off callers still on the
  // first secret: refused, naming the grace end, unless --force.
  s.at("2026-01-01T00:30:00Z");
  before = s.dump();
  Result retry = s.run({"token", "rotate", id, "--grace", "1h"});
  CHECK(retry.code == 4);
  CHECK(retry.out.empty());
  CHECK(retry.err.find("still works until 2026-01-01T02:00:00Z") != std::string::npos);
  CHECK(retry.err.find("--force") != std::string::npos);
  CHECK(s.dump() == before);
  Result r2 = s.run({"token", "rotate", id, "--grace", "1h", "--force"});
  REQUIRE(r2.code == 0);
  CHECK(r2.err.find("Forced: the secret before that, which was to work until "
                    "2026-01-01T02:00:00Z, stopped working now.") != std::string::npos);
  std::string third = r2.line();
  CHECK(show(s, id)["previous_secret_valid_until"] == "2026-01-01T01:30:00Z");
  CHECK(verify(s, "orders", "Bearer " + third).code == 0);
  CHECK(verify(s, "orders", "Bearer " + second).code == 0);
  CHECK(verify(s, "orders", "Bearer " + first).code == 5);  // two rotations ago

  s.at("2026-01-01T01:30:00Z");
  CHECK(verify(s, "orders", "Bearer " + second).code == 5);
  CHECK(verify(s, "orders", "Bearer " + third).code == 0);
  CHECK(show(s, id)["previous_secret_valid_until"].is_null());
}

TEST_CASE("token rotate --owner moves the token to an active account only") {
  Sandbox s;
  s.at(t0);
  s.user("old-svc", {"--service"});  // goes inactive first
  s.at("2026-01-31T00:00:00Z");
  s.user("alice");
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "alice");
  std::string id = e2e::token_id(app);

  s.at("2026-03-02T00:00:00Z");  // old-svc inactive, alice and svc active
  std::string before = s.dump();
  Result inactive = s.run({"token", "rotate", id, "--owner", "old-svc"});
  CHECK(inactive.code == 4);
  CHECK(inactive.out.empty());
  CHECK(contains(inactive.err, "old-svc"));
  Result unknown = s.run({"token", "rotate", id, "--owner", "ghost"});
  CHECK(unknown.code == 3);
  CHECK(unknown.out.empty());
  CHECK(s.dump() == before);
  CHECK(verify(s, "orders", "Bearer " + app).code == 0);  // nothing changed

  Result moved = s.run({"token", "rotate", id, "--owner", "svc", "--json"});
  INFO(moved.err);
  REQUIRE(moved.code == 0);
  json m = moved.json();
  CHECK(m["owner"] == "svc");
  CHECK(m["id"] == id);
  CHECK(m["kind"] == "app");
  CHECK(m["webhooks"] == json::array({"orders"}));
  std::string fresh = m["secret"];
  Result ok = verify(s, "orders", "Bearer " + fresh);
  CHECK(ok.code == 0);
  CHECK(ok.json()["user"] == "svc");
  CHECK(s.run({"user", "show", "alice", "--json"}).json()["tokens"] == 0);
  CHECK(s.run({"user", "show", "svc", "--json"}).json()["tokens"] == 1);
  CHECK(ids_of(list(s, {"--user", "svc"})) == std::set<std::string>{id});
}

TEST_CASE("token rotate refuses a revoked token and an expired one without a new expiry") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string revoked = s.token("svc");
  REQUIRE(s.run({"token", "revoke", e2e::token_id(revoked), "--yes"}).code == 0);
  Result r = s.run({"token", "create", "--user", "svc", "--expires-in", "1d", "--json"});
  REQUIRE(r.code == 0);
  std::string expiring = r.json()["secret"];
  std::string eid = e2e::token_id(expiring);
  s.webhook("orders", "svc");
  bind_token(s, "orders", expiring);

  s.at("2026-01-03T00:00:00Z");
  std::string before = s.dump();
  Result rev = s.run({"token", "rotate", e2e::token_id(revoked)});
  CHECK(rev.code == 4);
  CHECK(rev.out.empty());
  CHECK(contains(rev.err, "revoked"));
  CHECK(s.run({"token", "rotate", e2e::token_id(revoked), "--expires-in", "30d"}).code == 4);
  Result exp = s.run({"token", "rotate", eid});
  CHECK(exp.code == 4);
  CHECK(exp.out.empty());
  CHECK(contains(exp.err, "--expires-in"));
  CHECK(s.run({"token", "rotate", eid, "--grace", "1h"}).code == 4);
  CHECK(s.dump() == before);

  Result ok = s.run({"token", "rotate", eid, "--expires-in", "30d", "--json"});
  INFO(ok.err);
  REQUIRE(ok.code == 0);
  json t = ok.json();
  CHECK(t["status"] == "active");
  CHECK(t["expires_at"] == "2026-02-02T00:00:00Z");
  CHECK(t["webhooks"] == json::array({"orders"}));
  CHECK(verify(s, "orders", "Bearer " + t["secret"].get<std::string>()).code == 0);
  CHECK(verify(s, "orders", "Bearer " + expiring).code == 5);
}

TEST_CASE("token revoke needs --yes off a terminal and names the webhooks left without a token") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string api = s.token("svc");
  std::string id = e2e::token_id(api);
  s.webhook("orders", "svc");
  s.webhook("billing", "svc");
  s.webhook("reports", "svc");
  bind_token(s, "orders", api);
  bind_token(s, "billing", api);

  std::string before = s.dump();
  Result no = s.run({"token", "revoke", id});
  CHECK(no.code == 2);
  CHECK(contains(no.err, "--yes"));
  CHECK(s.dump() == before);
  CHECK(verify(s, "orders", "Bearer " + api).code == 0);
  before = s.dump();

  s.at("2026-01-01T01:00:00Z");
  Result yes = s.run({"token", "revoke", id, "--yes"});
  INFO(yes.err);
  REQUIRE(yes.code == 0);
  std::string said = yes.out + yes.err;
  CHECK(contains(said, "orders"));
  CHECK(contains(said, "billing"));
  CHECK_FALSE(contains(said, "reports"));
  CHECK(s.dump() != before);

  json t = show(s, id);
  CHECK(t["status"] == "revoked");
  CHECK(t["revoked_at"] == "2026-01-01T01:00:00Z");
  Result call = verify(s, "orders", "Bearer " + api);
  CHECK(call.code == 5);
  CHECK(starts_with(reason(call), "revoked:"));
  CHECK(s.run({"webhook", "show", "orders", "--json"}).json()["status"] == "broken");

  // Revoking again changes nothing, not even the audit log, and exits 0 (no --yes needed).
  s.at("2026-01-01T02:00:00Z");
  std::string after = s.dump();
  CHECK(s.run({"token", "revoke", id, "--yes"}).code == 0);
  Result again = s.run({"token", "revoke", id, "--yes", "--json"});
  CHECK(again.code == 0);
  CHECK(again.json()["revoked_at"] == "2026-01-01T01:00:00Z");
  CHECK(s.dump() == after);

  // Revoke --json returns the token object.
  std::string app = s.webhook("hooks", "svc");
  Result j = s.run({"token", "revoke", e2e::token_id(app), "--yes", "--json"});
  REQUIRE(j.code == 0);
  CHECK(j.json()["status"] == "revoked");
  CHECK(j.json()["id"] == e2e::token_id(app));
  CHECK(j.json()["webhooks"] == json::array({"hooks"}));
}

TEST_CASE("user delete is refused while tokens are linked and names them") {
  Sandbox s;
  s.at(t0);
  s.user("alice");
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "alice");
  std::string api = s.token("alice");
  std::string unbound = s.token("alice");
  std::string revoked = s.token("alice");
  s.webhook("billing", "svc");
  s.webhook("reports", "svc");
  bind_token(s, "billing", api);
  bind_token(s, "reports", api);
  REQUIRE(s.run({"token", "revoke", e2e::token_id(revoked), "--yes"}).code == 0);

  std::string before = s.dump();
  Result r = s.run({"user", "delete", "alice", "--yes"});
  CHECK(r.code == 4);
  CHECK(r.out.empty());
  for (const auto& sec : {app, api, unbound}) CHECK(contains(r.err, e2e::token_id(sec)));
  CHECK_FALSE(contains(r.err, e2e::token_id(revoked)));
  CHECK(contains(r.err, "app"));
  CHECK(contains(r.err, "api"));
  for (const char* w : {"orders", "billing", "reports"}) CHECK(contains(r.err, w));
  CHECK(contains(r.err, "token rotate"));
  CHECK(contains(r.err, "--owner"));
  CHECK(contains(r.err, "token revoke"));
  CHECK(s.dump() == before);

  Result j = s.run({"user", "delete", "alice", "--yes", "--json"});
  CHECK(j.code == 4);
  CHECK(j.error_json()["error"]["code"] == "conflict");
  CHECK(contains(j.error_json()["error"]["message"].get<std::string>(), e2e::token_id(api)));
  CHECK(s.dump() == before);

  // Once every token is revoked the delete goes through, revoked tokens with it.
  for (const auto& sec : {app, api, unbound})
    REQUIRE(s.run({"token", "revoke", e2e::token_id(sec), "--yes"}).code == 0);
  Result ok = s.run({"user", "delete", "alice", "--yes"});
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK(s.run({"user", "show", "alice"}).code == 3);
  CHECK(s.run({"token", "show", e2e::token_id(revoked)}).code == 3);
}

TEST_CASE("user delete --transfer-to moves every token in one go") {
  Sandbox s;
  s.at(t0);
  s.user("old-svc", {"--service"});
  s.at("2026-01-31T00:00:00Z");
  s.user("alice");
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "alice");
  std::string basic = s.webhook("legacy", "alice", "basic");
  std::string api = s.token("alice");
  std::string revoked = s.token("alice");
  REQUIRE(s.run({"token", "revoke", e2e::token_id(revoked), "--yes"}).code == 0);
  s.webhook("billing", "svc");
  bind_token(s, "billing", api);

  s.at("2026-03-02T00:00:00Z");  // old-svc is inactive now
  std::string before = s.dump();
  CHECK(s.run({"user", "delete", "alice", "--transfer-to", "old-svc", "--yes"}).code == 4);
  CHECK(s.run({"user", "delete", "alice", "--transfer-to", "ghost", "--yes"}).code == 3);
  CHECK(s.run({"user", "delete", "alice", "--transfer-to", "alice", "--yes"}).code != 0);
  CHECK(s.run({"user", "delete", "alice", "--transfer-to", "svc"}).code == 2);  // no --yes
  CHECK(s.dump() == before);

  Result r = s.run({"user", "delete", "alice", "--transfer-to", "svc", "--yes"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(s.run({"user", "show", "alice"}).code == 3);
  CHECK(ids_of(list(s, {"--user", "svc"})) ==
        std::set<std::string>{e2e::token_id(app), e2e::token_id(basic), e2e::token_id(api)});
  CHECK(s.run({"token", "show", e2e::token_id(revoked)}).code == 3);
  // The same secrets keep working, now on svc.
  Result o = verify(s, "orders", "Bearer " + app);
  CHECK(o.code == 0);
  CHECK(o.json()["user"] == "svc");
  CHECK(verify(s, "billing", "Bearer " + api).code == 0);
  CHECK(verify(s, "legacy", "Basic " + e2e::base64("svc:" + basic)).code == 0);
  CHECK(verify(s, "legacy", "Basic " + e2e::base64("alice:" + basic)).code == 5);
}

TEST_CASE("user show --json adds token_list and webhooks") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string api = s.token("svc");
  std::string spare = s.token("svc");
  std::string revoked = s.token("svc");
  REQUIRE(s.run({"token", "revoke", e2e::token_id(revoked), "--yes"}).code == 0);
  s.webhook("reports", "svc");  // App token on svc
  s.webhook("orders", "svc");
  s.webhook("billing", "svc");
  bind_token(s, "orders", api);
  bind_token(s, "billing", api);

  Result r = s.run({"user", "show", "svc", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  json u = r.json();
  CHECK(u["name"] == "svc");
  CHECK(u["tokens"] == 3);
  REQUIRE(u["token_list"].is_array());
  CHECK(ids_of(u["token_list"]) ==
        std::set<std::string>{
            e2e::token_id(api), e2e::token_id(spare),
            s.run({"webhook", "show", "reports", "--json"}).json()["token"].get<std::string>()});
  for (const auto& t : u["token_list"]) {
    CHECK(keys_of(t) == token_fields);
    CHECK(t["owner"] == "svc");
  }
  CHECK(u["webhooks"] == json::array({"billing", "orders", "reports"}));

  s.user("empty");
  json e = s.run({"user", "show", "empty", "--json"}).json();
  CHECK(e["token_list"] == json::array());
  CHECK(e["webhooks"] == json::array());
}

TEST_CASE("token edit relabels a token, keeps its secret working, and audits it") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "svc");
  std::string id = e2e::token_id(app);

  Result r = s.run({"token", "edit", id, "--name", "orders sync"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "now named orders sync (was orders)"));
  CHECK(show(s, id)["name"] == "orders sync");
  // The secret is untouched: the webhook still accepts it.
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + app).code == 0);
  Result audit = s.run({"audit", "--json", "--subject", id});
  REQUIRE(audit.code == 0);
  CHECK(audit.json().back()["action"] == "token.edit");
  CHECK(audit.json().back()["details"].get<std::string>().rfind("name orders -> orders sync [",
                                                                0) == 0);

  // --json prints the token object; the same label again changes nothing.
  const std::string before = s.dump();
  Result j = s.run({"token", "edit", id, "--name", "orders sync", "--json"});
  REQUIRE(j.code == 0);
  CHECK(keys_of(j.json()) == token_fields);
  CHECK(j.json()["name"] == "orders sync");
  CHECK(s.dump() == before);

  // Refusals change nothing: unknown id (3), a bad label or no --name (2).
  CHECK(s.run({"token", "edit", "aaaaaaaaaaaa", "--name", "x"}).code == 3);
  CHECK(s.run({"token", "edit", id, "--name", std::string(101, 'x')}).code == 2);
  CHECK(s.run({"token", "edit", id}).code == 2);
  CHECK(s.dump() == before);
}

TEST_CASE("token test says whether a secret is a token's current or in-grace previous one") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string first = s.token("svc");
  std::string id = e2e::token_id(first);
  std::string other = s.token("svc");
  const std::string before = s.dump();
  Result current = s.run({"token", "test", id, "--json"}, first);
  REQUIRE(current.code == 0);
  CHECK(current.json()["matches"] == "current");
  CHECK(current.json()["status"] == "active");
  CHECK(s.dump() == before);  // nothing recorded
  Result wrong = s.run({"token", "test", id}, other + "\n");
  CHECK(wrong.code == 5);
  CHECK(contains(wrong.out, "not a working secret"));
  CHECK_FALSE(contains(wrong.out + wrong.err, other.substr(17)));
  CHECK(s.run({"token", "test", id}, "garbage").code == 5);
  CHECK(s.run({"token", "test", "nosuchtoken1"}, first).code == 3);

  Result r = s.run({"token", "rotate", id, "--grace", "1h"});
  REQUIRE(r.code == 0);
  Result previous = s.run({"token", "test", id, "--json"}, first);
  REQUIRE(previous.code == 0);
  CHECK(previous.json()["matches"] == "previous");
  CHECK(previous.json()["valid_until"] == "2026-01-01T01:00:00Z");
  CHECK(s.run({"token", "test", id}, r.line()).code == 0);
  s.at("2026-01-01T01:00:00Z");
  CHECK(s.run({"token", "test", id}, first).code == 5);
}
