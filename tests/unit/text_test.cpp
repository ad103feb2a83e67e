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

TEST_CASE("display_width counts terminal cells whatever the locale") {
  CHECK(display_width("") == 0);
  CHECK(display_width("orders-sync") == 11);
  CHECK(display_width("\xe6\x9d\xb1\xe4\xba\xac") == 4);          // 東京
  CHECK(display_width("\xed\x95\x9c\xea\xb8\x80") == 4);          // 한글
  CHECK(display_width("\xe3\x81\x8b\xe3\x81\xaa") == 4);          // かな
  CHECK(display_width("\xef\xbc\xa1") == 2);                      // fullwidth A
  CHECK(display_width("\xf0\x9f\x94\x91") == 2);                  // U+1F511 key
  CHECK(display_width("\xf0\x9f\xa6\x8a") == 2);                  // U+1F98A fox
  CHECK(display_width("\xe2\x9c\x85") == 2);                      // U+2705 check mark
  CHECK(display_width("\xf0\xa0\x80\x80") == 2);                  // U+20000
  CHECK(display_width("e\xcc\x81") == 1);                         // e + combining acute
  CHECK(display_width(std::string("a\xe2\x80\x8b") + "b") == 2);  // zero-width space
  CHECK(display_width("\xe2\x9d\xa4\xef\xb8\x8f") == 1);          // heart + VS16
  CHECK(display_width("\xe2\x80\xa6") == 1);                      // the ellipsis
  CHECK(display_width("caf\xc3\xa9 \xe2\x80\x94 ok") == 9);       // Latin-1, em dash
  CHECK(display_width("\x1b[32mactive\x1b[0m") == 6);             // colour codes
  CHECK(display_width("bad\xff") == 4);                           // a stray byte: one cell
  CHECK(code_point_width(U'\t') == 0);
  CHECK(code_point_width(U'\u00e9') == 1);
  CHECK(code_point_width(U'\u303f') == 1);  // ideographic half fill space: narrow
  CHECK(code_point_width(U'\u3000') == 2);
  CHECK(code_point_width(U'\u302a') == 0);  // an ideographic tone mark combines
  CHECK(code_point_width(U'\uac00') == 2);
  CHECK(code_point_width(U'\ud7a4') == 1);  // after the last Hangul syllable
  CHECK(code_point_width(U'\U0001F64F') == 2);
  CHECK(code_point_width(U'\U0001F650') == 1);
}

TEST_CASE("truncate_to_width ends a cut text with an ellipsis and never splits a character") {
  const std::string ellipsis = "\xe2\x80\xa6";
  CHECK(truncate_to_width("orders", 6) == "orders");
  CHECK(truncate_to_width("orders", 10) == "orders");
  CHECK(truncate_to_width("orders", 5) == "orde" + ellipsis);
  CHECK(truncate_to_width("orders", 1) == ellipsis);
  CHECK(truncate_to_width("orders", 0).empty());
  CHECK(truncate_to_width("", 0).empty());
  // 東京都庁: four characters of two cells; a wide character that does not fit leaves a gap.
  const std::string tokyo = "\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd\xe5\xba\x81";
  CHECK(truncate_to_width(tokyo, 8) == tokyo);
  CHECK(truncate_to_width(tokyo, 7) == "\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd" + ellipsis);
  CHECK(truncate_to_width(tokyo, 6) == "\xe6\x9d\xb1\xe4\xba\xac" + ellipsis);
  CHECK(display_width(truncate_to_width(tokyo, 6)) == 5);
  // A combining mark stays with its letter, or goes with it.
  CHECK(truncate_to_width(std::string("ae\xcc\x81") + "bc", 3) == "ae\xcc\x81" + ellipsis);
  CHECK(truncate_to_width("abe\xcc\x81", 2) == "a" + ellipsis);
  // Colour codes take no cells, and the reset after the cut is kept.
  CHECK(truncate_to_width("\x1b[31mrevoked\x1b[0m", 4) == "\x1b[31mrev" + ellipsis + "\x1b[0m");
  CHECK(truncate_to_width("\x1b[31mrevoked\x1b[0m", 7) == "\x1b[31mrevoked\x1b[0m");

  // Any cut of a mixed text is valid UTF-8 within its width, a prefix of it plus the ellipsis.
  const std::string mixed = "key \xf0\x9f\x94\x91 \xe6\x9d\xb1\xe4\xba\xac caf\xc3\xa9 e\xcc\x81 z";
  const size_t full = display_width(mixed);
  for (size_t cells = 0; cells <= full + 1; ++cells) {
    INFO(cells);
    std::string cut = truncate_to_width(mixed, cells);
    CHECK(is_valid_utf8(cut));
    CHECK(display_width(cut) <= cells);
    if (cells >= full) {
      CHECK(cut == mixed);
    } else if (cells > 0) {
      REQUIRE(cut.size() >= ellipsis.size());
      CHECK(cut.substr(cut.size() - ellipsis.size()) == ellipsis);
      CHECK(mixed.rfind(cut.substr(0, cut.size() - ellipsis.size()), 0) == 0);
      CHECK(display_width(cut) + 1 >= cells);  // at most one cell lost, to a wide character
    }
  }
}
