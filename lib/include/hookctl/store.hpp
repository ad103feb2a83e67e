// The store: one SQLite file owned by one Store object. It resolves where the file lives, refuses
// files that are not (or not yet, or no longer) hookctl stores without touching them, migrates
// older schemas, and runs every write as one IMMEDIATE transaction.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hookctl/error.hpp"

namespace hookctl {

// The schema version this build writes; stores with a higher user_version are refused.
int schema_version() noexcept;
// PRAGMA application_id of a hookctl store ('hkct').
inline constexpr int application_id = 0x686b6374;

struct StoreLocation {
  std::filesystem::path path;
  std::string source;  // "--db", "HOOKCTL_DB", "XDG_DATA_HOME" or "HOME"
};

// --db, else $HOOKCTL_DB, else $XDG_DATA_HOME/hookctl/store.db, else
// ~/.local/share/hookctl/store.db. Empty variables count as unset. Error(store) when neither
// XDG_DATA_HOME nor HOME is usable.
StoreLocation locate_store(const std::optional<std::string>& db_option);

enum class OpenMode {
  read,    // must exist; opened read-only if the file is not writable
  write,   // must exist
  create,  // created (dir 0700, file 0600) if missing
};

class Store {
 public:
  static constexpr int busy_timeout_ms = 10000;

  // Opens (or with OpenMode::create, creates) the store. Error(store) for a missing store (read,
  // write), a file that is not a hookctl store, a newer schema, or an unreadable file; in each
  // case the file is left untouched. A store that store_ownership_problem objects to is opened
  // read-only for OpenMode::read and refused (Error(store), saying what is wrong and how to fix
  // it) for a change. A new store is built under a temporary name and appears at its path only
  // when published (see publish).
  Store(const StoreLocation& where, OpenMode mode);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  // True when this object created the store, or initialised an existing empty file.
  bool created() const noexcept { return created_ || adopted_empty_file_; }
  bool migrated() const noexcept { return migrated_; }
  // False when the file was opened read-only (no write permission): reads work, writes fail.
  bool writable() const noexcept { return writable_; }

  // Runs SQLite's quick_check over the whole file: Error(store) naming the first problem when
  // the store is damaged. O(size of the store); `init` runs it on an existing store.
  void check_integrity();

  // Undoes the creation of a store this object created and has not published (its temporary
  // file, the directories it created), or empties again an existing empty file it initialised:
  // called when the command that created it failed, so a failed command creates nothing. A
  // published store is never removed: other processes may have written into it.
  void abandon_creation() noexcept;

  // Makes a store this object created visible at its path, never replacing a file that appeared
  // there meanwhile; afterwards the object uses the store at its path. Returns true when this
  // object's store was published (or nothing was pending), false when another process created the
  // store first: this object then uses that store. write() publishes with the first commit that
  // follows opening, after checking (under a lock that creating processes share, on the
  // directory) that no store appeared meanwhile, else it runs in the store that did; so the
  // transaction runs exactly once. A command that commits nothing publishes when it succeeds.
  bool publish();
  // Increases whenever the connection is replaced (publish), so cached reads can tell.
  unsigned generation() const noexcept { return generation_; }

  // A cached prepared statement, reset and with bindings cleared.
  SQLite::Statement& statement(const std::string& sql);
  SQLite::Database& db() noexcept { return *db_; }

  // Runs f inside BEGIN IMMEDIATE ... COMMIT; any exception rolls back and propagates, an I/O
  // failure (disk full, file size limit, ...) as an Error(store) that says what happened.
  template <class F>
  auto write(F&& f) -> decltype(f()) {
    CreationLock creating = pending_ && !constructing_ ? lock_for_creation() : CreationLock();
    begin_immediate();
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        commit();
        if (creating) publish_locked();
      } else {
        auto result = f();
        commit();
        if (creating) publish_locked();
        return result;
      }
    } catch (...) {
      abort_write();
    }
  }

  // Runs f inside a read transaction, so multi-query reads see one snapshot.
  template <class F>
  auto read(F&& f) -> decltype(f()) {
    if (in_transaction()) return f();
    exec("BEGIN");
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        exec("COMMIT");
      } else {
        auto result = f();
        exec("COMMIT");
        return result;
      }
    } catch (...) {
      rollback();
      throw;
    }
  }

  bool in_transaction() const;

 private:
  void exec(const char* sql);
  void begin_immediate();
  void commit();
  void rollback() noexcept;
  // Called in write()'s handler: rolls back and rethrows the current exception, an I/O failure
  // reworded by io_error (with the OS error, read before the rollback can change it).
  [[noreturn]] void abort_write();
  // The OS error (errno) behind the last failed file operation on this connection, 0 if unknown.
  int os_error() const noexcept;
  void configure(bool writable, OpenMode mode);
  // For a read-only open that failed because SQLite could not open or create -wal or -shm:
  // reopens the file as immutable and returns true when no committed change can be waiting in
  // the -wal file; Error(store) naming the file when one can and it is unreadable; else false.
  bool reopen_without_log(const SQLite::Exception& e);
  void align_log_modes() noexcept;
  void migrate();
  // An exclusive flock on the store's directory, held by a creating process from just before
  // its first transaction until the store is at its path.
  class CreationLock {
   public:
    CreationLock() = default;
    explicit CreationLock(int fd) : fd_(fd) {}
    CreationLock(CreationLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    CreationLock& operator=(CreationLock&&) = delete;
    ~CreationLock();
    explicit operator bool() const noexcept { return fd_ >= 0; }

   private:
    int fd_ = -1;
  };
  // Takes the creation lock; if a store appeared at the path meanwhile, switches to it (the
  // temporary store is dropped) and returns no lock.
  CreationLock lock_for_creation();
  // With the creation lock held and the path free: moves the temporary store into place.
  void publish_locked();
  // Drops the temporary store and opens the one another process created at the path.
  void adopt_existing();
  // Creates the temporary file a new store is built in (mode 0600); 0, or the errno.
  int begin_creation();
  // Opens the connection on open_path() (writable_ decides how) and identifies, configures and
  // migrates the store.
  void open(OpenMode mode);
  const std::filesystem::path& open_path() const noexcept { return pending_ ? temp_path_ : path_; }

  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
  bool created_ = false;
  bool migrated_ = false;
  bool writable_ = false;
  bool adopted_empty_file_ = false;  // an existing empty file this object initialised
  std::vector<std::filesystem::path> created_dirs_;
  bool pending_ = false;  // created under temp_path_, not yet published
  bool constructing_ = false;
  std::filesystem::path temp_path_;
  unsigned generation_ = 0;
};

// What makes the store at `store` (or the one to be created there) unsafe to write, or nullopt:
// its directory, the file, a symbolic link at the path (and its target's directory), its -wal or
// -shm owned by a user other than the invoking one or root, or writable by every user; a -wal or
// -shm that is a symbolic link. The message says what is wrong and how to fix it.
std::optional<std::string> store_ownership_problem(const std::filesystem::path& store);

// For reading a store one may not write: what makes it unsafe even to read, or nullopt: a -wal or
// -shm that is a symbolic link, or owned by neither the invoking user, root, nor the store
// file's owner (planted log frames would be read as part of the store).
std::optional<std::string> store_side_file_problem(const std::filesystem::path& store);

// Maps an exception thrown while using the store (SQLite errors above all) to an Error with a
// message for the administrator. Errors pass through unchanged.
Error translate_exception(const std::exception& e);

// translate_exception for an SQLite error whose OS error (sqlite3_system_errno) is known: a
// write that failed for lack of room (ENOSPC, EDQUOT, EFBIG) says so.
Error io_error(const SQLite::Exception& e, int system_errno);

}  // namespace hookctl
