#include "hookctl/store.hpp"

#include <SQLiteCpp/Exception.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/std.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "hookctl/names.hpp"
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

  // A connection belongs to one Store, used by one thread at a time: SQLite's own mutexes (one
  // per API call, and a global one around every allocation for its memory statistics) are pure
  // cost, about a tenth of an `auth verify`. Memory statistics can only be switched off before
  // SQLite initialises, hence once, here, before the first connection.
  static const bool sqlite_configured = [] {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  }();
  (void)sqlite_configured;
  try {
    int flags = (writable ? SQLite::OPEN_READWRITE : SQLite::OPEN_READONLY) | SQLite::OPEN_NOMUTEX;
    db_ = std::make_unique<SQLite::Database>(path_.string(), flags, busy_timeout_ms);
    try {
      configure(writable, mode);
    } catch (const SQLite::Exception& e) {
      if (writable || !reopen_without_log(e)) throw;
      configure(writable, mode);
    }
    if (writable) align_log_modes();
  } catch (const Error&) {
    if (created()) abandon_creation();
    throw;
  } catch (const SQLite::Exception& e) {
    Error error = io_error(e, os_error());
    if (created()) abandon_creation();
    throw error;
  } catch (const std::exception& e) {
    if (created()) abandon_creation();
    throw translate_exception(e);
  }
}

bool Store::reopen_without_log(const SQLite::Exception& e) {
  // A reader without write access needs the -wal and -shm files: SQLite reads a WAL store only
  // through them, and cannot create them in a directory it may not write. Writers keep them
  // (SQLITE_FCNTL_PERSIST_WAL) with the store's permissions, but a store last written by an
  // older hookctl, or made readable (chmod) after its last write, lacks them or has them private.
  // SQLite says SQLITE_CANTOPEN for a log file it may not open, SQLITE_READONLY_DIRECTORY for
  // one it may not create.
  int code = e.getErrorCode() & 0xff;
  if (code != SQLITE_CANTOPEN && code != SQLITE_READONLY) return false;
  const std::string wal = path_.string() + "-wal";
  struct stat st;
  if (::stat(wal.c_str(), &st) == 0 && st.st_size > 0) {
    // Committed changes may be waiting in the log: reading without it could show stale data.
    for (const char* suffix : {"-wal", "-shm"}) {
      std::string side = path_.string() + suffix;
      if (::access(side.c_str(), R_OK) != 0 && errno != ENOENT)
        store_fail(
            fmt::format("cannot read the store {}: {} is not readable by this user; give it "
                        "the store's permissions, or run hookctl once with write access, "
                        "which does",
                        path_.string(), side));
    }
    return false;
  }
  // No log, or an empty one: every committed change is in the main file, which SQLite then reads
  // as immutable (no locks, no -shm). Reads see the store as of the last checkpoint; a writer
  // checkpointing at this very moment may make one read fail as damaged, and a retry works.
  statements_.clear();
  db_.reset();
  std::string uri = "file:";
  for (unsigned char c : path_.string()) {
    if (std::isalnum(c) || std::strchr("/-._~", c) != nullptr)
      uri += static_cast<char>(c);
    else
      uri += fmt::format("%{:02X}", c);
  }
  uri += "?immutable=1";
  db_ = std::make_unique<SQLite::Database>(
      uri, SQLite::OPEN_READONLY | SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX, busy_timeout_ms);
  return true;
}

void Store::align_log_modes() noexcept {
  // The -wal and -shm files hold the store's latest changes, so whoever may read the store may
  // read them, and nobody else: they follow the store file's permission bits. SQLite gives them
  // those bits when it creates them; since they persist, a later chmod of the store is
  // propagated here, by the next writer.
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) return;
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = path_.string() + suffix;
    struct stat side_st;
    if (::stat(side.c_str(), &side_st) == 0 && (side_st.st_mode & 0777) != (st.st_mode & 0777))
      (void)::chmod(side.c_str(), st.st_mode & 0777);
  }
}

Store::~Store() = default;

void Store::check_integrity() {
  try {
    SQLite::Statement q(*db_, "PRAGMA quick_check(1)");
    std::string result = q.executeStep() ? q.getColumn(0).getString() : std::string("no answer");
    constexpr std::string_view banner = "*** in database main ***\n";
    if (result.rfind(banner, 0) == 0) result.erase(0, banner.size());
    if (result != "ok")
      store_fail(fmt::format("the store {} is damaged ({}); restore it from a backup",
                             path_.string(), printable(result)));
  } catch (const SQLite::Exception& e) {
    store_fail(fmt::format("the store {} is damaged ({}); restore it from a backup", path_.string(),
                           e.what()));
  }
}

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
    // Keep -wal and -shm when the last connection closes (the WAL is emptied, not deleted): a
    // reader without write access to the directory cannot create them, and SQLite cannot read a
    // WAL store without them. Set only now, on a file known to be ours, so that probing a
    // foreign or newer file leaves nothing behind. journal_size_limit keeps the log from
    // staying large after a big import (SQLite truncates it to zero on the last close).
    int persist = 1;
    sqlite3_file_control(db_->getHandle(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    db_->exec("PRAGMA journal_mode = WAL");
    db_->exec("PRAGMA journal_size_limit = 4194304");
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
  // tryReset: sqlite3_reset repeats the error of the statement's last failed step, which was
  // reported when it happened; a long-lived store (serve) must not fail its next use too.
  (void)s.tryReset();
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

int Store::os_error() const noexcept {
  if (!db_) return 0;
  sqlite3* handle = db_->getHandle();
  // sqlite3_system_errno misses a failed COMMIT (SQLite records it only for errors raised while a
  // statement runs), so ask the files: the write-ahead log first, where commits write.
  int error = 0;
  sqlite3_file* log = nullptr;
  if (sqlite3_file_control(handle, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log) == SQLITE_OK &&
      log != nullptr && log->pMethods != nullptr)
    log->pMethods->xFileControl(log, SQLITE_FCNTL_LAST_ERRNO, &error);
  if (error == 0) sqlite3_file_control(handle, "main", SQLITE_FCNTL_LAST_ERRNO, &error);
  if (error == 0) error = sqlite3_system_errno(handle);
  return error;
}

void Store::abort_write() {
  int system_errno = os_error();
  rollback();
  try {
    throw;
  } catch (const SQLite::Exception& e) {
    if ((e.getErrorCode() & 0xff) == SQLITE_IOERR) throw io_error(e, system_errno);
    throw;
  }
}

Error translate_exception(const std::exception& e) {
  if (auto* err = dynamic_cast<const Error*>(&e)) return *err;
  if (auto* sq = dynamic_cast<const SQLite::Exception*>(&e)) {
    switch (sq->getErrorCode() & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return Error(ErrorKind::store,
                     fmt::format("the store is locked: another process has held it for more "
                                 "than {} s; try again",
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

Error io_error(const SQLite::Exception& e, int system_errno) {
  // SQLite reports a write cut short (a partial write) as SQLITE_FULL, but one refused outright
  // (EFBIG at RLIMIT_FSIZE, ENOSPC when not a byte fits) as an SQLITE_IOERR_* and keeps the OS
  // error only then; either way the transaction did not commit.
  if ((e.getErrorCode() & 0xff) != SQLITE_IOERR) return translate_exception(e);
  const char* why = nullptr;
  switch (system_errno) {
    case EFBIG:
      why = "the file size limit is reached";
      break;
    case ENOSPC:
      why = "the disk is full";
      break;
    case EDQUOT:
      why = "the disk quota is exceeded";
      break;
    default:
      break;
  }
  if (why != nullptr)
    return Error(ErrorKind::store,
                 fmt::format("the store cannot grow: {} ({}); nothing was changed", why,
                             std::strerror(system_errno)));
  return Error(ErrorKind::store,
               fmt::format("cannot use the store: {}{}", e.what(),
                           system_errno != 0 ? fmt::format(" ({})", std::strerror(system_errno))
                                             : std::string()));
}

}  // namespace hookctl
