// `hookctl serve` as a child process of a test: started on a unix socket in the sandbox (and,
// optionally, a free loopback port), its log in <sandbox>/serve.err, stopped with a signal.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "client.hpp"
#include "e2e/harness.hpp"

namespace serve_test {

class ServerProcess {
 public:
  // `name` tells several servers of one sandbox apart: its socket is <name>.sock, its log
  // <name>.err.
  ServerProcess(const e2e::Sandbox& sandbox, std::vector<std::string> extra = {},
                const std::string& name = "serve")
      : socket_("unix:" + (sandbox.dir / (name + ".sock")).string()),
        log_path_((sandbox.dir / (name + ".err")).string()) {
    std::vector<std::string> args{HOOKCTL_BIN, "serve", "--listen", socket_};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<std::string> env{"PATH=/usr/bin:/bin", "HOME=" + sandbox.dir.string(),
                                 "HOOKCTL_DB=" + sandbox.store};
    for (const auto& [k, v] : sandbox.env)
      if (!v.empty()) env.push_back(k + "=" + v);
    for (const char* k : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
      if (const char* v = std::getenv(k)) env.push_back(std::string(k) + "=" + v);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* log = std::fopen(log_path_.c_str(), "w");
      if (log != nullptr) ::dup2(::fileno(log), STDERR_FILENO);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    REQUIRE(pid_ > 0);
    // Ready when the socket answers /healthz (bounded: 20 s on a loaded 2-core machine).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (get(socket_, "/healthz").status != 200) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("hookctl serve exited at start: " << e2e::read_file(log_path_));
      }
      if (std::chrono::steady_clock::now() > deadline) FAIL("hookctl serve did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& address() const noexcept { return socket_; }
  std::string log() const { return e2e::read_file(log_path_); }
  void signal(int sig) const { ::kill(pid_, sig); }
  // Waits (at most timeout) for the exit; the exit status, 128 + signal, or -1 on timeout.
  int wait(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        // A server that did not exit cleanly (a sanitizer report aborts it) shows its log with
        // the assertion that checks the code.
        if (code != 0) UNSCOPED_INFO("hookctl serve exited " << code << ":\n" << log());
        return code;
      }
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  std::string socket_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace serve_test
