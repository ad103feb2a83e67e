// hookctl webhook create|bind|edit|list|show|delete
#include <fmt/format.h>

#include "cli.hpp"
#include "hookctl/error.hpp"
#include "hookctl/text.hpp"
#include "hookctl/webhooks.hpp"
#include "output.hpp"

namespace hookctl::cli {

namespace {

Json with_app_token(const Webhook& w, const IssuedCredential& c) {
  Json doc = to_json(w);
  doc["app_token"] = to_json(c.token);
  return doc;
}

std::string status_of(const Webhook& w) { return w.broken ? "broken" : "ok"; }

// What a bind did, or with `dry_run` what it would do (no new App token exists then).
std::string binding_message(const Binding& b, bool dry_run = false) {
  auto said = [dry_run](std::string_view done, std::string_view would) {
    return std::string(dry_run ? would : done);
  };
  if (!b.changed)
    return fmt::format("Webhook {} already accepts token {}; nothing {}.", b.webhook.name,
                       *b.webhook.token, said("changed", "would change"));
  std::string message =
      dry_run ? fmt::format("Dry run: nothing was changed. Webhook {} would accept {} (owner {}).",
                            b.webhook.name,
                            b.credential ? std::string("a new App token")
                                         : fmt::format("token {}", *b.webhook.token),
                            *b.webhook.owner)
              : fmt::format("Webhook {} now accepts token {} (owner {}).", b.webhook.name,
                            *b.webhook.token, *b.webhook.owner);
  if (b.replaced_token && b.webhook.previous_token)
    message +=
        fmt::format(" It {} the token it replaces, {} ({}), until {}.",
                    said("also accepts", "would also accept"), *b.replaced_token,
                    to_string(*b.replaced_kind), format_rfc3339(*b.webhook.previous_token_until));
  else if (b.replaced_token)
    message += fmt::format(" Callers still sending token {} ({}) {} refused from {} on.",
                           *b.replaced_token, to_string(*b.replaced_kind), said("are", "would be"),
                           said("now", "then"));
  if (b.revoked_app_token)
    message += fmt::format(" Its previous App token {} {} revoked.", *b.revoked_app_token,
                           said("is", "would be"));
  else if (b.replaced_kind == TokenKind::app)
    message += fmt::format(" Its previous App token {} expires then.", *b.replaced_token);
  if (b.unbound_token)
    message += fmt::format(" Token {} {} valid for its other webhooks.", *b.unbound_token,
                           said("stays", "would stay"));
  if (b.grace_ended_token)
    message += fmt::format(" Token {}, still accepted from an earlier bind, {}.",
                           *b.grace_ended_token, said("no longer is", "would no longer be"));
  if (b.basic_username_was)
    message +=
        fmt::format("\nnote: webhook {} uses Basic auth; its callers {} send username {} (not {}).",
                    b.webhook.name, said("must now", "would then have to"), *b.webhook.owner,
                    *b.basic_username_was);
  return dry_run ? message : message + "\nUpdate the callers with the new token.";
}

// The webhook object plus what the bind changed (or would change) for callers. A dry run issues
// no App token, so its webhook object names none.
Json binding_json(const Binding& b, bool dry_run = false) {
  Json doc = to_json(b.webhook);
  if (dry_run && b.credential) doc["token"] = Json();
  doc["changed"] = b.changed;
  doc["dry_run"] = dry_run;
  doc["replaced"] = b.replaced_token ? Json{{"token", *b.replaced_token},
                                            {"kind", std::string(to_string(*b.replaced_kind))},
                                            {"accepted_until", format_rfc3339(*b.replaced_until)},
                                            {"revoked", b.revoked_app_token.has_value()}}
                                     : Json();
  doc["basic_username_changed"] =
      b.basic_username_was ? Json{{"from", *b.basic_username_was}, {"to", *b.webhook.owner}}
                           : Json();
  return doc;
}

}  // namespace

// --- webhook create ----------------------------------------------------------------------------

struct WebhookCreateOptions {
  std::string name, owner, auth = "bearer";
  std::optional<std::string> description;
};

void run_webhook_create(Context& ctx, const WebhookCreateOptions& o) {
  NewWebhook spec{o.name, o.owner, from_string<AuthScheme>(o.auth).value_or(AuthScheme::bearer),
                  o.description};
  Session& s = ctx.session(OpenMode::create);
  // The secret is printed inside the transaction: a failed write installs nothing.
  create_webhook(s, spec, [&](const Installation& i) {
    std::string how =
        i.webhook.auth == AuthScheme::basic
            ? fmt::format("Callers send Basic auth with username {} and the token as password.",
                          i.credential.token.owner)
            : "Callers send 'Authorization: Bearer <token>'.";
    print_issued(ctx, i.credential, with_app_token(i.webhook, i.credential),
                 fmt::format("Created webhook {} with App token {} owned by {}. {} The secret "
                             "above is shown only this once.",
                             i.webhook.name, i.credential.token.id, i.credential.token.owner, how));
  });
}

void add_webhook_create(CLI::App& webhook, Context& ctx) {
  auto [cmd, o] = add_command(webhook, ctx,
                              {"create", "Install a webhook with its App token (printed once)",
                               "hookctl webhook create orders --owner svc-orders --auth basic"},
                              run_webhook_create);
  takes(cmd.add_option("name", o.name, "Webhook name"), ValueKind::webhook)->required();
  takes(cmd.add_option("--owner", o.owner, "Active account that owns the App token"),
        ValueKind::active_user)
      ->required();
  one_of<AuthScheme>(cmd.add_option("--auth", o.auth, "bearer (default) or basic"));
  cmd.add_option("--description", o.description, "What the webhook is for");
}

// --- webhook bind ------------------------------------------------------------------------------

struct WebhookBindOptions {
  std::string name;
  std::optional<std::string> token;
  bool app_token = false;
  std::optional<std::string> owner;
  std::optional<std::string> grace;
  bool dry_run = false;
};

void run_webhook_bind(Context& ctx, const WebhookBindOptions& o) {
  if (!o.token && !o.app_token)
    fail(ErrorKind::usage, "give --token ID or --app-token --owner NAME");
  const auto grace = duration_option(o.grace, "--grace");
  Session& s = ctx.session(OpenMode::write);
  if (o.dry_run) {
    // Every check runs; the rehearsal keeps nothing and delivers no secret.
    Binding b = s.store().rehearse([&] {
      return o.app_token ? bind_webhook_app_token(s, o.name, *o.owner, {}, grace)
                         : bind_webhook(s, o.name, *o.token, grace);
    });
    if (ctx.json) return print_json(binding_json(b, true));
    return say(binding_message(b, true));
  }
  if (o.app_token) {
    // The secret is printed inside the transaction: a failed write binds nothing.
    bind_webhook_app_token(
        s, o.name, *o.owner,
        [&](const Binding& b) {
          Json doc = binding_json(b);
          doc["app_token"] = to_json(b.credential->token);
          print_issued(ctx, *b.credential, std::move(doc),
                       binding_message(b) + " The secret above is shown only this once.");
        },
        grace);
    return;
  }
  Binding b = bind_webhook(s, o.name, *o.token, grace);
  if (ctx.json) return print_json(binding_json(b));
  say(binding_message(b));
}

void add_webhook_bind(CLI::App& webhook, Context& ctx) {
  auto [cmd, o] =
      add_command(webhook, ctx,
                  {"bind", "Make a webhook accept an integration token, or a new App token",
                   "hookctl webhook bind orders --app-token --owner svc-orders"},
                  run_webhook_bind);
  takes(cmd.add_option("name", o.name, "Webhook name"), ValueKind::webhook)->required();
  auto* token = takes(cmd.add_option("--token", o.token, "Integration token id to accept"),
                      ValueKind::integration_token);
  auto* app = cmd.add_flag("--app-token", o.app_token, "Issue a new App token (needs --owner)");
  auto* owner = takes(cmd.add_option("--owner", o.owner, "Owner of the new App token"),
                      ValueKind::active_user);
  takes(cmd.add_option("--grace", o.grace,
                       "Keep accepting the token bound now for DUR besides the new one (default: "
                       "refuse it at once)"),
        ValueKind::duration);
  cmd.add_flag("--dry-run", o.dry_run,
               "Run every check and say what would change; change nothing, issue no secret");
  token->excludes(app);
  token->excludes(owner);
  app->needs(owner);
  owner->needs(app);
}

// --- webhook edit ------------------------------------------------------------------------------

struct WebhookEditOptions {
  std::string name;
  std::optional<std::string> description;
  bool no_description = false;
  std::optional<std::string> auth;
};

// What callers must change after an auth change, in the words of their Authorization header.
std::string callers_after_auth_change(const Webhook& w) {
  if (w.auth == AuthScheme::basic)
    return fmt::format(
        "Callers must now send Basic auth with username {} and the token as password; 'Bearer' "
        "is refused from now on.",
        w.owner ? *w.owner : std::string("<the bound token's owner>"));
  return "Callers must now send 'Authorization: Bearer <token>'; Basic auth is refused from now "
         "on.";
}

void run_webhook_edit(Context& ctx, const WebhookEditOptions& o) {
  WebhookChanges changes;
  if (o.description) changes.description = *o.description;
  if (o.no_description) changes.description = std::optional<std::string>();
  if (o.auth) changes.auth = from_string<AuthScheme>(*o.auth);
  if (!changes.description && !changes.auth)
    fail(ErrorKind::usage,
         "nothing to change: give --description TEXT, --no-description or --auth SCHEME");
  Session& s = ctx.session(OpenMode::write);
  WebhookEdit e = edit_webhook(s, o.name, changes);
  if (ctx.json) {
    Json doc = to_json(e.webhook);
    doc["changed"] = !e.changes.empty();
    doc["auth_changed"] = e.auth_changed;
    return print_json(doc);
  }
  if (e.changes.empty())
    return say(
        fmt::format("Webhook {} already has those values; nothing changed.", e.webhook.name));
  for (const auto& c : e.changes)
    say(fmt::format("Changed {} of webhook {}.", terminal_safe(c), e.webhook.name));
  if (e.auth_changed) say(callers_after_auth_change(e.webhook));
}

void add_webhook_edit(CLI::App& webhook, Context& ctx) {
  auto [cmd, o] =
      add_command(webhook, ctx,
                  {"edit", "Change a webhook's description or auth scheme (never its token)",
                   "hookctl webhook edit orders --auth basic"},
                  run_webhook_edit);
  takes(cmd.add_option("name", o.name, "Webhook name"), ValueKind::webhook)->required();
  auto* description = cmd.add_option("--description", o.description, "What the webhook is for");
  auto* none = cmd.add_flag("--no-description", o.no_description, "Remove the description");
  one_of<AuthScheme>(cmd.add_option("--auth", o.auth, "bearer or basic (callers must follow)"));
  description->excludes(none);
}

// --- webhook list ------------------------------------------------------------------------------

struct WebhookListOptions {
  bool broken = false;
  std::optional<std::string> at_risk, owner, token;
  bool exit_code = false;
};

void run_webhook_list(Context& ctx, const WebhookListOptions& o) {
  WebhookFilter f{o.broken, duration_option(o.at_risk, "--at-risk"), o.owner, o.token};
  Session& s = ctx.session(OpenMode::read);
  size_t count = 0;
  if (ctx.json) {
    JsonArray out;
    list_webhooks(s, f, [&](const Webhook& w) {
      out.add(w);
      ++count;
    });
  } else {
    Table t(
        {shrinking("NAME"), "AUTH", "TOKEN", "KIND", shrinking("OWNER"), "STATUS", "BREAKS AT"});
    list_webhooks(s, f, [&](const Webhook& w) {
      std::string st = status_of(w);
      t.add({w.name, std::string(to_string(w.auth)), or_dash(w.token),
             w.token_kind ? std::string(to_string(*w.token_kind)) : "-", or_dash(w.owner),
             paint(ctx, st, tone_of_status(st)), table_time(w.breaks_at, s.now())});
      ++count;
    });
    if (count > 0)
      t.print(ctx);
    else
      say_none_found(ctx, "No matching webhooks.");
  }
  if (o.exit_code && count > 0) ctx.exit_code = 1;
}

void add_webhook_list(CLI::App& webhook, Context& ctx) {
  auto [cmd, o] = add_command(webhook, ctx,
                              {"list", "List webhooks, or those broken or at risk",
                               "hookctl webhook list --at-risk 14d --exit-code"},
                              run_webhook_list);
  auto* broken = cmd.add_flag("--broken", o.broken, "Only webhooks that do not work now");
  auto* risk = takes(
      cmd.add_option("--at-risk", o.at_risk, "Broken webhooks and those that break within DUR"),
      ValueKind::duration);
  broken->excludes(risk);
  takes(cmd.add_option("--owner", o.owner, "Only webhooks whose token this account owns"),
        ValueKind::user);
  takes(cmd.add_option("--token", o.token, "Only webhooks bound to this token id"),
        ValueKind::token);
  cmd.add_flag("--exit-code", o.exit_code, "Exit 1 when the list is not empty");
  add_at_option(cmd, ctx);
}

// --- webhook show ------------------------------------------------------------------------------

struct WebhookShowOptions {
  std::string name;
};

void run_webhook_show(Context& ctx, const WebhookShowOptions& o) {
  Session& s = ctx.session(OpenMode::read);
  Webhook w = show_webhook(s, o.name);
  if (ctx.json) return print_json(to_json(w));
  std::string st = status_of(w);
  print_fields({{"name", w.name},
                {"auth", std::string(to_string(w.auth))},
                {"description", or_dash(w.description)},
                {"token", w.token ? *w.token + " (" + std::string(to_string(*w.token_kind)) + ")"
                                  : std::string("-")},
                {"owner", or_dash(w.owner)},
                {"status", paint(ctx, st, tone_of_status(st))},
                {"breaks at", show_time(ctx, w.breaks_at, s.now())},
                {"created", show_time(ctx, w.created_at, s.now())}});
}

void add_webhook_show(CLI::App& webhook, Context& ctx) {
  auto [cmd, o] = add_command(
      webhook, ctx,
      {"show", "Show a webhook, its token and when it breaks", "hookctl webhook show orders"},
      run_webhook_show);
  takes(cmd.add_option("name", o.name, "Webhook name"), ValueKind::webhook)->required();
}

// --- webhook delete ----------------------------------------------------------------------------

struct WebhookDeleteOptions {
  std::string name;
  bool yes = false;
};

void run_webhook_delete(Context& ctx, const WebhookDeleteOptions& o) {
  Session& s = ctx.session(OpenMode::write);
  (void)show_webhook(s, o.name);  // an unknown webhook is exit 3 before any question
  confirm(ctx, o.yes, fmt::format("Delete webhook {}?", o.name));
  WebhookRemoval r = delete_webhook(s, o.name);
  if (ctx.json)
    return print_json(
        Json{{"deleted", r.webhook.name},
             {"revoked_app_token", r.revoked_app_token ? Json(*r.revoked_app_token) : Json()},
             {"unbound_token", r.unbound_token ? Json(*r.unbound_token) : Json()}});
  std::string message = fmt::format("Deleted webhook {}.", r.webhook.name);
  if (r.revoked_app_token) message += fmt::format(" App token {} revoked.", *r.revoked_app_token);
  if (r.unbound_token)
    message += fmt::format(" Integration token {} unbound (still valid for its other webhooks).",
                           *r.unbound_token);
  say(message);
}

void add_webhook_delete(CLI::App& webhook, Context& ctx) {
  auto [cmd, o] = add_command(
      webhook, ctx,
      {"delete", "Remove a webhook; its App token is revoked, an integration token stays",
       "hookctl webhook delete orders --yes"},
      run_webhook_delete);
  takes(cmd.add_option("name", o.name, "Webhook name"), ValueKind::webhook)->required();
  cmd.add_flag("--yes,-y", o.yes, "Do not ask for confirmation");
}

// --- the group ---------------------------------------------------------------------------------

void register_webhook_commands(CLI::App& app, Context& ctx) {
  CLI::App* webhook = add_command(app, "webhook", "Manage webhooks and the token each accepts",
                                  "hookctl webhook list --at-risk 14d");
  webhook->require_subcommand(1);
  add_webhook_create(*webhook, ctx);
  add_webhook_bind(*webhook, ctx);
  add_webhook_edit(*webhook, ctx);
  add_webhook_list(*webhook, ctx);
  add_webhook_show(*webhook, ctx);
  add_webhook_delete(*webhook, ctx);
}

}  // namespace hookctl::cli
