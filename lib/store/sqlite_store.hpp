// The SQLite engine: one file owned by one SqliteStore. It resolves where the file lives, refuses
// files that are not (or not yet, or no longer) hookctl stores without touching them, migrates
// older schemas (PRAGMA user_version), and runs every write as one IMMEDIATE transaction.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hookctl/store.hpp"

namespace hookctl {

// PRAGMA application_id of a hookctl store ('hkct').
inline constexpr int application_id = 0x686b6374;
// The schema version this build writes to SQLite stores.
int sqlite_schema_version() noexcept;

// A statement of an SqliteStore.
class SqliteQuery final : public Query {
 public:
  SqliteQuery(SQLite::Database& db, const std::string& sql) : statement_(db, sql) {}
  SQLite::Statement& statement() noexcept { return statement_; }
  void bind_integer(int index, std::int64_t value) override { statement_.bind(index, value); }
  void bind_text(int index, std::string_view value) override;
  void bind_blob(int index, std::span<const unsigned char> value) override {
    statement_.bind(index, static_cast<const void*>(value.data()), static_cast<int>(value.size()));
  }
  void bind_null(int index) override { statement_.bind(index); }
  bool step() override { return statement_.executeStep(); }
  int run() override { return statement_.exec(); }
  void reset() override { statement_.reset(); }
  int columns() override { return statement_.getColumnCount(); }
  bool is_null(int column) override { return statement_.isColumnNull(column); }
  std::int64_t integer(int column) override { return statement_.getColumn(column).getInt64(); }
  std::string text(int column) override { return statement_.getColumn(column).getString(); }
  std::string_view bytes(int column) override {
    SQLite::Column c = statement_.getColumn(column);
    return {static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes())};
  }

 private:
  SQLite::Statement statement_;
};

class SqliteStore final : public Store {
 public:
  static constexpr int busy_timeout_ms = 10000;

  // Opens (or with OpenMode::create, creates) the store. Error(store) for a missing store (read,
  // write), a file that is not a hookctl store, a newer schema, or an unreadable file; in each
  // case the file is left untouched. A store that store_ownership_problem objects to is opened
  // read-only for OpenMode::read and refused (Error(store), saying what is wrong and how to fix
  // it) for a change. A new store is built under a temporary name and appears at its path only
  // when published (see publish).
  SqliteStore(const StoreLocation& where, OpenMode mode);
  ~SqliteStore() override;

  Engine engine() const noexcept override { return Engine::sqlite; }
  std::string location() const override { return path_.string(); }
  int schema_version() const noexcept override { return sqlite_schema_version(); }
  int stored_schema_version() override;
  const std::filesystem::path& path() const noexcept { return path_; }
  bool created() const noexcept override { return created_; }
  bool migrated() const noexcept override { return migrated_; }
  bool writable() const noexcept override { return writable_; }
  bool caller_owns_store() override;

  // Runs SQLite's quick_check over the whole file: Error(store) naming the first problem when
  // the store is damaged. O(size of the store); `init` runs it on an existing store.
  void check_integrity() override;

  // Undoes the creation of a store this object created and has not published (its temporary
  // file, the directories it created); an empty file it was to replace stays as it was.
  // A published store is never removed: other processes may have written into it.
  void abandon_creation() noexcept override;

  // Makes a store this object created visible at its path, never replacing a file that appeared
  // there meanwhile; afterwards the object uses the store at its path. Returns true when this
  // object's store was published (or nothing was pending), false when another process created the
  // store first: this object then uses that store. write() publishes with the first commit that
  // follows opening, after checking (under a lock that creating processes share, on the
  // directory) that no store appeared meanwhile, else it runs in the store that did; so the
  // transaction runs exactly once. A command that commits nothing publishes when it succeeds.
  bool publish() override;
  unsigned generation() const noexcept override { return generation_; }
  void set_busy_timeout(std::chrono::milliseconds timeout) override;

  Query& statement(const std::string& sql) override;
  using Store::statement;
  SQLite::Database& db() noexcept { return *db_; }

  bool in_transaction() const override;

 protected:
  void begin_write(Durability durability) override;
  void commit_write() override;
  [[noreturn]] void abort_write() override;
  void begin_read() override { exec("BEGIN"); }
  void end_read() override { exec("COMMIT"); }
  void rollback() noexcept override;

 private:
  void exec(const char* sql);
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
    CreationLock& operator=(CreationLock&& other) noexcept {
      std::swap(fd_, other.fd_);
      return *this;
    }
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
  std::unordered_map<std::string, std::unique_ptr<SqliteQuery>> statements_;
  // Held by a write that will publish a store this object created (see publish).
  CreationLock creating_;
  bool created_ = false;
  bool migrated_ = false;
  bool writable_ = false;
  // The store being created is to replace the empty file at publish_path_ (the path, or the
  // file a symbolic link there leads to) rather than appear at a free path.
  bool replaces_empty_file_ = false;
  std::filesystem::path publish_path_;
  std::vector<std::filesystem::path> created_dirs_;
  bool pending_ = false;  // created under temp_path_, not yet published
  bool constructing_ = false;
  // The transaction under way is Durability::relaxed: synchronous is NORMAL until it ends.
  bool relaxed_ = false;
  void end_relaxed() noexcept;
  std::filesystem::path temp_path_;
  unsigned generation_ = 0;
};

// translate_exception for an SQLite error whose OS error (sqlite3_system_errno) is known: a
// write that failed for lack of room (ENOSPC, EDQUOT, EFBIG) says so.
Error io_error(const SQLite::Exception& e, int system_errno);

namespace detail {
// translate_exception's SQLite part: nullopt when e is not an SQLite error.
std::optional<Error> translate_sqlite(const std::exception& e);
}  // namespace detail

}  // namespace hookctl
