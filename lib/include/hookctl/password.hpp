// Account passwords: validated, then hashed with Argon2id (libsodium crypto_pwhash_str).
//
// Limits: OPSLIMIT_INTERACTIVE (2 passes) and MEMLIMIT_INTERACTIVE (64 MiB). A password is checked
// at `auth login` by a person waiting at a prompt, so the libsodium "interactive" profile (about
// 0.1 s here) is the right trade; hashes carry their parameters, and a login with a hash made
// under other limits re-hashes it (crypto_pwhash_str_needs_rehash).
#pragma once

#include <string>
#include <string_view>

namespace hookctl {

inline constexpr size_t password_min_chars = 12;
inline constexpr size_t password_max_bytes = 1024;

// At least 12 characters (UTF-8 code points), at most 1024 bytes, no NUL. Error(usage) otherwise.
void validate_password(std::string_view password);

std::string hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);
bool password_needs_rehash(const std::string& hash);

// Spends the time of exactly one verification (against a precomputed hash with the current limits,
// so no hashing happens here), so an unknown account, or one without a password, answers as
// slowly as a wrong password for a known one: one Argon2id run on every path.
void verify_password_decoy(std::string_view password);

}  // namespace hookctl
