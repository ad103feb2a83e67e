// hookctl init
#include <fmt/format.h>

#include "cli.hpp"
#include "hookctl/audit.hpp"
#include "hookctl/text.hpp"
#include "output.hpp"

namespace hookctl::cli {

void register_init_command(CLI::App& app, Context& ctx) {
  auto* cmd = add_command(app, "init", "Create or migrate the store; print its path",
                          "hookctl --db /srv/hookctl/store.db init");
  cmd->callback([&ctx] {
    ctx.run = [&ctx] {
      Session& s = ctx.session(OpenMode::create);
      Store& store = s.store();
      if (!store.created()) store.check_integrity();  // "up to date" must mean usable, too
      if (store.created())
        store.write([&] { record_event(s, "store.init", store.path().string(), "store created"); });
      if (ctx.json)
        return print_json(Json{{"path", store.path().string()},
                               {"schema_version", schema_version()},
                               {"created", store.created()},
                               {"migrated", store.migrated() && !store.created()}});
      say(terminal_safe(store.path().string()));
      if (store.created())
        say_stderr("Created a new store.");
      else if (store.migrated())
        say_stderr(fmt::format("Migrated the store to schema {}.", schema_version()));
      else
        say_stderr("The store is up to date.");
    };
  });
}

}  // namespace hookctl::cli
