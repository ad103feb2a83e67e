#include "hookctl/password.hpp"

#include <sodium.h>

#include <catch2/catch.hpp>
#include <string>

#include "hookctl/error.hpp"
#include "hookctl/secret.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::error_kind;

TEST_CASE("passwords need at least 12 characters, counted as code points") {
  CHECK_FALSE(error_kind([] { validate_password("123456789012"); }).has_value());
  CHECK(error_kind([] { validate_password("12345678901"); }) == ErrorKind::usage);
  CHECK(error_kind([] { validate_password(""); }) == ErrorKind::usage);
  // 11 two-byte characters are 22 bytes but only 11 characters.
  std::string eleven_e_acute;
  for (int i = 0; i < 11; ++i) eleven_e_acute += "\xc3\xa9";
  CHECK(error_kind([&] { validate_password(eleven_e_acute); }) == ErrorKind::usage);
  CHECK_FALSE(error_kind([&] { validate_password(eleven_e_acute + "\xc3\xa9"); }).has_value());
}

TEST_CASE("passwords are at most 1024 bytes and contain no NUL") {
  CHECK_FALSE(error_kind([] { validate_password(std::string(1024, 'p')); }).has_value());
  CHECK(error_kind([] { validate_password(std::string(1025, 'p')); }) == ErrorKind::usage);
  std::string with_nul = "long enough pass" + std::string(1, '\0') + "word";
  CHECK(error_kind([&] { validate_password(with_nul); }) == ErrorKind::usage);
}

TEST_CASE("a hashed password verifies, others do not, and the hash is Argon2id") {
  const std::string hash = hash_password("correct horse battery");
  CHECK(hash.rfind("$argon2id$", 0) == 0);
  CHECK(hash.find("correct horse battery") == std::string::npos);
  CHECK(verify_password(hash, "correct horse battery"));
  CHECK_FALSE(verify_password(hash, "correct horse batterY"));
  CHECK_FALSE(verify_password(hash, "correct horse battery "));
  CHECK_FALSE(verify_password(hash, ""));
  CHECK_FALSE(password_needs_rehash(hash));
}

TEST_CASE("hashing is salted: the same password gives different hashes") {
  std::string a = hash_password("same password here");
  std::string b = hash_password("same password here");
  CHECK(a != b);
  CHECK(verify_password(a, "same password here"));
  CHECK(verify_password(b, "same password here"));
}

TEST_CASE("garbage hashes never verify") {
  CHECK_FALSE(verify_password("", "whatever password"));
  CHECK_FALSE(verify_password("not a hash", "not a hash"));
  CHECK_NOTHROW(verify_password_decoy("decoy password that matches nothing"));
}

TEST_CASE("a hash made under weaker limits needs a rehash") {
  // The MIN limits differ from the interactive profile the library uses.
  sodium_ready();
  char weak[crypto_pwhash_STRBYTES];
  REQUIRE(crypto_pwhash_str(weak, "weak but long", 13, crypto_pwhash_OPSLIMIT_MIN,
                            crypto_pwhash_MEMLIMIT_MIN) == 0);
  CHECK(verify_password(weak, "weak but long"));
  CHECK(password_needs_rehash(weak));
}
