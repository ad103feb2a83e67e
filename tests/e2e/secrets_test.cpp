// Secrets are shown once and kept nowhere: after issuing tokens every way there is and setting
// passwords, no secret or password appears in the store files, the audit log or any listing.
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;
using nlohmann::json;

namespace {

// Every byte of every file under the sandbox (store, WAL, journals, anything else written).
std::string every_file(const Sandbox& s) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(s.dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  return all;
}

std::string issued(const Result& r) {
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.line();
}

std::string issued_json(const Result& r) {
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.json().at("secret").get<std::string>();
}

}  // namespace

// SQLite only: reads the store's files byte by byte.
TEST_CASE("no token secret or password is kept in the store, the audit log or a listing",
          "[sqlite]") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  const std::string pw_alice = "correct horse battery staple 1";
  const std::string pw_svc = "Tr0ub4dor&3-but-longer";
  const std::string pw_new = "a brand new password for alice";
  const std::string pw_wrong = "guessing the password badly";

  REQUIRE(s.run({"user", "create", "alice", "--password-stdin"}, pw_alice + "\n").code == 0);
  REQUIRE(s.run({"user", "create", "svc", "--service", "--password-stdin"}, pw_svc).code == 0);
  REQUIRE(s.run({"user", "set-password", "alice", "--password-stdin"}, pw_new + "\r\n").code == 0);
  CHECK(s.run({"auth", "login", "alice"}, pw_new + "\n").code == 0);
  CHECK(s.run({"auth", "login", "alice"}, pw_alice + "\n").code == 5);
  CHECK(s.run({"auth", "login", "alice"}, pw_wrong + "\n").code == 5);
  CHECK(s.run({"auth", "login", "svc"}, pw_svc).code == 0);

  std::vector<std::string> secrets;
  const std::string t1 = issued(s.run({"token", "create", "--user", "svc", "--name", "t1"}));
  const std::string t2 = issued_json(s.run({"token", "create", "--user", "svc", "--json"}));
  const std::string a1 = issued(s.run({"webhook", "create", "orders", "--owner", "alice"}));
  const std::string a2 = issued_json(
      s.run({"webhook", "create", "legacy", "--owner", "svc", "--auth", "basic", "--json"}));
  const std::string t1b = issued(s.run({"token", "rotate", e2e::token_id(t1), "--grace", "1h"}));
  const std::string t2b = issued_json(s.run({"token", "rotate", e2e::token_id(t2), "--json"}));
  const std::string a2b = issued(s.run({"token", "rotate", e2e::token_id(a2), "--grace", "1d"}));
  const std::string a3 =
      issued(s.run({"webhook", "bind", "orders", "--app-token", "--owner", "svc"}));
  REQUIRE(s.run({"webhook", "create", "hooks", "--owner", "svc"}).code == 0);
  const std::string a4 =
      issued_json(s.run({"webhook", "bind", "hooks", "--app-token", "--owner", "alice", "--json"}));
  REQUIRE(s.run({"webhook", "bind", "hooks", "--token", e2e::token_id(t1)}).code == 0);
  secrets = {t1, t2, a1, a2, t1b, t2b, a2b, a3, a4};
  for (const auto& sec : secrets) REQUIRE(sec.size() == 75);

  // Calls, accepted and rejected, in both schemes.
  s.at("2026-01-01T00:30:00Z");
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + a3).code == 0);
  CHECK(s.run({"auth", "verify", "hooks"}, "Bearer " + t1).code == 0);  // in grace
  CHECK(s.run({"auth", "verify", "hooks"}, "Bearer " + t1b).code == 0);
  CHECK(s.run({"auth", "verify", "legacy"}, "Basic " + e2e::base64("svc:" + a2)).code == 0);
  CHECK(s.run({"auth", "verify", "legacy"}, "Basic " + e2e::base64("svc:" + a2b)).code == 0);
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + a1).code == 5);   // revoked
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + t2).code == 5);   // wrong secret
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + t2b).code == 5);  // not bound
  CHECK(s.run({"auth", "verify", "legacy"}, "Basic " + e2e::base64("eve:" + a2b)).code == 5);
  std::string forged = a3;
  forged[40] = forged[40] == 'a' ? 'b' : 'a';
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + forged).code == 5);
  s.at("2026-01-01T02:00:00Z");
  CHECK(s.run({"auth", "verify", "hooks"}, "Bearer " + t1).code == 5);  // grace over

  // What must not leak: every secret (whole, and its random part), the Basic credentials as
  // sent, the forged value, and every password.
  std::vector<std::pair<std::string, std::string>> needles;
  for (const auto& sec : secrets) {
    needles.emplace_back("secret " + sec, sec);
    needles.emplace_back("random part of " + sec, sec.substr(17, 52));
  }
  needles.emplace_back("basic credentials", e2e::base64("svc:" + a2));
  needles.emplace_back("forged token", forged);
  for (const auto& pw : {pw_alice, pw_svc, pw_new, pw_wrong}) needles.emplace_back("password", pw);

  const std::string raw = s.raw_files();
  const std::string files = every_file(s);
  Result audit = s.run({"audit", "--json"});
  REQUIRE(audit.code == 0);
  Result audit_plain = s.run({"audit", "--wide"});  // every cell whole
  REQUIRE(audit_plain.code == 0);
  Result tokens = s.run({"token", "list", "--all", "--json"});
  REQUIRE(tokens.code == 0);
  Result tokens_plain = s.run({"token", "list", "--all", "--wide"});
  REQUIRE(tokens_plain.code == 0);
  std::string listings;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"webhook", "list", "--json"},
        {"user", "list", "--json"},
        {"user", "show", "svc", "--json"},
        {"user", "show", "alice", "--json"},
        {"check", "--json"},
        {"policy", "show", "--json"}}) {
    Result r = s.run(args);
    INFO(args[0] << " " << args[1] << ": " << r.err);
    CHECK(r.code == 0);
    listings += r.out + r.err;
  }
  for (const auto& sec : secrets) {
    Result r = s.run({"token", "show", e2e::token_id(sec), "--json"});
    CHECK(r.code == 0);
    listings += r.out + r.err;
  }

  // The haystacks hold real data: ids are public and do appear.
  CHECK(contains(raw, e2e::token_id(t1)));
  CHECK(contains(audit.out, e2e::token_id(t1)));
  CHECK(contains(audit.out, e2e::token_id(a3)));
  CHECK(contains(tokens.out, e2e::token_id(a1)));
  CHECK(audit.json().size() >= 10);

  for (const auto& [what, needle] : needles) {
    INFO(what);
    CHECK_FALSE(contains(raw, needle));
    CHECK_FALSE(contains(files, needle));
    CHECK_FALSE(contains(audit.out + audit.err, needle));
    CHECK_FALSE(contains(audit_plain.out + audit_plain.err, needle));
    CHECK_FALSE(contains(tokens.out + tokens.err, needle));
    CHECK_FALSE(contains(tokens_plain.out + tokens_plain.err, needle));
    CHECK_FALSE(contains(listings, needle));
  }
}

TEST_CASE("a secret is never taken from the command line") {
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  // There is no option that takes a password or a secret as an argument.
  CHECK(s.run({"user", "create", "alice", "--password", "correct horse battery"}).code == 2);
  CHECK(s.run({"user", "create", "alice", "--no-password"}).code == 0);
  CHECK(s.run({"user", "set-password", "alice", "--password", "correct horse battery"}).code == 2);
  CHECK(s.run({"token", "create", "--user", "alice", "--secret",
               "hki_aaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
            .code == 2);
  CHECK(s.run({"token", "list", "--json"}).json() == json::array());
}
