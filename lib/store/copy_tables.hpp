// The tables a whole-store copy or backup moves, for the current schema of every engine.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "hookctl/store_copy.hpp"

namespace hookctl::detail {

enum class ColumnType { integer, text, blob };

struct CopiedColumn {
  const char* name;
  ColumnType type;
};

struct CopiedTable {
  const char* name;
  const char* key;  // rows are copied in this order
  std::vector<CopiedColumn> columns;
};

// Every table, parents before the tables whose foreign keys point at them.
const std::vector<CopiedTable>& copied_tables();

// Records `rows` as the count of `table` in `counts`.
void count_into(StoreCounts& counts, std::string_view table, std::int64_t rows);

}  // namespace hookctl::detail
