// parse_token on arbitrary bytes, against a reference of the documented format, and the round
// trip issue_token(kind, id) -> parse_token -> the same kind and id, for ids taken from the input.
#include <sodium.h>

#include <cstring>
#include <string>

#include "fuzz_check.hpp"
#include "hookctl/token_format.hpp"

namespace {

constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";

bool in_alphabet(char c) { return alphabet.find(c) != std::string_view::npos; }

// prefix, separator and alphabet as documented in token_format.hpp (checksum aside).
bool reference_shape(std::string_view t) {
  if (t.size() != hookctl::token_length) return false;
  const std::string_view prefix = t.substr(0, 4);
  if (prefix != "hka_" && prefix != "hki_" && prefix != "hkm_") return false;
  for (size_t i = 4; i < t.size(); ++i)
    if (i == 4 + hookctl::token_id_length ? t[i] != '_' : !in_alphabet(t[i])) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using namespace hookctl;
  sodium_ready();
  std::string_view text = fuzz::as_text(data, size);
  ParsedToken p = parse_token(text);
  bool shape = reference_shape(text);
  if (!shape)
    fuzz::require(p.problem == TokenProblem::malformed, "a misshapen token is not malformed", text);
  else
    fuzz::require(p.problem != TokenProblem::malformed, "a well-shaped token is malformed", text);
  if (p.problem == TokenProblem::none) {
    fuzz::require(p.id == text.substr(4, token_id_length), "the id is not the public id", text);
    TokenHash h = hash_token(text);
    fuzz::require(hashes_equal(h, hash_token(text).data(), h.size()), "hashing is unstable", text);
    fuzz::require(!hashes_equal(h, h.data(), h.size() - 1), "hashes_equal ignores the size", text);
  }

  // An id from the input (mapped onto the alphabet): a token issued for it parses back, and every
  // truncation, extension or upper-casing of it is refused as malformed.
  if (size < 1 + token_id_length) return 0;
  const TokenKind kinds[] = {TokenKind::app, TokenKind::api, TokenKind::admin};
  TokenKind kind = kinds[data[0] % 3];
  std::string id(token_id_length, 'a');
  for (size_t i = 0; i < token_id_length; ++i) id[i] = alphabet[data[1 + i] & 31];
  IssuedToken issued = issue_token(kind, id);
  std::string_view t = issued.text.view();
  ParsedToken q = parse_token(t);
  fuzz::require(q.problem == TokenProblem::none, "an issued token does not parse", t);
  fuzz::require(q.kind == kind && q.id == id, "an issued token parses to another kind or id", t);
  fuzz::require(issued.id == id, "issue_token changed the id", t);
  fuzz::require(std::memcmp(issued.hash.data(), hash_token(t).data(), issued.hash.size()) == 0,
                "the issued hash is not the hash of the text", t);
  size_t cut = size > 1 + token_id_length ? data[1 + token_id_length] % token_length : 0;
  fuzz::require(parse_token(t.substr(0, cut)).problem == TokenProblem::malformed,
                "a truncated token is not malformed", t);
  std::string longer = std::string(t) + static_cast<char>(size > 14 ? data[14] : 'a');
  fuzz::require(parse_token(longer).problem == TokenProblem::malformed,
                "an extended token is not malformed", longer);
  std::string upper(t);
  size_t at = 5 + cut % (token_length - 5);
  if (upper[at] >= 'a' && upper[at] <= 'z') {
    upper[at] = static_cast<char>(upper[at] - 32);
    fuzz::require(parse_token(upper).problem == TokenProblem::malformed,
                  "an upper-cased token is not malformed", upper);
  }
  return 0;
}
