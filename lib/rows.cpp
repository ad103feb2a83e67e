#include "rows.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "hookctl/error.hpp"
#include "hookctl/names.hpp"

namespace hookctl {

std::string_view to_string(AccountKind kind) noexcept {
  return kind == AccountKind::service ? "service" : "person";
}

std::string_view to_string(TokenStatus status) noexcept {
  switch (status) {
    case TokenStatus::active:
      return "active";
    case TokenStatus::expired:
      return "expired";
    case TokenStatus::revoked:
      return "revoked";
    case TokenStatus::owner_inactive:
      return "owner-inactive";
  }
  return "active";
}

std::optional<TokenStatus> token_status_from(std::string_view text) noexcept {
  for (auto s : {TokenStatus::active, TokenStatus::expired, TokenStatus::revoked,
                 TokenStatus::owner_inactive})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

}  // namespace hookctl

namespace hookctl::detail {

std::optional<Time> optional_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return at(c.getInt64());
}

std::optional<std::string> optional_text(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

void bind_optional(SQLite::Statement& q, int index, const std::optional<Time>& t) {
  if (t)
    q.bind(index, secs(*t));
  else
    q.bind(index);
}

void bind_optional(SQLite::Statement& q, int index, const std::optional<std::string>& s) {
  if (s)
    q.bind(index, *s);
  else
    q.bind(index);
}

const std::string account_select =
    "SELECT a.id, a.name, a.kind, a.email, a.password_hash IS NOT NULL, a.created_at, "
    "a.last_activity_at, a.last_activity_source, "
    "(SELECT count(*) FROM tokens t WHERE t.account_id = a.id AND t.revoked_at IS NULL) "
    "FROM accounts a";

Account account_from(SQLite::Statement& q, Session& session) {
  Account a;
  a.id = q.getColumn(0).getInt64();
  a.name = q.getColumn(1).getString();
  a.kind = q.getColumn(2).getString() == "service" ? AccountKind::service : AccountKind::person;
  a.email = optional_text(q.getColumn(3));
  a.has_password = q.getColumn(4).getInt() != 0;
  a.created_at = at(q.getColumn(5).getInt64());
  a.last_activity_at = at(q.getColumn(6).getInt64());
  a.last_activity_source = q.getColumn(7).getString();
  a.tokens = q.getColumn(8).getInt64();
  a.inactive_at = a.last_activity_at + session.inactivity_period();
  a.active = session.now() < a.inactive_at;
  return a;
}

const std::string token_select =
    "SELECT t.id, t.kind, a.name, a.kind, a.last_activity_at, t.name, t.created_at, "
    "t.last_used_at, t.expires_at, t.revoked_at, t.previous_valid_until "
    "FROM tokens t JOIN accounts a ON a.id = t.account_id";

TokenStatus token_status(Session& session, Time owner_inactive_at, std::optional<Time> expires_at,
                         std::optional<Time> revoked_at) {
  if (revoked_at) return TokenStatus::revoked;
  if (expires_at && *expires_at <= session.now()) return TokenStatus::expired;
  if (owner_inactive_at <= session.now()) return TokenStatus::owner_inactive;
  return TokenStatus::active;
}

Token token_from(SQLite::Statement& q, Session& session) {
  Token t;
  t.id = q.getColumn(0).getString();
  t.kind = q.getColumn(1).getString() == "app" ? TokenKind::app : TokenKind::api;
  t.owner = q.getColumn(2).getString();
  t.owner_kind =
      q.getColumn(3).getString() == "service" ? AccountKind::service : AccountKind::person;
  t.owner_inactive_at = at(q.getColumn(4).getInt64()) + session.inactivity_period();
  t.name = optional_text(q.getColumn(5));
  t.created_at = at(q.getColumn(6).getInt64());
  t.last_used_at = optional_time(q.getColumn(7));
  t.expires_at = optional_time(q.getColumn(8));
  t.revoked_at = optional_time(q.getColumn(9));
  t.previous_secret_valid_until = optional_time(q.getColumn(10));
  if (t.previous_secret_valid_until && *t.previous_secret_valid_until <= session.now())
    t.previous_secret_valid_until.reset();  // a grace that has ended is no longer a fact to show
  t.status = token_status(session, t.owner_inactive_at, t.expires_at, t.revoked_at);
  return t;
}

void fill_token_webhooks(Session& session, Token& token) {
  auto& q =
      session.store().statement("SELECT name FROM webhooks WHERE token_id = ?1 ORDER BY name");
  q.bind(1, token.id);
  token.webhooks.clear();
  while (q.executeStep()) token.webhooks.push_back(q.getColumn(0).getString());
}

const std::string token_select_with_webhooks =
    "SELECT t.id, t.kind, a.name, a.kind, a.last_activity_at, t.name, t.created_at, "
    "t.last_used_at, t.expires_at, t.revoked_at, t.previous_valid_until, "
    "(SELECT group_concat(name, ',') FROM webhooks WHERE token_id = t.id) "
    "FROM tokens t JOIN accounts a ON a.id = t.account_id";

void token_webhooks_from(SQLite::Statement& q, Token& token) {
  token.webhooks.clear();
  const SQLite::Column c = q.getColumn(11);
  if (c.isNull()) return;
  // Names are made of A-Z a-z 0-9 . _ @ -, so a comma separates them unambiguously.
  std::string_view list(c.getText(), static_cast<size_t>(c.getBytes()));
  for (size_t pos = 0;;) {
    size_t comma = list.find(',', pos);
    token.webhooks.emplace_back(list.substr(pos, comma - pos));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  // ORDER BY name under the column's NOCASE collation: ASCII case folded, then bytes.
  auto fold = [](char ch) {
    return static_cast<unsigned char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  };
  std::sort(token.webhooks.begin(), token.webhooks.end(),
            [&](const std::string& a, const std::string& b) {
              return std::lexicographical_compare(
                  a.begin(), a.end(), b.begin(), b.end(),
                  [&](char x, char y) { return fold(x) < fold(y); });
            });
}

const std::string webhook_select =
    "SELECT w.name, w.auth, w.description, w.token_id, t.kind, a.name, t.revoked_at, "
    "t.expires_at, a.last_activity_at, w.created_at, a.kind "
    "FROM webhooks w LEFT JOIN tokens t ON t.id = w.token_id "
    "LEFT JOIN accounts a ON a.id = t.account_id";

std::string webhook_breaks_at_sql(std::string_view p) {
  // As webhook_from: the revocation time for a revoked token, else the earlier of the owner's
  // inactive_at and the token's expiry.
  return fmt::format(
      "(CASE WHEN w.token_id IS NULL THEN NULL WHEN t.revoked_at IS NOT NULL THEN t.revoked_at "
      "ELSE min(coalesce(a.last_activity_at, 0) + {0}, "
      "coalesce(t.expires_at, coalesce(a.last_activity_at, 0) + {0})) END)",
      p);
}

Webhook webhook_from(SQLite::Statement& q, Session& session) {
  Webhook w;
  w.name = q.getColumn(0).getString();
  w.auth = q.getColumn(1).getString() == "basic" ? AuthScheme::basic : AuthScheme::bearer;
  w.description = optional_text(q.getColumn(2));
  w.token = optional_text(q.getColumn(3));
  w.created_at = at(q.getColumn(9).getInt64());
  if (!w.token) return w;  // broken, breaks_at null
  w.token_kind = q.getColumn(4).getString() == "app" ? TokenKind::app : TokenKind::api;
  w.owner = q.getColumn(5).getString();
  auto revoked_at = optional_time(q.getColumn(6));
  auto expires_at = optional_time(q.getColumn(7));
  w.token_expires_at = expires_at;
  Time owner_inactive_at = at(q.getColumn(8).getInt64()) + session.inactivity_period();
  w.owner_kind =
      q.getColumn(10).getString() == "service" ? AccountKind::service : AccountKind::person;
  w.token_status = token_status(session, owner_inactive_at, expires_at, revoked_at);
  if (revoked_at) {
    w.breaks_at = revoked_at;
  } else {
    w.breaks_at = owner_inactive_at;
    if (expires_at && *expires_at < *w.breaks_at) w.breaks_at = expires_at;
  }
  w.broken = *w.breaks_at <= session.now() || revoked_at.has_value();
  return w;
}

Account require_account(Session& session, std::string_view name) {
  auto& q = session.store().statement(account_select + " WHERE a.name = ?1");
  q.bind(1, std::string(name));
  if (!q.executeStep())
    fail(ErrorKind::not_found, fmt::format("no user named '{}'", printable(name)));
  Account a = account_from(q, session);
  q.reset();
  return a;
}

int64_t account_id(Session& session, std::string_view name) {
  auto& q = session.store().statement("SELECT id FROM accounts WHERE name = ?1");
  q.bind(1, std::string(name));
  if (!q.executeStep())
    fail(ErrorKind::not_found, fmt::format("no user named '{}'", printable(name)));
  int64_t id = q.getColumn(0).getInt64();
  q.reset();
  return id;
}

Account require_active_account(Session& session, std::string_view name, std::string_view why) {
  Account a = require_account(session, name);
  if (!a.active)
    fail(ErrorKind::conflict,
         fmt::format("user '{}' is inactive (since {}), so it cannot {}; reactivate it first with "
                     "'hookctl user reactivate {}'",
                     a.name, format_rfc3339(a.inactive_at), why, a.name));
  return a;
}

Token require_token(Session& session, std::string_view id) {
  static const std::string sql = token_select_with_webhooks + " WHERE t.id = ?1";
  auto& q = session.store().statement(sql);
  q.bind(1, std::string(id));
  if (!q.executeStep()) {
    // An id is short and public; anything longer may be a whole token pasted by mistake, whose
    // secret must not reach a terminal, a log or a script's captured stderr.
    if (id.size() > token_id_length)
      fail(ErrorKind::not_found,
           fmt::format("no token with the id given (a token id is {} characters; a longer "
                       "value is not shown, in case it is a secret)",
                       token_id_length));
    fail(ErrorKind::not_found, fmt::format("no token with id '{}'", printable(id)));
  }
  Token t = token_from(q, session);
  token_webhooks_from(q, t);
  q.reset();
  return t;
}

Webhook require_webhook(Session& session, std::string_view name) {
  auto& q = session.store().statement(webhook_select + " WHERE w.name = ?1");
  q.bind(1, std::string(name));
  if (!q.executeStep())
    fail(ErrorKind::not_found, fmt::format("no webhook named '{}'", printable(name)));
  Webhook w = webhook_from(q, session);
  q.reset();
  return w;
}

}  // namespace hookctl::detail
