// Times `hookctl auth login` as an attacker sees it, one process per attempt, for the three ways
// a login is refused: an unknown account, an account without a password, a wrong password. The
// three must cost the same (one Argon2id run each), or one attempt tells which accounts exist.
//
//   hookctl_login_timing HOOKCTL STORE RUNS
//
// STORE is scratch: the program creates it (accounts "known" with a password, "nopass" without)
// and removes it. Attempts are interleaved (unknown, no-password, wrong, unknown, ...) so load
// drift falls on all three. Prints a Markdown table of min / median / p90 / max in milliseconds.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace {

// Runs hookctl with `args`, `input` on stdin, stdout and stderr discarded; returns the exit code.
int run(const std::string& hookctl, const std::vector<std::string>& args,
        const std::string& input) {
  int in[2];
  if (::pipe(in) != 0) std::exit(1);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv{const_cast<char*>(hookctl.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  if (posix_spawn(&pid, hookctl.c_str(), &fa, nullptr, argv.data(), environ) != 0) std::exit(1);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  (void)!::write(in[1], input.data(), input.size());
  ::close(in[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s HOOKCTL STORE RUNS\n", argv[0]);
    return 2;
  }
  const std::string hookctl = argv[1], store = argv[2];
  const int runs = std::atoi(argv[3]);
  ::setenv("HOOKCTL_DB", store.c_str(), 1);
  if (run(hookctl, {"user", "create", "known", "--password-stdin"}, "the real password 1\n") != 0 ||
      run(hookctl, {"user", "create", "nopass", "--no-password"}, "") != 0) {
    std::fprintf(stderr, "cannot set up the store %s\n", store.c_str());
    return 1;
  }
  struct Case {
    const char* label;
    const char* account;
    std::vector<double> ms;
  };
  std::vector<Case> cases{{"unknown account", "nobody", {}},
                          {"account without a password", "nopass", {}},
                          {"wrong password", "known", {}}};
  for (auto& c : cases) run(hookctl, {"auth", "login", c.account}, "not the password\n");  // warm
  for (int i = 0; i < runs; ++i) {
    for (auto& c : cases) {
      auto t0 = std::chrono::steady_clock::now();
      int code = run(hookctl, {"auth", "login", c.account}, "not the password\n");
      auto t1 = std::chrono::steady_clock::now();
      if (code != 5) {
        std::fprintf(stderr, "%s: exit %d, expected 5\n", c.label, code);
        return 1;
      }
      c.ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((store + suffix).c_str());
  std::printf("| refused login | runs | min ms | median ms | p90 ms | max ms |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const auto& c : cases)
    std::printf("| %s | %zu | %.1f | %.1f | %.1f | %.1f |\n", c.label, c.ms.size(),
                percentile(c.ms, 0), percentile(c.ms, 0.5), percentile(c.ms, 0.9),
                percentile(c.ms, 1));
  return 0;
}
