// hookctl auth verify|login
#include <fmt/format.h>
#include <unistd.h>

#include "cli.hpp"
#include "hookctl/accounts.hpp"
#include "hookctl/auth.hpp"
#include "hookctl/authorization.hpp"
#include "hookctl/error.hpp"
#include "output.hpp"

namespace hookctl::cli {

// --- auth verify -------------------------------------------------------------------------------

struct AuthVerifyOptions {
  std::string webhook;
  bool no_record = false;
};

void run_auth_verify(Context& ctx, const AuthVerifyOptions& o) {
  // One byte over the limit is enough to know the value is too large. Typed at a terminal, the
  // value (a secret) is asked for with echo off.
  Secret value = ctx.stdin_tty() ? read_hidden_line("Authorization value for webhook " + o.webhook +
                                                    " (e.g. Bearer <token>; not echoed): ")
                                 : read_up_to(STDIN_FILENO, authorization_max_bytes + 1,
                                              "the Authorization value");
  Session& s = ctx.session(OpenMode::read);
  // --no-record decides exactly as a call would, and writes nothing: no activity, no summary.
  Verdict v = o.no_record ? decide_call(s, o.webhook, value.view())
                          : verify_call(s, o.webhook, value.view());
  ctx.exit_code = v.accepted ? 0 : static_cast<int>(ErrorKind::unauthorized);
  if (!v.activity_recorded)
    say_stderr("hookctl: warning: this use was not recorded as activity: " + v.activity_problem);
  if (ctx.json) {
    auto opt = [](const std::optional<std::string>& x) { return x ? Json(*x) : Json(); };
    return print_json(
        Json{{"status", v.accepted ? 200 : 401},
             {"webhook", v.webhook},
             {"user", opt(v.user)},
             {"token", opt(v.token)},
             {"code", v.accepted ? Json() : Json(std::string(to_string(v.rejection)))},
             {"reason", v.accepted ? Json() : Json(v.reason)},
             {"recorded", v.accepted && !o.no_record && v.activity_recorded}});
  }
  say(v.accepted ? std::string("200") : "401 " + v.reason);
}

void add_auth_verify(CLI::App& auth, Context& ctx) {
  auto [cmd, o] = add_command(auth, ctx,
                              {"verify",
                               "Answer a webhook call: reads the Authorization value on stdin, "
                               "prints 200 or 401 <reason>",
                               "printf 'Bearer %s' \"$TOKEN\" | hookctl auth verify orders"},
                              run_auth_verify);
  takes(cmd.add_option("webhook", o.webhook, "Webhook name"), ValueKind::webhook)->required();
  cmd.add_flag("--no-record", o.no_record,
               "Decide only: the call is not counted as activity and a rejection is not logged "
               "(to prove a new secret without keeping an account alive)");
}

// --- auth login --------------------------------------------------------------------------------

struct AuthLoginOptions {
  std::string name;
};

void run_auth_login(Context& ctx, const AuthLoginOptions& o) {
  Secret pw = read_password(ctx, o.name);
  Session& s = ctx.session(OpenMode::read);
  Account a;
  switch (login(s, o.name, pw.view(), &a)) {
    case LoginOutcome::rejected:
      fail(ErrorKind::unauthorized, "authentication failed: unknown user or wrong password");
    case LoginOutcome::inactive:
      fail(ErrorKind::unauthorized,
           fmt::format("account {} is inactive (since {}); an administrator can run 'hookctl "
                       "user reactivate {}'",
                       a.name, format_rfc3339(a.inactive_at), a.name));
    case LoginOutcome::locked:
      fail(ErrorKind::unauthorized,
           fmt::format("account {}'s password is locked until {} after too many failed attempts; "
                       "'hookctl user unlock {}' lifts it at once",
                       a.name, format_rfc3339(*a.locked_until), a.name));
    case LoginOutcome::accepted:
      break;
  }
  if (!s.store().writable())
    say_stderr(
        "hookctl: warning: the store is read-only, so this login was not recorded as activity");
  if (ctx.json) return print_json(to_json(a));
  say(fmt::format("Login accepted for {}; active until {}.", a.name,
                  format_rfc3339(a.inactive_at)));
}

void add_auth_login(CLI::App& auth, Context& ctx) {
  auto [cmd, o] = add_command(auth, ctx,
                              {"login",
                               "Check a password (stdin, or a prompt on a terminal); success "
                               "counts as activity",
                               "hookctl auth login alice < password.txt"},
                              run_auth_login);
  takes(cmd.add_option("name", o.name, "Account name"), ValueKind::user)->required();
}

// --- the group ---------------------------------------------------------------------------------

void register_auth_commands(CLI::App& app, Context& ctx) {
  CLI::App* auth = add_command(app, "auth", "Authenticate webhook calls and logins",
                               "printf 'Bearer %s' \"$TOKEN\" | hookctl auth verify orders");
  auth->require_subcommand(1);
  add_auth_verify(*auth, ctx);
  add_auth_login(*auth, ctx);
}

}  // namespace hookctl::cli
