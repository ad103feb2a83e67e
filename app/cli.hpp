// The CLI's shared pieces: the invocation context handed to every command, the helper that
// registers a command, and the registration function of each command group.
//
// Every command is an options struct and a named function `run_<group>_<command>(Context&, const
// <Group><Command>Options&)` beside it in app/cmd_<group>.cpp. The function parses its options into
// library types, calls the library, and prints through output.hpp; nothing else. CONTRIBUTING.md
// has the recipe for adding one.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hookctl/secret.hpp"
#include "hookctl/session.hpp"
#include "hookctl/store.hpp"
#include "hookctl/vocabulary.hpp"

namespace hookctl::cli {

class Context {
 public:
  // Global options, valid before or after the subcommand.
  std::optional<std::string> db;
  bool json = false;
  bool wide = false;          // --wide: tables show every cell whole, however wide
  bool no_headers = false;    // --no-headers: tables without their heading line
  bool quiet = false;         // -q/--quiet: no "No matching ..." note for an empty listing
  bool stdin_closed = false;  // the caller closed descriptor 0 (reading it fails)

  // Acting as an account (global options): --as NAME (else $HOOKCTL_AS), its password from
  // --as-password-fd N or a prompt; --owner-override for the store's owner.
  std::optional<std::string> as;
  std::optional<int> as_password_fd;
  // --as-token-file FILE (else $HOOKCTL_AS_TOKEN_FILE): an admin token, acting as its owner.
  std::optional<std::string> as_token_file;
  bool owner_override = false;

  // The command chosen by the parse ("user create"); run after parsing succeeded.
  std::string command;
  std::function<void()> run;
  int exit_code = 0;

  bool stdin_tty() const;
  bool stdout_tty() const;
  bool stderr_tty() const;
  bool color() const;  // stdout is a terminal, NO_COLOR unset, TERM not dumb
  // The width of the terminal stdout is, in columns; nullopt when stdout is no terminal or its
  // size is unknown (0).
  std::optional<size_t> terminal_columns() const;

  // A report's --at TIME: the instant it reports at, overriding HOOKCTL_NOW.
  std::optional<std::string> at;

  // The instant this command runs at: --at, else HOOKCTL_NOW if set (malformed: Error(usage)),
  // else the clock.
  Time now();
  // After a command succeeded: the warning owed when it recorded a change under an overridden
  // clock (empty otherwise).
  std::string clock_warning() const;
  bool clock_warning_logged = false;  // the command said it in its own log (serve)
  // Opens the store (creating it only with OpenMode::create) and returns this command's session,
  // after deciding who the command acts as (hookctl::authorize, with the rights the command
  // needs: command_rights.hpp).
  Session& session(OpenMode mode);
  // After success: makes a store this command created (and committed nothing to) visible.
  void publish_created_store();
  // After a failure: removes a store this command created, so a failed command creates nothing.
  void abandon_created_store() noexcept;
  Store* store() noexcept { return store_.get(); }

 private:
  void authorize_actor();
  Secret read_actor_password();
  Secret read_admin_token_file(const std::string& path);

  std::optional<Time> now_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Session> session_;
};

// Reads a new password: --password-stdin reads one line; on a terminal it prompts twice with
// echo off; otherwise Error(usage). The result is validated.
Secret read_new_password(Context& ctx, bool from_stdin, std::string_view account);
// Reads one line from the terminal with echo off after printing `prompt` on stderr; echo comes
// back however the read ends.
Secret read_hidden_line(const std::string& prompt);
// Reads an existing password for a login: stdin line, or a prompt on a terminal.
Secret read_password(Context& ctx, std::string_view account);
// Destructive commands: true with --yes; on a terminal asks; elsewhere Error(usage).
void confirm(Context& ctx, bool yes, const std::string& question);

// Parses argv, runs the command, prints its result or its error, and returns the exit code.
int run_cli(int argc, char** argv);

void register_init_command(CLI::App& app, Context& ctx);
void register_user_commands(CLI::App& app, Context& ctx);
void register_token_commands(CLI::App& app, Context& ctx);
void register_webhook_commands(CLI::App& app, Context& ctx);
void register_auth_commands(CLI::App& app, Context& ctx);
void register_check_command(CLI::App& app, Context& ctx);
void register_policy_commands(CLI::App& app, Context& ctx);
void register_audit_command(CLI::App& app, Context& ctx);
void register_serve_command(CLI::App& app, Context& ctx);
void register_store_commands(CLI::App& app, Context& ctx);

// A command's words below the program's name: "user create".
std::string command_path(const CLI::App& cmd);

// Adds a subcommand with a one-line purpose and an example shown at the end of its --help.
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& purpose,
                      const std::string& example);

struct CommandHelp {
  std::string name;     // the word on the command line
  std::string purpose;  // one line, shown in the parent's --help
  std::string example;  // shown at the end of the command's --help
};

template <class Options>
struct Registered {
  CLI::App& cmd;
  Options& options;  // owned by the command; declare the command's options into it
};

// Registers a command whose parse fills an Options and whose work is `run`: after a successful
// parse, `ctx.run` calls run(ctx, options).
template <class Options>
Registered<Options> add_command(CLI::App& parent, Context& ctx, const CommandHelp& help,
                                void (*run)(Context&, const Options&)) {
  auto options = std::make_shared<Options>();
  CLI::App* cmd = add_command(parent, help.name, help.purpose, help.example);
  cmd->callback([&ctx, cmd, options, run] {
    ctx.command = command_path(*cmd);
    ctx.run = [&ctx, options, run] { run(ctx, *options); };
  });
  return {*cmd, *options};
}

// What an option's value is. It names the value in --help (NAME, ID, DUR, FILE, KEY) and tells
// the completer where candidates come from; set where the option is declared. active_user offers
// only accounts active now and not already named on the command line (an heir, a new owner).
enum class ValueKind {
  user,
  active_user,
  webhook,
  token,
  integration_token,
  file,
  duration,
  duration_or_time,  // a duration back from now, or a time (see since_option)
  policy_key,
};
CLI::Option* takes(CLI::Option* option, ValueKind kind);
std::optional<ValueKind> value_kind_of(const CLI::Option& option);

// An option that accepts exactly the words of the enum E (see hookctl/vocabulary.hpp).
template <HasWords E>
CLI::Option* one_of(CLI::Option* option) {
  return option->check(CLI::IsMember(words_of<E>()));
}

// A report's --at TIME (into ctx.at): report as of that instant instead of now.
void add_at_option(CLI::App& cmd, Context& ctx);

// Parses an optional duration option; Error(usage) names the option on a bad value.
std::optional<Duration> duration_option(const std::optional<std::string>& text,
                                        std::string_view option);

// Parses an optional "since" option (DUR before the command's now, or TIME: parse_since);
// Error(usage) names the option on a bad value.
std::optional<Time> since_option(Context& ctx, const std::optional<std::string>& text,
                                 std::string_view option);

}  // namespace hookctl::cli
