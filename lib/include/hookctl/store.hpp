// The store: where accounts, tokens, webhooks, policy and the audit log live, behind one
// interface with an implementation per engine (an SQLite file, the embedded default; a
// PostgreSQL database shared by several hosts). The domain code speaks to a Store only through
// this header: statements (Query), and transactions (write, read).
//
// Every engine keeps the same contract: a store that is not (or not yet, or no longer) a hookctl
// store is refused untouched; older schemas are migrated under a lock; every write runs as one
// transaction that writers take one at a time, so a rule checked inside write() holds when it
// commits; a failed write changes nothing.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "hookctl/error.hpp"

namespace hookctl {

enum class Engine { sqlite, postgresql };

struct StoreLocation {
  Engine engine = Engine::sqlite;
  std::filesystem::path path;  // Engine::sqlite: the file
  std::string uri;             // Engine::postgresql: a libpq connection URI
  std::string source;          // "--db", "HOOKCTL_DB", "XDG_DATA_HOME" or "HOME"
};

// --db, else $HOOKCTL_DB, else $XDG_DATA_HOME/hookctl/store.db, else
// ~/.local/share/hookctl/store.db; under sudo to another user (sudo_caller), the last with the
// target user's home from the password database, whatever the environment says. Empty variables
// count as unset. A value that starts with postgresql:// or postgres:// names a PostgreSQL
// database, anything else an SQLite file. Error(store) when neither XDG_DATA_HOME nor HOME is
// usable; Error(usage) for a URI given with --db that carries a password (command lines are
// visible to every user of the machine: use ~/.pgpass, PGPASSFILE or a service file; HOOKCTL_DB
// may carry one).
StoreLocation locate_store(const std::optional<std::string>& db_option);

// A store named by a command-line option (`option`, as shown in messages) such as --db or --to:
// a postgresql:// or postgres:// URI, else an SQLite path. Error(usage) for a URI with a password
// (see locate_store).
StoreLocation locate_store_argument(const std::string& text, std::string_view option);

// How a location is shown to people: the file's path, or the URI without its password.
std::string display_location(const StoreLocation& where);

enum class OpenMode {
  read,    // must exist; an SQLite file is opened read-only if it is not writable
  write,   // must exist
  create,  // created if missing (an SQLite file: dir 0700, file 0600; PostgreSQL: the schema,
           // in an existing database)
};

// A prepared statement. The SQL text numbers its parameters ?1, ?2, ... (bound from index 1);
// columns count from 0. A statement is reset and its bindings cleared when Store::statement
// hands it out. Text and bytes read from a row stay valid until the next step.
class Query {
 public:
  virtual ~Query() = default;

  template <std::integral T>
  void bind(int index, T value) {
    bind_integer(index, static_cast<std::int64_t>(value));
  }
  void bind(int index, std::string_view value) { bind_text(index, value); }
  void bind(int index, const char* value) { bind_text(index, value); }
  void bind(int index, const std::string& value) { bind_text(index, value); }
  virtual void bind_integer(int index, std::int64_t value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_blob(int index, std::span<const unsigned char> value) = 0;
  virtual void bind_null(int index) = 0;

  // Runs the statement on the first call; true while a row is available.
  virtual bool step() = 0;
  // Runs a statement that returns no rows; the number of rows it inserted, updated or deleted.
  virtual int run() = 0;
  // Ends the statement early, releasing what its result holds (an unfinished SQLite statement
  // keeps its read snapshot open).
  virtual void reset() = 0;

  // The number of columns of the statement's rows.
  virtual int columns() = 0;
  virtual bool is_null(int column) = 0;
  // An integer column; a boolean expression reads as 0 or 1.
  virtual std::int64_t integer(int column) = 0;
  virtual std::string text(int column) = 0;
  virtual std::string_view bytes(int column) = 0;
};

// What a committed write survives.
enum class Durability {
  // A crash of the machine too: the commit waits for the disk. Every change of state.
  full,
  // A crash of hookctl, not of the machine: the commit does not wait for the disk, so the write
  // holds the store's write lock for microseconds instead of a disk flush, and a power loss may
  // take back the last such commits (never half of one, nor an earlier full one). Only for
  // counters that an attacker's call rate drives, where that cost would fall on every writer.
  relaxed,
};

// One statement's text per engine, for the few that differ (ordering by name, pattern matching,
// aggregate spellings). Statements that read the same on both are given as one string.
struct EngineSql {
  std::string sqlite;
  std::string postgresql;
};

class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  virtual Engine engine() const noexcept = 0;
  // The path or URI, as shown to people (no password).
  virtual std::string location() const = 0;
  // The schema version this build writes for this engine, and the one the store has.
  virtual int schema_version() const noexcept = 0;
  virtual int stored_schema_version() = 0;

  // True when this object created the store (an SQLite file, or the schema in an empty
  // PostgreSQL database), or initialised an existing empty file.
  virtual bool created() const noexcept = 0;
  virtual bool migrated() const noexcept = 0;
  // False when the store was opened read-only (no write permission): reads work, writes fail.
  virtual bool writable() const noexcept = 0;

  // Checks the store for damage: Error(store) naming the first problem. O(size of the store).
  virtual void check_integrity() = 0;

  // Whether the caller owns the store itself, below any rights hookctl keeps in it: the OS
  // owner of an SQLite file (or root); on PostgreSQL, a role that owns the schema "hookctl"
  // (directly or by membership) or a superuser. Such a caller may act with --owner-override.
  virtual bool caller_owns_store() = 0;

  // Undoes the creation of a store this object created and has not published: called when the
  // command that created it failed, so a failed command creates nothing.
  virtual void abandon_creation() noexcept = 0;
  // Makes a store this object created visible to others, never replacing one that appeared
  // meanwhile; false when another process created the store first (this object then uses it).
  virtual bool publish() = 0;
  // Increases whenever the connection is replaced, so cached reads can tell.
  virtual unsigned generation() const noexcept = 0;

  // How long a statement waits for another writer before failing with Error(store).
  virtual void set_busy_timeout(std::chrono::milliseconds timeout) = 0;

  // A cached prepared statement, reset and with its bindings cleared.
  virtual Query& statement(const std::string& sql) = 0;
  Query& statement(const EngineSql& sql) {
    return statement(engine() == Engine::sqlite ? sql.sqlite : sql.postgresql);
  }

  // Runs f as one write transaction: writers take turns (SQLite's BEGIN IMMEDIATE, a
  // transaction-wide lock on PostgreSQL), so what f reads still holds when it commits. Any
  // exception rolls back and propagates, a storage failure as an Error(store) saying what
  // happened. See Durability for what a commit waits for.
  //
  // While rehearse() runs, write() runs f with all its checks and changes and then rolls back
  // instead of committing: f's result says what would happen, and nothing is kept.
  template <class F>
  auto write(F&& f, Durability durability = Durability::full) -> decltype(f()) {
    begin_write(durability);
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        finish_write();
      } else {
        auto result = f();
        finish_write();
        return result;
      }
    } catch (...) {
      abort_write();
      throw;  // not reached: abort_write throws
    }
  }

  // Runs f (which calls write()) as a dry run: every write inside rolls back (see write()). Not
  // for a new store before its first commit, which is what publishes it: there is nothing in it
  // to rehearse against.
  template <class F>
  auto rehearse(F&& f) -> decltype(f()) {
    struct Guard {
      bool& flag;
      bool saved;
      ~Guard() { flag = saved; }
    } guard{rehearsing_, rehearsing_};
    rehearsing_ = true;
    return f();
  }

  // The write transactions this connection committed (not counting rehearsed ones).
  std::uint64_t commits() const noexcept { return commits_; }

  // Runs f inside a read transaction, so multi-query reads see one snapshot.
  template <class F>
  auto read(F&& f) -> decltype(f()) {
    if (in_transaction()) return f();
    begin_read();
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        end_read();
      } else {
        auto result = f();
        end_read();
        return result;
      }
    } catch (...) {
      rollback();
      throw;
    }
  }

  virtual bool in_transaction() const = 0;

 protected:
  Store() = default;
  virtual void begin_write(Durability durability) = 0;
  virtual void commit_write() = 0;
  // Called in write()'s handler: rolls back and rethrows the current exception, reworded when it
  // is a storage failure.
  [[noreturn]] virtual void abort_write() = 0;
  virtual void begin_read() = 0;
  virtual void end_read() = 0;
  virtual void rollback() noexcept = 0;

 private:
  void finish_write() {
    if (rehearsing_) {
      rollback();
      return;
    }
    commit_write();
    ++commits_;
  }
  bool rehearsing_ = false;
  std::uint64_t commits_ = 0;
};

// Opens (with OpenMode::create, creates) the store at `where` with its engine. Error(store) for
// a missing store (read, write), a file or database that is not a hookctl store, a newer schema,
// or a store that cannot be reached; in each case the store is left untouched.
std::unique_ptr<Store> open_store(const StoreLocation& where, OpenMode mode);

// What makes the SQLite store at `store` (or the one to be created there) unsafe to write, or
// nullopt: its directory, the file, a symbolic link at the path (and its target's directory), its
// -wal or -shm owned by a user other than the invoking one or root, or writable by every user; a
// -wal or -shm that is a symbolic link. The message says what is wrong and how to fix it.
std::optional<std::string> store_ownership_problem(const std::filesystem::path& store);

// For reading an SQLite store one may not write: what makes it unsafe even to read, or nullopt:
// a -wal or -shm that is a symbolic link, or owned by neither the invoking user, root, nor the
// store file's owner (planted log frames would be read as part of the store).
std::optional<std::string> store_side_file_problem(const std::filesystem::path& store);

// What this build offers for an engine (for packagers: `hookctl --version --json`).
struct EngineSupport {
  Engine engine = Engine::sqlite;
  // The schema this build writes: older stores are migrated to it, newer ones refused untouched.
  int schema_version = 0;
  std::string library;  // the shared library the engine runs on
  // The library's version, when it is loaded already: SQLite is linked; libpq is loaded only
  // when a PostgreSQL store is opened (nullopt).
  std::optional<std::string> library_version;
};
std::vector<EngineSupport> supported_engines();

// Maps an exception thrown while using a store (an engine's own errors above all) to an Error
// with a message for the administrator. Errors pass through unchanged.
Error translate_exception(const std::exception& e);

}  // namespace hookctl
