// `hookctl check` end to end: broken and at-risk webhooks, webhooks on personal accounts, unused
// tokens; --window and --exit-code.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "harness.hpp"

using e2e::contains;
using e2e::keys_of;
using e2e::Result;
using e2e::Sandbox;
using e2e::t0;
using nlohmann::json;

namespace {

// The documented codes of each kind.
const std::map<std::string, std::set<std::string>> codes_of_kind{
    {"webhook-broken", {"not-bound", "revoked", "expired", "owner-inactive"}},
    {"webhook-at-risk", {"expires-soon", "owner-inactive-soon"}},
    {"personal-owner", {"personal-owner"}},
    {"token-unused", {"never-used", "long-unused"}},
    {"invalid-email", {"invalid-email"}},
};

// `check --json ARGS`; every element REQUIREd to have exactly the documented fields.
json check(const Sandbox& s, std::vector<std::string> args = {}) {
  args.insert(args.begin(), "check");
  args.push_back("--json");
  Result r = s.run(args);
  INFO(r.err);
  REQUIRE((r.code == 0 || r.code == 1));
  json j = r.json();
  REQUIRE(j.is_array());
  for (const auto& p : j) {
    REQUIRE(keys_of(p) == std::set<std::string>{"kind", "code", "subject", "message", "at"});
    CHECK(codes_of_kind.at(p["kind"]).count(p["code"]) == 1);
    CHECK(p["message"].is_string());
    CHECK_FALSE(p["message"].get<std::string>().empty());
    CHECK((p["at"].is_null() || p["at"].get<std::string>().size() == 20));
  }
  return j;
}

// "kind subject" for each problem.
std::set<std::string> problems(const json& j) {
  std::set<std::string> out;
  for (const auto& p : j)
    out.insert(p["kind"].get<std::string>() + " " + p["subject"].get<std::string>());
  return out;
}

json find(const json& j, const std::string& kind, const std::string& subject) {
  for (const auto& p : j)
    if (p["kind"] == kind && p["subject"] == subject) return p;
  FAIL("no " << kind << " problem for " << subject << " in " << j.dump());
  return json();
}

void bind_token(const Sandbox& s, const std::string& webhook, const std::string& secret) {
  Result r = s.run({"webhook", "bind", webhook, "--token", e2e::token_id(secret)});
  INFO(r.err);
  REQUIRE(r.code == 0);
}

void call(const Sandbox& s, const std::string& webhook, const std::string& secret) {
  Result r = s.run({"auth", "verify", webhook}, "Bearer " + secret);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
}

}  // namespace

TEST_CASE("check on an empty or healthy store finds nothing and exits 0") {
  Sandbox s;
  s.at(t0);
  Result missing = s.run({"check"});
  CHECK(missing.code == 6);
  CHECK_FALSE(std::filesystem::exists(s.db));

  REQUIRE(s.run({"init"}).code == 0);
  CHECK(check(s) == json::array());
  CHECK(s.run({"check", "--exit-code"}).code == 0);

  s.user("svc", {"--service"});
  s.webhook("orders", "svc");
  CHECK(check(s) == json::array());
  Result r = s.run({"check", "--exit-code", "--json"});
  CHECK(r.code == 0);
  CHECK(r.json() == json::array());
  CHECK(s.run({"check"}).code == 0);

  CHECK(s.run({"check", "--window", "soon"}).code == 2);
  CHECK(s.run({"check", "--window", "1y"}).code == 2);
}

TEST_CASE("check reports webhooks whose token belongs to a person") {
  Sandbox s;
  s.at(t0);
  s.user("alice");
  s.user("svc", {"--service"});
  std::string app = s.webhook("orders", "alice");
  std::string alices = s.token("alice");
  s.webhook("billing", "svc");
  bind_token(s, "billing", alices);
  s.webhook("reports", "svc");

  json j = check(s);
  CHECK(problems(j) == std::set<std::string>{"personal-owner orders", "personal-owner billing"});
  CHECK(contains(find(j, "personal-owner", "orders")["message"], "alice"));

  Result r = s.run({"check", "--exit-code", "--json"});
  CHECK(r.code == 1);
  CHECK(problems(r.json()) == problems(j));
  Result plain = s.run({"check", "--exit-code"});
  CHECK(plain.code == 1);
  CHECK(contains(plain.out, "personal-owner"));
  CHECK(contains(plain.out, "orders"));
  CHECK(contains(plain.out, "billing"));

  // The documented repairs clear the findings.
  REQUIRE(s.run({"token", "rotate", e2e::token_id(app), "--owner", "svc"}).code == 0);
  REQUIRE(s.run({"webhook", "bind", "billing", "--app-token", "--owner", "svc"}).code == 0);
  CHECK(check(s) == json::array());
  CHECK(s.run({"check", "--exit-code"}).code == 0);
}

TEST_CASE("check reports at-risk and broken webhooks within the window") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  s.webhook("orders", "svc");  // breaks when svc goes inactive: 2026-03-02
  Result e = s.run({"token", "create", "--user", "svc", "--expires-in", "20d", "--json"});
  REQUIRE(e.code == 0);
  s.webhook("short", "svc");
  bind_token(s, "short", e.json()["secret"].get<std::string>());  // breaks 2026-01-21

  s.at("2026-01-06T00:00:00Z");  // short breaks in 15 days
  CHECK(check(s) == json::array());
  CHECK(s.run({"check", "--exit-code"}).code == 0);
  CHECK(problems(check(s, {"--window", "15d"})) == std::set<std::string>{"webhook-at-risk short"});

  s.at("2026-01-07T00:00:00Z");  // exactly 14 days: inside the default window
  json j = check(s);
  CHECK(problems(j) == std::set<std::string>{"webhook-at-risk short"});
  json p = find(j, "webhook-at-risk", "short");
  CHECK(p["at"] == "2026-01-21T00:00:00Z");
  CHECK(check(s, {"--window", "13d"}) == json::array());
  CHECK(s.run({"check", "--window", "13d", "--exit-code"}).code == 0);
  CHECK(s.run({"check", "--window", "14d", "--exit-code"}).code == 1);
  CHECK(problems(check(s, {"--window", "54d"})) ==
        std::set<std::string>{"webhook-at-risk short", "webhook-at-risk orders"});

  s.at("2026-01-21T00:00:00Z");
  j = check(s);
  CHECK(problems(j) == std::set<std::string>{"webhook-broken short"});
  CHECK(find(j, "webhook-broken", "short")["at"] == "2026-01-21T00:00:00Z");
  CHECK(s.run({"check", "--exit-code"}).code == 1);

  s.at("2026-02-16T00:00:00Z");  // orders breaks in 14 days
  j = check(s);
  CHECK(problems(j) == std::set<std::string>{"webhook-broken short", "webhook-at-risk orders"});
  CHECK(find(j, "webhook-at-risk", "orders")["at"] == "2026-03-02T00:00:00Z");
  CHECK(problems(check(s, {"--window", "1d"})) == std::set<std::string>{"webhook-broken short"});
  Result plain = s.run({"check"});
  CHECK(plain.code == 0);
  CHECK(contains(plain.out, "webhook-broken"));
  CHECK(contains(plain.out, "webhook-at-risk"));

  s.at("2026-03-02T00:00:00Z");
  j = check(s);
  CHECK(problems(j).count("webhook-broken orders") == 1);
  CHECK(problems(j).count("webhook-broken short") == 1);
  CHECK(problems(j).count("webhook-at-risk orders") == 0);

  // Repair: a fresh token on an active service account.
  s.user("svc2", {"--service"});
  std::string fresh = s.token("svc2");
  bind_token(s, "orders", fresh);
  bind_token(s, "short", fresh);
  j = check(s);
  CHECK(problems(j).count("webhook-broken orders") == 0);
  CHECK(problems(j).count("webhook-broken short") == 0);
}

TEST_CASE("check reports tokens unused for longer than the inactivity period") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  std::string unused = s.token("svc");  // never used
  std::string kept = s.token("svc");    // used regularly
  std::string lapsed = s.token("svc");  // used once, early
  s.webhook("hook", "svc");
  s.webhook("hook2", "svc");
  bind_token(s, "hook", kept);
  bind_token(s, "hook2", lapsed);

  s.at("2026-01-02T00:00:00Z");
  call(s, "hook2", lapsed);
  s.at("2026-01-31T00:00:00Z");
  call(s, "hook", kept);
  s.at("2026-02-27T00:00:00Z");
  CHECK(check(s) == json::array());  // nothing unused for 60 days yet
  s.at("2026-03-01T00:00:00Z");
  call(s, "hook", kept);

  s.at("2026-03-04T00:00:00Z");  // svc active (last call 3 days ago)
  json j = check(s);
  CHECK(problems(j) == std::set<std::string>{"token-unused " + e2e::token_id(unused),
                                             "token-unused " + e2e::token_id(lapsed)});
  CHECK(find(j, "token-unused", e2e::token_id(unused))["at"] == t0);
  CHECK(find(j, "token-unused", e2e::token_id(lapsed))["at"] == "2026-01-02T00:00:00Z");
  CHECK(contains(find(j, "token-unused", e2e::token_id(unused))["message"], "svc"));
  CHECK(s.run({"check", "--exit-code"}).code == 1);

  // Revoking the unused token and using the lapsed one clears the findings.
  REQUIRE(s.run({"token", "revoke", e2e::token_id(unused), "--yes"}).code == 0);
  call(s, "hook2", lapsed);
  CHECK(check(s) == json::array());
  CHECK(s.run({"check", "--exit-code"}).code == 0);
}

TEST_CASE("check shows an unused token with its label, and its JSON subject stays the id") {
  Sandbox s;
  s.at(t0);
  s.user("svc", {"--service"});
  Result created = s.run({"token", "create", "--user", "svc", "--name", "nightly export"});
  REQUIRE(created.code == 0);
  const std::string labelled = e2e::token_id(created.line());
  const std::string bare = e2e::token_id(s.token("svc"));
  s.at("2026-06-01T00:00:00Z");
  Result r = s.run({"check", "--kind", "token-unused", "--wide"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "token-unused  " + labelled + " \"nightly export\"  "));
  CHECK(contains(r.out, "token-unused  " + bare + "  "));
  // In 80 cells the label is what gives way (tables_test.cpp has the long ones), not the id.
  Result narrow = s.run({"check", "--kind", "token-unused"});
  CHECK(contains(narrow.out, "token-unused  " + labelled + " \"nightly"));
  json j = check(s, {"--kind", "token-unused"});  // the documented fields, no more
  CHECK(find(j, "token-unused", labelled)["subject"] == labelled);
  CHECK_FALSE(contains(find(j, "token-unused", labelled)["message"], "nightly export"));
}

TEST_CASE("check --help lists every kind --kind accepts in its description", "[cli]") {
  Sandbox s;
  Result r = s.run({"check", "--help"});
  REQUIRE(r.code == 0);
  const std::string intro = "Only problems of this kind (repeatable): ";
  const size_t at = r.out.find(intro);
  REQUIRE(at != std::string::npos);
  const size_t from = at + intro.size();
  const std::string described = r.out.substr(from, r.out.find('\n', from) - from);
  for (const auto& [kind, codes] : codes_of_kind) {
    INFO(kind << " in: " << described);
    CHECK(contains(described, kind));
    CHECK(s.run({"check", "--kind", kind}).code != 2);  // and it is accepted
  }
}

// SQLite only: plants 0.1-era rows through SQLite.
TEST_CASE("check reports stored e-mail addresses a mail command would misread", "[sqlite]") {
  // Stores written before addresses were validated may hold them; nothing can add one now.
  Sandbox s;
  s.at(t0);
  s.user("ops", {"--email", "ops@example.com"});
  s.user("mallory", {"--email", "mallory@example.com"});
  {
    SQLite::Database d(s.db.string(), SQLite::OPEN_READWRITE);
    d.exec("UPDATE accounts SET email = '-E!id@example.com' WHERE name = 'mallory'");
  }
  json j = check(s);
  size_t found = 0;
  for (const auto& p : j) {
    if (p["kind"] != "invalid-email") continue;
    ++found;
    CHECK(p["subject"] == "mallory");
    CHECK(contains(p["message"].get<std::string>(), "starts with '-'"));
  }
  CHECK(found == 1);
  CHECK(s.run({"check", "--exit-code"}).code == 1);
}

TEST_CASE("check --kind keeps the report and --exit-code to the kinds asked for") {
  Sandbox s;
  s.at(t0);
  s.user("alice");
  s.webhook("orders", "alice");  // a personal owner, not broken
  CHECK(problems(check(s)) == std::set<std::string>{"personal-owner orders"});
  // The cron question "is anything broken or breaking soon?" is no longer answered 1 for it.
  CHECK(s.run({"check", "--kind", "webhook-broken", "--kind", "webhook-at-risk", "--exit-code"})
            .code == 0);
  CHECK(check(s, {"--kind", "webhook-broken", "--kind", "webhook-at-risk"}).empty());
  CHECK(s.run({"check", "--kind", "personal-owner", "--exit-code"}).code == 1);
  s.at("2026-03-15T00:00:00Z");  // alice inactive: orders is broken
  CHECK(problems(check(s, {"--kind", "webhook-broken"})) ==
        std::set<std::string>{"webhook-broken orders"});
  Result bad = s.run({"check", "--kind", "everything"});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "webhook-broken"));
}

TEST_CASE("each check item carries a code naming its cause") {
  Sandbox s;
  s.at(t0);
  s.user("leaver");
  s.user("bob");
  s.user("svc", {"--service"});
  auto ok = [&](const std::vector<std::string>& args) {
    Result r = s.run(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
  };
  // gone: left without a token when its owner's revoked App token went with the account.
  ok({"token", "revoke", e2e::token_id(s.webhook("gone", "leaver")), "--yes"});
  ok({"user", "delete", "leaver", "--yes"});
  // dead: its token revoked.
  ok({"token", "revoke", e2e::token_id(s.webhook("dead", "svc")), "--yes"});
  // stale: bound to a token that expires in 10 days.
  Result e = s.run({"token", "create", "--user", "svc", "--expires-in", "10d", "--json"});
  REQUIRE(e.code == 0);
  s.webhook("stale", "svc");
  bind_token(s, "stale", e.json()["secret"].get<std::string>());
  // personal: on a person's token, who becomes inactive on 2026-03-02.
  const std::string bobs = s.webhook("personal", "bob");
  // used: called once on 2026-01-02, then never again.
  const std::string used = s.webhook("used", "svc");
  s.at("2026-01-02T00:00:00Z");
  call(s, "used", used);

  auto code = [&](const json& j, const std::string& kind, const std::string& subject) {
    return find(j, kind, subject)["code"].get<std::string>();
  };
  json j = check(s);
  CHECK(code(j, "webhook-broken", "gone") == "not-bound");
  CHECK(code(j, "webhook-broken", "dead") == "revoked");
  CHECK(code(j, "webhook-at-risk", "stale") == "expires-soon");
  CHECK(code(j, "personal-owner", "personal") == "personal-owner");

  s.at("2026-01-12T00:00:00Z");
  CHECK(code(check(s), "webhook-broken", "stale") == "expired");
  s.at("2026-02-20T00:00:00Z");
  CHECK(code(check(s), "webhook-at-risk", "personal") == "owner-inactive-soon");
  s.at("2026-03-05T00:00:00Z");
  j = check(s);
  CHECK(code(j, "webhook-broken", "personal") == "owner-inactive");
  CHECK(code(j, "token-unused", e2e::token_id(used)) == "long-unused");
  CHECK(code(j, "token-unused", e2e::token_id(bobs)) == "never-used");

  // The human table is unchanged: codes are for scripts.
  Result text = s.run({"check"});
  REQUIRE(text.code == 0);
  CHECK_FALSE(contains(text.out, "long-unused"));
}
