#include "hookctl/token_format.hpp"

#include <sodium.h>

#include <cstring>

namespace hookctl {

namespace {

constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr size_t checksum_offset = token_length - token_checksum_length;

bool in_alphabet(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }

void fill_random(char* out, size_t n) {
  unsigned char bytes[64];
  randombytes_buf(bytes, n);
  for (size_t i = 0; i < n; ++i) out[i] = alphabet[bytes[i] & 31];  // 256 % 32 == 0: unbiased
  sodium_memzero(bytes, sizeof bytes);
}

// 30 bits of BLAKE2b over the token body, as 6 base32 characters.
void checksum(std::string_view body, char* out) noexcept {
  unsigned char h[8];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                     nullptr, 0);
  uint32_t v = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
  for (size_t i = 0; i < token_checksum_length; ++i) out[i] = alphabet[(v >> (27 - 5 * i)) & 31];
}

std::string_view prefix_of(TokenKind kind) noexcept {
  switch (kind) {
    case TokenKind::app:
      return "hka_";
    case TokenKind::api:
      return "hki_";
    case TokenKind::admin:
      return "hkm_";
  }
  return "hki_";
}

}  // namespace

IssuedToken issue_token(TokenKind kind) {
  sodium_ready();
  char id[token_id_length];
  fill_random(id, token_id_length);
  return issue_token(kind, std::string_view(id, token_id_length));
}

IssuedToken issue_token(TokenKind kind, std::string_view id) {
  sodium_ready();
  IssuedToken t{std::string(id), Secret(token_length), {}};
  t.text.append(prefix_of(kind));
  t.text.append(id);
  t.text.append("_");
  char secret[token_secret_length];
  fill_random(secret, token_secret_length);
  t.text.append(std::string_view(secret, token_secret_length));
  sodium_memzero(secret, sizeof secret);
  char sum[token_checksum_length];
  checksum(t.text.view(), sum);
  t.text.append(std::string_view(sum, token_checksum_length));
  t.hash = hash_token(t.text.view());
  return t;
}

ParsedToken parse_token(std::string_view text) noexcept {
  ParsedToken p;
  p.problem = TokenProblem::malformed;
  if (text.size() != token_length) return p;
  if (text.substr(0, 4) == "hka_")
    p.kind = TokenKind::app;
  else if (text.substr(0, 4) == "hki_")
    p.kind = TokenKind::api;
  else if (text.substr(0, 4) == "hkm_")
    p.kind = TokenKind::admin;
  else
    return p;
  if (text[4 + token_id_length] != '_') return p;
  for (size_t i = 4; i < token_length; ++i)
    if (i != 4 + token_id_length && !in_alphabet(text[i])) return p;
  char sum[token_checksum_length];
  checksum(text.substr(0, checksum_offset), sum);
  if (std::memcmp(sum, text.data() + checksum_offset, token_checksum_length) != 0) {
    p.problem = TokenProblem::bad_checksum;
    return p;
  }
  p.id = text.substr(4, token_id_length);
  p.problem = TokenProblem::none;
  return p;
}

bool looks_like_secret(std::string_view text) noexcept {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  auto body_char = [&](char c) { return in_alphabet(lower(c)) || c == '_' || c == '-'; };
  for (size_t i = 0; i + 4 <= text.size(); ++i) {
    // A prefix followed by what could be an id, a separator and part of a secret.
    const char kind = lower(text[i + 2]);
    if (lower(text[i]) == 'h' && lower(text[i + 1]) == 'k' && text[i + 3] == '_' &&
        (kind == 'a' || kind == 'i' || kind == 'm')) {
      size_t run = 0;
      while (i + 4 + run < text.size() && body_char(text[i + 4 + run])) ++run;
      if (run >= token_id_length + 2) return true;
    }
  }
  // A whole token whose prefix was lost or replaced: its checksum still matches once a hookctl
  // prefix is put back.
  constexpr size_t rest = token_length - 4;
  for (size_t i = 0; i + rest <= text.size(); ++i) {
    if (text[i + token_id_length] != '_') continue;
    char candidate[token_length];
    bool shaped = true;
    for (size_t k = 0; k < rest && shaped; ++k) {
      candidate[4 + k] = lower(text[i + k]);
      shaped = k == token_id_length || in_alphabet(candidate[4 + k]);
    }
    if (!shaped) continue;
    for (const char* prefix : {"hka_", "hki_", "hkm_"}) {
      std::memcpy(candidate, prefix, 4);
      char sum[token_checksum_length];
      checksum(std::string_view(candidate, checksum_offset), sum);
      if (std::memcmp(sum, candidate + checksum_offset, token_checksum_length) == 0) return true;
    }
  }
  return false;
}

bool looks_like_token_id(std::string_view text) noexcept {
  if (text.size() != token_id_length) return false;
  for (char c : text)
    if (!in_alphabet(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c)) return false;
  return true;
}

TokenHash hash_token(std::string_view text) noexcept {
  TokenHash h;
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return h;
}

bool hashes_equal(const TokenHash& a, const void* b, size_t b_size) noexcept {
  if (b == nullptr || b_size != a.size()) return false;
  return sodium_memcmp(a.data(), b, a.size()) == 0;
}

}  // namespace hookctl
