// hookctl_bench_runner: times two commands side by side, interleaved, and prints the medians.
//
//   hookctl_bench_runner [options] -- COMMAND A ... ::: COMMAND B ...
//
//   --reps N        timed runs of each command (default 21), after one untimed warm-up run each
//   --in-a FILE     stdin of A (default /dev/null); --in-b FILE likewise for B
//   --before CMD    a /bin/sh command run, untimed, before every run of A and of B
//   --expect-a N    the exit code A must give (default 0); --expect-b N likewise
//   --label TEXT    the first field of the output line
//
// Runs alternate A, B, B, A, A, B, ... so drift (other load on the machine, a warming cache)
// falls on both alike. stdout of both goes to /dev/null, stderr too. Prints one tab-separated
// line: label, median A (ms), median B (ms), A/B, min A, min B, runs.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Command {
  std::vector<std::string> argv;
  std::string input = "/dev/null";
  int expect = 0;
};

int spawn_wait(const Command& c) {
  std::vector<char*> args;
  for (const auto& a : c.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, c.input.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + c.argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double timed(const Command& c, const std::string& before) {
  if (!before.empty() && std::system(before.c_str()) != 0)
    throw std::runtime_error("the --before command failed: " + before);
  auto start = std::chrono::steady_clock::now();
  int code = spawn_wait(c);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (code != c.expect) {
    std::string cmd;
    for (const auto& a : c.argv) cmd += a + " ";
    throw std::runtime_error("exit " + std::to_string(code) + " (expected " +
                             std::to_string(c.expect) + ") from: " + cmd);
  }
  return ms;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    int reps = 21;
    std::string label = "case", before;
    Command a, b;
    int i = 1;
    for (; i < argc; ++i) {
      std::string opt = argv[i];
      if (opt == "--") break;
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + opt);
      std::string value = argv[++i];
      if (opt == "--reps")
        reps = std::max(1, std::atoi(value.c_str()));
      else if (opt == "--in-a")
        a.input = value;
      else if (opt == "--in-b")
        b.input = value;
      else if (opt == "--before")
        before = value;
      else if (opt == "--expect-a")
        a.expect = std::atoi(value.c_str());
      else if (opt == "--expect-b")
        b.expect = std::atoi(value.c_str());
      else if (opt == "--label")
        label = value;
      else
        throw std::runtime_error("unknown option " + opt);
    }
    Command* into = &a;
    for (++i; i < argc; ++i) {
      if (std::strcmp(argv[i], ":::") == 0) {
        into = &b;
        continue;
      }
      into->argv.push_back(argv[i]);
    }
    if (a.argv.empty() || b.argv.empty())
      throw std::runtime_error("usage: hookctl_bench_runner [options] -- A ... ::: B ...");

    (void)timed(a, before);  // warm-up: page cache, dynamic loader, first-write effects
    (void)timed(b, before);
    std::vector<double> ta, tb;
    for (int r = 0; r < reps; ++r) {
      if (r % 2 == 0) {
        ta.push_back(timed(a, before));
        tb.push_back(timed(b, before));
      } else {
        tb.push_back(timed(b, before));
        ta.push_back(timed(a, before));
      }
    }
    double ma = median(ta), mb = median(tb);
    std::printf("%s\t%.3f\t%.3f\t%.2f\t%.3f\t%.3f\t%d\n", label.c_str(), ma, mb, ma / mb,
                *std::min_element(ta.begin(), ta.end()), *std::min_element(tb.begin(), tb.end()),
                reps);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hookctl_bench_runner: %s\n", e.what());
    return 1;
  }
}
