// hookctl store copy|backup
#include <fmt/format.h>

#include "cli.hpp"
#include "hookctl/store_copy.hpp"
#include "hookctl/text.hpp"
#include "output.hpp"

namespace hookctl::cli {

namespace {

Json counts_json(const StoreCounts& c) {
  return Json{{"accounts", c.accounts},
              {"tokens", c.tokens},
              {"webhooks", c.webhooks},
              {"audit_events", c.audit_events},
              {"policy_settings", c.policy_settings},
              {"rejection_tallies", c.rejection_tallies},
              {"rights", c.rights}};
}

}  // namespace

// --- store copy --------------------------------------------------------------------------------

struct StoreCopyOptions {
  std::string to;
};

void run_store_copy(Context& ctx, const StoreCopyOptions& o) {
  StoreLocation where = locate_store_argument(o.to, "--to");
  ctx.session(OpenMode::read);
  std::unique_ptr<Store> destination = open_store(where, OpenMode::create);
  StoreCounts counts;
  try {
    counts = copy_store(*ctx.store(), *destination);
    destination->publish();
  } catch (...) {
    destination->abandon_creation();
    throw;
  }
  if (ctx.json) {
    Json doc = counts_json(counts);
    doc["from"] = ctx.store()->location();
    doc["to"] = destination->location();
    return print_json(doc);
  }
  say(fmt::format("Copied {} to {}.", describe(counts), terminal_safe(destination->location())));
}

void add_store_copy(CLI::App& store, Context& ctx) {
  auto [cmd, o] = add_command(
      store, ctx,
      {"copy", "Copy the whole store into an empty store (SQLite or PostgreSQL)",
       "hookctl --db ~/.local/share/hookctl/store.db store copy --to postgresql:///hookctl"},
      run_store_copy);
  takes(cmd.add_option("--to", o.to, "The destination: an SQLite file or a postgresql:// URI"),
        ValueKind::file)
      ->required();
}

// --- store backup ------------------------------------------------------------------------------

struct StoreBackupOptions {
  std::string file;
};

void run_store_backup(Context& ctx, const StoreBackupOptions& o) {
  ctx.session(OpenMode::read);
  StoreCounts counts = backup_store(*ctx.store(), o.file);
  if (ctx.json) {
    Json doc = counts_json(counts);
    doc["from"] = ctx.store()->location();
    doc["file"] = o.file;
    return print_json(doc);
  }
  say(fmt::format("Backed up {} to {}.", describe(counts), terminal_safe(o.file)));
}

void add_store_backup(CLI::App& store, Context& ctx) {
  auto [cmd, o] = add_command(
      store, ctx,
      {"backup", "Write a consistent SQLite snapshot of the store, while others keep writing",
       "hookctl store backup /var/backups/hookctl/store.db"},
      run_store_backup);
  takes(cmd.add_option("file", o.file, "The snapshot file (an earlier snapshot is replaced)"),
        ValueKind::file)
      ->required();
}

// --- the group ---------------------------------------------------------------------------------

void register_store_commands(CLI::App& app, Context& ctx) {
  CLI::App* store = add_command(app, "store", "Copy the store to another engine, or back it up",
                                "hookctl store backup /var/backups/hookctl/store.db");
  store->require_subcommand(1);
  add_store_copy(*store, ctx);
  add_store_backup(*store, ctx);
}

}  // namespace hookctl::cli
