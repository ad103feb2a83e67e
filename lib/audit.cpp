#include "hookctl/audit.hpp"

#include <chrono>
#include <vector>

namespace hookctl {

namespace {

std::string summary(std::string_view reason, std::string_view details) {
  return std::string(reason) + ": " + std::string(details) +
         " (first such rejection this hour; later ones in the hour are not logged)";
}

}  // namespace

void record_event(Session& session, std::string_view action, std::string_view subject,
                  std::string_view details) {
  auto& q = session.store().statement(
      "INSERT INTO audit (at, actor, action, subject, details) VALUES (?1, ?2, ?3, ?4, ?5)");
  q.bind(1, static_cast<int64_t>(session.now().time_since_epoch().count()));
  q.bind(2, session.actor());
  q.bind(3, std::string(action));
  q.bind(4, std::string(subject));
  // An event recorded under an overridden clock (a rehearsal, a test) says so: its `at` is not
  // when it happened.
  if (auto real = session.overridden_real_time())
    q.bind(5, std::string(details) + (details.empty() ? "" : " ") + "[clock overridden by " +
                  "HOOKCTL_NOW; recorded at " + format_rfc3339(*real) + " real time]");
  else
    q.bind(5, std::string(details));
  q.run();
}

void record_rejection(Session& session, std::string_view action, std::string_view subject,
                      std::string_view reason, std::string_view details) {
  Store& store = session.store();
  // Best effort: a read-only or busy store must not turn a rejection into a store error.
  if (!store.writable()) return;
  // The session's own memory of summaries already in the log (its `now` fixes the hour).
  if (session.rejection_logged(action, subject, reason)) return;
  const int64_t hour_start =
      std::chrono::floor<std::chrono::hours>(session.now()).time_since_epoch().count() * 3600;

  const std::string reason_prefix = std::string(reason) + ":%";
  auto already = [&] {
    // The pattern is an expression, not a bare parameter: SQLite re-prepares a statement whose
    // LIKE parameter is rebound (for its LIKE optimisation), which cost more than the query.
    static const std::string sql =
        "SELECT 1 FROM audit WHERE subject = ?1 COLLATE NOCASE AND at >= ?2 AND at < ?3 "
        "AND action = ?4 AND details LIKE (?5 || '') LIMIT 1";
    auto& q = store.statement(sql);
    q.bind(1, std::string(subject));
    q.bind(2, hour_start);
    q.bind(3, hour_start + 3600);
    q.bind(4, std::string(action));
    q.bind(5, reason_prefix);
    bool found = q.step();
    q.reset();
    return found;
  };
  try {
    if (store.in_transaction()) {  // the caller's write transaction holds the store already
      // Nothing is noted: the caller may still roll back.
      if (!already()) record_event(session, action, subject, summary(reason, details));
      return;
    }
    // The common case under a flood is a read that finds the hour's summary already written.
    if (!already()) {
      store.write([&] {
        if (already()) return;
        record_event(session, action, subject, summary(reason, details));
      });
    }
    session.note_rejection_logged(action, subject, reason);
  } catch (const std::exception&) {
  }
}

void list_audit(Session& session, const AuditFilter& filter,
                const std::function<void(const AuditEvent&)>& emit) {
  // The inner query picks the newest N; the outer one prints them oldest first.
  const std::string sql =
      "SELECT at, actor, action, subject, details FROM (SELECT id, at, actor, action, subject, "
      "details FROM audit WHERE TRUE" +
      std::string(filter.since ? " AND at >= ?1" : "") +
      std::string(filter.subject ? " AND subject = ?2 COLLATE NOCASE" : "") + " ORDER BY id DESC" +
      std::string(filter.limit ? " LIMIT ?3" : "") + ") AS latest ORDER BY id";
  session.store().read([&] {
    auto& q = session.store().statement(sql);
    if (filter.since)
      q.bind(1, static_cast<int64_t>((session.now() - *filter.since).time_since_epoch().count()));
    if (filter.subject) q.bind(2, *filter.subject);
    if (filter.limit) q.bind(3, *filter.limit);
    while (q.step()) {
      AuditEvent e;
      e.at = Time{Duration{q.integer(0)}};
      e.actor = q.text(1);
      e.action = q.text(2);
      e.subject = q.text(3);
      e.details = q.text(4);
      emit(e);
    }
  });
}

}  // namespace hookctl
