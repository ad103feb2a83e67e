// store copy: every table of the current schema, row by row, in key order. The tables and their
// columns are listed once here; both engines' schemas have exactly these (see the schema files),
// so a copy moves every column as it is.
#include <fmt/format.h>

#include <string>
#include <system_error>
#include <vector>

#include "copy_tables.hpp"
#include "hookctl/store_copy.hpp"
#include "sqlite_store.hpp"

namespace hookctl {

namespace fs = std::filesystem;

namespace detail {

const std::vector<CopiedTable>& copied_tables() {
  using enum ColumnType;
  // In an order that satisfies the foreign keys: accounts before their rights and tokens, tokens
  // before webhooks, audit before rejection_tally.
  static const std::vector<CopiedTable> tables{
      {"policy", "key", {{"key", text}, {"value", text}}},
      {"accounts",
       "id",
       {{"id", integer},
        {"name", text},
        {"kind", text},
        {"email", text},
        {"password_hash", text},
        {"created_at", integer},
        {"last_activity_at", integer},
        {"last_activity_source", text},
        {"failed_logins", integer},
        {"locked_until", integer}}},
      {"account_rights",
       "account_id, name",
       {{"account_id", integer}, {"name", text}, {"granted_at", integer}}},
      {"tokens",
       "id",
       {{"id", text},
        {"kind", text},
        {"account_id", integer},
        {"name", text},
        {"secret_hash", blob},
        {"previous_hash", blob},
        {"previous_valid_until", integer},
        {"created_at", integer},
        {"last_used_at", integer},
        {"expires_at", integer},
        {"revoked_at", integer}}},
      {"webhooks",
       "id",
       {{"id", integer},
        {"name", text},
        {"auth", text},
        {"description", text},
        {"token_id", text},
        {"created_at", integer},
        {"previous_token_id", text},
        {"previous_token_until", integer}}},
      {"audit",
       "id",
       {{"id", integer},
        {"at", integer},
        {"actor", text},
        {"action", text},
        {"subject", text},
        {"details", text},
        {"actor_account", text},
        {"authenticated_by", text},
        {"result", text}}},
      {"rejection_tally", "event_id", {{"event_id", integer}, {"repeated", integer}}},
  };
  return tables;
}

void count_into(StoreCounts& counts, std::string_view table, std::int64_t rows) {
  if (table == "accounts") counts.accounts = rows;
  if (table == "tokens") counts.tokens = rows;
  if (table == "webhooks") counts.webhooks = rows;
  if (table == "audit") counts.audit_events = rows;
  if (table == "policy") counts.policy_settings = rows;
  if (table == "rejection_tally") counts.rejection_tallies = rows;
  if (table == "account_rights") counts.rights = rows;
}

}  // namespace detail

namespace {

using detail::ColumnType;
using detail::CopiedTable;

std::string column_list(const CopiedTable& table) {
  std::string out;
  for (const auto& column : table.columns) {
    if (!out.empty()) out += ", ";
    out += column.name;
  }
  return out;
}

std::int64_t count_rows(Store& store, const CopiedTable& table) {
  Query& q = store.statement(fmt::format("SELECT count(*) FROM {}", table.name));
  q.step();
  return q.integer(0);
}

// Copies the current row of `from` into the bindings of `to`, column by column.
void bind_row(Query& from, Query& to, const CopiedTable& table) {
  for (int i = 0; i < static_cast<int>(table.columns.size()); ++i) {
    if (from.is_null(i)) {
      to.bind_null(i + 1);
      continue;
    }
    switch (table.columns[static_cast<size_t>(i)].type) {
      case ColumnType::integer:
        to.bind_integer(i + 1, from.integer(i));
        break;
      case ColumnType::text:
        to.bind_text(i + 1, from.text(i));
        break;
      case ColumnType::blob: {
        std::string_view b = from.bytes(i);
        to.bind_blob(i + 1, {reinterpret_cast<const unsigned char*>(b.data()), b.size()});
        break;
      }
    }
  }
}

// Rows copied into `to`.
std::int64_t copy_table(Store& from, Store& to, const CopiedTable& table) {
  std::string columns = column_list(table);
  std::string placeholders;
  for (size_t i = 1; i <= table.columns.size(); ++i)
    placeholders += fmt::format("{}?{}", i > 1 ? ", " : "", i);
  Query& select =
      from.statement(fmt::format("SELECT {} FROM {} ORDER BY {}", columns, table.name, table.key));
  Query& insert = to.statement(
      fmt::format("INSERT INTO {} ({}) VALUES ({})", table.name, columns, placeholders));
  std::int64_t rows = 0;
  while (select.step()) {
    insert.reset();  // a statement that ran must be reset before it is bound again
    bind_row(select, insert, table);
    insert.run();
    ++rows;
  }
  return rows;
}

// PostgreSQL's identity columns do not follow explicitly inserted ids: move each past the
// largest copied one, so the next account, webhook or event gets a fresh id.
void advance_identities(Store& to) {
  if (to.engine() != Engine::postgresql) return;
  for (const char* table : {"accounts", "webhooks", "audit"}) {
    Query& q = to.statement(fmt::format(
        "SELECT setval(pg_get_serial_sequence('{0}', 'id'), coalesce(max(id), 0) + 1, false) "
        "FROM {0}",
        table));
    q.step();
    q.reset();
  }
}

bool same_store(Store& a, Store& b) {
  if (a.engine() != b.engine()) return false;
  if (a.engine() == Engine::postgresql) return a.location() == b.location();
  std::error_code ec;
  return fs::equivalent(static_cast<SqliteStore&>(a).path(), static_cast<SqliteStore&>(b).path(),
                        ec);
}

}  // namespace

std::string describe(const StoreCounts& c) {
  auto n = [](std::int64_t count, std::string_view what) {
    return fmt::format("{} {}{}", count, what, count == 1 ? "" : "s");
  };
  return fmt::format("{}, {}, {}, {}", n(c.accounts, "account"), n(c.tokens, "token"),
                     n(c.webhooks, "webhook"), n(c.audit_events, "audit event"));
}

StoreCounts count_objects(Store& store) {
  return store.read([&] {
    StoreCounts counts;
    for (const CopiedTable& table : detail::copied_tables())
      detail::count_into(counts, table.name, count_rows(store, table));
    return counts;
  });
}

StoreCounts copy_store(Store& from, Store& to) {
  if (same_store(from, to))
    fail(ErrorKind::usage, "the destination is the store itself; give another store to --to");
  // count_objects reads inside the transaction it is called in (read() nests into it).
  return from.read([&] {
    const StoreCounts expected = count_objects(from);
    return to.write([&] {
      StoreCounts present = count_objects(to);
      present.policy_settings = 0;  // a new store's defaults are replaced
      if (present != StoreCounts{})
        fail(ErrorKind::conflict,
             fmt::format("the destination {} already holds a store ({}); a copy never merges, "
                         "and goes exactly only into a new store: name a new file, or a "
                         "PostgreSQL database without the schema hookctl",
                         to.location(), describe(present)));
      to.statement("DELETE FROM policy").run();
      StoreCounts copied;
      for (const CopiedTable& table : detail::copied_tables())
        detail::count_into(copied, table.name, copy_table(from, to, table));
      advance_identities(to);
      const StoreCounts landed = count_objects(to);
      if (copied != expected || landed != expected)
        fail(ErrorKind::store,
             fmt::format("the copy is incomplete (the source has {}, {} were read and {} "
                         "written); nothing was copied",
                         describe(expected), describe(copied), describe(landed)));
      return landed;
    });
  });
}

}  // namespace hookctl
