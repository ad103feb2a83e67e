// Webhooks: the installation (webhook + auth method + App token), binding to another token,
// listing by breakage, deletion.
#pragma once

#include <functional>
#include <optional>
#include <string>

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
};

// Binds an existing integration token. Error(conflict) for an App token of another webhook, a
// revoked or expired token, or a token whose owner is inactive.
Binding bind_webhook(Session& session, std::string_view webhook, std::string_view token_id);
// Binds a new App token owned by `owner` (must be active).
Binding bind_webhook_app_token(Session& session, std::string_view webhook, std::string_view owner,
                               const Deliver<Binding>& deliver = {});

struct WebhookFilter {
  bool broken = false;
  std::optional<Duration> at_risk;  // broken, or breaking within d (breaks_at <= now + d)
};

void list_webhooks(Session& session, const WebhookFilter& filter,
                   const std::function<void(const Webhook&)>& emit);

Webhook show_webhook(Session& session, std::string_view name);

struct WebhookRemoval {
  Webhook webhook;
  std::optional<std::string> revoked_app_token;
  std::optional<std::string> unbound_token;
};
WebhookRemoval delete_webhook(Session& session, std::string_view name);

}  // namespace hookctl
