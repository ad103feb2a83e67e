// The audit log: every administrative change, append-only (triggers refuse UPDATE and DELETE).
// Beside it, rejection_tally counts the rejections a rejection summary stands for; a count only
// grows (triggers refuse lowering or deleting it), and the event it belongs to is never touched.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookctl/model.hpp"
#include "hookctl/session.hpp"

namespace hookctl {

// Appends an event at session.now() by session.actor() and returns its id. Must run inside a
// write transaction. Never pass a secret in details.
int64_t record_event(Session& session, AuditAction action, std::string_view subject,
                     std::string_view details);

// Records a rejected authentication, summarised so a flood cannot grow the log without bound:
// the first rejection per (subject, reason) in each clock hour is written as an event whose
// details are "<reason>: <details> (first such rejection this hour; later ones in the hour are
// counted)"; each later one in that hour adds one to that event's tally (AuditEvent::repeated).
// At most (reasons x subjects) events per hour, whatever the call rate. Every call is one small
// write transaction (unless the caller's holds the store already); a count alone is written
// with Durability::relaxed, so a flood holds the write lock for no disk flush, and a crash of
// the machine may lose its last counts. A session remembers the summaries it found or wrote, so
// repeated rejections on it cost no audit query. Best effort: on a read-only or busy store
// nothing is recorded and nothing is thrown.
void record_rejection(Session& session, AuditAction action, std::string_view subject,
                      std::string_view reason, std::string_view details);

// For callers that count later rejections themselves rather than write once per rejection (a
// server, which adds its counts with add_rejection_counts every so often): the hour's summary of
// (action, subject, reason), written as record_rejection writes it when there is none yet, and
// nothing counted. The rejection at hand is a later one unless the result is `first`.
// nullopt when nothing could be read or written (read-only or busy store); never throws a store
// error.
std::optional<RejectionSummary> summarise_rejection(Session& session, AuditAction action,
                                                    std::string_view subject,
                                                    std::string_view reason,
                                                    std::string_view details);

// Later rejections counted against one summary (RejectionSummary::event).
struct RejectionCount {
  int64_t event = 0;
  int64_t later = 0;
};

// Adds each count to its summary's tally, in one write transaction. Adds, never overwrites, so
// several processes may count the same summary. A count for an event that is not a summary
// that counts (or that the store does not have) is dropped. All or nothing: Error(store) on
// failure.
void add_rejection_counts(Store& store, const std::vector<RejectionCount>& counts);

// An event's details as people read them: a rejection summary that counts later rejections
// ends "(first such rejection this hour; N more in the hour)", N its tally as of now; anything
// else is shown as written.
std::string shown_details(const AuditEvent& event);

// How the events of a token say who owns it from then on: token.create's details begin
// "kind=KIND owner=NAME" (token_owner_details writes the second word), token.rotate's and
// token.transfer's hold "owner FROM -> TO" (token_owner_change_details) when the owner changed.
// Names hold no spaces, so each is one word.
std::string token_owner_details(std::string_view owner);
std::string token_owner_change_details(std::string_view from, std::string_view to);

struct TokenOwnerChange {
  std::string from;  // empty for a token created
  std::string to;
};
// The owner change an event of `action` with these details records, or nullopt (another action,
// or no change of owner).
std::optional<TokenOwnerChange> token_owner_change_in(AuditAction action, std::string_view details);

struct AuditFilter {
  std::optional<Time> since;  // events at or after this instant
  // Events whose subject is this name (exactly, ignoring ASCII case). For a user, also the
  // events of every token it owns now (the token's whole history), and those of a token it
  // owned before from the event that gave it the token (token.create for it, token.rotate or
  // token.transfer onto it) to the one that moved it away, both included. The audit log keeps
  // names, not accounts: an account deleted and later created again under the same name is
  // one user here.
  std::optional<std::string> subject;
  std::vector<AuditAction> actions;  // events of any of these actions; empty: of every action
  std::optional<int64_t> limit;      // the newest N (still printed oldest first)
};

// The matching events, oldest first, each with its tally (`repeated`).
void list_audit(Session& session, const AuditFilter& filter,
                const std::function<void(const AuditEvent&)>& emit);

}  // namespace hookctl
