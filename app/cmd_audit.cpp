// hookctl audit
#include <fmt/format.h>

#include "cli.hpp"
#include "hookctl/audit.hpp"
#include "hookctl/error.hpp"
#include "hookctl/text.hpp"
#include "output.hpp"

namespace hookctl::cli {

struct AuditOptions {
  std::optional<std::string> since, subject;
  std::vector<std::string> actions;  // empty: every action
  std::optional<int64_t> limit;
};

void run_audit(Context& ctx, const AuditOptions& o) {
  AuditFilter f;
  f.since = since_option(ctx, o.since, "--since");
  f.subject = o.subject;
  for (const auto& word : o.actions) f.actions.push_back(*from_string<AuditAction>(word));
  f.limit = o.limit;
  Session& s = ctx.session(OpenMode::read);
  if (ctx.json) {
    JsonArray out;
    list_audit(s, f, [&](const AuditEvent& e) { out.add(e); });
    return;
  }
  // The log keeps each event's exact time: a record, read for when things happened.
  Table t({"AT", shrinking("ACTOR"), "ACTION", shrinking("SUBJECT"), shrinking("DETAILS")});
  list_audit(s, f, [&](const AuditEvent& e) {
    t.add({format_rfc3339(e.at), terminal_safe(e.actor), e.action, terminal_safe(e.subject),
           terminal_safe(shown_details(e))});
  });
  if (t.empty())
    say_none_found(ctx, "No matching audit events.");
  else
    t.print(ctx);
}

void register_audit_command(CLI::App& app, Context& ctx) {
  auto [cmd, o] = add_command(app, ctx,
                              {"audit", "Show the audit log of changes, oldest first",
                               "hookctl audit --since 7d --subject alice"},
                              run_audit);
  takes(cmd.add_option("--since", o.since,
                       "Only events of the last DUR, or at or after TIME (2026-11-01 or "
                       "2026-11-01T09:00:00Z)"),
        ValueKind::duration_or_time);
  takes(cmd.add_option("--subject", o.subject,
                       "Only events about this user (and its tokens), webhook or token id"),
        ValueKind::user);
  one_of<AuditAction>(
      cmd.add_option("--action", o.actions, "Only events of this action (repeatable)"));
  cmd.add_option("--limit", o.limit, "Only the newest N events")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000000}));
}

}  // namespace hookctl::cli
