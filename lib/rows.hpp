// Internal: how rows become domain objects, and the look-ups every module shares.
#pragma once

#include <SQLiteCpp/Statement.h>

#include <optional>
#include <string>
#include <string_view>

#include "hookctl/model.hpp"
#include "hookctl/session.hpp"

namespace hookctl::detail {

inline int64_t secs(Time t) noexcept { return t.time_since_epoch().count(); }
inline Time at(int64_t s) noexcept { return Time{Duration{s}}; }
std::optional<Time> optional_time(const SQLite::Column& c);
std::optional<std::string> optional_text(const SQLite::Column& c);
void bind_optional(SQLite::Statement& q, int index, const std::optional<Time>& t);
void bind_optional(SQLite::Statement& q, int index, const std::optional<std::string>& s);

// Columns: id, name, kind, email, has_password, created_at, last_activity_at, source, tokens.
extern const std::string account_select;
Account account_from(SQLite::Statement& q, Session& session);

// Columns: id, kind, owner, owner kind, owner last_activity_at, name, created_at, last_used_at,
// expires_at, revoked_at, previous_valid_until. Webhooks are not filled in.
extern const std::string token_select;
Token token_from(SQLite::Statement& q, Session& session);
void fill_token_webhooks(Session& session, Token& token);

// Columns: name, auth, description, token id, token kind, owner, revoked_at, expires_at,
// owner last_activity_at, created_at, owner kind.
extern const std::string webhook_select;
Webhook webhook_from(SQLite::Statement& q, Session& session);

TokenStatus token_status(Session& session, Time owner_inactive_at, std::optional<Time> expires_at,
                         std::optional<Time> revoked_at);

// Look-ups that fail with Error(not_found) naming what was looked for.
Account require_account(Session& session, std::string_view name);
Token require_token(Session& session, std::string_view id);
Webhook require_webhook(Session& session, std::string_view name);
int64_t account_id(Session& session, std::string_view name);  // not_found when missing

// The account must exist and be active (Error(conflict) naming the account otherwise).
Account require_active_account(Session& session, std::string_view name, std::string_view why);

}  // namespace hookctl::detail
