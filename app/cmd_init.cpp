// hookctl init
#include <fmt/format.h>

#include "cli.hpp"
#include "hookctl/init.hpp"
#include "hookctl/text.hpp"
#include "output.hpp"

namespace hookctl::cli {

struct InitOptions {};

void run_init(Context& ctx, const InitOptions&) {
  StoreInit r = initialise_store(ctx.session(OpenMode::create));
  if (ctx.json)
    return print_json(Json{{"path", r.path},
                           {"schema_version", r.schema_version},
                           {"created", r.created},
                           {"migrated", r.migrated}});
  say(terminal_safe(r.path));
  if (r.created) return;  // said for every command that creates a store
  if (r.migrated)
    say_stderr(fmt::format("Migrated the store to schema {}.", r.schema_version));
  else
    say_stderr("The store is up to date.");
}

void register_init_command(CLI::App& app, Context& ctx) {
  add_command(app, ctx,
              {"init", "Create or migrate the store; print its path",
               "hookctl --db /srv/hookctl/store.db init"},
              run_init);
}

}  // namespace hookctl::cli
