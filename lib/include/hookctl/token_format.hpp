// The token format. A token is one string the caller sends:
//
//   hki_ab3de7fghk2m_<52 secret chars><6 checksum chars>      (75 characters)
//   ^^^^ ^^^^^^^^^^^^ ^
//   kind  public id    separator
//
// - prefix `hka_` for an App token, `hki_` for an integration (API) token, `hkm_` for an admin
//   token (it authenticates an administrator acting on the store, never a webhook call);
// - the public id: 12 characters (60 random bits), the primary key, so a check is one indexed
//   look-up; it is what `token show ID` and listings use, and is not secret;
// - the secret: 52 characters of 5 random bits each (260 bits from randombytes_buf);
// - the checksum: 30 bits of BLAKE2b over everything before it, so typos and truncation are
//   rejected before the store is touched.
// The alphabet is lower-case base32 (a-z, 2-7) plus '_': safe in URLs and HTTP headers.
// The store keeps only BLAKE2b-256 of the whole token string, compared with sodium_memcmp.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "hookctl/secret.hpp"

namespace hookctl {

enum class TokenKind { app, api, admin };

inline constexpr size_t token_id_length = 12;
inline constexpr size_t token_secret_length = 52;
inline constexpr size_t token_checksum_length = 6;
inline constexpr size_t token_length =
    4 + token_id_length + 1 + token_secret_length + token_checksum_length;

using TokenHash = std::array<unsigned char, 32>;

struct IssuedToken {
  std::string id;
  Secret text;  // the full token, shown once
  TokenHash hash;
};

// A new token of `kind` with a fresh random id and secret.
IssuedToken issue_token(TokenKind kind);
// A new secret for an existing id (rotation).
IssuedToken issue_token(TokenKind kind, std::string_view id);

enum class TokenProblem { none, malformed, bad_checksum };

struct ParsedToken {
  TokenKind kind = TokenKind::api;
  std::string_view id;  // points into the parsed text
  TokenProblem problem = TokenProblem::none;
};

// Checks prefix, length, alphabet and checksum without touching the store.
ParsedToken parse_token(std::string_view text) noexcept;

// True when `text` holds, anywhere and in any letter case, what looks like a hookctl secret:
// hka_, hki_ or hkm_ followed by at least 14 characters of the token alphabet, '_' or '-' (an id,
// a separator and part of a secret: a whole token, a truncated, mistyped or re-separated one), or
// the 71 characters after a prefix whose checksum matches once a hookctl prefix is put back (a
// token whose prefix was lost or replaced). Such a value is refused wherever it is given as an
// argument or stored, and never shown: part of a secret is still a secret.
bool looks_like_secret(std::string_view text) noexcept;

// True when `text` has the shape of a public token id: 12 characters of a-z and 2-7 (any case).
bool looks_like_token_id(std::string_view text) noexcept;

TokenHash hash_token(std::string_view text) noexcept;
bool hashes_equal(const TokenHash& a, const void* b, size_t b_size) noexcept;  // constant time

}  // namespace hookctl
