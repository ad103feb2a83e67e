#include "hookctl/token_format.hpp"
#include "hookctl/vocabulary.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <utility>

using namespace hookctl;

namespace {

bool in_alphabet(char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }

const std::string alphabet = "abcdefghijklmnopqrstuvwxyz234567";

}  // namespace

TEST_CASE("issued tokens are 75 characters with the kind's prefix and the id inside") {
  REQUIRE(token_length == 75);
  for (auto [kind, prefix] : {std::pair{TokenKind::app, "hka_"}, std::pair{TokenKind::api, "hki_"},
                              std::pair{TokenKind::admin, "hkm_"}}) {
    IssuedToken t = issue_token(kind);
    std::string text(t.text.view());
    CHECK(text.size() == 75);
    CHECK(text.substr(0, 4) == prefix);
    CHECK(t.id.size() == token_id_length);
    CHECK(text.substr(4, 12) == t.id);
    CHECK(text[16] == '_');
    for (size_t i = 4; i < text.size(); ++i)
      if (i != 16) CHECK(in_alphabet(text[i]));
    ParsedToken p = parse_token(text);
    CHECK(p.problem == TokenProblem::none);
    CHECK(p.kind == kind);
    CHECK(p.id == t.id);
    CHECK(t.hash == hash_token(text));
  }
}

TEST_CASE("rotation keeps the id and changes the secret") {
  IssuedToken first = issue_token(TokenKind::api);
  IssuedToken second = issue_token(TokenKind::api, first.id);
  CHECK(second.id == first.id);
  CHECK(parse_token(second.text.view()).id == first.id);
  CHECK(parse_token(second.text.view()).problem == TokenProblem::none);
  CHECK(second.text.view() != first.text.view());
  CHECK(second.hash != first.hash);
}

TEST_CASE("every single-character change of a token is rejected before the store") {
  IssuedToken t = issue_token(TokenKind::api);
  const std::string good(t.text.view());
  REQUIRE(parse_token(good).problem == TokenProblem::none);
  // Every position, every alphabet character plus some outside it.
  const std::string replacements = alphabet + "_ABZ0189-+/=.\x01\xff";
  size_t tried = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : replacements) {
      if (c == good[i]) continue;
      std::string bad = good;
      bad[i] = c;
      ++tried;
      auto problem = parse_token(bad).problem;
      if (problem == TokenProblem::none) {
        INFO("position " << i << " changed to '" << c << "'");
        FAIL("a changed token was accepted");
      }
    }
  }
  CHECK(tried > 75 * 30);
}

TEST_CASE("a change in the secret part is a checksum failure, not a format failure") {
  IssuedToken t = issue_token(TokenKind::app);
  std::string bad(t.text.view());
  bad[30] = bad[30] == 'a' ? 'b' : 'a';
  CHECK(parse_token(bad).problem == TokenProblem::bad_checksum);
  std::string kind_swapped(t.text.view());
  kind_swapped[2] = 'i';  // hka_ -> hki_: the checksum covers the prefix
  CHECK(parse_token(kind_swapped).problem == TokenProblem::bad_checksum);
}

TEST_CASE("every truncation and extension of a token is rejected as malformed") {
  IssuedToken t = issue_token(TokenKind::api);
  const std::string good(t.text.view());
  for (size_t n = 0; n < good.size(); ++n) {
    INFO(n);
    CHECK(parse_token(good.substr(0, n)).problem == TokenProblem::malformed);
    CHECK(parse_token(good.substr(good.size() - n)).problem == TokenProblem::malformed);
  }
  CHECK(parse_token(good + "a").problem == TokenProblem::malformed);
  CHECK(parse_token(good + "\n").problem == TokenProblem::malformed);
  CHECK(parse_token(" " + good.substr(1)).problem == TokenProblem::malformed);
}

TEST_CASE("other prefixes and shapes are malformed") {
  IssuedToken t = issue_token(TokenKind::api);
  std::string text(t.text.view());
  for (const char* prefix : {"hkx_", "HKI_", "hki-", "ghp_"}) {
    std::string bad = prefix + text.substr(4);
    INFO(bad);
    CHECK(parse_token(bad).problem == TokenProblem::malformed);
  }
  CHECK(parse_token("").problem == TokenProblem::malformed);
  CHECK(parse_token(std::string(75, 'a')).problem == TokenProblem::malformed);
  CHECK(parse_token(std::string(75, '\0')).problem == TokenProblem::malformed);
}

TEST_CASE("issued secrets and ids do not repeat") {
  std::set<std::string> texts, ids;
  for (int i = 0; i < 2000; ++i) {
    IssuedToken t = issue_token(i % 2 ? TokenKind::app : TokenKind::api);
    texts.insert(std::string(t.text.view().substr(17, token_secret_length)));
    ids.insert(t.id);
  }
  CHECK(texts.size() == 2000);
  CHECK(ids.size() == 2000);
}

TEST_CASE("secret characters use the whole alphabet") {
  // 52 chars x 200 tokens: every one of the 32 symbols shows up if the generator is not stuck.
  std::set<char> seen;
  for (int i = 0; i < 200; ++i) {
    IssuedToken t = issue_token(TokenKind::api);
    for (char c : t.text.view().substr(17, token_secret_length)) seen.insert(c);
  }
  CHECK(seen.size() == 32);
}

TEST_CASE("hashes compare equal only for the same 32 bytes") {
  TokenHash a = hash_token("hki_example");
  TokenHash same = hash_token("hki_example");
  TokenHash other = hash_token("hki_examplf");
  CHECK(hashes_equal(a, same.data(), same.size()));
  CHECK_FALSE(hashes_equal(a, other.data(), other.size()));
  CHECK_FALSE(hashes_equal(a, same.data(), same.size() - 1));  // length must match
  CHECK_FALSE(hashes_equal(a, nullptr, 0));
  CHECK_FALSE(hashes_equal(a, nullptr, 32));
  TokenHash flipped = a;
  flipped[31] ^= 1;
  CHECK_FALSE(hashes_equal(a, flipped.data(), flipped.size()));
  CHECK(a != other);
}

TEST_CASE("token kinds print as app, api and admin") {
  CHECK(to_string(TokenKind::app) == "app");
  CHECK(to_string(TokenKind::api) == "api");
  CHECK(to_string(TokenKind::admin) == "admin");
}
