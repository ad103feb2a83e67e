// Rights held by accounts, and the two modes of a store.
//
// A store is in owner mode while no account holds `administration`: whoever can write the store
// may change anything, as before rights existed. It is in delegated mode from the moment an
// account holds `administration`: every change then needs an authenticated actor holding the
// right the command needs. The last holder of `administration` keeps it (it cannot lose it, nor
// be deleted), so a delegated store never falls back to owner mode by accident.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookctl/model.hpp"
#include "hookctl/secret.hpp"
#include "hookctl/session.hpp"

namespace hookctl {

// What a grant or a revocation did: the account afterwards, and the rights it gained or lost
// (empty when it already held, or did not hold, every right named: nothing was written).
struct RightsChange {
  Account account;
  std::vector<Right> changed;  // sorted
};

// Gives `rights` to the account. Error(not_found) for an unknown account; Error(conflict) for an
// inactive one (it could not act: reactivate it first), and for `administration` given to an
// account without a password, which could never authenticate: the store would be in delegated
// mode with nobody able to act in it. One audit event (user.grant) when
// something changed.
RightsChange grant_rights(Session& session, std::string_view name,
                          const std::vector<Right>& rights);

// Takes `rights` from the account. Error(conflict) when it would take `administration` from the
// last account holding it. One audit event (user.revoke) when something changed.
RightsChange revoke_rights(Session& session, std::string_view name,
                           const std::vector<Right>& rights);

// Error(conflict) when `account` is the last one holding `administration`: it cannot `what`
// ("lose administration", "be deleted"). Inside a write transaction.
void ensure_not_last_administrator(Session& session, const Account& account, std::string_view what);

// True when some account holds `administration` (the store is in delegated mode).
bool delegated_mode(Session& session);

// What the caller offers to prove which account it acts as. Never from the command line: the
// CLI reads the password from a terminal prompt or a descriptor, an admin token from a file.
struct ActorCredentials {
  std::optional<std::string> account;  // --as NAME
  std::optional<Secret> password;      // the account's password
  std::optional<Secret> admin_token;   // --as-token-file: an hkm_ token, acting as its owner
  bool owner_override = false;         // --owner-override
};

// Decides who the command in `session` acts as, before it reads or changes anything it needs a
// right for, and records it (Session::act_as): every audit event the command writes names it.
//   - owner_override: the caller must own the store (Store::caller_owns_store), else
//     Error(forbidden); the command then runs as in owner mode, audited as "owner-override".
//   - credentials given (a name and its password, or an admin token): they must authenticate an
//     active account (else Error(unauthorized),
//     the failure recorded as admin.denied, bounded per account, reason and hour), which then
//     acts; in delegated mode it must hold one of `needs` (else Error(forbidden), recorded).
//   - none given: in owner mode the OS user acts ("owner"); in delegated mode a command that
//     needs a right is Error(unauthorized), naming the ways to authenticate.
// `command` names the command in messages and denials ("user create").
void authorize(Session& session, std::string_view command, const std::vector<Right>& needs,
               const ActorCredentials& credentials);

// Inside a write transaction, with a change's audit event or for a read that needs a right: the
// act counts as the acting account's activity (source "admin:<act>", where act is the event's
// action or "audit"; written at most once a minute, as token use is), and as the use of the admin
// token it authenticated with. Nothing without an acting account.
void record_acting(Session& session, std::string_view act);

// In delegated mode, an acting account grants and takes only rights it holds itself, and
// changes the password of, or deletes, another account only if it holds every
// right that account holds: Error(forbidden) otherwise. No-ops in owner mode and under
// --owner-override.
void ensure_actor_holds(Session& session, const std::vector<Right>& rights, std::string_view doing);

// The rights as their words joined by ", " (for messages and audit details).
std::string rights_text(const std::vector<Right>& rights);

}  // namespace hookctl
