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

void point_webhook_at(Session& session, std::string_view webhook, const std::string& token_id,
                      const std::optional<std::string>& previous,
                      const std::optional<Time>& previous_until) {
  auto& q = session.store().statement(
      "UPDATE webhooks SET token_id = ?2, previous_token_id = ?3, previous_token_until = ?4 "
      "WHERE name = ?1");
  q.bind(1, std::string(webhook));
  q.bind(2, token_id);
  bind_optional(q, 3, previous);
  bind_optional(q, 4, previous_until);
  q.run();
}

// Detaches the webhook's current token, then points the webhook at `token_id`. Without a grace
// period an App token served only this webhook and is revoked; an integration token stays valid
// for its other webhooks. With one, a working previous token stays accepted by this webhook until
// `until` (an App token then expires at `until` instead of being revoked).
void rebind(Session& session, const Webhook& w, const std::string& token_id,
            const std::string& new_owner, const std::optional<Time>& until, Binding& b) {
  b.grace_ended_token = w.previous_token;
  if (w.token && w.auth == AuthScheme::basic && w.owner && !names_equal(*w.owner, new_owner))
    b.basic_username_was = w.owner;
  const bool working = w.token && w.token_status == TokenStatus::active;
  if (working) {
    b.replaced_token = w.token;
    b.replaced_kind = w.token_kind;
    b.replaced_until = until.value_or(session.now());
  }
  const bool keep = working && until;
  if (w.token && w.token_kind == TokenKind::app) {
    if (keep) {
      auto& q = session.store().statement(
          "UPDATE tokens SET expires_at = ?2 WHERE id = ?1 "
          "AND (expires_at IS NULL OR expires_at > ?2)");
      q.bind(1, *w.token);
      q.bind(2, secs(*until));
      q.run();
    } else {
      revoke_token_row(session, *w.token, fmt::format("replaced on webhook {}", w.name));
      b.revoked_app_token = w.token;
    }
  } else if (w.token) {
    b.unbound_token = w.token;
  }
  point_webhook_at(session, w.name, token_id, keep ? w.token : std::nullopt,
                   keep ? until : std::nullopt);
}

// The audit details of a bind: the new token, then what happened to the one before.
std::string bind_details(const Binding& b, const std::string& token, TokenKind kind,
                         const std::string& owner, Time now) {
  std::string details = fmt::format("token={} ({}, owner {})", token, to_string(kind), owner);
  if (b.replaced_token && b.replaced_until && *b.replaced_until > now)
    details += fmt::format("; previous token {} accepted until {}", *b.replaced_token,
                           format_rfc3339(*b.replaced_until));
  else if (b.revoked_app_token)
    details += "; previous App token " + *b.revoked_app_token + " revoked";
  else if (b.unbound_token)
    details += "; previous token " + *b.unbound_token + " unbound";
  if (b.grace_ended_token)
    details += "; token " + *b.grace_ended_token + " no longer accepted (earlier grace ended)";
  return details;
}

}  // namespace

Installation create_webhook(Session& session, const NewWebhook& spec,
                            const Deliver<Installation>& deliver) {
  validate_name(spec.name, "webhook name");
  if (spec.description) validate_text(*spec.description, "description", 200);
  return session.change([&] {
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
    record_event(session, AuditAction::webhook_create, spec.name,
                 fmt::format("auth={} owner={} token={}", to_string(spec.auth), owner.name,
                             credential.token.id));
    credential.token = require_token(session, credential.token.id);
    Installation installed{require_webhook(session, spec.name), std::move(credential)};
    if (deliver) deliver(installed);
    return installed;
  });
}

std::optional<Rejection> broken_reason(const Webhook& webhook) {
  if (!webhook.broken) return std::nullopt;
  if (!webhook.token) return Rejection::not_bound;
  switch (webhook.token_status.value_or(TokenStatus::active)) {
    case TokenStatus::revoked:
      return Rejection::revoked;
    case TokenStatus::expired:
      return Rejection::expired;
    case TokenStatus::owner_inactive:
      return Rejection::owner_inactive;
    case TokenStatus::active:
      break;
  }
  return std::nullopt;
}

WebhookEdit edit_webhook(Session& session, std::string_view name, const WebhookChanges& changes) {
  if (changes.description && *changes.description)
    validate_text(**changes.description, "description", 200);
  return session.change([&] {
    WebhookEdit e;
    e.webhook = require_webhook(session, name);
    const Webhook& before = e.webhook;
    if (changes.description && *changes.description != before.description) {
      auto& q = session.store().statement("UPDATE webhooks SET description = ?2 WHERE name = ?1");
      q.bind(1, before.name);
      bind_optional(q, 2, *changes.description);
      q.run();
      e.changes.push_back(fmt::format(
          "description {} -> {}", before.description ? "'" + *before.description + "'" : "(none)",
          *changes.description ? "'" + **changes.description + "'" : "(none)"));
    }
    if (changes.auth && *changes.auth != before.auth) {
      auto& q = session.store().statement("UPDATE webhooks SET auth = ?2 WHERE name = ?1");
      q.bind(1, before.name);
      q.bind(2, std::string(to_string(*changes.auth)));
      q.run();
      e.changes.push_back(
          fmt::format("auth {} -> {}", to_string(before.auth), to_string(*changes.auth)));
      e.auth_changed = true;
    }
    if (e.changes.empty()) return e;
    std::string details;
    for (const auto& c : e.changes) details += (details.empty() ? "" : "; ") + c;
    record_event(session, AuditAction::webhook_edit, before.name, details);
    e.webhook = require_webhook(session, before.name);
    return e;
  });
}

Binding bind_webhook(Session& session, std::string_view webhook, std::string_view token_id,
                     const std::optional<Duration>& grace) {
  const auto until = grace_end(session, grace);
  return session.change([&] {
    Webhook w = require_webhook(session, webhook);
    Token t = require_token(session, token_id);
    Binding b;
    const bool already = w.token == t.id;
    if (t.kind == TokenKind::admin)
      fail(ErrorKind::conflict,
           fmt::format("token {} is an admin token: it authenticates an administrator, never a "
                       "webhook call; bind an integration token",
                       t.id));
    if (t.kind == TokenKind::app && !already)
      fail(ErrorKind::conflict,
           fmt::format("token {} is an App token of webhook {}; bind an integration token, or a "
                       "new App token with --app-token --owner NAME",
                       t.id, t.webhooks.empty() ? std::string("(none)") : t.webhooks.front()));
    // Checked for the bound token too: a revoked or expired token is not "already accepted".
    switch (t.status) {
      case TokenStatus::revoked:
        fail(ErrorKind::conflict,
             fmt::format("token {} is revoked{}", t.id,
                         already ? fmt::format(", so webhook {} is broken; bind a working "
                                               "integration token, or a new App token with "
                                               "--app-token --owner NAME",
                                               w.name)
                                 : std::string()));
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
    if (already) {
      b.webhook = w;
      b.changed = false;
      return b;
    }
    rebind(session, w, t.id, t.owner, until, b);
    record_event(session, AuditAction::webhook_bind, w.name,
                 bind_details(b, t.id, TokenKind::api, t.owner, session.now()));
    b.webhook = require_webhook(session, w.name);
    return b;
  });
}

Binding bind_webhook_app_token(Session& session, std::string_view webhook, std::string_view owner,
                               const Deliver<Binding>& deliver,
                               const std::optional<Duration>& grace) {
  const auto until = grace_end(session, grace);
  return session.change([&] {
    Webhook w = require_webhook(session, webhook);
    Account a = require_active_account(session, owner, "own a new App token");
    Binding b;
    IssuedCredential credential = insert_token(session, TokenKind::app, a.id, w.name, std::nullopt);
    rebind(session, w, credential.token.id, a.name, until, b);
    record_event(session, AuditAction::webhook_bind, w.name,
                 bind_details(b, credential.token.id, TokenKind::app, a.name, session.now()));
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
    // An unknown account or token is not_found, as for token list --user.
    if (filter.owner) (void)account_id(session, *filter.owner);
    if (filter.token) (void)require_token(session, *filter.token);
    auto& q = session.store().statement(webhook_select + " ORDER BY " +
                                        name_order(session.store().engine(), "w.name"));
    while (q.step()) {
      Webhook w = webhook_from(q, session);
      if (filter.owner && !(w.owner && names_equal(*w.owner, *filter.owner))) continue;
      if (filter.token && w.token != *filter.token) continue;
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
  return session.change([&] {
    WebhookRemoval r;
    r.webhook = require_webhook(session, name);
    // An App token served only this webhook: revoked with it, as is one still accepted from an
    // earlier bind's grace period. An integration token stays valid for its other webhooks.
    if (r.webhook.token && r.webhook.token_kind == TokenKind::app) {
      revoke_token_row(session, *r.webhook.token,
                       fmt::format("webhook {} deleted", r.webhook.name));
      r.revoked_app_token = r.webhook.token;
    } else {
      r.unbound_token = r.webhook.token;
    }
    if (r.webhook.previous_token &&
        require_token(session, *r.webhook.previous_token).kind == TokenKind::app)
      revoke_token_row(session, *r.webhook.previous_token,
                       fmt::format("webhook {} deleted", r.webhook.name));
    auto& q = session.store().statement("DELETE FROM webhooks WHERE name = ?1");
    q.bind(1, r.webhook.name);
    q.run();
    record_event(session, AuditAction::webhook_delete, r.webhook.name,
                 r.revoked_app_token ? "App token " + *r.revoked_app_token + " revoked"
                 : r.unbound_token   ? "token " + *r.unbound_token + " unbound"
                                     : std::string("no token bound"));
    return r;
  });
}

}  // namespace hookctl
