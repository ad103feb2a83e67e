// Parsing of the HTTP Authorization value that `auth verify` reads on stdin.
#pragma once

#include <string>
#include <string_view>

#include "hookctl/secret.hpp"

namespace hookctl {

inline constexpr size_t authorization_max_bytes = 8192;

enum class AuthScheme { bearer, basic };

struct Authorization {
  bool ok = false;
  std::string problem;  // why it could not be parsed, when !ok
  AuthScheme scheme = AuthScheme::bearer;
  std::string username;  // basic only
  Secret token;          // the presented token text
};

// Accepts "Bearer <token>" or "Basic <base64(user:token)>", optionally behind "Authorization:",
// scheme case-insensitive, surrounding whitespace ignored; a line break inside the value is
// refused (one header value is one line). Never throws on hostile input.
Authorization parse_authorization(std::string_view value);

}  // namespace hookctl
