#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>

#include "cli.hpp"
#include "command_rights.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/password.hpp"
#include "hookctl/rights.hpp"
#include "hookctl/text.hpp"
#include "output.hpp"

namespace hookctl::cli {

bool Context::stdin_tty() const { return ::isatty(STDIN_FILENO) == 1; }
bool Context::stdout_tty() const { return ::isatty(STDOUT_FILENO) == 1; }
bool Context::stderr_tty() const { return ::isatty(STDERR_FILENO) == 1; }

bool Context::color() const {
  static const bool enabled = [this] {
    if (std::getenv("NO_COLOR") != nullptr) return false;  // never when NO_COLOR is set
    const char* term = std::getenv("TERM");
    if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
    return stdout_tty();
  }();
  return enabled;
}

std::optional<size_t> Context::terminal_columns() const {
  winsize size{};
  if (!stdout_tty() || ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_col == 0)
    return std::nullopt;
  return size.ws_col;
}

Time Context::now() {
  if (!now_) {
    if (at) {
      auto t = parse_rfc3339(*at);
      if (!t)
        fail(ErrorKind::usage,
             "--at takes an RFC 3339 time such as 2026-11-28T13:00:00Z (the value given is not "
             "shown)");
      now_ = t;
    } else {
      now_ = command_now(clock_override());
    }
  }
  return *now_;
}

Session& Context::session(OpenMode mode) {
  if (!session_) {
    Time t = now();  // a malformed HOOKCTL_NOW fails before the store is touched
    // Under sudo the store is the target user's: a caller who is not root may not point the
    // command at another one (where it could plant an account holding every right).
    if (auto caller = sudo_caller(); caller && *caller != 0) {
      const char* env = std::getenv("HOOKCTL_DB");
      if (db || (env != nullptr && *env != '\0'))
        fail(ErrorKind::usage,
             "under sudo the store is the target user's own: --db and HOOKCTL_DB are refused "
             "unless you are root");
    }
    store_ = open_store(locate_store(db), mode);
    session_ = std::make_unique<Session>(*store_, t, invoking_actor());
    if (at || clock_override() != nullptr) session_->note_real_time(system_now());
    authorize_actor();
  }
  return *session_;
}

void Context::authorize_actor() {
  std::optional<std::vector<Right>> needs;
  for (std::string c = command; !needs && !c.empty();) {  // "policy set KEY" is "policy set"'s
    needs = rights_needed(c);
    const size_t space = c.rfind(' ');
    c = space == std::string::npos ? std::string() : c.substr(0, space);
  }
  if (!needs) fail(ErrorKind::internal, fmt::format("no rights are declared for '{}'", command));
  auto from_env = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::optional<std::string>(v) : std::nullopt;
  };
  if (!as && !as_token_file) {
    as = from_env("HOOKCTL_AS");
    if (!as) as_token_file = from_env("HOOKCTL_AS_TOKEN_FILE");
  }
  if (as && as_token_file)
    fail(ErrorKind::usage, "give --as NAME or --as-token-file FILE, not both");
  // A command that needs no right, with no actor named, is not asked anything (auth verify runs
  // once per webhook call).
  if (needs->empty() && !as && !as_token_file && !owner_override) return;
  ActorCredentials credentials;
  credentials.owner_override = owner_override;
  if (!owner_override) {
    if (as) {
      credentials.account = *as;
      credentials.password = read_actor_password();
    } else if (as_token_file) {
      credentials.admin_token = read_admin_token_file(*as_token_file);
    }
  }
  authorize(*session_, command, *needs, credentials);
}

Secret Context::read_admin_token_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    fail(ErrorKind::usage, fmt::format("--as-token-file: cannot open {}: {}", terminal_safe(path),
                                       std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
    ::close(fd);
    fail(ErrorKind::usage,
         fmt::format("--as-token-file: {} must be a regular file only its owner can read "
                     "(chmod 600): it holds a credential",
                     terminal_safe(path)));
  }
  try {
    Secret token = read_bounded(fd, 1024, true, "the admin token file");
    ::close(fd);
    return token;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

Secret Context::read_actor_password() {
  if (as_password_fd)
    return read_bounded(*as_password_fd, password_max_bytes, true, "the password of --as");
  if (!stdin_tty())
    fail(ErrorKind::usage,
         "--as: no terminal to ask for the account's password; give it on a descriptor with "
         "--as-password-fd N");
  return read_hidden_line(fmt::format("Password for {} (acting): ", *as));
}

std::string Context::clock_warning() const {
  // A refusal (a rejected call's summary is bookkeeping, not a change) exits non-zero: no warning.
  if (exit_code != 0 || clock_warning_logged || !session_ || !store_ || store_->commits() == 0)
    return {};
  if (!session_->overridden_real_time()) return {};
  return fmt::format("warning: HOOKCTL_NOW is set: recorded {} as now",
                     format_rfc3339(session_->now()));
}

void Context::publish_created_store() {
  if (!store_) return;
  store_->publish();
  // A store created by a typo in --db or HOOKCTL_DB must not go unnoticed.
  if (store_->created())
    say_stderr(fmt::format("Created a new store at {}.", terminal_safe(store_->location())));
}

void Context::abandon_created_store() noexcept {
  session_.reset();
  if (store_) store_->abandon_creation();
  store_.reset();
}

namespace {

// The terminal settings to put back if a signal ends the process at a prompt.
termios saved_terminal{};
constexpr int prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_terminal_and_die(int sig) {
  // Only async-signal-safe calls: put echo back, then die of the same signal as before.
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Reads one line from the terminal with echo off; the prompt goes to stderr once echo is off, so
// whatever is typed after it appears is never shown. Echo comes back however the prompt ends: a
// line, an error, or a signal (Ctrl-C, Ctrl-\, a hang-up, kill).
Secret prompt_hidden(const std::string& prompt) {
  termios saved{};
  bool restore = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  struct sigaction previous[std::size(prompt_signals)]{};
  if (restore) {
    saved_terminal = saved;
    struct sigaction on_signal {};
    on_signal.sa_handler = restore_terminal_and_die;
    sigemptyset(&on_signal.sa_mask);
    for (size_t i = 0; i < std::size(prompt_signals); ++i)
      ::sigaction(prompt_signals[i], &on_signal, &previous[i]);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);  // TCSANOW: keep typed-ahead input
  }
  std::cerr << prompt << std::flush;
  auto put_back = [&] {
    if (!restore) return;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    for (size_t i = 0; i < std::size(prompt_signals); ++i)
      ::sigaction(prompt_signals[i], &previous[i], nullptr);
  };
  try {
    Secret s = read_bounded(STDIN_FILENO, password_max_bytes, true, "the password");
    put_back();
    return s;
  } catch (...) {
    put_back();
    throw;
  }
}

}  // namespace

Secret read_hidden_line(const std::string& prompt) { return prompt_hidden(prompt); }

Secret read_new_password(Context& ctx, bool from_stdin, std::string_view account) {
  if (from_stdin) {
    // On a terminal, --password-stdin is typed: never echoed.
    Secret pw = ctx.stdin_tty()
                    ? prompt_hidden(fmt::format("Password for {} (one line): ", account))
                    : read_bounded(STDIN_FILENO, password_max_bytes, true, "the password");
    validate_password(pw.view());
    return pw;
  }
  if (!ctx.stdin_tty())
    fail(ErrorKind::usage,
         "no terminal to ask for the password: pass --password-stdin (or "
         "--no-password when creating a user)");
  // A person at a terminal gets the rule up front and three tries, like passwd(1).
  constexpr int tries = 3;
  for (int attempt = 1;; ++attempt) {
    Secret first = prompt_hidden(
        fmt::format("New password for {} (at least {} characters): ", account, password_min_chars));
    try {
      validate_password(first.view());
      Secret second = prompt_hidden("Repeat the password: ");
      if (first.view() != second.view()) fail(ErrorKind::usage, "the passwords do not match");
      return first;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::usage || attempt == tries) throw;
      std::cerr << e.what() << "; try again.\n";
    }
  }
}

Secret read_password(Context& ctx, std::string_view account) {
  if (ctx.stdin_tty()) return prompt_hidden(fmt::format("Password for {}: ", account));
  return read_bounded(STDIN_FILENO, password_max_bytes, true, "the password");
}

void confirm(Context& ctx, bool yes, const std::string& question) {
  if (yes) return;
  if (!ctx.stdin_tty() || !ctx.stderr_tty())
    fail(ErrorKind::usage, "this command changes things for good: confirm with --yes");
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer) || (answer != "y" && answer != "Y" && answer != "yes"))
    fail(ErrorKind::usage, "not confirmed; nothing was changed");
}

std::string command_path(const CLI::App& cmd) {
  std::string path = cmd.get_name();
  for (const CLI::App* p = cmd.get_parent(); p != nullptr && p->get_parent() != nullptr;
       p = p->get_parent())
    path = p->get_name() + " " + path;
  return path;
}

CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& purpose,
                      const std::string& example) {
  CLI::App* cmd = parent.add_subcommand(name, purpose);
  if (!example.empty()) cmd->footer("Example:\n  " + example);
  return cmd;
}

void add_at_option(CLI::App& cmd, Context& ctx) {
  cmd.add_option("--at", ctx.at,
                 "Report as of TIME (RFC 3339), e.g. to see what breaks over a weekend; the "
                 "same as HOOKCTL_NOW for this command");
}

std::optional<Duration> duration_option(const std::optional<std::string>& text,
                                        std::string_view option) {
  if (!text) return std::nullopt;
  try {
    return parse_duration(*text);
  } catch (const Error& e) {
    fail(ErrorKind::usage, fmt::format("{}: {}", option, e.what()));
  }
}

std::optional<Time> since_option(Context& ctx, const std::optional<std::string>& text,
                                 std::string_view option) {
  if (!text) return std::nullopt;
  const Time now = ctx.now();  // a malformed HOOKCTL_NOW or --at is its own error
  try {
    return parse_since(*text, now);
  } catch (const Error& e) {
    fail(ErrorKind::usage, fmt::format("{}: {}", option, e.what()));
  }
}

}  // namespace hookctl::cli
