#include "hookctl/rights.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "hookctl/accounts.hpp"
#include "hookctl/audit.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/password.hpp"
#include "hookctl/rules.hpp"
#include "hookctl/token_format.hpp"
#include "rows.hpp"

namespace hookctl {

using namespace detail;

namespace {

std::vector<Right> sorted_unique(std::vector<Right> rights) {
  std::sort(rights.begin(), rights.end());
  rights.erase(std::unique(rights.begin(), rights.end()), rights.end());
  return rights;
}

bool holds(const std::vector<Right>& rights, Right r) {
  return std::find(rights.begin(), rights.end(), r) != rights.end();
}

int64_t administrators(Session& session) {
  auto& q = session.store().statement(
      "SELECT count(*) FROM account_rights WHERE name = 'administration'");
  q.step();
  const int64_t n = q.integer(0);
  q.reset();
  return n;
}

bool holds_any(const std::vector<Right>& rights, const std::vector<Right>& wanted) {
  return std::any_of(wanted.begin(), wanted.end(), [&](Right r) { return holds(rights, r); });
}

std::string needs_text(const std::vector<Right>& needs) {
  std::string out;
  for (size_t i = 0; i < needs.size(); ++i)
    out += (i == 0 ? "" : i + 1 == needs.size() ? " or " : ", ") + std::string(to_string(needs[i]));
  return out;
}

// Records a refused attempt (bounded: one event per account, reason and hour, later ones
// counted) and fails with `kind`.
[[noreturn]] void deny(Session& session, ErrorKind kind, std::string_view account,
                       std::string_view reason, std::string_view command, std::string message) {
  record_rejection(session, AuditAction::admin_denied, account, reason,
                   fmt::format("{} refused", command));
  fail(kind, std::move(message));
}

std::optional<Account> find_account_by_id(Session& session, int64_t id) {
  auto& q = session.store().statement(account_select + " WHERE a.id = ?1");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  Account a = account_from(q, session);
  q.reset();
  return a;
}

// The account `credentials` name, if its password is right, it is not locked and it is active:
// Error(unauthorized) (recorded) otherwise. Failed checks count towards the lockout as logins'
// do (check_password).
Account authenticate_password(Session& session, std::string_view command,
                              const ActorCredentials& credentials) {
  const std::string& name = *credentials.account;
  const std::string_view password =
      credentials.password ? credentials.password->view() : std::string_view();
  const PasswordCheck check = check_password(session, name, password);
  const std::optional<Account>& account = check.account;
  if (check.result == PasswordCheck::Result::locked)
    deny(session, ErrorKind::unauthorized, account->name, "locked", command,
         fmt::format("cannot act as '{}': its password is locked until {} after too many failed "
                     "attempts; a holder of user-management can lift it with 'hookctl user "
                     "unlock {}'",
                     account->name, format_rfc3339(*account->locked_until), account->name));
  if (check.result == PasswordCheck::Result::rejected)
    deny(session, ErrorKind::unauthorized,
         account ? std::string_view(account->name) : std::string_view("(unknown)"),
         "bad-credentials", command, "cannot act as that account: unknown user or wrong password");
  if (!account->active)
    deny(session, ErrorKind::unauthorized, account->name, "inactive", command,
         fmt::format("cannot act as '{}': the account is inactive since {}; a holder of "
                     "user-management can reactivate it",
                     account->name, format_rfc3339(account->inactive_at)));
  return *account;
}

// The owner of the admin token in `credentials`, if the token is one, its secret is right (the
// current one, or the previous one within its grace), it is neither revoked nor expired, and its
// owner is active: Error(unauthorized) (recorded) otherwise.
Account authenticate_admin_token(Session& session, std::string_view command,
                                 const ActorCredentials& credentials, std::string& token_id) {
  const std::string_view text = credentials.admin_token->view();
  const ParsedToken parsed = parse_token(text);
  const std::string refused =
      "the admin token is not valid: unknown, mistyped, revoked, expired, or not an admin token "
      "(hkm_)";
  if (parsed.problem != TokenProblem::none || parsed.kind != TokenKind::admin)
    deny(session, ErrorKind::unauthorized, "(unknown)", "bad-token", command, refused);
  token_id = std::string(parsed.id);
  std::string current, previous;
  std::optional<Time> previous_until, revoked_at, expires_at;
  std::optional<int64_t> owner;
  session.store().read([&] {
    auto& q = session.store().statement(
        "SELECT secret_hash, previous_hash, previous_valid_until, revoked_at, expires_at, "
        "account_id FROM tokens WHERE id = ?1 AND kind = 'admin'");
    q.bind(1, token_id);
    if (q.step()) {
      current = std::string(q.bytes(0));
      if (!q.is_null(1)) previous = std::string(q.bytes(1));
      previous_until = optional_time(q, 2);
      revoked_at = optional_time(q, 3);
      expires_at = optional_time(q, 4);
      owner = q.integer(5);
    }
    q.reset();
  });
  const TokenHash presented = hash_token(text);
  // Both comparisons always run, in constant time.
  const bool now_ok = hashes_equal(presented, current.data(), current.size());
  const bool before_ok = hashes_equal(presented, previous.data(), previous.size());
  const bool matches =
      owner && (now_ok || (before_ok && rules::in_grace(previous_until, session.now())));
  if (!matches || revoked_at || (expires_at && *expires_at <= session.now()))
    deny(session, ErrorKind::unauthorized, owner ? token_id : std::string("(unknown)"), "bad-token",
         command, refused);
  std::optional<Account> account;
  session.store().read([&] { account = find_account_by_id(session, *owner); });
  if (!account->active)
    deny(session, ErrorKind::unauthorized, account->name, "inactive", command,
         fmt::format("cannot act as '{}' (its admin token {}): the account is inactive since {}; "
                     "a holder of user-management can reactivate it",
                     account->name, token_id, format_rfc3339(account->inactive_at)));
  return *account;
}

}  // namespace

void authorize(Session& session, std::string_view command, const std::vector<Right>& needs,
               const ActorCredentials& credentials) {
  Acting acting;
  acting.needs = needs;
  if (credentials.owner_override) {
    // Whoever creates the store owns it (a new SQLite file is not at its path until the
    // command's first commit publishes it).
    if (!session.store().created() && !session.store().caller_owns_store())
      deny(session, ErrorKind::forbidden, session.actor(), "not-owner", command,
           "--owner-override: only the owner of the store (or root) may act as its owner");
    acting.authenticated_by = "owner-override";
    acting.needs.clear();
    return session.act_as(std::move(acting));
  }
  const bool delegated = delegated_mode(session);
  if (!credentials.account && !credentials.admin_token) {
    if (delegated && !needs.empty())
      deny(session, ErrorKind::unauthorized, "(unauthenticated)", "no-actor", command,
           fmt::format("this store is in delegated mode: '{}' needs an account holding {}; act "
                       "as one with --as NAME (its password is asked for)",
                       command, needs_text(needs)));
    acting.needs.clear();
    return session.act_as(std::move(acting));
  }
  std::string token_id;
  const Account actor = credentials.admin_token
                            ? authenticate_admin_token(session, command, credentials, token_id)
                            : authenticate_password(session, command, credentials);
  if (delegated && !needs.empty() && !holds_any(actor.rights, needs))
    deny(session, ErrorKind::forbidden, actor.name, "forbidden", command,
         fmt::format("'{}' needs {}, which {} does not hold", command, needs_text(needs),
                     actor.name));
  acting.account_id = actor.id;
  acting.account = actor.name;
  acting.authenticated_by = token_id.empty() ? "password" : "token:" + token_id;
  if (!token_id.empty()) acting.admin_token = token_id;
  if (!delegated) acting.needs.clear();  // owner mode: the account is recorded, not limited
  session.act_as(std::move(acting));
}

void confirm_actor(Session& session) {
  const Acting& acting = session.acting();
  if (!acting.account_id) return;
  const std::optional<Account> actor = find_account_by_id(session, *acting.account_id);
  if (!actor)
    fail(ErrorKind::unauthorized,
         fmt::format("the acting account '{}' no longer exists", acting.account.value_or("")));
  if (!actor->active)
    fail(ErrorKind::unauthorized, fmt::format("the acting account '{}' is inactive", actor->name));
  if (!acting.needs.empty() && !holds_any(actor->rights, acting.needs))
    fail(ErrorKind::forbidden, fmt::format("{} no longer holds {}; nothing was changed",
                                           actor->name, needs_text(acting.needs)));
}

void record_acting(Session& session, std::string_view act) {
  const Acting& acting = session.acting();
  if (!acting.account_id) return;
  auto& q = session.store().statement(
      "UPDATE accounts SET last_activity_at = ?2, last_activity_source = ?3 "
      "WHERE id = ?1 AND last_activity_at < ?2 - 60");
  q.bind(1, *acting.account_id);
  q.bind(2, secs(session.now()));
  q.bind(3, "admin:" + std::string(act));
  q.run();
  if (acting.admin_token) {  // the token's use, coalesced the same way
    auto& used = session.store().statement(
        "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1 AND "
        "(last_used_at IS NULL OR last_used_at < ?2 - 60)");
    used.bind(1, *acting.admin_token);
    used.bind(2, secs(session.now()));
    used.run();
  }
}

void ensure_actor_holds(Session& session, const std::vector<Right>& rights,
                        std::string_view doing) {
  const Acting& acting = session.acting();
  if (!acting.account_id || acting.needs.empty()) return;  // owner mode, or no limit
  const std::optional<Account> actor = find_account_by_id(session, *acting.account_id);
  std::vector<Right> missing;
  for (Right r : rights)
    if (!actor || !holds(actor->rights, r)) missing.push_back(r);
  if (!missing.empty())
    fail(ErrorKind::forbidden,
         fmt::format("{} cannot {}: it does not hold {} itself", acting.account.value_or(""), doing,
                     rights_text(missing)));
}

std::string rights_text(const std::vector<Right>& rights) {
  std::string out;
  for (Right r : rights) out += (out.empty() ? "" : ", ") + std::string(to_string(r));
  return out;
}

void ensure_not_last_administrator(Session& session, const Account& account,
                                   std::string_view what) {
  // Called inside the write transaction, which writers take one at a time: two administrators
  // revoking each other at once are serialised, and the second sees the first's change.
  if (holds(account.rights, Right::administration) && administrators(session) <= 1)
    fail(ErrorKind::conflict,
         fmt::format("user '{}' is the last account holding administration, so it cannot {}: "
                     "grant administration to another account first",
                     account.name, what));
}

bool delegated_mode(Session& session) {
  return session.store().read([&] { return administrators(session) > 0; });
}

RightsChange grant_rights(Session& session, std::string_view name,
                          const std::vector<Right>& rights) {
  const std::vector<Right> wanted = sorted_unique(rights);
  return session.change([&] {
    RightsChange c;
    c.account = require_account(session, name);
    for (Right r : wanted)
      if (!holds(c.account.rights, r)) c.changed.push_back(r);
    if (c.changed.empty()) return c;
    ensure_actor_holds(session, c.changed, "grant them");
    if (!c.account.active)
      fail(ErrorKind::conflict,
           fmt::format("user '{}' is inactive (since {}), so it could not use a right; reactivate "
                       "it first with 'hookctl user reactivate {}'",
                       c.account.name, format_rfc3339(c.account.inactive_at), c.account.name));
    if (holds(c.changed, Right::administration) && !c.account.has_password)
      fail(ErrorKind::conflict,
           fmt::format("user '{}' has no password, so it could never act as an administrator; "
                       "set one first with 'hookctl user set-password {}'",
                       c.account.name, c.account.name));
    for (Right r : c.changed) {
      // Store::statement hands the statement out reset, ready for the next row's bindings.
      auto& q = session.store().statement(
          "INSERT INTO account_rights (account_id, name, granted_at) VALUES (?1, ?2, ?3)");
      q.bind(1, c.account.id);
      q.bind(2, std::string(to_string(r)));
      q.bind(3, secs(session.now()));
      q.run();
    }
    record_event(session, AuditAction::user_grant, c.account.name, rights_text(c.changed));
    c.account = require_account(session, name);
    return c;
  });
}

RightsChange revoke_rights(Session& session, std::string_view name,
                           const std::vector<Right>& rights) {
  const std::vector<Right> wanted = sorted_unique(rights);
  return session.change([&] {
    RightsChange c;
    c.account = require_account(session, name);
    for (Right r : wanted)
      if (holds(c.account.rights, r)) c.changed.push_back(r);
    if (c.changed.empty()) return c;
    ensure_actor_holds(session, c.changed, "take them");
    if (holds(c.changed, Right::administration))
      ensure_not_last_administrator(session, c.account, "lose administration");
    for (Right r : c.changed) {
      auto& q = session.store().statement(
          "DELETE FROM account_rights WHERE account_id = ?1 AND name = ?2");
      q.bind(1, c.account.id);
      q.bind(2, std::string(to_string(r)));
      q.run();
    }
    record_event(session, AuditAction::user_revoke, c.account.name, rights_text(c.changed));
    c.account = require_account(session, name);
    return c;
  });
}

}  // namespace hookctl
