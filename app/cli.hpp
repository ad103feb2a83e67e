// The CLI's shared pieces: the invocation context handed to every command group, and the
// registration function of each group. A command handler parses its own arguments into library
// types, calls the library, and prints through output.hpp; nothing else.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hookctl/secret.hpp"
#include "hookctl/session.hpp"
#include "hookctl/store.hpp"

namespace hookctl::cli {

class Context {
 public:
  // Global options, valid before or after the subcommand.
  std::optional<std::string> db;
  bool json = false;
  bool stdin_closed = false;  // the caller closed descriptor 0 (reading it fails)

  // The command chosen by the parse; run after parsing succeeded.
  std::function<void()> run;
  int exit_code = 0;

  bool stdin_tty() const;
  bool stdout_tty() const;
  bool stderr_tty() const;
  bool color() const;  // stdout is a terminal, NO_COLOR unset, TERM not dumb

  // The instant this command runs at: HOOKCTL_NOW if set (malformed: Error(usage)), else the clock.
  Time now();
  // Opens the store (creating it only with OpenMode::create) and returns this command's session.
  Session& session(OpenMode mode);
  // After success: makes a store this command created (and committed nothing to) visible.
  void publish_created_store();
  // After a failure: removes a store this command created, so a failed command creates nothing.
  void abandon_created_store() noexcept;
  Store* store() noexcept { return store_.get(); }

 private:
  std::optional<Time> now_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Session> session_;
};

// Reads a new password: --password-stdin reads one line; on a terminal it prompts twice with
// echo off; otherwise Error(usage). The result is validated.
Secret read_new_password(Context& ctx, bool from_stdin, std::string_view account);
// Reads an existing password for a login: stdin line, or a prompt on a terminal.
Secret read_password(Context& ctx, std::string_view account);
// Destructive commands: true with --yes; on a terminal asks; elsewhere Error(usage).
void confirm(Context& ctx, bool yes, const std::string& question);

void register_init_command(CLI::App& app, Context& ctx);
void register_user_commands(CLI::App& app, Context& ctx);
void register_token_commands(CLI::App& app, Context& ctx);
void register_webhook_commands(CLI::App& app, Context& ctx);
void register_auth_commands(CLI::App& app, Context& ctx);
void register_check_command(CLI::App& app, Context& ctx);
void register_policy_commands(CLI::App& app, Context& ctx);
void register_audit_command(CLI::App& app, Context& ctx);

// Adds a subcommand with a one-line purpose and an example shown at the end of its --help.
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& purpose,
                      const std::string& example);

// Parses an optional duration option; Error(usage) names the option on a bad value.
std::optional<Duration> duration_option(const std::optional<std::string>& text,
                                        std::string_view option);

}  // namespace hookctl::cli
