#include "command_rights.hpp"

#include <utility>

namespace hookctl::cli {

namespace {

using enum Right;

const std::pair<std::string_view, std::vector<Right>> table[] = {
    {"init", {}},
    {"user create", {user_management}},
    {"user list", {}},
    {"user show", {}},
    {"user edit", {user_management}},
    {"user import", {user_management}},
    {"user reactivate", {user_management}},
    {"user set-password", {user_management}},
    {"user delete", {user_management}},
    {"user grant", {administration}},
    {"user revoke", {administration}},
    {"user unlock", {user_management}},
    // "create tokens for them" is part of user management; any token is token management's.
    {"token create", {token_management, user_management}},
    {"token list", {}},
    {"token show", {}},
    {"token rotate", {token_management}},
    {"token edit", {token_management}},
    {"token test", {}},
    {"token revoke", {token_management}},
    {"webhook create", {webhook_management}},
    {"webhook bind", {webhook_management}},
    {"webhook edit", {webhook_management}},
    {"webhook list", {}},
    {"webhook show", {}},
    {"webhook delete", {webhook_management}},
    {"auth verify", {}},
    {"auth login", {}},
    {"check", {}},
    {"policy show", {}},
    {"policy set", {administration}},
    {"audit", {audit}},
    {"serve", {}},
    // A copy or a backup carries the whole store, the audit log included.
    {"store copy", {administration}},
    {"store backup", {administration}},
};

}  // namespace

std::optional<std::vector<Right>> rights_needed(std::string_view command) {
  for (const auto& [name, rights] : table)
    if (name == command) return rights;
  return std::nullopt;
}

}  // namespace hookctl::cli
