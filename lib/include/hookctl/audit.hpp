// The audit log: every administrative change, append-only (triggers refuse UPDATE and DELETE).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hookctl/model.hpp"
#include "hookctl/session.hpp"

namespace hookctl {

// Appends an event at session.now() by session.actor(). Must run inside a write transaction.
// Never pass a secret in details.
void record_event(Session& session, std::string_view action, std::string_view subject,
                  std::string_view details);

// Records a rejected authentication, summarised so a flood cannot grow the log without bound:
// only the first rejection per (subject, reason) in each clock hour is written; the rest are
// counted nowhere. At most (reasons x subjects) events per hour, whatever the call rate. A session
// remembers the summaries it found or wrote, so repeated rejections on it cost no query.
// Opens its own write transaction when one is needed. Best effort: on a read-only or busy store
// nothing is recorded and nothing is thrown.
void record_rejection(Session& session, std::string_view action, std::string_view subject,
                      std::string_view reason, std::string_view details);

struct AuditFilter {
  std::optional<Duration> since;       // events at or after now - since
  std::optional<std::string> subject;  // case-insensitive exact match
  std::optional<int64_t> limit;        // the newest N (still printed oldest first)
};

void list_audit(Session& session, const AuditFilter& filter,
                const std::function<void(const AuditEvent&)>& emit);

}  // namespace hookctl
