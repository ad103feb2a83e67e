#include "sqlite_store.hpp"

#include <SQLiteCpp/Exception.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/std.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "hookctl/names.hpp"
#include "hookctl/text.hpp"
#include "sqlite_schema.hpp"

namespace hookctl {

namespace fs = std::filesystem;

int sqlite_schema_version() noexcept { return static_cast<int>(detail::migrations().size()); }

namespace {

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
    if (::mkdir(it->c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;  // made by someone else meanwhile: not ours to set or remove
      int err = errno;
      for (auto c = created.rbegin(); c != created.rend(); ++c) ::rmdir(c->c_str());
      store_fail(fmt::format("cannot create directory {}: {}", terminal_safe(it->string()),
                             std::strerror(err)));
    }
    created.push_back(*it);
    // mkdir applies the umask: 0277 would leave 0500 (no way in to create the store), 0777 a
    // directory nobody may enter. The directory holds credentials: exactly 0700.
    (void)::chmod(it->c_str(), 0700);
  }
  return created;
}

bool trusted_owner(uid_t uid) noexcept { return uid == ::geteuid() || uid == 0; }

std::string owner_name(uid_t uid) {
  struct passwd pw;
  struct passwd* result = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &result) == 0 && result != nullptr)
    return fmt::format("{} (uid {})", result->pw_name, uid);
  return fmt::format("uid {}", uid);
}

std::string with_suffix(const fs::path& p, const char* suffix) { return p.string() + suffix; }

}  // namespace

std::optional<std::string> store_ownership_problem(const std::filesystem::path& store) {
  const std::string shown = terminal_safe(store.string());
  auto foreign = [&](const std::string& what, const struct stat& st) -> std::optional<std::string> {
    if (!trusted_owner(st.st_uid))
      return fmt::format(
          "{} is owned by {}, not by you or root: whoever owns it could read the hashes and "
          "plant tokens. If it is yours, 'chown' it; otherwise remove it and run 'hookctl init'",
          what, owner_name(st.st_uid));
    if ((st.st_mode & S_IWOTH) != 0 && !S_ISLNK(st.st_mode))
      return fmt::format(
          "{} is writable by every user (mode {:o}): anyone could change the store. Make it "
          "private ('chmod o-w'), or keep the store in a directory only you can write",
          what, st.st_mode & 07777);
    return std::nullopt;
  };
  struct stat st;
  const fs::path dir = store.has_parent_path() ? store.parent_path() : fs::path(".");
  if (::stat(dir.c_str(), &st) == 0)
    if (auto why = foreign(fmt::format("the directory of the store {}", shown), st)) return why;
  if (::lstat(store.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    if (auto why = foreign(fmt::format("the symbolic link {}", shown), st)) return why;
    std::error_code ec;
    fs::path target = fs::canonical(store, ec);
    if (!ec && target.has_parent_path() && ::stat(target.parent_path().c_str(), &st) == 0)
      if (auto why = foreign(fmt::format("the directory of {} (the store {} points to)",
                                         terminal_safe(target.string()), shown),
                             st))
        return why;
  }
  if (::stat(store.c_str(), &st) == 0)
    if (auto why = foreign(fmt::format("the store {}", shown), st)) return why;
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = with_suffix(store, suffix);
    if (::lstat(side.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode))
      return fmt::format(
          "{} is a symbolic link: SQLite would write the store's changes wherever it points. "
          "Remove it (no hookctl store has one)",
          terminal_safe(side));
    if (auto why = foreign(terminal_safe(side), st)) return why;
  }
  return std::nullopt;
}

std::optional<std::string> store_side_file_problem(const std::filesystem::path& store) {
  struct stat main_st;
  if (::stat(store.c_str(), &main_st) != 0) return std::nullopt;
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = with_suffix(store, suffix);
    struct stat st;
    if (::lstat(side.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode) || (!trusted_owner(st.st_uid) && st.st_uid != main_st.st_uid))
      return fmt::format(
          "{} is {}, not the store owner's: its content would be read as part of the store. "
          "Remove it if the store's owner did not make it",
          terminal_safe(side),
          S_ISLNK(st.st_mode) ? std::string("a symbolic link")
                              : fmt::format("owned by {}", owner_name(st.st_uid)));
  }
  return std::nullopt;
}

SqliteStore::SqliteStore(const StoreLocation& where, OpenMode mode)
    : path_(fs::absolute(where.path).lexically_normal()) {
  struct stat st;
  bool exists = ::stat(path_.c_str(), &st) == 0;
  if (!exists && errno != ENOENT)
    store_fail(fmt::format("cannot open the store {}: {}", terminal_safe(path_.string()),
                           std::strerror(errno)));
  struct stat link_st;
  if (!exists && ::lstat(path_.c_str(), &link_st) == 0) {
    // Something appeared at the path after stat() missed it: another command may just have
    // published the store it created. Only a link whose target is still missing is refused.
    exists = ::stat(path_.c_str(), &st) == 0;
    if (!exists && S_ISLNK(link_st.st_mode))
      store_fail(
          fmt::format("{} is a symbolic link to a missing file; remove it, or point it at "
                      "a hookctl store",
                      terminal_safe(path_.string())));
  }
  if (!exists && mode != OpenMode::create)
    store_fail(fmt::format("no store at {} (from {}); create one with 'hookctl init'",
                           terminal_safe(path_.string()), where.source));
  if (exists && !S_ISREG(st.st_mode))
    store_fail(fmt::format("{} is not a regular file, so not a hookctl store",
                           terminal_safe(path_.string())));

  // An empty file at the path (made ahead by an administrator, say with install(1) to choose its
  // owner) is replaced, never written in place: the store is built under a temporary name as a
  // new one is, and renamed over the file by the first command that succeeds, while the file is
  // still empty. A command that fails leaves the file as it was; one written in place could not
  // be undone without emptying what another creating command had committed into it meanwhile.
  if (exists && st.st_size == 0 && mode == OpenMode::create) {
    if (auto why = store_ownership_problem(path_))
      store_fail(fmt::format("refusing to write: {}", *why));
    std::error_code ec;
    publish_path_ = fs::canonical(path_, ec);  // a symbolic link: the file it leads to
    if (ec)
      store_fail(
          fmt::format("cannot open the store {}: {}", terminal_safe(path_.string()), ec.message()));
    struct stat wal;
    if (::stat(with_suffix(publish_path_, "-wal").c_str(), &wal) == 0 && wal.st_size > 0)
      store_fail(
          fmt::format("{} is empty but {} is not: it may hold another database's "
                      "changes; move both away, then run 'hookctl init'",
                      terminal_safe(publish_path_.string()),
                      terminal_safe(with_suffix(publish_path_, "-wal"))));
    replaces_empty_file_ = true;
    if (int err = begin_creation(); err != 0)
      store_fail(fmt::format("cannot create the store {}: {}", terminal_safe(path_.string()),
                             std::strerror(err)));
  }

  if (!exists) {
    fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
    // A directory another creating command made may vanish when that command fails and removes
    // it, between our mkdir and our file: then make it again.
    for (int attempt = 0;; ++attempt) {
      created_dirs_ = make_directories(dir);
      if (auto why = store_ownership_problem(path_)) {
        abandon_creation();
        store_fail(fmt::format("refusing to create the store: {}", *why));
      }
      int err = begin_creation();
      if (err == 0) break;
      abandon_creation();
      if (err != ENOENT || attempt == 10)
        store_fail(fmt::format("cannot create the store {}: {}", terminal_safe(path_.string()),
                               std::strerror(err)));
    }
  }

  // A store someone else controls is never written: opened read-only for a read, refused for a
  // change. Reading a store one may read (a colleague's, a service's) keeps working.
  std::optional<std::string> foreign;
  if (!pending_) foreign = store_ownership_problem(path_);
  if (foreign && mode != OpenMode::read) store_fail(fmt::format("refusing to write: {}", *foreign));
  if (foreign)
    if (auto why = store_side_file_problem(path_))
      store_fail(fmt::format("refusing to read: {}", *why));

  bool writable = !foreign && ::access(open_path().c_str(), W_OK) == 0;
  writable_ = writable;
  if (!writable && mode != OpenMode::read)
    store_fail(fmt::format("the store {} is not writable", terminal_safe(path_.string())));
  if (::access(open_path().c_str(), R_OK) != 0)
    store_fail(fmt::format("the store {} is not readable", terminal_safe(path_.string())));
  open(mode);
}

int SqliteStore::begin_creation() {
  // The store is built complete under a private temporary name in its directory and appears at
  // its path only when the command that creates it succeeds (publish). Until then no other
  // process can open it, so a failed command removes only what nobody else has seen.
  const fs::path& target = publish_path_.empty() ? path_ : publish_path_;
  std::string pattern =
      (target.parent_path() / ("." + target.filename().string() + ".new-XXXXXX")).string();
  int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) return errno;
  ::fchmod(fd, 0600);  // whatever the umask
  ::close(fd);
  temp_path_ = pattern;
  pending_ = true;
  created_ = true;
  return 0;
}

void SqliteStore::open(OpenMode mode) {
  // A connection belongs to one Store, used by one thread at a time: SQLite's own mutexes (one
  // per API call, and a global one around every allocation for its memory statistics) are pure
  // cost, about a tenth of an `auth verify`. Memory statistics can only be switched off before
  // SQLite initialises, hence once, here, before the first connection.
  static const bool sqlite_configured = [] {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  }();
  (void)sqlite_configured;
  const bool writable = writable_;
  constructing_ = true;
  try {
    int flags = (writable ? SQLite::OPEN_READWRITE : SQLite::OPEN_READONLY) | SQLite::OPEN_NOMUTEX;
    db_ = std::make_unique<SQLite::Database>(open_path().string(), flags, busy_timeout_ms);
    ++generation_;
    try {
      configure(writable, mode);
    } catch (const SQLite::Exception& e) {
      if (writable || !reopen_without_log(e)) throw;
      configure(writable, mode);
    }
    if (writable && !pending_) align_log_modes();
  } catch (const Error&) {
    constructing_ = false;
    if (created()) abandon_creation();
    throw;
  } catch (const SQLite::Exception& e) {
    constructing_ = false;
    Error error = io_error(e, os_error());
    if (created()) abandon_creation();
    throw error;
  } catch (const std::exception& e) {
    constructing_ = false;
    if (created()) abandon_creation();
    throw hookctl::translate_exception(e);
  }
  constructing_ = false;
}

SqliteStore::CreationLock::~CreationLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

SqliteStore::CreationLock SqliteStore::lock_for_creation() {
  const fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    store_fail(fmt::format("cannot create the store {}: {}", terminal_safe(path_.string()),
                           std::strerror(errno)));
  CreationLock lock(fd);
  while (::flock(fd, LOCK_EX) != 0)
    if (errno != EINTR)
      store_fail(fmt::format("cannot create the store {}: {}", terminal_safe(path_.string()),
                             std::strerror(errno)));
  struct stat st;
  if (::lstat(path_.c_str(), &st) == 0) {
    if (replaces_empty_file_ && ::stat(publish_path_.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size == 0)
      return lock;  // still the empty file this store is to replace
    adopt_existing();
    return CreationLock();
  }
  return lock;
}

void SqliteStore::publish_locked() {
  statements_.clear();
  db_.reset();  // the temporary store uses a rollback journal: closed, it is one complete file
  int rc;
  struct stat empty;
  if (replaces_empty_file_ && ::stat(publish_path_.c_str(), &empty) == 0 &&
      S_ISREG(empty.st_mode) && empty.st_size == 0) {
    // The empty file it replaces (checked under the creation lock): the store keeps its owner
    // and group where this process may give them (root), and any empty -wal and -shm beside it
    // go, so that no stale log is ever read with the new store.
    if ((empty.st_uid != ::geteuid() || empty.st_gid != ::getegid()) &&
        ::chown(temp_path_.c_str(), empty.st_uid, empty.st_gid) != 0) {
      // Not permitted: the store stays this process's own, which store_ownership_problem accepts
    }
    for (const char* suffix : {"-wal", "-shm"})
      ::unlink(with_suffix(publish_path_, suffix).c_str());
    rc = ::rename(temp_path_.c_str(), publish_path_.c_str());
  } else {
    // Never replaces a file that is there (only a process not following the creation lock can
    // have put one): the rename fails instead.
    rc = ::renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, path_.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && errno == EINVAL) {  // a file system without RENAME_NOREPLACE: link, unlink
      rc = ::link(temp_path_.c_str(), path_.c_str());
    }
  }
  const int err = errno;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"})
    ::unlink(with_suffix(temp_path_, suffix).c_str());
  pending_ = false;
  if (rc != 0) {
    abandon_creation();
    store_fail(fmt::format("cannot create the store {}: {}; nothing was changed",
                           terminal_safe(path_.string()), std::strerror(err)));
  }
  const fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);  // the new name is as durable as the committed data behind it
    ::close(dfd);
  }
  created_dirs_.clear();  // from now on others may keep files there
  writable_ = true;
  open(OpenMode::write);
  // A first read in WAL mode creates -wal and -shm, which then persist for readers that may not
  // create them (see configure).
  (void)db_->execAndGet("SELECT count(*) FROM sqlite_master");
}

void SqliteStore::adopt_existing() {
  statements_.clear();
  db_.reset();
  for (const char* suffix : {"", "-journal", "-wal", "-shm"})
    ::unlink(with_suffix(temp_path_, suffix).c_str());
  pending_ = false;
  created_ = false;
  replaces_empty_file_ = false;
  migrated_ = false;
  created_dirs_.clear();
  if (auto why = store_ownership_problem(path_))
    store_fail(fmt::format("refusing to write: {}", *why));
  writable_ = ::access(path_.c_str(), W_OK) == 0;
  if (!writable_)
    store_fail(fmt::format("the store {} is not writable", terminal_safe(path_.string())));
  open(OpenMode::write);
}

bool SqliteStore::publish() {
  if (!pending_) return true;
  CreationLock lock = lock_for_creation();
  if (!lock) return false;
  publish_locked();
  return true;
}

bool SqliteStore::reopen_without_log(const SQLite::Exception& e) {
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
                        terminal_safe(path_.string()), side));
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

void SqliteStore::align_log_modes() noexcept {
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

SqliteStore::~SqliteStore() = default;

void SqliteStore::check_integrity() {
  try {
    SQLite::Statement q(*db_, "PRAGMA quick_check(1)");
    std::string result = q.executeStep() ? q.getColumn(0).getString() : std::string("no answer");
    constexpr std::string_view banner = "*** in database main ***\n";
    if (result.rfind(banner, 0) == 0) result.erase(0, banner.size());
    if (result != "ok")
      store_fail(fmt::format("the store {} is damaged ({}); restore it from a backup",
                             terminal_safe(path_.string()), printable(result)));
  } catch (const SQLite::Exception& e) {
    store_fail(fmt::format("the store {} is damaged ({}); restore it from a backup",
                           terminal_safe(path_.string()), e.what()));
  }
}

void SqliteStore::configure(bool writable, OpenMode mode) {
  // Recognise the file before changing anything in it: no WAL switch, no migration on a file
  // that is not ours.
  int app_id = 0, version = 0, objects = 0;
  if (writable) {
    // Until the file is known to be ours, closing must not checkpoint a foreign (or newer) WAL
    // database into its main file nor delete the -wal and -shm it had: "left untouched" means
    // that. Log files it did not have are removed again on close.
    struct stat wal_st;
    int had_wal = ::lstat(with_suffix(path_, "-wal").c_str(), &wal_st) == 0 ? 1 : 0;
    sqlite3_file_control(db_->getHandle(), "main", SQLITE_FCNTL_PERSIST_WAL, &had_wal);
    sqlite3_db_config(db_->getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, had_wal, nullptr);
  }
  try {
    app_id = db_->execAndGet("PRAGMA application_id").getInt();
    version = db_->execAndGet("PRAGMA user_version").getInt();
    objects = db_->execAndGet("SELECT count(*) FROM sqlite_master").getInt();
  } catch (const SQLite::Exception& e) {
    int code = e.getErrorCode() & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
      store_fail(fmt::format("{} is not a hookctl store (not an SQLite database, or damaged)",
                             terminal_safe(path_.string())));
    throw;
  }
  bool empty = app_id == 0 && version == 0 && objects == 0;
  if (!empty && app_id != application_id)
    store_fail(
        fmt::format("{} is not a hookctl store (it belongs to another application); "
                    "left untouched",
                    terminal_safe(path_.string())));
  if (version > sqlite_schema_version())
    store_fail(
        fmt::format("the store {} was written by a newer hookctl (schema {}, this build "
                    "knows {}); upgrade hookctl. The store was left untouched",
                    terminal_safe(path_.string()), version, sqlite_schema_version()));
  if (empty && mode != OpenMode::create)
    store_fail(fmt::format("{} is empty, not a hookctl store yet; create one with 'hookctl init'",
                           terminal_safe(path_.string())));
  db_->exec("PRAGMA foreign_keys = ON");
  if (writable && pending_) {
    // A store being created is one file with a rollback journal until it is published, so that
    // renaming it into place moves everything committed.
    db_->exec("PRAGMA synchronous = FULL");
  } else if (writable) {
    // Keep -wal and -shm when the last connection closes (the WAL is emptied, not deleted): a
    // reader without write access to the directory cannot create them, and SQLite cannot read a
    // WAL store without them. journal_size_limit keeps the log from staying large after a big
    // import (SQLite truncates it to zero on the last close). The file is known to be ours now,
    // so the last connection checkpoints on close again.
    int persist = 1;
    sqlite3_file_control(db_->getHandle(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    sqlite3_db_config(db_->getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
    db_->exec("PRAGMA journal_mode = WAL");
    db_->exec("PRAGMA journal_size_limit = 4194304");
    db_->exec("PRAGMA synchronous = FULL");
  }
  if (version < sqlite_schema_version()) {
    if (!writable)
      store_fail(
          fmt::format("the store {} needs an upgrade but is read-only; run 'hookctl init' "
                      "with write access",
                      terminal_safe(path_.string())));
    migrate();
  }
}

void SqliteStore::migrate() {
  const auto& list = detail::migrations();
  for (;;) {
    // Foreign keys are off only for a migration that rebuilds tables, and back on before anything
    // else runs; the version is read again inside the transaction, so a migration another process
    // ran meanwhile is not run twice.
    int seen = db_->execAndGet("PRAGMA user_version").getInt();
    const bool rebuild =
        seen < static_cast<int>(list.size()) && list[static_cast<size_t>(seen)].rebuilds_tables;
    if (rebuild) db_->exec("PRAGMA foreign_keys = OFF");
    bool done;
    try {
      done = write([&] {
        int version = db_->execAndGet("PRAGMA user_version").getInt();
        if (version >= static_cast<int>(list.size())) return true;
        if (list[static_cast<size_t>(version)].rebuilds_tables != rebuild) return false;  // again
        list[static_cast<size_t>(version)].apply(*db_);
        if (rebuild) {
          SQLite::Statement check(*db_, "PRAGMA foreign_key_check");
          if (check.executeStep())
            store_fail(
                fmt::format("upgrading the store {} would break a reference in table {}; "
                            "nothing was changed",
                            terminal_safe(path_.string()), check.getColumn(0).getString()));
        }
        db_->exec(fmt::format("PRAGMA application_id = {}", application_id));
        db_->exec(fmt::format("PRAGMA user_version = {}", version + 1));
        migrated_ = true;
        return false;
      });
    } catch (...) {
      if (rebuild) db_->exec("PRAGMA foreign_keys = ON");
      throw;
    }
    if (rebuild) db_->exec("PRAGMA foreign_keys = ON");
    if (done) break;
  }
}

void SqliteStore::abandon_creation() noexcept {
  if (!created_ && created_dirs_.empty()) return;
  statements_.clear();
  db_.reset();
  if (pending_) {
    // Only the temporary file, which nobody else can have opened: a store at the real path
    // (published, or created by another process) may hold someone else's data.
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      ::unlink(with_suffix(temp_path_, suffix).c_str());
    pending_ = false;
  }
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) ::rmdir(it->c_str());
  created_dirs_.clear();
  created_ = false;
}

void SqliteQuery::bind_text(int index, std::string_view value) {
  // SQLiteCpp binds a pointer with a size as a BLOB; as TEXT only a std::string (copied).
  statement_.bind(index, std::string(value));
}

Query& SqliteStore::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end())
    it = statements_.emplace(sql, std::make_unique<SqliteQuery>(*db_, sql)).first;
  SQLite::Statement& s = it->second->statement();
  // tryReset: sqlite3_reset repeats the error of the statement's last failed step, which was
  // reported when it happened; a long-lived store (serve) must not fail its next use too.
  (void)s.tryReset();
  s.clearBindings();
  return *it->second;
}

int SqliteStore::stored_schema_version() { return db_->execAndGet("PRAGMA user_version").getInt(); }

void SqliteStore::set_busy_timeout(std::chrono::milliseconds timeout) {
  db_->setBusyTimeout(static_cast<int>(timeout.count()));
}

bool SqliteStore::in_transaction() const { return sqlite3_get_autocommit(db_->getHandle()) == 0; }

void SqliteStore::exec(const char* sql) { db_->exec(sql); }

void SqliteStore::begin_write(Durability durability) {
  if (in_transaction()) fail(ErrorKind::internal, "nested write transaction");
  if (pending_ && !constructing_) creating_ = lock_for_creation();
  // In WAL mode, synchronous = NORMAL commits without syncing the log; the next checkpoint, or
  // the next full commit, syncs what it holds. A store being created keeps its journal as is.
  if (durability == Durability::relaxed && !pending_) {
    exec("PRAGMA synchronous = NORMAL");
    relaxed_ = true;
  }
  try {
    exec("BEGIN IMMEDIATE");
  } catch (...) {
    end_relaxed();
    throw;
  }
}

void SqliteStore::end_relaxed() noexcept {
  if (!relaxed_ || !db_) return;
  relaxed_ = false;
  // The setting of every other write (see configure).
  sqlite3_exec(db_->getHandle(), "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
}

void SqliteStore::commit_write() {
  exec("COMMIT");
  end_relaxed();
  if (creating_) {
    publish_locked();
    creating_ = CreationLock();
  }
}

void SqliteStore::rollback() noexcept {
  if (db_ && in_transaction())
    sqlite3_exec(db_->getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
  end_relaxed();
  creating_ = CreationLock();  // a rolled-back first write (a dry run) publishes nothing
}

int SqliteStore::os_error() const noexcept {
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

void SqliteStore::abort_write() {
  int system_errno = os_error();
  rollback();
  creating_ = CreationLock();
  try {
    throw;
  } catch (const SQLite::Exception& e) {
    if ((e.getErrorCode() & 0xff) == SQLITE_IOERR) throw io_error(e, system_errno);
    throw;
  }
}

std::optional<Error> detail::translate_sqlite(const std::exception& e) {
  if (auto* sq = dynamic_cast<const SQLite::Exception*>(&e)) {
    switch (sq->getErrorCode() & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return Error(ErrorKind::store,
                     fmt::format("the store is locked: another process has held it for more "
                                 "than {} s; try again",
                                 SqliteStore::busy_timeout_ms / 1000));
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
  return std::nullopt;
}

Error io_error(const SQLite::Exception& e, int system_errno) {
  // SQLite reports a write cut short (a partial write) as SQLITE_FULL, but one refused outright
  // (EFBIG at RLIMIT_FSIZE, ENOSPC when not a byte fits) as an SQLITE_IOERR_* and keeps the OS
  // error only then; either way the transaction did not commit.
  if ((e.getErrorCode() & 0xff) != SQLITE_IOERR) return *detail::translate_sqlite(e);
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

bool SqliteStore::caller_owns_store() {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) return false;
  return ::geteuid() == 0 || st.st_uid == ::geteuid();
}

}  // namespace hookctl
