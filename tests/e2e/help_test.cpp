// Every command's --help has a one-line purpose and an example; a mistyped command gets a hint.
#include <catch2/catch.hpp>
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
}  // namespace

TEST_CASE("every command's help has a purpose and an example") {
  Sandbox s;
  std::vector<std::vector<std::string>> commands;
  for (const auto& group : subcommands(s, {})) {
    commands.push_back({group});
    for (const auto& sub : subcommands(s, {group})) {
      // Positional completions (names from the store) are not subcommands; the store is empty.
      commands.push_back({group, sub});
    }
  }
  REQUIRE(commands.size() == 30);  // 9 groups and top-level commands, 21 subcommands
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

TEST_CASE("a mistyped command suggests the right one and exits 2") {
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
