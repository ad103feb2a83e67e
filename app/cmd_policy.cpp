// hookctl policy show|set
#include <fmt/format.h>

#include "cli.hpp"
#include "hookctl/policy.hpp"
#include "output.hpp"

namespace hookctl::cli {

// --- policy show -------------------------------------------------------------------------------

struct PolicyShowOptions {};

void run_policy_show(Context& ctx, const PolicyShowOptions&) {
  Session& s = ctx.session(OpenMode::read);
  auto settings = show_policy(s);
  if (ctx.json) {
    Json doc = Json::object();
    for (const auto& p : settings) doc[p.key] = p.value;
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
};

void run_policy_set(Context& ctx, const PolicySetOptions& o) {
  (void)parse_duration(o.value);  // a bad value fails before a store is created
  Session& s = ctx.session(OpenMode::create);
  PolicySetting previous = set_policy(s, o.key, o.value);
  auto now = show_policy(s);
  if (ctx.json) return print_json(Json{{now.front().key, now.front().value}});
  say(fmt::format("{}: {} (was {}).", o.key, now.front().value, previous.value));
}

void add_policy_set(CLI::App& policy, Context& ctx) {
  auto [cmd, o] = add_command(
      policy, ctx, {"set", "Change a policy setting", "hookctl policy set inactivity-period 90d"},
      run_policy_set);
  takes(cmd.add_option("key", o.key, "inactivity-period"), ValueKind::policy_key)
      ->required()
      ->check(CLI::IsMember({std::string(inactivity_period_key)}));
  cmd.add_option("value", o.value, "A duration such as 60d")->required();
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
