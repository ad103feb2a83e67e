// The rights table covers the command tree: every command a user can run has an entry (a command
// without one fails closed at run time, exit 70, so a forgotten entry would lock users out of a
// new command in delegated mode rather than open it, and this test finds it first).
#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cli.hpp"
#include "command_rights.hpp"

using hookctl::Right;
using hookctl::cli::command_path;
using hookctl::cli::rights_needed;

namespace {

// The commands that run something: the leaves of the tree.
void leaves(const CLI::App& app, std::vector<std::string>& out) {
  const auto subs = app.get_subcommands({});
  if (subs.empty() && app.get_parent() != nullptr) out.push_back(command_path(app));
  for (const CLI::App* sub : subs) leaves(*sub, out);
}

}  // namespace

TEST_CASE("every command has its entry in the rights table") {
  hookctl::cli::Context ctx;
  CLI::App app{"hookctl"};
  for (auto add : {hookctl::cli::register_init_command, hookctl::cli::register_user_commands,
                   hookctl::cli::register_token_commands, hookctl::cli::register_webhook_commands,
                   hookctl::cli::register_auth_commands, hookctl::cli::register_check_command,
                   hookctl::cli::register_policy_commands, hookctl::cli::register_audit_command,
                   hookctl::cli::register_serve_command, hookctl::cli::register_store_commands})
    add(app, ctx);
  std::vector<std::string> commands;
  leaves(app, commands);
  REQUIRE(commands.size() > 30);
  for (const auto& c : commands) {
    INFO(c);
    CHECK(rights_needed(c).has_value());
  }
  // A few the man page states.
  CHECK(rights_needed("audit") == std::vector<Right>{Right::audit});
  CHECK(rights_needed("policy set") == std::vector<Right>{Right::administration});
  CHECK(rights_needed("user reactivate") == std::vector<Right>{Right::user_management});
  CHECK(rights_needed("user list") == std::vector<Right>{});
  CHECK_FALSE(rights_needed("user frobnicate").has_value());
}
