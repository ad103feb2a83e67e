// hookctl_bench_micro: Google Benchmark micro-benchmarks of the in-process hot paths.
//
// - verify_call on one token, repeatedly (accepted; activity coalesced to one write per token per
//   minute), and each kind of rejection, which must never be slower than an acceptance;
// - token generation, checksum parsing and hashing;
// - duration, RFC 3339 and Authorization header parsing.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "base64.hpp"
#include "hookctl/accounts.hpp"
#include "hookctl/auth.hpp"
#include "hookctl/authorization.hpp"
#include "hookctl/session.hpp"
#include "hookctl/store.hpp"
#include "hookctl/time.hpp"
#include "hookctl/token_format.hpp"
#include "hookctl/tokens.hpp"
#include "hookctl/webhooks.hpp"

using namespace hookctl;

namespace {

Time at(const char* text) {
  auto t = parse_rfc3339(text);
  if (!t) throw std::runtime_error("bad time");
  return *t;
}

// One store in a scratch directory with the webhooks and tokens every case needs.
struct World {
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
  Time created = at("2026-11-01T00:00:00Z");
  Time now = at("2026-11-28T13:00:00Z");
  std::string bearer, basic, wrong_secret, unknown, bad_checksum, not_bound, inactive_owner;

  World() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/hookctl-micro-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    store = open_store(StoreLocation{hookctl::Engine::sqlite, dir / "store.db", {}, "--db"},
                       OpenMode::create);
    Session s(*store, created, "bench");
    create_account(s, NewAccount{"svc", AccountKind::service, std::nullopt, std::nullopt});
    create_account(s, NewAccount{"old", AccountKind::person, std::nullopt, std::nullopt});
    Installation w = create_webhook(s, NewWebhook{"orders", "svc", AuthScheme::bearer, {}});
    bearer = "Bearer " + std::string(w.credential.secret.view());
    IssuedCredential api = create_token(s, "svc", std::nullopt, std::nullopt);
    create_webhook(s, NewWebhook{"billing", "svc", AuthScheme::basic, {}});
    bind_webhook(s, "billing", api.token.id);
    basic = "Basic " + bench::base64("svc:" + std::string(api.secret.view()));
    // Well-formed, checksum-valid, but another secret for the same id.
    wrong_secret =
        "Bearer " + std::string(issue_token(TokenKind::app, w.credential.token.id).text.view());
    unknown = "Bearer " + std::string(issue_token(TokenKind::api).text.view());
    bad_checksum = bearer;
    bad_checksum.back() = bad_checksum.back() == 'a' ? 'b' : 'a';
    not_bound = "Bearer " + std::string(api.secret.view());  // valid, but bound to billing
    // A webhook whose owner went inactive: created two months before `now`.
    Session early(*store, at("2026-09-01T00:00:00Z"), "bench");
    create_account(early, NewAccount{"gone", AccountKind::person, std::nullopt, std::nullopt});
    Installation g = create_webhook(early, NewWebhook{"legacy", "gone", AuthScheme::bearer, {}});
    inactive_owner = "Bearer " + std::string(g.credential.secret.view());
  }
  ~World() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

World& world() {
  static World w;
  return w;
}

void verify_loop(benchmark::State& state, const char* webhook, const std::string& header,
                 bool expect_accept) {
  World& w = world();
  Session s(*w.store, w.now, "bench");
  for (auto _ : state) {
    Verdict v = verify_call(s, webhook, header);
    if (v.accepted != expect_accept) {
      state.SkipWithError(("unexpected verdict: " + v.reason).c_str());
      break;
    }
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_verify_accept_bearer(benchmark::State& state) {
  verify_loop(state, "orders", world().bearer, true);
}
void BM_verify_accept_basic(benchmark::State& state) {
  verify_loop(state, "billing", world().basic, true);
}
// The clock moves on by one second every 1000 calls (a new Session, as a server would make per
// request): the activity write happens once per minute of simulated time.
void BM_verify_accept_clock_moving(benchmark::State& state) {
  World& w = world();
  // The clock never goes back, across repetitions too: a use "from the future" is rewritten.
  static Time now = w.now + Duration{3600};
  auto s = std::make_unique<Session>(*w.store, now, "bench");
  int64_t n = 0;
  for (auto _ : state) {
    if (++n % 1000 == 0) {
      now += Duration{1};
      s = std::make_unique<Session>(*w.store, now, "bench");
    }
    Verdict v = verify_call(*s, "orders", w.bearer);
    if (!v.accepted) {
      state.SkipWithError(("unexpected verdict: " + v.reason).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_verify_reject_wrong_secret(benchmark::State& state) {
  verify_loop(state, "orders", world().wrong_secret, false);
}
void BM_verify_reject_unknown_token(benchmark::State& state) {
  verify_loop(state, "orders", world().unknown, false);
}
void BM_verify_reject_bad_checksum(benchmark::State& state) {
  verify_loop(state, "orders", world().bad_checksum, false);
}
void BM_verify_reject_not_bound(benchmark::State& state) {
  verify_loop(state, "orders", world().not_bound, false);
}
void BM_verify_reject_owner_inactive(benchmark::State& state) {
  verify_loop(state, "legacy", world().inactive_owner, false);
}
void BM_verify_reject_wrong_scheme(benchmark::State& state) {
  verify_loop(state, "billing", world().bearer, false);
}
BENCHMARK(BM_verify_accept_bearer);
BENCHMARK(BM_verify_accept_basic);
BENCHMARK(BM_verify_accept_clock_moving);
BENCHMARK(BM_verify_reject_wrong_secret);
BENCHMARK(BM_verify_reject_unknown_token);
BENCHMARK(BM_verify_reject_bad_checksum);
BENCHMARK(BM_verify_reject_not_bound);
BENCHMARK(BM_verify_reject_owner_inactive);
BENCHMARK(BM_verify_reject_wrong_scheme);

void BM_issue_token(benchmark::State& state) {
  for (auto _ : state) {
    IssuedToken t = issue_token(TokenKind::api);
    benchmark::DoNotOptimize(t.hash);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_parse_token(benchmark::State& state) {
  IssuedToken t = issue_token(TokenKind::app);
  std::string text(t.text.view());
  for (auto _ : state) benchmark::DoNotOptimize(parse_token(text));
  state.SetItemsProcessed(state.iterations());
}
void BM_hash_token(benchmark::State& state) {
  IssuedToken t = issue_token(TokenKind::app);
  std::string text(t.text.view());
  for (auto _ : state) benchmark::DoNotOptimize(hash_token(text));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_issue_token);
BENCHMARK(BM_parse_token);
BENCHMARK(BM_hash_token);

void BM_parse_duration(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(parse_duration("1w2d12h30m"));
  state.SetItemsProcessed(state.iterations());
}
void BM_parse_rfc3339(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(parse_rfc3339("2026-11-28T13:00:00Z"));
  state.SetItemsProcessed(state.iterations());
}
void BM_parse_authorization_bearer(benchmark::State& state) {
  const std::string value = "Authorization: " + world().bearer;
  for (auto _ : state) {
    Authorization a = parse_authorization(value);
    benchmark::DoNotOptimize(a.ok);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_parse_authorization_basic(benchmark::State& state) {
  const std::string value = world().basic;
  for (auto _ : state) {
    Authorization a = parse_authorization(value);
    benchmark::DoNotOptimize(a.ok);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_parse_duration);
BENCHMARK(BM_parse_rfc3339);
BENCHMARK(BM_parse_authorization_bearer);
BENCHMARK(BM_parse_authorization_basic);

// For callgrind: `hookctl_bench_micro --loop CASE N` makes N calls of one verify case and nothing
// else, so instruction counts per call are reproducible:
//   valgrind --tool=callgrind hookctl_bench_micro --loop accept 10000
int loop(const std::string& name, long n) {
  World& w = world();
  struct Case {
    const char* name;
    const char* webhook;
    const std::string* header;
  } cases[] = {{"accept", "orders", &w.bearer},
               {"accept-basic", "billing", &w.basic},
               {"wrong-secret", "orders", &w.wrong_secret},
               {"unknown-token", "orders", &w.unknown},
               {"bad-checksum", "orders", &w.bad_checksum},
               {"not-bound", "orders", &w.not_bound},
               {"owner-inactive", "legacy", &w.inactive_owner},
               {"wrong-scheme", "billing", &w.bearer}};
  for (const Case& c : cases) {
    if (name != c.name) continue;
    Session s(*w.store, w.now, "bench");
    size_t accepted = 0;
    for (long i = 0; i < n; ++i) accepted += verify_call(s, c.webhook, *c.header).accepted;
    std::printf("%s: %ld calls, %zu accepted\n", c.name, n, accepted);
    return 0;
  }
  std::fprintf(stderr, "unknown case %s\n", name.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--loop") return loop(argv[2], std::atol(argv[3]));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
