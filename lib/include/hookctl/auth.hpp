// The authentication path: is this webhook call, with this Authorization value, accepted?
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookctl/authorization.hpp"
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
  AuthScheme webhook_auth = AuthScheme::bearer;  // the scheme the webhook expects
  std::optional<std::string> user;               // the token owner, when the token is known
  std::optional<std::string> token;              // the token id, when the token is known
  // A wrong or expired-grace secret for an existing id: that id (public), so the audit summary
  // names the token under attack. Never shown to the caller.
  std::optional<std::string> attacked_token;
  Verdict&& attacking(std::string_view id) && {
    attacked_token = std::string(id);
    return std::move(*this);
  }
  Rejection rejection = Rejection::none;
  std::string reason;             // "<code>: <explanation for the administrator>" when rejected
  bool activity_recorded = true;  // false: accepted, but the use could not be recorded
  std::string activity_problem;   // why not: "the store is read-only", a store error's message

  // Accepted calls only: what recording the use needs.
  int64_t owner_id = 0;
  Time owner_inactive_at{};  // the owner's inactive_at before this use is recorded
  bool use_recent = false;   // the token's last use and the owner's activity are both less than
                             // activity_granularity old: recording this use would change nothing
};

// Decides a call to `webhook` carrying `authorization`, and writes nothing. Accepted only if the
// scheme matches the webhook, the token is well-formed, its secret (or previous secret within
// grace) matches, it is neither revoked nor expired, it is the webhook's bound token and its owner
// is active (and, for basic, the username is the owner's name), all at session.now().
// One read of the store. Unknown webhook: Error(not_found); store failures: Error(store).
Verdict decide_call(Session& session, std::string_view webhook, std::string_view authorization);

// A call to decide: the webhook named and the Authorization value presented (views, which must
// outlive the decision).
struct Call {
  std::string_view webhook;
  std::string_view authorization;
};

// Decides several calls as decide_call decides each, with one read of the store: one read
// transaction on SQLite, one statement (one round trip) on PostgreSQL, so every verdict comes
// from one snapshot taken after the calls arrived. A verdict is nullopt when its webhook does not
// exist (a text that is not a valid name never exists). Writes nothing; store failures:
// Error(store), for the whole batch.
std::vector<std::optional<Verdict>> decide_calls(Session& session, const std::vector<Call>& calls);

// Records an accepted call (decided at session.now()): the token's last use and the owner's
// activity, in one write, skipped when the verdict's use is recent (coalesced to one write per
// token per minute). A read-only or failing store leaves the store as it was and says so in
// v.activity_recorded / v.activity_problem; only non-store errors are thrown.
void record_use(Session& session, Verdict& v);

// Summarises a rejected call in the audit log, bounded as record_rejection describes: the first
// of its webhook and reason in the hour is an auth.rejected event, a later one adds to its tally.
void record_rejected_call(Session& session, const Verdict& v);

// For a service that counts later rejections in memory: the hour's auth.rejected summary of
// this call's webhook and reason, written when there is none, nothing counted (see
// summarise_rejection). nullopt when the store could not be read or written.
std::optional<RejectionSummary> summarise_rejected_call(Session& session, const Verdict& v);

// decide_call, then record_use (accepted) or record_rejected_call (rejected): `auth verify`.
Verdict verify_call(Session& session, std::string_view webhook, std::string_view authorization);

// An accepted use waiting to be written, for services that batch their bookkeeping.
struct PendingUse {
  std::string token;
  int64_t owner_id = 0;
  Time at{};
};

// Writes many accepted uses in one IMMEDIATE transaction. Each write is conditional
// (`last_used_at IS NULL OR last_used_at < at - activity_granularity`, and the same for the
// owner's activity), so several processes recording the same uses never move a time backwards
// and do not rewrite each other's fresh times. All or nothing: Error(store) on failure.
void record_uses(Store& store, const std::vector<PendingUse>& uses);

// Activity from accepted calls is written at most once per this interval per token.
inline constexpr Duration activity_granularity{60};

}  // namespace hookctl
