// Internal: the PostgreSQL migration list (see postgresql_schema.cpp).
#pragma once

#include <string>
#include <vector>

namespace hookctl::detail {

// Migration i takes a store from schema version i to i+1; it runs with search_path = hookctl.
const std::vector<std::string>& postgresql_migrations();

}  // namespace hookctl::detail
