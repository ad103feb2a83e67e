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

namespace {

// (action, subject) of each event list_audit returns for `filter`, oldest first.
std::vector<std::pair<std::string, std::string>> events_of(Fixture& f, const AuditFilter& filter) {
  auto s = f.at(T("2026-06-01T00:00:00Z"));
  std::vector<std::pair<std::string, std::string>> out;
  list_audit(s, filter, [&](const AuditEvent& e) { out.emplace_back(e.action, e.subject); });
  return out;
}

AuditFilter about(const std::string& subject) {
  AuditFilter filter;
  filter.subject = subject;
  return filter;
}

}  // namespace

TEST_CASE("token events name their owner in a form token_owner_change_in reads back") {
  using C = std::optional<TokenOwnerChange>;
  auto parsed = [](AuditAction a, const std::string& details) -> C {
    return token_owner_change_in(a, details);
  };
  auto created = parsed(AuditAction::token_create, "kind=api " + token_owner_details("Alice"));
  REQUIRE(created);
  CHECK(created->from.empty());
  CHECK(created->to == "Alice");
  // A label is free text and comes later: it never counts as the owner.
  created = parsed(AuditAction::token_create, "kind=app owner=svc name=x owner=alice");
  REQUIRE(created);
  CHECK(created->to == "svc");
  auto rotated =
      parsed(AuditAction::token_rotate, "grace=1d " + token_owner_change_details("bob", "alice") +
                                            " expires_at=2026-03-01T00:00:00Z");
  REQUIRE(rotated);
  CHECK(rotated->from == "bob");
  CHECK(rotated->to == "alice");
  auto moved = parsed(AuditAction::token_transfer, "owner alice -> svc (user deleted)");
  REQUIRE(moved);
  CHECK(moved->from == "alice");
  CHECK(moved->to == "svc");
  // No change of owner, or not a token event that records one.
  CHECK_FALSE(parsed(AuditAction::token_rotate, "grace=none"));
  CHECK_FALSE(parsed(AuditAction::token_rotate,
                     "grace=none [clock overridden by HOOKCTL_NOW; recorded at "
                     "2026-01-01T00:00:00Z real time]"));
  CHECK_FALSE(parsed(AuditAction::token_revoke, "owner alice -> bob"));
  CHECK_FALSE(parsed(AuditAction::token_create, "owner=alice"));
  CHECK_FALSE(parsed(AuditAction::token_create, "kind=api owner="));
  CHECK_FALSE(parsed(AuditAction::webhook_create, "auth=bearer owner=alice token=x"));
}

TEST_CASE("a user's subject also finds the events of tokens it owns now or owned then") {
  Fixture f;
  f.user("alice");
  f.user("bob");
  f.service("svc");
  const std::string a = f.token("alice", T("2026-01-02T00:00:00Z")).token.id;
  const std::string b = f.token("bob", T("2026-01-02T00:00:00Z")).token.id;
  {
    auto s = f.at("2026-01-03T00:00:00Z");
    rotate_token(s, a, RotateOptions{});  // while alice owns it
    RotateOptions onto_alice;
    onto_alice.owner = "alice";
    rotate_token(s, b, onto_alice);  // bob's token rotated onto alice
  }
  std::string c, d;
  {
    auto s = f.at("2026-01-04T00:00:00Z");
    c = create_token(s, "alice", std::string("old"), std::nullopt).token.id;
    revoke_token(s, c);  // revoked: deleted with alice, its history kept
    // A label is not an owner: bob's token named after alice is not hers.
    d = create_token(s, "bob", std::string("x owner=alice"), std::nullopt).token.id;
  }
  {
    auto s = f.at("2026-01-05T00:00:00Z");
    delete_account(s, "alice", std::string("svc"));  // a and b move to svc, in id order
  }
  {
    auto s = f.at("2026-01-06T00:00:00Z");
    rotate_token(s, a, RotateOptions{});  // svc's now
    revoke_token(s, b);
  }
  const std::string first = std::min(a, b), second = std::max(a, b);

  using E = std::vector<std::pair<std::string, std::string>>;
  const E alice{{"user.create", "alice"},  {"token.create", a},        {"token.rotate", a},
                {"token.rotate", b},       {"token.create", c},        {"token.revoke", c},
                {"token.transfer", first}, {"token.transfer", second}, {"user.delete", "alice"}};
  CHECK(events_of(f, about("alice")) == alice);
  CHECK(events_of(f, about("ALICE")) == alice);
  // bob: his token until it was rotated onto alice, that rotation included; the one he owns.
  CHECK(events_of(f, about("bob")) ==
        E{{"user.create", "bob"}, {"token.create", b}, {"token.rotate", b}, {"token.create", d}});
  // svc owns a and b now: their whole histories.
  CHECK(events_of(f, about("svc")) == E{{"user.create", "svc"},
                                        {"token.create", a},
                                        {"token.create", b},
                                        {"token.rotate", a},
                                        {"token.rotate", b},
                                        {"token.transfer", first},
                                        {"token.transfer", second},
                                        {"token.rotate", a},
                                        {"token.revoke", b}});
  // A token id or a name nobody owns tokens under stays an exact match.
  CHECK(events_of(f, about(c)) == E{{"token.create", c}, {"token.revoke", c}});
  CHECK(events_of(f, about("ali")).empty());
  CHECK(events_of(f, about("%")).empty());

  // The other filters apply to the token events too, and the limit to the merged list.
  AuditFilter limited = about("alice");
  limited.limit = 2;
  CHECK(events_of(f, limited) == E{{"token.transfer", second}, {"user.delete", "alice"}});
  limited.limit = 0;
  CHECK(events_of(f, limited).empty());
  AuditFilter since = about("alice");
  since.since = T("2026-01-04T00:00:00Z");
  CHECK(events_of(f, since) == E{{"token.create", c},
                                 {"token.revoke", c},
                                 {"token.transfer", first},
                                 {"token.transfer", second},
                                 {"user.delete", "alice"}});
  AuditFilter rotations = about("alice");
  rotations.actions = {AuditAction::token_rotate, AuditAction::user_delete};
  CHECK(events_of(f, rotations) ==
        E{{"token.rotate", a}, {"token.rotate", b}, {"user.delete", "alice"}});
}

TEST_CASE("a user created again under a name has that name's token history") {
  // The log keeps names: what a name owned before is still that name's.
  Fixture f;
  f.user("alice");
  f.service("svc");
  const std::string a = f.token("alice").token.id;
  {
    auto s = f.at("2026-01-02T00:00:00Z");
    delete_account(s, "alice", std::string("svc"));
  }
  f.user("Alice", AccountKind::person, T("2026-01-03T00:00:00Z"));
  {
    auto s = f.at("2026-01-04T00:00:00Z");
    rotate_token(s, a, RotateOptions{});  // while svc owns it
    RotateOptions back;
    back.owner = "Alice";
    rotate_token(s, a, back);  // alice's again: its whole history is hers now
    rotate_token(s, a, RotateOptions{});
  }
  const auto events = events_of(f, about("alice"));
  std::vector<std::string> actions;
  for (const auto& [action, subject] : events) actions.push_back(action);
  CHECK(actions == std::vector<std::string>{"user.create", "token.create", "token.transfer",
                                            "user.delete", "user.create", "token.rotate",
                                            "token.rotate", "token.rotate"});
}
