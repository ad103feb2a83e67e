#include "harness.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

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

namespace {

// A child that exits without reading all of its stdin (a usage error, say) must not kill the
// test with SIGPIPE: the writer ignores it and sees EPIPE. Children get the default back, so
// hookctl runs as it would from a shell.
const bool sigpipe_ignored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

const posix_spawnattr_t& child_signals() {
  static const posix_spawnattr_t attr = [] {
    posix_spawnattr_t a;
    posix_spawnattr_init(&a);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&a, &defaults);
    posix_spawnattr_setflags(&a, POSIX_SPAWN_SETSIGDEF);
    return a;
  }();
  (void)sigpipe_ignored;
  return attr;
}

}  // namespace

namespace fs = std::filesystem;

namespace {

// The environment of every run: see Sandbox.
// `extra` is applied last; an empty value there removes the variable.
std::vector<std::string> environment(const Sandbox& s,
                                     const std::map<std::string, std::string>& extra = {}) {
  std::map<std::string, std::string> vars{
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"HOME", (s.dir / "home").string()},
      {"HOOKCTL_DB", s.store},
      {"LANG", "C"},
  };
  // The sanitizer build (build-asan) configures its runtimes through the environment.
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* value = std::getenv(name)) vars[name] = value;
  for (const auto& [k, v] : s.env) vars[k] = v;
  for (const auto& [k, v] : extra) {
    if (v.empty())
      vars.erase(k);
    else
      vars[k] = v;
  }
  std::vector<std::string> strings;
  for (const auto& [k, v] : vars) strings.push_back(k + "=" + v);
  return strings;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// The argv and envp of one hookctl run, built in place (the pointers point into the strings).
class ExecArgs {
 public:
  ExecArgs(const Sandbox& s, const std::vector<std::string>& args,
           const std::map<std::string, std::string>& extra = {})
      : env_strings_(environment(s, extra)) {
    argv_strings_.push_back(hookctl_bin());
    argv_strings_.insert(argv_strings_.end(), args.begin(), args.end());
    envp_ = pointers(env_strings_);
    argv_ = pointers(argv_strings_);
  }
  ExecArgs(const ExecArgs&) = delete;
  ExecArgs& operator=(const ExecArgs&) = delete;
  char* const* argv() const noexcept { return argv_.data(); }
  char* const* envp() const noexcept { return envp_.data(); }

 private:
  std::vector<std::string> env_strings_, argv_strings_;
  std::vector<char*> envp_, argv_;
};

// Feeds `input` to in_fd (closed at the end; -1 for none), reads out_fd and err_fd to their end,
// then reaps pid (killed if it stays silent for a minute). Returns the result and stores the
// ending signal (0 if it exited) in *signal.
Result collect(pid_t pid, int in_fd, int out_fd, int err_fd, const std::string& input,
               int* signal) {
  Result r;
  size_t written = 0;
  if (in_fd >= 0 && input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else if (in_fd >= 0) {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open || in_fd >= 0) {
    std::vector<pollfd> p;
    if (out_open) p.push_back({out_fd, POLLIN, 0});
    if (err_open) p.push_back({err_fd, POLLIN, 0});
    if (in_fd >= 0) p.push_back({in_fd, POLLOUT, 0});
    int n_ready = ::poll(p.data(), p.size(), 60000);
    if (n_ready < 0 && errno == EINTR) continue;
    if (n_ready <= 0) {
      ::kill(pid, SIGKILL);  // silent for a minute: hung, so the test fails instead of hanging
      break;
    }
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
        (e.fd == out_fd ? r.out : r.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        if (e.fd == out_fd) out_open = false;
        if (e.fd == err_fd) err_open = false;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  r.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (signal != nullptr) *signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return r;
}

}  // namespace

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
  store = db.string();
  if (auto host = pgtest::host()) {
    database.emplace(*host);
    store = database->uri();
  }
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
  const ExecArgs exec(*this, args, extra);

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid;
  int rc = ::posix_spawn(&pid, hookctl_bin(), &actions, &child_signals(), exec.argv(), exec.envp());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    for (int fd : {in_pipe[1], out_pipe[0], err_pipe[0]}) ::close(fd);
    throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
  }
  return collect(pid, in_pipe[1], out_pipe[0], err_pipe[0], input, nullptr);
}

Process::~Process() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  wait();
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_),
      out_fd_(other.out_fd_),
      err_fd_(other.err_fd_),
      signal_(other.signal_),
      reaped_(other.reaped_) {
  other.reaped_ = true;  // the moved-from object owns nothing
}

void Process::kill(int sig) const {
  if (!reaped_) ::kill(pid_, sig);
}

Result Process::wait() {
  if (reaped_) throw std::logic_error("Process::wait called twice");
  reaped_ = true;
  return collect(pid_, -1, out_fd_, err_fd_, "", &signal_);
}

Process Sandbox::start(const std::vector<std::string>& args, const std::string& input) const {
  const ExecArgs exec(*this, args);

  // stdin: an unlinked temporary file holding the input (empty input: an empty file).
  std::string tmpl = (fs::temp_directory_path() / "hookctl-e2e-stdin-XXXXXX").string();
  int in_fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (in_fd < 0) throw std::runtime_error("mkostemp failed");
  ::unlink(tmpl.c_str());
  for (size_t done = 0; done < input.size();) {
    ssize_t n = ::write(in_fd, input.data() + done, input.size() - done);
    if (n <= 0) throw std::runtime_error("cannot write the stdin file");
    done += static_cast<size_t>(n);
  }
  ::lseek(in_fd, 0, SEEK_SET);

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid;
  int rc = ::posix_spawn(&pid, hookctl_bin(), &actions, &child_signals(), exec.argv(), exec.envp());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_fd);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
  }
  return Process(pid, out_pipe[0], err_pipe[0]);
}

Result Sandbox::run_as(const std::vector<std::string>& args, const std::string& input,
                       const ChildSetup& setup) const {
  const ExecArgs exec(*this, args);

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    if (::dup2(in_pipe[0], 0) < 0 || ::dup2(out_pipe[1], 1) < 0 || ::dup2(err_pipe[1], 2) < 0)
      ::_exit(127);
    if (setup.file_size_limit) {
      ::signal(SIGXFSZ, SIG_IGN);  // an ignored disposition survives exec
      struct rlimit limit {
        *setup.file_size_limit, *setup.file_size_limit
      };
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(127);
    }
    if (setup.umask) ::umask(*setup.umask);
    if (setup.stdout_closed) ::close(1);
    if (setup.stdout_file) {
      int fd = ::open(setup.stdout_file->c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::dup2(fd, 1) != 1) ::_exit(127);
      ::close(fd);
    }
    if (setup.gid || setup.uid) {
      if (::setgroups(0, nullptr) != 0) ::_exit(127);
    }
    if (setup.gid && ::setgid(*setup.gid) != 0) ::_exit(127);
    if (setup.uid && ::setuid(*setup.uid) != 0) ::_exit(127);
    std::signal(SIGPIPE, SIG_DFL);
    ::execve(hookctl_bin(), exec.argv(), exec.envp());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  return collect(pid, in_pipe[1], out_pipe[0], err_pipe[0], input, nullptr);
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

namespace {

// Rows as dump() shows them, from the PostgreSQL store of `s`.
std::string pg_rows(const Sandbox& s, const std::string& sql) {
  return pgtest::query(s.database->host(), s.database->name(), sql);
}

}  // namespace

bool Sandbox::store_exists() const {
  if (!on_postgresql()) return fs::exists(db);
  return pg_rows(*this, "SELECT to_regnamespace('hookctl') IS NOT NULL") == "t|\n";
}

std::string Sandbox::dump_except(const std::set<std::string>& columns) const {
  if (!store_exists()) return "<no store>";
  std::string out;
  if (on_postgresql()) {
    std::istringstream in(pg_rows(*this,
                                  "SELECT table_name FROM information_schema.tables WHERE "
                                  "table_schema = 'hookctl' ORDER BY table_name"));
    for (std::string t; std::getline(in, t);) {
      t.pop_back();  // the '|' after the value
      out += "## " + t + '\n' + table(t, columns);
    }
    return out;
  }
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement tables(d, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  while (tables.executeStep()) {
    std::string t = tables.getColumn(0).getString();
    out += "## " + t + '\n' + table(t, columns);
  }
  return out + "user_version=" + std::to_string(d.execAndGet("PRAGMA user_version").getInt()) +
         '\n';
}

std::string Sandbox::raw_files() const {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::ifstream f(db.string() + suffix, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  return all;
}

std::string Sandbox::table(const std::string& name, const std::set<std::string>& except) const {
  if (!store_exists()) return "<no store>";
  if (on_postgresql()) {
    std::string select = "*";
    if (!except.empty()) {
      std::istringstream names(pg_rows(*this,
                                       "SELECT column_name FROM information_schema.columns "
                                       "WHERE table_schema = 'hookctl' AND table_name = '" +
                                           name + "' ORDER BY ordinal_position"));
      select.clear();
      for (std::string c; std::getline(names, c);) {
        c.pop_back();
        if (!except.count(c)) select += (select.empty() ? "" : ", ") + c;
      }
    }
    return pg_rows(*this, "SELECT " + select + " FROM hookctl." + name + " ORDER BY 1");
  }
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  std::ostringstream out;
  SQLite::Statement rows(d, "SELECT * FROM \"" + name + "\" ORDER BY 1");
  while (rows.executeStep()) {
    for (int c = 0; c < rows.getColumnCount(); ++c) {
      if (except.count(rows.getColumnName(c))) continue;
      auto col = rows.getColumn(c);
      out << (col.isNull() ? std::string("NULL") : col.getString()) << '|';
    }
    out << '\n';
  }
  return out.str();
}

long long Sandbox::count(const std::string& table, const std::string& where) const {
  const std::string condition = " WHERE " + where;
  if (on_postgresql())
    return std::stoll(pg_rows(*this, "SELECT count(*) FROM hookctl." + table + condition));
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  return d.execAndGet("SELECT count(*) FROM \"" + table + "\"" + condition).getInt64();
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

const char* hookctl_bin() {
  static const char* const bin = [] {
    const char* v = std::getenv("HOOKCTL_TEST_BIN");
    return v != nullptr && *v != '\0' ? v : HOOKCTL_BIN;
  }();
  return bin;
}

}  // namespace e2e
