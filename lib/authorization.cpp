#include "hookctl/authorization.hpp"

#include <sodium.h>

#include "hookctl/names.hpp"
#include "hookctl/token_format.hpp"

namespace hookctl {

namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

Authorization problem(std::string why) {
  Authorization a;
  a.problem = std::move(why);
  return a;
}

}  // namespace

Authorization parse_authorization(std::string_view value) {
  if (value.size() > authorization_max_bytes)
    return problem("the Authorization value is larger than 8 KiB");
  std::string_view v = trim(value);
  // One header value is one line: a line break inside it is not a separator but a second line
  // (an injected header, or a token split from its scheme).
  if (v.find_first_of("\r\n") != std::string_view::npos)
    return problem("the Authorization value spans several lines");
  constexpr std::string_view header = "authorization:";
  if (v.size() >= header.size() && names_equal(v.substr(0, header.size()), header))
    v = trim(v.substr(header.size()));
  if (v.empty()) return problem("the Authorization value is empty");
  size_t sp = 0;
  while (sp < v.size() && !is_space(v[sp])) ++sp;
  std::string_view scheme = v.substr(0, sp);
  std::string_view credentials = trim(v.substr(sp));
  Authorization a;
  if (names_equal(scheme, "bearer")) {
    a.scheme = AuthScheme::bearer;
  } else if (names_equal(scheme, "basic")) {
    a.scheme = AuthScheme::basic;
  } else {
    // Never quoted: the "scheme" may be a token sent without one, and part of a secret is
    // still a secret.
    if (looks_like_secret(v))
      return problem("no scheme: the value starts with a token; send 'Bearer <token>'");
    return problem("unknown scheme (expected Bearer or Basic)");
  }
  if (credentials.empty()) return problem("no credentials after the scheme");
  for (char c : credentials)
    if (is_space(c)) return problem("the credentials contain whitespace");
  if (a.scheme == AuthScheme::bearer) {
    a.token = Secret(credentials);
    a.ok = true;
    return a;
  }
  Secret decoded(credentials.size());
  size_t len = 0;
  int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.capacity(),
                             credentials.data(), credentials.size(), nullptr, &len, nullptr,
                             sodium_base64_VARIANT_ORIGINAL);
  if (rc != 0)
    rc = sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.capacity(),
                           credentials.data(), credentials.size(), nullptr, &len, nullptr,
                           sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  if (rc != 0) return problem("the Basic credentials are not valid base64");
  decoded.resize(len);
  std::string_view pair = decoded.view();
  auto colon = pair.find(':');
  if (colon == std::string_view::npos)
    return problem("the Basic credentials lack the ':' between username and token");
  a.username = std::string(pair.substr(0, colon));
  a.token = Secret(pair.substr(colon + 1));
  a.ok = true;
  return a;
}

}  // namespace hookctl
