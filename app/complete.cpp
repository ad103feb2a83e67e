#include "complete.hpp"

#include <sys/stat.h>

#include <iostream>
#include <map>
#include <set>

#include "hookctl/store.hpp"

namespace hookctl::cli {

namespace {

enum class Source { none, users, webhooks, tokens, files, durations, policy_keys };

// Where an option's or positional's values come from, by its name in the tree. One table for
// --help's value names and for completion.
Source source_of(const CLI::Option& opt, const CLI::App& cmd) {
  static const std::map<std::string, Source> by_option{
      {"--user", Source::users},
      {"--owner", Source::users},
      {"--transfer-to", Source::users},
      {"--webhook", Source::webhooks},
      {"--token", Source::tokens},
      {"--db", Source::files},
      {"--inactive-within", Source::durations},
      {"--expires-in", Source::durations},
      {"--expiring-within", Source::durations},
      {"--grace", Source::durations},
      {"--at-risk", Source::durations},
      {"--window", Source::durations},
      {"--since", Source::durations},
      {"--subject", Source::users},
  };
  if (!opt.get_positional()) {
    auto it = by_option.find("--" + (opt.get_lnames().empty() ? "" : opt.get_lnames().front()));
    return it == by_option.end() ? Source::none : it->second;
  }
  const std::string pos = opt.get_name(true);
  const CLI::App* group = cmd.get_parent();
  const std::string group_name = group ? group->get_name() : "";
  if (pos == "file") return Source::files;
  if (pos == "key") return Source::policy_keys;
  if (pos == "webhook") return Source::webhooks;
  if (pos == "id") return Source::tokens;
  if (pos == "name") {
    if (group_name == "webhook") return Source::webhooks;
    if (group_name == "user" || group_name == "auth") return Source::users;
  }
  return Source::none;
}

const char* value_name(Source s) {
  switch (s) {
    case Source::users:
    case Source::webhooks:
      return "NAME";
    case Source::tokens:
      return "ID";
    case Source::files:
      return "FILE";
    case Source::durations:
      return "DUR";
    case Source::policy_keys:
      return "KEY";
    case Source::none:
      break;
  }
  return nullptr;
}

void annotate(CLI::App& cmd) {
  for (CLI::Option* opt : cmd.get_options()) {
    if (opt->get_items_expected_max() == 0) continue;  // a flag
    if (const char* name = value_name(source_of(*opt, cmd))) opt->type_name(name);
  }
  for (CLI::App* sub : cmd.get_subcommands({})) annotate(*sub);
}

// The choices of an IsMember validator, from its description "{a,b,c}".
std::vector<std::string> choices_of(CLI::Option& opt) {
  try {
    CLI::Validator* v = opt.get_validator(0);
    std::string d = v ? v->get_description() : "";
    if (d.size() < 2 || d.front() != '{' || d.back() != '}') return {};
    std::vector<std::string> out;
    std::string item;
    for (char c : d.substr(1, d.size() - 2)) {
      if (c == ',') {
        out.push_back(item);
        item.clear();
      } else {
        item += c;
      }
    }
    out.push_back(item);
    return out;
  } catch (...) {
    return {};
  }
}

CLI::Option* find_option(CLI::App& cmd, const std::string& word) {
  for (CLI::App* a = &cmd; a != nullptr; a = a->get_parent())
    for (CLI::Option* opt : a->get_options())
      if (!opt->get_positional() && opt->check_name(word)) return opt;
  return nullptr;
}

bool takes_value(const CLI::Option& opt) { return opt.get_items_expected_max() > 0; }

struct Candidate {
  std::string word;
  std::string description;
};

std::vector<Candidate> store_names(Source source, const std::optional<std::string>& db,
                                   const std::string& prefix) {
  std::vector<Candidate> out;
  try {
    StoreLocation where = locate_store(db);
    struct stat st;
    if (::stat(where.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return out;  // never create
    Store store(where, OpenMode::read);
    std::string sql = source == Source::users
                          ? "SELECT name, kind FROM accounts WHERE name LIKE ?1 ESCAPE '\\' "
                            "ORDER BY name LIMIT 500"
                      : source == Source::webhooks
                          ? "SELECT name, auth FROM webhooks WHERE name LIKE ?1 ESCAPE '\\' "
                            "ORDER BY name LIMIT 500"
                          : "SELECT t.id, t.kind || ' token of ' || a.name FROM tokens t JOIN "
                            "accounts a ON a.id = t.account_id WHERE t.id LIKE ?1 ESCAPE '\\' "
                            "AND t.revoked_at IS NULL ORDER BY t.id LIMIT 500";
    std::string pattern;
    for (char c : prefix) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    auto& q = store.statement(sql);
    q.bind(1, pattern + "%");
    while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString()});
  } catch (...) {
    // A completion never fails loudly: no store, a foreign file, a lock - no candidates.
  }
  return out;
}

std::vector<Candidate> values_for(CLI::Option& opt, CLI::App& cmd, const std::string& cur,
                                  const std::optional<std::string>& db, bool& files) {
  std::vector<Candidate> out;
  for (auto& c : choices_of(opt)) out.push_back({c, ""});
  if (!out.empty()) return out;
  switch (source_of(opt, cmd)) {
    case Source::users:
    case Source::webhooks:
    case Source::tokens:
      return store_names(source_of(opt, cmd), db, cur);
    case Source::files:
      files = true;
      return out;
    case Source::durations:
      for (const char* d : {"1h", "1d", "7d", "14d", "30d", "60d", "90d"}) out.push_back({d, ""});
      return out;
    case Source::policy_keys:
    case Source::none:
      return out;
  }
  return out;
}

void complete(CLI::App& root, std::vector<std::string> words) {
  if (words.empty()) words.push_back("");
  const std::string cur = words.back();
  words.pop_back();
  CLI::App* cmd = &root;
  std::optional<std::string> db;
  size_t positionals = 0;
  CLI::Option* pending = nullptr;  // an option whose value comes next
  for (const std::string& w : words) {
    if (pending) {
      if (pending->check_name("--db")) db = w;
      pending = nullptr;
      continue;
    }
    if (w.size() > 1 && w[0] == '-') {
      std::string name = w.substr(0, w.find('='));
      CLI::Option* opt = find_option(*cmd, name);
      if (opt && takes_value(*opt) && w.find('=') == std::string::npos) pending = opt;
      if (opt && opt->check_name("--db") && w.find('=') != std::string::npos)
        db = w.substr(w.find('=') + 1);
      continue;
    }
    CLI::App* sub = nullptr;
    for (CLI::App* s : cmd->get_subcommands({}))
      if (!s->get_group().empty() && s->check_name(w)) sub = s;
    if (sub) {
      cmd = sub;
      positionals = 0;
    } else {
      ++positionals;
    }
  }

  std::vector<Candidate> out;
  bool files = false;
  if (pending) {
    out = values_for(*pending, *cmd, cur, db, files);
  } else if (!cur.empty() && cur[0] == '-') {
    for (CLI::App* a = cmd; a != nullptr; a = a->get_parent())
      for (const CLI::Option* opt : a->get_options())
        for (const auto& l : opt->get_lnames()) out.push_back({"--" + l, opt->get_description()});
  } else {
    bool any_sub = false;
    for (const CLI::App* s : cmd->get_subcommands({}))
      if (!s->get_group().empty()) {
        out.push_back({s->get_name(), s->get_description()});
        any_sub = true;
      }
    if (!any_sub) {
      size_t index = 0;
      for (CLI::Option* opt : cmd->get_options())
        if (opt->get_positional()) {
          if (index++ == positionals) {
            out = values_for(*opt, *cmd, cur, db, files);
            if (source_of(*opt, *cmd) == Source::policy_keys) out = {{"inactivity-period", ""}};
            break;
          }
        }
    }
  }
  if (files) {
    std::cout << "__files__\n";
    return;
  }
  std::set<std::string> seen;
  for (const auto& c : out) {
    if (c.word.compare(0, cur.size(), cur) != 0 || !seen.insert(c.word).second) continue;
    std::cout << c.word;
    if (!c.description.empty()) std::cout << '\t' << c.description;
    std::cout << '\n';
  }
}

}  // namespace

void annotate_values(CLI::App& app) { annotate(app); }

void register_complete_command(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("__complete", "Print completion candidates (for shells)");
  cmd->group("");  // hidden
  cmd->prefix_command();
  cmd->fallthrough(false);
  cmd->allow_extras();
  cmd->callback([&ctx, &app, cmd] {
    ctx.run = [&app, cmd] {
      std::vector<std::string> words = cmd->remaining();
      complete(app, words);
    };
  });
}

}  // namespace hookctl::cli
