// Smaller findings of an adversarial review: times past year 9999, whom a rejected call
// attacked.
#include <catch2/catch.hpp>

#include "harness.hpp"

using e2e::contains;

using e2e::Result;
using e2e::Sandbox;

TEST_CASE("no time past year 9999 is recorded or shown") {
  Sandbox s;
  s.at("9999-12-01T00:00:00Z");
  s.user("svc", {"--service"});
  Result shown = s.run({"user", "show", "svc", "--json"});
  REQUIRE(shown.code == 0);
  CHECK(shown.json()["inactive_at"] == "9999-12-31T23:59:59Z");
  const std::string before = s.dump();
  CHECK(s.run({"token", "create", "--user", "svc", "--expires-in", "100d"}).code == 2);
  CHECK(s.dump() == before);  // refused: nothing written
  std::string tok = s.token("svc");
  const std::string with_token = s.dump();
  CHECK(s.run({"token", "rotate", e2e::token_id(tok), "--grace", "100d"}).code == 2);
  CHECK(s.run({"token", "rotate", e2e::token_id(tok), "--expires-in", "100d"}).code == 2);
  CHECK(s.dump() == with_token);
  Result list = s.run({"token", "list", "--json"});
  CHECK(list.out.find("10000-") == std::string::npos);
}

TEST_CASE("a wrong secret's audit summary names the attacked token, never the secret") {
  Sandbox s;
  s.user("svc", {"--service"});
  std::string tok = s.token("svc");
  const std::string id = e2e::token_id(tok);
  s.webhook("orders", "svc");
  REQUIRE(s.run({"webhook", "bind", "orders", "--token", id}).code == 0);
  // Two rotations later the first secret is neither the current nor the previous one: to the
  // store it is a well-formed guess at this token's secret.
  std::string second = s.run({"token", "rotate", id}).line();
  std::string guess = s.run({"token", "rotate", id}).line();
  REQUIRE(guess.size() == tok.size());
  Result r = s.run({"auth", "verify", "orders"}, "Bearer " + tok);
  REQUIRE(r.code == 5);
  CHECK(contains(r.out, "wrong-secret"));
  CHECK_FALSE(contains(r.out, id));  // the caller learns nothing about the token
  Result audit = s.run({"audit", "--subject", "orders", "--json"});
  REQUIRE(audit.code == 0);
  bool named = false;
  for (const auto& e : audit.json())
    if (e["action"] == "auth.rejected")
      named |= contains(e["details"].get<std::string>(), "token=" + id);
  CHECK(named);
  CHECK_FALSE(contains(audit.out, tok));
  CHECK_FALSE(contains(audit.out, guess));
  CHECK_FALSE(contains(audit.out, second));
}

TEST_CASE("a user cannot be named after an existing token id") {
  Sandbox s;
  s.user("svc", {"--service"});
  const std::string id = e2e::token_id(s.token("svc"));
  const std::string before = s.dump();
  Result r = s.run({"user", "create", id, "--no-password"});
  CHECK(r.code == 4);
  CHECK(s.run({"user", "import"}, "{\"name\":\"" + id + "\"}\n").code == 4);
  CHECK(s.dump() == before);
  s.user("imported2222");  // token-id-shaped, but no token has that id
}
