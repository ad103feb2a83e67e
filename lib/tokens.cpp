#include "hookctl/tokens.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include "hookctl/audit.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/rights.hpp"
#include "hookctl/rules.hpp"
#include "hookctl/text.hpp"
#include "rows.hpp"

namespace hookctl {

using namespace detail;

namespace {

std::optional<Time> expiry(Session& session, const std::optional<Duration>& expires_in) {
  if (!expires_in) return std::nullopt;
  if (expires_in->count() <= 0) fail(ErrorKind::usage, "--expires-in must be longer than 0s");
  if (session.now() + *expires_in > latest_time)
    fail(ErrorKind::usage, "--expires-in ends after 9999-12-31T23:59:59Z; choose a shorter one");
  return session.now() + *expires_in;
}

}  // namespace

namespace detail {

std::optional<Time> grace_end(Session& session, const std::optional<Duration>& grace) {
  if (!grace || grace->count() == 0) return std::nullopt;
  if (grace->count() < 0) fail(ErrorKind::usage, "--grace is negative");
  if (session.now() + *grace > latest_time)
    fail(ErrorKind::usage, "--grace ends after 9999-12-31T23:59:59Z; choose a shorter one");
  return session.now() + *grace;
}

IssuedCredential insert_token(Session& session, TokenKind kind, int64_t account_id,
                              const std::optional<std::string>& label,
                              const std::optional<Time>& expires_at) {
  // 60 random bits make a collision unlikely, but the id is a primary key: retry on one.
  for (int attempt = 0;; ++attempt) {
    IssuedToken issued = issue_token(kind);
    auto& q = session.store().statement(
        "INSERT INTO tokens (id, kind, account_id, name, secret_hash, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING");
    q.bind(1, issued.id);
    q.bind(2, std::string(to_string(kind)));
    q.bind(3, account_id);
    bind_optional(q, 4, label);
    q.bind_blob(5, issued.hash);
    q.bind(6, secs(session.now()));
    bind_optional(q, 7, expires_at);
    if (q.run() == 0) {
      if (attempt < 8) continue;
      fail(ErrorKind::internal, "could not draw an unused token id");
    }
    Token token = require_token(session, issued.id);
    record_event(session, AuditAction::token_create, token.id,
                 fmt::format("kind={} {}{}{}", to_string(kind), token_owner_details(token.owner),
                             label ? " name=" + *label : "",
                             expires_at ? " expires_at=" + format_rfc3339(*expires_at) : ""));
    return IssuedCredential{std::move(token), std::move(issued.text)};
  }
}

void revoke_token_row(Session& session, const std::string& id, std::string_view why) {
  auto& q = session.store().statement(
      "UPDATE tokens SET revoked_at = ?2, previous_hash = NULL, previous_valid_until = NULL "
      "WHERE id = ?1 AND revoked_at IS NULL");
  q.bind(1, id);
  q.bind(2, secs(session.now()));
  if (q.run() > 0) record_event(session, AuditAction::token_revoke, id, why);
}

}  // namespace detail

namespace {

IssuedCredential create_token_of(Session& session, TokenKind kind, std::string_view user,
                                 const std::optional<std::string>& label,
                                 const std::optional<Duration>& expires_in,
                                 const Deliver<IssuedCredential>& deliver) {
  if (label) validate_text(*label, "token name", 100);
  auto expires_at = expiry(session, expires_in);
  return session.change([&] {
    Account owner = require_active_account(session, user, "own a new token");
    // An admin token is the account's credential: issuing one is acting as that account.
    if (kind == TokenKind::admin)
      ensure_actor_holds(session, owner.rights,
                         fmt::format("issue an admin token for {}", owner.name));
    IssuedCredential issued = insert_token(session, kind, owner.id, label, expires_at);
    if (deliver) deliver(issued);
    return issued;
  });
}

}  // namespace

IssuedCredential create_token(Session& session, std::string_view user,
                              const std::optional<std::string>& label,
                              const std::optional<Duration>& expires_in,
                              const Deliver<IssuedCredential>& deliver) {
  return create_token_of(session, TokenKind::api, user, label, expires_in, deliver);
}

IssuedCredential create_admin_token(Session& session, std::string_view user,
                                    const std::optional<std::string>& label,
                                    const std::optional<Duration>& expires_in,
                                    const Deliver<IssuedCredential>& deliver) {
  return create_token_of(session, TokenKind::admin, user, label, expires_in, deliver);
}

void list_tokens(Session& session, const TokenFilter& filter,
                 const std::function<void(const Token&)>& emit) {
  session.store().read([&] {
    // One statement, streamed: each row carries its webhooks (no query per token, no batch).
    std::string sql = token_select_with_webhooks(session.store().engine()) + " WHERE TRUE";
    int64_t user_id = 0;
    if (filter.user) {
      user_id = account_id(session, *filter.user);  // not_found for an unknown user
      sql += " AND t.account_id = ?1";
    }
    if (filter.webhook) {
      (void)require_webhook(session, *filter.webhook);
      sql += " AND t.id = (SELECT token_id FROM webhooks WHERE name = ?2)";
    }
    if (filter.kind) sql += " AND t.kind = ?3";
    bool show_revoked = filter.all || filter.status == TokenStatus::revoked;
    if (!show_revoked) sql += " AND t.revoked_at IS NULL";
    if (filter.expiring_within) sql += " AND t.expires_at > ?4 AND t.expires_at <= ?5";
    sql += filter.expiring_within ? " ORDER BY t.expires_at, t.id" : " ORDER BY t.created_at, t.id";
    auto& q = session.store().statement(sql);
    if (filter.user) q.bind(1, user_id);
    if (filter.webhook) q.bind(2, *filter.webhook);
    if (filter.kind) q.bind(3, std::string(to_string(*filter.kind)));
    if (filter.expiring_within) {
      q.bind(4, secs(session.now()));
      q.bind(5, secs(session.now() + *filter.expiring_within));
    }
    while (q.step()) {
      Token t = token_from(q, session);
      if (filter.status && t.status != *filter.status) continue;
      token_webhooks_from(q, t);
      emit(t);
    }
  });
}

std::string token_reference(std::string_view id, const std::optional<std::string>& label) {
  if (!label) return std::string(id);
  return fmt::format("{} \"{}\"", id, terminal_safe(*label));
}

Token show_token(Session& session, std::string_view id) {
  return session.store().read([&] { return require_token(session, id); });
}

Rotation rotate_token(Session& session, std::string_view id, const RotateOptions& options,
                      const Deliver<Rotation>& deliver) {
  const std::optional<Time> grace_until = grace_end(session, options.grace);
  auto new_expiry = expiry(session, options.expires_in);
  return session.change([&] {
    Token before = require_token(session, id);
    if (before.status == TokenStatus::revoked)
      fail(ErrorKind::conflict, fmt::format("token {} is revoked and cannot be rotated; create a "
                                            "new one with 'hookctl token create'",
                                            before.id));
    if (before.status == TokenStatus::expired && !new_expiry)
      fail(ErrorKind::conflict,
           fmt::format("token {} expired at {}; rotate it with a new --expires-in", before.id,
                       format_rfc3339(*before.expires_at)));
    const bool in_grace = rules::in_grace(before.previous_secret_valid_until, session.now());
    if (in_grace && !options.force)
      fail(ErrorKind::conflict,
           fmt::format("token {} was rotated recently and its previous secret still works until "
                       "{}; rotating again now would stop that secret at once, refusing callers "
                       "not yet moved to the current one. Rotate after {}, or pass --force",
                       before.id, format_rfc3339(*before.previous_secret_valid_until),
                       format_rfc3339(*before.previous_secret_valid_until)));
    int64_t owner_id = account_id(session, before.owner);
    std::string owner_name = before.owner;
    // A new secret of an admin token is a credential of its owner (and of a new owner).
    if (before.kind == TokenKind::admin)
      ensure_actor_holds(session, require_account(session, before.owner).rights,
                         fmt::format("rotate an admin token of {}", before.owner));
    if (options.owner) {
      Account target = require_active_account(session, *options.owner, "receive the token");
      if (before.kind == TokenKind::admin)
        ensure_actor_holds(session, target.rights,
                           fmt::format("give an admin token to {}", target.name));
      owner_id = target.id;
      owner_name = target.name;
    }
    IssuedToken issued = issue_token(before.kind, before.id);
    const bool grace = grace_until.has_value();
    auto& q = session.store().statement(
        "UPDATE tokens SET account_id = ?2, "
        "previous_hash = CASE WHEN ?3 <> 0 THEN secret_hash END, previous_valid_until = ?4, "
        "secret_hash = ?5, expires_at = coalesce(?6, expires_at) WHERE id = ?1");
    q.bind(1, before.id);
    q.bind(2, owner_id);
    q.bind(3, grace ? 1 : 0);
    bind_optional(q, 4, grace_until);
    q.bind_blob(5, issued.hash);
    bind_optional(q, 6, new_expiry);
    q.run();
    std::string details = grace ? fmt::format("grace={}", format_duration(*options.grace))
                                : std::string("grace=none");
    if (owner_name != before.owner)
      details += " " + token_owner_change_details(before.owner, owner_name);
    if (new_expiry) details += " expires_at=" + format_rfc3339(*new_expiry);
    if (in_grace)
      details +=
          " forced: the secret before the last rotation stopped working (its grace ran "
          "to " +
          format_rfc3339(*before.previous_secret_valid_until) + ")";
    record_event(session, AuditAction::token_rotate, before.id, details);
    Rotation rotated;
    rotated.token = require_token(session, before.id);
    rotated.secret = std::move(issued.text);
    if (in_grace) rotated.grace_cut_short = before.previous_secret_valid_until;
    rotated.previous_owner = before.owner;
    if (!names_equal(owner_name, before.owner))
      for (const auto& w : before.webhooks)
        if (require_webhook(session, w).auth == AuthScheme::basic)
          rotated.basic_webhooks.push_back(w);
    if (deliver) deliver(rotated);
    return rotated;
  });
}

TokenEdit rename_token(Session& session, std::string_view id, const std::string& name) {
  validate_text(name, "token name", 100);
  return session.change([&] {
    TokenEdit e;
    e.token = require_token(session, id);
    e.previous_name = e.token.name;
    if (e.token.name == name) return e;
    auto& q = session.store().statement("UPDATE tokens SET name = ?2 WHERE id = ?1");
    q.bind(1, e.token.id);
    q.bind(2, name);
    q.run();
    record_event(session, AuditAction::token_edit, e.token.id,
                 fmt::format("name {} -> {}", e.previous_name.value_or("(none)"), name));
    e.token = require_token(session, e.token.id);
    e.changed = true;
    return e;
  });
}

Revocation revoke_token(Session& session, std::string_view id) {
  return session.change([&] {
    Revocation r;
    r.token = require_token(session, id);
    if (r.token.status == TokenStatus::revoked) return r;
    revoke_token_row(session, r.token.id,
                     r.token.webhooks.empty()
                         ? std::string("no webhooks bound")
                         : fmt::format("webhooks left without a credential: {}",
                                       fmt::join(r.token.webhooks, ", ")));
    r.changed = true;
    r.webhooks_left = r.token.webhooks;
    r.token = require_token(session, id);
    return r;
  });
}

SecretTest test_token_secret(Session& session, std::string_view id, std::string_view secret) {
  return session.store().read([&] {
    SecretTest t;
    t.token = require_token(session, id);
    const ParsedToken parsed = parse_token(secret);
    auto& q = session.store().statement(
        "SELECT secret_hash, previous_hash, previous_valid_until FROM tokens WHERE id = ?1");
    q.bind(1, t.token.id);
    if (!q.step()) fail(ErrorKind::not_found, "the token disappeared");
    const std::string current(q.bytes(0));
    const std::string previous = q.is_null(1) ? std::string() : std::string(q.bytes(1));
    const std::optional<Time> until = optional_time(q, 2);
    q.reset();
    // Both comparisons always run, as in a call, whatever the presented text.
    const TokenHash presented = hash_token(secret);
    const bool is_current = hashes_equal(presented, current.data(), current.size());
    const bool is_previous =
        !previous.empty() && hashes_equal(presented, previous.data(), previous.size());
    if (parsed.problem != TokenProblem::none || parsed.id != t.token.id) return t;
    if (is_current) {
      t.match = SecretMatch::current;
    } else if (is_previous && rules::in_grace(until, session.now())) {
      t.match = SecretMatch::previous;
      t.valid_until = until;
    }
    return t;
  });
}

}  // namespace hookctl
