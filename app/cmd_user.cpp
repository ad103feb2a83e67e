// hookctl user create|list|show|edit|import|reactivate|set-password|delete
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
#include "hookctl/rights.hpp"
#include "hookctl/tokens.hpp"
#include "output.hpp"

namespace hookctl::cli {

namespace {

std::vector<std::pair<std::string, std::string>> account_fields(const Context& ctx,
                                                                const Account& a, Time now) {
  std::string status = a.active ? "active" : "inactive";
  std::vector<std::pair<std::string, std::string>> fields{
      {"name", a.name},
      {"kind", std::string(to_string(a.kind))},
      {"email", or_dash(a.email)},
      {"status", paint(ctx, status, tone_of_status(status))},
      {"created", show_time(ctx, a.created_at, now)},
      {"last activity", show_time(ctx, a.last_activity_at, now) + " via " + a.last_activity_source},
      {a.active ? "inactive at" : "inactive since", show_time(ctx, a.inactive_at, now)},
      {"password", a.has_password ? "set" : "none"},
      {"tokens", std::to_string(a.tokens)},
      {"rights", a.rights.empty() ? std::string("-") : rights_text(a.rights)},
  };
  if (a.locked_until)
    fields.emplace_back("locked until", paint(ctx, show_time(ctx, a.locked_until, now), Tone::bad));
  return fields;
}

}  // namespace

// --- user create -------------------------------------------------------------------------------

struct UserCreateOptions {
  std::string name;
  bool service = false;
  std::optional<std::string> email;
  bool password_stdin = false;
  bool no_password = false;
  bool with_token = false;
  std::optional<std::string> token_name;
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
  if (o.with_token) {
    // The secret is printed inside the transaction: a failed write creates neither.
    create_account_with_token(s, spec, o.token_name, [&](const AccountWithToken& m) {
      Json doc = to_json(m.account);
      doc["token"] = to_json(m.credential.token);
      print_issued(ctx, m.credential, std::move(doc),
                   fmt::format("Created {} account {} (active until {} without activity) with "
                               "integration token {}. The secret above is shown only this once.",
                               to_string(m.account.kind), m.account.name,
                               format_rfc3339(m.account.inactive_at), m.credential.token.id));
    });
    return;
  }
  Account a = create_account(s, spec);
  if (ctx.json) return print_json(to_json(a));
  say(fmt::format("Created {} account {} (active until {} without activity).", to_string(a.kind),
                  a.name, format_rfc3339(a.inactive_at)));
}

void add_user_create(CLI::App& user, Context& ctx) {
  auto [cmd, o] =
      add_command(user, ctx,
                  {"create", "Create a user account (active from now)",
                   "TOKEN=$(hookctl user create svc-orders --service --no-password --with-token)"},
                  run_user_create);
  takes(cmd.add_option("name", o.name, "Account name: 1-64 of A-Z a-z 0-9 . _ @ -"),
        ValueKind::user)
      ->required();
  cmd.add_flag("--service", o.service, "A service account (not linked to a person)");
  cmd.add_option("--email", o.email, "Contact address");
  auto* ps = cmd.add_flag("--password-stdin", o.password_stdin, "Read the password from stdin");
  auto* np = cmd.add_flag("--no-password", o.no_password, "No password (token-only account)");
  ps->excludes(np);
  auto* with = cmd.add_flag("--with-token", o.with_token,
                            "Also create an integration token on it; prints the secret once");
  cmd.add_option("--token-name", o.token_name, "A label for that token")->needs(with);
}

// --- user list ---------------------------------------------------------------------------------

struct UserListOptions {
  bool inactive = false;
  std::optional<std::string> within;
  bool include_inactive = false;
  std::optional<std::string> kind;
  bool exit_code = false;
};

void run_user_list(Context& ctx, const UserListOptions& o) {
  AccountFilter f;
  f.inactive = o.inactive;
  f.inactive_within = duration_option(o.within, "--inactive-within");
  f.include_inactive = o.include_inactive;
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
  auto* include = cmd.add_flag("--include-inactive", o.include_inactive,
                               "With --inactive-within: accounts inactive now as well");
  inactive->excludes(within);
  include->needs(within);
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

// --- user edit ---------------------------------------------------------------------------------

struct UserEditOptions {
  std::string name;
  std::optional<std::string> email;
  bool no_email = false;
  std::optional<std::string> kind;
};

void run_user_edit(Context& ctx, const UserEditOptions& o) {
  AccountChanges changes;
  if (o.email) changes.email = *o.email;
  if (o.no_email) changes.email = std::optional<std::string>();
  if (o.kind) changes.kind = from_string<AccountKind>(*o.kind);
  if (!changes.email && !changes.kind)
    fail(ErrorKind::usage, "nothing to change: give --email ADDR, --no-email or --kind KIND");
  Session& s = ctx.session(OpenMode::write);
  AccountEdit e = edit_account(s, o.name, changes);
  if (ctx.json) {
    Json doc = to_json(e.account);
    doc["changed"] = !e.changes.empty();
    return print_json(doc);
  }
  if (e.changes.empty())
    return say(fmt::format("{} already has those values; nothing changed.", e.account.name));
  for (const auto& c : e.changes) say(fmt::format("Changed {} of {}.", c, e.account.name));
}

void add_user_edit(CLI::App& user, Context& ctx) {
  auto [cmd, o] = add_command(
      user, ctx,
      {"edit", "Change an account's e-mail address or kind (never its name or activity)",
       "hookctl user edit alice --email alice@example.org"},
      run_user_edit);
  takes(cmd.add_option("name", o.name, "Account name"), ValueKind::user)->required();
  auto* email = cmd.add_option("--email", o.email, "New contact address");
  auto* no_email = cmd.add_flag("--no-email", o.no_email, "Remove the contact address");
  one_of<AccountKind>(cmd.add_option("--kind", o.kind, "person or service"));
  email->excludes(no_email);
}

// --- user import -------------------------------------------------------------------------------

struct UserImportOptions {
  std::optional<std::string> file;
  bool skip_existing = false;
  bool dry_run = false;
};

void print_import(Context& ctx, const ImportSummary& r, bool dry_run) {
  if (ctx.json)
    return print_json(Json{{"added", r.added}, {"skipped", r.skipped}, {"dry_run", dry_run}});
  std::string text = fmt::format("{} {} account{}", dry_run ? "Would import" : "Imported", r.added,
                                 r.added == 1 ? "" : "s");
  if (r.skipped > 0)
    text += fmt::format("; skipped {} that already exist{}", r.skipped, r.skipped == 1 ? "s" : "");
  say(text + (dry_run ? " (dry run: nothing was changed)." : "."));
}

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
  Session& s = ctx.session(o.dry_run ? OpenMode::write : OpenMode::create);
  ImportOptions options;
  options.skip_existing = o.skip_existing;
  auto run = [&] { return import_accounts(s, *in, progress, options); };
  ImportSummary r = o.dry_run ? s.store().rehearse(run) : run();
  if (drew) std::cerr << '\n';
  print_import(ctx, r, o.dry_run);
}

void add_user_import(CLI::App& user, Context& ctx) {
  auto [cmd, o] =
      add_command(user, ctx,
                  {"import", "Import accounts from JSON Lines (FILE or stdin), all or nothing",
                   "hookctl user import accounts.jsonl"},
                  run_user_import);
  takes(cmd.add_option("file", o.file, "JSON Lines file; '-' or nothing reads stdin"),
        ValueKind::file);
  cmd.add_flag("--skip-existing", o.skip_existing,
               "Leave accounts that exist already as they are (re-runnable import)");
  cmd.add_flag("--dry-run", o.dry_run, "Run every check and say what would change; change nothing");
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
  bool no_password = false;
};

void run_user_set_password(Context& ctx, const UserSetPasswordOptions& o) {
  std::optional<std::string> hash;
  if (!o.no_password) {
    // An unknown account is refused before anyone types a password.
    show_account(ctx.session(OpenMode::write), o.name);
    Secret pw = read_new_password(ctx, o.password_stdin, o.name);
    hash = hash_password(pw.view());
  }
  PasswordChange c = set_account_password(ctx.session(OpenMode::write), o.name, hash);
  const Account& a = c.account;
  if (ctx.json) return print_json(to_json(a));
  const std::string unchanged =
      fmt::format("Its status ({}) and its {} token{} are unchanged.",
                  a.active ? "active" : "inactive", a.tokens, a.tokens == 1 ? "" : "s");
  if (!c.changed) return say(fmt::format("{} has no password; nothing changed.", a.name));
  if (!hash)
    return say(
        fmt::format("Password of {} removed: 'auth login' refuses it until a new one is "
                    "set. {}",
                    a.name, unchanged));
  say(fmt::format("Password of {} {}. {}", a.name,
                  c.had_password ? "replaced" : "set (it had none)", unchanged));
}

void add_user_set_password(CLI::App& user, Context& ctx) {
  auto [cmd, o] = add_command(
      user, ctx,
      {"set-password", "Replace or remove an account's password; status and tokens are untouched",
       "pwgen -s 32 1 | hookctl user set-password alice --password-stdin"},
      run_user_set_password);
  takes(cmd.add_option("name", o.name, "Account name"), ValueKind::user)->required();
  auto* ps = cmd.add_flag("--password-stdin", o.password_stdin, "Read the password from stdin");
  auto* np = cmd.add_flag("--no-password", o.no_password,
                          "Remove password access (as passwd -l); tokens keep working");
  ps->excludes(np);
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
    say(fmt::format("  token {} ({}) {} owned by {}; webhooks: {}", token_reference(t.id, t.name),
                    to_string(t.kind), dry_run ? "would be" : "now", t.owner,
                    name_list(t.webhooks)));
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
        ValueKind::active_user);
  cmd.add_flag("--yes,-y", o.yes, "Do not ask for confirmation");
  cmd.add_flag("--dry-run", o.dry_run,
               "Run every check and say what would change; change nothing (needs no --yes)");
}

// --- user grant / user revoke -----------------------------------------------------------------

struct UserRightsOptions {
  std::string name;
  std::vector<std::string> rights;
};

std::vector<Right> rights_of(const UserRightsOptions& o) {
  std::vector<Right> rights;
  for (const auto& word : o.rights) rights.push_back(*from_string<Right>(word));
  return rights;
}

void print_rights_change(Context& ctx, const RightsChange& c, bool granted) {
  if (ctx.json) {
    Json doc = to_json(c.account);
    doc["changed"] = !c.changed.empty();
    return print_json(doc);
  }
  if (c.changed.empty())
    return say(fmt::format("{} {} those rights; nothing changed.", c.account.name,
                           granted ? "already holds" : "holds none of"));
  say(fmt::format("{} {} {}: {}.", granted ? "Granted" : "Revoked", granted ? "to" : "from",
                  c.account.name, rights_text(c.changed)));
}

void run_user_grant(Context& ctx, const UserRightsOptions& o) {
  print_rights_change(ctx, grant_rights(ctx.session(OpenMode::write), o.name, rights_of(o)), true);
}

void run_user_revoke(Context& ctx, const UserRightsOptions& o) {
  print_rights_change(ctx, revoke_rights(ctx.session(OpenMode::write), o.name, rights_of(o)),
                      false);
}

void add_rights_arguments(CLI::App& cmd, UserRightsOptions& o) {
  takes(cmd.add_option("name", o.name, "Account name"), ValueKind::user)->required();
  one_of<Right>(cmd.add_option("rights", o.rights,
                               "user-management, token-management, webhook-management, audit, "
                               "administration"))
      ->required();
}

void add_user_grant(CLI::App& user, Context& ctx) {
  auto [cmd, o] =
      add_command(user, ctx,
                  {"grant", "Give an account rights (administration makes the store delegated)",
                   "hookctl user grant helpdesk user-management"},
                  run_user_grant);
  add_rights_arguments(cmd, o);
}

void add_user_revoke(CLI::App& user, Context& ctx) {
  auto [cmd, o] =
      add_command(user, ctx,
                  {"revoke", "Take rights from an account (never the last administrator's)",
                   "hookctl user revoke helpdesk user-management"},
                  run_user_revoke);
  add_rights_arguments(cmd, o);
}

// --- user unlock -------------------------------------------------------------------------------

struct UserUnlockOptions {
  std::string name;
};

void run_user_unlock(Context& ctx, const UserUnlockOptions& o) {
  Unlock u = unlock_account(ctx.session(OpenMode::write), o.name);
  if (ctx.json) {
    Json doc = to_json(u.account);
    doc["changed"] = u.changed;
    return print_json(doc);
  }
  say(u.changed ? fmt::format("Unlocked {}: its password is accepted again.", u.account.name)
                : fmt::format("{} is not locked; nothing changed.", u.account.name));
}

void add_user_unlock(CLI::App& user, Context& ctx) {
  auto [cmd, o] = add_command(
      user, ctx,
      {"unlock", "Lift a password lockout at once (after too many failed password checks)",
       "hookctl user unlock alice"},
      run_user_unlock);
  takes(cmd.add_option("name", o.name, "Account name"), ValueKind::user)->required();
}

// --- the group ---------------------------------------------------------------------------------

void register_user_commands(CLI::App& app, Context& ctx) {
  CLI::App* user = add_command(app, "user", "Manage user accounts and their activity",
                               "hookctl user list --inactive-within 14d");
  user->require_subcommand(1);
  add_user_create(*user, ctx);
  add_user_list(*user, ctx);
  add_user_show(*user, ctx);
  add_user_edit(*user, ctx);
  add_user_import(*user, ctx);
  add_user_reactivate(*user, ctx);
  add_user_set_password(*user, ctx);
  add_user_delete(*user, ctx);
  add_user_grant(*user, ctx);
  add_user_revoke(*user, ctx);
  add_user_unlock(*user, ctx);
}

}  // namespace hookctl::cli
