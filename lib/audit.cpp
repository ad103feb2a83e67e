#include "hookctl/audit.hpp"

#include <fmt/format.h>

#include <chrono>
#include <vector>

#include "hookctl/vocabulary.hpp"

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
                     std::string_view details) {
  auto& q = session.store().statement(
      "INSERT INTO audit (at, actor, action, subject, details) VALUES (?1, ?2, ?3, ?4, ?5) "
      "RETURNING id");
  q.bind(1, static_cast<int64_t>(session.now().time_since_epoch().count()));
  q.bind(2, session.actor());
  q.bind(3, to_string(action));
  q.bind(4, std::string(subject));
  q.bind(5, std::string(details));
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
  return RejectionSummary{insert_event(session, action, subject, text), true, true};
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

std::string shown_details(const AuditEvent& e) {
  if (e.details.ends_with(counted_suffix)) {
    std::string_view kept(e.details.data(), e.details.size() - counted_suffix.size());
    return fmt::format("{} (first such rejection this hour; {} more in the hour)", kept,
                       e.repeated);
  }
  if (e.repeated > 0) return fmt::format("{} ({} more in the hour)", e.details, e.repeated);
  return e.details;
}

void list_audit(Session& session, const AuditFilter& filter,
                const std::function<void(const AuditEvent&)>& emit) {
  // The actions are parameters ?10, ?11, ... in the order given.
  std::string actions;
  for (size_t i = 0; i < filter.actions.size(); ++i)
    actions += fmt::format("{}?{}", i == 0 ? " AND action IN (" : ", ", 10 + i);
  if (!actions.empty()) actions += ")";
  // The inner query picks the newest N; the outer one prints them oldest first, each with its
  // tally (most events have none).
  const std::string sql =
      "SELECT latest.at, latest.actor, latest.action, latest.subject, latest.details, "
      "coalesce(tally.repeated, 0) FROM (SELECT id, at, actor, action, subject, details FROM "
      "audit WHERE TRUE" +
      std::string(filter.since ? " AND at >= ?1" : "") +
      std::string(filter.subject ? " AND subject = ?2 COLLATE NOCASE" : "") + actions +
      " ORDER BY id DESC" + std::string(filter.limit ? " LIMIT ?3" : "") +
      ") AS latest LEFT JOIN rejection_tally AS tally ON tally.event_id = latest.id "
      "ORDER BY latest.id";
  session.store().read([&] {
    auto& q = session.store().statement(sql);
    if (filter.since) q.bind(1, static_cast<int64_t>(filter.since->time_since_epoch().count()));
    if (filter.subject) q.bind(2, *filter.subject);
    if (filter.limit) q.bind(3, *filter.limit);
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
      emit(e);
    }
  });
}

}  // namespace hookctl
