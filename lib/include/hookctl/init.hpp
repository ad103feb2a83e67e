// `init`: create, migrate or check the store.
#pragma once

#include <filesystem>

#include "hookctl/session.hpp"

namespace hookctl {

struct StoreInit {
  std::string path;  // the file, or the PostgreSQL URI without its password
  int schema_version = 0;
  bool created = false;   // this command created the store (its first audit event records it)
  bool migrated = false;  // an existing store was migrated to schema_version
};

// Runs on a session opened with OpenMode::create (which created or migrated the store). A store
// just created gets its first audit event; an existing one is checked whole (Error(store) naming
// the first problem when it is damaged), so "up to date" also means usable.
StoreInit initialise_store(Session& session);

}  // namespace hookctl
