// Everyday changes end to end: user edit, webhook edit, set-password --no-password, user list
// --include-inactive, user import --skip-existing and --dry-run, webhook bind --dry-run. Each is
// audited when it changes something, writes nothing when it does not, and says what changed.
#include <catch2/catch.hpp>

#include "harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;
using nlohmann::json;

namespace {

json show(const Sandbox& s, const std::vector<std::string>& what) {
  std::vector<std::string> args = what;
  args.push_back("--json");
  Result r = s.run(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.json();
}

std::vector<std::string> names(const Result& r) {
  INFO(r.err);
  REQUIRE(r.code == 0);
  std::vector<std::string> out;
  for (const auto& u : r.json()) out.push_back(u["name"]);
  return out;
}

}  // namespace

TEST_CASE("user edit changes the e-mail and kind and records one event") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("alice");
  Result r = s.run({"user", "edit", "alice", "--email", "alice@example.org", "--kind", "service"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Changed email (none) -> alice@example.org of alice."));
  CHECK(contains(r.out, "Changed kind person -> service of alice."));
  json u = show(s, {"user", "show", "alice"});
  CHECK(u["email"] == "alice@example.org");
  CHECK(u["kind"] == "service");
  CHECK(u["last_activity_at"] == e2e::t0);  // an edit is not the account's activity
  CHECK(s.count("audit", "action = 'user.edit'") == 1);
  Result audit = s.run({"audit", "--subject", "alice", "--json"});
  REQUIRE(audit.code == 0);
  CHECK(contains(audit.json().back()["details"].get<std::string>(),
                 "email (none) -> alice@example.org; kind person -> service"));

  SECTION("--no-email removes the address") {
    Result none = s.run({"user", "edit", "alice", "--no-email", "--json"});
    INFO(none.err);
    REQUIRE(none.code == 0);
    CHECK(none.json()["email"].is_null());
    CHECK(none.json()["changed"] == true);
  }
  SECTION("the same values again change nothing and record nothing") {
    const std::string before = s.dump();
    Result again = s.run(
        {"user", "edit", "alice", "--email", "alice@example.org", "--kind", "service", "--json"});
    INFO(again.err);
    REQUIRE(again.code == 0);
    CHECK(again.json()["changed"] == false);
    CHECK(s.dump() == before);
  }
}

TEST_CASE("user edit refuses bad input before it touches the store") {
  Sandbox s;
  s.user("alice");
  const std::string before = s.dump();
  Result nothing = s.run({"user", "edit", "alice"});
  CHECK(nothing.code == 2);
  CHECK(contains(nothing.err, "nothing to change"));
  CHECK(s.run({"user", "edit", "alice", "--email", "x", "--no-email"}).code == 2);
  CHECK(s.run({"user", "edit", "alice", "--kind", "robot"}).code == 2);
  Result bad = s.run({"user", "edit", "alice", "--email", "not-an-address"});
  CHECK(bad.code == 2);
  CHECK(s.run({"user", "edit", "nobody", "--email", "a@example.org"}).code == 3);
  CHECK(s.dump() == before);
}

TEST_CASE("user set-password --no-password removes password access and keeps the tokens") {
  Sandbox s;
  s.at(e2e::t0);
  Result created =
      s.run({"user", "create", "alice", "--password-stdin"}, "correct horse battery\n");
  REQUIRE(created.code == 0);
  const std::string secret = s.token("alice");
  REQUIRE(s.run({"auth", "login", "alice"}, "correct horse battery\n").code == 0);

  Result r = s.run({"user", "set-password", "alice", "--no-password"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Password of alice removed"));
  CHECK(contains(r.out, "Its status (active) and its 1 token are unchanged."));
  json u = show(s, {"user", "show", "alice"});
  CHECK(u["has_password"] == false);
  CHECK(u["tokens"] == 1);
  CHECK(u["status"] == "active");
  CHECK(s.run({"auth", "login", "alice"}, "correct horse battery\n").code == 5);
  Result token = s.run({"token", "test", secret.substr(4, 12)}, secret + "\n");
  CHECK(token.code == 0);
  CHECK(s.count("audit", "action = 'user.set-password' AND details LIKE 'password removed%'") == 1);

  SECTION("removing it again changes nothing and records nothing") {
    const std::string before = s.dump();
    Result again = s.run({"user", "set-password", "alice", "--no-password"});
    REQUIRE(again.code == 0);
    CHECK(contains(again.out, "alice has no password; nothing changed."));
    CHECK(s.dump() == before);
  }
  SECTION("a new password gives password access back") {
    REQUIRE(
        s.run({"user", "set-password", "alice", "--password-stdin"}, "another long one!\n").code ==
        0);
    CHECK(s.run({"auth", "login", "alice"}, "another long one!\n").code == 0);
  }
  SECTION("--no-password and --password-stdin exclude each other") {
    CHECK(
        s.run({"user", "set-password", "alice", "--no-password", "--password-stdin"}, "x\n").code ==
        2);
  }
}

TEST_CASE("user set-password refuses an unknown account before it reads a password") {
  Sandbox s;
  s.user("alice");
  Result r = s.run({"user", "set-password", "nobody", "--password-stdin"}, "short\n");
  CHECK(r.code == 3);  // not the password rule (exit 2): the account is checked first
  CHECK(contains(r.err, "nobody"));
}

TEST_CASE("user list --inactive-within --include-inactive lists inactive now or soon in one call") {
  Sandbox s;
  s.at("2026-03-01T00:00:00Z");
  const std::string lines =
      "{\"name\":\"gone\",\"last_activity_at\":\"2025-12-01T00:00:00Z\"}\n"    // inactive
      "{\"name\":\"soon\",\"last_activity_at\":\"2026-01-05T00:00:00Z\"}\n"    // in 5 days
      "{\"name\":\"later\",\"last_activity_at\":\"2026-02-20T00:00:00Z\"}\n"   // in 51 days
      "{\"name\":\"older\",\"last_activity_at\":\"2025-11-01T00:00:00Z\"}\n";  // inactive longest
  REQUIRE(s.run({"user", "import"}, lines).code == 0);
  CHECK(names(s.run({"user", "list", "--inactive-within", "14d", "--json"})) ==
        std::vector<std::string>{"soon"});
  CHECK(names(s.run({"user", "list", "--inactive-within", "14d", "--include-inactive",
                     "--json"})) == std::vector<std::string>{"older", "gone", "soon"});
  Result exit_code = s.run(
      {"user", "list", "--inactive-within", "14d", "--include-inactive", "--exit-code", "--json"});
  CHECK(exit_code.code == 1);
  Result alone = s.run({"user", "list", "--include-inactive"});
  CHECK(alone.code == 2);
  CHECK(contains(alone.err, "--inactive-within"));
}

TEST_CASE("user import --skip-existing makes an import re-runnable") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("Alice", {"--email", "alice@example.org"});
  const std::string lines =
      "{\"name\":\"alice\",\"email\":\"other@example.org\"}\n"
      "{\"name\":\"bob\"}\n";
  const std::string before = s.dump();
  Result refused = s.run({"user", "import"}, lines);
  CHECK(refused.code == 4);
  CHECK(contains(refused.err, "--skip-existing"));
  CHECK(s.dump() == before);

  Result r = s.run({"user", "import", "--skip-existing"}, lines);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Imported 1 account; skipped 1 that already exists."));
  CHECK(show(s, {"user", "show", "alice"})["email"] == "alice@example.org");  // left as it was
  CHECK(show(s, {"user", "show", "bob"})["last_activity_source"] == "imported");

  Result again = s.run({"user", "import", "--skip-existing", "--json"}, lines);
  INFO(again.err);
  REQUIRE(again.code == 0);
  CHECK(again.json() == json{{"added", 0}, {"skipped", 2}, {"dry_run", false}});
  CHECK(s.count("audit", "action = 'user.import'") == 1);

  SECTION("a name twice in the input is still refused") {
    Result twice = s.run({"user", "import", "--skip-existing"},
                         "{\"name\":\"carol\"}\n"
                         "{\"name\":\"Carol\"}\n");
    CHECK(twice.code == 4);
    CHECK(contains(twice.err, "line 2"));
  }
}

TEST_CASE("user import --dry-run checks everything and imports nothing") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("alice");
  const std::string before = s.dump();
  Result r = s.run({"user", "import", "--dry-run", "--skip-existing"},
                   "{\"name\":\"alice\"}\n{\"name\":\"bob\"}\n{\"name\":\"carol\"}\n");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Would import 2 accounts; skipped 1 that already exists (dry run"));
  CHECK(s.dump() == before);
  Result json_run = s.run({"user", "import", "--dry-run", "--json"}, "{\"name\":\"bob\"}\n");
  REQUIRE(json_run.code == 0);
  CHECK(json_run.json() == json{{"added", 1}, {"skipped", 0}, {"dry_run", true}});
  CHECK(s.dump() == before);
  // The conflict a real import would meet is found by the dry run too.
  Result conflict = s.run({"user", "import", "--dry-run"}, "{\"name\":\"alice\"}\n");
  CHECK(conflict.code == 4);
  CHECK(s.dump() == before);
}

TEST_CASE("user import errors name the field that is wrong") {
  Sandbox s;
  s.at(e2e::t0);
  Result name = s.run({"user", "import"}, "{\"name\":\"bad name\"}\n");
  CHECK(name.code == 2);
  CHECK(contains(name.err, "line 1: \"name\":"));
  Result email = s.run({"user", "import"}, "{\"name\":\"ok\",\"email\":\"nope\"}\n");
  CHECK(email.code == 2);
  CHECK(contains(email.err, "line 1: \"email\":"));
  Result kind = s.run({"user", "import"}, "{\"name\":\"ok\",\"kind\":\"robot\"}\n");
  CHECK(kind.code == 2);
  CHECK(contains(kind.err, "\"kind\""));
  CHECK_FALSE(s.store_exists());
}

TEST_CASE("webhook edit --auth switches the scheme and says what callers must send") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("svc", {"--service"});
  const std::string secret = s.webhook("orders", "svc");
  REQUIRE(s.run({"auth", "verify", "orders"}, "Bearer " + secret).code == 0);

  Result r = s.run({"webhook", "edit", "orders", "--auth", "basic"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Changed auth bearer -> basic of webhook orders."));
  CHECK(contains(r.out, "username svc"));
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + secret).code == 5);
  CHECK(s.run({"auth", "verify", "orders"}, "Basic " + e2e::base64("svc:" + secret)).code == 0);
  CHECK(show(s, {"webhook", "show", "orders"})["auth"] == "basic");
  CHECK(s.count("audit", "action = 'webhook.edit' AND details LIKE 'auth bearer -> basic%'") == 1);

  Result back = s.run({"webhook", "edit", "orders", "--auth", "bearer", "--json"});
  INFO(back.err);
  REQUIRE(back.code == 0);
  CHECK(back.json()["auth"] == "bearer");
  CHECK(back.json()["auth_changed"] == true);
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + secret).code == 0);
}

TEST_CASE("webhook edit --description sets and removes the description, never the token") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("svc", {"--service"});
  s.webhook("orders", "svc");
  const json before = show(s, {"webhook", "show", "orders"});
  Result r = s.run({"webhook", "edit", "orders", "--description", "Orders from the shop 店"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  json w = show(s, {"webhook", "show", "orders"});
  CHECK(w["description"] == "Orders from the shop 店");
  CHECK(w["token"] == before["token"]);
  REQUIRE(s.run({"webhook", "edit", "orders", "--no-description"}).code == 0);
  CHECK(show(s, {"webhook", "show", "orders"})["description"].is_null());

  const std::string unchanged = s.dump();
  Result same = s.run({"webhook", "edit", "orders", "--no-description"});
  REQUIRE(same.code == 0);
  CHECK(contains(same.out, "nothing changed"));
  CHECK(s.dump() == unchanged);
  CHECK(s.run({"webhook", "edit", "orders"}).code == 2);
  CHECK(s.run({"webhook", "edit", "orders", "--auth", "digest"}).code == 2);
  CHECK(s.run({"webhook", "edit", "nope", "--auth", "basic"}).code == 3);
  CHECK(s.dump() == unchanged);
}

TEST_CASE("webhook bind --dry-run runs every check and changes nothing") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("svc", {"--service"});
  s.user("alice");
  const std::string app = s.webhook("orders", "svc");
  const std::string api = s.token("svc");
  const std::string id = api.substr(4, 12);
  const std::string before = s.dump();

  Result r = s.run({"webhook", "bind", "orders", "--token", id, "--dry-run"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Dry run: nothing was changed. Webhook orders would accept token " + id));
  CHECK(contains(r.out, "would be revoked"));
  CHECK(s.dump() == before);

  Result j =
      s.run({"webhook", "bind", "orders", "--app-token", "--owner", "svc", "--dry-run", "--json"});
  INFO(j.err);
  REQUIRE(j.code == 0);
  CHECK(j.json()["dry_run"] == true);
  CHECK(j.json()["token"].is_null());  // no App token is issued by a dry run
  CHECK_FALSE(j.json().contains("secret"));
  CHECK_FALSE(contains(j.out, "hka_"));
  CHECK(s.dump() == before);
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + app).code == 0);

  // What a real bind refuses, the dry run refuses with the same exit code.
  REQUIRE(s.run({"token", "revoke", id, "--yes"}).code == 0);
  const std::string revoked = s.dump();
  CHECK(s.run({"webhook", "bind", "orders", "--token", id, "--dry-run"}).code == 4);
  CHECK(s.dump() == revoked);
}

TEST_CASE("user create --with-token makes the account and its token together, secret once") {
  Sandbox s;
  s.at(e2e::t0);
  Result r = s.run({"user", "create", "svc-orders", "--service", "--no-password", "--with-token",
                    "--token-name", "orders-sync"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string secret = r.line();
  REQUIRE(e2e::starts_with(secret, "hki_"));
  CHECK(contains(r.err, "with integration token " + secret.substr(4, 12)));
  CHECK(contains(r.err, "shown only this once"));
  json u = show(s, {"user", "show", "svc-orders"});
  CHECK(u["tokens"] == 1);
  REQUIRE(u["token_list"].size() == 1);
  CHECK(u["token_list"][0]["name"] == "orders-sync");
  CHECK(u["token_list"][0]["kind"] == "api");
  CHECK(s.run({"token", "test", secret.substr(4, 12)}, secret + "\n").code == 0);
  CHECK(s.count("audit", "action IN ('user.create', 'token.create')") == 2);

  SECTION("--json carries the user, the token and the secret") {
    Result j = s.run({"user", "create", "svc-b", "--no-password", "--with-token", "--json"});
    INFO(j.err);
    REQUIRE(j.code == 0);
    json doc = j.json();
    CHECK(doc["name"] == "svc-b");
    CHECK(doc["tokens"] == 1);
    CHECK(doc["token"]["owner"] == "svc-b");
    CHECK(e2e::starts_with(doc["secret"].get<std::string>(), "hki_"));
  }
  SECTION("a refused create makes no token either") {
    const std::string before = s.dump();
    Result dup = s.run({"user", "create", "SVC-orders", "--no-password", "--with-token"});
    CHECK(dup.code == 4);
    CHECK(dup.out.empty());
    CHECK(s.dump() == before);
  }
  SECTION("--token-name needs --with-token") {
    CHECK(s.run({"user", "create", "x", "--no-password", "--token-name", "l"}).code == 2);
  }
}
