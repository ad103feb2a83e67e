// hookctl_bench_gen: builds realistic stores for the benchmarks (bench/run drives it).
//
//   hookctl_bench_gen accounts N NOW OUT.jsonl [OUT.sql]
//       N accounts as `hookctl user import` reads them: mixed person/service, last activity
//       spread over the 90 days before NOW, created up to two years before that. OUT.sql is the
//       same import as plain SQL for the sqlite3 shell (the floor of `user import`).
//   hookctl_bench_gen populate STORE NOW OUT.keys
//       On a store that holds the imported accounts: gives ~20% of the accounts tokens (App
//       tokens with their webhook, integration tokens bound to 0-2 webhooks, a few revoked,
//       some expiring), in one transaction through the library (real token secrets and hashes,
//       audit events). Then, through the public API, the accounts, webhooks and tokens the
//       runner measures; their names and secrets (the accept and reject cases) go to OUT.keys
//       as KEY=VALUE lines.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "base64.hpp"
#include "hookctl/accounts.hpp"
#include "hookctl/audit.hpp"
#include "hookctl/error.hpp"
#include "hookctl/session.hpp"
#include "hookctl/store.hpp"
#include "hookctl/time.hpp"
#include "hookctl/token_format.hpp"
#include "hookctl/tokens.hpp"
#include "hookctl/webhooks.hpp"
#include "sqlite_store.hpp"

using namespace hookctl;

namespace {

constexpr int64_t day = 86400;

int64_t secs(Time t) { return t.time_since_epoch().count(); }

Time parse_now(const char* text) {
  auto t = parse_rfc3339(text);
  if (!t) throw std::runtime_error(fmt::format("bad NOW '{}'", text));
  return *t;
}

std::string sql_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

int accounts(size_t n, Time now, const char* jsonl_path, const char* sql_path) {
  std::mt19937_64 rng(20261128);
  std::FILE* out = std::fopen(jsonl_path, "w");
  if (out == nullptr) throw std::runtime_error(fmt::format("cannot write {}", jsonl_path));
  std::FILE* sql = sql_path ? std::fopen(sql_path, "w") : nullptr;
  if (sql_path && sql == nullptr)
    throw std::runtime_error(fmt::format("cannot write {}", sql_path));
  if (sql) std::fputs("BEGIN IMMEDIATE;\n", sql);
  const int64_t t_now = secs(now);
  std::string line;
  for (size_t i = 0; i < n; ++i) {
    const bool service = rng() % 100 < 15;
    const int64_t activity = t_now - static_cast<int64_t>(rng() % (90 * day));
    const int64_t created = activity - static_cast<int64_t>(rng() % (640 * day));
    const std::string name = fmt::format("{}{:07}", service ? "svc-" : "p.", i);
    std::string created_at = format_rfc3339(Time{Duration{created}});
    std::string activity_at = format_rfc3339(Time{Duration{activity}});
    line.clear();
    if (service)
      line = fmt::format(
          R"({{"name":"{}","kind":"service","created_at":"{}","last_activity_at":"{}"}})", name,
          created_at, activity_at);
    else
      line =
          fmt::format(R"({{"name":"{}","kind":"person","email":"{}@example.org","created_at":"{}",)"
                      R"("last_activity_at":"{}"}})",
                      name, name, created_at, activity_at);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out);
    if (sql) {
      const char* kind = service ? "service" : "person";
      std::string email = service ? "NULL" : sql_quote(name + "@example.org");
      std::fprintf(sql,
                   "INSERT INTO accounts (name, kind, email, password_hash, created_at, "
                   "last_activity_at, last_activity_source) VALUES ('%s', '%s', %s, NULL, %lld, "
                   "%lld, 'imported');\n"
                   "INSERT INTO audit (at, actor, action, subject, details) VALUES (%lld, "
                   "'bench', 'user.import', '%s', 'kind=%s last_activity_at=%s');\n",
                   name.c_str(), kind, email.c_str(), static_cast<long long>(created),
                   static_cast<long long>(activity), static_cast<long long>(t_now), name.c_str(),
                   kind, activity_at.c_str());
    }
  }
  if (sql) {
    std::fputs("COMMIT;\n", sql);
    std::fclose(sql);
  }
  std::fclose(out);
  return 0;
}

struct Owner {
  int64_t id;
  std::string name;
  bool service;
  int64_t created;
  int64_t activity;
};

int populate(const char* store_path, Time now, const char* keys_path) {
  SqliteStore store(StoreLocation{hookctl::Engine::sqlite, store_path, {}, "--db"},
                    OpenMode::write);
  store.db().exec("PRAGMA synchronous = OFF");     // a scratch store: no need to wait for the disk
  store.db().exec("PRAGMA cache_size = -262144");  // 256 MiB: random token ids, no page spills
  Session session(store, now, "bench");
  const int64_t t_now = secs(now);
  std::mt19937_64 rng(7);
  auto chance = [&](unsigned percent) { return rng() % 100 < percent; };
  auto between = [&](int64_t lo, int64_t hi) {
    return hi <= lo ? lo : lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo));
  };

  std::vector<Owner> owners;
  {
    SQLite::Statement q(store.db(),
                        "SELECT id, name, kind, created_at, last_activity_at FROM accounts "
                        "ORDER BY id");
    while (q.executeStep()) {
      if (!chance(20)) continue;
      owners.push_back(Owner{q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                             q.getColumn(2).getString() == "service", q.getColumn(3).getInt64(),
                             q.getColumn(4).getInt64()});
    }
  }

  size_t tokens = 0, webhooks = 0;
  store.write([&] {
    SQLite::Statement token(store.db(),
                            "INSERT INTO tokens (id, kind, account_id, name, secret_hash, "
                            "created_at, last_used_at, expires_at, revoked_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    SQLite::Statement hook(store.db(),
                           "INSERT INTO webhooks (name, auth, description, token_id, created_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)");
    auto add_webhook = [&](const std::string& token_id, int64_t created) {
      std::string name = fmt::format("wh-{:07}", ++webhooks);
      const bool basic = chance(20);
      hook.bind(1, name);
      hook.bind(2, basic ? "basic" : "bearer");
      if (chance(30))
        hook.bind(3, "deliveries from the order system");
      else
        hook.bind(3);
      if (token_id.empty())
        hook.bind(4);
      else
        hook.bind(4, token_id);
      hook.bind(5, created);
      hook.exec();
      hook.reset();
      record_event(session, AuditAction::webhook_create, name,
                   fmt::format("auth={} token={}", basic ? "basic" : "bearer", token_id));
      return name;
    };
    for (const Owner& o : owners) {
      const int count = o.service ? 1 + static_cast<int>(rng() % 3) : (chance(25) ? 2 : 1);
      for (int k = 0; k < count; ++k) {
        const bool app = o.service ? chance(30) : chance(60);
        IssuedToken issued = issue_token(app ? TokenKind::app : TokenKind::api);
        const int64_t created = between(std::max(o.created, o.activity - 300 * day), o.activity);
        const bool revoked = chance(5);
        token.bind(1, issued.id);
        token.bind(2, app ? "app" : "api");
        token.bind(3, o.id);
        if (app || chance(50))
          token.bind(4, app ? std::string("installation") : fmt::format("sync-{}", k));
        else
          token.bind(4);
        token.bind(5, issued.hash.data(), static_cast<int>(issued.hash.size()));
        token.bind(6, created);
        if (chance(80))  // a use is activity: at most the owner's last activity
          token.bind(7, between(created, o.activity + 1));
        else
          token.bind(7);
        if (chance(12))
          token.bind(8, between(t_now - 10 * day, t_now + 120 * day));
        else
          token.bind(8);
        if (revoked)
          token.bind(9, between(created, t_now));
        else
          token.bind(9);
        token.exec();
        token.reset();
        ++tokens;
        record_event(session, AuditAction::token_create, issued.id,
                     fmt::format("kind={} owner={}", app ? "app" : "api", o.name));
        if (app) {
          add_webhook(issued.id, created);
        } else {
          const int bound = static_cast<int>(rng() % 3);
          for (int b = 0; b < bound; ++b) add_webhook(issued.id, created);
        }
      }
    }
    for (int i = 0; i < 20; ++i) add_webhook("", t_now - 5 * day);  // never bound: broken
  });

  // The measured objects, made through the public API as an administrator would.
  create_account(session,
                 NewAccount{"bench-svc", AccountKind::service, std::nullopt, std::nullopt});
  create_account(session, NewAccount{"bench.person", AccountKind::person,
                                     std::string("bench.person@example.org"), std::nullopt});
  Installation bearer = create_webhook(
      session, NewWebhook{"bench-bearer", "bench-svc", AuthScheme::bearer, std::string("orders")});
  IssuedCredential api =
      create_token(session, "bench-svc", std::string("bench-sync"), std::nullopt);
  Installation basic = create_webhook(
      session, NewWebhook{"bench-basic", "bench.person", AuthScheme::basic, std::nullopt});
  bind_webhook(session, "bench-basic", api.token.id);
  for (int i = 0; i < 3; ++i) {
    IssuedCredential extra =
        create_token(session, "bench.person", std::nullopt, Duration{90 * day});
    Installation w =
        create_webhook(session, NewWebhook{fmt::format("bench-person-{}", i), "bench.person",
                                           AuthScheme::bearer, std::nullopt});
    bind_webhook(session, w.webhook.name, extra.token.id);
  }
  // A well-formed token (valid checksum) for the same id with another secret: wrong-secret.
  IssuedToken forged = issue_token(TokenKind::app, bearer.credential.token.id);
  store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");

  std::ofstream keys(keys_path, std::ios::trunc);
  keys << "ACCEPT_WEBHOOK=bench-bearer\n"
       << "ACCEPT_TOKEN_ID=" << bearer.credential.token.id << '\n'
       << "ACCEPT_HEADER=Bearer " << bearer.credential.secret.view() << '\n'
       << "BASIC_WEBHOOK=bench-basic\n"
       << "BASIC_TOKEN_ID=" << api.token.id << '\n'
       << "BASIC_HEADER=Basic " << bench::base64("bench-svc:" + std::string(api.secret.view()))
       << '\n'
       << "REJECT_WEBHOOK=bench-bearer\n"
       << "REJECT_HEADER=Bearer " << forged.text.view() << '\n'
       << "SHOW_USER=bench.person\n"
       << "TOKEN_USER=bench-svc\n"
       << "TOKEN_OWNERS=" << owners.size() << '\n'
       << "TOKENS=" << tokens << '\n'
       << "WEBHOOKS=" << webhooks << '\n';
  (void)basic;
  std::fprintf(stderr, "populated %s: %zu token owners, %zu tokens, %zu webhooks\n", store_path,
               owners.size(), tokens, webhooks);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "accounts" && (argc == 5 || argc == 6))
      return accounts(std::stoul(argv[2]), parse_now(argv[3]), argv[4],
                      argc == 6 ? argv[5] : nullptr);
    if (mode == "populate" && argc == 5) return populate(argv[2], parse_now(argv[3]), argv[4]);
    std::fprintf(stderr,
                 "usage: hookctl_bench_gen accounts N NOW OUT.jsonl [OUT.sql]\n"
                 "       hookctl_bench_gen populate STORE NOW OUT.keys\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hookctl_bench_gen: %s\n", e.what());
    return 1;
  }
}
