// hookctl policy show|set
#include <fmt/format.h>

#include <algorithm>

#include "cli.hpp"
#include "hookctl/policy.hpp"
#include "output.hpp"

namespace hookctl::cli {

// --- policy show -------------------------------------------------------------------------------

struct PolicyShowOptions {};

// A setting in JSON: snake_case key, the human value, and its seconds beside it.
void add_setting(Json& doc, const PolicySetting& p) {
  std::string key = p.key;
  std::replace(key.begin(), key.end(), '-', '_');
  if (!p.duration) {  // a count: the number itself
    doc[key] = std::stoll(p.value);
    return;
  }
  doc[key] = p.value;
  doc[key + "_seconds"] = parse_duration(p.value).count();
}

void run_policy_show(Context& ctx, const PolicyShowOptions&) {
  Session& s = ctx.session(OpenMode::read);
  auto settings = show_policy(s);
  if (ctx.json) {
    Json doc = Json::object();
    for (const auto& p : settings) add_setting(doc, p);
    return print_json(doc);
  }
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& p : settings) fields.emplace_back(p.key, p.value);
  print_fields(fields);
}

void add_policy_show(CLI::App& policy, Context& ctx) {
  add_command(policy, ctx, {"show", "Show the policy settings", "hookctl policy show"},
              run_policy_show);
}

// --- policy set --------------------------------------------------------------------------------

struct PolicySetOptions {
  std::string key, value;
  bool yes = false;
  bool dry_run = false;
};

void print_policy_change(Context& ctx, const PolicyChange& c, bool dry_run) {
  if (ctx.json) {
    Json doc = Json::object();
    add_setting(doc, dry_run ? c.previous : c.current);
    doc["previous"] = c.previous.value;
    doc["requested"] = c.current.value;
    doc["changed"] = c.changed && !dry_run;
    doc["dry_run"] = dry_run;
    doc["accounts_becoming_inactive"] = c.accounts_becoming_inactive;
    doc["accounts_becoming_active"] = c.accounts_becoming_active;
    doc["webhooks_breaking"] = c.webhooks_breaking;
    doc["webhooks_repaired"] = c.webhooks_repaired;
    return print_json(doc);
  }
  if (!c.changed)
    return say(fmt::format("{} is already {}; nothing changed.", c.current.key, c.current.value));
  say(dry_run ? fmt::format("Would set {} to {} (now {}); dry run: nothing was changed.",
                            c.current.key, c.current.value, c.previous.value)
              : fmt::format("{}: {} (was {}).", c.current.key, c.current.value, c.previous.value));
  const char* verb = dry_run ? "would" : "did";
  auto line = [&](const std::vector<std::string>& names, const char* one, const char* many,
                  const char* what) {
    if (names.empty()) return;
    say(fmt::format("  {} {} {} {}: {}", names.size(), names.size() == 1 ? one : many, verb, what,
                    name_list(names)));
  };
  line(c.accounts_becoming_inactive, "account", "accounts", "become inactive");
  line(c.accounts_becoming_active, "account", "accounts", "become active again");
  line(c.webhooks_breaking, "webhook", "webhooks", "break");
  line(c.webhooks_repaired, "webhook", "webhooks", "work again");
}

void run_policy_set(Context& ctx, const PolicySetOptions& o) {
  // A bad duration fails before a store is created (a threshold is checked by set_policy).
  if (o.key != lockout_threshold_key) (void)parse_duration(o.value);
  // A dry run never creates a store.
  Session& s = ctx.session(o.dry_run ? OpenMode::write : OpenMode::create);
  // The effect is worked out first, as a rehearsal that keeps nothing: a change that deactivates
  // accounts or breaks webhooks is confirmed knowing which.
  // A store this command is creating has no accounts to deactivate: nothing to rehearse (and a
  // store being created is not rolled back and written again before it is published).
  if (s.store().created()) return print_policy_change(ctx, set_policy(s, o.key, o.value), false);
  PolicyChange plan = s.store().rehearse([&] { return set_policy(s, o.key, o.value); });
  if (o.dry_run || !plan.changed) return print_policy_change(ctx, plan, o.dry_run);
  if (plan.has_victims())
    confirm(ctx, o.yes,
            fmt::format("Set {} to {}? {} account(s) become inactive and {} webhook(s) break.",
                        plan.current.key, plan.current.value,
                        plan.accounts_becoming_inactive.size(), plan.webhooks_breaking.size()));
  print_policy_change(ctx, set_policy(s, o.key, o.value), false);
}

void add_policy_set(CLI::App& policy, Context& ctx) {
  auto [cmd, o] = add_command(
      policy, ctx,
      {"set", "Change a policy setting; shows the effect, asks when accounts or webhooks suffer",
       "hookctl policy set inactivity-period 30d --dry-run"},
      run_policy_set);
  std::vector<std::string> keys(std::begin(policy_keys), std::end(policy_keys));
  takes(cmd.add_option("key", o.key, "inactivity-period, lockout-threshold or lockout-duration"),
        ValueKind::policy_key)
      ->required()
      ->check(CLI::IsMember(keys));
  cmd.add_option("value", o.value, "A duration such as 60d; for lockout-threshold, a count")
      ->required();
  cmd.add_flag("--yes,-y", o.yes, "Do not ask for confirmation when accounts or webhooks suffer");
  cmd.add_flag("--dry-run", o.dry_run, "Show the effect only; change nothing (needs no --yes)");
}

// --- the group ---------------------------------------------------------------------------------

void register_policy_commands(CLI::App& app, Context& ctx) {
  CLI::App* policy = add_command(app, "policy", "Show or change store policy",
                                 "hookctl policy set inactivity-period 90d");
  policy->require_subcommand(1);
  add_policy_show(*policy, ctx);
  add_policy_set(*policy, ctx);
}

}  // namespace hookctl::cli
