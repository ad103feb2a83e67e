// Password lockout: after lockout-threshold failed password checks in a row the password is
// refused for lockout-duration; tokens are never locked; user unlock lifts it.
#include <catch2/catch.hpp>
#include <string>

#include "e2e/harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;

namespace {

const std::string right_pw = "correct horse battery\n";
const std::string wrong_pw = "not the right password\n";

Result login(const Sandbox& s, const std::string& pw) {
  return s.run({"auth", "login", "alice"}, pw);
}

}  // namespace

TEST_CASE("failed password checks in a row lock the password, not the tokens") {
  Sandbox s;
  s.at(e2e::t0);
  REQUIRE(s.run({"user", "create", "alice", "--password-stdin"}, right_pw).code == 0);
  const std::string hook = s.webhook("orders", "alice");
  REQUIRE(s.run({"policy", "set", "lockout-threshold", "3"}).code == 0);
  Result policy = s.run({"--json", "policy", "show"});
  CHECK(policy.json()["lockout_threshold"] == 3);
  CHECK(policy.json()["lockout_duration"] == "15m");
  CHECK(policy.json()["lockout_duration_seconds"] == 900);

  CHECK(login(s, wrong_pw).code == 5);
  CHECK(login(s, right_pw).code == 0);  // a success clears the count
  for (int i = 0; i < 3; ++i) CHECK(login(s, wrong_pw).code == 5);
  Result locked = login(s, right_pw);
  CHECK(locked.code == 5);
  CHECK(contains(locked.err, "locked until 2026-01-01T00:15:00Z"));
  CHECK(contains(locked.err, "user unlock alice"));
  Result shown = s.run({"--json", "user", "show", "alice"});
  CHECK(shown.json()["locked_until"] == "2026-01-01T00:15:00Z");
  CHECK(s.count("audit", "action = 'user.lockout' AND subject = 'alice'") == 1);
  // The webhook alice's token serves goes on working.
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + hook).code == 0);

  // Over when the period ends ...
  s.at("2026-01-01T00:15:00Z");
  CHECK(login(s, right_pw).code == 0);
  CHECK(s.run({"--json", "user", "show", "alice"}).json()["locked_until"].is_null());
  // ... or at once with user unlock.
  for (int i = 0; i < 3; ++i) CHECK(login(s, wrong_pw).code == 5);
  CHECK(login(s, right_pw).code == 5);
  Result unlock = s.run({"user", "unlock", "alice"});
  CHECK(unlock.code == 0);
  CHECK(unlock.out == "Unlocked alice: its password is accepted again.\n");
  CHECK(login(s, right_pw).code == 0);
  CHECK(s.run({"user", "unlock", "alice"}).out == "alice is not locked; nothing changed.\n");
  CHECK(s.count("audit", "action = 'user.unlock'") == 1);
}

TEST_CASE("acting with a wrong password counts towards the lockout too") {
  Sandbox s;
  s.at(e2e::t0);
  for (const char* name : {"admin", "alice"})
    REQUIRE(s.run({"user", "create", name, "--password-stdin"}, right_pw).code == 0);
  REQUIRE(s.run({"user", "grant", "admin", "administration", "user-management"}).code == 0);
  REQUIRE(s.run({"--owner-override", "policy", "set", "lockout-threshold", "2"}).code == 0);
  auto as_admin = [&](const std::string& pw) {
    return s.run({"--as", "admin", "--as-password-fd", "0", "user", "reactivate", "alice"}, pw);
  };
  CHECK(as_admin(wrong_pw).code == 5);
  CHECK(as_admin(wrong_pw).code == 5);
  Result locked = as_admin(right_pw);
  CHECK(locked.code == 5);
  CHECK(contains(locked.err, "locked until"));
  REQUIRE(s.run({"--owner-override", "user", "unlock", "admin"}).code == 0);
  CHECK(as_admin(right_pw).code == 0);
}

TEST_CASE("lockout policy values are checked") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("alice");
  const std::string before = s.dump();
  CHECK(s.run({"policy", "set", "lockout-threshold", "-1"}).code == 2);
  CHECK(s.run({"policy", "set", "lockout-threshold", "3x"}).code == 2);
  CHECK(s.run({"policy", "set", "lockout-threshold", "1001"}).code == 2);
  CHECK(s.run({"policy", "set", "lockout-duration", "30s"}).code == 2);
  CHECK(s.run({"policy", "set", "lockout-duration", "soon"}).code == 2);
  CHECK(s.dump() == before);
  CHECK(s.run({"policy", "set", "lockout-threshold", "0"}).code == 0);
  CHECK(s.run({"user", "unlock", "nobody"}).code == 3);
}
