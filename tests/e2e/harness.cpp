#include "harness.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace e2e {

namespace fs = std::filesystem;

nlohmann::json Result::json() const { return nlohmann::json::parse(out); }
nlohmann::json Result::error_json() const { return nlohmann::json::parse(err); }
std::string Result::line() const {
  std::string s = out;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

Sandbox::Sandbox() {
  std::string tmpl = (fs::temp_directory_path() / "hookctl-e2e-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir = tmpl;
  db = dir / "store.db";
}

Sandbox::~Sandbox() {
  std::error_code ec;
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(dir, ec);
}

Result Sandbox::run(const std::vector<std::string>& args, const std::string& input) const {
  return run_env(args, input, {});
}

Result Sandbox::run_env(const std::vector<std::string>& args, const std::string& input,
                        const std::map<std::string, std::string>& extra) const {
  std::map<std::string, std::string> vars{
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"HOME", (dir / "home").string()},
      {"HOOKCTL_DB", db.string()},
      {"LANG", "C"},
  };
  for (const auto& [k, v] : env) vars[k] = v;
  for (const auto& [k, v] : extra) {
    if (v.empty())
      vars.erase(k);
    else
      vars[k] = v;
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_strings{HOOKCTL_BIN};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid;
  int rc = ::posix_spawn(&pid, HOOKCTL_BIN, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));

  Result r;
  size_t written = 0;
  int in_fd = in_pipe[1];
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  int fds_open = 2;
  bool out_open = true, err_open = true;
  char buf[65536];
  while (fds_open > 0 || in_fd >= 0) {
    std::vector<pollfd> p;
    if (out_open) p.push_back({out_pipe[0], POLLIN, 0});
    if (err_open) p.push_back({err_pipe[0], POLLIN, 0});
    if (in_fd >= 0) p.push_back({in_fd, POLLOUT, 0});
    if (::poll(p.data(), p.size(), 30000) <= 0) break;
    for (const auto& e : p) {
      if (e.revents == 0) continue;
      if (e.fd == in_fd) {
        ssize_t n = ::write(in_fd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN) written = input.size();  // child closed stdin
        if (written == input.size()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      ssize_t n = ::read(e.fd, buf, sizeof buf);
      if (n > 0) {
        (e.fd == out_pipe[0] ? r.out : r.err).append(buf, static_cast<size_t>(n));
      } else {
        if (e.fd == out_pipe[0]) out_open = false;
        if (e.fd == err_pipe[0]) err_open = false;
        --fds_open;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

void Sandbox::user(const std::string& name, const std::vector<std::string>& extra) const {
  std::vector<std::string> args{"user", "create", name, "--no-password"};
  args.insert(args.end(), extra.begin(), extra.end());
  Result r = run(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
}

std::string Sandbox::token(const std::string& owner) const {
  Result r = run({"token", "create", "--user", owner});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.line();
}

std::string Sandbox::webhook(const std::string& name, const std::string& owner,
                             const std::string& auth) const {
  Result r = run({"webhook", "create", name, "--owner", owner, "--auth", auth});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.line();
}

std::string Sandbox::dump() const {
  if (!fs::exists(db)) return "<no store>";
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  std::ostringstream out;
  SQLite::Statement tables(d, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  while (tables.executeStep()) {
    std::string t = tables.getColumn(0).getString();
    out << "## " << t << '\n';
    SQLite::Statement rows(d, "SELECT * FROM \"" + t + "\" ORDER BY 1");
    while (rows.executeStep()) {
      for (int c = 0; c < rows.getColumnCount(); ++c) {
        auto col = rows.getColumn(c);
        out << (col.isNull() ? std::string("NULL") : col.getString()) << '|';
      }
      out << '\n';
    }
  }
  out << "user_version=" << d.execAndGet("PRAGMA user_version").getInt() << '\n';
  return out.str();
}

std::string Sandbox::raw_files() const {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::ifstream f(db.string() + suffix, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  return all;
}

std::string Sandbox::table(const std::string& name) const {
  if (!fs::exists(db)) return "<no store>";
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  std::ostringstream out;
  SQLite::Statement rows(d, "SELECT * FROM \"" + name + "\" ORDER BY 1");
  while (rows.executeStep()) {
    for (int c = 0; c < rows.getColumnCount(); ++c) {
      auto col = rows.getColumn(c);
      out << (col.isNull() ? std::string("NULL") : col.getString()) << '|';
    }
    out << '\n';
  }
  return out.str();
}

long long Sandbox::count(const std::string& table) const {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  return d.execAndGet("SELECT count(*) FROM \"" + table + "\"").getInt64();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

unsigned mode_of(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + path.string());
  return static_cast<unsigned>(st.st_mode & 07777);
}

std::string os_user() {
  struct passwd* pw = ::getpwuid(::geteuid());
  if (pw != nullptr) return pw->pw_name;
  return "uid:" + std::to_string(::geteuid());
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string token_id(const std::string& secret) { return secret.substr(4, 12); }

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += table[(v >> (6 * k)) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace e2e
