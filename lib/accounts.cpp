#include "hookctl/accounts.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "hookctl/audit.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/password.hpp"
#include "hookctl/policy.hpp"
#include "hookctl/rights.hpp"
#include "hookctl/token_format.hpp"
#include "hookctl/tokens.hpp"
#include "rows.hpp"

namespace hookctl {

using namespace detail;

namespace {

void insert_account(Session& session, const std::string& name, AccountKind kind,
                    const std::optional<std::string>& email,
                    const std::optional<std::string>& password_hash, Time created_at,
                    Time last_activity_at, std::string_view source) {
  auto& q = session.store().statement(
      "INSERT INTO accounts (name, kind, email, password_hash, created_at, last_activity_at, "
      "last_activity_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  q.bind(1, name);
  q.bind(2, std::string(to_string(kind)));
  bind_optional(q, 3, email);
  bind_optional(q, 4, password_hash);
  q.bind(5, secs(created_at));
  q.bind(6, secs(last_activity_at));
  q.bind(7, std::string(source));
  q.run();
}

std::optional<std::string> existing_name(Session& session, const std::string& name) {
  auto& q = session.store().statement("SELECT name FROM accounts WHERE name = ?1");
  q.bind(1, name);
  if (!q.step()) return std::nullopt;
  std::string found = q.text(0);
  q.reset();
  return found;
}

[[noreturn]] void already_exists(const std::string& name, const std::string& existing) {
  if (existing == name) fail(ErrorKind::conflict, fmt::format("user '{}' already exists", name));
  fail(ErrorKind::conflict, fmt::format("user '{}' already exists as '{}' (names are "
                                        "case-insensitive)",
                                        name, existing));
}

// The non-revoked tokens of an account, with their webhooks.
std::vector<Token> live_tokens(Session& session, int64_t account) {
  auto& q = session.store().statement(token_select +
                                      " WHERE t.account_id = ?1 AND t.revoked_at IS NULL "
                                      "ORDER BY t.created_at, t.id");
  q.bind(1, account);
  std::vector<Token> out;
  while (q.step()) out.push_back(token_from(q, session));
  for (auto& t : out) fill_token_webhooks(session, t);
  return out;
}

std::string list_or_none(const std::vector<std::string>& names) {
  return names.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

// A user named like an existing token's id would share its audit history (audit --subject
// matches both): refused with Error(conflict).
void ensure_not_a_token_id(Session& session, const std::string& name, std::string_view prefix) {
  if (!looks_like_token_id(name)) return;
  auto& q = session.store().statement("SELECT 1 FROM tokens WHERE id = lower(?1)");
  q.bind(1, name);
  bool taken = q.step();
  q.reset();
  if (taken)
    fail(ErrorKind::conflict,
         fmt::format("{}user name '{}' is the id of an existing token, and the audit log would mix "
                     "their histories; choose another name",
                     prefix, name));
}

void ensure_account_name_free(Session& session, const std::string& name) {
  if (auto existing = existing_name(session, name)) already_exists(name, *existing);
}

namespace {

// create_account's work, inside the caller's write transaction.
Account insert_new_account(Session& session, const NewAccount& spec) {
  if (auto existing = existing_name(session, spec.name)) already_exists(spec.name, *existing);
  ensure_not_a_token_id(session, spec.name, "");
  insert_account(session, spec.name, spec.kind, spec.email, spec.password_hash, session.now(),
                 session.now(), "created");
  record_event(
      session, AuditAction::user_create, spec.name,
      fmt::format("kind={}{}{}", to_string(spec.kind), spec.email ? " email=" + *spec.email : "",
                  spec.password_hash ? " password=set" : " password=none"));
  return require_account(session, spec.name);
}

}  // namespace

Account create_account(Session& session, const NewAccount& spec) {
  validate_user_name(spec.name);
  if (spec.email) validate_email(*spec.email);
  return session.change([&] { return insert_new_account(session, spec); });
}

AccountWithToken create_account_with_token(Session& session, const NewAccount& spec,
                                           const std::optional<std::string>& token_label,
                                           const Deliver<AccountWithToken>& deliver) {
  validate_user_name(spec.name);
  if (spec.email) validate_email(*spec.email);
  if (token_label) validate_text(*token_label, "token name", 100);
  return session.change([&] {
    Account account = insert_new_account(session, spec);
    IssuedCredential credential =
        insert_token(session, TokenKind::api, account.id, token_label, std::nullopt);
    AccountWithToken made{require_account(session, spec.name), std::move(credential)};
    if (deliver) deliver(made);
    return made;
  });
}

Account show_account(Session& session, std::string_view name) {
  return session.store().read([&] { return require_account(session, name); });
}

AccountDetails show_account_details(Session& session, std::string_view name) {
  return session.store().read([&] {
    AccountDetails d;
    d.account = require_account(session, name);
    TokenFilter f;
    f.user = d.account.name;
    list_tokens(session, f, [&](const Token& t) {
      d.tokens.push_back(t);
      for (const auto& w : t.webhooks)
        if (std::find(d.webhooks.begin(), d.webhooks.end(), w) == d.webhooks.end())
          d.webhooks.push_back(w);
    });
    std::sort(d.webhooks.begin(), d.webhooks.end(), names_less);
    return d;
  });
}

void list_accounts(Session& session, const AccountFilter& filter,
                   const std::function<void(const Account&)>& emit) {
  // Each condition is a range on the indexed last_activity_at column (rules::inactivity_cutoff):
  // inactive now, or inactive at now + DUR but not now.
  const Duration period = session.inactivity_period();
  const int64_t cutoff_now = secs(rules::inactivity_cutoff(session.now(), period));
  const Engine engine = session.store().engine();
  std::string sql = account_select + " WHERE TRUE";
  if (filter.inactive) sql += " AND a.last_activity_at <= ?1";
  if (filter.inactive_within)
    sql += filter.include_inactive ? " AND a.last_activity_at <= ?2"
                                   : " AND a.last_activity_at > ?1 AND a.last_activity_at <= ?2";
  if (filter.kind) sql += " AND a.kind = ?3";
  sql += filter.inactive_within ? " ORDER BY a.last_activity_at, " : " ORDER BY ";
  sql += name_order(engine, "a.name");
  session.store().read([&] {
    auto& q = session.store().statement(sql);
    if (filter.inactive || (filter.inactive_within && !filter.include_inactive))
      q.bind(1, cutoff_now);
    if (filter.inactive_within)
      q.bind(2, secs(rules::inactivity_cutoff(session.now() + *filter.inactive_within, period)));
    if (filter.kind) q.bind(3, std::string(to_string(*filter.kind)));
    while (q.step()) emit(account_from(q, session));
  });
}

Reactivation reactivate_account(Session& session, std::string_view name) {
  return session.change([&] {
    Account before = require_account(session, name);
    if (before.active) return Reactivation{before, false};
    auto& q = session.store().statement(
        "UPDATE accounts SET last_activity_at = ?2, last_activity_source = 'reactivated' "
        "WHERE id = ?1");
    q.bind(1, before.id);
    q.bind(2, secs(session.now()));
    q.run();
    record_event(session, AuditAction::user_reactivate, before.name,
                 fmt::format("was inactive since {}", format_rfc3339(before.inactive_at)));
    return Reactivation{require_account(session, name), true};
  });
}

PasswordChange set_account_password(Session& session, std::string_view name,
                                    const std::optional<std::string>& hash) {
  return session.change([&] {
    PasswordChange c;
    c.account = require_account(session, name);
    ensure_actor_holds(session, c.account.rights,
                       fmt::format("change the password of {}", c.account.name));
    c.had_password = c.account.has_password;
    if (!hash && !c.had_password) {
      c.changed = false;
      return c;
    }
    auto& q = session.store().statement("UPDATE accounts SET password_hash = ?2 WHERE id = ?1");
    q.bind(1, c.account.id);
    bind_optional(q, 2, hash);
    q.run();
    record_event(session, AuditAction::user_set_password, c.account.name,
                 !hash            ? "password removed"
                 : c.had_password ? "password replaced"
                                  : "password set");
    c.account = require_account(session, name);
    return c;
  });
}

AccountEdit edit_account(Session& session, std::string_view name, const AccountChanges& changes) {
  if (changes.email && *changes.email) validate_email(**changes.email);
  return session.change([&] {
    AccountEdit e;
    e.account = require_account(session, name);
    const Account& before = e.account;
    if (changes.email && *changes.email != before.email) {
      auto& q = session.store().statement("UPDATE accounts SET email = ?2 WHERE id = ?1");
      q.bind(1, before.id);
      bind_optional(q, 2, *changes.email);
      q.run();
      e.changes.push_back(fmt::format("email {} -> {}", before.email.value_or("(none)"),
                                      changes.email->value_or("(none)")));
    }
    if (changes.kind && *changes.kind != before.kind) {
      auto& q = session.store().statement("UPDATE accounts SET kind = ?2 WHERE id = ?1");
      q.bind(1, before.id);
      q.bind(2, std::string(to_string(*changes.kind)));
      q.run();
      e.changes.push_back(
          fmt::format("kind {} -> {}", to_string(before.kind), to_string(*changes.kind)));
    }
    if (e.changes.empty()) return e;
    std::string details;
    for (const auto& c : e.changes) details += (details.empty() ? "" : "; ") + c;
    record_event(session, AuditAction::user_edit, before.name, details);
    e.account = require_account(session, name);
    return e;
  });
}

Deletion delete_account(Session& session, std::string_view name,
                        const std::optional<std::string>& transfer_to) {
  return session.change([&] {
    Deletion result;
    result.account = require_account(session, name);
    const Account& leaver = result.account;
    ensure_actor_holds(session, leaver.rights, fmt::format("delete {}", leaver.name));
    ensure_not_last_administrator(session, leaver, "be deleted");
    std::vector<Token> tokens = live_tokens(session, leaver.id);

    if (!tokens.empty() && !transfer_to) {
      std::string lines;
      for (const auto& t : tokens)
        lines += fmt::format("\n  {}  {}  webhooks: {}", token_reference(t.id, t.name),
                             to_string(t.kind), list_or_none(t.webhooks));
      auto blockers = std::make_shared<DeletionBlockers>();
      blockers->tokens = tokens;
      fail(ErrorKind::conflict,
           fmt::format("cannot delete user '{}': {} token{} still linked:{}\nresolve with "
                       "'hookctl user delete {} --transfer-to OTHER' (same secrets), "
                       "'hookctl token rotate ID --owner OTHER' (new secret), or "
                       "'hookctl token revoke ID'",
                       leaver.name, tokens.size(), tokens.size() == 1 ? " is" : "s are", lines,
                       leaver.name),
           std::move(blockers));
    }

    if (transfer_to) {
      if (!find_account_id(session, *transfer_to))
        fail(ErrorKind::not_found,
             fmt::format("the --transfer-to account '{}' does not exist; nothing was deleted",
                         printable(*transfer_to)));
      Account heir = require_active_account(session, *transfer_to, "receive tokens");
      if (heir.id == leaver.id)
        fail(ErrorKind::usage, "--transfer-to names the account being deleted");
      result.heir = heir.name;
      auto& move = session.store().statement(
          "UPDATE tokens SET account_id = ?2 WHERE account_id = ?1 AND revoked_at IS NULL");
      move.bind(1, leaver.id);
      move.bind(2, heir.id);
      move.run();
      for (auto& t : tokens) {
        t.owner = heir.name;
        record_event(session, AuditAction::token_transfer, t.id,
                     token_owner_change_details(leaver.name, heir.name) + " (user deleted)");
        for (const auto& w : t.webhooks)
          if (require_webhook(session, w).auth == AuthScheme::basic)
            result.basic_webhooks.push_back(w);
      }
      result.transferred = std::move(tokens);
    }

    // Revoked tokens go with the account; their history stays in the audit log. A webhook still
    // pointing at one is left without a token (ON DELETE SET NULL): named in the result.
    auto& stranded = session.store().statement(
        "SELECT w.name FROM webhooks w JOIN tokens t ON t.id = w.token_id "
        "WHERE t.account_id = ?1 AND t.revoked_at IS NOT NULL ORDER BY " +
        name_order(session.store().engine(), "w.name"));
    stranded.bind(1, leaver.id);
    while (stranded.step()) result.webhooks_left_without_token.push_back(stranded.text(0));
    auto& purge = session.store().statement(
        "DELETE FROM tokens WHERE account_id = ?1 AND revoked_at IS NOT NULL");
    purge.bind(1, leaver.id);
    result.revoked_tokens_removed = purge.run();
    auto& del = session.store().statement("DELETE FROM accounts WHERE id = ?1");
    del.bind(1, leaver.id);
    del.run();
    record_event(
        session, AuditAction::user_delete, leaver.name,
        fmt::format("{} token(s) transferred{}; {} revoked token(s) removed",
                    result.transferred.size(), result.heir ? " to " + *result.heir : std::string(),
                    result.revoked_tokens_removed));
    return result;
  });
}

namespace {

[[noreturn]] void bad_line(size_t line, const std::string& why) {
  fail(ErrorKind::usage, fmt::format("line {}: {}; nothing was imported", line, why));
}

std::optional<Time> import_time(const nlohmann::json& v, const char* field, size_t line) {
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) bad_line(line, fmt::format("\"{}\" must be an RFC 3339 string", field));
  auto t = parse_rfc3339(v.get_ref<const std::string&>());
  if (!t)
    bad_line(line,
             fmt::format("\"{}\" is not an RFC 3339 time such as 2026-11-28T13:00:00Z", field));
  return t;
}

}  // namespace

ImportRecord parse_import_record(std::string_view text, size_t line, Time now) {
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) bad_line(line, "not valid JSON");
  if (!doc.is_object()) bad_line(line, "expected a JSON object");
  ImportRecord r;
  r.line = line;
  std::optional<Time> created, activity;
  bool has_name = false;
  for (const auto& [key, value] : doc.items()) {
    if (key == "name") {
      if (!value.is_string()) bad_line(line, "\"name\" must be a string");
      r.name = value.get<std::string>();
      if (!is_valid_name(r.name) || looks_like_token_id(r.name) || looks_like_secret(r.name)) {
        try {
          validate_user_name(r.name);
        } catch (const Error& e) {
          bad_line(line, fmt::format("\"name\": {}", e.what()));
        }
      }
      has_name = true;
    } else if (key == "kind") {
      if (value.is_null()) continue;
      auto kind =
          value.is_string() ? from_string<AccountKind>(value.get<std::string>()) : std::nullopt;
      if (!kind) bad_line(line, "\"kind\" must be \"person\" or \"service\"");
      r.kind = *kind;
    } else if (key == "email") {
      if (value.is_null()) continue;
      if (!value.is_string()) bad_line(line, "\"email\" must be a string");
      try {
        validate_email(value.get_ref<const std::string&>());
      } catch (const Error& e) {
        bad_line(line, fmt::format("\"email\": {}", e.what()));
      }
      r.email = value.get<std::string>();
    } else if (key == "created_at") {
      created = import_time(value, "created_at", line);
    } else if (key == "last_activity_at") {
      activity = import_time(value, "last_activity_at", line);
    } else {
      bad_line(line, fmt::format("unknown field \"{}\" (known: name, kind, email, created_at, "
                                 "last_activity_at)",
                                 printable(key)));
    }
  }
  if (!has_name) bad_line(line, "\"name\" is missing");
  r.created_at = created ? *created : activity ? *activity : now;
  r.last_activity_at = activity ? *activity : r.created_at;
  // The field named is the one given: created_at defaults to last_activity_at.
  if (activity && *activity > now) bad_line(line, "\"last_activity_at\" lies in the future");
  if (r.created_at > now) bad_line(line, "\"created_at\" lies in the future");
  if (r.last_activity_at < r.created_at)
    bad_line(line, "\"last_activity_at\" precedes \"created_at\"");
  return r;
}

namespace {

std::string fold(std::string_view name) {
  std::string s(name);
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return s;
}

}  // namespace

ImportSummary import_accounts(Session& session, std::istream& in,
                              const std::function<void(size_t, size_t)>& progress,
                              const ImportOptions& options) {
  // First pass: parse and validate every line, so a bad line costs no write at all.
  std::vector<ImportRecord> records;
  std::unordered_map<std::string, size_t> first_line;  // folded name -> line
  std::string text;
  size_t line = 0, bytes = 0;
  while (std::getline(in, text)) {
    ++line;
    bytes += text.size() + 1;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    ImportRecord r = parse_import_record(text, line, session.now());
    auto [it, fresh] = first_line.emplace(fold(r.name), line);
    if (!fresh)
      fail(ErrorKind::conflict, fmt::format("line {}: duplicate user '{}' (also on line {}); "
                                            "nothing was imported",
                                            line, r.name, it->second));
    records.push_back(std::move(r));
    if (progress && line % 4096 == 0) progress(line, bytes);
  }
  if (in.bad()) fail(ErrorKind::usage, "cannot read the import input");
  if (progress) progress(line, bytes);

  ImportSummary summary;
  summary.lines = line;
  session.change([&] {
    for (const auto& r : records) {
      if (auto existing = existing_name(session, r.name)) {
        if (options.skip_existing) {
          ++summary.skipped;
          continue;
        }
        fail(ErrorKind::conflict,
             fmt::format("line {}: user '{}' already exists as '{}'; nothing was imported (pass "
                         "--skip-existing to leave existing accounts as they are)",
                         r.line, r.name, *existing));
      }
      ensure_not_a_token_id(session, r.name, fmt::format("line {}: ", r.line));
      insert_account(session, r.name, r.kind, r.email, std::nullopt, r.created_at,
                     r.last_activity_at, "imported");
      record_event(session, AuditAction::user_import, r.name,
                   fmt::format("kind={} last_activity_at={}", to_string(r.kind),
                               format_rfc3339(r.last_activity_at)));
      ++summary.added;
    }
  });
  return summary;
}

PasswordCheck check_password(Session& session, std::string_view name, std::string_view password) {
  PasswordCheck c;
  std::optional<std::string> hash;
  int64_t failures = 0;
  std::optional<Time> locked_until;
  session.store().read([&] {
    auto& q = session.store().statement(
        "SELECT password_hash, failed_logins, locked_until FROM accounts WHERE name = ?1");
    q.bind(1, std::string(name));
    if (q.step()) {
      hash = optional_text(q, 0);
      failures = q.integer(1);
      locked_until = optional_time(q, 2);
      q.reset();
      c.account = require_account(session, name);
    }
  });
  if (c.account && c.account->locked_until) {
    c.result = PasswordCheck::Result::locked;
    return c;
  }
  // The slow hash runs outside any transaction, so a check never holds the store.
  bool ok = false;
  if (hash)
    ok = verify_password(*hash, password);
  else
    verify_password_decoy(password);
  c.result = ok ? PasswordCheck::Result::accepted : PasswordCheck::Result::rejected;
  // An account without a password has nothing to lock, and an unknown name no row to count on.
  if (!c.account || !hash || !session.store().writable()) return c;
  if (ok && failures == 0 && !locked_until) return c;
  const int64_t id = c.account->id;
  session.store().write([&] {
    if (ok) {
      auto& q = session.store().statement(
          "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?1");
      q.bind(1, id);
      q.run();
      return;
    }
    const LockoutPolicy policy = stored_lockout_policy(session.store());
    // Counted inside the write, so concurrent failures all count.
    auto& count = session.store().statement(
        "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = ?1 "
        "RETURNING failed_logins");
    count.bind(1, id);
    count.step();
    const int64_t failed = count.integer(0);
    count.reset();
    if (policy.threshold == 0 || failed < policy.threshold) return;
    const Time until = session.now() + policy.duration;
    auto& lock = session.store().statement(
        "UPDATE accounts SET failed_logins = 0, locked_until = ?2 WHERE id = ?1");
    lock.bind(1, id);
    lock.bind(2, secs(until));
    lock.run();
    record_event(session, AuditAction::user_lockout, c.account->name,
                 fmt::format("password locked until {} after {} failed checks in a row",
                             format_rfc3339(until), failed));
  });
  session.store().read([&] { c.account = require_account(session, name); });
  return c;
}

Unlock unlock_account(Session& session, std::string_view name) {
  return session.change([&] {
    Unlock u;
    u.account = require_account(session, name);
    auto& q = session.store().statement(
        "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?1 AND "
        "(failed_logins <> 0 OR locked_until IS NOT NULL)");
    q.bind(1, u.account.id);
    u.changed = q.run() > 0;
    if (!u.changed) return u;
    record_event(session, AuditAction::user_unlock, u.account.name,
                 u.account.locked_until
                     ? fmt::format("was locked until {}", format_rfc3339(*u.account.locked_until))
                     : std::string("failed password checks forgotten"));
    u.account = require_account(session, name);
    return u;
  });
}

LoginOutcome login(Session& session, std::string_view name, std::string_view password,
                   Account* account_out) {
  const PasswordCheck check = check_password(session, name, password);
  const std::optional<Account>& account = check.account;
  if (check.result == PasswordCheck::Result::locked) {
    if (account_out) *account_out = *account;
    record_rejection(
        session, AuditAction::auth_login_rejected, account->name, "locked",
        fmt::format("password locked until {}", format_rfc3339(*account->locked_until)));
    return LoginOutcome::locked;
  }
  if (check.result == PasswordCheck::Result::rejected) {
    record_rejection(session, AuditAction::auth_login_rejected,
                     account ? std::string_view(account->name) : std::string_view("(unknown)"),
                     "bad-credentials", "wrong password, no password, or unknown user");
    return LoginOutcome::rejected;
  }
  if (account_out) *account_out = *account;
  if (!account->active) {
    record_rejection(
        session, AuditAction::auth_login_rejected, account->name, "inactive",
        fmt::format("account inactive since {}", format_rfc3339(account->inactive_at)));
    return LoginOutcome::inactive;
  }
  if (!session.store().writable()) return LoginOutcome::accepted;  // nothing can be recorded
  std::optional<std::string> hash;
  session.store().read([&] {
    auto& q = session.store().statement("SELECT password_hash FROM accounts WHERE id = ?1");
    q.bind(1, account->id);
    if (q.step()) hash = optional_text(q, 0);
    q.reset();
  });
  std::optional<std::string> rehash;
  if (hash && password_needs_rehash(*hash)) rehash = hash_password(password);
  session.store().write([&] {
    auto& q = session.store().statement(
        "UPDATE accounts SET last_activity_at = "
        "CASE WHEN last_activity_at > ?2 THEN last_activity_at ELSE ?2 END, "
        "last_activity_source = 'login', password_hash = coalesce(?3, password_hash) "
        "WHERE id = ?1");
    q.bind(1, account->id);
    q.bind(2, secs(session.now()));
    bind_optional(q, 3, rehash);
    q.run();
  });
  if (account_out) *account_out = show_account(session, name);
  return LoginOutcome::accepted;
}

}  // namespace hookctl
