#include "hookctl/accounts.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "hookctl/auth.hpp"
#include "hookctl/error.hpp"
#include "hookctl/password.hpp"
#include "hookctl/policy.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::days;
using fixture::error_kind;
using fixture::error_message;
using fixture::Fixture;
using fixture::secs;
using fixture::T;

namespace {

std::vector<std::string> names(Fixture& f, Time now, const AccountFilter& filter) {
  auto s = f.at(now);
  std::vector<std::string> out;
  list_accounts(s, filter, [&](const Account& a) { out.push_back(a.name); });
  return out;
}

size_t count_actions(Fixture& f, const std::string& action) {
  size_t n = 0;
  for (const auto& e : f.audit())
    if (e.action == action) ++n;
  return n;
}

ImportSummary import_text(Fixture& f, Time now, const std::string& text,
                          const std::function<void(size_t, size_t)>& progress = {}) {
  auto s = f.at(now);
  std::istringstream in(text);
  return import_accounts(s, in, progress);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// --- creation and the inactivity rule ---------------------------------------------------------

TEST_CASE("a new account is active from its creation time for the inactivity period") {
  Fixture f;
  Account a = f.user("alice");
  CHECK(a.name == "alice");
  CHECK(a.kind == AccountKind::person);
  CHECK(a.created_at == f.start);
  CHECK(a.last_activity_at == f.start);
  CHECK(a.last_activity_source == "created");
  CHECK(a.inactive_at == f.start + days(60));
  CHECK(a.active);
  CHECK_FALSE(a.has_password);
  CHECK(a.tokens == 0);
  CHECK_FALSE(a.email.has_value());
}

TEST_CASE("an account is active one second before inactive_at and inactive exactly at it") {
  Fixture f;
  f.user("alice");
  const Time inactive_at = f.start + days(60);
  Account before = f.account("alice", inactive_at - secs(1));
  CHECK(before.active);
  CHECK(before.inactive_at == inactive_at);
  Account at = f.account("alice", inactive_at);
  CHECK_FALSE(at.active);
  CHECK(at.inactive_at == inactive_at);
  CHECK_FALSE(f.account("alice", inactive_at + days(400)).active);
}

TEST_CASE("create_account stores kind, e-mail and password hash, and audits without secrets") {
  Fixture f;
  auto s = f.now();
  std::string hash = hash_password("a long enough password");
  Account a = create_account(
      s, NewAccount{"svc-billing", AccountKind::service, std::string("ops@example.com"), hash});
  CHECK(a.kind == AccountKind::service);
  CHECK(a.email == std::optional<std::string>("ops@example.com"));
  CHECK(a.has_password);
  auto events = f.audit();
  REQUIRE(events.size() == 1);
  CHECK(events[0].action == "user.create");
  CHECK(events[0].subject == "svc-billing");
  CHECK(events[0].actor == "tester");
  CHECK(events[0].at == f.start);
  CHECK_FALSE(contains(events[0].details, hash));
  CHECK_FALSE(contains(events[0].details, "a long enough password"));
}

TEST_CASE("account names are unique case-insensitively and shown as first written") {
  Fixture f;
  f.user("Alice");
  auto s = f.now();
  for (const char* dup : {"Alice", "alice", "ALICE"}) {
    INFO(dup);
    CHECK(error_kind([&] {
            create_account(s, NewAccount{dup, AccountKind::person, {}, {}});
          }) == ErrorKind::conflict);
  }
  std::string msg = error_message([&] {
    create_account(s, NewAccount{"alice", AccountKind::person, {}, {}});
  });
  CHECK(contains(msg, "Alice"));
  CHECK(f.account("ALICE").name == "Alice");
  CHECK(f.scalar("SELECT count(*) FROM accounts") == 1);
}

TEST_CASE("ensure_account_name_free refuses a taken name in any case") {
  Fixture f;
  f.user("Alice");
  auto s = f.now();
  CHECK(error_kind([&] { ensure_account_name_free(s, "alice"); }) == ErrorKind::conflict);
  CHECK(error_kind([&] { ensure_account_name_free(s, "ALICE"); }) == ErrorKind::conflict);
  CHECK_FALSE(error_kind([&] { ensure_account_name_free(s, "bob"); }).has_value());
}

TEST_CASE("bad names and e-mails are usage errors and store nothing") {
  Fixture f;
  auto s = f.now();
  CHECK(error_kind([&] {
          create_account(s, NewAccount{"-bad", AccountKind::person, {}, {}});
        }) == ErrorKind::usage);
  CHECK(error_kind([&] {
          create_account(s, NewAccount{"ok", AccountKind::person, std::string("no-at-sign"), {}});
        }) == ErrorKind::usage);
  CHECK(f.scalar("SELECT count(*) FROM accounts") == 0);
  CHECK(f.scalar("SELECT count(*) FROM audit") == 0);
}

TEST_CASE("show_account of an unknown name is not_found") {
  Fixture f;
  auto s = f.now();
  CHECK(error_kind([&] { show_account(s, "nobody"); }) == ErrorKind::not_found);
}

// --- listing by the inactivity rule -----------------------------------------------------------

TEST_CASE("list_accounts lists every account by name without a filter") {
  Fixture f;
  f.user("carol");
  f.service("Bob");
  f.user("alice");
  CHECK(names(f, f.start, {}) == std::vector<std::string>{"alice", "Bob", "carol"});
  AccountFilter services;
  services.kind = AccountKind::service;
  CHECK(names(f, f.start, services) == std::vector<std::string>{"Bob"});
  AccountFilter persons;
  persons.kind = AccountKind::person;
  CHECK(names(f, f.start, persons) == std::vector<std::string>{"alice", "carol"});
}

TEST_CASE("list_accounts --inactive lists exactly the accounts inactive now") {
  Fixture f;
  const Time now = T("2026-06-01T12:00:00Z");
  const Duration period = days(60);
  f.user("gone-long-ago", AccountKind::person, now - period - days(30));
  f.user("gone-this-second", AccountKind::person, now - period);  // inactive_at == now
  f.user("one-second-left", AccountKind::person, now - period + secs(1));
  f.user("fresh", AccountKind::person, now - days(1));
  f.service("svc-old", now - period - days(1));
  AccountFilter inactive;
  inactive.inactive = true;
  CHECK(names(f, now, inactive) ==
        std::vector<std::string>{"gone-long-ago", "gone-this-second", "svc-old"});
  inactive.kind = AccountKind::service;
  CHECK(names(f, now, inactive) == std::vector<std::string>{"svc-old"});
}

TEST_CASE("list_accounts --inactive-within is inclusive, soonest first, and skips inactive ones") {
  Fixture f;
  const Time now = T("2026-06-01T12:00:00Z");
  const Duration period = days(60);
  const Duration window = days(7);
  // inactive_at = created + period
  f.user("already-inactive", AccountKind::person, now - period);        // inactive_at == now
  f.user("at-window-end", AccountKind::person, now + window - period);  // inactive_at == now + 7d
  f.user("past-window-end", AccountKind::person, now + window - period + secs(1));
  f.user("in-one-second", AccountKind::person, now - period + secs(1));
  f.user("a-mid-window", AccountKind::person, now + days(3) - period);
  f.user("b-mid-window", AccountKind::person, now + days(3) - period);  // same instant: by name
  AccountFilter within;
  within.inactive_within = window;
  CHECK(names(f, now, within) ==
        std::vector<std::string>{"in-one-second", "a-mid-window", "b-mid-window", "at-window-end"});
  within.inactive_within = Duration{0};
  CHECK(names(f, now, within).empty());
}

TEST_CASE("list_accounts uses the store's inactivity period") {
  Fixture f;
  f.user("alice");
  {
    auto s = f.now();
    set_policy(s, "inactivity-period", "10d");
  }
  AccountFilter inactive;
  inactive.inactive = true;
  CHECK(names(f, f.start + days(10) - secs(1), inactive).empty());
  CHECK(names(f, f.start + days(10), inactive) == std::vector<std::string>{"alice"});
  AccountFilter within;
  within.inactive_within = days(1);
  CHECK(names(f, f.start + days(9), within) == std::vector<std::string>{"alice"});
  CHECK(names(f, f.start + days(9) - secs(1), within).empty());
}

// --- reactivation -----------------------------------------------------------------------------

TEST_CASE("reactivating an inactive account makes it active as of now") {
  Fixture f;
  f.user("alice");
  const Time later = f.start + days(90);
  REQUIRE_FALSE(f.account("alice", later).active);
  auto s = f.at(later);
  Reactivation r = reactivate_account(s, "ALICE");
  CHECK(r.changed);
  CHECK(r.account.active);
  CHECK(r.account.last_activity_at == later);
  CHECK(r.account.last_activity_source == "reactivated");
  CHECK(r.account.inactive_at == later + days(60));
  CHECK(r.account.created_at == f.start);
  CHECK(f.account("alice", later + days(60) - secs(1)).active);
  CHECK(count_actions(f, "user.reactivate") == 1);
}

TEST_CASE("reactivating an active account changes nothing and records no event") {
  Fixture f;
  f.user("alice");
  const Time later = f.start + days(60) - secs(1);  // still active, one second left
  const std::string before = f.dump();
  auto s = f.at(later);
  Reactivation r = reactivate_account(s, "alice");
  CHECK_FALSE(r.changed);
  CHECK(r.account.active);
  CHECK(r.account.last_activity_at == f.start);
  CHECK(r.account.last_activity_source == "created");
  CHECK(f.dump() == before);
  CHECK(count_actions(f, "user.reactivate") == 0);
}

TEST_CASE("reactivating an unknown account is not_found") {
  Fixture f;
  auto s = f.now();
  CHECK(error_kind([&] { reactivate_account(s, "ghost"); }) == ErrorKind::not_found);
}

// --- passwords --------------------------------------------------------------------------------

TEST_CASE("set-password leaves status, activity and tokens untouched") {
  Fixture f;
  f.user("alice");
  auto token = f.token("alice");
  auto hook = f.webhook("orders", "alice");
  const Time later = f.start + days(10);
  Account before = f.account("alice", later);
  Token token_before = f.token_row(token.token.id, later);

  auto s = f.at(later);
  Account after = set_account_password(s, "alice", hash_password("new password 123")).account;
  CHECK(after.has_password);
  CHECK(after.active == before.active);
  CHECK(after.last_activity_at == before.last_activity_at);
  CHECK(after.last_activity_source == before.last_activity_source);
  CHECK(after.inactive_at == before.inactive_at);
  CHECK(after.tokens == 2);
  Token token_after = f.token_row(token.token.id, later);
  CHECK(token_after.status == TokenStatus::active);
  CHECK(token_after.revoked_at == token_before.revoked_at);
  CHECK(token_after.owner == "alice");
  CHECK(f.hook("orders", later).token == hook.webhook.token);
  // The App token still authenticates its webhook.
  auto v = f.at(later + days(1));
  CHECK(verify_call(v, "orders", "Bearer " + std::string(hook.credential.secret.view())).accepted);
}

TEST_CASE("set-password on an inactive account does not reactivate it") {
  Fixture f;
  f.user("alice");
  const Time later = f.start + days(61);
  auto s = f.at(later);
  Account after = set_account_password(s, "alice", hash_password("new password 123")).account;
  CHECK_FALSE(after.active);
  CHECK(after.last_activity_at == f.start);
  CHECK(after.last_activity_source == "created");
  auto events = f.audit();
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().action == "user.set-password");
  CHECK_FALSE(contains(events.back().details, "$argon2"));
}

TEST_CASE("set-password on an unknown account is not_found") {
  Fixture f;
  auto s = f.now();
  CHECK(error_kind([&] { set_account_password(s, "ghost", "x"); }) == ErrorKind::not_found);
  CHECK(error_kind([&] { set_account_password(s, "ghost", std::nullopt); }) ==
        ErrorKind::not_found);
}

TEST_CASE("removing a password refuses login and leaves status, activity and tokens alone") {
  Fixture f;
  {
    auto s = f.now();
    NewAccount spec;
    spec.name = "alice";
    spec.password_hash = hash_password("correct horse battery");
    create_account(s, spec);
  }
  auto token = f.token("alice");
  const Time later = f.start + days(3);
  Account before = f.account("alice", later);
  auto s = f.at(later);
  PasswordChange c = set_account_password(s, "alice", std::nullopt);
  CHECK(c.changed);
  CHECK(c.had_password);
  CHECK_FALSE(c.account.has_password);
  CHECK(c.account.last_activity_at == before.last_activity_at);
  CHECK(c.account.tokens == 1);
  CHECK(f.token_row(token.token.id, later).status == TokenStatus::active);
  CHECK(login(s, "alice", "correct horse battery") == LoginOutcome::rejected);
  CHECK(count_actions(f, "user.set-password") == 1);

  // Removing it again is no change and records nothing.
  const size_t events = f.audit().size();
  PasswordChange again = set_account_password(s, "alice", std::nullopt);
  CHECK_FALSE(again.changed);
  CHECK(f.audit().size() == events);
}

// --- editing ----------------------------------------------------------------------------------

TEST_CASE("edit_account changes e-mail and kind in one audited change") {
  Fixture f;
  f.user("alice");
  auto s = f.at(f.start + days(1));
  AccountChanges changes;
  changes.email = std::optional<std::string>("alice@example.org");
  changes.kind = AccountKind::service;
  AccountEdit e = edit_account(s, "ALICE", changes);
  CHECK(e.changes ==
        std::vector<std::string>{"email (none) -> alice@example.org", "kind person -> service"});
  CHECK(e.account.email == std::optional<std::string>("alice@example.org"));
  CHECK(e.account.kind == AccountKind::service);
  CHECK(e.account.last_activity_at == f.start);  // not activity
  CHECK(count_actions(f, "user.edit") == 1);
  CHECK(f.audit().back().details == "email (none) -> alice@example.org; kind person -> service");

  SECTION("the same values are no change and write nothing") {
    const size_t events = f.audit().size();
    CHECK(edit_account(s, "alice", changes).changes.empty());
    CHECK(f.audit().size() == events);
  }
  SECTION("an empty inner value removes the address") {
    AccountChanges none;
    none.email = std::optional<std::string>();
    CHECK_FALSE(edit_account(s, "alice", none).account.email.has_value());
  }
  SECTION("a bad address is a usage error and changes nothing") {
    AccountChanges bad;
    bad.email = std::optional<std::string>("no-at-sign");
    CHECK(error_kind([&] { edit_account(s, "alice", bad); }) == ErrorKind::usage);
    CHECK(f.account("alice").email == std::optional<std::string>("alice@example.org"));
  }
  SECTION("an unknown account is not_found") {
    CHECK(error_kind([&] { edit_account(s, "ghost", changes); }) == ErrorKind::not_found);
  }
}

TEST_CASE("list_accounts with include_inactive lists inactive now, then soonest inactive") {
  Fixture f;
  import_text(f, f.start,
              "{\"name\":\"gone\",\"last_activity_at\":\"2025-10-01T00:00:00Z\"}\n"
              "{\"name\":\"soon\",\"last_activity_at\":\"2025-11-05T00:00:00Z\"}\n"
              "{\"name\":\"fresh\"}\n"
              "{\"name\":\"older\",\"last_activity_at\":\"2025-09-01T00:00:00Z\"}\n");
  AccountFilter filter;
  filter.inactive_within = days(14);
  CHECK(names(f, f.start, filter) == std::vector<std::string>{"soon"});
  filter.include_inactive = true;
  CHECK(names(f, f.start, filter) == std::vector<std::string>{"older", "gone", "soon"});
}

TEST_CASE("import with skip_existing leaves existing accounts alone and counts them") {
  Fixture f;
  f.user("Alice");
  auto s = f.now();
  std::istringstream in("{\"name\":\"alice\",\"kind\":\"service\"}\n{\"name\":\"bob\"}\n");
  ImportOptions options;
  options.skip_existing = true;
  ImportSummary r = import_accounts(s, in, {}, options);
  CHECK(r.added == 1);
  CHECK(r.skipped == 1);
  CHECK(f.account("alice").kind == AccountKind::person);
  CHECK(count_actions(f, "user.import") == 1);
}

// --- deletion ---------------------------------------------------------------------------------

TEST_CASE("an account without tokens is deleted") {
  Fixture f;
  f.user("alice");
  auto s = f.now();
  Deletion d = delete_account(s, "Alice", std::nullopt);
  CHECK(d.account.name == "alice");
  CHECK(d.transferred.empty());
  CHECK(error_kind([&] { show_account(s, "alice"); }) == ErrorKind::not_found);
  CHECK(count_actions(f, "user.delete") == 1);
  CHECK(error_kind([&] { delete_account(s, "alice", std::nullopt); }) == ErrorKind::not_found);
}

namespace {

// alice holds an integration token bound to "invoices" and "payments", the App token of "orders"
// and a revoked integration token; svc is an active service account.
struct Leaver {
  Fixture f;
  IssuedCredential api;
  Installation orders;
  std::string revoked_id;
  Leaver() {
    f.user("alice");
    f.service("svc");
    api = f.token("alice");
    orders = f.webhook("orders", "alice");
    f.webhook("invoices", "svc");
    f.webhook("payments", "svc", AuthScheme::basic);
    auto s = f.now();
    bind_webhook(s, "invoices", api.token.id);
    bind_webhook(s, "payments", api.token.id);
    revoked_id = f.token("alice").token.id;
    revoke_token(s, revoked_id);
  }
};

}  // namespace

TEST_CASE("delete is refused while tokens are linked, naming each token, kind and webhooks") {
  Leaver l;
  const std::string before = l.f.dump();
  auto s = l.f.at(l.f.start + days(1));
  std::string msg;
  try {
    delete_account(s, "alice", std::nullopt);
    FAIL("deleted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::conflict);
    msg = e.what();
  }
  CHECK(contains(msg, l.api.token.id));
  CHECK(contains(msg, l.orders.credential.token.id));
  CHECK(contains(msg, "api"));
  CHECK(contains(msg, "app"));
  CHECK(contains(msg, "invoices"));
  CHECK(contains(msg, "payments"));
  CHECK(contains(msg, "orders"));
  CHECK_FALSE(contains(msg, l.revoked_id));  // revoked tokens do not block the deletion
  CHECK(contains(msg, "rotate"));
  CHECK(contains(msg, "revoke"));
  CHECK(l.f.dump() == before);
}

TEST_CASE("delete with transfer_to moves the tokens, drops revoked ones, webhooks keep working") {
  Leaver l;
  const Time when = l.f.start + days(1);
  auto s = l.f.at(when);
  Deletion d = delete_account(s, "alice", std::string("SVC"));
  CHECK(d.account.name == "alice");
  CHECK(d.heir == std::optional<std::string>("svc"));  // as stored, not as typed
  REQUIRE(d.transferred.size() == 2);
  for (const auto& t : d.transferred) CHECK(t.owner == "svc");
  CHECK(d.revoked_tokens_removed == 1);
  CHECK(d.basic_webhooks == std::vector<std::string>{"payments"});
  CHECK(error_kind([&] { show_account(s, "alice"); }) == ErrorKind::not_found);
  CHECK(error_kind([&] { show_token(s, l.revoked_id); }) == ErrorKind::not_found);

  Token api = show_token(s, l.api.token.id);
  CHECK(api.owner == "svc");
  CHECK(api.status == TokenStatus::active);
  CHECK(api.webhooks == std::vector<std::string>{"invoices", "payments"});
  CHECK(show_token(s, l.orders.credential.token.id).owner == "svc");
  CHECK(show_account(s, "svc").tokens == 2);  // the two moved; its own App tokens were replaced

  // Same secrets, so callers need no update: the calls are accepted.
  auto v = l.f.at(when + secs(10));
  CHECK(verify_call(v, "orders", "Bearer " + std::string(l.orders.credential.secret.view()))
            .accepted);
  CHECK(verify_call(v, "invoices", "Bearer " + std::string(l.api.secret.view())).accepted);
  CHECK(count_actions(l.f, "token.transfer") == 2);
  CHECK(count_actions(l.f, "user.delete") == 1);
}

TEST_CASE("delete with transfer_to an inactive account is a conflict and changes nothing") {
  Leaver l;
  l.f.user("old-svc", AccountKind::service, l.f.start - days(61));
  const std::string before = l.f.dump();
  auto s = l.f.at(l.f.start + days(1));
  CHECK(error_kind([&] { delete_account(s, "alice", std::string("old-svc")); }) ==
        ErrorKind::conflict);
  CHECK(l.f.dump() == before);
}

TEST_CASE("delete with transfer_to an unknown account or to itself changes nothing") {
  Leaver l;
  const std::string before = l.f.dump();
  auto s = l.f.at(l.f.start + days(1));
  CHECK(error_kind([&] { delete_account(s, "alice", std::string("nobody")); }) ==
        ErrorKind::not_found);
  CHECK(error_kind([&] { delete_account(s, "alice", std::string("ALICE")); }) == ErrorKind::usage);
  CHECK(l.f.dump() == before);
}

TEST_CASE("once every token is revoked the account is deleted with its revoked tokens") {
  Leaver l;
  auto s = l.f.at(l.f.start + days(1));
  revoke_token(s, l.api.token.id);
  revoke_token(s, l.orders.credential.token.id);
  Deletion d = delete_account(s, "alice", std::nullopt);
  CHECK(d.revoked_tokens_removed == 3);
  CHECK(l.f.scalar("SELECT count(*) FROM tokens WHERE account_id = " +
                   std::to_string(d.account.id)) == 0);
  // The webhooks that pointed at them are left without a token (and so broken).
  Webhook orders = show_webhook(s, "orders");
  CHECK_FALSE(orders.token.has_value());
  CHECK(orders.broken);
  CHECK_FALSE(orders.breaks_at.has_value());
  // The audit log keeps the tokens' history.
  bool kept = false;
  for (const auto& e : l.f.audit()) kept = kept || e.subject == l.api.token.id;
  CHECK(kept);
}

// --- import -----------------------------------------------------------------------------------

TEST_CASE("import adds accounts with their activity history, source imported, no password") {
  Fixture f;
  const Time now = T("2026-06-01T00:00:00Z");
  size_t last_progress = 0;
  ImportSummary sum = import_text(
      f, now,
      R"({"name":"alice","kind":"person","email":"alice@example.com","created_at":"2025-01-01T00:00:00Z","last_activity_at":"2026-05-01T10:00:00Z"})"
      "\n"
      "\n"  // blank lines are skipped
      R"({"name":"svc-old","kind":"service","last_activity_at":"2026-01-01T00:00:00Z"})"
      "\r\n"
      R"({"name":"bob","created_at":"2026-02-01T00:00:00Z"})"
      "\n"
      R"({"name":"carol"})"
      "\n",
      [&](size_t lines, size_t) { last_progress = lines; });
  CHECK(sum.added == 4);
  CHECK(sum.lines == 5);
  CHECK(last_progress == 5);

  Account alice = f.account("alice", now);
  CHECK(alice.kind == AccountKind::person);
  CHECK(alice.email == std::optional<std::string>("alice@example.com"));
  CHECK(alice.created_at == T("2025-01-01T00:00:00Z"));
  CHECK(alice.last_activity_at == T("2026-05-01T10:00:00Z"));
  CHECK(alice.last_activity_source == "imported");
  CHECK_FALSE(alice.has_password);
  CHECK(alice.active);

  // created_at defaults to last_activity_at; an old activity is inactive right away.
  Account svc = f.account("svc-old", now);
  CHECK(svc.kind == AccountKind::service);
  CHECK(svc.created_at == T("2026-01-01T00:00:00Z"));
  CHECK(svc.last_activity_at == T("2026-01-01T00:00:00Z"));
  CHECK_FALSE(svc.active);

  // last_activity_at defaults to created_at.
  Account bob = f.account("bob", now);
  CHECK(bob.created_at == T("2026-02-01T00:00:00Z"));
  CHECK(bob.last_activity_at == T("2026-02-01T00:00:00Z"));
  CHECK(bob.last_activity_source == "imported");

  // Neither given: both are now.
  Account carol = f.account("carol", now);
  CHECK(carol.created_at == now);
  CHECK(carol.last_activity_at == now);
  CHECK(carol.kind == AccountKind::person);

  CHECK(count_actions(f, "user.import") == 4);
}

TEST_CASE("import accepts times exactly now and null optional fields") {
  Fixture f;
  const Time now = T("2026-06-01T00:00:00Z");
  ImportSummary sum = import_text(
      f, now,
      R"({"name":"a","kind":null,"email":null,"created_at":"2026-06-01T00:00:00Z","last_activity_at":"2026-06-01T00:00:00Z"})"
      "\n");
  CHECK(sum.added == 1);
  CHECK(f.account("a", now).created_at == now);
}

TEST_CASE("a bad line rejects the whole import with a usage error naming the line") {
  Fixture f;
  f.user("existing");
  const Time now = T("2026-06-01T00:00:00Z");
  const std::string good = R"({"name":"good1"})"
                           "\n"
                           R"({"name":"good2"})"
                           "\n";
  struct Case {
    const char* what;
    std::string line;
    const char* mentions;
  };
  std::vector<Case> cases = {
      {"malformed JSON", R"({"name":"x")", "JSON"},
      {"not an object", R"(["x"])", "object"},
      {"bad name", R"({"name":"-x"})", "-x"},
      {"name not a string", R"({"name":42})", "name"},
      {"missing name", R"({"kind":"person"})", "name"},
      {"unknown field", R"({"name":"x","password":"hunter2hunter2"})", "password"},
      {"bad kind", R"({"name":"x","kind":"robot"})", "kind"},
      {"bad e-mail", R"({"name":"x","email":"nope"})", "nope"},
      {"time not a string", R"({"name":"x","created_at":1700000000})", "created_at"},
      {"malformed time", R"({"name":"x","last_activity_at":"yesterday"})", "last_activity_at"},
      {"future created_at", R"({"name":"x","created_at":"2026-06-01T00:00:01Z"})",
       "\"created_at\" lies in the future"},
      {"future last_activity_at", R"({"name":"x","last_activity_at":"2027-01-01T00:00:00Z"})",
       "future"},
      {"future by default: activity given in the future",
       R"({"name":"x","created_at":"2026-01-01T00:00:00Z","last_activity_at":"2026-06-02T00:00:00Z"})",
       "future"},
      {"activity before creation",
       R"({"name":"x","created_at":"2026-02-01T00:00:00Z","last_activity_at":"2026-01-31T23:59:59Z"})",
       "precedes"},
  };
  const std::string before = f.dump();
  for (const auto& c : cases) {
    INFO(c.what);
    std::string msg;
    try {
      import_text(f, now, good + c.line + "\n" + R"({"name":"good3"})" + "\n");
      FAIL("imported");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      msg = e.what();
    }
    CHECK(contains(msg, "line 3"));
    CHECK(contains(msg, c.mentions));
    CHECK(f.dump() == before);
  }
  // The secret-looking value of an unknown field is not echoed.
  std::string msg =
      error_message([&] { import_text(f, now, R"({"name":"x","password":"hunter2hunter2"})"); });
  CHECK_FALSE(contains(msg, "hunter2hunter2"));
}

TEST_CASE("a duplicate within the file is a conflict naming both lines, nothing stored") {
  Fixture f;
  const std::string before = f.dump();
  std::string msg;
  try {
    import_text(f, f.start, "{\"name\":\"alice\"}\n{\"name\":\"bob\"}\n{\"name\":\"ALICE\"}\n");
    FAIL("imported");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::conflict);
    msg = e.what();
  }
  CHECK(contains(msg, "line 3"));
  CHECK(contains(msg, "line 1"));
  CHECK(f.dump() == before);
}

TEST_CASE("a duplicate of a stored account is a conflict naming the line, nothing stored") {
  Fixture f;
  f.user("Alice");
  const std::string before = f.dump();
  std::string msg;
  try {
    import_text(f, f.start, "{\"name\":\"bob\"}\n{\"name\":\"carol\"}\n{\"name\":\"alice\"}\n");
    FAIL("imported");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::conflict);
    msg = e.what();
  }
  CHECK(contains(msg, "line 3"));
  CHECK(contains(msg, "Alice"));
  CHECK(f.dump() == before);
  CHECK(error_kind([&] { f.account("bob"); }) == ErrorKind::not_found);
}

TEST_CASE("an empty import adds nothing") {
  Fixture f;
  ImportSummary sum = import_text(f, f.start, "");
  CHECK(sum.added == 0);
  CHECK(f.scalar("SELECT count(*) FROM accounts") == 0);
}

TEST_CASE("a large import is one transaction, with progress while reading") {
  Fixture f;
  const Time now = T("2026-06-01T00:00:00Z");
  std::string text;
  const size_t n = 20000;
  for (size_t i = 0; i < n; ++i)
    text += "{\"name\":\"user" + std::to_string(i) +
            "\",\"last_activity_at\":\"2026-05-01T00:00:00Z\"}\n";
  size_t calls = 0;
  ImportSummary sum = import_text(f, now, text, [&](size_t, size_t) { ++calls; });
  CHECK(sum.added == n);
  CHECK(calls >= 2);  // progress while reading, not only at the end
  CHECK(f.scalar("SELECT count(*) FROM accounts") == static_cast<int64_t>(n));
  // Its speed is measured by bench/run, not asserted here.
}

// --- login ------------------------------------------------------------------------------------

namespace {

const std::string password = "correct horse battery";

void user_with_password(Fixture& f, const std::string& name, Time when) {
  auto s = f.at(when);
  create_account(s, NewAccount{name, AccountKind::person, std::nullopt, hash_password(password)});
}

}  // namespace

TEST_CASE("a successful login is activity with source login") {
  Fixture f;
  user_with_password(f, "alice", f.start);
  const Time later = f.start + days(59);
  const size_t events = f.audit().size();
  auto s = f.at(later);
  Account out;
  CHECK(login(s, "Alice", password, &out) == LoginOutcome::accepted);
  CHECK(out.last_activity_at == later);
  Account a = f.account("alice", later);
  CHECK(a.last_activity_at == later);
  CHECK(a.last_activity_source == "login");
  CHECK(a.inactive_at == later + days(60));
  CHECK(f.audit().size() == events);  // success shows in the activity fields, not the audit log
}

TEST_CASE("wrong password, unknown account and no password are all rejected alike") {
  Fixture f;
  user_with_password(f, "alice", f.start);
  f.user("nopass");
  const Time later = f.start + days(1);
  const std::string before_alice = f.dump();
  auto s = f.at(later);
  CHECK(login(s, "alice", "wrong password 12345") == LoginOutcome::rejected);
  CHECK(login(s, "ghost", password) == LoginOutcome::rejected);
  CHECK(login(s, "nopass", password) == LoginOutcome::rejected);
  CHECK(login(s, "nopass", "") == LoginOutcome::rejected);
  Account a = f.account("alice", later);
  CHECK(a.last_activity_at == f.start);
  CHECK(a.last_activity_source == "created");
  CHECK(f.account("nopass", later).last_activity_source == "created");
  // Only audit rows were added.
  CHECK(f.scalar("SELECT count(*) FROM audit WHERE action = 'auth.login-rejected'") >= 1);
}

TEST_CASE("the right password on an inactive account is inactive and changes no activity") {
  Fixture f;
  user_with_password(f, "alice", f.start);
  const Time later = f.start + days(60);
  auto s = f.at(later);
  CHECK(login(s, "alice", password) == LoginOutcome::inactive);
  Account a = f.account("alice", later);
  CHECK_FALSE(a.active);
  CHECK(a.last_activity_at == f.start);
  CHECK(a.last_activity_source == "created");
  // A wrong password on the inactive account is still just rejected.
  CHECK(login(s, "alice", "wrong password 12345") == LoginOutcome::rejected);
}

TEST_CASE("rejected logins are summarised: one audit event per subject and reason per hour") {
  Fixture f;
  user_with_password(f, "alice", f.start);
  const Time hour = T("2026-01-02T10:00:00Z");
  for (int i = 0; i < 5; ++i) {
    auto s = f.at(hour + Duration{i * 60});
    CHECK(login(s, "alice", "wrong password 12345") == LoginOutcome::rejected);
  }
  CHECK(f.scalar("SELECT count(*) FROM audit WHERE action = 'auth.login-rejected'") == 1);
  auto s = f.at(hour + Duration{3600});
  CHECK(login(s, "alice", "wrong password 12345") == LoginOutcome::rejected);
  CHECK(f.scalar("SELECT count(*) FROM audit WHERE action = 'auth.login-rejected'") == 2);
  for (const auto& e : f.audit()) CHECK_FALSE(contains(e.details, "wrong password 12345"));
}
