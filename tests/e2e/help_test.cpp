// Every command's --help has a one-line purpose and an example, and lists the options its man
// page section documents; a mistyped command gets a hint.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness.hpp"

using e2e::Result;
using e2e::Sandbox;

namespace {
// Subcommand names under `path`, asked from the binary itself (the completion walker).
std::vector<std::string> subcommands(const Sandbox& s, std::vector<std::string> path) {
  std::vector<std::string> args{"__complete"};
  args.insert(args.end(), path.begin(), path.end());
  args.push_back("");
  std::istringstream lines(s.run(args).out);
  std::vector<std::string> out;
  for (std::string line; std::getline(lines, line);) {
    std::string word = line.substr(0, line.find('\t'));
    if (!word.empty() && word[0] != '-') out.push_back(word);
  }
  return out;
}

// Every command of the binary as its path of words: groups, their commands, top-level commands.
std::vector<std::vector<std::string>> all_commands(const Sandbox& s) {
  std::vector<std::vector<std::string>> commands;
  for (const auto& group : subcommands(s, {})) {
    commands.push_back({group});
    // Positional completions (names from the store) are not subcommands; the store is empty.
    for (const auto& sub : subcommands(s, {group})) commands.push_back({group, sub});
  }
  return commands;
}

// The global options, documented under GLOBAL OPTIONS rather than in each command's section.
const std::set<std::string> global_options{
    "--help",  "--db", "--json",           "--version",       "--wide",          "--no-headers",
    "--quiet", "--as", "--as-password-fd", "--as-token-file", "--owner-override"};

// The long options a command declares itself, from the completer (which also lists the options
// of the command's parents: the global ones are set aside).
std::set<std::string> own_options(const Sandbox& s, std::vector<std::string> path) {
  std::vector<std::string> args{"__complete"};
  args.insert(args.end(), path.begin(), path.end());
  args.push_back("--");
  std::istringstream lines(s.run(args).out);
  std::set<std::string> out;
  for (std::string line; std::getline(lines, line);) {
    std::string word = line.substr(0, line.find('\t'));
    if (global_options.count(word) == 0) out.insert(word);
  }
  return out;
}

// The man page's command sections (".SS user create") and the options each documents as a
// tagged paragraph (".TP" followed by ".B \-\-name", ".BI \-\-name ..." or ".BR \-\-name ...").
std::map<std::string, std::set<std::string>> man_page_options() {
  std::ifstream in(HOOKCTL_MAN_PAGE);
  REQUIRE(in);
  std::map<std::string, std::set<std::string>> sections;
  std::string section, line;
  bool in_commands = false, after_tp = false;
  while (std::getline(in, line)) {
    if (line.rfind(".SH ", 0) == 0) {
      in_commands = line == ".SH COMMANDS";
      section.clear();
      continue;
    }
    if (!in_commands) continue;
    if (line.rfind(".SS ", 0) == 0) {
      section.clear();
      for (size_t i = 4; i < line.size(); ++i)
        if (!(line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '-')) section += line[i];
      sections[section];
      continue;
    }
    if (after_tp) {
      // Every option on the tag line (".B \-\-app\-token \-\-owner" documents two).
      std::istringstream words(line);
      std::string macro, word;
      words >> macro;
      if (macro == ".B" || macro == ".BI" || macro == ".BR")
        while (words >> word) {
          word.erase(std::remove(word.begin(), word.end(), '"'), word.end());
          if (word.rfind("\\-\\-", 0) != 0) continue;
          std::string option;
          for (size_t i = 0; i < word.size(); ++i)
            if (!(word[i] == '\\' && i + 1 < word.size() && word[i + 1] == '-')) option += word[i];
          sections[section].insert(option);
        }
    }
    after_tp = line == ".TP";
  }
  return sections;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}
}  // namespace

TEST_CASE("every command's help has a purpose and an example", "[cli]") {
  Sandbox s;
  std::vector<std::vector<std::string>> commands = all_commands(s);
  REQUIRE(commands.size() > 20);  // the walk found the tree
  for (auto args : commands) {
    args.push_back("--help");
    Result r = s.run(args);
    INFO(args[0] << " " << (args.size() > 2 ? args[1] : ""));
    CHECK(r.code == 0);
    CHECK(r.out.find("Example:\n  ") != std::string::npos);
    CHECK(r.out.find("Usage: hookctl") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(s.db));  // help never creates a store
  }
}

TEST_CASE("a mistyped command suggests the right one and exits 2", "[cli]") {
  Sandbox s;
  Result r = s.run({"webhok", "list"});
  CHECK(r.code == 2);
  CHECK(r.err.find("did you mean 'webhook'?") != std::string::npos);
  r = s.run({"token", "rotat", "x"});
  CHECK(r.code == 2);
  CHECK(r.err.find("did you mean 'rotate'?") != std::string::npos);
  r = s.run({"--json", "user", "lst"});
  CHECK(r.code == 2);
  CHECK(r.error_json()["error"]["code"] == "usage");
}

TEST_CASE("the man page documents every command and exactly the options --help lists", "[cli]") {
  Sandbox s;
  const auto man = man_page_options();
  for (const auto& path : all_commands(s)) {
    const bool group = !subcommands(s, path).empty();
    if (group) continue;  // a group's commands have the sections
    const std::string name = joined(path);
    INFO("command: hookctl " << name);
    auto section = man.find(name);
    REQUIRE(section != man.end());
    CHECK(own_options(s, path) == section->second);
  }
}

TEST_CASE("no usage error repeats the value given to an option", "[cli]") {
  Sandbox s;
  s.user("svc", {"--service"});
  // Not a secret by shape (those are refused before parsing), but a value a user may not want
  // on a screen or in a log: a password typed at the wrong prompt, a pasted credential.
  const std::string value = "Zq9-hunter2-Passphrase";
  // Options whose values are names, labels, addresses or paths: refusing one quotes it (as
  // printable text) so the user sees which of several was wrong.
  const std::set<std::string> quoted{"--owner", "--user",    "--webhook",          "--token",
                                     "--name",  "--email",   "--description",      "--transfer-to",
                                     "--to",    "--subject", "--webhook-from-uri", "--listen"};
  size_t tried = 0;
  for (const auto& path : all_commands(s)) {
    if (!subcommands(s, path).empty() || path.front() == "serve") continue;
    for (const auto& option : own_options(s, path)) {
      if (quoted.count(option)) continue;
      for (const bool joined_form : {false, true}) {
        std::vector<std::string> args = path;
        if (joined_form) {
          args.push_back(option + "=" + value);
        } else {
          args.push_back(option);
          args.push_back(value);
        }
        Result r = s.run(args);
        ++tried;
        INFO(joined(args) << " -> " << r.code << ": " << r.err);
        if (r.code == 2) CHECK(r.err.find(value) == std::string::npos);
      }
    }
  }
  CHECK(tried > 50);  // the walk found the options
  // A positional with a fixed set of words: the policy key.
  Result key = s.run({"policy", "set", value, "30d"});
  CHECK(key.code == 2);
  CHECK(key.err.find(value) == std::string::npos);
  CHECK(key.err.find("inactivity-period") != std::string::npos);
}

TEST_CASE("an unknown option is named, with the option it most likely meant", "[cli]") {
  Sandbox s;
  Result v = s.run({"-V"});
  CHECK(v.code == 2);
  CHECK(v.err.find("unknown option -V") != std::string::npos);
  CHECK(v.err.find("needs a command") == std::string::npos);
  Result typo = s.run({"token", "list", "--expiring", "3d"});
  CHECK(typo.code == 2);
  CHECK(typo.err.find("unknown option --expiring") != std::string::npos);
  CHECK(typo.err.find("did you mean --expiring-within?") != std::string::npos);
  CHECK(typo.err.find("3d") == std::string::npos);
  Result near = s.run({"user", "list", "--inactiv"});
  CHECK(near.err.find("did you mean --inactive") != std::string::npos);
}

TEST_CASE("the man page documents every global option in the synopsis and under GLOBAL OPTIONS",
          "[cli]") {
  Sandbox s;
  std::set<std::string> offered;  // the options of the command line itself, from the completer
  {
    std::istringstream lines(s.run({"__complete", "-"}).out);
    for (std::string line; std::getline(lines, line);)
      offered.insert(line.substr(0, line.find('\t')));
  }
  CHECK(offered == global_options);
  // The man page's words that are options ("\-\-wide" -> "--wide"), in the synopsis before the
  // list of commands, and on the tag lines of GLOBAL OPTIONS.
  std::ifstream in(HOOKCTL_MAN_PAGE);
  REQUIRE(in);
  std::set<std::string> synopsis, documented;
  std::string section, line;
  bool after_tp = false, commands_listed = false;
  auto options_in = [](const std::string& text, std::set<std::string>& into) {
    std::string plain;
    for (size_t i = 0; i < text.size(); ++i)
      if (!(text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '-')) plain += text[i];
    std::istringstream words(plain);
    for (std::string word; words >> word;) {
      word.erase(std::remove_if(word.begin(), word.end(),
                                [](char c) { return c == '"' || c == ',' || c == '|'; }),
                 word.end());
      if (word.size() > 1 && word[0] == '-') into.insert(word);
    }
  };
  while (std::getline(in, line)) {
    if (line.rfind(".SH ", 0) == 0) section = line.substr(4);
    if (section == "SYNOPSIS" && line == "Commands:") commands_listed = true;
    if (section == "SYNOPSIS" && !commands_listed) options_in(line, synopsis);
    if (section == "GLOBAL OPTIONS" && after_tp) options_in(line, documented);
    after_tp = line == ".TP";
  }
  for (const auto& option : global_options) {
    INFO(option);
    CHECK(documented.count(option) == 1);
    // The synopsis shows a usage line's options, and -q for --quiet.
    if (option != "--help" && option != "--version" && option != "--quiet")
      CHECK(synopsis.count(option) == 1);
  }
  CHECK(documented.count("-q") == 1);
  CHECK(synopsis.count("-q") == 1);
  CHECK(documented.count("-h") == 1);
}

TEST_CASE("version --json describes the build for packagers and plain --version is unchanged",
          "[cli]") {
  Sandbox s;
  Result plain = s.run({"--version"});
  REQUIRE(plain.code == 0);
  REQUIRE(plain.out.rfind("hookctl ", 0) == 0);
  const std::string version = plain.line().substr(8);
  CHECK(plain.out == "hookctl " + version + "\n");  // one line, as before

  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--version", "--json"}, {"--json", "--version"}}) {
    Result r = s.run(args);
    INFO(joined(args) << "\n" << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    const nlohmann::json j = r.json();
    CHECK(e2e::keys_of(j) == std::set<std::string>{"name", "version", "engines"});
    CHECK(j["name"] == "hookctl");
    CHECK(j["version"] == version);
    REQUIRE(j["engines"].size() == 2);
    std::map<std::string, nlohmann::json> engines;
    for (const auto& e : j["engines"]) {
      CHECK(e2e::keys_of(e) ==
            std::set<std::string>{"engine", "schema_version", "library", "library_version"});
      CHECK(e["schema_version"].is_number_integer());
      CHECK(e["schema_version"] >= 2);
      engines[e["engine"]] = e;
    }
    REQUIRE(engines.count("sqlite") == 1);
    REQUIRE(engines.count("postgresql") == 1);
    CHECK(engines["sqlite"]["library"] == "libsqlite3.so.0");
    CHECK(engines["sqlite"]["library_version"].get<std::string>().rfind("3.", 0) == 0);
    CHECK(engines["postgresql"]["library"] == "libpq.so.5");
    CHECK(engines["postgresql"]["library_version"].is_null());  // loaded on first use only
  }
  CHECK(e2e::entries(s.dir).empty());  // nothing created

  // The schema version is the one a new store gets on this sandbox's engine.
  Result init = s.run({"init", "--json"});
  REQUIRE(init.code == 0);
  const nlohmann::json build = s.run({"--version", "--json"}).json();
  for (const auto& e : build["engines"])
    if (e["engine"] == (s.on_postgresql() ? "postgresql" : "sqlite"))
      CHECK(e["schema_version"] == init.json()["schema_version"]);
}
