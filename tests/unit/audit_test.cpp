#include "hookctl/audit.hpp"

#include <SQLiteCpp/Exception.h>

#include <catch2/catch.hpp>
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

void event(Fixture& f, Time at, const std::string& action, const std::string& subject,
           const std::string& details = "") {
  auto s = f.at(at);
  f.store->write([&] { record_event(s, action, subject, details); });
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
  f.store->write([&] { record_event(s, "user.create", "Alice", "kind=person"); });
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

TEST_CASE("list_audit --since keeps events at or after now minus the duration") {
  Fixture f;
  const Time now = T("2026-02-01T00:00:00Z");
  event(f, now - days(2), "old", "x");
  event(f, now - days(1) - secs(1), "just-outside", "x");
  event(f, now - days(1), "boundary", "x");
  event(f, now - secs(5), "recent", "x");
  AuditFilter since;
  since.since = days(1);
  CHECK(actions(f, now, since) == std::vector<std::string>{"boundary", "recent"});
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
  filter.since = days(2);
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
    record_rejection(s, "auth.rejected", subject, reason, "token unknown");
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
  CHECK(events[0].details.rfind("wrong-secret: ", 0) == 0);
}

TEST_CASE("a reason that prefixes another is still counted separately") {
  Fixture f;
  const Time at = T("2026-01-05T10:00:00Z");
  auto s = f.at(at);
  record_rejection(s, "auth.rejected", "orders", "expired", "x");
  record_rejection(s, "auth.rejected", "orders", "expired-soon", "x");
  record_rejection(s, "auth.rejected", "orders", "exp", "x");
  CHECK(f.scalar("SELECT count(*) FROM audit") == 3);
}

TEST_CASE("record_rejection bounds a flood to reasons times subjects per hour") {
  Fixture f;
  const Time start = T("2026-01-05T10:00:00Z");
  for (int i = 0; i < 1000; ++i) {
    auto s = f.at(start + Duration{i * 3});  // 50 minutes
    record_rejection(s, "auth.rejected", i % 2 ? "a" : "b", i % 3 ? "wrong-secret" : "revoked",
                     "token unknown");
  }
  CHECK(f.scalar("SELECT count(*) FROM audit") == 4);
}

TEST_CASE("record_rejection works inside a caller's write transaction") {
  Fixture f;
  auto s = f.now();
  f.store->write([&] {
    record_rejection(s, "auth.rejected", "orders", "revoked", "x");
    record_rejection(s, "auth.rejected", "orders", "revoked", "x");
  });
  CHECK(f.scalar("SELECT count(*) FROM audit") == 1);
}
