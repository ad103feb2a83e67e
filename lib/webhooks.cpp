#include "hookctl/webhooks.hpp"

#include <fmt/format.h>

#include "hookctl/audit.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/tokens.hpp"
#include "rows.hpp"

namespace hookctl {

using namespace detail;

namespace {

void point_webhook_at(Session& session, std::string_view webhook, const std::string& token_id) {
  auto& q = session.store().statement("UPDATE webhooks SET token_id = ?2 WHERE name = ?1");
  q.bind(1, std::string(webhook));
  q.bind(2, token_id);
  q.run();
}

// Detaches the webhook's current token: an App token served only this webhook and is revoked;
// an integration token stays valid for its other webhooks.
void release_previous(Session& session, const Webhook& w, Binding& b) {
  if (!w.token) return;
  if (w.token_kind == TokenKind::app) {
    revoke_token_row(session, *w.token, fmt::format("replaced on webhook {}", w.name));
    b.revoked_app_token = w.token;
  } else {
    b.unbound_token = w.token;
  }
}

}  // namespace

Installation create_webhook(Session& session, const NewWebhook& spec,
                            const Deliver<Installation>& deliver) {
  validate_name(spec.name, "webhook name");
  if (spec.description) validate_text(*spec.description, "description", 200);
  return session.store().write([&] {
    auto& exists = session.store().statement("SELECT name FROM webhooks WHERE name = ?1");
    exists.bind(1, spec.name);
    if (exists.step())
      fail(ErrorKind::conflict, fmt::format("webhook '{}' already exists", exists.text(0)));
    Account owner = require_active_account(session, spec.owner, "own a new App token");
    IssuedCredential credential =
        insert_token(session, TokenKind::app, owner.id, spec.name, std::nullopt);
    auto& q = session.store().statement(
        "INSERT INTO webhooks (name, auth, description, token_id, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    q.bind(1, spec.name);
    q.bind(2, std::string(to_string(spec.auth)));
    bind_optional(q, 3, spec.description);
    q.bind(4, credential.token.id);
    q.bind(5, secs(session.now()));
    q.run();
    record_event(session, "webhook.create", spec.name,
                 fmt::format("auth={} owner={} token={}", to_string(spec.auth), owner.name,
                             credential.token.id));
    credential.token = require_token(session, credential.token.id);
    Installation installed{require_webhook(session, spec.name), std::move(credential)};
    if (deliver) deliver(installed);
    return installed;
  });
}

Binding bind_webhook(Session& session, std::string_view webhook, std::string_view token_id) {
  return session.store().write([&] {
    Webhook w = require_webhook(session, webhook);
    Token t = require_token(session, token_id);
    Binding b;
    if (w.token == t.id) {
      b.webhook = w;
      b.changed = false;
      return b;
    }
    if (t.kind == TokenKind::app)
      fail(ErrorKind::conflict,
           fmt::format("token {} is an App token of webhook {}; bind an integration token, or a "
                       "new App token with --app-token --owner NAME",
                       t.id, t.webhooks.empty() ? std::string("(none)") : t.webhooks.front()));
    switch (t.status) {
      case TokenStatus::revoked:
        fail(ErrorKind::conflict, fmt::format("token {} is revoked", t.id));
      case TokenStatus::expired:
        fail(ErrorKind::conflict, fmt::format("token {} expired at {}; rotate it with a new "
                                              "--expires-in first",
                                              t.id, format_rfc3339(*t.expires_at)));
      case TokenStatus::owner_inactive:
        fail(ErrorKind::conflict,
             fmt::format("token {} belongs to inactive user '{}'; reactivate it first with "
                         "'hookctl user reactivate {}'",
                         t.id, t.owner, t.owner));
      case TokenStatus::active:
        break;
    }
    release_previous(session, w, b);
    point_webhook_at(session, w.name, t.id);
    record_event(session, "webhook.bind", w.name,
                 fmt::format("token={} (api, owner {}){}", t.id, t.owner,
                             b.revoked_app_token
                                 ? "; previous App token " + *b.revoked_app_token + " revoked"
                             : b.unbound_token ? "; previous token " + *b.unbound_token + " unbound"
                                               : std::string()));
    b.webhook = require_webhook(session, w.name);
    return b;
  });
}

Binding bind_webhook_app_token(Session& session, std::string_view webhook, std::string_view owner,
                               const Deliver<Binding>& deliver) {
  return session.store().write([&] {
    Webhook w = require_webhook(session, webhook);
    Account a = require_active_account(session, owner, "own a new App token");
    Binding b;
    release_previous(session, w, b);
    IssuedCredential credential = insert_token(session, TokenKind::app, a.id, w.name, std::nullopt);
    point_webhook_at(session, w.name, credential.token.id);
    record_event(session, "webhook.bind", w.name,
                 fmt::format("token={} (app, owner {}){}", credential.token.id, a.name,
                             b.revoked_app_token
                                 ? "; previous App token " + *b.revoked_app_token + " revoked"
                             : b.unbound_token ? "; previous token " + *b.unbound_token + " unbound"
                                               : std::string()));
    credential.token = require_token(session, credential.token.id);
    b.credential = std::move(credential);
    b.webhook = require_webhook(session, w.name);
    if (deliver) deliver(b);
    return b;
  });
}

void list_webhooks(Session& session, const WebhookFilter& filter,
                   const std::function<void(const Webhook&)>& emit) {
  session.store().read([&] {
    auto& q = session.store().statement(webhook_select + " ORDER BY " +
                                        name_order(session.store().engine(), "w.name"));
    while (q.step()) {
      Webhook w = webhook_from(q, session);
      if (filter.broken && !w.broken) continue;
      if (filter.at_risk &&
          !rules::webhook_at_risk(w.broken, w.breaks_at, session.now(), *filter.at_risk))
        continue;
      emit(w);
    }
  });
}

Webhook show_webhook(Session& session, std::string_view name) {
  return session.store().read([&] { return require_webhook(session, name); });
}

WebhookRemoval delete_webhook(Session& session, std::string_view name) {
  return session.store().write([&] {
    WebhookRemoval r;
    r.webhook = require_webhook(session, name);
    Binding b;
    release_previous(session, r.webhook, b);
    r.revoked_app_token = b.revoked_app_token;
    r.unbound_token = b.unbound_token;
    auto& q = session.store().statement("DELETE FROM webhooks WHERE name = ?1");
    q.bind(1, r.webhook.name);
    q.run();
    record_event(session, "webhook.delete", r.webhook.name,
                 r.revoked_app_token ? "App token " + *r.revoked_app_token + " revoked"
                 : r.unbound_token   ? "token " + *r.unbound_token + " unbound"
                                     : std::string("no token bound"));
    return r;
  });
}

}  // namespace hookctl
