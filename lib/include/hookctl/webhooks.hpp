// Webhooks: the installation (webhook + auth method + App token), binding to another token,
// listing by breakage, deletion.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "hookctl/auth.hpp"
#include "hookctl/model.hpp"
#include "hookctl/session.hpp"

namespace hookctl {

struct NewWebhook {
  std::string name;
  std::string owner;  // must be active
  AuthScheme auth = AuthScheme::bearer;
  std::optional<std::string> description;
};

struct Installation {
  Webhook webhook;
  IssuedCredential credential;  // the App token, shown once
};

// Creates the webhook and its App token. Error(conflict) when the name exists or the owner is
// inactive; Error(not_found) for an unknown owner.
Installation create_webhook(Session& session, const NewWebhook& spec,
                            const Deliver<Installation>& deliver = {});

struct Binding {
  Webhook webhook;
  bool changed = true;
  std::optional<IssuedCredential> credential;  // with --app-token: the new App token
  std::optional<std::string> revoked_app_token;
  std::optional<std::string> unbound_token;  // a previous integration token, still valid
  // The token the webhook accepted until now, when it worked: callers still sending it are
  // refused from `replaced_until` on (the bind's instant without a grace period).
  std::optional<std::string> replaced_token;
  std::optional<TokenKind> replaced_kind;
  std::optional<Time> replaced_until;
  // A token still accepted from an earlier bind's grace period, which this bind ends.
  std::optional<std::string> grace_ended_token;
  // Basic auth: the username callers must send changed from this one to the new owner's name.
  std::optional<std::string> basic_username_was;
};

// Binds an existing integration token. Error(conflict) for an App token of another webhook, a
// revoked or expired token, or a token whose owner is inactive; also when that token is the one
// already bound (only a working token can be "already accepted"). With a grace period the token
// bound before (when it works) stays accepted by the webhook for that long; an App token replaced
// so is revoked only by its expiry at the grace end, not at once.
Binding bind_webhook(Session& session, std::string_view webhook, std::string_view token_id,
                     const std::optional<Duration>& grace = std::nullopt);
// Binds a new App token owned by `owner` (must be active); `grace` as for bind_webhook.
Binding bind_webhook_app_token(Session& session, std::string_view webhook, std::string_view owner,
                               const Deliver<Binding>& deliver = {},
                               const std::optional<Duration>& grace = std::nullopt);

// What `webhook edit` changes; an unset field stays as it is. description: nullopt inside = none.
struct WebhookChanges {
  std::optional<std::optional<std::string>> description;
  std::optional<AuthScheme> auth;
};

struct WebhookEdit {
  Webhook webhook;                   // as it is now
  std::vector<std::string> changes;  // "auth bearer -> basic", "description ..."; empty: unchanged
  bool auth_changed = false;         // callers must now send the other Authorization scheme
};

// Changes a webhook's description or auth scheme, one webhook.edit audit event naming each
// change. The bound token, its secret and any grace period are untouched; a new scheme applies to
// the next call. A field set to its current value is no change; with no change nothing is
// written. Error(usage) for a bad description, Error(not_found) for an unknown webhook.
WebhookEdit edit_webhook(Session& session, std::string_view name, const WebhookChanges& changes);

struct WebhookFilter {
  bool broken = false;
  std::optional<Duration> at_risk;   // broken, or breaking within d (breaks_at <= now + d)
  std::optional<std::string> owner;  // only webhooks whose bound token this account owns
  std::optional<std::string> token;  // only webhooks bound to this token id
};

void list_webhooks(Session& session, const WebhookFilter& filter,
                   const std::function<void(const Webhook&)>& emit);

Webhook show_webhook(Session& session, std::string_view name);

// Why a webhook does not work, as the reason code `auth verify` gives a call that presents its
// bound token now: not_bound (no token), revoked, expired or owner_inactive; nullopt while it
// works.
std::optional<Rejection> broken_reason(const Webhook& webhook);

struct WebhookRemoval {
  Webhook webhook;
  std::optional<std::string> revoked_app_token;
  std::optional<std::string> unbound_token;
};
WebhookRemoval delete_webhook(Session& session, std::string_view name);

}  // namespace hookctl
