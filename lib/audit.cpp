#include "hookctl/audit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <vector>

#include "hookctl/names.hpp"
#include "hookctl/rights.hpp"
#include "hookctl/vocabulary.hpp"
#include "rows.hpp"

namespace hookctl {

namespace {

// How a rejection summary's details end, saying what was true when it was written. Summaries
// written before later rejections were counted keep saying they were not logged (the log is
// never edited), and nothing is counted on them: their text stays true.
constexpr std::string_view counted_suffix =
    " (first such rejection this hour; later ones in the hour are counted)";
constexpr std::string_view uncounted_suffix =
    " (first such rejection this hour; later ones in the hour are not logged)";

// The hour's summary of (action, subject, reason) in the log, if there is one. Writers check
// for it inside their write transaction, so there is one at most; were there two, every caller
// would still pick the same (the earliest).
std::optional<RejectionSummary> find_summary(Session& session, AuditAction action,
                                             std::string_view subject, std::string_view reason) {
  const int64_t hour_start =
      std::chrono::floor<std::chrono::hours>(session.now()).time_since_epoch().count() * 3600;
  // The pattern is an expression, not a bare parameter: SQLite re-prepares a statement whose
  // LIKE parameter is rebound (for its LIKE optimisation), which cost more than the query.
  static const std::string sql =
      "SELECT id, details FROM audit WHERE subject = ?1 COLLATE NOCASE AND at >= ?2 AND at < ?3 "
      "AND action = ?4 AND details LIKE (?5 || '') ORDER BY at, id LIMIT 1";
  auto& q = session.store().statement(sql);
  q.bind(1, std::string(subject));
  q.bind(2, hour_start);
  q.bind(3, hour_start + 3600);
  q.bind(4, to_string(action));
  q.bind(5, std::string(reason) + ":%");
  std::optional<RejectionSummary> found;
  if (q.step())
    found = RejectionSummary{q.integer(0), false, !q.text(1).ends_with(uncounted_suffix)};
  q.reset();
  return found;
}

// Appends one row to the audit log and returns its id.
int64_t insert_event(Session& session, AuditAction action, std::string_view subject,
                     std::string_view details, std::string_view result = "ok") {
  auto& q = session.store().statement(
      "INSERT INTO audit (at, actor, action, subject, details, actor_account, authenticated_by, "
      "result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
  q.bind(1, static_cast<int64_t>(session.now().time_since_epoch().count()));
  q.bind(2, session.actor());
  q.bind(3, to_string(action));
  q.bind(4, std::string(subject));
  q.bind(5, std::string(details));
  detail::bind_optional(q, 6, session.acting().account);
  q.bind(7, session.acting().authenticated_by);
  q.bind(8, std::string(result));
  q.step();
  const int64_t id = q.integer(0);
  q.reset();  // completes the statement, so the transaction can commit
  return id;
}

// The hour's summary, written now when there is none. Inside a write transaction.
RejectionSummary find_or_write_summary(Session& session, AuditAction action,
                                       std::string_view subject, std::string_view reason,
                                       std::string_view details) {
  if (auto found = find_summary(session, action, subject, reason)) return *found;
  const std::string text =
      std::string(reason) + ": " + std::string(details) + std::string(counted_suffix);
  // A summary is bookkeeping of refused calls, not a change: no clock note, so its text keeps
  // the shape the counting relies on.
  // A refused administrative command is recorded with the result "denied".
  const std::string_view result = action == AuditAction::admin_denied ? "denied" : "ok";
  return RejectionSummary{insert_event(session, action, subject, text, result), true, true};
}

// Adds `later` to the tally of `event` if it is a summary that counts; anything else (an event
// of another kind, a summary of an older hookctl, an id this store does not have, as after a
// restore under a running server) takes no count, rather than failing every count with it.
void add_to_tally(Store& store, int64_t event, int64_t later) {
  static const std::string sql =
      "INSERT INTO rejection_tally (event_id, repeated) SELECT id, ?2 FROM audit WHERE id = ?1 "
      "AND details LIKE '%" +
      std::string(counted_suffix) +
      "' ON CONFLICT (event_id) DO UPDATE SET repeated = rejection_tally.repeated + "
      "excluded.repeated";
  auto& q = store.statement(sql);
  q.bind(1, event);
  q.bind(2, later);
  q.run();
}

}  // namespace

int64_t record_event(Session& session, AuditAction action, std::string_view subject,
                     std::string_view details) {
  // Every change records an event inside its write transaction (Session::change, which has
  // confirmed the acting account may act): the act counts as the account's activity.
  record_acting(session, to_string(action));
  // An event recorded under an overridden clock (a rehearsal, a test) says so: its `at` is not
  // when it happened.
  if (auto real = session.overridden_real_time())
    return insert_event(session, action, subject,
                        std::string(details) + (details.empty() ? "" : " ") +
                            "[clock overridden by HOOKCTL_NOW; recorded at " +
                            format_rfc3339(*real) + " real time]");
  return insert_event(session, action, subject, details);
}

void record_rejection(Session& session, AuditAction action, std::string_view subject,
                      std::string_view reason, std::string_view details) {
  Store& store = session.store();
  // Best effort: a read-only or busy store must not turn a rejection into a store error.
  if (!store.writable()) return;
  try {
    if (store.in_transaction()) {  // the caller's write transaction holds the store already
      // Nothing is noted: the caller may still roll back.
      RejectionSummary s = find_or_write_summary(session, action, subject, reason, details);
      if (!s.first && s.counts) add_to_tally(store, s.event, 1);
      return;
    }
    // Under a flood every call but the hour's first finds the summary, with a read that does not
    // take the write lock, and then only counts: a relaxed write, which holds the lock for
    // microseconds instead of a disk flush, so a flood does not queue the other writers behind
    // it. The summary itself is an audit event, written with full durability.
    std::optional<RejectionSummary> s =
        session.known_rejection_summary(to_string(action), subject, reason);
    if (!s) s = find_summary(session, action, subject, reason);
    if (s && s->counts)
      store.write([&] { add_to_tally(store, s->event, 1); }, Durability::relaxed);
    else if (!s)
      s = store.write([&] {  // written meanwhile by another process: then this one counts
        RejectionSummary w = find_or_write_summary(session, action, subject, reason, details);
        if (!w.first && w.counts) add_to_tally(store, w.event, 1);
        return w;
      });
    session.note_rejection_summary(to_string(action), subject, reason, *s);
  } catch (const std::exception&) {
  }
}

std::optional<RejectionSummary> summarise_rejection(Session& session, AuditAction action,
                                                    std::string_view subject,
                                                    std::string_view reason,
                                                    std::string_view details) {
  Store& store = session.store();
  if (!store.writable()) return std::nullopt;
  if (auto known = session.known_rejection_summary(to_string(action), subject, reason))
    return known;
  try {
    if (store.in_transaction())  // nothing is noted: the caller may still roll back
      return find_or_write_summary(session, action, subject, reason, details);
    // A caller that remembers summaries itself asks once per kind and hour; the summary is then
    // often another process's, which one statement (its own snapshot) finds without taking the
    // store's write lock.
    std::optional<RejectionSummary> s = find_summary(session, action, subject, reason);
    if (!s)
      s = store.write(
          [&] { return find_or_write_summary(session, action, subject, reason, details); });
    session.note_rejection_summary(to_string(action), subject, reason, *s);
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void add_rejection_counts(Store& store, const std::vector<RejectionCount>& counts) {
  if (counts.empty()) return;
  store.write([&] {
    for (const RejectionCount& c : counts)
      if (c.later > 0) add_to_tally(store, c.event, c.later);
  });
}

std::string token_owner_details(std::string_view owner) { return fmt::format("owner={}", owner); }

std::string token_owner_change_details(std::string_view from, std::string_view to) {
  return fmt::format("owner {} -> {}", from, to);
}

std::optional<TokenOwnerChange> token_owner_change_in(AuditAction action,
                                                      std::string_view details) {
  std::vector<std::string_view> words;
  for (size_t start = 0; start <= details.size();) {
    const size_t end = std::min(details.find(' ', start), details.size());
    words.push_back(details.substr(start, end - start));
    start = end + 1;
  }
  constexpr std::string_view owner_is = "owner=";
  switch (action) {
    case AuditAction::token_create:  // "kind=K owner=NAME ...": the name is the second word
      if (words.size() >= 2 && words[0].starts_with("kind=") && words[1].starts_with(owner_is) &&
          words[1].size() > owner_is.size())
        return TokenOwnerChange{{}, std::string(words[1].substr(owner_is.size()))};
      return std::nullopt;
    case AuditAction::token_rotate:
    case AuditAction::token_transfer:  // "... owner FROM -> TO ..."
      for (size_t i = 0; i + 3 < words.size(); ++i)
        if (words[i] == "owner" && words[i + 2] == "->" && !words[i + 1].empty() &&
            !words[i + 3].empty())
          return TokenOwnerChange{std::string(words[i + 1]), std::string(words[i + 3])};
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::string shown_details(const AuditEvent& e) {
  if (e.details.ends_with(counted_suffix)) {
    std::string_view kept(e.details.data(), e.details.size() - counted_suffix.size());
    return fmt::format("{} (first such rejection this hour; {} more in the hour)", kept,
                       e.repeated);
  }
  if (e.repeated > 0) return fmt::format("{} ({} more in the hour)", e.details, e.repeated);
  return e.details;
}

namespace {

// The events that match `filter`'s instant and actions, about `subject` (compared as names are)
// when it is given, the newest filter.limit of them when `limited`; oldest first, each with its
// audit id and its tally.
void select_events(Session& session, const AuditFilter& filter, const std::string* subject,
                   bool limited, const std::function<void(int64_t, const AuditEvent&)>& emit) {
  // The actions are parameters ?10, ?11, ... in the order given.
  std::string actions;
  for (size_t i = 0; i < filter.actions.size(); ++i)
    actions += fmt::format("{}?{}", i == 0 ? " AND action IN (" : ", ", 10 + i);
  if (!actions.empty()) actions += ")";
  const bool limit = limited && filter.limit;
  // The inner query picks the newest N; the outer one gives them oldest first, each with its
  // tally (most events have none).
  const std::string sql =
      "SELECT latest.at, latest.actor, latest.action, latest.subject, latest.details, "
      "coalesce(tally.repeated, 0), latest.id, latest.actor_account, latest.authenticated_by, "
      "latest.result FROM (SELECT id, at, actor, action, subject, details, actor_account, "
      "authenticated_by, result FROM audit WHERE TRUE" +
      std::string(filter.since ? " AND at >= ?1" : "") +
      std::string(subject ? " AND subject = ?2 COLLATE NOCASE" : "") + actions +
      " ORDER BY id DESC" + std::string(limit ? " LIMIT ?3" : "") +
      ") AS latest LEFT JOIN rejection_tally AS tally ON tally.event_id = latest.id "
      "ORDER BY latest.id";
  auto& q = session.store().statement(sql);
  if (filter.since) q.bind(1, static_cast<int64_t>(filter.since->time_since_epoch().count()));
  if (subject) q.bind(2, *subject);
  if (limit) q.bind(3, *filter.limit);
  for (size_t i = 0; i < filter.actions.size(); ++i)
    q.bind(static_cast<int>(10 + i), to_string(filter.actions[i]));
  while (q.step()) {
    AuditEvent e;
    e.at = Time{Duration{q.integer(0)}};
    e.actor = q.text(1);
    e.action = q.text(2);
    e.subject = q.text(3);
    e.details = q.text(4);
    e.repeated = q.integer(5);
    e.actor_account = detail::optional_text(q, 7);
    e.authenticated_by = q.text(8);
    e.result = q.text(9);
    emit(q.integer(6), e);
  }
}

// The audit ids over which a user owned a token, both ends included: from the event that gave
// it the token to the one that took it away (the last id there is, while it still has it).
using OwnedSpans = std::vector<std::pair<int64_t, int64_t>>;

bool covers(const OwnedSpans& spans, int64_t id) {
  return std::any_of(spans.begin(), spans.end(),
                     [&](const auto& span) { return span.first <= id && id <= span.second; });
}

// The tokens `user` owns now (over every id: a token's whole history is its owner's) and those
// it owned before, with the spans over which it did, read from the token events that name
// owners (see token_owner_change_in). Empty when `user` owns and owned no token (a webhook
// name, a token id, an unknown name).
std::map<std::string, OwnedSpans> tokens_of(Session& session, const std::string& user) {
  constexpr int64_t forever = std::numeric_limits<int64_t>::max();
  std::map<std::string, OwnedSpans> tokens;
  auto& now = session.store().statement(
      "SELECT t.id FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE a.name = ?1");
  now.bind(1, user);
  while (now.step()) tokens[now.text(0)] = {{0, forever}};

  // Only events that mention the name can give a user a token or take one away; the pattern
  // (case-folded: names compare ignoring ASCII case) finds them, the parse decides.
  std::string pattern = "%";
  for (char c : user) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  pattern += '%';
  static const std::string sql = fmt::format(
      "SELECT id, action, subject, details FROM audit WHERE action IN ('{}', '{}', '{}') AND "
      "lower(details) LIKE ?1 ESCAPE '\\' ORDER BY id",
      to_string(AuditAction::token_create), to_string(AuditAction::token_rotate),
      to_string(AuditAction::token_transfer));
  auto& q = session.store().statement(sql);
  q.bind(1, pattern);
  std::map<std::string, int64_t> held_since;  // tokens the user holds as of the row at hand
  while (q.step()) {
    const auto action = from_string<AuditAction>(q.text(1));
    const std::string details = q.text(3);
    const auto change = action ? token_owner_change_in(*action, details) : std::nullopt;
    if (!change) continue;
    const std::string token = q.text(2);
    const bool gains = names_equal(change->to, user) && !names_equal(change->from, user);
    const bool loses = names_equal(change->from, user) && !names_equal(change->to, user);
    if (gains) held_since.emplace(token, q.integer(0));
    if (!loses) continue;
    // Lost without a recorded gain (none can be missing from an append-only log, but a lost
    // token is one it held): held from the start.
    auto since = held_since.find(token);
    tokens[token].emplace_back(since == held_since.end() ? 0 : since->second, q.integer(0));
    if (since != held_since.end()) held_since.erase(since);
  }
  for (const auto& [token, since] : held_since) tokens[token].emplace_back(since, forever);
  return tokens;
}

}  // namespace

void list_audit(Session& session, const AuditFilter& filter,
                const std::function<void(const AuditEvent&)>& emit) {
  // Reading the log is an act of the acting account as a change is: confirmed first (a right
  // revoked meanwhile shows nothing), then counted as its activity and its admin token's use.
  // The count is best effort, as a call's recorded use is: a read-only or busy store still lists.
  if (session.acting().account_id) {
    if (session.store().writable()) {
      try {
        session.change([&] { record_acting(session, "audit"); });
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::store) throw;
      }
    } else {
      session.store().read([&] { confirm_actor(session); });
    }
  }
  session.store().read([&] {
    const std::map<std::string, OwnedSpans> tokens =
        filter.subject ? tokens_of(session, *filter.subject) : std::map<std::string, OwnedSpans>{};
    if (tokens.empty()) {  // one subject or none: streamed, the store picks the newest N
      select_events(session, filter, filter.subject ? &*filter.subject : nullptr, true,
                    [&](int64_t, const AuditEvent& e) { emit(e); });
      return;
    }
    // A user's events and those of its tokens, merged in log order; then the newest N.
    std::map<int64_t, AuditEvent> found;
    select_events(session, filter, &*filter.subject, false,
                  [&](int64_t id, const AuditEvent& e) { found.emplace(id, e); });
    // Not a structured binding: clang before 16 (the fuzz build's) cannot capture one.
    for (const auto& entry : tokens) {
      const OwnedSpans& spans = entry.second;
      select_events(session, filter, &entry.first, false, [&](int64_t id, const AuditEvent& e) {
        if (covers(spans, id)) found.emplace(id, e);
      });
    }
    auto first = found.begin();
    if (filter.limit && static_cast<int64_t>(found.size()) > *filter.limit)
      std::advance(first, static_cast<int64_t>(found.size()) - std::max<int64_t>(*filter.limit, 0));
    for (auto it = first; it != found.end(); ++it) emit(it->second);
  });
}

}  // namespace hookctl
