#include "hookctl/tokens.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "hookctl/auth.hpp"
#include "hookctl/error.hpp"
#include "hookctl/webhooks.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::days;
using fixture::error_kind;
using fixture::Fixture;
using fixture::secs;
using fixture::T;

namespace {

std::vector<std::string> ids(Fixture& f, Time now, const TokenFilter& filter) {
  auto s = f.at(now);
  std::vector<std::string> out;
  list_tokens(s, filter, [&](const Token& t) { out.push_back(t.id); });
  return out;
}

std::string bearer(const IssuedCredential& c) { return "Bearer " + std::string(c.secret.view()); }

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("create_token issues an integration token shown once and stored as a hash") {
  Fixture f;
  f.service("svc");
  auto s = f.now();
  IssuedCredential c = create_token(s, "SVC", std::string("ci deploys"), days(30));
  CHECK(c.token.kind == TokenKind::api);
  CHECK(c.token.owner == "svc");
  CHECK(c.token.owner_kind == AccountKind::service);
  CHECK(c.token.name == std::optional<std::string>("ci deploys"));
  CHECK(c.token.status == TokenStatus::active);
  CHECK(c.token.created_at == f.start);
  CHECK(c.token.expires_at == std::optional<Time>(f.start + days(30)));
  CHECK_FALSE(c.token.last_used_at.has_value());
  CHECK_FALSE(c.token.revoked_at.has_value());
  CHECK(c.token.webhooks.empty());

  const std::string secret(c.secret.view());
  CHECK(secret.rfind("hki_", 0) == 0);
  ParsedToken p = parse_token(secret);
  CHECK(p.problem == TokenProblem::none);
  CHECK(p.id == c.token.id);

  // The store keeps the BLAKE2b hash of the token, never its text; the audit log neither.
  auto& q = f.store->statement("SELECT secret_hash FROM tokens WHERE id = ?1");
  q.bind(1, c.token.id);
  REQUIRE(q.step());
  TokenHash expected = hash_token(secret);
  CHECK(q.bytes(0).size() == 32);
  CHECK(hashes_equal(expected, q.bytes(0).data(), 32));
  q.reset();
  CHECK_FALSE(contains(f.dump(), secret));
  CHECK_FALSE(contains(f.dump(), secret.substr(17, token_secret_length)));
  CHECK(f.account("svc").tokens == 1);
}

TEST_CASE("rename_token relabels a token, audits the change, and leaves everything else") {
  Fixture f;
  f.service("svc");
  IssuedCredential c = [&] {
    auto s = f.now();
    return create_token(s, "svc", std::string("old"), std::nullopt);
  }();
  auto secret_hash = [&] {
    auto& q = f.store->statement("SELECT secret_hash FROM tokens WHERE id = ?1");
    q.bind(1, c.token.id);
    REQUIRE(q.step());
    std::string hash(q.bytes(0));
    q.reset();
    return hash;
  };
  const std::string hash_before = secret_hash();
  auto s = f.at(f.start + days(1));
  TokenEdit e = rename_token(s, c.token.id, "orders sync");
  CHECK(e.changed);
  CHECK(e.previous_name == std::optional<std::string>("old"));
  CHECK(e.token.name == std::optional<std::string>("orders sync"));
  CHECK(show_token(s, c.token.id).name == std::optional<std::string>("orders sync"));
  CHECK(secret_hash() == hash_before);  // only the label moved
  CHECK(e.token.status == TokenStatus::active);
  auto events = f.audit();
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().action == "token.edit");
  CHECK(events.back().details == "name old -> orders sync");

  // The same label again changes nothing and writes no event.
  const std::string before = f.dump();
  TokenEdit again = rename_token(s, c.token.id, "orders sync");
  CHECK_FALSE(again.changed);
  CHECK(f.dump() == before);

  // Refusals store nothing: a bad label, an unknown id.
  CHECK(error_kind([&] { rename_token(s, c.token.id, std::string("tab\there")); }) ==
        ErrorKind::usage);
  CHECK(error_kind([&] { rename_token(s, c.token.id, std::string(101, 'x')); }) ==
        ErrorKind::usage);
  CHECK(error_kind([&] { rename_token(s, "aaaaaaaaaaaa", "x"); }) == ErrorKind::not_found);
  CHECK(f.dump() == before);
}

TEST_CASE("create_token refuses inactive or unknown owners and bad values, storing nothing") {
  Fixture f;
  f.user("alice");
  const std::string before = f.dump();
  auto inactive = f.at(f.start + days(60));
  CHECK(error_kind([&] { create_token(inactive, "alice", std::nullopt, std::nullopt); }) ==
        ErrorKind::conflict);
  auto s = f.now();
  CHECK(error_kind([&] { create_token(s, "ghost", std::nullopt, std::nullopt); }) ==
        ErrorKind::not_found);
  CHECK(error_kind([&] { create_token(s, "alice", std::string(101, 'x'), std::nullopt); }) ==
        ErrorKind::usage);
  CHECK(error_kind([&] { create_token(s, "alice", std::string("a\nb"), std::nullopt); }) ==
        ErrorKind::usage);
  CHECK(error_kind([&] { create_token(s, "alice", std::nullopt, Duration{0}); }) ==
        ErrorKind::usage);
  CHECK(f.dump() == before);
  // One second before inactivity the owner may still get a token.
  auto last = f.at(f.start + days(60) - secs(1));
  CHECK_NOTHROW(create_token(last, "alice", std::nullopt, std::nullopt));
}

TEST_CASE("token status: revoked, then expired, then owner-inactive, then active") {
  Fixture f;
  f.user("alice");
  const Time expires = f.start + days(10);
  const Time inactive = f.start + days(60);
  auto expiring = f.token("alice", f.start, days(10));
  auto plain = f.token("alice");
  const std::string e = expiring.token.id;
  const std::string p = plain.token.id;

  CHECK(f.token_row(e, expires - secs(1)).status == TokenStatus::active);
  CHECK(f.token_row(e, expires).status == TokenStatus::expired);
  CHECK(f.token_row(e, inactive).status == TokenStatus::expired);  // expired beats owner-inactive
  CHECK(f.token_row(p, inactive - secs(1)).status == TokenStatus::active);
  CHECK(f.token_row(p, inactive).status == TokenStatus::owner_inactive);
  CHECK(f.token_row(p, inactive).owner_inactive_at == inactive);

  auto s = f.at(f.start + days(1));
  revoke_token(s, e);
  revoke_token(s, p);
  for (Time t : {f.start + days(1), expires, inactive}) {
    CHECK(f.token_row(e, t).status == TokenStatus::revoked);  // revoked beats everything
    CHECK(f.token_row(p, t).status == TokenStatus::revoked);
  }
}

TEST_CASE("token statuses print and parse as the manual spells them") {
  CHECK(to_string(TokenStatus::owner_inactive) == "owner-inactive");
  CHECK(to_string(TokenStatus::active) == "active");
  CHECK(to_string(TokenStatus::expired) == "expired");
  CHECK(to_string(TokenStatus::revoked) == "revoked");
  CHECK(from_string<TokenStatus>("owner-inactive") ==
        std::optional<TokenStatus>(TokenStatus::owner_inactive));
  CHECK(from_string<TokenStatus>("revoked") == std::optional<TokenStatus>(TokenStatus::revoked));
  CHECK_FALSE(from_string<TokenStatus>("owner_inactive").has_value());
  CHECK_FALSE(from_string<TokenStatus>("Active").has_value());
}

TEST_CASE("list_tokens filters by user, webhook, kind, status and hides revoked ones") {
  Fixture f;
  f.user("alice");
  f.service("svc");
  auto a1 = f.token("alice", f.start);
  auto hook = f.webhook("orders", "alice", AuthScheme::bearer, f.start + secs(1));
  auto s1 = f.token("svc", f.start + secs(2));
  auto s2 = f.token("svc", f.start + secs(3));
  auto s = f.at(f.start + secs(4));
  revoke_token(s, s2.token.id);
  const Time now = f.start + secs(10);
  const std::string app = hook.credential.token.id;

  CHECK(ids(f, now, {}) == std::vector<std::string>{a1.token.id, app, s1.token.id});
  TokenFilter all;
  all.all = true;
  CHECK(ids(f, now, all) == std::vector<std::string>{a1.token.id, app, s1.token.id, s2.token.id});
  TokenFilter revoked;
  revoked.status = TokenStatus::revoked;
  CHECK(ids(f, now, revoked) == std::vector<std::string>{s2.token.id});
  TokenFilter by_user;
  by_user.user = "SVC";
  CHECK(ids(f, now, by_user) == std::vector<std::string>{s1.token.id});
  TokenFilter by_hook;
  by_hook.webhook = "orders";
  CHECK(ids(f, now, by_hook) == std::vector<std::string>{app});
  TokenFilter apps;
  apps.kind = TokenKind::app;
  CHECK(ids(f, now, apps) == std::vector<std::string>{app});
  TokenFilter inactive_owner;
  inactive_owner.status = TokenStatus::owner_inactive;
  CHECK(ids(f, now, inactive_owner).empty());
  CHECK(ids(f, f.start + days(60), inactive_owner) ==
        std::vector<std::string>{a1.token.id, app, s1.token.id});

  auto q = f.at(now);
  TokenFilter ghost_user;
  ghost_user.user = "ghost";
  CHECK(error_kind([&] { list_tokens(q, ghost_user, [](const Token&) {}); }) ==
        ErrorKind::not_found);
  TokenFilter ghost_hook;
  ghost_hook.webhook = "ghost";
  CHECK(error_kind([&] { list_tokens(q, ghost_hook, [](const Token&) {}); }) ==
        ErrorKind::not_found);
}

TEST_CASE("list_tokens expiring_within is inclusive, soonest first, and skips expired tokens") {
  Fixture f;
  f.service("svc");
  const Time now = f.start + days(5);
  auto expired = f.token("svc", f.start, days(5));  // expires exactly now
  auto late = f.token("svc", f.start, days(12));    // now + 7d: at the window's end
  auto soon = f.token("svc", f.start, days(6));     // now + 1d
  auto outside = f.token("svc", f.start, days(12) + secs(1));
  auto never = f.token("svc");
  TokenFilter within;
  within.expiring_within = days(7);
  CHECK(ids(f, now, within) == std::vector<std::string>{soon.token.id, late.token.id});
  (void)expired;
  (void)outside;
  (void)never;
}

TEST_CASE("rotate keeps the id and bindings, issues a new secret and ends the old one") {
  Fixture f;
  f.service("svc");
  auto c = f.token("svc");
  f.webhook("orders", "svc");
  auto s = f.now();
  bind_webhook(s, "orders", c.token.id);
  const Time when = f.start + days(1);
  auto r = f.at(when);
  IssuedCredential rotated = rotate_token(r, c.token.id, {});
  CHECK(rotated.token.id == c.token.id);
  CHECK(rotated.token.webhooks == std::vector<std::string>{"orders"});
  CHECK(rotated.token.owner == "svc");
  CHECK(rotated.secret.view() != c.secret.view());
  CHECK(parse_token(rotated.secret.view()).id == c.token.id);
  CHECK_FALSE(rotated.token.previous_secret_valid_until.has_value());

  auto v = f.at(when + secs(1));
  Verdict old_secret = verify_call(v, "orders", bearer(c));
  CHECK_FALSE(old_secret.accepted);
  CHECK(old_secret.rejection == Rejection::wrong_secret);
  CHECK(verify_call(v, "orders", bearer(rotated)).accepted);
}

TEST_CASE("rotate with a grace keeps the previous secret working until the grace ends") {
  Fixture f;
  f.service("svc");
  auto c = f.token("svc");
  f.webhook("orders", "svc");
  auto s = f.now();
  bind_webhook(s, "orders", c.token.id);
  const Time when = f.start + days(1);
  auto r = f.at(when);
  RotateOptions options;
  options.grace = Duration{3600};
  IssuedCredential rotated = rotate_token(r, c.token.id, options);
  CHECK(rotated.token.previous_secret_valid_until == std::optional<Time>(when + Duration{3600}));

  auto in_grace = f.at(when + Duration{3599});
  CHECK(verify_call(in_grace, "orders", bearer(c)).accepted);
  CHECK(verify_call(in_grace, "orders", bearer(rotated)).accepted);
  auto ended = f.at(when + Duration{3600});
  Verdict v = verify_call(ended, "orders", bearer(c));
  CHECK_FALSE(v.accepted);
  CHECK(v.rejection == Rejection::grace_ended);
  CHECK(verify_call(ended, "orders", bearer(rotated)).accepted);
  // After the grace the token no longer reports a previous secret.
  CHECK_FALSE(f.token_row(c.token.id, when + Duration{3600}).previous_secret_valid_until);
}

TEST_CASE("rotate --owner moves the token to another active account only") {
  Fixture f;
  f.user("alice");
  f.service("svc");
  f.service("old-svc", f.start - days(61));
  auto c = f.token("alice");
  auto s = f.now();
  const std::string before = f.dump();
  RotateOptions to_inactive;
  to_inactive.owner = "old-svc";
  CHECK(error_kind([&] { rotate_token(s, c.token.id, to_inactive); }) == ErrorKind::conflict);
  RotateOptions to_ghost;
  to_ghost.owner = "ghost";
  CHECK(error_kind([&] { rotate_token(s, c.token.id, to_ghost); }) == ErrorKind::not_found);
  CHECK(f.dump() == before);

  RotateOptions to_svc;
  to_svc.owner = "SVC";
  IssuedCredential moved = rotate_token(s, c.token.id, to_svc);
  CHECK(moved.token.owner == "svc");
  CHECK(f.account("alice").tokens == 0);
  CHECK(f.account("svc").tokens == 1);
}

TEST_CASE("rotate repairs a token whose owner went inactive by moving it") {
  Fixture f;
  f.user("alice");
  auto hook = f.webhook("orders", "alice");
  const Time later = f.start + days(70);
  f.service("svc", later);
  auto s = f.at(later);
  REQUIRE(show_webhook(s, "orders").broken);
  RotateOptions options;
  options.owner = "svc";
  IssuedCredential moved = rotate_token(s, hook.credential.token.id, options);
  CHECK(moved.token.status == TokenStatus::active);
  Webhook w = show_webhook(s, "orders");
  CHECK_FALSE(w.broken);
  CHECK(w.owner == std::optional<std::string>("svc"));
  auto v = f.at(later + secs(1));
  CHECK(verify_call(v, "orders", bearer(moved)).accepted);
}

TEST_CASE("rotating a revoked token is a conflict") {
  Fixture f;
  f.service("svc");
  auto c = f.token("svc");
  auto s = f.now();
  revoke_token(s, c.token.id);
  const std::string before = f.dump();
  CHECK(error_kind([&] { rotate_token(s, c.token.id, {}); }) == ErrorKind::conflict);
  RotateOptions with_expiry;
  with_expiry.expires_in = days(30);
  CHECK(error_kind([&] { rotate_token(s, c.token.id, with_expiry); }) == ErrorKind::conflict);
  CHECK(f.dump() == before);
}

TEST_CASE("an expired token rotates only with a new expiry") {
  Fixture f;
  f.service("svc");
  auto c = f.token("svc", f.start, days(1));
  const Time later = f.start + days(2);
  auto s = f.at(later);
  const std::string before = f.dump();
  CHECK(error_kind([&] { rotate_token(s, c.token.id, {}); }) == ErrorKind::conflict);
  CHECK(f.dump() == before);
  RotateOptions options;
  options.expires_in = days(30);
  IssuedCredential r = rotate_token(s, c.token.id, options);
  CHECK(r.token.status == TokenStatus::active);
  CHECK(r.token.expires_at == std::optional<Time>(later + days(30)));
}

TEST_CASE("rotate without expires_in keeps the expiry, with it sets a new one") {
  Fixture f;
  f.service("svc");
  auto c = f.token("svc", f.start, days(10));
  auto s = f.at(f.start + days(1));
  CHECK(rotate_token(s, c.token.id, {}).token.expires_at ==
        std::optional<Time>(f.start + days(10)));
  RotateOptions options;
  options.expires_in = days(3);
  CHECK(rotate_token(s, c.token.id, options).token.expires_at ==
        std::optional<Time>(f.start + days(4)));
  RotateOptions negative;
  negative.grace = Duration{-1};
  CHECK(error_kind([&] { rotate_token(s, c.token.id, negative); }) == ErrorKind::usage);
}

TEST_CASE("rotating or showing an unknown id is not_found, whatever its shape") {
  Fixture f;
  auto s = f.now();
  for (const char* id : {"abcdefghijkl", "x", "", "hki_abcdefghijkl", "'; DROP TABLE tokens"}) {
    INFO(id);
    CHECK(error_kind([&] { show_token(s, id); }) == ErrorKind::not_found);
    CHECK(error_kind([&] { rotate_token(s, id, {}); }) == ErrorKind::not_found);
    CHECK(error_kind([&] { revoke_token(s, id); }) == ErrorKind::not_found);
  }
}

TEST_CASE("revoke stops the token at once and names the webhooks left without a credential") {
  Fixture f;
  f.service("svc");
  auto c = f.token("svc");
  f.webhook("invoices", "svc");
  f.webhook("orders", "svc");
  auto s = f.now();
  bind_webhook(s, "orders", c.token.id);
  bind_webhook(s, "invoices", c.token.id);
  const Time when = f.start + days(1);
  auto r = f.at(when);
  Revocation rev = revoke_token(r, c.token.id);
  CHECK(rev.changed);
  CHECK(rev.webhooks_left == std::vector<std::string>{"invoices", "orders"});
  CHECK(rev.token.status == TokenStatus::revoked);
  CHECK(rev.token.revoked_at == std::optional<Time>(when));
  CHECK(f.account("svc", when).tokens == 0);

  Verdict v = verify_call(r, "orders", bearer(c));
  CHECK_FALSE(v.accepted);
  CHECK(v.rejection == Rejection::revoked);
  CHECK(show_webhook(r, "orders").broken);
}

TEST_CASE("revoking a revoked token changes nothing") {
  Fixture f;
  f.service("svc");
  auto c = f.token("svc");
  auto first = f.at(f.start + days(1));
  REQUIRE(revoke_token(first, c.token.id).changed);
  const std::string before = f.dump();
  auto again = f.at(f.start + days(2));
  Revocation rev = revoke_token(again, c.token.id);
  CHECK_FALSE(rev.changed);
  CHECK(rev.webhooks_left.empty());
  CHECK(rev.token.revoked_at == std::optional<Time>(f.start + days(1)));
  CHECK(f.dump() == before);
}

TEST_CASE("token events are audited without the secret") {
  Fixture f;
  f.service("svc");
  auto c = f.token("svc");
  auto s = f.now();
  IssuedCredential r = rotate_token(s, c.token.id, {});
  revoke_token(s, c.token.id);
  std::vector<std::string> actions;
  for (const auto& e : f.audit()) {
    CHECK_FALSE(contains(e.details, c.secret.view()));
    CHECK_FALSE(contains(e.details, r.secret.view()));
    if (e.subject == c.token.id) actions.push_back(e.action);
  }
  CHECK(actions == std::vector<std::string>{"token.create", "token.rotate", "token.revoke"});
}

TEST_CASE("rotating again during a grace period is refused unless forced") {
  Fixture f;
  f.service("svc");
  auto c = f.token("svc");
  f.webhook("orders", "svc");
  auto s = f.now();
  bind_webhook(s, "orders", c.token.id);
  const Time when = f.start + days(1);
  auto r = f.at(when);
  RotateOptions options;
  options.grace = Duration{3600};
  Rotation first = rotate_token(r, c.token.id, options);
  CHECK_FALSE(first.grace_cut_short);

  // A retried rotation (the script ran twice) would end the first one's grace at once.
  auto retry = f.at(when + Duration{60});
  const std::string before = f.dump();
  try {
    rotate_token(retry, c.token.id, options);
    FAIL("a rotation during the grace period was accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::conflict);
    CHECK(contains(e.what(), "until 2026-"));
    CHECK(contains(e.what(), "--force"));
  }
  CHECK(f.dump() == before);
  CHECK(verify_call(retry, "orders", bearer(c)).accepted);

  options.force = true;
  Rotation forced = rotate_token(retry, c.token.id, options);
  CHECK(forced.grace_cut_short == std::optional<Time>(when + Duration{3600}));
  auto after = f.at(when + Duration{61});
  CHECK(verify_call(after, "orders", bearer(c)).rejection == Rejection::wrong_secret);
  CHECK(verify_call(after, "orders", bearer(first)).accepted);
  CHECK(verify_call(after, "orders", bearer(forced)).accepted);

  // Once the grace is over, a rotation needs no --force.
  auto later = f.at(when + Duration{61 + 3600});
  RotateOptions plain;
  CHECK_FALSE(rotate_token(later, c.token.id, plain).grace_cut_short);
}

TEST_CASE("rotate --owner names the Basic-auth webhooks whose username changes") {
  Fixture f;
  f.service("svc");
  f.service("svc2");
  auto c = f.token("svc");
  f.webhook("orders", "svc");
  f.webhook("plain", "svc");
  auto s = f.now();
  NewWebhook basic{"basic-hook", "svc", AuthScheme::basic, std::nullopt};
  create_webhook(s, basic);
  bind_webhook(s, "basic-hook", c.token.id);
  bind_webhook(s, "plain", c.token.id);
  RotateOptions same_owner;
  CHECK(rotate_token(s, c.token.id, same_owner).basic_webhooks.empty());
  RotateOptions move;
  move.owner = "svc2";
  Rotation r = rotate_token(s, c.token.id, move);
  CHECK(r.previous_owner == "svc");
  CHECK(r.basic_webhooks == std::vector<std::string>{"basic-hook"});
}
