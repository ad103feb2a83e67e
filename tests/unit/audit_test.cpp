#include "hookctl/audit.hpp"

#include <SQLiteCpp/Exception.h>

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "hookctl/error.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::days;
using fixture::Fixture;
using fixture::secs;
using fixture::T;

namespace {

// Appends an event as any hookctl may have written it, whatever its action (a newer one may
// write actions this one does not know): the listing reads the table, not the writer.
void event(Fixture& f, Time at, const std::string& action, const std::string& subject,
           const std::string& details = "") {
  f.store->write([&] {
    auto& q = f.store->statement(
        "INSERT INTO audit (at, actor, action, subject, details) VALUES (?1, 'tester', ?2, ?3, "
        "?4)");
    q.bind(1, static_cast<int64_t>(at.time_since_epoch().count()));
    q.bind(2, action);
    q.bind(3, subject);
    q.bind(4, details);
    q.run();
  });
}

std::vector<std::string> subjects(Fixture& f, Time now, const AuditFilter& filter) {
  auto s = f.at(now);
  std::vector<std::string> out;
  list_audit(s, filter, [&](const AuditEvent& e) { out.push_back(e.subject); });
  return out;
}

std::vector<std::string> actions(Fixture& f, Time now, const AuditFilter& filter) {
  auto s = f.at(now);
  std::vector<std::string> out;
  list_audit(s, filter, [&](const AuditEvent& e) { out.push_back(e.action); });
  return out;
}

}  // namespace

TEST_CASE("record_event stores time, actor, action, subject and details") {
  Fixture f;
  const Time at = T("2026-03-04T05:06:07Z");
  auto s = hookctl::Session(*f.store, at, "root-helper");
  f.store->write([&] { record_event(s, AuditAction::user_create, "Alice", "kind=person"); });
  auto events = f.audit();
  REQUIRE(events.size() == 1);
  CHECK(events[0].at == at);
  CHECK(events[0].actor == "root-helper");
  CHECK(events[0].action == "user.create");
  CHECK(events[0].subject == "Alice");
  CHECK(events[0].details == "kind=person");
}

TEST_CASE("the audit table refuses UPDATE and DELETE") {
  Fixture f;
  event(f, f.start, "user.create", "alice", "kind=person");
  const std::string before = f.dump();
  CHECK_THROWS(f.store->statement("UPDATE audit SET details = 'forged'").run());
  CHECK_THROWS(f.store->statement("UPDATE audit SET at = 0 WHERE TRUE").run());
  CHECK_THROWS(f.store->statement("DELETE FROM audit").run());
  CHECK_THROWS(f.store->statement("DELETE FROM audit WHERE subject = 'alice'").run());
  try {
    f.store->statement("DELETE FROM audit").run();
    FAIL("the audit log accepted a DELETE");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()).find("append-only") != std::string::npos);
  }
  CHECK(f.dump() == before);
  CHECK(f.scalar("SELECT count(*) FROM audit") == 1);
  // Appending still works.
  event(f, f.start, "user.delete", "alice");
  CHECK(f.scalar("SELECT count(*) FROM audit") == 2);
}

TEST_CASE("list_audit returns every event oldest first") {
  Fixture f;
  event(f, f.start, "a", "one");
  event(f, f.start + secs(1), "b", "two");
  event(f, f.start + secs(2), "c", "three");
  CHECK(subjects(f, f.start + days(1), {}) == std::vector<std::string>{"one", "two", "three"});
}

TEST_CASE("list_audit --since keeps events at or after the instant") {
  Fixture f;
  const Time now = T("2026-02-01T00:00:00Z");
  event(f, now - days(2), "old", "x");
  event(f, now - days(1) - secs(1), "just-outside", "x");
  event(f, now - days(1), "boundary", "x");
  event(f, now - secs(5), "recent", "x");
  AuditFilter since;
  since.since = now - days(1);
  CHECK(actions(f, now, since) == std::vector<std::string>{"boundary", "recent"});
  since.since = parse_since("1d", now);
  CHECK(actions(f, now, since) == std::vector<std::string>{"boundary", "recent"});
  since.since = parse_since("2026-01-30", now);
  CHECK(actions(f, now, since) ==
        std::vector<std::string>{"old", "just-outside", "boundary", "recent"});
  since.since = parse_since("2026-01-31T00:00:00+01:00", now);  // 2026-01-30T23:00:00Z
  CHECK(actions(f, now, since) == std::vector<std::string>{"just-outside", "boundary", "recent"});
  since.since = now + secs(1);
  CHECK(actions(f, now, since).empty());
}

TEST_CASE("list_audit --subject matches the whole subject case-insensitively") {
  Fixture f;
  event(f, f.start, "user.create", "Alice");
  event(f, f.start + secs(1), "user.create", "alice2");
  event(f, f.start + secs(2), "token.create", "abcdefghijkl");
  event(f, f.start + secs(3), "user.reactivate", "ALICE");
  event(f, f.start + secs(4), "webhook.create", "orders");
  AuditFilter alice;
  alice.subject = "alice";
  CHECK(actions(f, f.start, alice) == std::vector<std::string>{"user.create", "user.reactivate"});
  AuditFilter token;
  token.subject = "ABCDEFGHIJKL";
  CHECK(actions(f, f.start, token) == std::vector<std::string>{"token.create"});
  AuditFilter none;
  none.subject = "ali";
  CHECK(actions(f, f.start, none).empty());
  AuditFilter wildcard;
  wildcard.subject = "%";
  CHECK(actions(f, f.start, wildcard).empty());
}

TEST_CASE("list_audit --limit keeps the newest N, printed oldest first") {
  Fixture f;
  for (int i = 0; i < 10; ++i) event(f, f.start + Duration{i}, "e" + std::to_string(i), "s");
  AuditFilter three;
  three.limit = 3;
  CHECK(actions(f, f.start, three) == std::vector<std::string>{"e7", "e8", "e9"});
  AuditFilter more;
  more.limit = 100;
  CHECK(actions(f, f.start, more).size() == 10);
  AuditFilter zero;
  zero.limit = 0;
  CHECK(actions(f, f.start, zero).empty());
}

TEST_CASE("list_audit filters combine") {
  Fixture f;
  const Time now = T("2026-02-01T00:00:00Z");
  event(f, now - days(3), "old", "alice");
  event(f, now - days(1), "a1", "alice");
  event(f, now - days(1) + secs(1), "b1", "bob");
  event(f, now - secs(2), "a2", "Alice");
  event(f, now - secs(1), "a3", "alice");
  AuditFilter filter;
  filter.since = now - days(2);
  filter.subject = "ALICE";
  filter.limit = 2;
  CHECK(actions(f, now, filter) == std::vector<std::string>{"a2", "a3"});
  filter.limit.reset();
  CHECK(actions(f, now, filter) == std::vector<std::string>{"a1", "a2", "a3"});
}

TEST_CASE("record_rejection writes one event per subject and reason per clock hour") {
  Fixture f;
  auto reject = [&](Time at, const std::string& subject, const std::string& reason) {
    auto s = f.at(at);
    record_rejection(s, AuditAction::auth_rejected, subject, reason, "token unknown");
  };
  auto count = [&] { return f.scalar("SELECT count(*) FROM audit"); };
  const Time ten = T("2026-01-05T10:00:00Z");

  reject(ten, "orders", "wrong-secret");
  CHECK(count() == 1);
  reject(ten + secs(1), "orders", "wrong-secret");
  reject(ten + Duration{3599}, "ORDERS", "wrong-secret");  // same hour, subject in another case
  CHECK(count() == 1);
  reject(ten + secs(5), "orders", "revoked");  // another reason
  CHECK(count() == 2);
  reject(ten + secs(5), "invoices", "wrong-secret");  // another subject
  CHECK(count() == 3);
  reject(ten + Duration{3600}, "orders", "wrong-secret");  // the next clock hour
  CHECK(count() == 4);
  // Clock hours, not a sliding hour: 11:59:59 and 12:00:00 are two hours.
  reject(T("2026-01-05T11:59:59Z"), "orders", "revoked");
  CHECK(count() == 5);
  reject(T("2026-01-05T12:00:00Z"), "orders", "revoked");
  CHECK(count() == 6);

  auto events = f.audit();
  REQUIRE(events.size() == 6);
  CHECK(events[0].action == "auth.rejected");
  CHECK(events[0].subject == "orders");
  CHECK(events[0].at == ten);
  CHECK(events[0].details ==
        "wrong-secret: token unknown (first such rejection this hour; later ones in the hour are "
        "counted)");
  // The later ones of the hour are counted on the hour's event, and nowhere else.
  CHECK(events[0].repeated == 2);
  for (size_t i = 1; i < events.size(); ++i) CHECK(events[i].repeated == 0);
  CHECK(shown_details(events[0]) ==
        "wrong-secret: token unknown (first such rejection this hour; 2 more in the hour)");
  CHECK(shown_details(events[1]) ==
        "revoked: token unknown (first such rejection this hour; 0 more in the hour)");
}

TEST_CASE("200 rejections in an hour are one event counting 199 and the next hour starts another") {
  Fixture f;
  const Time ten = T("2026-01-05T10:00:00Z");
  for (int i = 0; i < 200; ++i) {
    auto s = f.at(ten + Duration{i * 17});  // a session per call, as `auth verify` has
    record_rejection(s, AuditAction::auth_rejected, "orders", "wrong-secret", "token unknown");
  }
  auto events = f.audit();
  REQUIRE(events.size() == 1);
  CHECK(events[0].at == ten);
  CHECK(events[0].repeated == 199);
  CHECK(f.scalar("SELECT count(*) FROM rejection_tally") == 1);

  auto next = f.at(T("2026-01-05T11:00:00Z"));
  record_rejection(next, AuditAction::auth_rejected, "orders", "wrong-secret", "token unknown");
  events = f.audit();
  REQUIRE(events.size() == 2);
  CHECK(events[0].repeated == 199);
  CHECK(events[1].at == T("2026-01-05T11:00:00Z"));
  CHECK(events[1].repeated == 0);
}

TEST_CASE("a session counts each rejection once, remembering the summary") {
  Fixture f;
  auto s = f.at(T("2026-01-05T10:00:00Z"));
  for (int i = 0; i < 5; ++i)
    record_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "x");
  auto events = f.audit();
  REQUIRE(events.size() == 1);
  CHECK(events[0].repeated == 4);
}

TEST_CASE("a reason that prefixes another is still counted separately") {
  Fixture f;
  const Time at = T("2026-01-05T10:00:00Z");
  auto s = f.at(at);
  record_rejection(s, AuditAction::auth_rejected, "orders", "expired", "x");
  record_rejection(s, AuditAction::auth_rejected, "orders", "expired-soon", "x");
  record_rejection(s, AuditAction::auth_rejected, "orders", "exp", "x");
  CHECK(f.scalar("SELECT count(*) FROM audit") == 3);
}

TEST_CASE("record_rejection bounds a flood to reasons times subjects per hour") {
  Fixture f;
  const Time start = T("2026-01-05T10:00:00Z");
  for (int i = 0; i < 1000; ++i) {
    auto s = f.at(start + Duration{i * 3});  // 50 minutes
    record_rejection(s, AuditAction::auth_rejected, i % 2 ? "a" : "b",
                     i % 3 ? "wrong-secret" : "revoked", "token unknown");
  }
  CHECK(f.scalar("SELECT count(*) FROM audit") == 4);
  CHECK(f.scalar("SELECT sum(repeated) FROM rejection_tally") == 996);
}

TEST_CASE("record_rejection works inside a caller's write transaction") {
  Fixture f;
  auto s = f.now();
  f.store->write([&] {
    record_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "x");
    record_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "x");
  });
  CHECK(f.scalar("SELECT count(*) FROM audit") == 1);
  CHECK(f.audit().at(0).repeated == 1);
}

TEST_CASE("a rejection written by a caller's transaction that rolls back is not remembered") {
  Fixture f;
  auto s = f.now();
  CHECK_THROWS(f.store->write([&] {
    record_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "x");
    throw std::runtime_error("the caller fails");
  }));
  CHECK(f.scalar("SELECT count(*) FROM audit") == 0);
  record_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "x");
  auto events = f.audit();
  REQUIRE(events.size() == 1);
  CHECK(events[0].repeated == 0);
}

TEST_CASE("summarise_rejection finds or writes the summary and counts nothing") {
  Fixture f;
  const Time ten = T("2026-01-05T10:00:00Z");
  auto first = f.at(ten);
  auto a = summarise_rejection(first, AuditAction::auth_rejected, "orders", "revoked", "x");
  REQUIRE(a);
  CHECK(a->first);
  CHECK(a->counts);
  auto again = summarise_rejection(first, AuditAction::auth_rejected, "orders", "revoked", "x");
  REQUIRE(again);
  CHECK_FALSE(again->first);  // remembered by the session
  CHECK(again->event == a->event);
  auto later = f.at(ten + secs(600));  // another process, later in the hour
  auto b = summarise_rejection(later, AuditAction::auth_rejected, "ORDERS", "revoked", "x");
  REQUIRE(b);
  CHECK_FALSE(b->first);
  CHECK(b->event == a->event);
  CHECK(f.scalar("SELECT count(*) FROM audit") == 1);
  CHECK(f.scalar("SELECT count(*) FROM rejection_tally") == 0);

  // Counts from several servers add up; none overwrites another's.
  add_rejection_counts(*f.store, {{a->event, 3}});
  add_rejection_counts(*f.store, {{a->event, 4}});
  add_rejection_counts(*f.store, {});
  CHECK(f.audit().at(0).repeated == 7);
  // And the CLI's counting adds to the same tally.
  auto cli = f.at(ten + secs(700));
  record_rejection(cli, AuditAction::auth_rejected, "orders", "revoked", "x");
  CHECK(f.audit().at(0).repeated == 8);

  auto next_hour = f.at(ten + secs(3600));
  auto c = summarise_rejection(next_hour, AuditAction::auth_rejected, "orders", "revoked", "x");
  REQUIRE(c);
  CHECK(c->first);
  CHECK(c->event != a->event);
}

TEST_CASE("add_rejection_counts counts only on summaries that count") {
  Fixture f;
  auto s = f.now();
  auto summary = summarise_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "x");
  REQUIRE(summary);
  int64_t other = 0, old_summary = 0;
  f.store->write([&] {
    other = record_event(s, AuditAction::user_create, "alice", "kind=person");
    old_summary = record_event(s, AuditAction::auth_rejected, "billing",
                               "revoked: x (first such rejection this hour; later ones in the "
                               "hour are not logged)");
  });
  // Another kind of event, an older hookctl's summary, an id the store does not have (a store
  // restored under a running server): dropped, without failing the count that belongs.
  add_rejection_counts(*f.store,
                       {{other, 1}, {summary->event, 5}, {old_summary, 2}, {old_summary + 100, 3}});
  CHECK(f.scalar("SELECT count(*) FROM rejection_tally") == 1);
  CHECK(f.audit().at(0).repeated == 5);
}

TEST_CASE("a rejection tally only grows") {
  Fixture f;
  auto s = f.now();
  for (int i = 0; i < 3; ++i)
    record_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "x");
  const std::string before = f.dump();
  CHECK_THROWS(f.store->statement("UPDATE rejection_tally SET repeated = 0").run());
  CHECK_THROWS(f.store->statement("UPDATE rejection_tally SET event_id = event_id + 1").run());
  CHECK_THROWS(f.store->statement("DELETE FROM rejection_tally").run());
  try {
    f.store->statement("DELETE FROM rejection_tally").run();
    FAIL("the tally accepted a DELETE");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()).find("only grows") != std::string::npos);
  }
  CHECK(f.dump() == before);
  CHECK(f.audit().at(0).repeated == 2);
}

TEST_CASE("a summary written before rejections were counted stays as its details say") {
  // An older hookctl wrote the hour's summary and dropped the later ones; a store upgraded
  // within that hour writes no second summary and counts nothing on the old one, whose text
  // ("later ones ... are not logged") stays true.
  Fixture f;
  const Time ten = T("2026-01-05T10:00:00Z");
  const std::string old_text =
      "revoked: token unknown (first such rejection this hour; later ones in the hour are not "
      "logged)";
  event(f, ten, "auth.rejected", "orders", old_text);
  for (int i = 1; i <= 3; ++i) {
    auto s = f.at(ten + secs(i));
    record_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "token unknown");
    auto summary =
        summarise_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "token unknown");
    REQUIRE(summary);
    CHECK_FALSE(summary->counts);
    CHECK_FALSE(summary->first);
  }
  auto events = f.audit();
  REQUIRE(events.size() == 1);
  CHECK(events[0].repeated == 0);
  CHECK(shown_details(events[0]) == old_text);
  // The next hour is counted.
  for (int i = 0; i < 2; ++i) {
    auto s = f.at(ten + secs(3600 + i));
    record_rejection(s, AuditAction::auth_rejected, "orders", "revoked", "token unknown");
  }
  events = f.audit();
  REQUIRE(events.size() == 2);
  CHECK(events[1].repeated == 1);
}

TEST_CASE("shown_details adds the tally to a counted summary and leaves other details alone") {
  AuditEvent e;
  e.action = "user.create";
  e.details = "kind=person";
  CHECK(shown_details(e) == "kind=person");
  e.action = "auth.login-rejected";
  e.details =
      "bad-credentials: wrong password (first such rejection this hour; later ones in the hour "
      "are counted)";
  e.repeated = 1;
  CHECK(shown_details(e) ==
        "bad-credentials: wrong password (first such rejection this hour; 1 more in the hour)");
  e.details = "something else";
  e.repeated = 5;
  CHECK(shown_details(e) == "something else (5 more in the hour)");
}
