#include "hookctl/authorization.hpp"
#include "hookctl/vocabulary.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace hookctl;

namespace {

std::string base64(const std::string& in, bool pad = true) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += table[v >> 6 & 63];
    out += table[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    if (pad) out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += table[v >> 6 & 63];
    if (pad) out += "=";
  }
  return out;
}

const std::string token = "hki_abcdefghijkl_token-text";

}  // namespace

TEST_CASE("a Bearer value yields the token") {
  Authorization a = parse_authorization("Bearer " + token);
  REQUIRE(a.ok);
  CHECK(a.scheme == AuthScheme::bearer);
  CHECK(a.token.view() == token);
  CHECK(a.username.empty());
  CHECK(a.problem.empty());
}

TEST_CASE("a Basic value yields username and token") {
  Authorization a = parse_authorization("Basic " + base64("svc-billing:" + token));
  REQUIRE(a.ok);
  CHECK(a.scheme == AuthScheme::basic);
  CHECK(a.username == "svc-billing");
  CHECK(a.token.view() == token);
}

TEST_CASE("Basic splits at the first colon, so the token may contain colons") {
  Authorization a = parse_authorization("Basic " + base64("user:to:ken"));
  REQUIRE(a.ok);
  CHECK(a.username == "user");
  CHECK(a.token.view() == "to:ken");
}

TEST_CASE("Basic accepts base64 without padding") {
  std::string pair = "ab:c";  // 4 bytes: two padding characters when padded
  REQUIRE(base64(pair, false) != base64(pair, true));
  Authorization a = parse_authorization("Basic " + base64(pair, false));
  REQUIRE(a.ok);
  CHECK(a.username == "ab");
  CHECK(a.token.view() == "c");
}

TEST_CASE("the scheme is case-insensitive") {
  for (const char* scheme : {"bearer", "BEARER", "bEaReR"}) {
    Authorization a = parse_authorization(std::string(scheme) + " " + token);
    INFO(scheme);
    CHECK(a.ok);
    CHECK(a.scheme == AuthScheme::bearer);
  }
  Authorization b = parse_authorization("BASIC " + base64("u:" + token));
  CHECK(b.ok);
  CHECK(b.scheme == AuthScheme::basic);
}

TEST_CASE("an Authorization: prefix and surrounding whitespace are accepted") {
  for (std::string value : {"Authorization: Bearer " + token, "authorization:Bearer " + token,
                            "AUTHORIZATION:   Bearer " + token, "  Bearer " + token + "\r\n",
                            "\tAuthorization: Bearer\t" + token + "\n"}) {
    INFO(value);
    Authorization a = parse_authorization(value);
    CHECK(a.ok);
    CHECK(a.token.view() == token);
  }
}

TEST_CASE("a line break inside the value is refused, not taken for a space") {
  for (std::string value :
       {"Bearer\n" + token, "Bearer\r\n" + token, "Authorization:\nBearer " + token,
        "Bearer " + token + "\r\nX-Injected: 1", "Basic\n" + base64("u:" + token)}) {
    INFO(value);
    Authorization a = parse_authorization(value);
    CHECK_FALSE(a.ok);
    CHECK(a.problem == "the Authorization value spans several lines");
  }
}

TEST_CASE("values over 8 KiB are rejected, 8 KiB exactly is parsed") {
  std::string prefix = "Bearer ";
  std::string at_limit = prefix + std::string(authorization_max_bytes - prefix.size(), 'a');
  REQUIRE(at_limit.size() == 8192);
  Authorization ok = parse_authorization(at_limit);
  CHECK(ok.ok);
  Authorization big = parse_authorization(at_limit + "a");
  CHECK_FALSE(big.ok);
  CHECK(big.problem.find("8 KiB") != std::string::npos);
  // Whitespace counts too: the limit is on the raw value.
  CHECK_FALSE(parse_authorization("Bearer x" + std::string(9000, ' ')).ok);
}

TEST_CASE("unknown schemes, empty values and missing credentials are rejected") {
  for (std::string value :
       {std::string(""), std::string("   "), std::string("Authorization:"), std::string("Bearer"),
        std::string("Bearer   "), std::string("Token " + token), std::string("Digest x"),
        std::string("Bearer" + token), std::string(token), std::string("Bearer a b"),
        std::string("Basic")}) {
    INFO(value);
    Authorization a = parse_authorization(value);
    CHECK_FALSE(a.ok);
    CHECK_FALSE(a.problem.empty());
  }
}

TEST_CASE("Basic with bad base64 or without a colon is rejected") {
  Authorization bad = parse_authorization("Basic !!!notbase64!!!");
  CHECK_FALSE(bad.ok);
  CHECK(bad.problem.find("base64") != std::string::npos);
  Authorization url_safe = parse_authorization("Basic " + std::string("_-_-"));
  CHECK_FALSE(url_safe.ok);
  Authorization no_colon = parse_authorization("Basic " + base64("usernameandtoken"));
  CHECK_FALSE(no_colon.ok);
  CHECK(no_colon.problem.find("':'") != std::string::npos);
}

TEST_CASE("garbage and NUL bytes are harmless") {
  std::string nul_token = "Bearer hki_" + std::string("\0\0\0", 3) + "x";
  Authorization a = parse_authorization(nul_token);
  // Either refused, or carried through byte for byte for the token check to refuse.
  if (a.ok) CHECK(a.token.view() == std::string_view(nul_token).substr(7));

  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 131 + 7) % 256);
  CHECK_NOTHROW(parse_authorization(garbage));
  CHECK_FALSE(parse_authorization(garbage).ok);
  CHECK_NOTHROW(parse_authorization(std::string(8192, '\0')));
  CHECK_FALSE(parse_authorization(std::string(8192, '\0')).ok);
  CHECK_NOTHROW(parse_authorization("Basic " + base64(std::string("\0:\0", 3))));
  Authorization nul_basic = parse_authorization("Basic " + base64(std::string("u\0x:t", 5)));
  if (nul_basic.ok) CHECK(nul_basic.username == std::string("u\0x", 3));
  // A problem message never echoes raw control bytes.
  Authorization weird = parse_authorization(std::string("\x01\x02scheme x"));
  CHECK_FALSE(weird.ok);
  for (char c : weird.problem) CHECK(static_cast<unsigned char>(c) >= 0x20);
}

TEST_CASE("auth schemes print as bearer and basic") {
  CHECK(to_string(AuthScheme::bearer) == "bearer");
  CHECK(to_string(AuthScheme::basic) == "basic");
}
