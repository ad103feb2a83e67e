#include "hookctl/auth.hpp"

#include <fmt/format.h>

#include "hookctl/audit.hpp"
#include "hookctl/authorization.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/token_format.hpp"
#include "rows.hpp"

namespace hookctl {

using namespace detail;

std::string_view rejection_code(Rejection r) noexcept {
  switch (r) {
    case Rejection::none:
      return "none";
    case Rejection::malformed_header:
      return "malformed-header";
    case Rejection::wrong_scheme:
      return "wrong-scheme";
    case Rejection::malformed_token:
      return "malformed-token";
    case Rejection::bad_checksum:
      return "bad-checksum";
    case Rejection::unknown_token:
      return "unknown-token";
    case Rejection::wrong_secret:
      return "wrong-secret";
    case Rejection::grace_ended:
      return "grace-ended";
    case Rejection::revoked:
      return "revoked";
    case Rejection::expired:
      return "expired";
    case Rejection::not_bound:
      return "not-bound";
    case Rejection::owner_inactive:
      return "owner-inactive";
    case Rejection::bad_username:
      return "bad-username";
  }
  return "unknown";
}

namespace {

struct Target {
  std::string name;
  AuthScheme auth;
  std::optional<std::string> token_id;
};

struct StoredToken {
  std::string kind;
  std::vector<unsigned char> secret_hash;
  std::vector<unsigned char> previous_hash;
  std::optional<Time> previous_valid_until, revoked_at, expires_at, last_used_at;
  int64_t owner_id = 0;
  std::string owner;
  Time owner_last_activity{};
};

std::vector<unsigned char> blob(const SQLite::Column& c) {
  if (c.isNull()) return {};
  auto* p = static_cast<const unsigned char*>(c.getBlob());
  return std::vector<unsigned char>(p, p + c.getBytes());
}

// A hash no token has, compared against when the id is unknown so that an unknown id costs the
// same work as a wrong secret.
const TokenHash decoy_hash = [] {
  TokenHash h{};
  h.fill(0xa5);
  return h;
}();

Verdict reject(Session& session, Verdict v, Rejection r, std::string explanation) {
  v.accepted = false;
  v.rejection = r;
  v.reason = fmt::format("{}: {}", rejection_code(r), explanation);
  record_rejection(session, "auth.rejected", v.webhook, rejection_code(r),
                   v.token ? "token=" + *v.token : std::string("token unknown"));
  return v;
}

}  // namespace

Verdict verify_call(Session& session, std::string_view webhook, std::string_view authorization) {
  Store& store = session.store();
  Target target;
  {
    auto& q = store.statement("SELECT name, auth, token_id FROM webhooks WHERE name = ?1");
    q.bind(1, std::string(webhook));
    if (!q.executeStep())
      fail(ErrorKind::not_found, fmt::format("no webhook named '{}'", printable(webhook)));
    target.name = q.getColumn(0).getString();
    target.auth = q.getColumn(1).getString() == "basic" ? AuthScheme::basic : AuthScheme::bearer;
    target.token_id = optional_text(q.getColumn(2));
    q.reset();
  }
  Verdict v;
  v.webhook = target.name;

  Authorization auth = parse_authorization(authorization);
  if (!auth.ok) return reject(session, v, Rejection::malformed_header, auth.problem);
  if (auth.scheme != target.auth)
    return reject(session, v, Rejection::wrong_scheme,
                  fmt::format("webhook {} expects {} authentication, the call used {}", target.name,
                              target.auth == AuthScheme::basic ? "Basic" : "Bearer",
                              auth.scheme == AuthScheme::basic ? "Basic" : "Bearer"));
  ParsedToken parsed = parse_token(auth.token.view());
  if (parsed.problem == TokenProblem::malformed)
    return reject(session, v, Rejection::malformed_token,
                  "not a hookctl token (expected hka_ or hki_ followed by 71 characters)");
  if (parsed.problem == TokenProblem::bad_checksum)
    return reject(session, v, Rejection::bad_checksum,
                  "the token's checksum does not match: it was mistyped or truncated");

  const TokenHash presented = hash_token(auth.token.view());
  std::optional<StoredToken> stored;
  {
    auto& q = store.statement(
        "SELECT t.kind, t.secret_hash, t.previous_hash, t.previous_valid_until, t.revoked_at, "
        "t.expires_at, t.last_used_at, a.id, a.name, a.last_activity_at "
        "FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = ?1");
    q.bind(1, std::string(parsed.id));
    if (q.executeStep()) {
      StoredToken s;
      s.kind = q.getColumn(0).getString();
      s.secret_hash = blob(q.getColumn(1));
      s.previous_hash = blob(q.getColumn(2));
      s.previous_valid_until = optional_time(q.getColumn(3));
      s.revoked_at = optional_time(q.getColumn(4));
      s.expires_at = optional_time(q.getColumn(5));
      s.last_used_at = optional_time(q.getColumn(6));
      s.owner_id = q.getColumn(7).getInt64();
      s.owner = q.getColumn(8).getString();
      s.owner_last_activity = at(q.getColumn(9).getInt64());
      stored = std::move(s);
    }
    q.reset();
  }
  if (!stored) {
    (void)hashes_equal(presented, decoy_hash.data(), decoy_hash.size());
    (void)hashes_equal(presented, decoy_hash.data(), decoy_hash.size());
    return reject(session, v, Rejection::unknown_token, "no token with this id exists");
  }
  // Both comparisons always run, in constant time, so timing does not tell which matched.
  bool current = hashes_equal(presented, stored->secret_hash.data(), stored->secret_hash.size());
  bool previous =
      hashes_equal(presented, stored->previous_hash.data(), stored->previous_hash.size());
  bool in_grace = stored->previous_valid_until && session.now() < *stored->previous_valid_until;
  if (!current && !(previous && in_grace)) {
    if (previous)
      return reject(session, v, Rejection::grace_ended,
                    fmt::format("this is the token's previous secret; its grace period ended at {}",
                                format_rfc3339(*stored->previous_valid_until)));
    return reject(session, v, Rejection::wrong_secret, "the secret does not match this token");
  }
  // The caller holds a genuine secret: from here on it may learn the token's state.
  v.token = std::string(parsed.id);
  v.user = stored->owner;
  if (stored->revoked_at)
    return reject(
        session, v, Rejection::revoked,
        fmt::format("token {} was revoked at {}", *v.token, format_rfc3339(*stored->revoked_at)));
  if (stored->expires_at && *stored->expires_at <= session.now())
    return reject(
        session, v, Rejection::expired,
        fmt::format("token {} expired at {}", *v.token, format_rfc3339(*stored->expires_at)));
  if (target.token_id != *v.token)
    return reject(session, v, Rejection::not_bound,
                  fmt::format("token {} is not bound to webhook {}{}", *v.token, target.name,
                              stored->kind == "app" ? " (it is another webhook's App token)" : ""));
  Time inactive_at = stored->owner_last_activity + session.inactivity_period();
  if (inactive_at <= session.now())
    return reject(session, v, Rejection::owner_inactive,
                  fmt::format("owner '{}' has been inactive since {}; an administrator can run "
                              "'hookctl user reactivate {}'",
                              stored->owner, format_rfc3339(inactive_at), stored->owner));
  if (auth.scheme == AuthScheme::basic && !names_equal(auth.username, stored->owner))
    return reject(
        session, v, Rejection::bad_username,
        fmt::format("the Basic username must be the token owner's name ('{}')", stored->owner));

  v.accepted = true;
  const Time now = session.now();
  bool token_fresh = stored->last_used_at && now - *stored->last_used_at < activity_granularity &&
                     *stored->last_used_at <= now;
  bool owner_fresh = now - stored->owner_last_activity < activity_granularity;
  if (!store.writable()) {
    v.activity_recorded = false;  // a read-only store still answers; the caller is told
  } else if (!(token_fresh && owner_fresh)) {
    store.write([&] {
      auto& t = store.statement(
          "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1 "
          "AND (last_used_at IS NULL OR last_used_at < ?2)");
      t.bind(1, *v.token);
      t.bind(2, secs(now));
      t.exec();
      auto& a = store.statement(
          "UPDATE accounts SET last_activity_at = ?2, last_activity_source = ?3 "
          "WHERE id = ?1 AND last_activity_at <= ?2");
      a.bind(1, stored->owner_id);
      a.bind(2, secs(now));
      a.bind(3, "token:" + *v.token);
      a.exec();
    });
  }
  return v;
}

}  // namespace hookctl
