// Internal: the SQLite migration list (see sqlite_schema.cpp).
#pragma once

#include <SQLiteCpp/Database.h>

#include <functional>
#include <vector>

namespace hookctl::detail {

using Migration = std::function<void(SQLite::Database&)>;
const std::vector<Migration>& migrations();

}  // namespace hookctl::detail
