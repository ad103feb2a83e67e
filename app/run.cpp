// The CLI as a function: builds the command tree, parses, runs the chosen command, and turns
// every failure into one line on stderr and its exit code. Nothing below run_cli exits.
#include <fcntl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "complete.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/text.hpp"
#include "hookctl/token_format.hpp"
#include "output.hpp"

namespace {

using hookctl::Error;
using hookctl::ErrorKind;
using hookctl::cli::Context;

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The deepest subcommand the parse reached.
const CLI::App* deepest(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands())
    if (sub->parsed()) return deepest(*sub);
  return &app;
}

std::string subcommand_names(const CLI::App& app) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;  // hidden
    if (!names.empty()) names += ", ";
    names += sub->get_name();
  }
  return names;
}

std::string command_path(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* p = app.get_parent(); p != nullptr; p = p->get_parent())
    path = p->get_name() + " " + path;
  return path;
}

// The option of `where` (or of a command above it) that a mistyped `word` most likely meant:
// one it abbreviates, else one within two edits. Empty when none is close.
std::string suggest_option(const CLI::App& where, std::string_view word) {
  std::string best;
  size_t best_distance = 3;
  for (const CLI::App* app = &where; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      for (const std::string& name : option->get_lnames()) {
        const std::string candidate = "--" + name;
        if (candidate == "--help") continue;
        size_t d =
            word.size() >= 4 && candidate.rfind(word, 0) == 0 ? 0 : edit_distance(word, candidate);
        if (d < best_distance) {
          best_distance = d;
          best = candidate;
        }
      }
    }
  }
  return best;
}

// CLI11's message, plus a "did you mean" for a mistyped subcommand and a pointer to --help.
std::string usage_message(const CLI::App& root, const CLI::ParseError& e) {
  const CLI::App& where = *deepest(root);
  std::string message = e.what();
  // CLI11 keeps what it could not place; a word where a subcommand belongs is a typo.
  std::vector<std::string> rest = root.remaining(true);
  if (!rest.empty() && !rest.front().empty() && rest.front()[0] != '-' &&
      !where.get_subcommands({}).empty() && where.get_subcommands().empty()) {
    const std::string& typo = rest.front();
    std::string best;
    size_t best_distance = 3;
    for (const CLI::App* sub : where.get_subcommands({})) {
      if (sub->get_group().empty()) continue;
      size_t d = edit_distance(typo, sub->get_name());
      if (d < best_distance) {
        best_distance = d;
        best = sub->get_name();
      }
    }
    message = typo.size() <= 32 && hookctl::is_valid_name(typo)
                  ? fmt::format("unknown command '{}' for '{}'", typo, command_path(where))
                  : fmt::format("unknown command for '{}'", command_path(where));
    if (!best.empty()) message += fmt::format("; did you mean '{}'?", best);
  } else if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    // An unexpected word may be a secret typed where it does not belong: name the options,
    // never echo the values.
    std::vector<std::string> shown;
    size_t hidden = 0;
    bool secret_like = false;
    for (const auto& word : rest) {
      if (word.size() > 1 && word[0] == '-') {
        std::string name = word.substr(0, word.find('='));
        shown.push_back(name);
        secret_like |=
            name.find("password") != std::string::npos || name.find("secret") != std::string::npos;
      } else {
        ++hidden;
      }
    }
    message = shown.empty() ? std::string("unexpected argument")
                            : fmt::format("unknown option {}", fmt::join(shown, ", "));
    if (shown.size() == 1)
      if (std::string hint = suggest_option(where, shown.front()); !hint.empty())
        message += fmt::format("; did you mean {}?", hint);
    if (hidden > 0)
      message += fmt::format("{}{} value{} not shown", shown.empty() ? " (" : " (and ", hidden,
                             hidden == 1 ? "" : "s") +
                 ")";
    if (secret_like)
      message += "; hookctl never takes secrets as arguments: use --password-stdin, or a prompt";
  } else if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr) {
    // CLI11 quotes the value, and a value handed to a flag may be a secret
    // (--password-stdin=...): name the option only.
    std::string name;
    constexpr std::string_view could_not = "Could not convert: ", for_option = " for ";
    if (message.rfind(could_not, 0) == 0)
      name = message.substr(could_not.size(), message.find(" = ") - could_not.size());
    else if (size_t at = message.rfind(for_option); at != std::string::npos)
      name = message.substr(at + for_option.size());
    else
      name = message.substr(0, message.find(':'));
    message = name.rfind("--", 0) == 0 && name.find_first_of(" =") == std::string::npos
                  ? fmt::format("{} takes no value (the value given is not shown)", name)
                  : std::string("an option was given a value it does not take (not shown)");
  } else if (dynamic_cast<const CLI::ValidationError*>(&e) != nullptr) {
    // CLI11 repeats the value ("--kind: VALUE not in {app,api}"), which may be a secret pasted
    // in the wrong place: name the option and what it accepts, never the value.
    std::string name = message.substr(0, message.find(':'));
    if (name.find_first_of(" =") != std::string::npos || name.empty()) name = "a value";
    if (name.rfind("--", 0) != 0 && name != "a value")  // a positional: shown as in --help
      for (char& c : name) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    std::string accepted;
    if (size_t set = message.find(" not in {"); set != std::string::npos) {
      std::string words = message.substr(set + 9, message.find('}', set) - set - 9);
      std::replace(words.begin(), words.end(), ',', ' ');
      std::string list;
      for (size_t i = 0; i < words.size();) {
        size_t j = words.find(' ', i);
        if (j == std::string::npos) j = words.size();
        if (j > i) list += (list.empty() ? "" : ", ") + words.substr(i, j - i);
        i = j + 1;
      }
      accepted = " must be one of " + list;
    } else if (size_t range = message.find(" not in range "); range != std::string::npos) {
      accepted = " must be a number from " + message.substr(range + 14);
    } else {
      accepted = " was given a value it does not accept";
    }
    message = name + accepted + " (the value given is not shown)";
  } else if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
             message.find("subcommand") != std::string::npos) {
    // An option the command does not know (hookctl -V) is the problem, not the missing command.
    auto unknown = std::find_if(rest.begin(), rest.end(), [](const std::string& w) {
      return w.size() > 1 && w[0] == '-' && w.find('=') == std::string::npos && w.size() <= 40;
    });
    if (unknown != rest.end()) {
      message = fmt::format("unknown option {}", hookctl::printable(*unknown));
      if (std::string hint = suggest_option(where, *unknown); !hint.empty())
        message += fmt::format("; did you mean {}?", hint);
    } else {
      message =
          fmt::format("'{}' needs a command: {}", command_path(where), subcommand_names(where));
    }
  }
  return fmt::format("{} (see '{} --help')", message, command_path(where));
}

int report(const Context& ctx, ErrorKind kind, const std::string& message,
           const hookctl::ErrorDetails* details = nullptr) {
  if (ctx.json) {
    nlohmann::ordered_json doc{
        {"error", {{"code", std::string(hookctl::error_code_name(kind))}, {"message", message}}}};
    // What the error carries as data goes beside the message (the text shows it in the message).
    if (details != nullptr) doc["error"].update(hookctl::cli::to_json(*details));
    // Replacement, not an exception, for invalid UTF-8 (a value stored by an older version):
    // the error report must never be what fails.
    std::cerr << doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  } else {
    // Line breaks are the message's own (a refusal listing its blockers); every other control
    // character, from a stored value or a path, is shown escaped.
    std::string shown;
    for (size_t start = 0; start <= message.size();) {
      size_t end = std::min(message.find('\n', start), message.size());
      if (start > 0) shown += '\n';
      shown += hookctl::terminal_safe(std::string_view(message).substr(start, end - start));
      start = end + 1;
    }
    std::cerr << "hookctl: " << shown << '\n';
  }
  return static_cast<int>(kind);
}

// The first word of the command line that is not a global option (--db VALUE, --db=VALUE,
// --as NAME, --json and the other flags): the command group, or --version, when it can be told
// without parsing. Empty for any other option (--help, ...) or for none.
std::string_view first_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word == "--db" || word == "--as" || word == "--as-password-fd" ||
        word == "--as-token-file") {
      ++i;
      continue;
    }
    if (word == "--json" || word == "--wide" || word == "--no-headers" || word == "-q" ||
        word == "--quiet" || word == "--owner-override" || word.substr(0, 5) == "--db=" ||
        word.substr(0, 5) == "--as=" || word.substr(0, 17) == "--as-password-fd=" ||
        word.substr(0, 16) == "--as-token-file=")
      continue;
    if (word == "--version") return word;  // CLI11 prints the version where it meets the flag
    if (!word.empty() && word[0] == '-') return {};
    return word;
  }
  return {};
}

}  // namespace

namespace hookctl::cli {

int run_cli(int argc, char** argv) {
  Context ctx;
  // A standard descriptor closed by the caller would be taken by the next file opened (the
  // store), and output meant for the terminal written into it. Each is held by /dev/null opened
  // the wrong way round, so using it fails loudly instead: reading a closed stdin, or writing a
  // secret to a closed stdout, is an error, never an empty input or a lost secret.
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    if (fd == 0) ctx.stdin_closed = true;
    (void)::open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
  }
  // --json must shape even the errors CLI11 reports before it has parsed the flag.
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--json") == 0) ctx.json = true;

  // A secret typed or pasted as an argument is refused before anything can echo or store it:
  // not CLI11's messages, not a "no user named ..." refusal, not a label in the audit log.
  for (int i = 1; i < argc; ++i)
    if (hookctl::looks_like_secret(argv[i]))
      return report(ctx, ErrorKind::usage,
                    fmt::format("argument {} looks like a hookctl token secret, which is never "
                                "taken as an argument (it is not shown); pass tokens on stdin, "
                                "e.g. printf 'Bearer %s' \"$TOKEN\" | hookctl auth verify WEBHOOK",
                                i));

  CLI::App app{
      "Administer the credentials behind inbound webhooks: user accounts, App and "
      "integration tokens, and which webhook accepts which token.",
      "hookctl"};
  app.set_version_flag("--version", "hookctl " HOOKCTL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  takes(app.add_option("--db", ctx.db,
                       "Store file (default: $HOOKCTL_DB, else "
                       "$XDG_DATA_HOME/hookctl/store.db, else "
                       "~/.local/share/hookctl/store.db)"),
        ValueKind::file);
  app.add_flag("--json", ctx.json, "Print one JSON document on stdout; errors as JSON on stderr");
  app.add_flag("--wide", ctx.wide,
               "Show every table cell whole (tables otherwise fit the terminal, else $COLUMNS, "
               "else 80 columns)");
  app.add_flag("--no-headers", ctx.no_headers, "Print tables without their heading line");
  app.add_flag("-q,--quiet", ctx.quiet, "Do not say \"No matching ...\" when a list is empty");
  takes(app.add_option("--as", ctx.as,
                       "Act as this account (delegated mode; default $HOOKCTL_AS); its password "
                       "is asked for"),
        ValueKind::user);
  app.add_option("--as-password-fd", ctx.as_password_fd,
                 "Read the --as account's password from this file descriptor (one line)")
      ->check(CLI::Range(0, 1 << 20));
  takes(app.add_option("--as-token-file", ctx.as_token_file,
                       "Act as the owner of the admin token in FILE (mode 0600; default "
                       "$HOOKCTL_AS_TOKEN_FILE), for scripts and cron"),
        ValueKind::file);
  app.add_flag("--owner-override", ctx.owner_override,
               "Act as the store's owner whatever its rights say (the store file's owner or "
               "root only; audited)");
  app.footer(
      "Exit codes: 0 ok, 1 found (--exit-code), 2 usage, 3 not found, 4 conflict,\n"
      "5 unauthorized, 6 store, 7 forbidden, 70 internal. See 'man hookctl'.");

  // CLI11 builds every option of every command up front, which cost a point command (auth
  // verify, user show) a fifth of its run time. A command line that names its group gets that
  // group only (the others could not match anyway) and --version none; help, typos and the
  // completer see them all.
  using Register = void (*)(CLI::App&, Context&);
  static constexpr std::pair<std::string_view, Register> groups[] = {
      {"init", hookctl::cli::register_init_command},
      {"user", hookctl::cli::register_user_commands},
      {"token", hookctl::cli::register_token_commands},
      {"webhook", hookctl::cli::register_webhook_commands},
      {"auth", hookctl::cli::register_auth_commands},
      {"check", hookctl::cli::register_check_command},
      {"policy", hookctl::cli::register_policy_commands},
      {"audit", hookctl::cli::register_audit_command},
      {"serve", hookctl::cli::register_serve_command},
      {"store", hookctl::cli::register_store_commands},
      {"__complete", hookctl::cli::register_complete_command},
  };
  const std::string_view word = first_word(argc, argv);
  const bool known =
      word != "__complete" && std::any_of(std::begin(groups), std::end(groups),
                                          [&](const auto& g) { return g.first == word; });
  for (const auto& [name, add] : groups)
    if (word != "--version" && (!known || name == word)) add(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    if (!ctx.json) return app.exit(e);
    try {  // for packagers and scripts: what this build is and supports
      hookctl::cli::print_json(hookctl::cli::version_json(HOOKCTL_VERSION));
      hookctl::cli::require_stdout_written("the version");
      return 0;
    } catch (const Error& error) {
      return report(ctx, error.kind(), error.what());
    }
  } catch (const CLI::ParseError& e) {
    return report(ctx, ErrorKind::usage, usage_message(app, e));
  }

  try {
    if (!ctx.run) return report(ctx, ErrorKind::usage, "no command given (see 'hookctl --help')");
    ctx.run();
    ctx.publish_created_store();
    if (std::string warning = ctx.clock_warning(); !warning.empty())
      std::cerr << "hookctl: " << warning << '\n';
    // A listing or report cut short (a full disk, a closed pipe) must not look complete.
    hookctl::cli::require_stdout_written("the output");
    return ctx.exit_code;
  } catch (const std::exception& e) {
    ctx.abandon_created_store();
    Error err = hookctl::translate_exception(e);
    std::string message = err.what();
    if (err.kind() == ErrorKind::internal)
      message =
          fmt::format("internal error: {} (this is a bug in hookctl; please report it)", message);
    return report(ctx, err.kind(), message, err.details());
  } catch (...) {
    ctx.abandon_created_store();
    return report(ctx, ErrorKind::internal, "internal error (this is a bug; please report it)");
  }
}

}  // namespace hookctl::cli
