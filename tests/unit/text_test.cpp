#include "hookctl/text.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/token_format.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::error_kind;
using fixture::error_message;

TEST_CASE("UTF-8 validation refuses every malformed sequence") {
  for (const char* good :
       {"", "plain", "jos\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x91", "\xf4\x8f\xbf\xbf"}) {
    INFO(good);
    CHECK(is_valid_utf8(good));
  }
  for (const char* bad : {"\xff", "bad\xffname", "\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf",
                          "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xe2\x82"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_utf8(bad));
  }
}

TEST_CASE("stored text refuses invalid UTF-8, C0, C1 and bidirectional controls") {
  CHECK_FALSE(stored_text_problem("Billing \xe2\x80\x94 prod \xf0\x9f\x94\x91").has_value());
  for (const char* bad :
       {"bad\xffname", "tab\there", "line\nbreak", "esc\x1b[31m", "del\x7f", "c1\xc2\x9b",
        "c1\xc2\x80", "rlo\xe2\x80\xae", "lre\xe2\x80\xaa", "lri\xe2\x81\xa6", "pdi\xe2\x81\xa9"}) {
    INFO(bad);
    CHECK(stored_text_problem(bad).has_value());
    CHECK(error_kind([&] { validate_text(bad, "description", 200); }) == ErrorKind::usage);
  }
  CHECK(error_message([] {
          validate_text("bad\xffname", "token name", 100);
        }).find("not valid UTF-8") != std::string::npos);
}

TEST_CASE("terminal_safe shows every control visibly and leaves printable text alone") {
  CHECK(terminal_safe("caf\xc3\xa9 \xe2\x80\x94 ok\\") == "caf\xc3\xa9 \xe2\x80\x94 ok\\");
  CHECK(terminal_safe("a\x1b[31mred") == "a\\x1b[31mred");
  CHECK(terminal_safe("forged\n2026-01-01 root user.delete") ==
        "forged\\x0a2026-01-01 root user.delete");
  CHECK(terminal_safe("bad\xffname") == "bad\\xffname");
  CHECK(terminal_safe("rlo\xe2\x80\xae") == "rlo\\u{202e}");
  CHECK(terminal_safe("c1\xc2\x9b") == "c1\\u{009b}");
  CHECK(terminal_safe("\r") == "\\x0d");
}

TEST_CASE("anything shaped like a token secret is recognised, any part of it, any case") {
  IssuedToken t = issue_token(TokenKind::api);
  const std::string tok(t.text.view());
  CHECK(looks_like_secret(tok));
  CHECK(looks_like_secret("Bearer " + tok));
  CHECK(looks_like_secret("--name=" + tok));
  CHECK(looks_like_secret(tok.substr(0, tok.size() - 1)));  // truncated
  CHECK(looks_like_secret(tok.substr(0, 20)));              // prefix, id, separator, 3 more
  std::string upper = tok;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(looks_like_secret(upper));
  CHECK(looks_like_secret("ghp_" + tok.substr(4)));  // prefix replaced: checksum still matches
  CHECK(looks_like_secret(tok.substr(4)));           // prefix lost
  CHECK(looks_like_secret(tok.substr(0, 16) + tok.substr(17)));  // separator lost
  CHECK(looks_like_secret("hkm_" + tok.substr(4)));
  for (const char* ordinary : {"orders", "svc-orders", "ab3de7fghk2m", "hki_", "hki_ab3de7fghk2m",
                               "14d", "--grace", "ops@example.com", "/srv/hookctl/store.db"}) {
    INFO(ordinary);
    CHECK_FALSE(looks_like_secret(ordinary));
  }
}

TEST_CASE("token-id-shaped text is recognised, and user names of 12 characters stay valid") {
  CHECK(looks_like_token_id("ab3de7fghk2m"));
  CHECK(looks_like_token_id("AB3DE7FGHK2M"));
  CHECK_FALSE(looks_like_token_id("svc-orders01"));
  CHECK_FALSE(error_kind([] { validate_user_name("imported2222"); }).has_value());
  CHECK_FALSE(error_kind([] { validate_user_name("svc-orders01"); }).has_value());
  CHECK_FALSE(error_kind([] { validate_user_name("integration1"); }).has_value());
  CHECK_FALSE(error_kind([] { validate_user_name("alice"); }).has_value());
}
