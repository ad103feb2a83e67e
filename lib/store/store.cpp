// What every engine shares: finding the store, choosing its engine, and wording its errors.
#include "hookctl/store.hpp"

#include <fmt/format.h>

#include <sqlite3.h>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <new>

#include "hookctl/session.hpp"
#include "libpq.hpp"
#include "postgresql_store.hpp"
#include "sqlite_store.hpp"

namespace hookctl {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

bool names_postgresql(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

StoreLocation location_of(const std::string& db, const char* source) {
  if (!names_postgresql(db)) return {Engine::sqlite, fs::path(db), {}, source};
  return {Engine::postgresql, {}, db, source};
}

}  // namespace

StoreLocation locate_store_argument(const std::string& text, std::string_view option) {
  StoreLocation where = location_of(text, "--db");
  where.source = std::string(option);
  if (where.engine == Engine::postgresql && detail::uri_has_password(where.uri))
    fail(ErrorKind::usage,
         fmt::format("a password in {} is visible to every user of this machine: put it in "
                     "~/.pgpass, PGPASSFILE or a service file, or give the URI in HOOKCTL_DB",
                     option));
  return where;
}

StoreLocation locate_store(const std::optional<std::string>& db_option) {
  if (db_option && !db_option->empty()) return locate_store_argument(*db_option, "--db");
  if (auto v = env("HOOKCTL_DB")) return location_of(*v, "HOOKCTL_DB");
  // Under sudo to another user the environment is the caller's to shape (a sudoers rule may keep
  // HOME or XDG_DATA_HOME): the default store is the target user's, from its home directory in
  // the password database, so `sudo -u hookctl hookctl ...` always finds the hookctl user's.
  if (sudo_caller()) {
    struct passwd pw;
    struct passwd* found = nullptr;
    char buf[4096];
    if (::getpwuid_r(::geteuid(), &pw, buf, sizeof buf, &found) != 0 || found == nullptr ||
        found->pw_dir == nullptr || *found->pw_dir != '/')
      fail(ErrorKind::store,
           "cannot find the store: the user sudo runs hookctl as has no home "
           "directory in the password database");
    return {Engine::sqlite,
            fs::path(found->pw_dir) / ".local" / "share" / "hookctl" / "store.db",
            {},
            "the home directory of " + std::string(found->pw_name)};
  }
  if (auto v = env("XDG_DATA_HOME"); v && fs::path(*v).is_absolute())
    return {Engine::sqlite, fs::path(*v) / "hookctl" / "store.db", {}, "XDG_DATA_HOME"};
  if (auto v = env("HOME"))
    return {Engine::sqlite, fs::path(*v) / ".local" / "share" / "hookctl" / "store.db", {}, "HOME"};
  fail(ErrorKind::store, "cannot find the store: set --db, HOOKCTL_DB, XDG_DATA_HOME or HOME");
}

std::string display_location(const StoreLocation& where) {
  if (where.engine == Engine::sqlite) return fs::absolute(where.path).lexically_normal().string();
  return detail::uri_without_password(where.uri);
}

std::unique_ptr<Store> open_store(const StoreLocation& where, OpenMode mode) {
  if (where.engine == Engine::postgresql) return detail::open_postgresql(where, mode);
  return std::make_unique<SqliteStore>(where, mode);
}

std::vector<EngineSupport> supported_engines() {
  EngineSupport sqlite;
  sqlite.engine = Engine::sqlite;
  sqlite.schema_version = sqlite_schema_version();
  sqlite.library = "libsqlite3.so.0";
  sqlite.library_version = ::sqlite3_libversion();
  EngineSupport postgresql;
  postgresql.engine = Engine::postgresql;
  postgresql.schema_version = detail::postgresql_schema_version();
  postgresql.library = detail::libpq_soname;
  return {sqlite, postgresql};
}

Error translate_exception(const std::exception& e) {
  if (auto* err = dynamic_cast<const Error*>(&e)) return *err;
  if (auto error = detail::translate_sqlite(e)) return *error;
  if (auto error = detail::translate_postgresql(e)) return *error;
  if (dynamic_cast<const std::bad_alloc*>(&e)) return Error(ErrorKind::internal, "out of memory");
  return Error(ErrorKind::internal, e.what());
}

}  // namespace hookctl
