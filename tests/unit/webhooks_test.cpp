#include "hookctl/webhooks.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "hookctl/auth.hpp"
#include "hookctl/error.hpp"
#include "hookctl/tokens.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::days;
using fixture::error_kind;
using fixture::Fixture;
using fixture::secs;
using fixture::T;

namespace {

std::vector<std::string> hooks(Fixture& f, Time now, const WebhookFilter& filter) {
  auto s = f.at(now);
  std::vector<std::string> out;
  list_webhooks(s, filter, [&](const Webhook& w) { out.push_back(w.name); });
  return out;
}

std::string bearer(const IssuedCredential& c) { return "Bearer " + std::string(c.secret.view()); }

}  // namespace

TEST_CASE("create_webhook installs the webhook with an App token bound to it") {
  Fixture f;
  f.user("alice");
  auto s = f.now();
  Installation inst = create_webhook(
      s, NewWebhook{"Orders", "ALICE", AuthScheme::basic, std::string("shop orders")});
  const Webhook& w = inst.webhook;
  CHECK(w.name == "Orders");
  CHECK(w.auth == AuthScheme::basic);
  CHECK(w.description == std::optional<std::string>("shop orders"));
  CHECK(w.token == std::optional<std::string>(inst.credential.token.id));
  CHECK(w.token_kind == std::optional<TokenKind>(TokenKind::app));
  CHECK(w.owner == std::optional<std::string>("alice"));
  CHECK_FALSE(w.broken);
  CHECK(w.breaks_at == std::optional<Time>(f.start + days(60)));
  CHECK(w.created_at == f.start);

  CHECK(inst.credential.token.kind == TokenKind::app);
  CHECK(inst.credential.token.owner == "alice");
  CHECK(inst.credential.token.webhooks == std::vector<std::string>{"Orders"});
  CHECK(std::string(inst.credential.secret.view()).rfind("hka_", 0) == 0);
  CHECK(parse_token(inst.credential.secret.view()).id == inst.credential.token.id);
  CHECK(f.account("alice").tokens == 1);
  CHECK(show_webhook(s, "orders").name == "Orders");
}

TEST_CASE("edit_webhook changes auth and description, never the token") {
  Fixture f;
  f.service("svc");
  auto hook = f.webhook("orders", "svc");
  auto s = f.now();
  WebhookChanges changes;
  changes.auth = AuthScheme::basic;
  changes.description = std::optional<std::string>("shop orders");
  WebhookEdit e = edit_webhook(s, "ORDERS", changes);
  CHECK(e.auth_changed);
  CHECK(e.changes ==
        std::vector<std::string>{"description (none) -> 'shop orders'", "auth bearer -> basic"});
  CHECK(e.webhook.auth == AuthScheme::basic);
  CHECK(e.webhook.token == hook.webhook.token);
  // The next call must use the new scheme.
  Verdict v = verify_call(s, "orders", bearer(hook.credential));
  CHECK_FALSE(v.accepted);
  CHECK(v.rejection == Rejection::wrong_scheme);
  size_t edits = 0;
  for (const auto& event : f.audit())
    if (event.action == "webhook.edit") {
      ++edits;
      CHECK(event.details == "description (none) -> 'shop orders'; auth bearer -> basic");
    }
  CHECK(edits == 1);

  SECTION("the same values are no change and write nothing") {
    const size_t n = f.audit().size();
    WebhookEdit same = edit_webhook(s, "orders", changes);
    CHECK(same.changes.empty());
    CHECK_FALSE(same.auth_changed);
    CHECK(f.audit().size() == n);
  }
  SECTION("a bad description is a usage error, an unknown webhook not_found") {
    WebhookChanges bad;
    bad.description = std::optional<std::string>("line\nbreak");
    CHECK(error_kind([&] { edit_webhook(s, "orders", bad); }) == ErrorKind::usage);
    CHECK(error_kind([&] { edit_webhook(s, "nope", changes); }) == ErrorKind::not_found);
    CHECK(show_webhook(s, "orders").description == std::optional<std::string>("shop orders"));
  }
}

TEST_CASE("create_webhook refuses duplicates, bad values and inactive or unknown owners") {
  Fixture f;
  f.user("alice");
  f.user("old", AccountKind::person, f.start - days(60));
  f.webhook("orders", "alice");
  const std::string before = f.dump();
  auto s = f.now();
  CHECK(error_kind([&] {
          create_webhook(s, NewWebhook{"ORDERS", "alice", AuthScheme::bearer, std::nullopt});
        }) == ErrorKind::conflict);
  CHECK(error_kind([&] {
          create_webhook(s, NewWebhook{"new", "old", AuthScheme::bearer, std::nullopt});
        }) == ErrorKind::conflict);
  CHECK(error_kind([&] {
          create_webhook(s, NewWebhook{"new", "ghost", AuthScheme::bearer, std::nullopt});
        }) == ErrorKind::not_found);
  CHECK(error_kind([&] {
          create_webhook(s, NewWebhook{"bad name", "alice", AuthScheme::bearer, std::nullopt});
        }) == ErrorKind::usage);
  CHECK(error_kind([&] {
          create_webhook(s, NewWebhook{"new", "alice", AuthScheme::bearer, std::string("a\tb")});
        }) == ErrorKind::usage);
  CHECK(error_kind([&] {
          create_webhook(s, NewWebhook{"new", "alice", AuthScheme::bearer, std::string(201, 'd')});
        }) == ErrorKind::usage);
  CHECK(f.dump() == before);
  CHECK(error_kind([&] { show_webhook(s, "new"); }) == ErrorKind::not_found);
}

TEST_CASE("bind --token revokes the previous App token and binds the integration token") {
  Fixture f;
  f.user("alice");
  f.service("svc");
  auto inst = f.webhook("orders", "alice");
  auto api = f.token("svc");
  const Time when = f.start + days(1);
  auto s = f.at(when);
  Binding b = bind_webhook(s, "orders", api.token.id);
  CHECK(b.changed);
  CHECK(b.revoked_app_token == std::optional<std::string>(inst.credential.token.id));
  CHECK_FALSE(b.unbound_token.has_value());
  CHECK_FALSE(b.credential.has_value());
  CHECK(b.webhook.token == std::optional<std::string>(api.token.id));
  CHECK(b.webhook.token_kind == std::optional<TokenKind>(TokenKind::api));
  CHECK(b.webhook.owner == std::optional<std::string>("svc"));

  Token old_app = show_token(s, inst.credential.token.id);
  CHECK(old_app.status == TokenStatus::revoked);
  CHECK(old_app.revoked_at == std::optional<Time>(when));
  CHECK(show_token(s, api.token.id).webhooks == std::vector<std::string>{"orders"});

  auto v = f.at(when + secs(1));
  CHECK(verify_call(v, "orders", bearer(api)).accepted);
  CHECK(verify_call(v, "orders", bearer(inst.credential)).rejection == Rejection::revoked);
}

TEST_CASE("bind --token leaves a previous integration token valid, only unbound") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  f.webhook("invoices", "svc");
  auto first = f.token("svc");
  auto second = f.token("svc");
  auto s = f.now();
  bind_webhook(s, "orders", first.token.id);
  bind_webhook(s, "invoices", first.token.id);
  Binding b = bind_webhook(s, "orders", second.token.id);
  CHECK(b.unbound_token == std::optional<std::string>(first.token.id));
  CHECK_FALSE(b.revoked_app_token.has_value());
  Token kept = show_token(s, first.token.id);
  CHECK(kept.status == TokenStatus::active);
  CHECK(kept.webhooks == std::vector<std::string>{"invoices"});
  CHECK(verify_call(s, "invoices", bearer(first)).accepted);
  CHECK(verify_call(s, "orders", bearer(first)).rejection == Rejection::not_bound);
}

TEST_CASE("binding the token a webhook already has changes nothing") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  auto api = f.token("svc");
  auto s = f.now();
  bind_webhook(s, "orders", api.token.id);
  const std::string before = f.dump();
  Binding b = bind_webhook(s, "orders", api.token.id);
  CHECK_FALSE(b.changed);
  CHECK(f.dump() == before);
}

TEST_CASE("bind refuses another webhook's App token and unusable tokens") {
  Fixture f;
  f.service("svc");
  f.user("leaver", AccountKind::person, f.start - days(50));
  auto other = f.webhook("other", "svc");
  auto inst = f.webhook("orders", "svc");
  auto revoked = f.token("svc");
  auto expiring = f.token("svc", f.start, days(1));
  auto inactive_owner = f.token("leaver");
  auto s0 = f.now();
  revoke_token(s0, revoked.token.id);

  const Time when = f.start + days(11);  // leaver inactive since start + 10d, expiring expired
  const std::string before = f.dump();
  auto s = f.at(when);
  for (const std::string& id :
       {other.credential.token.id, revoked.token.id, expiring.token.id, inactive_owner.token.id}) {
    INFO(id);
    CHECK(error_kind([&] { bind_webhook(s, "orders", id); }) == ErrorKind::conflict);
  }
  CHECK(error_kind([&] { bind_webhook(s, "orders", "nosuchtoken1"); }) == ErrorKind::not_found);
  CHECK(error_kind([&] { bind_webhook(s, "ghost", other.credential.token.id); }) ==
        ErrorKind::not_found);
  CHECK(f.dump() == before);
  CHECK(show_webhook(s, "orders").token == std::optional<std::string>(inst.credential.token.id));
}

TEST_CASE("bind --app-token issues a new App token on the owner and releases the old token") {
  Fixture f;
  f.user("alice");
  f.service("svc");
  f.service("old-svc", f.start - days(60));
  auto inst = f.webhook("orders", "alice");
  auto s = f.now();

  Binding b = bind_webhook_app_token(s, "orders", "svc");
  REQUIRE(b.credential.has_value());
  CHECK(b.credential->token.kind == TokenKind::app);
  CHECK(b.credential->token.owner == "svc");
  CHECK(b.credential->token.webhooks == std::vector<std::string>{"orders"});
  CHECK(b.revoked_app_token == std::optional<std::string>(inst.credential.token.id));
  CHECK(b.webhook.token == std::optional<std::string>(b.credential->token.id));
  CHECK(show_token(s, inst.credential.token.id).status == TokenStatus::revoked);
  CHECK(verify_call(s, "orders", bearer(*b.credential)).accepted);

  // An integration token in place is only unbound.
  auto api = f.token("svc");
  bind_webhook(s, "orders", api.token.id);
  Binding again = bind_webhook_app_token(s, "orders", "alice");
  CHECK(again.unbound_token == std::optional<std::string>(api.token.id));
  CHECK_FALSE(again.revoked_app_token.has_value());
  CHECK(show_token(s, api.token.id).status == TokenStatus::active);

  const std::string before = f.dump();
  CHECK(error_kind([&] { bind_webhook_app_token(s, "orders", "old-svc"); }) == ErrorKind::conflict);
  CHECK(error_kind([&] { bind_webhook_app_token(s, "orders", "ghost"); }) == ErrorKind::not_found);
  CHECK(error_kind([&] { bind_webhook_app_token(s, "ghost", "svc"); }) == ErrorKind::not_found);
  CHECK(f.dump() == before);
}

TEST_CASE("delete_webhook revokes its App token") {
  Fixture f;
  f.user("alice");
  auto inst = f.webhook("orders", "alice");
  const Time when = f.start + days(1);
  auto s = f.at(when);
  WebhookRemoval r = delete_webhook(s, "ORDERS");
  CHECK(r.webhook.name == "orders");
  CHECK(r.revoked_app_token == std::optional<std::string>(inst.credential.token.id));
  CHECK_FALSE(r.unbound_token.has_value());
  CHECK(error_kind([&] { show_webhook(s, "orders"); }) == ErrorKind::not_found);
  Token t = show_token(s, inst.credential.token.id);
  CHECK(t.status == TokenStatus::revoked);
  CHECK(t.revoked_at == std::optional<Time>(when));
  CHECK(t.webhooks.empty());
  CHECK(f.account("alice", when).tokens == 0);
  CHECK(error_kind([&] { delete_webhook(s, "orders"); }) == ErrorKind::not_found);
}

TEST_CASE("delete_webhook leaves an integration token valid, only unbound") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  f.webhook("invoices", "svc");
  auto api = f.token("svc");
  auto s = f.now();
  bind_webhook(s, "orders", api.token.id);
  bind_webhook(s, "invoices", api.token.id);
  WebhookRemoval r = delete_webhook(s, "orders");
  CHECK(r.unbound_token == std::optional<std::string>(api.token.id));
  CHECK_FALSE(r.revoked_app_token.has_value());
  Token t = show_token(s, api.token.id);
  CHECK(t.status == TokenStatus::active);
  CHECK(t.webhooks == std::vector<std::string>{"invoices"});
  CHECK(verify_call(s, "invoices", bearer(api)).accepted);
}

TEST_CASE("breaks_at is the owner's inactive_at when the token does not expire sooner") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  auto late = f.token("svc", f.start, days(90));
  auto s = f.now();
  bind_webhook(s, "orders", late.token.id);
  const Time inactive_at = f.start + days(60);
  Webhook w = f.hook("orders");
  CHECK(w.breaks_at == std::optional<Time>(inactive_at));
  CHECK(w.token_expires_at == std::optional<Time>(f.start + days(90)));
  CHECK_FALSE(f.hook("orders", inactive_at - secs(1)).broken);
  Webhook after = f.hook("orders", inactive_at);
  CHECK(after.broken);
  CHECK(after.breaks_at == std::optional<Time>(inactive_at));  // when it stopped
  CHECK(after.token_status == std::optional<TokenStatus>(TokenStatus::owner_inactive));
}

TEST_CASE("breaks_at is the token's expiry when it comes before the owner's inactivity") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  auto soon = f.token("svc", f.start, days(20));
  auto s = f.now();
  bind_webhook(s, "orders", soon.token.id);
  const Time expires = f.start + days(20);
  CHECK(f.hook("orders").breaks_at == std::optional<Time>(expires));
  CHECK_FALSE(f.hook("orders", expires - secs(1)).broken);
  CHECK(f.hook("orders", expires).broken);
  // Activity moves the owner's inactive_at, not the expiry.
  auto v = f.at(f.start + days(5));
  REQUIRE(verify_call(v, "orders", bearer(soon)).accepted);
  CHECK(f.hook("orders", f.start + days(5)).breaks_at == std::optional<Time>(expires));
}

TEST_CASE("a webhook whose token is revoked broke at revoked_at") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  auto api = f.token("svc");
  auto s = f.now();
  bind_webhook(s, "orders", api.token.id);
  const Time when = f.start + days(3);
  auto r = f.at(when);
  revoke_token(r, api.token.id);
  Webhook w = f.hook("orders", when);
  CHECK(w.broken);
  CHECK(w.breaks_at == std::optional<Time>(when));
  CHECK(w.token == std::optional<std::string>(api.token.id));
  CHECK(w.token_status == std::optional<TokenStatus>(TokenStatus::revoked));
}

TEST_CASE("a webhook without a token is broken with no breaks_at") {
  // The only way to lose the token row: its owner is deleted after the App token was revoked.
  Fixture f;
  f.user("alice");
  auto inst = f.webhook("orders", "alice");
  auto s = f.now();
  revoke_token(s, inst.credential.token.id);
  delete_account(s, "alice", std::nullopt);
  Webhook w = show_webhook(s, "orders");
  CHECK_FALSE(w.token.has_value());
  CHECK_FALSE(w.token_kind.has_value());
  CHECK_FALSE(w.owner.has_value());
  CHECK_FALSE(w.breaks_at.has_value());
  CHECK(w.broken);
  WebhookFilter broken;
  broken.broken = true;
  CHECK(hooks(f, f.start, broken) == std::vector<std::string>{"orders"});
  // It can be repaired by binding a new token.
  f.service("svc");
  auto api = f.token("svc");
  bind_webhook(s, "orders", api.token.id);
  CHECK_FALSE(show_webhook(s, "orders").broken);
}

TEST_CASE("list_webhooks filters broken and at-risk webhooks") {
  Fixture f;
  const Time now = f.start + days(30);
  f.service("svc");                                       // inactive at start + 60d
  f.service("fresh", now);                                // inactive at now + 60d
  f.webhook("a-owner-risk", "svc");                       // breaks at start + 60d = now + 30d
  f.webhook("b-safe", "fresh", AuthScheme::bearer, now);  // breaks at now + 60d
  f.webhook("c-expiring", "fresh", AuthScheme::bearer, now);
  f.webhook("d-revoked", "fresh", AuthScheme::bearer, now);
  auto expiring = f.token("fresh", now, days(7));  // breaks at now + 7d exactly
  auto s = f.at(now);
  bind_webhook(s, "c-expiring", expiring.token.id);
  revoke_token(s, f.hook("d-revoked", now).token.value());

  CHECK(hooks(f, now, {}) ==
        std::vector<std::string>{"a-owner-risk", "b-safe", "c-expiring", "d-revoked"});
  WebhookFilter broken;
  broken.broken = true;
  CHECK(hooks(f, now, broken) == std::vector<std::string>{"d-revoked"});
  CHECK(hooks(f, now + days(7), broken) == std::vector<std::string>{"c-expiring", "d-revoked"});

  WebhookFilter week;
  week.at_risk = days(7);  // inclusive: c-expiring breaks exactly at now + 7d
  CHECK(hooks(f, now, week) == std::vector<std::string>{"c-expiring", "d-revoked"});
  WebhookFilter almost_week;
  almost_week.at_risk = days(7) - secs(1);
  CHECK(hooks(f, now, almost_week) == std::vector<std::string>{"d-revoked"});
  WebhookFilter month;
  month.at_risk = days(30);
  CHECK(hooks(f, now, month) ==
        std::vector<std::string>{"a-owner-risk", "c-expiring", "d-revoked"});
  WebhookFilter none;
  none.at_risk = Duration{0};
  CHECK(hooks(f, now, none) == std::vector<std::string>{"d-revoked"});
}

TEST_CASE("webhook changes are audited") {
  Fixture f;
  f.service("svc");
  auto inst = f.webhook("orders", "svc");
  auto api = f.token("svc");
  auto s = f.now();
  bind_webhook(s, "orders", api.token.id);
  delete_webhook(s, "orders");
  std::vector<std::string> actions;
  for (const auto& e : f.audit()) {
    CHECK(e.details.find(std::string(inst.credential.secret.view())) == std::string::npos);
    if (e.subject == "orders") actions.push_back(e.action);
  }
  CHECK(actions == std::vector<std::string>{"webhook.create", "webhook.bind", "webhook.delete"});
}

TEST_CASE("binding the token already bound is refused once it no longer works") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  auto api = f.token("svc");
  auto s = f.now();
  bind_webhook(s, "orders", api.token.id);
  revoke_token(s, api.token.id);
  const std::string before = f.dump();
  try {
    bind_webhook(s, "orders", api.token.id);
    FAIL("a revoked token was reported as already accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::conflict);
    CHECK(std::string(e.what()).find("is revoked, so webhook orders is broken") !=
          std::string::npos);
  }
  CHECK(f.dump() == before);
}

TEST_CASE("bind with a grace keeps accepting the token it replaces until the grace ends") {
  Fixture f;
  f.service("svc");
  f.service("svc2");
  auto inst = f.webhook("orders", "svc");
  auto api = f.token("svc2");
  const Time when = f.start + days(1);
  auto s = f.at(when);
  Binding b = bind_webhook(s, "orders", api.token.id, Duration{3600});
  CHECK(b.replaced_token == std::optional<std::string>(inst.credential.token.id));
  CHECK(b.replaced_kind == std::optional<TokenKind>(TokenKind::app));
  CHECK(b.replaced_until == std::optional<Time>(when + Duration{3600}));
  CHECK_FALSE(b.revoked_app_token);
  CHECK(b.webhook.previous_token == std::optional<std::string>(inst.credential.token.id));
  // The replaced App token is not revoked: it expires when the grace ends.
  Token old_app = show_token(s, inst.credential.token.id);
  CHECK(old_app.status == TokenStatus::active);
  CHECK(old_app.expires_at == std::optional<Time>(when + Duration{3600}));

  auto during = f.at(when + Duration{3599});
  CHECK(verify_call(during, "orders", bearer(inst.credential)).accepted);
  CHECK(verify_call(during, "orders", bearer(api)).accepted);
  auto ended = f.at(when + Duration{3600});
  CHECK_FALSE(verify_call(ended, "orders", bearer(inst.credential)).accepted);
  CHECK(verify_call(ended, "orders", bearer(api)).accepted);
  CHECK_FALSE(show_webhook(ended, "orders").previous_token);
}

TEST_CASE("bind with a grace keeps a replaced integration token for this webhook only") {
  Fixture f;
  f.service("svc");
  f.webhook("orders", "svc");
  auto first = f.token("svc");
  auto second = f.token("svc");
  auto s = f.now();
  bind_webhook(s, "orders", first.token.id);
  Binding b = bind_webhook(s, "orders", second.token.id, Duration{600});
  CHECK(b.unbound_token == std::optional<std::string>(first.token.id));
  CHECK(verify_call(s, "orders", bearer(first)).accepted);
  CHECK(verify_call(s, "orders", bearer(second)).accepted);
  // A third bind ends the earlier grace and says so.
  auto third = f.token("svc");
  Binding again = bind_webhook(s, "orders", third.token.id);
  CHECK(again.grace_ended_token == std::optional<std::string>(first.token.id));
  CHECK(again.replaced_token == std::optional<std::string>(second.token.id));
  CHECK(verify_call(s, "orders", bearer(first)).rejection == Rejection::not_bound);
  CHECK(verify_call(s, "orders", bearer(second)).rejection == Rejection::not_bound);
  CHECK(show_token(s, first.token.id).status == TokenStatus::active);
}

TEST_CASE("a bind that changes a Basic-auth webhook's owner names the old username") {
  Fixture f;
  f.service("svc");
  f.service("svc2");
  auto s = f.now();
  create_webhook(s, NewWebhook{"basic-hook", "svc", AuthScheme::basic, std::nullopt});
  Binding b = bind_webhook_app_token(s, "basic-hook", "svc2");
  CHECK(b.basic_username_was == std::optional<std::string>("svc"));
  Binding same = bind_webhook_app_token(s, "basic-hook", "svc2");
  CHECK_FALSE(same.basic_username_was);
}
