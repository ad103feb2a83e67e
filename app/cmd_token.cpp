// hookctl token create|list|show|rotate|revoke
#include <fmt/format.h>
#include <unistd.h>

#include "cli.hpp"
#include "hookctl/authorization.hpp"
#include "hookctl/error.hpp"
#include "hookctl/tokens.hpp"
#include "output.hpp"

namespace hookctl::cli {

namespace {

std::string kind_text(TokenKind kind) {
  switch (kind) {
    case TokenKind::app:
      return "app (one webhook)";
    case TokenKind::api:
      return "api (integration)";
    case TokenKind::admin:
      return "admin (acts as its owner, never for webhooks)";
  }
  return std::string(to_string(kind));
}

void print_token(const Context& ctx, const Token& t, Time now) {
  std::string st(to_string(t.status));
  print_fields({
      {"id", t.id},
      {"kind", kind_text(t.kind)},
      {"owner", t.owner},
      {"name", or_dash(t.name)},
      {"status", paint(ctx, st, tone_of_status(st))},
      {"created", show_time(ctx, t.created_at, now)},
      {"last used", show_time(ctx, t.last_used_at, now)},
      {"expires", show_time(ctx, t.expires_at, now)},
      {"revoked", show_time(ctx, t.revoked_at, now)},
      {"previous secret valid until", show_time(ctx, t.previous_secret_valid_until, now)},
      {"webhooks", name_list(t.webhooks)},
  });
}

}  // namespace

// --- token create ------------------------------------------------------------------------------

struct TokenCreateOptions {
  std::string user;
  std::optional<std::string> name;
  std::optional<std::string> expires_in;
  bool admin = false;
};

void run_token_create(Context& ctx, const TokenCreateOptions& o) {
  auto expires_in = duration_option(o.expires_in, "--expires-in");
  Session& s = ctx.session(OpenMode::create);
  // The secret is printed inside the transaction: a failed write rolls the token back.
  auto deliver = [&](const IssuedCredential& c) {
    print_issued(ctx, c, to_json(c.token),
                 fmt::format("Created {} token {} for {}. The secret above is shown only this "
                             "once.",
                             o.admin ? "admin" : "integration", c.token.id, c.token.owner));
  };
  if (o.admin)
    create_admin_token(s, o.user, o.name, expires_in, deliver);
  else
    create_token(s, o.user, o.name, expires_in, deliver);
}

void add_token_create(CLI::App& token, Context& ctx) {
  auto [cmd, o] = add_command(
      token, ctx,
      {"create", "Create an integration token on an active user; prints the secret once",
       "TOKEN=$(hookctl token create --user svc-orders --name orders-sync)"},
      run_token_create);
  takes(cmd.add_option("--user", o.user, "Owner account (a service account is recommended)"),
        ValueKind::active_user)
      ->required();
  cmd.add_option("--name", o.name, "A label for the token");
  takes(cmd.add_option("--expires-in", o.expires_in, "Expire after DUR (e.g. 90d)"),
        ValueKind::duration);
  cmd.add_flag("--admin", o.admin,
               "An admin token (hkm_): acts as the user with --as-token-file, for scripts; never "
               "accepted for a webhook call");
}

// --- token list --------------------------------------------------------------------------------

struct TokenListOptions {
  std::optional<std::string> user, webhook, kind, status, expiring;
  bool all = false;
  bool exit_code = false;
};

void run_token_list(Context& ctx, const TokenListOptions& o) {
  TokenFilter f;
  f.user = o.user;
  f.webhook = o.webhook;
  if (o.kind) f.kind = from_string<TokenKind>(*o.kind);
  if (o.status) f.status = from_string<TokenStatus>(*o.status);
  f.all = o.all;
  f.expiring_within = duration_option(o.expiring, "--expiring-within");
  Session& s = ctx.session(OpenMode::read);
  size_t count = 0;
  if (ctx.json) {
    JsonArray out;
    list_tokens(s, f, [&](const Token& t) {
      out.add(t);
      ++count;
    });
  } else {
    Table table({"ID", "KIND", shrinking("OWNER"), shrinking("LABEL"), "STATUS", "LAST USED",
                 "EXPIRES", shrinking("WEBHOOKS")});
    list_tokens(s, f, [&](const Token& t) {
      std::string st(to_string(t.status));
      table.add({t.id, std::string(to_string(t.kind)), t.owner, or_dash(t.name),
                 paint(ctx, st, tone_of_status(st)), table_time(t.last_used_at, s.now()),
                 table_time(t.expires_at, s.now()), name_list(t.webhooks)});
      ++count;
    });
    if (count > 0)
      table.print(ctx);
    else
      say_none_found(ctx, "No matching tokens.");
  }
  if (o.exit_code && count > 0) ctx.exit_code = 1;
}

void add_token_list(CLI::App& token, Context& ctx) {
  auto [cmd, o] = add_command(token, ctx,
                              {"list", "List tokens (revoked ones only with --all)",
                               "hookctl token list --expiring-within 30d --exit-code"},
                              run_token_list);
  takes(cmd.add_option("--user", o.user, "Only tokens owned by this account"), ValueKind::user);
  takes(cmd.add_option("--webhook", o.webhook, "Only the token bound to this webhook"),
        ValueKind::webhook);
  one_of<TokenKind>(cmd.add_option("--kind", o.kind, "app or api"));
  one_of<TokenStatus>(
      cmd.add_option("--status", o.status, "active, expired, revoked or owner-inactive"));
  cmd.add_flag("--all", o.all, "Include revoked tokens");
  takes(cmd.add_option("--expiring-within", o.expiring, "Only tokens that expire within DUR"),
        ValueKind::duration);
  cmd.add_flag("--exit-code", o.exit_code, "Exit 1 when the list is not empty");
  add_at_option(cmd, ctx);
}

// --- token show --------------------------------------------------------------------------------

struct TokenShowOptions {
  std::string id;
};

void run_token_show(Context& ctx, const TokenShowOptions& o) {
  Session& s = ctx.session(OpenMode::read);
  Token t = show_token(s, o.id);
  if (ctx.json) return print_json(to_json(t));
  print_token(ctx, t, s.now());
}

void add_token_show(CLI::App& token, Context& ctx) {
  auto [cmd, o] = add_command(
      token, ctx, {"show", "Show one token (never its secret)", "hookctl token show ab3de7fghk2m"},
      run_token_show);
  takes(cmd.add_option("id", o.id, "Token id (the 12 characters after hka_/hki_)"),
        ValueKind::token)
      ->required();
}

// --- token rotate ------------------------------------------------------------------------------

struct TokenRotateOptions {
  std::string id;
  std::optional<std::string> owner, grace, expires_in;
  bool force = false;
};

std::string rotation_message(const Rotation& r) {
  std::string message = fmt::format("Rotated token {} (owner {}).", r.token.id, r.token.owner);
  if (r.token.previous_secret_valid_until)
    message += fmt::format(" The previous secret works until {}.",
                           format_rfc3339(*r.token.previous_secret_valid_until));
  else
    message += " The previous secret no longer works.";
  if (r.grace_cut_short)
    message += fmt::format(
        " Forced: the secret before that, which was to work until {}, stopped working now.",
        format_rfc3339(*r.grace_cut_short));
  for (const auto& w : r.basic_webhooks)
    message += fmt::format(
        "\nnote: webhook {} uses Basic auth; its callers must now send username {} (not {})", w,
        r.token.owner, r.previous_owner);
  return message + "\nThe new secret above is shown only this once.";
}

void run_token_rotate(Context& ctx, const TokenRotateOptions& o) {
  RotateOptions r{o.owner, duration_option(o.grace, "--grace"),
                  duration_option(o.expires_in, "--expires-in"), o.force};
  Session& s = ctx.session(OpenMode::write);
  // The secret is printed inside the transaction: a failed write keeps the old secret.
  rotate_token(s, o.id, r, [&](const Rotation& rotated) {
    Json doc = to_json(rotated.token);
    doc["grace_cut_short"] =
        rotated.grace_cut_short ? Json(format_rfc3339(*rotated.grace_cut_short)) : Json();
    doc["basic_webhooks_username_changed"] = rotated.basic_webhooks;
    print_issued(ctx, rotated, std::move(doc), rotation_message(rotated));
  });
}

void add_token_rotate(CLI::App& token, Context& ctx) {
  auto [cmd, o] =
      add_command(token, ctx,
                  {"rotate", "Give a token a new secret (same id and webhooks); prints it once",
                   "NEW=$(hookctl token rotate ab3de7fghk2m --grace 1h)"},
                  run_token_rotate);
  takes(cmd.add_option("id", o.id, "Token id"), ValueKind::token)->required();
  takes(cmd.add_option("--owner", o.owner, "Move the token to this active account"),
        ValueKind::active_user);
  takes(cmd.add_option("--grace", o.grace, "Keep the previous secret valid for DUR (default: no)"),
        ValueKind::duration);
  takes(
      cmd.add_option("--expires-in", o.expires_in, "New expiry, DUR from now (default: unchanged)"),
      ValueKind::duration);
  cmd.add_flag("--force", o.force,
               "Rotate even while the previous secret is in its grace period (that secret stops "
               "working at once)");
}

// --- token edit ------------------------------------------------------------------------------

struct TokenEditOptions {
  std::string id;
  std::string name;
};

void run_token_edit(Context& ctx, const TokenEditOptions& o) {
  Session& s = ctx.session(OpenMode::write);
  TokenEdit e = rename_token(s, o.id, o.name);
  if (ctx.json) return print_json(to_json(e.token));
  if (!e.changed)
    return say(fmt::format("Token {} is already named {}; nothing changed.", e.token.id,
                           or_dash(e.token.name)));
  say(fmt::format("Token {} is now named {} (was {}).", e.token.id, or_dash(e.token.name),
                  or_dash(e.previous_name)));
}

void add_token_edit(CLI::App& token, Context& ctx) {
  auto [cmd, o] = add_command(token, ctx,
                              {"edit", "Change a token's label (never its secret)",
                               "hookctl token edit ab3de7fghk2m --name orders-sync"},
                              run_token_edit);
  takes(cmd.add_option("id", o.id, "Token id"), ValueKind::token)->required();
  cmd.add_option("--name", o.name, "The new label")->required();
}

// --- token test --------------------------------------------------------------------------------

struct TokenTestOptions {
  std::string id;
};

void run_token_test(Context& ctx, const TokenTestOptions& o) {
  Secret secret = ctx.stdin_tty()
                      ? read_hidden_line("Secret of token " + o.id + " (not echoed): ")
                      : read_up_to(STDIN_FILENO, authorization_max_bytes + 1, "the token");
  std::string_view text = secret.view();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  Session& s = ctx.session(OpenMode::read);
  SecretTest t = test_token_secret(s, o.id, text);
  ctx.exit_code = t.match == SecretMatch::none ? static_cast<int>(ErrorKind::unauthorized) : 0;
  const char* match = t.match == SecretMatch::current    ? "current"
                      : t.match == SecretMatch::previous ? "previous"
                                                         : nullptr;
  if (ctx.json)
    return print_json(
        Json{{"token", t.token.id},
             {"matches", match ? Json(match) : Json()},
             {"valid_until", t.valid_until ? Json(format_rfc3339(*t.valid_until)) : Json()},
             {"status", std::string(to_string(t.token.status))}});
  if (t.match == SecretMatch::current)
    say(fmt::format("This is the current secret of token {} (status {}).", t.token.id,
                    to_string(t.token.status)));
  else if (t.match == SecretMatch::previous)
    say(fmt::format("This is the previous secret of token {}, accepted until {} (status {}).",
                    t.token.id, format_rfc3339(*t.valid_until), to_string(t.token.status)));
  else
    say(fmt::format("This is not a working secret of token {}.", t.token.id));
}

void add_token_test(CLI::App& token, Context& ctx) {
  auto [cmd, o] =
      add_command(token, ctx,
                  {"test",
                   "Say whether the secret on stdin is a token's current (or in-grace previous) "
                   "secret; records nothing",
                   "printf '%s' \"$NEW\" | hookctl token test ab3de7fghk2m"},
                  run_token_test);
  takes(cmd.add_option("id", o.id, "Token id"), ValueKind::token)->required();
}

// --- token revoke ------------------------------------------------------------------------------

struct TokenRevokeOptions {
  std::string id;
  bool yes = false;
};

void run_token_revoke(Context& ctx, const TokenRevokeOptions& o) {
  Session& s = ctx.session(OpenMode::write);
  Token t = show_token(s, o.id);
  if (t.status != TokenStatus::revoked)
    confirm(ctx, o.yes,
            fmt::format("Revoke token {}{}?", t.id,
                        t.webhooks.empty() ? std::string()
                                           : fmt::format(" (webhook{} {} will fail)",
                                                         t.webhooks.size() == 1 ? "" : "s",
                                                         name_list(t.webhooks))));
  Revocation r = revoke_token(s, o.id);
  if (ctx.json) return print_json(to_json(r.token));
  if (!r.changed)
    return say(fmt::format("Token {} was already revoked; nothing changed.", r.token.id));
  say(fmt::format("Revoked token {}.", r.token.id));
  if (!r.webhooks_left.empty())
    say(
        fmt::format("Left without a working credential: {}. Bind a new token with 'hookctl "
                    "webhook bind NAME --token ID'.",
                    fmt::join(r.webhooks_left, ", ")));
}

void add_token_revoke(CLI::App& token, Context& ctx) {
  auto [cmd, o] = add_command(token, ctx,
                              {"revoke", "Stop a token working, at once and for good",
                               "hookctl token revoke ab3de7fghk2m --yes"},
                              run_token_revoke);
  takes(cmd.add_option("id", o.id, "Token id"), ValueKind::token)->required();
  cmd.add_flag("--yes,-y", o.yes, "Do not ask for confirmation");
}

// --- the group ---------------------------------------------------------------------------------

void register_token_commands(CLI::App& app, Context& ctx) {
  CLI::App* token = add_command(app, "token", "Manage App and integration tokens",
                                "hookctl token list --user svc-orders");
  token->require_subcommand(1);
  add_token_create(*token, ctx);
  add_token_list(*token, ctx);
  add_token_show(*token, ctx);
  add_token_rotate(*token, ctx);
  add_token_edit(*token, ctx);
  add_token_test(*token, ctx);
  add_token_revoke(*token, ctx);
}

}  // namespace hookctl::cli
