// The domain objects as the library reports them: accounts, tokens, webhooks, audit events, with
// their derived state (status, inactive_at, breaks_at) computed for the session's `now`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hookctl/authorization.hpp"
#include "hookctl/time.hpp"
#include "hookctl/token_format.hpp"

namespace hookctl {

enum class AccountKind { person, service };

// What an account may do to the store in delegated mode (see rights.hpp). Declared in the order
// their words sort, so a list of rights in this order is sorted as users read it.
enum class Right { administration, audit, token_management, user_management, webhook_management };

struct Account {
  int64_t id = 0;
  std::string name;
  AccountKind kind = AccountKind::person;
  std::optional<std::string> email;
  Time created_at{};
  Time last_activity_at{};
  std::string last_activity_source;  // created, imported, reactivated, login, token:<id>
  bool has_password = false;
  int64_t tokens = 0;  // non-revoked tokens
  Time inactive_at{};  // last_activity_at + inactivity period; inactive from this instant on
  bool active = true;
  std::vector<Right> rights;  // sorted
  // While a lockout lasts (failed password checks in a row): the end of it; nullopt otherwise.
  std::optional<Time> locked_until;
};

enum class TokenStatus { active, expired, revoked, owner_inactive };

struct Token {
  std::string id;
  TokenKind kind = TokenKind::api;
  std::string owner;
  AccountKind owner_kind = AccountKind::person;
  Time owner_inactive_at{};
  std::optional<std::string> name;
  TokenStatus status = TokenStatus::active;
  Time created_at{};
  std::optional<Time> last_used_at;
  std::optional<Time> expires_at;
  std::optional<Time> revoked_at;
  std::optional<Time> previous_secret_valid_until;
  std::vector<std::string> webhooks;  // names of the webhooks bound to it
};

struct Webhook {
  std::string name;
  AuthScheme auth = AuthScheme::bearer;
  std::optional<std::string> description;
  std::optional<std::string> token;  // bound token id
  std::optional<TokenKind> token_kind;
  std::optional<std::string> owner;  // the bound token's owner
  bool broken = true;
  std::optional<Time> breaks_at;  // when it stops (or stopped) working if nothing changes
  Time created_at{};
  std::optional<TokenStatus> token_status;  // of the bound token
  std::optional<AccountKind> owner_kind;
  std::optional<Time> token_expires_at;
  // After `webhook bind --grace`: the token bound before, still accepted until the time given
  // (only while that time is in the future).
  std::optional<std::string> previous_token;
  std::optional<Time> previous_token_until;
};

// What an audit event records, one value per kind of change (the words are in vocabulary.hpp).
// Every event is written with one of these, so this list is every action a log can hold.
enum class AuditAction {
  store_init,
  user_create,
  user_edit,
  user_import,
  user_reactivate,
  user_set_password,
  user_delete,
  user_grant,
  user_revoke,
  user_lockout,
  user_unlock,
  token_create,
  token_edit,
  token_rotate,
  token_revoke,
  token_transfer,
  webhook_create,
  webhook_edit,
  webhook_bind,
  webhook_delete,
  policy_set,
  auth_rejected,
  auth_login_rejected,
  admin_denied,
};

struct AuditEvent {
  Time at{};
  std::string actor;
  std::string action;  // an AuditAction's word (text: a newer hookctl may write others)
  std::string subject;
  std::string details;  // as written with the event, never changed since
  // A rejection summary's count of the later rejections of its kind in its clock hour (see
  // record_rejection), which grows after the event was written; 0 for every other event.
  int64_t repeated = 0;
  // The account that acted (authenticated), if any; how it proved it ("owner" for the OS user
  // in owner mode, "owner-override", "password"); and "ok", or "denied" for a refused attempt.
  std::optional<std::string> actor_account;
  std::string authenticated_by = "owner";
  std::string result = "ok";
};

// The audit event that summarises one kind of rejection (action, subject, reason) in one clock
// hour: see record_rejection.
struct RejectionSummary {
  int64_t event = 0;   // its audit id
  bool first = false;  // written for the rejection at hand, the first of its kind in the hour
  // Whether later rejections are counted on it (rejection_tally). False for a summary written
  // by a hookctl that did not count them: its details say later ones are not logged, so they
  // stay uncounted for the rest of that hour.
  bool counts = true;
};

// A token just issued or rotated: the object plus its secret, to be shown exactly once.
struct IssuedCredential {
  Token token;
  Secret secret;
};

// Shows a newly issued secret to its one reader. The functions that issue a secret call it inside
// their transaction, after every change and before the commit: when it throws (the secret could
// not be written out), the transaction rolls back, so no secret is created or replaced that
// nobody received. Empty: nothing is called.
template <class Result>
using Deliver = std::function<void(const Result&)>;

}  // namespace hookctl
