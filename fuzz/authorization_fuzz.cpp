// An Authorization value as `auth verify` reads it: parse_authorization (documented never to
// throw), then parse_token on the token it found. Oracles: a refusal says why in one printable
// line; an accepted value rebuilt from its parts parses to the same parts.
#include <sodium.h>

#include <string>

#include "fuzz_check.hpp"
#include "hookctl/authorization.hpp"
#include "hookctl/token_format.hpp"

namespace {

bool has_space(std::string_view s) {
  for (char c : s)
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return true;
  return false;
}

std::string base64(std::string_view in) {
  std::string out(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()),
                    in.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

void check_token(std::string_view token) {
  hookctl::ParsedToken p;
  fuzz::never_throws([&] { p = hookctl::parse_token(token); });
  if (p.problem != hookctl::TokenProblem::none) {
    fuzz::require(p.id.empty(), "a refused token still has an id", token);
    return;
  }
  fuzz::require(token.size() == hookctl::token_length, "accepted a token of the wrong length",
                token);
  fuzz::require(p.id.size() == hookctl::token_id_length, "the id has the wrong length", token);
  fuzz::require(p.id.data() == token.data() + 4, "the id does not point into the token", token);
  fuzz::require(token.substr(0, 4) == (p.kind == hookctl::TokenKind::app ? "hka_" : "hki_"),
                "the kind does not match the prefix", token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using namespace hookctl;
  sodium_ready();
  std::string_view value = fuzz::as_text(data, size);
  Authorization a;
  fuzz::never_throws([&] { a = parse_authorization(value); });
  if (!a.ok) {
    fuzz::require(fuzz::one_printable_line(a.problem), "the problem is not one printable line",
                  a.problem);
    fuzz::require(a.token.empty() && a.username.empty(), "a refused value kept credentials", value);
    return 0;
  }
  fuzz::require(a.problem.empty(), "an accepted value has a problem", a.problem);
  std::string_view inner = value;
  while (!inner.empty() && has_space(inner.substr(0, 1))) inner.remove_prefix(1);
  while (!inner.empty() && has_space(inner.substr(inner.size() - 1))) inner.remove_suffix(1);
  fuzz::require(inner.find_first_of("\r\n") == std::string_view::npos,
                "accepted a value of several lines", value);
  fuzz::require(value.size() <= authorization_max_bytes, "accepted a value over 8 KiB", value);
  if (a.scheme == AuthScheme::bearer) {
    // (Basic may carry an empty password: "user:" is well-formed; parse_token refuses it.)
    fuzz::require(!a.token.empty(), "accepted an empty bearer token", value);
    fuzz::require(a.username.empty(), "a bearer value has a username", value);
    fuzz::require(!has_space(a.token.view()), "a bearer token contains whitespace", value);
  } else {
    fuzz::require(a.username.find(':') == std::string::npos, "the username contains ':'", value);
  }
  check_token(a.token.view());

  // Rebuild the value from its parts; it must parse to the same parts.
  std::string rebuilt = a.scheme == AuthScheme::bearer
                            ? "Bearer " + std::string(a.token.view())
                            : "Basic " + base64(a.username + ":" + std::string(a.token.view()));
  if (rebuilt.size() <= authorization_max_bytes) {
    Authorization b = parse_authorization(rebuilt);
    fuzz::require(b.ok, "a rebuilt value is refused", rebuilt);
    fuzz::require(
        b.scheme == a.scheme && b.username == a.username && b.token.view() == a.token.view(),
        "a rebuilt value parses to other parts", rebuilt);
  }
  return 0;
}
