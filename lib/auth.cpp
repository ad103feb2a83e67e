#include "hookctl/auth.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstring>

#include "hookctl/audit.hpp"
#include "hookctl/authorization.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/token_format.hpp"
#include "rows.hpp"

namespace hookctl {

using namespace detail;

namespace {

// What the one look-up of a call returns: the webhook and the presented token with its owner
// (when the id exists).
struct Lookup {
  std::string name;
  AuthScheme auth = AuthScheme::bearer;
  std::optional<std::string> token_id;  // the webhook's bound token
  // The token bound before a re-bind with grace, accepted until previous_token_until.
  std::optional<std::string> previous_token_id;
  std::optional<Time> previous_token_until;
  bool token_found = false;
  bool app = false;  // the presented token's kind
  std::array<unsigned char, 32> secret_hash{};
  size_t secret_hash_size = 0;
  std::array<unsigned char, 32> previous_hash{};
  size_t previous_hash_size = 0;
  std::optional<Time> previous_valid_until, revoked_at, expires_at, last_used_at;
  int64_t owner_id = 0;
  std::string owner;
  Time owner_last_activity{};
};

size_t copy_hash(Query& q, int column, std::array<unsigned char, 32>& out) {
  if (q.is_null(column)) return 0;
  std::string_view hash = q.bytes(column);
  if (hash.size() > out.size()) return out.size() + 1;  // never equal to a 32-byte hash
  std::memcpy(out.data(), hash.data(), hash.size());
  return hash.size();
}

// One statement, one read snapshot, one round trip to a server: the webhook by name, the
// presented token by its public id (a NULL id, when the header carried none, joins nothing) and
// its owner, and the inactivity period.
const std::string lookup_sql =
    "SELECT w.name, w.auth, w.token_id, t.kind, t.secret_hash, t.previous_hash, "
    "t.previous_valid_until, t.revoked_at, t.expires_at, t.last_used_at, a.id, a.name, "
    "a.last_activity_at, "
    "(SELECT value FROM policy WHERE key = 'inactivity-period'), w.previous_token_id, "
    "w.previous_token_until "
    "FROM webhooks w LEFT JOIN tokens t ON t.id = ?2 LEFT JOIN accounts a ON a.id = t.account_id "
    "WHERE w.name = ?1";

// A hash no token has, compared against when the id is unknown so that an unknown id costs the
// same work as a wrong secret.
const TokenHash decoy_hash = [] {
  TokenHash h{};
  h.fill(0xa5);
  return h;
}();

// The reason is "<code>: " followed by the explanation's parts, built in place. The parts must
// not refer to `v`, which the call moves from. The audit summary names the token: the verdict's
// (a caller holding a genuine secret) or else `attacked`, the public id a wrong secret was
// presented for, which the administrator needs and the caller is not told.
template <class... Parts>
Verdict reject(Verdict v, Rejection r, const Parts&... explanation) {
  v.accepted = false;
  v.rejection = r;
  v.reason = cat(to_string(r), ": ", explanation...);
  return v;
}

// The token's last use and its owner's activity, in one write.
void write_use(Session& session, const Verdict& v, Time now) {
  Store& store = session.store();
  store.write([&] {
    auto& t = store.statement(
        "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1 "
        "AND (last_used_at IS NULL OR last_used_at < ?2)");
    t.bind(1, *v.token);
    t.bind(2, secs(now));
    t.run();
    auto& a = store.statement(
        "UPDATE accounts SET last_activity_at = ?2, last_activity_source = ?3 "
        "WHERE id = ?1 AND last_activity_at <= ?2");
    a.bind(1, v.owner_id);
    a.bind(2, secs(now));
    a.bind(3, "token:" + *v.token);
    a.run();
  });
}

// A call as parsed before the store is read: parsing touches nothing.
struct ParsedCall {
  Authorization auth;
  ParsedToken parsed;
  bool lookup_token = false;  // the token is well-formed: its id is looked up
};

ParsedCall parse_call(std::string_view authorization) {
  ParsedCall c;
  c.auth = parse_authorization(authorization);
  if (c.auth.ok) c.parsed = parse_token(c.auth.token.view());
  c.lookup_token = c.auth.ok && c.parsed.problem == TokenProblem::none;
  return c;
}

// The row of lookup_sql (and of batch_lookup_sql, which adds its call's number after these
// columns); the inactivity period it carries goes to the session.
Lookup read_lookup(Query& q, Session& session) {
  Lookup l;
  l.name = q.text(0);
  l.auth = from_string<AuthScheme>(q.text(1)).value_or(AuthScheme::bearer);
  l.token_id = optional_text(q, 2);
  l.previous_token_id = optional_text(q, 14);
  l.previous_token_until = optional_time(q, 15);
  if (!q.is_null(10)) {
    l.token_found = true;
    l.app = from_string<TokenKind>(q.text(3)) == TokenKind::app;
    l.secret_hash_size = copy_hash(q, 4, l.secret_hash);
    l.previous_hash_size = copy_hash(q, 5, l.previous_hash);
    l.previous_valid_until = optional_time(q, 6);
    l.revoked_at = optional_time(q, 7);
    l.expires_at = optional_time(q, 8);
    l.last_used_at = optional_time(q, 9);
    l.owner_id = q.integer(10);
    l.owner = q.text(11);
    l.owner_last_activity = at(q.integer(12));
  }
  session.know_inactivity_period(q.is_null(13) ? std::nullopt
                                               : std::optional<Duration>(Duration{q.integer(13)}));
  return l;
}

// One call's look-up: nullopt when the webhook does not exist.
std::optional<Lookup> look_up(Session& session, std::string_view webhook, const ParsedCall& c) {
  auto& q = session.store().statement(lookup_sql);
  q.bind(1, std::string(webhook));
  if (c.lookup_token) q.bind(2, std::string(c.parsed.id));
  std::optional<Lookup> l;
  if (q.step()) l = read_lookup(q, session);
  q.reset();
  return l;
}

// PostgreSQL: the look-ups of many calls in one statement, one round trip. The webhooks and
// token ids come as two arrays; each row carries its call's number (from 1) last.
const std::string batch_lookup_sql =
    "SELECT l.*, k.i FROM unnest(?1::text[], ?2::text[]) WITH ORDINALITY AS k(webhook, token, i) "
    // LIMIT 1 (names are unique) keeps the subquery a per-call look-up by the indexes: joined
    // flat, the planner would hash whole tables for what it takes to be many calls.
    "CROSS JOIN LATERAL (SELECT w.name, w.auth, w.token_id, t.kind, t.secret_hash, "
    "t.previous_hash, t.previous_valid_until, t.revoked_at, t.expires_at, t.last_used_at, a.id, "
    "a.name AS owner, a.last_activity_at, "
    "(SELECT value FROM policy WHERE key = 'inactivity-period') AS period, w.previous_token_id, "
    "w.previous_token_until "
    "FROM webhooks w LEFT JOIN tokens t ON t.id = k.token "
    "LEFT JOIN accounts a ON a.id = t.account_id WHERE w.name = k.webhook LIMIT 1) l";

// A PostgreSQL array literal of text elements (nullopt: NULL).
std::string array_literal(const std::vector<std::optional<std::string_view>>& elements) {
  std::string out = "{";
  for (const auto& e : elements) {
    if (out.size() > 1) out += ',';
    if (!e) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char ch : *e) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// Decides a looked-up call (decide_call without the store).
Verdict judge(Session& session, const ParsedCall& c, const Lookup& l) {
  const Authorization& auth = c.auth;
  const ParsedToken& parsed = c.parsed;
  Verdict v;
  v.webhook = l.name;
  v.webhook_auth = l.auth;

  if (!auth.ok) return reject(std::move(v), Rejection::malformed_header, auth.problem);
  if (auth.scheme != l.auth)
    return reject(std::move(v), Rejection::wrong_scheme, "webhook ", l.name, " expects ",
                  l.auth == AuthScheme::basic ? "Basic" : "Bearer",
                  " authentication, the call used ",
                  auth.scheme == AuthScheme::basic ? "Basic" : "Bearer");
  if (parsed.problem == TokenProblem::malformed)
    return reject(std::move(v), Rejection::malformed_token,
                  "not a hookctl token (expected hka_ or hki_ followed by 71 characters)");
  if (parsed.problem == TokenProblem::bad_checksum)
    return reject(std::move(v), Rejection::bad_checksum,
                  "the token's checksum does not match: it was mistyped or truncated");
  // Its kind is in its public prefix: no secret is compared, nothing is learnt.
  if (parsed.kind == TokenKind::admin)
    return reject(std::move(v), Rejection::not_bound,
                  "an admin token authenticates an administrator, never a webhook call");

  const TokenHash presented = hash_token(auth.token.view());
  if (!l.token_found) {
    (void)hashes_equal(presented, decoy_hash.data(), decoy_hash.size());
    (void)hashes_equal(presented, decoy_hash.data(), decoy_hash.size());
    return reject(std::move(v), Rejection::unknown_token, "no token with this id exists");
  }
  // Both comparisons always run, in constant time, so timing does not tell which matched.
  bool current = hashes_equal(presented, l.secret_hash.data(), l.secret_hash_size);
  bool previous = hashes_equal(presented, l.previous_hash.data(), l.previous_hash_size);
  bool in_grace = rules::in_grace(l.previous_valid_until, session.now());
  if (!current && !(previous && in_grace)) {
    if (previous)
      return reject(std::move(v).attacking(parsed.id), Rejection::grace_ended,
                    "this is the token's previous secret; its grace period ended at ",
                    time_text(*l.previous_valid_until));
    return reject(std::move(v).attacking(parsed.id), Rejection::wrong_secret,
                  "the secret does not match this token");
  }
  // The caller holds a genuine secret: from here on it may learn the token's state.
  v.token = std::string(parsed.id);
  v.user = l.owner;
  if (l.revoked_at)
    return reject(std::move(v), Rejection::revoked, "token ", parsed.id, " was revoked at ",
                  time_text(*l.revoked_at));
  if (rules::is_expired(l.expires_at, session.now()))
    return reject(std::move(v), Rejection::expired, "token ", parsed.id, " expired at ",
                  time_text(*l.expires_at));
  const bool bound =
      l.token_id == *v.token || (l.previous_token_id == *v.token && l.previous_token_until &&
                                 session.now() < *l.previous_token_until);
  if (!bound)
    return reject(std::move(v), Rejection::not_bound, "token ", parsed.id,
                  " is not bound to webhook ", l.name,
                  l.app ? " (it is another webhook's App token)" : "");
  Time inactive_at = rules::inactive_at(l.owner_last_activity, session.inactivity_period());
  if (!rules::is_active(inactive_at, session.now()))
    return reject(std::move(v), Rejection::owner_inactive, "owner '", l.owner,
                  "' has been inactive since ", time_text(inactive_at),
                  "; an administrator can run 'hookctl user reactivate ", l.owner, "'");
  if (auth.scheme == AuthScheme::basic && !names_equal(auth.username, l.owner))
    return reject(std::move(v), Rejection::bad_username,
                  "the Basic username must be the token owner's name ('", l.owner, "')");

  v.accepted = true;
  const Time now = session.now();
  v.owner_id = l.owner_id;
  v.owner_inactive_at = inactive_at;
  bool token_fresh =
      l.last_used_at && now - *l.last_used_at < activity_granularity && *l.last_used_at <= now;
  bool owner_fresh = now - l.owner_last_activity < activity_granularity;
  v.use_recent = token_fresh && owner_fresh;
  return v;
}

}  // namespace

Verdict decide_call(Session& session, std::string_view webhook, std::string_view authorization) {
  const ParsedCall c = parse_call(authorization);
  std::optional<Lookup> l = look_up(session, webhook, c);
  if (!l) fail(ErrorKind::not_found, fmt::format("no webhook named '{}'", printable(webhook)));
  return judge(session, c, *l);
}

std::vector<std::optional<Verdict>> decide_calls(Session& session, const std::vector<Call>& calls) {
  Store& store = session.store();
  std::vector<ParsedCall> parsed;
  parsed.reserve(calls.size());
  for (const Call& call : calls) parsed.push_back(parse_call(call.authorization));
  std::vector<std::optional<Verdict>> verdicts(calls.size());
  if (store.engine() != Engine::postgresql) {
    // One read transaction: one snapshot, and SQLite's locks taken once.
    store.read([&] {
      for (size_t i = 0; i < calls.size(); ++i) {
        if (!is_valid_name(calls[i].webhook)) continue;
        if (auto l = look_up(session, calls[i].webhook, parsed[i]))
          verdicts[i] = judge(session, parsed[i], *l);
      }
    });
    return verdicts;
  }
  std::vector<std::optional<std::string_view>> webhooks, ids;
  for (size_t i = 0; i < calls.size(); ++i) {
    // Not a name (the text could not even be sent): no webhook has it.
    webhooks.push_back(is_valid_name(calls[i].webhook) ? std::optional(calls[i].webhook)
                                                       : std::nullopt);
    ids.push_back(parsed[i].lookup_token ? std::optional(parsed[i].parsed.id) : std::nullopt);
  }
  std::vector<std::optional<Lookup>> lookups(calls.size());
  auto& q = store.statement(batch_lookup_sql);
  q.bind(1, array_literal(webhooks));
  q.bind(2, array_literal(ids));
  while (q.step()) {
    const int64_t i = q.integer(16) - 1;
    if (i >= 0 && static_cast<size_t>(i) < calls.size()) lookups[i] = read_lookup(q, session);
  }
  q.reset();
  for (size_t i = 0; i < calls.size(); ++i)
    if (lookups[i]) verdicts[i] = judge(session, parsed[i], *lookups[i]);
  return verdicts;
}

void record_use(Session& session, Verdict& v) {
  if (!v.accepted) return;
  if (!session.store().writable()) {
    v.activity_recorded = false;  // a read-only store still answers; the caller is told
    v.activity_problem = "the store is read-only";
    return;
  }
  if (v.use_recent) return;
  // The caller is genuine: a store that cannot take the bookkeeping write (locked past the busy
  // timeout, full, at its size limit) must not turn the answer into a refusal. The write is
  // all-or-nothing, so the store is as before; the caller is told the use was not recorded.
  try {
    write_use(session, v, session.now());
  } catch (const std::exception& e) {
    Error error = translate_exception(e);
    if (error.kind() != ErrorKind::store) throw;
    v.activity_recorded = false;
    v.activity_problem = error.what();
  }
}

namespace {

// What a rejection summary says about the call: the token it was about, the caller's genuine
// token or the id a wrong secret attacked. Built without fmt: a rejection costs what an
// acceptance costs.
struct RejectedCallDetails {
  char text[token_id_length + 8] = "token=";
  std::string_view shown;
  explicit RejectedCallDetails(const Verdict& v)
      // "token unknown" only when the id was looked up and is not there; a call rejected before
      // any look-up (no usable header, a malformed token, a bad checksum) identified no token.
      : shown(v.rejection == Rejection::unknown_token ? "token unknown" : "no token identified") {
    const std::optional<std::string>& named = v.token ? v.token : v.attacked_token;
    if (named && named->size() == token_id_length) {
      std::memcpy(text + 6, named->data(), token_id_length);
      shown = std::string_view(text, 6 + token_id_length);
    }
  }
  RejectedCallDetails(const RejectedCallDetails&) = delete;
  RejectedCallDetails& operator=(const RejectedCallDetails&) = delete;
};

}  // namespace

void record_rejected_call(Session& session, const Verdict& v) {
  if (v.accepted) return;
  const RejectedCallDetails details(v);
  record_rejection(session, AuditAction::auth_rejected, v.webhook, to_string(v.rejection),
                   details.shown);
}

std::optional<RejectionSummary> summarise_rejected_call(Session& session, const Verdict& v) {
  if (v.accepted) return std::nullopt;
  const RejectedCallDetails details(v);
  return summarise_rejection(session, AuditAction::auth_rejected, v.webhook, to_string(v.rejection),
                             details.shown);
}

Verdict verify_call(Session& session, std::string_view webhook, std::string_view authorization) {
  Verdict v = decide_call(session, webhook, authorization);
  if (v.accepted)
    record_use(session, v);
  else
    record_rejected_call(session, v);
  return v;
}

void record_uses(Store& store, const std::vector<PendingUse>& uses) {
  if (uses.empty()) return;
  store.write([&] {
    for (const PendingUse& u : uses) {
      auto& t = store.statement(
          "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1 "
          "AND (last_used_at IS NULL OR last_used_at < ?2 - ?3)");
      t.bind(1, u.token);
      t.bind(2, secs(u.at));
      t.bind(3, static_cast<int64_t>(activity_granularity.count()));
      t.run();
      auto& a = store.statement(
          "UPDATE accounts SET last_activity_at = ?2, last_activity_source = ?4 "
          "WHERE id = ?1 AND last_activity_at < ?2 - ?3");
      a.bind(1, u.owner_id);
      a.bind(2, secs(u.at));
      a.bind(3, static_cast<int64_t>(activity_granularity.count()));
      a.bind(4, "token:" + u.token);
      a.run();
    }
  });
}

}  // namespace hookctl
