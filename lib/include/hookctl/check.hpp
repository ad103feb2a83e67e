// `check`: the risks an administrator should act on, in one report.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hookctl/session.hpp"

namespace hookctl {

inline constexpr Duration default_check_window{14LL * 86400};

enum class ProblemKind {
  webhook_broken,
  webhook_at_risk,
  personal_owner,
  token_unused,
  invalid_email,
};

// The cause of a problem, finer than its kind, for scripts to act on (the words are in
// vocabulary.hpp). A broken webhook's cause is the reason code `auth verify` gives a call with
// its bound token; an at-risk one's is the same cause ahead of time.
enum class ProblemCode {
  not_bound,            // webhook-broken: no token bound
  revoked,              // webhook-broken: its token is revoked
  expired,              // webhook-broken: its token has expired
  owner_inactive,       // webhook-broken: its token's owner is inactive
  expires_soon,         // webhook-at-risk: its token expires within the window
  owner_inactive_soon,  // webhook-at-risk: its token's owner becomes inactive within the window
  personal_owner,       // personal-owner
  never_used,           // token-unused: never used since its creation
  long_unused,          // token-unused: last used longer than the inactivity period ago
  invalid_email,        // invalid-email
};

struct Problem {
  ProblemKind kind = ProblemKind::webhook_broken;
  ProblemCode code = ProblemCode::not_bound;
  std::string subject;
  std::string message;
  std::optional<Time> at;
  // token-unused: the token's label, which the human report shows beside its id (the subject);
  // not a field of the JSON object, whose subject is the id alone.
  std::optional<std::string> label;
};

// Broken webhooks; webhooks breaking within `window`; webhooks whose token belongs to a person
// (not a service account); non-revoked, unexpired tokens unused (never used: created) for longer
// than the inactivity period; accounts whose stored e-mail address has a leading '-' or a character
// an address may not hold (email_problem; stores written before addresses were validated).
// Ordered by kind as listed, then by time (none last), then subject;
// personal-owner problems by webhook name, invalid-email ones by account name.
std::vector<Problem> check(Session& session, Duration window);

// The same problems in the same order, streamed one at a time from one read snapshot, so a report
// over a million accounts holds none of them in memory.
void check(Session& session, Duration window, const std::function<void(const Problem&)>& emit);

}  // namespace hookctl
