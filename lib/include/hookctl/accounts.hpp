// User accounts: creation, listing by the inactivity rule, reactivation, passwords, deletion,
// bulk import and password login.
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "hookctl/error.hpp"
#include "hookctl/model.hpp"
#include "hookctl/session.hpp"

namespace hookctl {

struct NewAccount {
  std::string name;
  AccountKind kind = AccountKind::person;
  std::optional<std::string> email;
  std::optional<std::string> password_hash;  // hash_password() output, made before the call
};

// Creates an account, active as of now. Error(usage) for a bad name/e-mail, Error(conflict) when
// the name exists (case-insensitively).
Account create_account(Session& session, const NewAccount& spec);

// The account and an integration token on it, made in one transaction ("a user with access to
// user management can create a new user with a token").
struct AccountWithToken {
  Account account;
  IssuedCredential credential;  // shown once
};

// As create_account, plus an integration token labelled `token_label` on the new account (as
// create_token makes it), in the same transaction: both or neither. `deliver` runs inside the
// transaction, so a failure to hand the secret over creates nothing.
AccountWithToken create_account_with_token(Session& session, const NewAccount& spec,
                                           const std::optional<std::string>& token_label,
                                           const Deliver<AccountWithToken>& deliver = {});

// Error(conflict) when an account of that name exists (case-insensitively); lets the CLI refuse a
// duplicate before it asks for a password.
void ensure_account_name_free(Session& session, const std::string& name);

Account show_account(Session& session, std::string_view name);

// `user show`: the account, its non-revoked tokens (oldest first) and the names of the webhooks
// they serve (each once, in name order), read from one snapshot.
struct AccountDetails {
  Account account;
  std::vector<Token> tokens;
  std::vector<std::string> webhooks;
};
AccountDetails show_account_details(Session& session, std::string_view name);

struct AccountFilter {
  bool inactive = false;                    // inactive now
  std::optional<Duration> inactive_within;  // active now, inactive_at <= now + d; soonest first
  bool include_inactive = false;            // with inactive_within: inactive now as well
  std::optional<AccountKind> kind;
};

// Streams the matching accounts (by name, or soonest-inactive first with inactive_within: those
// inactive longest first, then those becoming inactive soonest).
void list_accounts(Session& session, const AccountFilter& filter,
                   const std::function<void(const Account&)>& emit);

struct Reactivation {
  Account account;
  bool changed = false;  // false: it was already active and nothing was touched
};
Reactivation reactivate_account(Session& session, std::string_view name);

struct PasswordChange {
  Account account;            // as it is now
  bool had_password = false;  // before the change
  bool changed = true;        // false: removing a password the account did not have
};

// Replaces the password hash, or with nullopt removes password access (as `passwd -l`: `auth
// login` is refused; the account, its status, activity and tokens are untouched). Audited as
// user.set-password; removing a password that is not there writes nothing.
PasswordChange set_account_password(Session& session, std::string_view name,
                                    const std::optional<std::string>& hash);

// What `user edit` changes; an unset field stays as it is. email: nullopt inside = remove it.
struct AccountChanges {
  std::optional<std::optional<std::string>> email;
  std::optional<AccountKind> kind;
};

struct AccountEdit {
  Account account;                   // as it is now
  std::vector<std::string> changes;  // "email a -> b", "kind person -> service"; empty: unchanged
};

// Changes an account's contact address or kind, one user.edit audit event naming each change.
// The name, activity, password and tokens are untouched. A field set to its current value is no
// change; with no change nothing is written. Error(usage) for a bad address, Error(not_found) for
// an unknown account.
AccountEdit edit_account(Session& session, std::string_view name, const AccountChanges& changes);

struct Deletion {
  Account account;
  std::optional<std::string> heir;          // the --transfer-to account, as stored
  std::vector<Token> transferred;           // tokens moved to the --transfer-to account
  std::vector<std::string> basic_webhooks;  // basic-auth webhooks whose username changed
  int64_t revoked_tokens_removed = 0;
  // Webhooks still bound to one of the account's revoked tokens, which goes with it: they are
  // left with no token at all (they were broken already).
  std::vector<std::string> webhooks_left_without_token;
};

// What keeps an account from being deleted: the tokens linked to it that are not revoked (an
// expired one included), each with the webhooks it serves, oldest first. The details of
// delete_account's refusal.
struct DeletionBlockers final : ErrorDetails {
  std::vector<Token> tokens;
};

// Deletes an account. Refused with Error(conflict) while non-revoked tokens are linked (the
// message lists them with their labels and webhooks, and the commands that resolve it; the
// error's details are the DeletionBlockers), unless transfer_to names an active account: then
// every such token moves there first, in the same transaction.
Deletion delete_account(Session& session, std::string_view name,
                        const std::optional<std::string>& transfer_to);

struct ImportSummary {
  size_t added = 0;
  size_t skipped = 0;  // with skip_existing: accounts already in the store, left as they are
  size_t lines = 0;
};

struct ImportOptions {
  // An account whose name exists already (case-insensitively) is skipped rather than refused,
  // so an import can be re-run. A name twice in the input is refused all the same.
  bool skip_existing = false;
};

// One line of an import, parsed and checked on its own (not yet against the store): a JSON object
// {"name", "kind", "email", "created_at", "last_activity_at"}, all but name optional, times not
// after `now`. Error(usage) naming `line_no` otherwise. import_accounts() drops a trailing CR and
// skips blank lines before it calls this.
struct ImportRecord {
  size_t line = 0;
  std::string name;
  AccountKind kind = AccountKind::person;
  std::optional<std::string> email;
  Time created_at{};
  Time last_activity_at{};
};
ImportRecord parse_import_record(std::string_view line, size_t line_no, Time now);

// Imports JSON Lines accounts ({"name","kind","email","created_at","last_activity_at"}), all or
// nothing: a bad line is Error(usage) naming the line and the field, a duplicate Error(conflict)
// naming the line. `progress(lines_read, bytes_read)` is called now and then while reading.
ImportSummary import_accounts(Session& session, std::istream& in,
                              const std::function<void(size_t, size_t)>& progress,
                              const ImportOptions& options = {});

// One password check, with the lockout rule (policy lockout-threshold, lockout-duration): an
// account whose password failed `threshold` times in a row is locked for `duration` (audited as
// user.lockout); while locked its password is not even compared. A success clears the count.
// Tokens are never locked: their secrets are 256-bit.
struct PasswordCheck {
  enum class Result { accepted, rejected, locked } result = Result::rejected;
  std::optional<Account> account;  // the account named, when it exists (as after the check)
};
// Unknown account, no password and a wrong password are all `rejected`, and take the time of a
// real check. Nothing is recorded on a read-only store (and nothing locks).
PasswordCheck check_password(Session& session, std::string_view name, std::string_view password);

// Lifts a lockout at once, and forgets the failed checks. Error(not_found); `changed` is false
// when the account was not locked and had no failed checks.
struct Unlock {
  Account account;
  bool changed = false;
};
Unlock unlock_account(Session& session, std::string_view name);

enum class LoginOutcome { accepted, rejected, inactive, locked };

// Checks a password (check_password). The right password on an inactive account is `inactive`.
// Acceptance records activity (source "login"). Rejections are summarised in the audit log.
LoginOutcome login(Session& session, std::string_view name, std::string_view password,
                   Account* account_out = nullptr);

}  // namespace hookctl
