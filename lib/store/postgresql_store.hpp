// The PostgreSQL engine: a store is the schema "hookctl" in a database that several hosts share.
// The connection's search_path is that schema alone, so the domain's SQL names its tables
// unqualified. Writers take turns on a transaction-wide advisory lock (as SQLite's BEGIN
// IMMEDIATE makes them), so every rule checked inside a write - the last administrator, no delete
// while tokens are linked - holds across hosts when it commits; reads run in one snapshot
// (REPEATABLE READ, READ ONLY). Times are the application's clock (HOOKCTL_NOW), never now().
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hookctl/store.hpp"

namespace hookctl::detail {

// The schema version this build writes to PostgreSQL stores.
int postgresql_schema_version() noexcept;

// True when a libpq connection URI carries a password (in its user information or as a
// password= parameter).
bool uri_has_password(const std::string& uri);
// The URI with any password removed, for messages and listings.
std::string uri_without_password(const std::string& uri);

std::unique_ptr<Store> open_postgresql(const StoreLocation& where, OpenMode mode);

// translate_exception's PostgreSQL part: nullopt when e is not a PostgreSQL error.
std::optional<Error> translate_postgresql(const std::exception& e);

}  // namespace hookctl::detail
