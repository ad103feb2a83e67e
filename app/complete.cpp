#include "complete.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>

#include <unordered_map>

#include "hookctl/completion.hpp"
#include "hookctl/policy.hpp"
#include "hookctl/store.hpp"
#include "hookctl/time.hpp"

namespace hookctl::cli {

namespace {

// The value kinds declared with takes(), by option. Options live as long as the command tree,
// which is built once per process.
std::unordered_map<const CLI::Option*, ValueKind>& value_kinds() {
  static std::unordered_map<const CLI::Option*, ValueKind> kinds;
  return kinds;
}

const char* value_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::user:
    case ValueKind::active_user:
    case ValueKind::webhook:
      return "NAME";
    case ValueKind::token:
    case ValueKind::integration_token:
      return "ID";
    case ValueKind::file:
      return "FILE";
    case ValueKind::duration:
      return "DUR";
    case ValueKind::duration_or_time:
      return "DUR|TIME";
    case ValueKind::policy_key:
      return "KEY";
  }
  return "VALUE";
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

std::vector<Candidate> store_names(CandidateKind kind, const std::optional<std::string>& db,
                                   const std::string& prefix) {
  try {
    Time now = system_now();
    try {
      now = command_now(clock_override());
    } catch (...) {
      // A malformed HOOKCTL_NOW is reported by the command itself; candidates use the clock.
    }
    return store_candidates(locate_store(db), kind, prefix, now);
  } catch (...) {
    return {};  // no usable store location: no candidates
  }
}

// The command line as far as completion needs it: the store named, the positionals given.
struct Line {
  std::optional<std::string> db;
  std::vector<std::string> positionals;
};

std::vector<Candidate> values_for(CLI::Option& opt, const std::string& cur, const Line& line,
                                  bool& files) {
  const std::optional<std::string>& db = line.db;
  std::vector<Candidate> out;
  for (auto& c : choices_of(opt)) out.push_back({c, ""});
  if (!out.empty()) return out;
  auto kind = value_kind_of(opt);
  if (!kind) return out;
  switch (*kind) {
    case ValueKind::user:
      return store_names(CandidateKind::user, db, cur);
    case ValueKind::active_user:
      out = store_names(CandidateKind::active_user, db, cur);
      std::erase_if(out, [&](const Candidate& c) {
        return std::find(line.positionals.begin(), line.positionals.end(), c.word) !=
               line.positionals.end();
      });
      return out;
    case ValueKind::webhook:
      return store_names(CandidateKind::webhook, db, cur);
    case ValueKind::token:
      return store_names(CandidateKind::token, db, cur);
    case ValueKind::integration_token:
      return store_names(CandidateKind::integration_token, db, cur);
    case ValueKind::file:
      files = true;
      return out;
    case ValueKind::duration:
    case ValueKind::duration_or_time:
      for (const char* d : {"1h", "1d", "7d", "14d", "30d", "60d", "90d"}) out.push_back({d, ""});
      return out;
    case ValueKind::policy_key:
      for (std::string_view key : policy_keys) out.push_back({std::string(key), ""});
      return out;
  }
  return out;
}

void complete(CLI::App& root, std::vector<std::string> words) {
  if (words.empty()) words.push_back("");
  std::string cur = words.back();
  words.pop_back();
  CLI::App* cmd = &root;
  Line line;
  CLI::Option* pending = nullptr;  // an option whose value comes next
  for (const std::string& w : words) {
    if (pending) {
      if (pending->check_name("--db")) line.db = w;
      pending = nullptr;
      continue;
    }
    if (w.size() > 1 && w[0] == '-') {
      std::string name = w.substr(0, w.find('='));
      CLI::Option* opt = find_option(*cmd, name);
      if (opt && takes_value(*opt) && w.find('=') == std::string::npos) pending = opt;
      if (opt && opt->check_name("--db") && w.find('=') != std::string::npos)
        line.db = w.substr(w.find('=') + 1);
      continue;
    }
    CLI::App* sub = nullptr;
    for (CLI::App* s : cmd->get_subcommands({}))
      if (!s->get_group().empty() && s->check_name(w)) sub = s;
    if (sub) {
      cmd = sub;
      line.positionals.clear();
    } else {
      line.positionals.push_back(w);
    }
  }
  const size_t positionals = line.positionals.size();

  // "--opt=VALUE": complete the value, and answer with whole words ("--opt=candidate").
  std::string attached;
  if (!pending && cur.size() > 2 && cur.rfind("--", 0) == 0 && cur.find('=') != std::string::npos) {
    CLI::Option* opt = find_option(*cmd, cur.substr(0, cur.find('=')));
    if (opt && takes_value(*opt)) {
      pending = opt;
      attached = cur.substr(0, cur.find('=') + 1);
      cur.erase(0, attached.size());
    }
  }

  std::vector<Candidate> out;
  bool files = false;
  if (pending) {
    out = values_for(*pending, cur, line, files);
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
      // A positional that takes several values (user grant NAME RIGHT...) takes every word from
      // its place on; the values already given are not offered again.
      size_t index = 0;
      for (CLI::Option* opt : cmd->get_options())
        if (opt->get_positional()) {
          const bool many = opt->get_items_expected_max() > 1;
          if (index == positionals || (many && index < positionals)) {
            out = values_for(*opt, cur, line, files);
            if (many)
              std::erase_if(out, [&](const Candidate& c) {
                return std::find(line.positionals.begin() + static_cast<std::ptrdiff_t>(index),
                                 line.positionals.end(), c.word) != line.positionals.end();
              });
            break;
          }
          ++index;
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
    std::cout << attached << c.word;
    if (!c.description.empty()) std::cout << '\t' << c.description;
    std::cout << '\n';
  }
}

}  // namespace

CLI::Option* takes(CLI::Option* option, ValueKind kind) {
  value_kinds()[option] = kind;
  option->type_name(value_name(kind));
  return option;
}

std::optional<ValueKind> value_kind_of(const CLI::Option& option) {
  auto it = value_kinds().find(&option);
  if (it == value_kinds().end()) return std::nullopt;
  return it->second;
}

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
