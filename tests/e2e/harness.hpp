// End-to-end harness: runs the built hookctl in a subprocess against a scratch store, the way an
// administrator or a script would, and captures exit code, stdout and stderr.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/postgres.hpp"

namespace e2e {

// The instant most tests start at (HOOKCTL_NOW).
inline const char* const t0 = "2026-01-01T00:00:00Z";

inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}
inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
// The keys of a JSON object, to compare with the fields a contract promises.
inline std::set<std::string> keys_of(const nlohmann::json& object) {
  std::set<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
  return keys;
}

struct Result {
  int code = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const;        // stdout parsed as JSON (throws on bad JSON)
  nlohmann::json error_json() const;  // stderr parsed as JSON
  std::string line() const;           // stdout without the trailing newline
  double cpu_seconds = 0;             // user + system CPU time the process used
};

// What a child process changes about itself between fork and exec (Sandbox::run_as): a file size
// limit (with SIGXFSZ ignored, so an oversized write fails with EFBIG instead of killing the
// process), a umask, a closed stdout, and another user and group (supplementary groups dropped).
struct ChildSetup {
  std::optional<rlim_t> file_size_limit;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<mode_t> umask;
  bool stdout_closed = false;  // file descriptor 1 closed before exec
  // File descriptor 1 opened on this file instead (/dev/full: every write fails with ENOSPC).
  std::optional<std::string> stdout_file;
};

// A hookctl started by Sandbox::start and not waited for yet. Its stdout and stderr go to pipes
// that wait() drains; the destructor kills and reaps a process nobody waited for.
class Process {
 public:
  Process(pid_t pid, int out_fd, int err_fd) : pid_(pid), out_fd_(out_fd), err_fd_(err_fd) {}
  ~Process();
  Process(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process& operator=(Process&&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // Sends a signal (SIGKILL by default); harmless once the process has exited but not been
  // waited for (it is a zombie until wait()).
  void kill(int sig = 9) const;
  // Reads stdout and stderr to their end and reaps the process. code is the exit status, or
  // 128 + the signal that ended it (so a SIGKILL is 137).
  Result wait();
  // After wait(): whether a signal ended the process, and which.
  bool signaled() const noexcept { return signal_ != 0; }
  int signal() const noexcept { return signal_; }

 private:
  pid_t pid_;
  int out_fd_;
  int err_fd_;
  int signal_ = 0;
  bool reaped_ = false;
};

// A temporary directory and a store: the file <dir>/store.db, or under HOOKCTL_TEST_PGHOST (the
// e2e-pg: runs) a fresh PostgreSQL database; both removed on destruction. Every run gets a clean
// environment: PATH, HOME (inside the sandbox), HOOKCTL_DB=<store>, plus `env` (and the test's
// own ASAN_OPTIONS / UBSAN_OPTIONS / LSAN_OPTIONS, for the sanitizer build).
class Sandbox {
 public:
  Sandbox();
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  std::filesystem::path dir;
  std::filesystem::path db;  // the SQLite file (where it would be, on PostgreSQL)
  std::optional<pgtest::Database> database;
  std::string store;  // what HOOKCTL_DB names: db, or the database's URI
  std::map<std::string, std::string> env;

  bool on_postgresql() const noexcept { return database.has_value(); }
  // Whether the store exists (the file, or the schema "hookctl").
  bool store_exists() const;

  // Sets HOOKCTL_NOW for the following runs.
  void at(const std::string& rfc3339) { env["HOOKCTL_NOW"] = rfc3339; }

  Result run(const std::vector<std::string>& args, const std::string& input = "") const;
  // Runs with extra or removed (empty value) environment entries.
  Result run_env(const std::vector<std::string>& args, const std::string& input,
                 const std::map<std::string, std::string>& extra) const;

  // Starts hookctl without waiting for it; `input` is its stdin (through a file in the sandbox,
  // so a large input cannot block either side).
  Process start(const std::vector<std::string>& args, const std::string& input = "") const;
  // Runs hookctl as run() does, after applying `setup` in the child (fork, then exec).
  Result run_as(const std::vector<std::string>& args, const std::string& input,
                const ChildSetup& setup) const;

  // Helpers for common set-up; each REQUIREs success.
  void user(const std::string& name, const std::vector<std::string>& extra = {}) const;
  std::string token(const std::string& user) const;  // integration token secret
  std::string webhook(const std::string& name, const std::string& owner,
                      const std::string& auth = "bearer") const;  // App token secret

  // The store's logical content (every row of every table, in key order), to compare before
  // and after a command that must change nothing.
  std::string dump() const { return dump_except({}); }
  // The same, leaving out the named columns of every table (counters a command may move, such as
  // a rejected password's failed_logins).
  std::string dump_except(const std::set<std::string>& columns) const;
  // Every byte of the store files (main, -wal, -shm) concatenated.
  std::string raw_files() const;

  // The rows of one table, formatted as in dump(), without the columns named in `except` (for
  // commands that may change only some tables, such as a rejected login, which is summarised in
  // the audit log and counted on the account).
  std::string table(const std::string& name, const std::set<std::string>& except = {}) const;
  // The number of rows of one table (that meet an SQL condition).
  long long count(const std::string& table, const std::string& where = "TRUE") const;
};

// The id inside a token secret ("hki_<id>_...").
std::string token_id(const std::string& secret);
std::string base64(const std::string& in);

void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);  // "" when missing
// The permission bits (e.g. 0600) of a file or directory.
unsigned mode_of(const std::filesystem::path& path);
// The name hookctl records as the actor: the effective user's login name (or uid:N).
std::string os_user();

// The hookctl binary the tests run: $HOOKCTL_TEST_BIN when set (scripts/sanitize points the
// suite at the instrumented build's binary this way), else the one built beside the tests.
const char* hookctl_bin();
// The entries of a directory (names only, sorted); empty when it does not exist.
std::vector<std::string> entries(const std::filesystem::path& dir);

}  // namespace e2e
