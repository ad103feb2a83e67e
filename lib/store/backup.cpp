// store backup: a consistent SQLite snapshot of any store, built in a private directory beside
// the target and renamed into place once it checked out.
#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

#include "copy_tables.hpp"
#include "hookctl/store_copy.hpp"
#include "hookctl/text.hpp"
#include "sqlite_store.hpp"

namespace hookctl {

namespace fs = std::filesystem;

namespace {

std::string shown(const fs::path& p) { return terminal_safe(p.string()); }

[[noreturn]] void os_fail(const std::string& what, int error) {
  fail(ErrorKind::store, fmt::format("{}: {}", what, std::strerror(error)));
}

// A backup replaces only what is safe to replace: nothing, an empty file, or an earlier snapshot.
void check_target(Store& from, const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    os_fail(fmt::format("cannot use {}", shown(file)), errno);
  }
  if (S_ISDIR(st.st_mode))
    fail(ErrorKind::usage,
         fmt::format("{} is a directory; give the backup file's name", shown(file)));
  std::error_code ec;
  if (from.engine() == Engine::sqlite &&
      fs::equivalent(static_cast<SqliteStore&>(from).path(), file, ec))
    fail(ErrorKind::usage, fmt::format("{} is the store itself; give another file", shown(file)));
  if (!S_ISREG(st.st_mode))
    fail(ErrorKind::conflict,
         fmt::format("{} is not a regular file; a backup replaces only an earlier backup",
                     shown(file)));
  if (st.st_size == 0) return;
  int id = 0;
  try {
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    id = db.execAndGet("PRAGMA application_id").getInt();
  } catch (const std::exception&) {
    id = 0;
  }
  if (id != application_id)
    fail(ErrorKind::conflict,
         fmt::format("{} exists and is not a hookctl store; a backup replaces only an earlier "
                     "backup, so it was left untouched",
                     shown(file)));
}

// A directory of the caller's own (0700) beside the target, removed with what it holds.
class ScratchDir {
 public:
  explicit ScratchDir(const fs::path& beside) {
    fs::path dir = beside.parent_path().empty() ? fs::path(".") : beside.parent_path();
    std::string pattern = (dir / ".hookctl-backup-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      os_fail(fmt::format("cannot write the backup in {}", shown(dir)), errno);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const noexcept { return path_; }

 private:
  fs::path path_;
};

// SQLite's online backup: every page of the source in one step, under one read snapshot that
// does not stop writers (the store is in WAL mode). Waits for a busy source like a command.
void sqlite_snapshot(SqliteStore& from, const fs::path& file) {
  int fd = ::open(file.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) os_fail(fmt::format("cannot create {}", shown(file)), errno);
  ::close(fd);
  SQLite::Database to(file.string(), SQLite::OPEN_READWRITE);
  {
    SQLite::Backup backup(to, from.db());
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(SqliteStore::busy_timeout_ms);
    for (;;) {
      int rc = backup.executeStep(-1);
      if (rc == SQLITE_DONE) break;
      if (std::chrono::steady_clock::now() > deadline)
        fail(ErrorKind::store,
             fmt::format("the store is locked: another process has held it for more than {} s; "
                         "try again",
                         SqliteStore::busy_timeout_ms / 1000));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

// Any other engine: a new SQLite store, filled by a copy.
void copied_snapshot(Store& from, const fs::path& file) {
  SqliteStore to({Engine::sqlite, file, {}, "backup"}, OpenMode::create);
  copy_store(from, to);
  to.publish();
}

// Makes the snapshot one self-contained file (no -wal beside it), then reads it back: an SQLite
// integrity check, then its counts.
StoreCounts finish(const fs::path& file) {
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
  db.exec("PRAGMA journal_mode = DELETE");
  std::string check = db.execAndGet("PRAGMA integrity_check").getString();
  if (check != "ok")
    fail(ErrorKind::store, fmt::format("the backup failed its integrity check ({}); nothing was "
                                       "written",
                                       check));
  StoreCounts counts;
  for (const auto& table : detail::copied_tables())
    detail::count_into(
        counts, table.name,
        db.execAndGet(fmt::format("SELECT count(*) FROM {}", table.name)).getInt64());
  return counts;
}

void sync_path(const fs::path& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

StoreCounts backup_store(Store& from, const fs::path& file) {
  check_target(from, file);
  ScratchDir scratch(file);
  fs::path snapshot = scratch.path() / "store.db";
  if (from.engine() == Engine::sqlite)
    sqlite_snapshot(static_cast<SqliteStore&>(from), snapshot);
  else
    copied_snapshot(from, snapshot);
  StoreCounts counts = finish(snapshot);
  ::chmod(snapshot.c_str(), 0600);
  sync_path(snapshot, O_RDONLY);
  if (::rename(snapshot.c_str(), file.c_str()) != 0)
    os_fail(fmt::format("cannot write {}", shown(file)), errno);
  sync_path(file.parent_path().empty() ? fs::path(".") : file.parent_path(),
            O_RDONLY | O_DIRECTORY);
  return counts;
}

}  // namespace hookctl
