// hookctl user create|list|show|import|reactivate|set-password|delete
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "hookctl/accounts.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/password.hpp"
#include "hookctl/tokens.hpp"
#include "output.hpp"

namespace hookctl::cli {

namespace {

std::vector<std::pair<std::string, std::string>> account_fields(const Context& ctx,
                                                                const Account& a, Time now) {
  std::string status = a.active ? "active" : "inactive";
  return {
      {"name", a.name},
      {"kind", std::string(to_string(a.kind))},
      {"email", or_dash(a.email)},
      {"status", paint(ctx, status, tone_of_status(status))},
      {"created", show_time(ctx, a.created_at, now)},
      {"last activity", show_time(ctx, a.last_activity_at, now) + " via " + a.last_activity_source},
      {a.active ? "inactive at" : "inactive since", show_time(ctx, a.inactive_at, now)},
      {"password", a.has_password ? "set" : "none"},
      {"tokens", std::to_string(a.tokens)},
  };
}

}  // namespace

// --- user create -------------------------------------------------------------------------------

struct UserCreateOptions {
  std::string name;
  bool service = false;
  std::optional<std::string> email;
  bool password_stdin = false;
  bool no_password = false;
};

void run_user_create(Context& ctx, const UserCreateOptions& o) {
  NewAccount spec{o.name, o.service ? AccountKind::service : AccountKind::person, o.email,
                  std::nullopt};
  // Everything that can be refused is refused before anyone types a password.
  validate_name(spec.name, "user name");
  if (spec.email) validate_email(*spec.email);
  Session& s = ctx.session(OpenMode::create);
  ensure_account_name_free(s, spec.name);
  if (!o.no_password) {
    if (!o.password_stdin && !ctx.stdin_tty())
      fail(ErrorKind::usage,
           "no terminal to ask for a password: pass --password-stdin or --no-password");
    Secret pw = read_new_password(ctx, o.password_stdin, o.name);
    spec.password_hash = hash_password(pw.view());
  }
  Account a = create_account(s, spec);
  if (ctx.json) return print_json(to_json(a));
  say(fmt::format("Created {} account {} (active until {} without activity).", to_string(a.kind),
                  a.name, format_rfc3339(a.inactive_at)));
}

void add_user_create(CLI::App& user, Context& ctx) {
  auto [cmd, o] = add_command(user, ctx,
                              {"create", "Create a user account (active from now)",
                               "hookctl user create svc-orders --service --no-password"},
                              run_user_create);
  takes(cmd.add_option("name", o.name, "Account name: 1-64 of A-Z a-z 0-9 . _ @ -"),
        ValueKind::user)
      ->required();
  cmd.add_flag("--service", o.service, "A service account (not linked to a person)");
  cmd.add_option("--email", o.email, "Contact address");
  auto* ps = cmd.add_flag("--password-stdin", o.password_stdin, "Read the password from stdin");
  auto* np = cmd.add_flag("--no-password", o.no_password, "No password (token-only account)");
  ps->excludes(np);
}

// --- user list ---------------------------------------------------------------------------------

struct UserListOptions {
  bool inactive = false;
  std::optional<std::string> within;
  std::optional<std::string> kind;
  bool exit_code = false;
};

void run_user_list(Context& ctx, const UserListOptions& o) {
  AccountFilter f;
  f.inactive = o.inactive;
  f.inactive_within = duration_option(o.within, "--inactive-within");
  if (o.kind) f.kind = from_string<AccountKind>(*o.kind);
  Session& s = ctx.session(OpenMode::read);
  size_t count = 0;
  if (ctx.json) {
    JsonArray out;
    list_accounts(s, f, [&](const Account& a) {
      out.add(a);
      ++count;
    });
  } else {
    Table t({shrinking("NAME"), "KIND", "STATUS", "LAST ACTIVITY", "INACTIVE AT", "TOKENS"});
    list_accounts(s, f, [&](const Account& a) {
      std::string status = a.active ? "active" : "inactive";
      t.add({a.name, std::string(to_string(a.kind)), paint(ctx, status, tone_of_status(status)),
             table_time(a.last_activity_at, s.now()), table_time(a.inactive_at, s.now()),
             std::to_string(a.tokens)});
      ++count;
    });
    if (count > 0)
      t.print(ctx);
    else
      say_none_found(ctx, "No matching accounts.");
  }
  if (o.exit_code && count > 0) ctx.exit_code = 1;
}

void add_user_list(CLI::App& user, Context& ctx) {
  auto [cmd, o] = add_command(user, ctx,
                              {"list", "List accounts, or those inactive or going inactive soon",
                               "hookctl user list --inactive-within 14d --json"},
                              run_user_list);
  auto* inactive = cmd.add_flag("--inactive", o.inactive, "Only accounts inactive now");
  auto* within = takes(cmd.add_option("--inactive-within", o.within,
                                      "Only active accounts that become inactive within DUR, "
                                      "soonest first"),
                       ValueKind::duration);
  inactive->excludes(within);
  one_of<AccountKind>(cmd.add_option("--kind", o.kind, "person or service"));
  cmd.add_flag("--exit-code", o.exit_code, "Exit 1 when the list is not empty");
  add_at_option(cmd, ctx);
}

// --- user show ---------------------------------------------------------------------------------

struct UserShowOptions {
  std::string name;
};

void run_user_show(Context& ctx, const UserShowOptions& o) {
  Session& s = ctx.session(OpenMode::read);
  AccountDetails d = show_account_details(s, o.name);
  if (ctx.json) {
    Json doc = to_json(d.account);
    doc["token_list"] = Json::array();
    for (const auto& t : d.tokens) doc["token_list"].push_back(to_json(t));
    doc["webhooks"] = d.webhooks;
    return print_json(doc);
  }
  print_fields(account_fields(ctx, d.account, s.now()));
  if (d.tokens.empty()) return;
  say("");
  Table t({"TOKEN", "KIND", shrinking("LABEL"), "STATUS", "LAST USED", shrinking("WEBHOOKS")});
  for (const auto& tok : d.tokens) {
    std::string st(to_string(tok.status));
    t.add({tok.id, std::string(to_string(tok.kind)), or_dash(tok.name),
           paint(ctx, st, tone_of_status(st)), table_time(tok.last_used_at, s.now()),
           name_list(tok.webhooks)});
  }
  t.print(ctx);
}

void add_user_show(CLI::App& user, Context& ctx) {
  auto [cmd, o] = add_command(
      user, ctx,
      {"show", "Show an account with its tokens and webhooks", "hookctl user show alice --json"},
      run_user_show);
  takes(cmd.add_option("name", o.name, "Account name"), ValueKind::user)->required();
}

// --- user import -------------------------------------------------------------------------------

struct UserImportOptions {
  std::optional<std::string> file;
};

void run_user_import(Context& ctx, const UserImportOptions& o) {
  std::ifstream in_file;
  std::istream* in = &std::cin;
  size_t total = 0;
  if (o.file && *o.file != "-") {
    in_file.open(*o.file, std::ios::binary);
    if (!in_file) fail(ErrorKind::usage, fmt::format("cannot open {}", *o.file));
    struct stat st;
    if (::stat(o.file->c_str(), &st) == 0) total = static_cast<size_t>(st.st_size);
    in = &in_file;
  } else if (ctx.stdin_closed) {
    fail(ErrorKind::usage, "standard input is closed: give a FILE, or pipe the JSON Lines in");
  } else if (ctx.stdin_tty()) {
    say_stderr(
        "Reading JSON Lines (one account per line) from the terminal; end with Ctrl-D, or "
        "give a FILE.");
  }
  const bool show_progress = ctx.stderr_tty() && !ctx.json;
  bool drew = false;
  auto progress = [&](size_t lines, size_t bytes) {
    if (!show_progress || lines < 10000) return;
    drew = true;
    if (total > 0)
      std::cerr << fmt::format("\rreading: {} lines ({:3}%)", lines,
                               std::min<size_t>(100, bytes * 100 / total))
                << std::flush;
    else
      std::cerr << fmt::format("\rreading: {} lines", lines) << std::flush;
  };
  Session& s = ctx.session(OpenMode::create);
  ImportSummary r = import_accounts(s, *in, progress);
  if (drew) std::cerr << '\n';
  if (ctx.json) return print_json(Json{{"added", r.added}});
  say(fmt::format("Imported {} account{}.", r.added, r.added == 1 ? "" : "s"));
}

void add_user_import(CLI::App& user, Context& ctx) {
  auto [cmd, o] =
      add_command(user, ctx,
                  {"import", "Import accounts from JSON Lines (FILE or stdin), all or nothing",
                   "hookctl user import accounts.jsonl"},
                  run_user_import);
  takes(cmd.add_option("file", o.file, "JSON Lines file; '-' or nothing reads stdin"),
        ValueKind::file);
}

// --- user reactivate ---------------------------------------------------------------------------

struct UserReactivateOptions {
  std::string name;
};

void run_user_reactivate(Context& ctx, const UserReactivateOptions& o) {
  Session& s = ctx.session(OpenMode::write);
  Reactivation r = reactivate_account(s, o.name);
  if (ctx.json) return print_json(to_json(r.account));
  if (r.changed)
    say(fmt::format("Reactivated {}: active until {} without activity; its tokens work again.",
                    r.account.name, format_rfc3339(r.account.inactive_at)));
  else
    say(fmt::format("{} is already active (until {}); nothing changed.", r.account.name,
                    format_rfc3339(r.account.inactive_at)));
}

void add_user_reactivate(CLI::App& user, Context& ctx) {
  auto [cmd, o] = add_command(user, ctx,
                              {"reactivate", "Make an inactive account active again as of now",
                               "hookctl user reactivate alice"},
                              run_user_reactivate);
  takes(cmd.add_option("name", o.name, "Account name"), ValueKind::user)->required();
}

// --- user set-password -------------------------------------------------------------------------

struct UserSetPasswordOptions {
  std::string name;
  bool password_stdin = false;
};

void run_user_set_password(Context& ctx, const UserSetPasswordOptions& o) {
  Secret pw = read_new_password(ctx, o.password_stdin, o.name);
  std::string hash = hash_password(pw.view());
  Session& s = ctx.session(OpenMode::write);
  const bool had_password = show_account(s, o.name).has_password;
  Account a = set_account_password(s, o.name, hash);
  if (ctx.json) return print_json(to_json(a));
  say(fmt::format("Password of {} {}. Its status ({}) and its {} token{} are unchanged.", a.name,
                  had_password ? "replaced" : "set (it had none)", a.active ? "active" : "inactive",
                  a.tokens, a.tokens == 1 ? "" : "s"));
}

void add_user_set_password(CLI::App& user, Context& ctx) {
  auto [cmd, o] =
      add_command(user, ctx,
                  {"set-password", "Replace an account's password; status and tokens are untouched",
                   "pwgen -s 32 1 | hookctl user set-password alice --password-stdin"},
                  run_user_set_password);
  takes(cmd.add_option("name", o.name, "Account name"), ValueKind::user)->required();
  cmd.add_flag("--password-stdin", o.password_stdin, "Read the password from stdin");
}

// --- user delete -------------------------------------------------------------------------------

struct UserDeleteOptions {
  std::string name;
  std::optional<std::string> transfer_to;
  bool yes = false;
  bool dry_run = false;
};

void print_deletion(Context& ctx, const Deletion& d, bool dry_run) {
  if (ctx.json) {
    Json moved = Json::array();
    for (const auto& t : d.transferred) moved.push_back(t.id);
    return print_json(Json{{"deleted", d.account.name},
                           {"dry_run", dry_run},
                           {"transferred_to", d.heir ? Json(*d.heir) : Json()},
                           {"transferred_tokens", moved},
                           {"basic_webhooks_username_changed", d.basic_webhooks},
                           {"webhooks_left_without_token", d.webhooks_left_without_token}});
  }
  say(dry_run ? fmt::format("Would delete user {} (dry run: nothing was changed).", d.account.name)
              : fmt::format("Deleted user {}.", d.account.name));
  for (const auto& t : d.transferred)
    say(fmt::format("  token {} ({}) {} owned by {}; webhooks: {}", t.id, to_string(t.kind),
                    dry_run ? "would be" : "now", t.owner, name_list(t.webhooks)));
  if (!d.transferred.empty() && !dry_run)
    say("Secrets are unchanged; rotate them if the leaver knew them: hookctl token rotate ID "
        "--grace 1d");
  for (const auto& w : d.basic_webhooks)
    say(fmt::format("  note: webhook {} uses Basic auth; callers must {} send username {}", w,
                    dry_run ? "then" : "now", *d.heir));
  if (!d.webhooks_left_without_token.empty())
    say(
        fmt::format("  note: {} {} {} without a token (bound to a revoked token of {}); bind one "
                    "with 'hookctl webhook bind NAME --token ID'",
                    d.webhooks_left_without_token.size() == 1 ? "webhook" : "webhooks",
                    name_list(d.webhooks_left_without_token), dry_run ? "would be left" : "is left",
                    d.account.name));
}

void run_user_delete(Context& ctx, const UserDeleteOptions& o) {
  Session& s = ctx.session(OpenMode::write);
  // Every check runs first, as a rehearsal that keeps nothing: what blocks the deletion is said
  // before any question is asked.
  Deletion plan = s.store().rehearse([&] { return delete_account(s, o.name, o.transfer_to); });
  if (o.dry_run) return print_deletion(ctx, plan, true);
  confirm(ctx, o.yes,
          o.transfer_to ? fmt::format("Delete user {} and move its tokens to {}?",
                                      plan.account.name, *plan.heir)
                        : fmt::format("Delete user {}?", plan.account.name));
  print_deletion(ctx, delete_account(s, o.name, o.transfer_to), false);
}

void add_user_delete(CLI::App& user, Context& ctx) {
  auto [cmd, o] = add_command(
      user, ctx,
      {"delete", "Delete an account (refused while tokens are linked, unless --transfer-to)",
       "hookctl user delete alice --transfer-to svc-orders --yes"},
      run_user_delete);
  takes(cmd.add_option("name", o.name, "Account name"), ValueKind::user)->required();
  takes(cmd.add_option("--transfer-to", o.transfer_to,
                       "Move every token (same secrets and webhooks) to this active account first"),
        ValueKind::user);
  cmd.add_flag("--yes,-y", o.yes, "Do not ask for confirmation");
  cmd.add_flag("--dry-run", o.dry_run,
               "Run every check and say what would change; change nothing (needs no --yes)");
}

// --- the group ---------------------------------------------------------------------------------

void register_user_commands(CLI::App& app, Context& ctx) {
  CLI::App* user = add_command(app, "user", "Manage user accounts and their activity",
                               "hookctl user list --inactive-within 14d");
  user->require_subcommand(1);
  add_user_create(*user, ctx);
  add_user_list(*user, ctx);
  add_user_show(*user, ctx);
  add_user_import(*user, ctx);
  add_user_reactivate(*user, ctx);
  add_user_set_password(*user, ctx);
  add_user_delete(*user, ctx);
}

}  // namespace hookctl::cli
