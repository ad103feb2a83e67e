// hookctl check
#include <fmt/format.h>

#include <algorithm>

#include "cli.hpp"
#include "hookctl/check.hpp"
#include "hookctl/tokens.hpp"
#include "output.hpp"

namespace hookctl::cli {

struct CheckOptions {
  std::optional<std::string> window;
  std::vector<std::string> kinds;  // empty: every kind
  bool exit_code = false;
};

namespace {
// The SUBJECT cell: a token-unused row names its token with its label too, as people know it
// (the JSON subject stays the id alone).
std::string subject_cell(const Problem& p) {
  return p.kind == ProblemKind::token_unused ? token_reference(p.subject, p.label) : p.subject;
}
}  // namespace

void run_check(Context& ctx, const CheckOptions& o) {
  Duration window = duration_option(o.window, "--window").value_or(default_check_window);
  Session& s = ctx.session(OpenMode::read);
  // --kind (repeatable) keeps the report, and --exit-code, to the kinds a job cares about.
  auto wanted = [&](const Problem& p) {
    return o.kinds.empty() ||
           std::find(o.kinds.begin(), o.kinds.end(), to_string(p.kind)) != o.kinds.end();
  };
  if (ctx.json) {  // streamed: a report over a million accounts is never held in memory
    size_t count = 0;
    {
      JsonArray out;
      check(s, window, [&](const Problem& p) {
        if (!wanted(p)) return;
        out.add(p);
        ++count;
      });
    }
    if (o.exit_code && count > 0) ctx.exit_code = 1;
    return;
  }
  std::vector<Problem> problems;
  check(s, window, [&](const Problem& p) {
    if (wanted(p)) problems.push_back(p);
  });
  if (problems.empty()) {
    say("No problems found.");
  } else {
    Table t({"KIND", shrinking("SUBJECT"), "AT", shrinking("MESSAGE")});
    for (const auto& p : problems)
      t.add({paint(ctx, to_string(p.kind),
                   p.kind == ProblemKind::webhook_broken ? Tone::bad : Tone::warn),
             subject_cell(p), table_time(p.at, s.now()), p.message});
    t.print(ctx);
  }
  if (o.exit_code && !problems.empty()) ctx.exit_code = 1;
}

// The example of `check --help`, a job that mails the report only when there is one: exit 1
// (problems found) mails it; any other failure (a missing store, a bad option: exit 2 and up)
// must not pass for "nothing found" nor mail an empty report, so it is said on stderr and ends
// the job with that status; a healthy store (exit 0) prints nothing. `rc=0; ... || rc=$?` keeps
// the status under `set -e` too. tests/help_example_test.sh runs this text as --help prints it.
constexpr const char* check_example =
    "rc=0; report=$(hookctl check --wide --window 14d --exit-code) || rc=$?\n"
    "  case $rc in\n"
    "    0) ;;\n"
    "    1) printf '%s\\n' \"$report\" | mail -s 'hookctl check' -- root ;;\n"
    "    *) echo \"hookctl check failed (exit $rc)\" >&2; exit \"$rc\" ;;\n"
    "  esac";

void register_check_command(CLI::App& app, Context& ctx) {
  auto [cmd, o] = add_command(
      app, ctx,
      {"check", "Report risks: broken or at-risk webhooks, personal owners, unused tokens",
       check_example},
      run_check);
  takes(cmd.add_option("--window", o.window, "How far ahead 'at risk' looks (default 14d)"),
        ValueKind::duration);
  // The description lists the words the option accepts, from the same table, so it cannot
  // drift from them.
  one_of<ProblemKind>(cmd.add_option("--kind", o.kinds,
                                     fmt::format("Only problems of this kind (repeatable): {}",
                                                 fmt::join(words_of<ProblemKind>(), ", "))));
  cmd.add_flag("--exit-code", o.exit_code, "Exit 1 when there is any problem (of those kinds)");
  add_at_option(cmd, ctx);
}

}  // namespace hookctl::cli
