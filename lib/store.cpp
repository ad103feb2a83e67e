#include "hookctl/store.hpp"

#include <SQLiteCpp/Exception.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/std.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "schema.hpp"

namespace hookctl {

namespace fs = std::filesystem;

int schema_version() noexcept { return static_cast<int>(detail::migrations().size()); }

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

[[noreturn]] void store_fail(std::string message) { fail(ErrorKind::store, std::move(message)); }

// mkdir -p with mode 0700 for each directory it creates; returns them, outermost first.
std::vector<fs::path> make_directories(const fs::path& dir) {
  std::vector<fs::path> missing;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) store_fail(fmt::format("{} is not a directory", p.string()));
      break;
    }
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  std::vector<fs::path> created;
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      int err = errno;
      for (auto c = created.rbegin(); c != created.rend(); ++c) ::rmdir(c->c_str());
      store_fail(fmt::format("cannot create directory {}: {}", it->string(), std::strerror(err)));
    }
    created.push_back(*it);
  }
  return created;
}

}  // namespace

StoreLocation locate_store(const std::optional<std::string>& db_option) {
  if (db_option && !db_option->empty()) return {fs::path(*db_option), "--db"};
  if (auto v = env("HOOKCTL_DB")) return {fs::path(*v), "HOOKCTL_DB"};
  if (auto v = env("XDG_DATA_HOME"); v && fs::path(*v).is_absolute())
    return {fs::path(*v) / "hookctl" / "store.db", "XDG_DATA_HOME"};
  if (auto v = env("HOME"))
    return {fs::path(*v) / ".local" / "share" / "hookctl" / "store.db", "HOME"};
  store_fail("cannot find the store: set --db, HOOKCTL_DB, XDG_DATA_HOME or HOME");
}

Store::Store(const StoreLocation& where, OpenMode mode)
    : path_(fs::absolute(where.path).lexically_normal()) {
  struct stat st;
  bool exists = ::stat(path_.c_str(), &st) == 0;
  if (!exists && errno != ENOENT)
    store_fail(fmt::format("cannot open the store {}: {}", path_.string(), std::strerror(errno)));
  if (!exists && mode != OpenMode::create)
    store_fail(fmt::format("no store at {} (from {}); create one with 'hookctl init'",
                           path_.string(), where.source));
  if (exists && !S_ISREG(st.st_mode))
    store_fail(fmt::format("{} is not a regular file, so not a hookctl store", path_.string()));

  if (!exists) {
    fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
    created_dirs_ = make_directories(dir);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      int err = errno;
      abandon_creation();
      store_fail(fmt::format("cannot create the store {}: {}", path_.string(), std::strerror(err)));
    }
    ::fchmod(fd, 0600);  // whatever the umask
    ::close(fd);
    created_ = true;
  }

  bool writable = ::access(path_.c_str(), W_OK) == 0;
  writable_ = writable;
  if (!writable && mode != OpenMode::read)
    store_fail(fmt::format("the store {} is not writable", path_.string()));
  if (::access(path_.c_str(), R_OK) != 0)
    store_fail(fmt::format("the store {} is not readable", path_.string()));

  try {
    int flags = writable ? SQLite::OPEN_READWRITE : SQLite::OPEN_READONLY;
    db_ = std::make_unique<SQLite::Database>(path_.string(), flags, busy_timeout_ms);
    configure(writable, mode);
  } catch (const Error&) {
    if (created()) abandon_creation();
    throw;
  } catch (const std::exception& e) {
    if (created()) abandon_creation();
    throw translate_exception(e);
  }
}

Store::~Store() = default;

void Store::configure(bool writable, OpenMode mode) {
  // Recognise the file before changing anything in it: no WAL switch, no migration on a file
  // that is not ours.
  int app_id = 0, version = 0, objects = 0;
  try {
    app_id = db_->execAndGet("PRAGMA application_id").getInt();
    version = db_->execAndGet("PRAGMA user_version").getInt();
    objects = db_->execAndGet("SELECT count(*) FROM sqlite_master").getInt();
  } catch (const SQLite::Exception& e) {
    int code = e.getErrorCode() & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
      store_fail(fmt::format("{} is not a hookctl store (not an SQLite database, or damaged)",
                             path_.string()));
    throw;
  }
  bool empty = app_id == 0 && version == 0 && objects == 0;
  if (!empty && app_id != application_id)
    store_fail(
        fmt::format("{} is not a hookctl store (it belongs to another application); "
                    "left untouched",
                    path_.string()));
  if (version > schema_version())
    store_fail(
        fmt::format("the store {} was written by a newer hookctl (schema {}, this build "
                    "knows {}); upgrade hookctl. The store was left untouched",
                    path_.string(), version, schema_version()));
  if (empty && mode != OpenMode::create)
    store_fail(fmt::format("{} is empty, not a hookctl store yet; create one with 'hookctl init'",
                           path_.string()));
  adopted_empty_file_ = empty && !created_;
  if (adopted_empty_file_) ::chmod(path_.c_str(), 0600);  // it is about to hold credentials
  db_->exec("PRAGMA foreign_keys = ON");
  if (writable) {
    db_->exec("PRAGMA journal_mode = WAL");
    db_->exec("PRAGMA synchronous = FULL");
  }
  if (version < schema_version()) {
    if (!writable)
      store_fail(
          fmt::format("the store {} needs an upgrade but is read-only; run 'hookctl init' "
                      "with write access",
                      path_.string()));
    migrate();
  }
}

void Store::migrate() {
  const auto& list = detail::migrations();
  for (;;) {
    bool done = write([&] {
      // Re-read inside the transaction: another process may have migrated meanwhile.
      int version = db_->execAndGet("PRAGMA user_version").getInt();
      if (version >= static_cast<int>(list.size())) return true;
      list[static_cast<size_t>(version)](*db_);
      db_->exec(fmt::format("PRAGMA application_id = {}", application_id));
      db_->exec(fmt::format("PRAGMA user_version = {}", version + 1));
      migrated_ = true;
      return false;
    });
    if (done) break;
  }
}

void Store::abandon_creation() noexcept {
  if (!created_ && created_dirs_.empty() && !adopted_empty_file_) return;
  statements_.clear();
  db_.reset();
  if (adopted_empty_file_) {
    // The file existed, empty: leave it as it was found.
    (void)::truncate(path_.c_str(), 0);
    for (const char* suffix : {"-wal", "-shm", "-journal"})
      ::unlink((path_.string() + suffix).c_str());
    adopted_empty_file_ = false;
  }
  if (created_) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::string p = path_.string() + suffix;
      ::unlink(p.c_str());
    }
  }
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) ::rmdir(it->c_str());
  created_dirs_.clear();
  created_ = false;
}

SQLite::Statement& Store::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end())
    it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
  SQLite::Statement& s = *it->second;
  s.reset();
  s.clearBindings();
  return s;
}

bool Store::in_transaction() const { return sqlite3_get_autocommit(db_->getHandle()) == 0; }

void Store::exec(const char* sql) { db_->exec(sql); }

void Store::begin_immediate() {
  if (in_transaction()) fail(ErrorKind::internal, "nested write transaction");
  exec("BEGIN IMMEDIATE");
}

void Store::commit() { exec("COMMIT"); }

void Store::rollback() noexcept {
  if (db_ && in_transaction())
    sqlite3_exec(db_->getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Error translate_exception(const std::exception& e) {
  if (auto* err = dynamic_cast<const Error*>(&e)) return *err;
  if (auto* sq = dynamic_cast<const SQLite::Exception*>(&e)) {
    switch (sq->getErrorCode() & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return Error(ErrorKind::store,
                     fmt::format("the store is locked: another hookctl held it for more than {} s; "
                                 "try again",
                                 Store::busy_timeout_ms / 1000));
      case SQLITE_FULL:
        return Error(ErrorKind::store,
                     "the store cannot grow: the disk or file size limit is "
                     "reached; nothing was changed");
      case SQLITE_READONLY:
        return Error(ErrorKind::store, "the store is read-only; nothing was changed");
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT:
        return Error(ErrorKind::store, "the store is damaged or not a hookctl store");
      case SQLITE_IOERR:
      case SQLITE_CANTOPEN:
      case SQLITE_PERM:
        return Error(ErrorKind::store, fmt::format("cannot use the store: {}", sq->what()));
      default:
        break;
    }
    return Error(ErrorKind::internal, fmt::format("unexpected store error: {}", sq->what()));
  }
  if (dynamic_cast<const std::bad_alloc*>(&e)) return Error(ErrorKind::internal, "out of memory");
  return Error(ErrorKind::internal, e.what());
}

}  // namespace hookctl
