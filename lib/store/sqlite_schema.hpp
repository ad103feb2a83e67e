// Internal: the SQLite migration list (see sqlite_schema.cpp).
#pragma once

#include <SQLiteCpp/Database.h>

#include <functional>
#include <vector>

namespace hookctl::detail {

struct Migration {
  std::function<void(SQLite::Database&)> apply;
  // Rebuilds a table that others reference: runs with foreign key enforcement off (it cannot be
  // switched inside a transaction), and the runner checks every foreign key before committing.
  bool rebuilds_tables = false;
};
const std::vector<Migration>& migrations();

}  // namespace hookctl::detail
