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

struct Problem {
  ProblemKind kind = ProblemKind::webhook_broken;
  std::string subject;
  std::string message;
  std::optional<Time> at;
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
