// Internal: how rows become domain objects, and the look-ups every module shares.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "hookctl/model.hpp"
#include "hookctl/rules.hpp"
#include "hookctl/session.hpp"
#include "hookctl/store.hpp"
#include "hookctl/vocabulary.hpp"

namespace hookctl::detail {

inline int64_t secs(Time t) noexcept { return t.time_since_epoch().count(); }
inline Time at(int64_t s) noexcept { return Time{Duration{s}}; }
std::optional<Time> optional_time(Query& q, int column);
std::optional<std::string> optional_text(Query& q, int column);
void bind_optional(Query& q, int index, const std::optional<Time>& t);
void bind_optional(Query& q, int index, const std::optional<std::string>& s);

inline Rfc3339Text time_text(Time t) noexcept { return Rfc3339Text(t); }

// Concatenates string-like parts into one string, sized once.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ...));
  (out.append(std::string_view(parts)), ...);
  return out;
}

// Columns: id, name, kind, email, has_password, created_at, last_activity_at, source, tokens,
// rights (a mask), locked_until.
extern const std::string account_select;
Account account_from(Query& q, Session& session);

// Columns: id, kind, owner, owner kind, owner last_activity_at, name, created_at, last_used_at,
// expires_at, revoked_at, previous_valid_until. Webhooks are not filled in.
extern const std::string token_select;
Token token_from(Query& q, Session& session);
void fill_token_webhooks(Session& session, Token& token);

// token_select plus a twelfth column, the names of the webhooks bound to the token, so a listing
// needs no query per token; token_webhooks_from reads it into token.webhooks, ordered by name.
std::string token_select_with_webhooks(Engine engine);
// The ORDER BY expression for a name column: the order listings show names in (ASCII case
// folded, then bytes) on the given engine.
std::string name_order(Engine engine, std::string_view column);
void token_webhooks_from(Query& q, Token& token);

// Columns: name, auth, description, token id, token kind, owner, revoked_at, expires_at,
// owner last_activity_at, created_at, owner kind.
extern const std::string webhook_select;
Webhook webhook_from(Query& q, Session& session);
// rules::sql::webhook_breaks_at over webhook_select's columns (`period_parameter` holds the
// inactivity period in seconds), so reports can filter and order by it in SQL.
std::string webhook_breaks_at_sql(std::string_view period_parameter);

// Look-ups that fail with Error(not_found) naming what was looked for.
Account require_account(Session& session, std::string_view name);
Token require_token(Session& session, std::string_view id);
Webhook require_webhook(Session& session, std::string_view name);
int64_t account_id(Session& session, std::string_view name);  // not_found when missing
std::optional<int64_t> find_account_id(Session& session, std::string_view name);

// The account must exist and be active (Error(conflict) naming the account otherwise).
Account require_active_account(Session& session, std::string_view name, std::string_view why);

}  // namespace hookctl::detail
