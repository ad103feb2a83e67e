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

void add_create(CLI::App& user, Context& ctx) {
  struct Opts {
    std::string name;
    bool service = false;
    std::optional<std::string> email;
    bool password_stdin = false;
    bool no_password = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = add_command(user, "create", "Create a user account (active from now)",
                          "hookctl user create svc-orders --service --no-password");
  cmd->add_option("name", o->name, "Account name: 1-64 of A-Z a-z 0-9 . _ @ -")->required();
  cmd->add_flag("--service", o->service, "A service account (not linked to a person)");
  cmd->add_option("--email", o->email, "Contact address");
  auto* ps = cmd->add_flag("--password-stdin", o->password_stdin, "Read the password from stdin");
  auto* np = cmd->add_flag("--no-password", o->no_password, "No password (token-only account)");
  ps->excludes(np);
  cmd->callback([&ctx, o] {
    ctx.run = [&ctx, o] {
      NewAccount spec{o->name, o->service ? AccountKind::service : AccountKind::person, o->email,
                      std::nullopt};
      // Everything that can be refused is refused before anyone types a password.
      validate_name(spec.name, "user name");
      if (spec.email) validate_email(*spec.email);
      Session& s = ctx.session(OpenMode::create);
      ensure_account_name_free(s, spec.name);
      if (!o->no_password) {
        if (!o->password_stdin && !ctx.stdin_tty())
          fail(ErrorKind::usage,
               "no terminal to ask for a password: pass --password-stdin or "
               "--no-password");
        Secret pw = read_new_password(ctx, o->password_stdin, o->name);
        spec.password_hash = hash_password(pw.view());
      }
      Account a = create_account(s, spec);
      if (ctx.json) return print_json(to_json(a));
      say(fmt::format("Created {} account {} (active until {} without activity).",
                      to_string(a.kind), a.name, format_rfc3339(a.inactive_at)));
    };
  });
}

void add_list(CLI::App& user, Context& ctx) {
  struct Opts {
    bool inactive = false;
    std::optional<std::string> within;
    std::optional<std::string> kind;
    bool exit_code = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = add_command(user, "list", "List accounts, or those inactive or going inactive soon",
                          "hookctl user list --inactive-within 14d --json");
  auto* inactive = cmd->add_flag("--inactive", o->inactive, "Only accounts inactive now");
  auto* within = cmd->add_option("--inactive-within", o->within,
                                 "Only active accounts that become inactive within DUR, soonest "
                                 "first");
  inactive->excludes(within);
  cmd->add_option("--kind", o->kind, "person or service")
      ->check(CLI::IsMember({"person", "service"}));
  cmd->add_flag("--exit-code", o->exit_code, "Exit 1 when the list is not empty");
  cmd->callback([&ctx, o] {
    ctx.run = [&ctx, o] {
      AccountFilter f;
      f.inactive = o->inactive;
      f.inactive_within = duration_option(o->within, "--inactive-within");
      if (o->kind) f.kind = *o->kind == "service" ? AccountKind::service : AccountKind::person;
      Session& s = ctx.session(OpenMode::read);
      size_t count = 0;
      if (ctx.json) {
        JsonArray out;
        list_accounts(s, f, [&](const Account& a) {
          out.add(a);
          ++count;
        });
      } else {
        Table t({"NAME", "KIND", "STATUS", "LAST ACTIVITY", "INACTIVE AT", "TOKENS"});
        list_accounts(s, f, [&](const Account& a) {
          std::string status = a.active ? "active" : "inactive";
          t.add({a.name, std::string(to_string(a.kind)), paint(ctx, status, tone_of_status(status)),
                 show_time(ctx, a.last_activity_at, s.now(), false),
                 show_time(ctx, a.inactive_at, s.now()), std::to_string(a.tokens)});
          ++count;
        });
        if (count > 0)
          t.print(ctx);
        else
          say_stderr("No matching accounts.");
      }
      if (o->exit_code && count > 0) ctx.exit_code = 1;
    };
  });
}

void add_show(CLI::App& user, Context& ctx) {
  auto name = std::make_shared<std::string>();
  auto* cmd = add_command(user, "show", "Show an account with its tokens and webhooks",
                          "hookctl user show alice --json");
  cmd->add_option("name", *name, "Account name")->required();
  cmd->callback([&ctx, name] {
    ctx.run = [&ctx, name] {
      Session& s = ctx.session(OpenMode::read);
      Account a;
      std::vector<Token> tokens;
      s.store().read([&] {  // one snapshot for the account and its tokens
        a = show_account(s, *name);
        TokenFilter f;
        f.user = a.name;
        list_tokens(s, f, [&](const Token& t) { tokens.push_back(t); });
      });
      std::vector<std::string> webhooks;
      for (const auto& t : tokens)
        for (const auto& w : t.webhooks)
          if (std::find(webhooks.begin(), webhooks.end(), w) == webhooks.end())
            webhooks.push_back(w);
      std::sort(webhooks.begin(), webhooks.end());
      if (ctx.json) {
        Json doc = to_json(a);
        doc["token_list"] = Json::array();
        for (const auto& t : tokens) doc["token_list"].push_back(to_json(t));
        doc["webhooks"] = webhooks;
        return print_json(doc);
      }
      print_fields(account_fields(ctx, a, s.now()));
      if (!tokens.empty()) {
        say("");
        Table t({"TOKEN", "KIND", "STATUS", "LAST USED", "WEBHOOKS"});
        for (const auto& tok : tokens) {
          std::string st(to_string(tok.status));
          t.add({tok.id, std::string(to_string(tok.kind)), paint(ctx, st, tone_of_status(st)),
                 show_time(ctx, tok.last_used_at, s.now()),
                 tok.webhooks.empty() ? "-" : fmt::format("{}", fmt::join(tok.webhooks, ", "))});
        }
        t.print(ctx);
      }
    };
  });
}

void add_import(CLI::App& user, Context& ctx) {
  auto file = std::make_shared<std::optional<std::string>>();
  auto* cmd =
      add_command(user, "import", "Import accounts from JSON Lines (FILE or stdin), all or nothing",
                  "hookctl user import accounts.jsonl");
  cmd->add_option("file", *file, "JSON Lines file; '-' or nothing reads stdin");
  cmd->callback([&ctx, file] {
    ctx.run = [&ctx, file] {
      std::ifstream in_file;
      std::istream* in = &std::cin;
      size_t total = 0;
      if (*file && **file != "-") {
        in_file.open(**file, std::ios::binary);
        if (!in_file) fail(ErrorKind::usage, fmt::format("cannot open {}", **file));
        struct stat st;
        if (::stat((*file)->c_str(), &st) == 0) total = static_cast<size_t>(st.st_size);
        in = &in_file;
      } else if (ctx.stdin_closed) {
        fail(ErrorKind::usage, "standard input is closed: give a FILE, or pipe the JSON Lines in");
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
    };
  });
}

void add_reactivate(CLI::App& user, Context& ctx) {
  auto name = std::make_shared<std::string>();
  auto* cmd = add_command(user, "reactivate", "Make an inactive account active again as of now",
                          "hookctl user reactivate alice");
  cmd->add_option("name", *name, "Account name")->required();
  cmd->callback([&ctx, name] {
    ctx.run = [&ctx, name] {
      Session& s = ctx.session(OpenMode::write);
      Reactivation r = reactivate_account(s, *name);
      if (ctx.json) return print_json(to_json(r.account));
      if (r.changed)
        say(fmt::format("Reactivated {}: active until {} without activity; its tokens work again.",
                        r.account.name, format_rfc3339(r.account.inactive_at)));
      else
        say(fmt::format("{} is already active (until {}); nothing changed.", r.account.name,
                        format_rfc3339(r.account.inactive_at)));
    };
  });
}

void add_set_password(CLI::App& user, Context& ctx) {
  struct Opts {
    std::string name;
    bool password_stdin = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = add_command(user, "set-password",
                          "Replace an account's password; status and tokens are untouched",
                          "pwgen -s 32 1 | hookctl user set-password alice --password-stdin");
  cmd->add_option("name", o->name, "Account name")->required();
  cmd->add_flag("--password-stdin", o->password_stdin, "Read the password from stdin");
  cmd->callback([&ctx, o] {
    ctx.run = [&ctx, o] {
      Secret pw = read_new_password(ctx, o->password_stdin, o->name);
      std::string hash = hash_password(pw.view());
      Session& s = ctx.session(OpenMode::write);
      Account a = set_account_password(s, o->name, hash);
      if (ctx.json) return print_json(to_json(a));
      say(fmt::format("Password of {} replaced. Its status ({}) and its {} token{} are unchanged.",
                      a.name, a.active ? "active" : "inactive", a.tokens,
                      a.tokens == 1 ? "" : "s"));
    };
  });
}

void add_delete(CLI::App& user, Context& ctx) {
  struct Opts {
    std::string name;
    std::optional<std::string> transfer_to;
    bool yes = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = add_command(user, "delete",
                          "Delete an account (refused while tokens are linked, unless "
                          "--transfer-to)",
                          "hookctl user delete alice --transfer-to svc-orders --yes");
  cmd->add_option("name", o->name, "Account name")->required();
  cmd->add_option("--transfer-to", o->transfer_to,
                  "Move every token (same secrets and webhooks) to this active account first");
  cmd->add_flag("--yes,-y", o->yes, "Do not ask for confirmation");
  cmd->callback([&ctx, o] {
    ctx.run = [&ctx, o] {
      Session& s = ctx.session(OpenMode::write);
      (void)show_account(s, o->name);  // an unknown user is exit 3 before any question
      confirm(ctx, o->yes,
              o->transfer_to ? fmt::format("Delete user {} and move its tokens to {}?", o->name,
                                           *o->transfer_to)
                             : fmt::format("Delete user {}?", o->name));
      Deletion d = delete_account(s, o->name, o->transfer_to);
      if (ctx.json) {
        Json moved = Json::array();
        for (const auto& t : d.transferred) moved.push_back(t.id);
        return print_json(Json{{"deleted", d.account.name},
                               {"transferred_to", d.heir ? Json(*d.heir) : Json()},
                               {"transferred_tokens", moved},
                               {"basic_webhooks_username_changed", d.basic_webhooks}});
      }
      say(fmt::format("Deleted user {}.", d.account.name));
      for (const auto& t : d.transferred)
        say(fmt::format("  token {} ({}) now owned by {}; webhooks: {}", t.id, to_string(t.kind),
                        t.owner,
                        t.webhooks.empty() ? "-" : fmt::format("{}", fmt::join(t.webhooks, ", "))));
      if (!d.transferred.empty())
        say("Secrets are unchanged; rotate them if the leaver knew them: hookctl token rotate ID "
            "--grace 1d");
      for (const auto& w : d.basic_webhooks)
        say(fmt::format("  note: webhook {} uses Basic auth; callers must now send username {}", w,
                        *d.heir));
    };
  });
}

}  // namespace

void register_user_commands(CLI::App& app, Context& ctx) {
  CLI::App* user = add_command(app, "user", "Manage user accounts and their activity",
                               "hookctl user list --inactive-within 14d");
  user->require_subcommand(1);
  add_create(*user, ctx);
  add_list(*user, ctx);
  add_show(*user, ctx);
  add_import(*user, ctx);
  add_reactivate(*user, ctx);
  add_set_password(*user, ctx);
  add_delete(*user, ctx);
}

}  // namespace hookctl::cli
