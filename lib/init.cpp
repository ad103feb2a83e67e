#include "hookctl/init.hpp"

#include "hookctl/audit.hpp"

namespace hookctl {

StoreInit initialise_store(Session& session) {
  Store& store = session.store();
  if (store.created())
    store.write(
        [&] { record_event(session, AuditAction::store_init, store.location(), "store created"); });
  else
    store.check_integrity();
  return StoreInit{store.location(), store.schema_version(), store.created(),
                   store.migrated() && !store.created()};
}

}  // namespace hookctl
