// The authentication path end to end: `auth verify` accepts exactly the bound, current token of an
// active owner, rejects everything else with a reason code and a 401, never changes an account on
// a rejection, and keeps the audit log bounded under a flood while counting every rejection.
#include <catch2/catch.hpp>
#include <csignal>
#include <set>
#include <sstream>

#include "harness.hpp"

using e2e::keys_of;
using e2e::Result;
using e2e::Sandbox;
using e2e::starts_with;
using e2e::t0;
using nlohmann::json;

namespace {

// The named tables of the store's dump (sections "## <table>" of Sandbox::dump()).
std::string tables(const Sandbox& s, const std::set<std::string>& names) {
  std::istringstream in(s.dump());
  std::string line, out;
  bool keep = false;
  while (std::getline(in, line)) {
    if (starts_with(line, "## ")) keep = names.count(line.substr(3)) > 0;
    if (starts_with(line, "user_version=")) keep = false;
    if (keep) out += line + '\n';
  }
  return out;
}

// Everything a rejection must leave alone.
std::string state(const Sandbox& s) {
  return tables(s, {"accounts", "tokens", "webhooks", "policy"});
}

size_t audit_rows(const Sandbox& s) {
  std::string audit = tables(s, {"audit"});
  size_t lines = 0;
  for (char c : audit) lines += c == '\n';
  return lines - 1;  // the "## audit" heading
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

// Replaces the character at `pos` with another one of the token alphabet.
std::string typo(std::string token, size_t pos) {
  token[pos] = token[pos] == 'a' ? 'b' : 'a';
  return token;
}

// Two accounts, three webhooks:
//   orders  (bearer)  accepts `api`, an integration token of svc
//   billing (bearer)  accepts `billing`, its App token owned by alice
//   legacy  (basic)   accepts `legacy`, its App token owned by svc
// plus `stale`, the previous secret of a rotated svc token, and `foreign`, a well-formed token
// whose id this store has never seen.
struct World {
  Sandbox s;
  std::string api, billing, legacy, stale, foreign;

  World() {
    s.at(t0);
    s.user("svc", {"--service"});
    s.user("alice");
    api = s.token("svc");
    s.webhook("orders", "svc");
    bind_token(s, "orders", api);
    billing = s.webhook("billing", "alice");
    legacy = s.webhook("legacy", "svc", "basic");
    stale = s.token("svc");
    Result r = s.run({"token", "rotate", e2e::token_id(stale)});
    REQUIRE(r.code == 0);
    Sandbox other;
    other.at(t0);
    other.user("svc", {"--service"});
    foreign = other.token("svc");
  }
};

struct Rejected {
  std::string what;
  std::string webhook;
  std::string header;
  std::vector<std::string> codes;   // any of these reason codes
  std::optional<std::string> user;  // expected "user" (nullopt: not checked)
  std::optional<std::string> token;
};

// Runs one rejection in both output modes and checks everything the manual promises about it.
void expect_rejected(const Sandbox& s, const Rejected& c) {
  INFO(c.what);
  const std::string before = state(s);
  const size_t audit_before = audit_rows(s);

  Result plain = s.run({"auth", "verify", c.webhook}, c.header);
  CHECK(plain.code == 5);
  CHECK(starts_with(plain.out, "401 "));
  CHECK(plain.out == plain.line() + "\n");  // one line
  bool plain_code = false;
  for (const auto& code : c.codes) plain_code |= starts_with(plain.out, "401 " + code + ": ");
  CHECK(plain_code);

  Result r = verify(s, c.webhook, c.header);
  CHECK(r.code == 5);
  json j = r.json();
  CHECK(keys_of(j) ==
        std::set<std::string>{"status", "webhook", "user", "token", "code", "reason", "recorded"});
  CHECK(j["status"] == 401);
  CHECK(j["webhook"] == c.webhook);
  CHECK(j["recorded"] == false);
  std::string why = reason(r);
  bool json_code = false;
  for (const auto& code : c.codes)
    json_code |= starts_with(why, code + ": ") && j["code"] == code;  // the code, alone too
  CHECK(json_code);
  CHECK(why.size() > why.find(": ") + 2);  // an explanation follows the code
  if (c.user) CHECK(j["user"] == (c.user->empty() ? json() : json(*c.user)));
  if (c.token) CHECK(j["token"] == (c.token->empty() ? json() : json(*c.token)));

  CHECK(state(s) == before);
  CHECK(audit_rows(s) <= audit_before + 1);
}

const std::string unknown = "";  // expected null

}  // namespace

TEST_CASE("auth verify rejects every malformed or foreign credential with its reason") {
  World w;
  Sandbox& s = w.s;
  s.at("2026-01-01T01:00:00Z");
  const std::string api_id = e2e::token_id(w.api);
  const std::string billing_id = e2e::token_id(w.billing);
  const std::string legacy_id = e2e::token_id(w.legacy);

  const std::vector<Rejected> cases{
      // The header itself.
      {"empty input", "orders", "", {"malformed-header"}, unknown, unknown},
      {"scheme only", "orders", "Bearer", {"malformed-header"}, unknown, unknown},
      {"scheme and blanks", "orders", "Bearer   \r\n", {"malformed-header"}, unknown, unknown},
      {"unknown scheme", "orders", "Token " + w.api, {"malformed-header"}, unknown, unknown},
      {"no space after the scheme",
       "orders",
       "Bearer" + w.api,
       {"malformed-header"},
       unknown,
       unknown},
      {"two credentials",
       "orders",
       "Bearer " + w.api + " " + w.api,
       {"malformed-header"},
       unknown,
       unknown},
      {"basic, not base64",
       "legacy",
       "Basic !!!not*base64!!!",
       {"malformed-header"},
       unknown,
       unknown},
      {"basic without a colon",
       "legacy",
       "Basic " + e2e::base64("svc" + w.legacy),
       {"malformed-header"},
       unknown,
       unknown},
      // Scheme against the webhook's auth method.
      {"basic sent to a bearer webhook",
       "orders",
       "Basic " + e2e::base64("svc:" + w.api),
       {"wrong-scheme"},
       unknown,
       unknown},
      {"bearer sent to a basic webhook",
       "legacy",
       "Bearer " + w.legacy,
       {"wrong-scheme"},
       unknown,
       unknown},
      // The token's form.
      {"not a token", "orders", "Bearer hello", {"malformed-token"}, unknown, unknown},
      {"another vendor's token",
       "orders",
       "Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a",
       {"malformed-token"},
       unknown,
       unknown},
      {"another prefix, right length",
       "orders",
       "Bearer hkx_" + w.api.substr(4),
       {"malformed-token"},
       unknown,
       unknown},
      {"upper case",
       "orders",
       "Bearer hki_" + std::string(71, 'A'),
       {"malformed-token"},
       unknown,
       unknown},
      {"one character too many",
       "orders",
       "Bearer " + w.api + "a",
       {"malformed-token"},
       unknown,
       unknown},
      {"truncated by one",
       "orders",
       "Bearer " + w.api.substr(0, 74),
       {"malformed-token", "bad-checksum"},
       unknown,
       unknown},
      {"truncated to the id",
       "orders",
       "Bearer " + w.api.substr(0, 17),
       {"malformed-token", "bad-checksum"},
       unknown,
       unknown},
      {"typo in the secret",
       "orders",
       "Bearer " + typo(w.api, 40),
       {"bad-checksum"},
       unknown,
       unknown},
      {"typo in the id", "orders", "Bearer " + typo(w.api, 6), {"bad-checksum"}, unknown, unknown},
      {"typo in the checksum",
       "orders",
       "Bearer " + typo(w.api, 73),
       {"bad-checksum"},
       unknown,
       unknown},
      {"app prefix on an integration token",
       "orders",
       "Bearer hka_" + w.api.substr(4),
       {"bad-checksum", "malformed-token"},
       unknown,
       unknown},
      {"basic, typo in the token",
       "legacy",
       "Basic " + e2e::base64("svc:" + typo(w.legacy, 50)),
       {"bad-checksum"},
       unknown,
       unknown},
      // Well-formed tokens the store does not accept here.
      {"unknown id", "orders", "Bearer " + w.foreign, {"unknown-token"}, unknown, unknown},
      {"wrong secret", "orders", "Bearer " + w.stale, {"wrong-secret"}, std::nullopt, std::nullopt},
      {"another webhook's App token",
       "orders",
       "Bearer " + w.billing,
       {"not-bound"},
       std::string("alice"),
       billing_id},
      {"integration token on a webhook with an App token",
       "billing",
       "Bearer " + w.api,
       {"not-bound"},
       std::string("svc"),
       api_id},
      {"basic, another user's name",
       "legacy",
       "Basic " + e2e::base64("mallory:" + w.legacy),
       {"bad-username"},
       std::string("svc"),
       legacy_id},
      {"basic, empty user name",
       "legacy",
       "Basic " + e2e::base64(":" + w.legacy),
       {"bad-username"},
       std::string("svc"),
       legacy_id},
  };
  for (const auto& c : cases) expect_rejected(s, c);

  // Nothing above touched an account: the right tokens still work, as before.
  CHECK(verify(s, "orders", "Bearer " + w.api).code == 0);
  CHECK(verify(s, "billing", "Bearer " + w.billing).code == 0);
  CHECK(verify(s, "legacy", "Basic " + e2e::base64("svc:" + w.legacy)).code == 0);
}

TEST_CASE("auth verify rejects expired, revoked and inactive-owner tokens") {
  World w;
  Sandbox& s = w.s;
  Result e = s.run({"token", "create", "--user", "svc", "--expires-in", "1d", "--json"});
  REQUIRE(e.code == 0);
  std::string expiring = e.json()["secret"];
  s.webhook("short", "svc");
  bind_token(s, "short", expiring);
  std::string revoked = s.token("svc");
  s.webhook("gone", "svc");
  bind_token(s, "gone", revoked);
  REQUIRE(s.run({"token", "revoke", e2e::token_id(revoked), "--yes"}).code == 0);

  s.at("2026-01-02T00:00:00Z");  // the expiry instant
  expect_rejected(s, {"expired",
                      "short",
                      "Bearer " + expiring,
                      {"expired"},
                      std::string("svc"),
                      e2e::token_id(expiring)});
  expect_rejected(s, {"revoked",
                      "gone",
                      "Bearer " + revoked,
                      {"revoked"},
                      std::string("svc"),
                      e2e::token_id(revoked)});
  // A revoked or expired token is refused on other webhooks too, and never counts as activity.
  expect_rejected(s, {"revoked, on another webhook",
                      "orders",
                      "Bearer " + revoked,
                      {"revoked", "not-bound"},
                      std::string("svc"),
                      e2e::token_id(revoked)});

  s.at("2026-03-02T00:00:00Z");  // svc and alice: 60 days without activity
  expect_rejected(s, {"owner inactive, integration token",
                      "orders",
                      "Bearer " + w.api,
                      {"owner-inactive"},
                      std::string("svc"),
                      e2e::token_id(w.api)});
  expect_rejected(s, {"owner inactive, basic App token",
                      "legacy",
                      "Basic " + e2e::base64("svc:" + w.legacy),
                      {"owner-inactive"},
                      std::string("svc"),
                      e2e::token_id(w.legacy)});
  // Still inactive after all those calls.
  json u = s.run({"user", "show", "svc", "--json"}).json();
  CHECK(u["status"] == "inactive");
  CHECK(u["last_activity_at"] == t0);
  CHECK(u["last_activity_source"] == "created");
}

TEST_CASE("auth verify answers huge input and binary garbage with 401, never a crash") {
  std::signal(SIGPIPE, SIG_IGN);  // hookctl may stop reading a huge input early
  World w;
  Sandbox& s = w.s;
  s.at("2026-01-01T01:00:00Z");

  // Over 8 KiB: a 401 (malformed header), not a usage error.
  for (size_t total : {size_t{8193}, size_t{9000}, size_t{65536}, size_t{1} << 20}) {
    std::string header = "Bearer " + std::string(total - 7, 'a');
    expect_rejected(s, {"huge input of " + std::to_string(total) + " bytes",
                        "orders",
                        header,
                        {"malformed-header"},
                        unknown,
                        unknown});
  }
  // A valid token buried in a huge value is still refused.
  expect_rejected(s, {"valid token padded past 8 KiB",
                      "orders",
                      "Bearer " + w.api + std::string(9000, ' ') + "\n",
                      {"malformed-header"},
                      unknown,
                      unknown});
  // Exactly 8 KiB is within the limit: refused for what it is, not for its size.
  {
    std::string header = "Bearer " + std::string(8192 - 7, 'a');
    Result r = verify(s, "orders", header);
    CHECK(r.code == 5);
    CHECK(starts_with(reason(r), "malformed-token:"));
  }

  std::string noise;
  uint32_t x = 2463534242u;
  for (int i = 0; i < 4096; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    noise += static_cast<char>(x & 0xff);
  }
  const std::vector<std::pair<std::string, std::string>> garbage{
      {"NUL bytes only", std::string(64, '\0')},
      {"NUL inside the scheme", std::string("Bea\0rer ", 8) + w.api},
      {"NUL after the token", "Bearer " + w.api + std::string(1, '\0')},
      {"NUL inside the token",
       "Bearer " + w.api.substr(0, 30) + std::string(1, '\0') + w.api.substr(31)},
      {"binary after the scheme", "Bearer \xff\xfe\x80\x01\x02\x1b[31m"},
      {"invalid UTF-8 scheme", "\xc3\x28\xa0\xa1 " + w.api},
      {"random bytes", noise},
      {"random bytes after the scheme", "Bearer " + noise.substr(0, 200)},
      {"basic with binary", "Basic " + e2e::base64(std::string("svc\0:", 5) + w.legacy)},
      {"control characters", "Authorization:\x01\x02\x03 Bearer \x7f"},
  };
  for (const auto& [what, header] : garbage) {
    INFO(what);
    for (const char* webhook : {"orders", "legacy"}) {
      INFO(webhook);
      const std::string before = state(s);
      Result plain = s.run({"auth", "verify", webhook}, header);
      CHECK(plain.code == 5);
      CHECK(starts_with(plain.out, "401 "));
      Result r = verify(s, webhook, header);
      CHECK(r.code == 5);
      json j = r.json();  // valid JSON even with binary input
      CHECK(j["status"] == 401);
      CHECK(j["reason"].is_string());
      CHECK(state(s) == before);
    }
  }
  CHECK(verify(s, "orders", "Bearer " + w.api).code == 0);
}

TEST_CASE("a token sent without its scheme is refused without echoing any of it") {
  // 0.1 quoted the first 20 characters of the value as an "unknown scheme": the prefix and half
  // the id, which a log or a terminal scrollback then kept.
  World w;
  Sandbox& s = w.s;
  for (const std::string& value : {w.api, w.api.substr(0, 20), w.legacy}) {
    INFO(value.substr(0, 4));
    Result r = s.run({"auth", "verify", "orders"}, value);
    CHECK(r.code == 5);
    CHECK(
        r.out ==
        "401 malformed-header: no scheme: the value starts with a token; send 'Bearer <token>'\n");
    for (const std::string* text : {&r.out, &r.err})
      CHECK_FALSE(
          e2e::contains(*text, value.substr(0, 5)));  // not even the prefix and one character
    Result j = verify(s, "orders", value);
    CHECK(j.code == 5);
    CHECK_FALSE(e2e::contains(j.out + j.err, value.substr(0, 5)));
  }
}

TEST_CASE("auth verify on an unknown webhook is exit 3") {
  World w;
  Sandbox& s = w.s;
  const std::string before = state(s);
  for (const std::string& name :
       {std::string("ghost"), std::string("orders2"), std::string("x!"), std::string("")}) {
    INFO("webhook '" << name << "'");
    Result r = s.run({"auth", "verify", name}, "Bearer " + w.api);
    CHECK(r.code == 3);
    CHECK(r.out.empty());
    CHECK_FALSE(r.err.empty());
    Result j = verify(s, name, "Bearer " + w.api);
    CHECK(j.code == 3);
    CHECK(j.out.empty());
    CHECK(j.error_json()["error"]["code"] == "not_found");
  }
  CHECK(state(s) == before);
}

namespace {

// The auth.rejected events about `webhook`, as `audit --json` shows them.
std::vector<json> rejection_events(const Sandbox& s, const std::string& webhook) {
  Result audit = s.run({"audit", "--subject", webhook, "--json"});
  INFO(audit.err);
  REQUIRE(audit.code == 0);
  std::vector<json> out;
  for (const auto& e : audit.json())
    if (e["action"] == "auth.rejected") out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("a flood of rejected calls adds one audit event per webhook, reason and hour, counted") {
  World w;
  Sandbox& s = w.s;
  s.at("2026-01-01T10:15:00Z");
  const std::string before = state(s);
  const size_t audit_before = audit_rows(s);
  for (int i = 0; i < 200; ++i) {
    Result r = s.run({"auth", "verify", "orders"}, "Bearer " + w.stale);
    REQUIRE(r.code == 5);
  }
  CHECK(audit_rows(s) == audit_before + 1);  // one summary, whatever the rate
  CHECK(state(s) == before);
  std::vector<json> events = rejection_events(s, "orders");
  REQUIRE(events.size() == 1);
  CHECK(events[0]["at"] == "2026-01-01T10:15:00Z");
  CHECK(starts_with(events[0]["details"], "wrong-secret: token=" + e2e::token_id(w.stale)));
  CHECK(events[0]["repeated"] == 199);  // the later ones are counted, not dropped

  // Different junk with the same reason on the same webhook, later in the hour: the same event.
  s.at("2026-01-01T10:59:59Z");
  for (int i = 0; i < 50; ++i) {
    Result r = s.run({"auth", "verify", "orders"}, "Bearer junk-" + std::to_string(i));
    REQUIRE(r.code == 5);
  }
  events = rejection_events(s, "orders");
  REQUIRE(events.size() == 2);  // malformed-token is another reason: its own summary
  CHECK(events[0]["repeated"] == 199);
  CHECK(starts_with(events[1]["details"], "malformed-token: "));
  CHECK(events[1]["repeated"] == 49);

  // The human table shows the count in the details.
  Result text = s.run({"audit", "--subject", "orders", "--wide"});
  REQUIRE(text.code == 0);
  CHECK(e2e::contains(text.out, "(first such rejection this hour; 199 more in the hour)"));
  CHECK(e2e::contains(text.out, "(first such rejection this hour; 49 more in the hour)"));

  // The next clock hour starts a new summary; the last hour's keeps its count.
  s.at("2026-01-01T11:00:00Z");
  for (int i = 0; i < 3; ++i) REQUIRE(verify(s, "orders", "Bearer " + w.stale).code == 5);
  events = rejection_events(s, "orders");
  REQUIRE(events.size() == 3);
  CHECK(events[0]["repeated"] == 199);
  CHECK(events[2]["at"] == "2026-01-01T11:00:00Z");
  CHECK(starts_with(events[2]["details"], "wrong-secret: "));
  CHECK(events[2]["repeated"] == 2);
  CHECK(state(s) == before);
}

TEST_CASE("an accepted call records the use on the token and the owner") {
  World w;
  Sandbox& s = w.s;
  const std::string api_id = e2e::token_id(w.api);
  const std::string legacy_id = e2e::token_id(w.legacy);

  s.at("2026-01-02T03:04:05Z");
  const size_t audit_before = audit_rows(s);
  Result r = verify(s, "orders", "Bearer " + w.api);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.json() == json{{"status", 200},
                         {"webhook", "orders"},
                         {"user", "svc"},
                         {"token", api_id},
                         {"code", nullptr},
                         {"reason", nullptr},
                         {"recorded", true}});
  json t = s.run({"token", "show", api_id, "--json"}).json();
  CHECK(t["last_used_at"] == "2026-01-02T03:04:05Z");
  json u = s.run({"user", "show", "svc", "--json"}).json();
  CHECK(u["last_activity_at"] == "2026-01-02T03:04:05Z");
  CHECK(u["last_activity_source"] == "token:" + api_id);
  CHECK(u["inactive_at"] == "2026-03-03T03:04:05Z");
  CHECK(s.run({"webhook", "show", "orders", "--json"}).json()["breaks_at"] ==
        "2026-03-03T03:04:05Z");
  // Accepted calls are activity, not audit events.
  CHECK(audit_rows(s) == audit_before);
  // The other tokens were not touched.
  CHECK(s.run({"token", "show", legacy_id, "--json"}).json()["last_used_at"].is_null());

  // Plain output, header variants.
  s.at("2026-01-05T00:00:00Z");
  for (const std::string& header :
       {"Bearer " + w.api, "bearer " + w.api, "BEARER " + w.api, "Authorization: Bearer " + w.api,
        "authorization:Bearer " + w.api + "\r\n", "  Bearer   " + w.api + "\n"}) {
    INFO(header);
    Result ok = s.run({"auth", "verify", "orders"}, header);
    CHECK(ok.code == 0);
    CHECK(ok.out == "200\n");
  }
  CHECK(s.run({"token", "show", api_id, "--json"}).json()["last_used_at"] ==
        "2026-01-05T00:00:00Z");

  // Basic: the App token's owner is recorded the same way.
  s.at("2026-01-06T00:00:00Z");
  Result b = verify(s, "legacy", "Basic " + e2e::base64("svc:" + w.legacy));
  REQUIRE(b.code == 0);
  CHECK(b.json()["token"] == legacy_id);
  CHECK(s.run({"token", "show", legacy_id, "--json"}).json()["last_used_at"] ==
        "2026-01-06T00:00:00Z");
  u = s.run({"user", "show", "svc", "--json"}).json();
  CHECK(u["last_activity_at"] == "2026-01-06T00:00:00Z");
  CHECK(u["last_activity_source"] == "token:" + legacy_id);
  // alice's account was not touched by svc's calls.
  CHECK(s.run({"user", "show", "alice", "--json"}).json()["last_activity_at"] == t0);

  // A call 59 days later still works and pushes inactivity out again.
  s.at("2026-03-06T00:00:00Z");
  CHECK(verify(s, "orders", "Bearer " + w.api).code == 0);
  CHECK(s.run({"user", "show", "svc", "--json"}).json()["inactive_at"] == "2026-05-05T00:00:00Z");
}

TEST_CASE("auth verify --no-record decides as a call would and writes nothing") {
  World w;
  Sandbox& s = w.s;
  s.at("2026-02-15T00:00:00Z");
  const std::string before = s.dump();
  Result ok = s.run({"auth", "verify", "orders", "--no-record", "--json"}, "Bearer " + w.api);
  REQUIRE(ok.code == 0);
  CHECK(ok.json()["status"] == 200);
  CHECK(ok.json()["code"].is_null());
  CHECK(ok.json()["recorded"] == false);
  Result bad = s.run({"auth", "verify", "orders", "--no-record"}, "Bearer " + w.stale);
  CHECK(bad.code == 5);
  CHECK(starts_with(bad.out, "401 wrong-secret: "));
  CHECK(s.dump() == before);  // no activity, no last use, no audit summary

  // Without it, the same acceptance is recorded.
  Result counted = s.run({"auth", "verify", "orders", "--json"}, "Bearer " + w.api);
  REQUIRE(counted.code == 0);
  CHECK(counted.json()["recorded"] == true);
  CHECK(s.dump() != before);
}
