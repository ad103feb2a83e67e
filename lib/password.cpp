#include "hookctl/password.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include "hookctl/error.hpp"
#include "hookctl/secret.hpp"

namespace hookctl {

namespace {
constexpr unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}  // namespace

void validate_password(std::string_view password) {
  if (password.find('\0') != std::string_view::npos)
    fail(ErrorKind::usage, "the password contains a NUL byte");
  if (password.size() > password_max_bytes)
    fail(ErrorKind::usage, fmt::format("the password is longer than {} bytes", password_max_bytes));
  size_t chars = 0;
  for (char c : password)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
  if (chars < password_min_chars)
    fail(ErrorKind::usage,
         fmt::format("the password is too short: at least {} characters", password_min_chars));
}

std::string hash_password(std::string_view password) {
  sodium_ready();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), ops, mem) != 0)
    fail(ErrorKind::internal, "out of memory while hashing the password");
  return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
  sodium_ready();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool password_needs_rehash(const std::string& hash) {
  sodium_ready();
  return crypto_pwhash_str_needs_rehash(hash.c_str(), ops, mem) != 0;
}

void verify_password_decoy(std::string_view password) {
  // Made once, offline, with the limits above (crypto_pwhash_str of a phrase no one types): a
  // hash made per process would cost a second Argon2id run, and the answer for an unknown
  // account would take twice as long as for a known one.
  static const std::string decoy =
      "$argon2id$v=19$m=65536,t=2,p=1$Bp5DLQ8ZYZB/8v9blzWw3Q$"
      "G1LKR3soWJaLKuvWwiy0SgEKFyv4V7ceC2EMdzG54Xk";
  (void)verify_password(decoy, password);
}

}  // namespace hookctl
