// Tokens: integration (API) tokens created on a user, App tokens created with a webhook; listing,
// rotation (with grace and owner transfer) and revocation.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hookctl/model.hpp"
#include "hookctl/session.hpp"

namespace hookctl {

// A new integration token on an active account (inactive: Error(conflict)); label <= 100 bytes.
IssuedCredential create_token(Session& session, std::string_view user,
                              const std::optional<std::string>& label,
                              const std::optional<Duration>& expires_in,
                              const Deliver<IssuedCredential>& deliver = {});

// A new admin token (prefix hkm_) on an active account: whoever holds its secret acts as that
// account (--as-token-file), with its rights; it never authenticates a webhook call, and no
// webhook can be bound to it. In delegated mode the actor must hold every right the account
// holds (Error(forbidden)), as for setting its password.
IssuedCredential create_admin_token(Session& session, std::string_view user,
                                    const std::optional<std::string>& label,
                                    const std::optional<Duration>& expires_in,
                                    const Deliver<IssuedCredential>& deliver = {});

struct TokenFilter {
  std::optional<std::string> user;
  std::optional<std::string> webhook;
  std::optional<TokenKind> kind;
  std::optional<TokenStatus> status;
  bool all = false;                         // include revoked tokens
  std::optional<Duration> expiring_within;  // not yet expired, expires_at <= now + d
};

// Streams matching tokens, oldest first. Unknown --user/--webhook: Error(not_found).
void list_tokens(Session& session, const TokenFilter& filter,
                 const std::function<void(const Token&)>& emit);

Token show_token(Session& session, std::string_view id);

// A token as messages and human output name it: its id, then its label in double quotes when it
// has one (`ab3de7fghk2m "deploy bot"`), since the label is what people recognise a token by and
// the id is what commands take. The label is terminal_safe (hookctl/text.hpp): stored text may
// hold anything an older version accepted, and a line break in it must not start a line of its
// own in a message that lists tokens one per line.
std::string token_reference(std::string_view id, const std::optional<std::string>& label);

struct RotateOptions {
  std::optional<std::string> owner;    // move to this active account
  std::optional<Duration> grace;       // previous secret stays valid this long
  std::optional<Duration> expires_in;  // new expiry; without it the old one stays
  bool force = false;                  // rotate even while an earlier grace period runs
};

// A rotation's result: the new secret, and what changed for callers beyond it.
struct Rotation : IssuedCredential {
  // With force during an earlier grace period: the end that period had; that secret (the one
  // before the last rotation) stopped working at once.
  std::optional<Time> grace_cut_short;
  std::string previous_owner;
  // Basic-auth webhooks of the token whose callers must now send the new owner's name.
  std::vector<std::string> basic_webhooks;
};

// Same id and bindings, new secret. Revoked: Error(conflict). Expired without expires_in:
// Error(conflict). Inactive target owner: Error(conflict). While the secret before the last
// rotation is still within its grace period: Error(conflict) naming the grace end, unless
// `force` (a retried rotation must not silently cut off callers still on that secret).
Rotation rotate_token(Session& session, std::string_view id, const RotateOptions& options,
                      const Deliver<Rotation>& deliver = {});

struct Revocation {
  Token token;
  bool changed = false;                    // false: it was already revoked
  std::vector<std::string> webhooks_left;  // webhooks that now have no working credential
};
Revocation revoke_token(Session& session, std::string_view id);

struct TokenEdit {
  Token token;           // as it is now
  bool changed = false;  // false: it already had that label, and nothing was written
  std::optional<std::string> previous_name;
};

// Gives a token a new label (validated as token create's). Secrets, status, owner and bindings
// are untouched; a revoked token may be relabelled too. Records a token.edit audit event when the
// label changes. Unknown id: Error(not_found); a bad label: Error(usage).
TokenEdit rename_token(Session& session, std::string_view id, const std::string& name);

// What a presented secret is to a token (token test).
enum class SecretMatch { none, current, previous };
struct SecretTest {
  Token token;
  SecretMatch match = SecretMatch::none;
  std::optional<Time> valid_until;  // previous: the end of its grace period
};

// Says whether `secret` is token `id`'s current secret, or its previous one still within the
// grace period, as a call would see it but without a webhook: nothing is written, no activity
// counted. Compared in constant time. A secret of another token, a mistyped or malformed one, or
// a previous secret past its grace: SecretMatch::none. Unknown id: Error(not_found).
SecretTest test_token_secret(Session& session, std::string_view id, std::string_view secret);

namespace detail {
// The end of a --grace period from now; nullopt for none or 0s. Negative, or ending after 9999:
// Error(usage).
std::optional<Time> grace_end(Session& session, const std::optional<Duration>& grace);
// Inserts a token row for account `account_id`, returning the credential; used by webhooks too.
IssuedCredential insert_token(Session& session, TokenKind kind, int64_t account_id,
                              const std::optional<std::string>& label,
                              const std::optional<Time>& expires_at);
// Marks a token revoked as of now (no-op when already revoked) and audits it.
void revoke_token_row(Session& session, const std::string& id, std::string_view why);
}  // namespace detail

}  // namespace hookctl
