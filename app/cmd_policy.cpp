// hookctl policy show|set
#include <fmt/format.h>

#include "cli.hpp"
#include "hookctl/policy.hpp"
#include "output.hpp"

namespace hookctl::cli {

void register_policy_commands(CLI::App& app, Context& ctx) {
  CLI::App* policy = add_command(app, "policy", "Show or change store policy",
                                 "hookctl policy set inactivity-period 90d");
  policy->require_subcommand(1);

  auto* show = add_command(*policy, "show", "Show the policy settings", "hookctl policy show");
  show->callback([&ctx] {
    ctx.run = [&ctx] {
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
    };
  });

  struct Opts {
    std::string key, value;
  };
  auto o = std::make_shared<Opts>();
  auto* set = add_command(*policy, "set", "Change a policy setting",
                          "hookctl policy set inactivity-period 90d");
  set->add_option("key", o->key, "inactivity-period")
      ->required()
      ->check(CLI::IsMember({"inactivity-period"}));
  set->add_option("value", o->value, "A duration such as 60d")->required();
  set->callback([&ctx, o] {
    ctx.run = [&ctx, o] {
      (void)parse_duration(o->value);  // a bad value fails before a store is created
      Session& s = ctx.session(OpenMode::create);
      PolicySetting previous = set_policy(s, o->key, o->value);
      auto now = show_policy(s);
      if (ctx.json) return print_json(Json{{now.front().key, now.front().value}});
      say(fmt::format("{}: {} (was {}).", o->key, now.front().value, previous.value));
    };
  });
}

}  // namespace hookctl::cli
