#include "rows.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/rules.hpp"
#include "hookctl/vocabulary.hpp"

namespace hookctl::detail {

std::optional<Time> optional_time(Query& q, int column) {
  if (q.is_null(column)) return std::nullopt;
  return at(q.integer(column));
}

std::optional<std::string> optional_text(Query& q, int column) {
  if (q.is_null(column)) return std::nullopt;
  return q.text(column);
}

void bind_optional(Query& q, int index, const std::optional<Time>& t) {
  if (t)
    q.bind(index, secs(*t));
  else
    q.bind_null(index);
}

void bind_optional(Query& q, int index, const std::optional<std::string>& s) {
  if (s)
    q.bind(index, *s);
  else
    q.bind_null(index);
}

namespace {

// The rights an account holds as one integer, bit i for the i-th right of Words<Right>: the same
// SQL on both engines, and no second query per account.
std::string rights_mask_sql() {
  std::string cases;
  for (size_t i = 0; i < Words<Right>::table.size(); ++i)
    cases += fmt::format(" WHEN '{}' THEN {}", Words<Right>::table[i].second, 1 << i);
  return "(SELECT COALESCE(SUM(CASE r.name" + cases +
         " ELSE 0 END), 0) FROM account_rights r WHERE r.account_id = a.id)";
}

}  // namespace

const std::string account_select =
    "SELECT a.id, a.name, a.kind, a.email, a.password_hash IS NOT NULL, a.created_at, "
    "a.last_activity_at, a.last_activity_source, "
    "(SELECT count(*) FROM tokens t WHERE t.account_id = a.id AND t.revoked_at IS NULL), " +
    rights_mask_sql() + ", a.locked_until FROM accounts a";

Account account_from(Query& q, Session& session) {
  Account a;
  a.id = q.integer(0);
  a.name = q.text(1);
  a.kind = from_string<AccountKind>(q.text(2)).value_or(AccountKind::person);
  a.email = optional_text(q, 3);
  a.has_password = q.integer(4) != 0;
  a.created_at = at(q.integer(5));
  a.last_activity_at = at(q.integer(6));
  a.last_activity_source = q.text(7);
  a.tokens = q.integer(8);
  const int64_t rights = q.integer(9);
  for (size_t i = 0; i < Words<Right>::table.size(); ++i)
    if ((rights & (int64_t{1} << i)) != 0) a.rights.push_back(Words<Right>::table[i].first);
  if (auto until = optional_time(q, 10); until && *until > session.now()) a.locked_until = until;
  a.inactive_at = rules::inactive_at(a.last_activity_at, session.inactivity_period());
  a.active = rules::is_active(a.inactive_at, session.now());
  return a;
}

const std::string token_select =
    "SELECT t.id, t.kind, a.name, a.kind, a.last_activity_at, t.name, t.created_at, "
    "t.last_used_at, t.expires_at, t.revoked_at, t.previous_valid_until "
    "FROM tokens t JOIN accounts a ON a.id = t.account_id";

Token token_from(Query& q, Session& session) {
  Token t;
  t.id = q.text(0);
  t.kind = from_string<TokenKind>(q.text(1)).value_or(TokenKind::api);
  t.owner = q.text(2);
  t.owner_kind = from_string<AccountKind>(q.text(3)).value_or(AccountKind::person);
  t.owner_inactive_at = rules::inactive_at(at(q.integer(4)), session.inactivity_period());
  t.name = optional_text(q, 5);
  t.created_at = at(q.integer(6));
  t.last_used_at = optional_time(q, 7);
  t.expires_at = optional_time(q, 8);
  t.revoked_at = optional_time(q, 9);
  t.previous_secret_valid_until = optional_time(q, 10);
  if (!rules::in_grace(t.previous_secret_valid_until, session.now()))
    t.previous_secret_valid_until.reset();  // a grace that has ended is no longer a fact to show
  t.status = rules::token_status(session.now(), t.owner_inactive_at, t.expires_at, t.revoked_at);
  return t;
}

void fill_token_webhooks(Session& session, Token& token) {
  auto& q = session.store().statement("SELECT name FROM webhooks WHERE token_id = ?1 ORDER BY " +
                                      name_order(session.store().engine(), "name"));
  q.bind(1, token.id);
  token.webhooks.clear();
  while (q.step()) token.webhooks.push_back(q.text(0));
}

std::string token_select_with_webhooks(Engine engine) {
  return std::string(
             "SELECT t.id, t.kind, a.name, a.kind, a.last_activity_at, t.name, t.created_at, "
             "t.last_used_at, t.expires_at, t.revoked_at, t.previous_valid_until, (SELECT ") +
         (engine == Engine::sqlite ? "group_concat(name, ',')" : "string_agg(name, ',')") +
         " FROM webhooks WHERE token_id = t.id) FROM tokens t JOIN accounts a ON a.id = "
         "t.account_id";
}

std::string name_order(Engine engine, std::string_view column) {
  // SQLite's name columns are NOCASE; PostgreSQL's use a case-insensitive ICU collation whose
  // order puts punctuation before digits, so fold and compare bytes there.
  if (engine == Engine::sqlite) return std::string(column);
  return fmt::format("lower({}) COLLATE \"C\"", column);
}

void token_webhooks_from(Query& q, Token& token) {
  token.webhooks.clear();
  if (q.is_null(11)) return;
  // Names are made of A-Z a-z 0-9 . _ @ -, so a comma separates them unambiguously.
  std::string_view list = q.bytes(11);
  for (size_t pos = 0;;) {
    size_t comma = list.find(',', pos);
    token.webhooks.emplace_back(list.substr(pos, comma - pos));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  // group_concat has no guaranteed order: sort as ORDER BY name under NOCASE.
  std::sort(token.webhooks.begin(), token.webhooks.end(), names_less);
}

const std::string webhook_select =
    "SELECT w.name, w.auth, w.description, w.token_id, t.kind, a.name, t.revoked_at, "
    "t.expires_at, a.last_activity_at, w.created_at, a.kind, w.previous_token_id, "
    "w.previous_token_until "
    "FROM webhooks w LEFT JOIN tokens t ON t.id = w.token_id "
    "LEFT JOIN accounts a ON a.id = t.account_id";

std::string webhook_breaks_at_sql(std::string_view period_parameter) {
  return rules::sql::webhook_breaks_at("w.token_id", "t.revoked_at", "t.expires_at",
                                       "a.last_activity_at", period_parameter);
}

Webhook webhook_from(Query& q, Session& session) {
  Webhook w;
  w.name = q.text(0);
  w.auth = from_string<AuthScheme>(q.text(1)).value_or(AuthScheme::bearer);
  w.description = optional_text(q, 2);
  w.token = optional_text(q, 3);
  w.created_at = at(q.integer(9));
  if (auto until = optional_time(q, 12); until && *until > session.now()) {
    w.previous_token = optional_text(q, 11);
    if (w.previous_token) w.previous_token_until = until;
  }
  if (!w.token) return w;  // broken, breaks_at null
  w.token_kind = from_string<TokenKind>(q.text(4)).value_or(TokenKind::api);
  w.owner = q.text(5);
  auto revoked_at = optional_time(q, 6);
  auto expires_at = optional_time(q, 7);
  w.token_expires_at = expires_at;
  Time owner_inactive_at = rules::inactive_at(at(q.integer(8)), session.inactivity_period());
  w.owner_kind = from_string<AccountKind>(q.text(10)).value_or(AccountKind::person);
  w.token_status = rules::token_status(session.now(), owner_inactive_at, expires_at, revoked_at);
  w.breaks_at = rules::webhook_breaks_at(true, revoked_at, expires_at, owner_inactive_at);
  w.broken = rules::webhook_broken(true, revoked_at, w.breaks_at, session.now());
  return w;
}

Account require_account(Session& session, std::string_view name) {
  auto& q = session.store().statement(account_select + " WHERE a.name = ?1");
  q.bind(1, std::string(name));
  if (!q.step()) fail(ErrorKind::not_found, fmt::format("no user named '{}'", printable(name)));
  Account a = account_from(q, session);
  q.reset();
  return a;
}

std::optional<int64_t> find_account_id(Session& session, std::string_view name) {
  auto& q = session.store().statement("SELECT id FROM accounts WHERE name = ?1");
  q.bind(1, std::string(name));
  if (!q.step()) return std::nullopt;
  int64_t id = q.integer(0);
  q.reset();
  return id;
}

int64_t account_id(Session& session, std::string_view name) {
  auto id = find_account_id(session, name);
  if (!id) fail(ErrorKind::not_found, fmt::format("no user named '{}'", printable(name)));
  return *id;
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
  static const EngineSql sql{token_select_with_webhooks(Engine::sqlite) + " WHERE t.id = ?1",
                             token_select_with_webhooks(Engine::postgresql) + " WHERE t.id = ?1"};
  auto& q = session.store().statement(sql);
  q.bind(1, std::string(id));
  if (!q.step()) {
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
  if (!q.step()) fail(ErrorKind::not_found, fmt::format("no webhook named '{}'", printable(name)));
  Webhook w = webhook_from(q, session);
  q.reset();
  return w;
}

}  // namespace hookctl::detail
