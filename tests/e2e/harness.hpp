// End-to-end harness: runs the built hookctl in a subprocess against a scratch store, the way an
// administrator or a script would, and captures exit code, stdout and stderr.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace e2e {

struct Result {
  int code = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const;        // stdout parsed as JSON (throws on bad JSON)
  nlohmann::json error_json() const;  // stderr parsed as JSON
  std::string line() const;           // stdout without the trailing newline
};

// A temporary directory holding a store path; removed on destruction. Every run gets a clean
// environment: PATH, HOME (inside the sandbox), HOOKCTL_DB=<dir>/store.db, plus `env`.
class Sandbox {
 public:
  Sandbox();
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  std::filesystem::path dir;
  std::filesystem::path db;
  std::map<std::string, std::string> env;

  // Sets HOOKCTL_NOW for the following runs.
  void at(const std::string& rfc3339) { env["HOOKCTL_NOW"] = rfc3339; }

  Result run(const std::vector<std::string>& args, const std::string& input = "") const;
  // Runs with extra or removed (empty value) environment entries.
  Result run_env(const std::vector<std::string>& args, const std::string& input,
                 const std::map<std::string, std::string>& extra) const;

  // Helpers for common set-up; each REQUIREs success.
  void user(const std::string& name, const std::vector<std::string>& extra = {}) const;
  std::string token(const std::string& user) const;  // integration token secret
  std::string webhook(const std::string& name, const std::string& owner,
                      const std::string& auth = "bearer") const;  // App token secret

  // The store's logical content (every row of every table, in key order), to compare before
  // and after a command that must change nothing.
  std::string dump() const;
  // Every byte of the store files (main, -wal, -shm) concatenated.
  std::string raw_files() const;

  // The rows of one table, formatted as in dump() (for commands that may change only some tables,
  // such as a rejected login, which is summarised in the audit log).
  std::string table(const std::string& name) const;
  // The number of rows of one table.
  long long count(const std::string& table) const;
};

// The id inside a token secret ("hki_<id>_...").
std::string token_id(const std::string& secret);
std::string base64(const std::string& in);

bool contains(const std::string& haystack, const std::string& needle);
void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);  // "" when missing
// The permission bits (e.g. 0600) of a file or directory.
unsigned mode_of(const std::filesystem::path& path);
// The name hookctl records as the actor: the effective user's login name (or uid:N).
std::string os_user();
// The entries of a directory (names only, sorted); empty when it does not exist.
std::vector<std::string> entries(const std::filesystem::path& dir);

}  // namespace e2e
