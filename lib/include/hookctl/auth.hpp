// The authentication path: is this webhook call, with this Authorization value, accepted?
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hookctl/session.hpp"

namespace hookctl {

enum class Rejection {
  none,
  malformed_header,  // not "Bearer x" / "Basic x", too large, bad base64
  wrong_scheme,      // bearer sent to a basic webhook or the reverse
  malformed_token,   // not a hookctl token (prefix, length, alphabet)
  bad_checksum,      // a typo or a truncation
  unknown_token,     // well-formed, but no such token id
  wrong_secret,      // the id exists, the secret does not match
  grace_ended,       // the previous secret, after its grace period
  revoked,
  expired,
  not_bound,  // a valid token, but not the one this webhook accepts
  owner_inactive,
  bad_username,  // basic: the username is not the token owner's name
};

struct Verdict {
  bool accepted = false;
  std::string webhook;
  std::optional<std::string> user;   // the token owner, when the token is known
  std::optional<std::string> token;  // the token id, when the token is known
  Rejection rejection = Rejection::none;
  std::string reason;             // "<code>: <explanation for the administrator>" when rejected
  bool activity_recorded = true;  // false: accepted, but the use could not be recorded
  std::string activity_problem;   // why not: "the store is read-only", a store error's message
};

// Checks a call to `webhook` carrying `authorization`. Accepted only if the scheme matches the
// webhook, the token is well-formed, its secret (or previous secret within grace) matches, it is
// neither revoked nor expired, it is the webhook's bound token and its owner is active (and, for
// basic, the username is the owner's name). Acceptance records the use on the token and as the
// owner's activity, coalesced to one write per token per minute. A rejection changes no account;
// it is summarised in the audit log (see record_rejection). Unknown webhook: Error(not_found).
Verdict verify_call(Session& session, std::string_view webhook, std::string_view authorization);

// Activity from accepted calls is written at most once per this interval per token.
inline constexpr Duration activity_granularity{60};

}  // namespace hookctl
