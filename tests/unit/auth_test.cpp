#include "hookctl/auth.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "hookctl/error.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::days;
using fixture::error_kind;
using fixture::Fixture;
using fixture::secs;
using fixture::T;

namespace {

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int shift : {18, 12, 6, 0}) out += table[v >> shift & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += table[v >> 6 & 63];
    out += "=";
  }
  return out;
}

std::string bearer(std::string_view secret) { return "Bearer " + std::string(secret); }
std::string bearer(const IssuedCredential& c) { return bearer(c.secret.view()); }
std::string basic(const std::string& user, const IssuedCredential& c) {
  return "Basic " + base64(user + ":" + std::string(c.secret.view()));
}

// The rows a rejection must not touch.
std::string accounts_and_tokens(Fixture& f) {
  std::string out;
  for (const char* sql : {"SELECT * FROM accounts ORDER BY id", "SELECT * FROM tokens ORDER BY id",
                          "SELECT * FROM webhooks ORDER BY id"}) {
    auto& q = f.store->statement(sql);
    while (q.step()) {
      for (int i = 0; i < q.columns(); ++i) {
        out += q.is_null(i) ? std::string("NULL") : q.text(i);
        out += '|';
      }
      out += '\n';
    }
  }
  return out;
}

// svc (service) owns the App token of bearer webhook "orders" and an integration token bound to
// basic webhook "payments"; alice (person) owns an unbound integration token.
struct World {
  Fixture f;
  Installation orders;
  Installation payments;
  IssuedCredential api;
  IssuedCredential spare;
  World() {
    f.service("svc");
    f.user("alice");
    orders = f.webhook("orders", "svc");
    payments = f.webhook("payments", "svc", AuthScheme::basic);
    api = f.token("svc");
    spare = f.token("alice");
    auto s = f.now();
    bind_webhook(s, "payments", api.token.id);
  }
};

// Calls `webhook` and checks the call is refused for `why` without touching any account or token.
Verdict refused(Fixture& f, Time when, const std::string& webhook, const std::string& header,
                Rejection why) {
  const std::string before = accounts_and_tokens(f);
  auto s = f.at(when);
  Verdict v = verify_call(s, webhook, header);
  CHECK_FALSE(v.accepted);
  CHECK(v.rejection == why);
  CHECK(v.reason.rfind(std::string(to_string(why)) + ": ", 0) == 0);
  CHECK(v.webhook == webhook);
  CHECK(accounts_and_tokens(f) == before);
  return v;
}

}  // namespace

TEST_CASE("a bearer call with the bound token is accepted and recorded as the owner's activity") {
  World w;
  const Time when = w.f.start + days(10);
  const int64_t events = w.f.scalar("SELECT count(*) FROM audit");
  auto s = w.f.at(when);
  Verdict v = verify_call(s, "orders", bearer(w.orders.credential));
  CHECK(v.accepted);
  CHECK(v.activity_recorded);
  CHECK(w.f.scalar("SELECT count(*) FROM audit") == events);  // activity, not an audit event
  CHECK(v.rejection == Rejection::none);
  CHECK(v.webhook == "orders");
  CHECK(v.user == std::optional<std::string>("svc"));
  CHECK(v.token == std::optional<std::string>(w.orders.credential.token.id));
  CHECK(v.reason.empty());

  Token t = w.f.token_row(w.orders.credential.token.id, when);
  CHECK(t.last_used_at == std::optional<Time>(when));
  Account a = w.f.account("svc", when);
  CHECK(a.last_activity_at == when);
  CHECK(a.last_activity_source == "token:" + w.orders.credential.token.id);
  CHECK(a.inactive_at == when + days(60));
  // Using a token keeps the account active past the original 60 days.
  CHECK(w.f.account("svc", w.f.start + days(65)).active);
}

TEST_CASE("a basic call with the owner's name and the bound token is accepted") {
  World w;
  const Time when = w.f.start + days(1);
  auto s = w.f.at(when);
  Verdict v = verify_call(s, "payments", basic("svc", w.api));
  CHECK(v.accepted);
  CHECK(v.user == std::optional<std::string>("svc"));
  CHECK(w.f.token_row(w.api.token.id, when).last_used_at == std::optional<Time>(when));
  CHECK(w.f.account("svc", when).last_activity_source == "token:" + w.api.token.id);
}

TEST_CASE("the header may carry an Authorization: prefix, any scheme case, and a newline") {
  World w;
  auto s = w.f.now();
  CHECK(
      verify_call(s, "orders",
                  "Authorization: bearer " + std::string(w.orders.credential.secret.view()) + "\n")
          .accepted);
  CHECK(verify_call(s, "ORDERS", "BEARER " + std::string(w.orders.credential.secret.view()))
            .accepted);
}

TEST_CASE("an unknown webhook is not_found and changes nothing") {
  World w;
  const std::string before = w.f.dump();
  auto s = w.f.now();
  CHECK(error_kind([&] { verify_call(s, "ghost", bearer(w.orders.credential)); }) ==
        ErrorKind::not_found);
  CHECK(w.f.dump() == before);
}

TEST_CASE("rejections before the token is identified reveal no user or token") {
  World w;
  const Time when = w.f.start + days(1);
  const std::string good(w.orders.credential.secret.view());

  SECTION("malformed header") {
    for (const std::string& h :
         {std::string(""), std::string("Token " + good), std::string("Bearer"),
          std::string("Basic %%%"), std::string("Basic " + base64("no-colon")),
          std::string("Bearer " + std::string(9000, 'a'))}) {
      INFO(h.substr(0, 40));
      Verdict v = refused(w.f, when, "orders", h, Rejection::malformed_header);
      CHECK_FALSE(v.user.has_value());
      CHECK_FALSE(v.token.has_value());
    }
  }
  SECTION("wrong scheme, both ways") {
    Verdict v =
        refused(w.f, when, "orders", basic("svc", w.orders.credential), Rejection::wrong_scheme);
    CHECK_FALSE(v.token.has_value());
    refused(w.f, when, "payments", bearer(w.api), Rejection::wrong_scheme);
  }
  SECTION("malformed token") {
    for (const std::string& t : {std::string("abc"), good.substr(0, 74), good + "a",
                                 "hkx_" + good.substr(4), std::string(75, 'a')}) {
      INFO(t);
      Verdict v = refused(w.f, when, "orders", bearer(t), Rejection::malformed_token);
      CHECK_FALSE(v.token.has_value());
    }
  }
  SECTION("bad checksum: one mistyped character") {
    std::string typo = good;
    typo[40] = typo[40] == 'a' ? 'b' : 'a';
    Verdict v = refused(w.f, when, "orders", bearer(typo), Rejection::bad_checksum);
    CHECK_FALSE(v.token.has_value());
  }
  SECTION("unknown token") {
    IssuedToken stranger = issue_token(TokenKind::app);
    Verdict v =
        refused(w.f, when, "orders", bearer(stranger.text.view()), Rejection::unknown_token);
    CHECK_FALSE(v.token.has_value());
    CHECK_FALSE(v.user.has_value());
  }
  SECTION("wrong secret for a known id") {
    IssuedToken forged = issue_token(TokenKind::app, w.orders.credential.token.id);
    REQUIRE(parse_token(forged.text.view()).problem == TokenProblem::none);
    Verdict v = refused(w.f, when, "orders", bearer(forged.text.view()), Rejection::wrong_secret);
    CHECK_FALSE(v.token.has_value());  // the caller has not proved it holds the token
    CHECK_FALSE(v.user.has_value());
  }
}

TEST_CASE("the previous secret after its grace is grace_ended") {
  World w;
  auto s = w.f.now();
  RotateOptions options;
  options.grace = Duration{600};
  rotate_token(s, w.orders.credential.token.id, options);
  auto in_grace = w.f.at(w.f.start + Duration{599});
  CHECK(verify_call(in_grace, "orders", bearer(w.orders.credential)).accepted);
  refused(w.f, w.f.start + Duration{600}, "orders", bearer(w.orders.credential),
          Rejection::grace_ended);
}

TEST_CASE("a revoked token is refused") {
  World w;
  auto s = w.f.now();
  revoke_token(s, w.orders.credential.token.id);
  Verdict v =
      refused(w.f, w.f.start + secs(1), "orders", bearer(w.orders.credential), Rejection::revoked);
  CHECK(v.token == std::optional<std::string>(w.orders.credential.token.id));
  CHECK(v.user == std::optional<std::string>("svc"));
}

TEST_CASE("an expired token is refused from its expiry on") {
  World w;
  auto expiring = w.f.token("svc", w.f.start, days(2));
  auto s = w.f.now();
  bind_webhook(s, "orders", expiring.token.id);
  auto before = w.f.at(w.f.start + days(2) - secs(1));
  CHECK(verify_call(before, "orders", bearer(expiring)).accepted);
  Verdict v = refused(w.f, w.f.start + days(2), "orders", bearer(expiring), Rejection::expired);
  CHECK(v.token == std::optional<std::string>(expiring.token.id));
}

TEST_CASE("a valid token that the webhook is not bound to is not_bound") {
  World w;
  const Time when = w.f.start + days(1);
  // An unbound integration token.
  Verdict v = refused(w.f, when, "orders", bearer(w.spare), Rejection::not_bound);
  CHECK(v.user == std::optional<std::string>("alice"));
  // Another webhook's App token, even with the right owner name.
  refused(w.f, when, "payments", basic("svc", w.orders.credential), Rejection::not_bound);
}

TEST_CASE("a token whose owner is inactive is refused and does not reactivate the owner") {
  World w;
  const Time inactive_at = w.f.start + days(60);
  auto before = w.f.at(inactive_at - secs(1));
  CHECK(verify_call(before, "orders", bearer(w.orders.credential)).accepted);
  // That call was activity: the owner now has 60 more days.
  const Time new_inactive_at = inactive_at - secs(1) + days(60);
  CHECK(w.f.account("svc", inactive_at).active);
  Verdict v = refused(w.f, new_inactive_at, "orders", bearer(w.orders.credential),
                      Rejection::owner_inactive);
  CHECK(v.user == std::optional<std::string>("svc"));
  CHECK(v.reason.find("reactivate") != std::string::npos);
  CHECK_FALSE(w.f.account("svc", new_inactive_at).active);
  CHECK_FALSE(w.f.account("svc", new_inactive_at + days(1)).active);
}

TEST_CASE("basic with a username other than the token owner is bad_username") {
  World w;
  Verdict v =
      refused(w.f, w.f.start + days(1), "payments", basic("alice", w.api), Rejection::bad_username);
  CHECK(v.user == std::optional<std::string>("svc"));
  refused(w.f, w.f.start + days(1), "payments", basic("", w.api), Rejection::bad_username);
}

TEST_CASE("accepted calls write activity at most once a minute per token") {
  World w;
  const Time t0 = w.f.start + days(1);
  auto first = w.f.at(t0);
  REQUIRE(verify_call(first, "orders", bearer(w.orders.credential)).accepted);
  const std::string after_first = w.f.dump();

  auto thirty = w.f.at(t0 + secs(30));
  REQUIRE(verify_call(thirty, "orders", bearer(w.orders.credential)).accepted);
  CHECK(w.f.dump() == after_first);  // nothing written
  CHECK(w.f.token_row(w.orders.credential.token.id, t0 + secs(30)).last_used_at ==
        std::optional<Time>(t0));

  auto fifty_nine = w.f.at(t0 + secs(59));
  REQUIRE(verify_call(fifty_nine, "orders", bearer(w.orders.credential)).accepted);
  CHECK(w.f.dump() == after_first);

  auto minute = w.f.at(t0 + secs(60));
  REQUIRE(verify_call(minute, "orders", bearer(w.orders.credential)).accepted);
  CHECK(w.f.token_row(w.orders.credential.token.id, t0 + secs(60)).last_used_at ==
        std::optional<Time>(t0 + secs(60)));
  CHECK(w.f.account("svc", t0 + secs(60)).last_activity_at == t0 + secs(60));
}

TEST_CASE("a token's use is recorded after a minute even while its owner is busy elsewhere") {
  World w;
  const Time t0 = w.f.start + days(1);
  auto first = w.f.at(t0);
  REQUIRE(verify_call(first, "orders", bearer(w.orders.credential)).accepted);
  auto other = w.f.at(t0 + secs(30));  // the owner's activity is now 30 s old at t0 + 60 s
  REQUIRE(verify_call(other, "payments", basic("svc", w.api)).accepted);
  auto minute = w.f.at(t0 + secs(60));
  REQUIRE(verify_call(minute, "orders", bearer(w.orders.credential)).accepted);
  CHECK(w.f.token_row(w.orders.credential.token.id, t0 + secs(60)).last_used_at ==
        std::optional<Time>(t0 + secs(60)));
  Account a = w.f.account("svc", t0 + secs(60));
  CHECK(a.last_activity_at == t0 + secs(60));
  CHECK(a.last_activity_source == "token:" + w.orders.credential.token.id);
}

TEST_CASE("a call right after a token moved owner records the new owner's activity") {
  World w;
  w.f.service("heir", w.f.start + days(1));
  const Time t0 = w.f.start + days(5);
  auto first = w.f.at(t0);
  REQUIRE(verify_call(first, "payments", basic("svc", w.api)).accepted);
  // The token moves to heir without a new secret (a transfer on deletion keeps secrets).
  auto move = w.f.at(t0 + secs(5));
  revoke_token(move, w.orders.credential.token.id);
  delete_account(move, "svc", std::string("heir"));
  auto call = w.f.at(t0 + secs(10));  // the token was used 10 s ago, heir has been idle 4 days
  REQUIRE(verify_call(call, "payments", basic("heir", w.api)).accepted);
  Account heir = w.f.account("heir", t0 + secs(10));
  CHECK(heir.last_activity_at == t0 + secs(10));
  CHECK(heir.last_activity_source == "token:" + w.api.token.id);
}

TEST_CASE("a fresh use of another token by the same owner is still recorded") {
  World w;
  const Time t0 = w.f.start + days(1);
  auto s = w.f.at(t0);
  REQUIRE(verify_call(s, "orders", bearer(w.orders.credential)).accepted);
  auto later = w.f.at(t0 + secs(10));
  REQUIRE(verify_call(later, "payments", basic("svc", w.api)).accepted);
  CHECK(w.f.token_row(w.api.token.id, t0 + secs(10)).last_used_at ==
        std::optional<Time>(t0 + secs(10)));
  CHECK(w.f.account("svc", t0 + secs(10)).last_activity_source == "token:" + w.api.token.id);
}

TEST_CASE("a flood of rejected calls adds one audit event per reason per hour") {
  World w;
  const Time hour = T("2026-01-05T08:00:00Z");
  const int64_t before = w.f.scalar("SELECT count(*) FROM audit");
  IssuedToken stranger = issue_token(TokenKind::app);
  for (int i = 0; i < 200; ++i) {
    auto s = w.f.at(hour + Duration{i * 15});  // 200 calls over 50 minutes
    CHECK_FALSE(verify_call(s, "orders", bearer(stranger.text.view())).accepted);
    CHECK_FALSE(verify_call(s, "orders", "Token nonsense").accepted);
  }
  CHECK(w.f.scalar("SELECT count(*) FROM audit") == before + 2);
  auto next_hour = w.f.at(hour + Duration{3600});
  verify_call(next_hour, "orders", bearer(stranger.text.view()));
  CHECK(w.f.scalar("SELECT count(*) FROM audit") == before + 3);
  for (const auto& e : w.f.audit()) {
    CHECK(e.details.find(std::string(stranger.text.view())) == std::string::npos);
    CHECK(e.details.find(std::string(w.orders.credential.secret.view())) == std::string::npos);
  }
}

TEST_CASE("rejection codes are kebab-case") {
  CHECK(to_string(Rejection::owner_inactive) == "owner-inactive");
  CHECK(to_string(Rejection::wrong_secret) == "wrong-secret");
  CHECK(to_string(Rejection::malformed_header) == "malformed-header");
  CHECK(to_string(Rejection::not_bound) == "not-bound");
  CHECK(to_string(Rejection::bad_username) == "bad-username");
  CHECK(to_string(Rejection::grace_ended) == "grace-ended");
}

TEST_CASE("decide_call decides exactly as verify_call and writes nothing, not even a rejection") {
  World w;
  const Time when = w.f.start + days(10);
  const std::string before = w.f.dump();
  auto s = w.f.at(when);
  Verdict accepted = decide_call(s, "orders", bearer(w.orders.credential));
  CHECK(accepted.accepted);
  CHECK_FALSE(accepted.use_recent);
  CHECK(accepted.owner_inactive_at == w.f.start + days(60));
  Verdict rejected = decide_call(s, "orders", bearer(w.api));
  CHECK(rejected.rejection == Rejection::not_bound);
  CHECK(w.f.dump() == before);  // neither the use nor the rejection summary

  auto again = w.f.at(when);
  Verdict full = verify_call(again, "orders", bearer(w.api));
  CHECK(full.rejection == rejected.rejection);
  CHECK(full.reason == rejected.reason);
  CHECK(w.f.scalar("SELECT count(*) FROM audit WHERE action = 'auth.rejected'") == 1);
}

TEST_CASE("decide_calls decides each call as decide_call does, with one read, writing nothing") {
  World w;
  const Time when = w.f.start + days(10);
  std::string typo = bearer(w.api);
  typo[20] = typo[20] == 'a' ? 'b' : 'a';
  const std::vector<std::pair<std::string, std::string>> texts{
      {"orders", bearer(w.orders.credential)},  // accepted
      {"ORDERS", bearer(w.orders.credential)},  // names match in any case
      {"orders", bearer(w.api)},                // not bound
      {"payments", basic("svc", w.api)},        // accepted
      {"payments", basic("alice", w.api)},      // bad username
      {"payments", bearer(w.api)},              // wrong scheme
      {"orders", bearer(w.spare)},              // another owner's token, not bound
      {"orders", typo},                         // bad checksum
      {"orders", "Bearer nonsense"},            // malformed token
      {"orders", ""},                           // no header
      {"ghost", bearer(w.api)},                 // no such webhook
      {"or\"d\\ers", bearer(w.api)},            // not a name (and not valid in an array)
      {"orders", bearer(w.orders.credential)},  // the same call twice
  };
  std::vector<Call> calls;
  for (const auto& [webhook, header] : texts) calls.push_back({webhook, header});
  const std::string before = w.f.dump();
  auto together = w.f.at(when);
  const std::vector<std::optional<Verdict>> verdicts = decide_calls(together, calls);
  REQUIRE(verdicts.size() == calls.size());
  CHECK(w.f.dump() == before);
  for (size_t i = 0; i < calls.size(); ++i) {
    INFO(texts[i].first << " " << i);
    auto alone = w.f.at(when);
    std::optional<Verdict> one;
    try {
      one = decide_call(alone, calls[i].webhook, calls[i].authorization);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::not_found);
    }
    REQUIRE(verdicts[i].has_value() == one.has_value());
    if (!one) continue;
    CHECK(verdicts[i]->accepted == one->accepted);
    CHECK(verdicts[i]->rejection == one->rejection);
    CHECK(verdicts[i]->reason == one->reason);
    CHECK(verdicts[i]->webhook == one->webhook);
    CHECK(verdicts[i]->user == one->user);
    CHECK(verdicts[i]->token == one->token);
    CHECK(verdicts[i]->owner_inactive_at == one->owner_inactive_at);
  }
  CHECK(verdicts[0]->accepted);
  CHECK(verdicts[1]->webhook == "orders");
  CHECK(verdicts[3]->accepted);
  CHECK(verdicts[4]->rejection == Rejection::bad_username);
  CHECK_FALSE(verdicts[10]);
  CHECK_FALSE(verdicts[11]);
  CHECK(decide_calls(together, {}).empty());
}

TEST_CASE("record_uses writes a batch of uses, each only over a time a minute older") {
  World w;
  const Time t0 = w.f.start + days(1);
  const std::string orders_id = w.orders.credential.token.id;
  auto s = w.f.at(t0);
  Verdict v = decide_call(s, "orders", bearer(w.orders.credential));
  REQUIRE(v.accepted);
  record_uses(*w.f.store, {{orders_id, v.owner_id, t0}, {w.api.token.id, v.owner_id, t0}});
  CHECK(w.f.token_row(orders_id, t0).last_used_at == std::optional<Time>(t0));
  CHECK(w.f.token_row(w.api.token.id, t0).last_used_at == std::optional<Time>(t0));
  CHECK(w.f.account("svc", t0).last_activity_at == t0);

  // Another server flushing a use 30 s later changes nothing; one a minute later moves both.
  const std::string after = w.f.dump();
  record_uses(*w.f.store, {{orders_id, v.owner_id, t0 + secs(30)}});
  CHECK(w.f.dump() == after);
  record_uses(*w.f.store, {{orders_id, v.owner_id, t0 + secs(61)}});
  CHECK(w.f.token_row(orders_id, t0).last_used_at == std::optional<Time>(t0 + secs(61)));
  Account a = w.f.account("svc", t0 + secs(61));
  CHECK(a.last_activity_at == t0 + secs(61));
  CHECK(a.last_activity_source == "token:" + orders_id);
  // An older flush arriving late never moves a time backwards.
  record_uses(*w.f.store, {{orders_id, v.owner_id, t0}});
  CHECK(w.f.token_row(orders_id, t0).last_used_at == std::optional<Time>(t0 + secs(61)));
}
