// The words of the domain: every enum that users see as text (in JSON, tables, options and
// reason codes) is spelled here once, in both directions. Option choices on the command line,
// the JSON writers and the store's columns all read these tables, so a word cannot drift.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookctl/auth.hpp"
#include "hookctl/authorization.hpp"
#include "hookctl/check.hpp"
#include "hookctl/model.hpp"
#include "hookctl/store.hpp"
#include "hookctl/token_format.hpp"

namespace hookctl {

template <class E>
struct Words;  // specialised below: `static constexpr std::array<std::pair<E, std::string_view>, N>
               // table`

template <>
struct Words<AccountKind> {
  static constexpr std::array table{std::pair{AccountKind::person, std::string_view("person")},
                                    std::pair{AccountKind::service, std::string_view("service")}};
};

template <>
struct Words<TokenKind> {
  static constexpr std::array table{std::pair{TokenKind::app, std::string_view("app")},
                                    std::pair{TokenKind::api, std::string_view("api")},
                                    std::pair{TokenKind::admin, std::string_view("admin")}};
};

// In the order they sort (see Right).
template <>
struct Words<Right> {
  static constexpr std::array table{
      std::pair{Right::administration, std::string_view("administration")},
      std::pair{Right::audit, std::string_view("audit")},
      std::pair{Right::token_management, std::string_view("token-management")},
      std::pair{Right::user_management, std::string_view("user-management")},
      std::pair{Right::webhook_management, std::string_view("webhook-management")}};
};

// (How a status is decided is rules::token_status.)
template <>
struct Words<TokenStatus> {
  static constexpr std::array table{
      std::pair{TokenStatus::active, std::string_view("active")},
      std::pair{TokenStatus::expired, std::string_view("expired")},
      std::pair{TokenStatus::revoked, std::string_view("revoked")},
      std::pair{TokenStatus::owner_inactive, std::string_view("owner-inactive")}};
};

template <>
struct Words<AuthScheme> {
  static constexpr std::array table{std::pair{AuthScheme::bearer, std::string_view("bearer")},
                                    std::pair{AuthScheme::basic, std::string_view("basic")}};
};

// The stable reason codes of a rejected webhook call, in the order the checks run.
template <>
struct Words<Rejection> {
  static constexpr std::array table{
      std::pair{Rejection::none, std::string_view("none")},
      std::pair{Rejection::malformed_header, std::string_view("malformed-header")},
      std::pair{Rejection::wrong_scheme, std::string_view("wrong-scheme")},
      std::pair{Rejection::malformed_token, std::string_view("malformed-token")},
      std::pair{Rejection::bad_checksum, std::string_view("bad-checksum")},
      std::pair{Rejection::unknown_token, std::string_view("unknown-token")},
      std::pair{Rejection::wrong_secret, std::string_view("wrong-secret")},
      std::pair{Rejection::grace_ended, std::string_view("grace-ended")},
      std::pair{Rejection::revoked, std::string_view("revoked")},
      std::pair{Rejection::expired, std::string_view("expired")},
      std::pair{Rejection::not_bound, std::string_view("not-bound")},
      std::pair{Rejection::owner_inactive, std::string_view("owner-inactive")},
      std::pair{Rejection::bad_username, std::string_view("bad-username")}};
};

// The kinds of problem `check` reports, in report order.
template <>
struct Words<ProblemKind> {
  static constexpr std::array table{
      std::pair{ProblemKind::webhook_broken, std::string_view("webhook-broken")},
      std::pair{ProblemKind::webhook_at_risk, std::string_view("webhook-at-risk")},
      std::pair{ProblemKind::personal_owner, std::string_view("personal-owner")},
      std::pair{ProblemKind::token_unused, std::string_view("token-unused")},
      std::pair{ProblemKind::invalid_email, std::string_view("invalid-email")}};
};

// The causes of `check` problems (Problem::code), by kind in report order.
template <>
struct Words<ProblemCode> {
  static constexpr std::array table{
      std::pair{ProblemCode::not_bound, std::string_view("not-bound")},
      std::pair{ProblemCode::revoked, std::string_view("revoked")},
      std::pair{ProblemCode::expired, std::string_view("expired")},
      std::pair{ProblemCode::owner_inactive, std::string_view("owner-inactive")},
      std::pair{ProblemCode::expires_soon, std::string_view("expires-soon")},
      std::pair{ProblemCode::owner_inactive_soon, std::string_view("owner-inactive-soon")},
      std::pair{ProblemCode::personal_owner, std::string_view("personal-owner")},
      std::pair{ProblemCode::never_used, std::string_view("never-used")},
      std::pair{ProblemCode::long_unused, std::string_view("long-unused")},
      std::pair{ProblemCode::invalid_email, std::string_view("invalid-email")}};
};

// The actions of the audit log, grouped by the kind of their subject: the store's path, an
// account name, a token id, a webhook name, a policy key; then rejections (a webhook name, an
// account name).
template <>
struct Words<AuditAction> {
  static constexpr std::array table{
      std::pair{AuditAction::store_init, std::string_view("store.init")},
      std::pair{AuditAction::user_create, std::string_view("user.create")},
      std::pair{AuditAction::user_edit, std::string_view("user.edit")},
      std::pair{AuditAction::user_import, std::string_view("user.import")},
      std::pair{AuditAction::user_reactivate, std::string_view("user.reactivate")},
      std::pair{AuditAction::user_set_password, std::string_view("user.set-password")},
      std::pair{AuditAction::user_delete, std::string_view("user.delete")},
      std::pair{AuditAction::user_grant, std::string_view("user.grant")},
      std::pair{AuditAction::user_revoke, std::string_view("user.revoke")},
      std::pair{AuditAction::user_lockout, std::string_view("user.lockout")},
      std::pair{AuditAction::user_unlock, std::string_view("user.unlock")},
      std::pair{AuditAction::token_create, std::string_view("token.create")},
      std::pair{AuditAction::token_edit, std::string_view("token.edit")},
      std::pair{AuditAction::token_rotate, std::string_view("token.rotate")},
      std::pair{AuditAction::token_revoke, std::string_view("token.revoke")},
      std::pair{AuditAction::token_transfer, std::string_view("token.transfer")},
      std::pair{AuditAction::webhook_create, std::string_view("webhook.create")},
      std::pair{AuditAction::webhook_edit, std::string_view("webhook.edit")},
      std::pair{AuditAction::webhook_bind, std::string_view("webhook.bind")},
      std::pair{AuditAction::webhook_delete, std::string_view("webhook.delete")},
      std::pair{AuditAction::policy_set, std::string_view("policy.set")},
      std::pair{AuditAction::auth_rejected, std::string_view("auth.rejected")},
      std::pair{AuditAction::auth_login_rejected, std::string_view("auth.login-rejected")},
      std::pair{AuditAction::admin_denied, std::string_view("admin.denied")}};
};

// The engines a store can live in, as `--version --json` names them.
template <>
struct Words<Engine> {
  static constexpr std::array table{std::pair{Engine::sqlite, std::string_view("sqlite")},
                                    std::pair{Engine::postgresql, std::string_view("postgresql")}};
};

template <class E>
concept HasWords = requires {
  Words<E>::table;
};

// The word for a value. Every enumerator has one (tests/unit/vocabulary_test.cpp walks them).
template <HasWords E>
constexpr std::string_view to_string(E value) noexcept {
  for (const auto& [e, word] : Words<E>::table)
    if (e == value) return word;
  return "?";
}

// The value a word names (exact spelling), or nullopt.
template <HasWords E>
constexpr std::optional<E> from_string(std::string_view word) noexcept {
  for (const auto& [e, w] : Words<E>::table)
    if (w == word) return e;
  return std::nullopt;
}

// Every word of E in table order, e.g. for an option's accepted values.
template <HasWords E>
std::vector<std::string> words_of() {
  std::vector<std::string> out;
  for (const auto& [e, word] : Words<E>::table) out.emplace_back(word);
  return out;
}

}  // namespace hookctl
