// Shared set-up for the unit tests: a scratch directory per test, a store created in it, and
// Sessions at fixed instants, so every inactivity rule can be checked to the second.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hookctl/accounts.hpp"
#include "hookctl/audit.hpp"
#include "hookctl/error.hpp"
#include "hookctl/session.hpp"
#include "hookctl/store.hpp"
#include "hookctl/time.hpp"
#include "hookctl/tokens.hpp"
#include "hookctl/vocabulary.hpp"
#include "hookctl/webhooks.hpp"
#include "support/postgres.hpp"

namespace fixture {

// An instant from RFC 3339 text; fails the test on a malformed literal.
inline hookctl::Time T(std::string_view rfc3339) {
  auto t = hookctl::parse_rfc3339(rfc3339);
  if (!t) FAIL("bad time literal in the test: " << std::string(rfc3339));
  return *t;
}

inline constexpr hookctl::Duration days(long long n) { return hookctl::Duration{n * 86400}; }
inline constexpr hookctl::Duration secs(long long n) { return hookctl::Duration{n}; }

// mkdtemp under $TMPDIR (or /tmp); removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/hookctl-unit-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) FAIL("mkdtemp failed");
    path_ = std::filesystem::path(buf.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Every byte of a file ("" when missing).
inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The names in a directory (recursively), to show that nothing was created or left behind.
inline std::set<std::string> listing(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    names.insert(std::filesystem::relative(e.path(), dir).string());
  return names;
}

inline unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0xFFFFu;
  return static_cast<unsigned>(st.st_mode & 07777);
}

// The expected error kind of a throwing expression, e.g.
//   CHECK(error_kind([&] { show_account(s, "nobody"); }) == ErrorKind::not_found);
// std::nullopt when nothing was thrown.
template <class F>
std::optional<hookctl::ErrorKind> error_kind(F&& f) {
  try {
    f();
  } catch (const hookctl::Error& e) {
    return e.kind();
  }
  return std::nullopt;
}

// The message of the Error a callable throws ("" when it does not throw).
template <class F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const hookctl::Error& e) {
    return e.what();
  }
  return "";
}

// A scratch store, and Sessions on it at chosen instants: a file in a fresh directory, or under
// HOOKCTL_TEST_PGHOST a fresh PostgreSQL database.
struct Fixture {
  TempDir dir;
  std::filesystem::path db = dir / "store.db";
  std::optional<pgtest::Database> database =
      pgtest::host() ? std::make_optional<pgtest::Database>(*pgtest::host()) : std::nullopt;
  hookctl::StoreLocation location =
      database ? hookctl::StoreLocation{hookctl::Engine::postgresql, {}, database->uri(), "--db"}
               : hookctl::StoreLocation{hookctl::Engine::sqlite, db, {}, "--db"};
  std::unique_ptr<hookctl::Store> store = hookctl::open_store(location, hookctl::OpenMode::create);
  hookctl::Time start = T("2026-01-01T00:00:00Z");

  hookctl::Session at(hookctl::Time t) { return hookctl::Session(*store, t, "tester"); }
  hookctl::Session at(std::string_view rfc3339) { return at(T(rfc3339)); }
  hookctl::Session now() { return at(start); }

  hookctl::Account user(std::string name, hookctl::AccountKind kind = hookctl::AccountKind::person,
                        std::optional<hookctl::Time> when = std::nullopt) {
    auto s = at(when.value_or(start));
    return hookctl::create_account(
        s, hookctl::NewAccount{std::move(name), kind, std::nullopt, std::nullopt});
  }
  hookctl::Account service(std::string name, std::optional<hookctl::Time> when = std::nullopt) {
    return user(std::move(name), hookctl::AccountKind::service, when);
  }
  hookctl::IssuedCredential token(std::string_view owner,
                                  std::optional<hookctl::Time> when = std::nullopt,
                                  std::optional<hookctl::Duration> expires_in = std::nullopt) {
    auto s = at(when.value_or(start));
    return hookctl::create_token(s, owner, std::nullopt, expires_in);
  }
  hookctl::Installation webhook(std::string name, std::string owner,
                                hookctl::AuthScheme auth = hookctl::AuthScheme::bearer,
                                std::optional<hookctl::Time> when = std::nullopt) {
    auto s = at(when.value_or(start));
    return hookctl::create_webhook(
        s, hookctl::NewWebhook{std::move(name), std::move(owner), auth, std::nullopt});
  }

  hookctl::Account account(std::string_view name,
                           std::optional<hookctl::Time> when = std::nullopt) {
    auto s = at(when.value_or(start));
    return hookctl::show_account(s, name);
  }
  hookctl::Token token_row(std::string_view id, std::optional<hookctl::Time> when = std::nullopt) {
    auto s = at(when.value_or(start));
    return hookctl::show_token(s, id);
  }
  hookctl::Webhook hook(std::string_view name, std::optional<hookctl::Time> when = std::nullopt) {
    auto s = at(when.value_or(start));
    return hookctl::show_webhook(s, name);
  }

  // Every audit event, oldest first.
  std::vector<hookctl::AuditEvent> audit() {
    auto s = now();
    std::vector<hookctl::AuditEvent> out;
    hookctl::list_audit(s, {}, [&](const hookctl::AuditEvent& e) { out.push_back(e); });
    return out;
  }

  // A single integer from SQL, for checks the API does not expose.
  int64_t scalar(const std::string& sql) {
    auto& q = store->statement(sql);
    REQUIRE(q.step());
    int64_t value = q.integer(0);
    q.reset();
    return value;
  }

  // The store's logical content, every row of every table, to compare before and after.
  std::string dump() {
    std::string out;
    for (const char* table : {"accounts", "account_rights", "tokens", "webhooks", "policy", "audit",
                              "rejection_tally"}) {
      auto& q = store->statement(std::string("SELECT * FROM ") + table + " ORDER BY 1");
      out += std::string("[") + table + "]\n";
      while (q.step()) {
        for (int i = 0; i < q.columns(); ++i) {
          out += q.is_null(i) ? std::string("NULL") : q.text(i);
          out += '|';
        }
        out += '\n';
      }
    }
    return out;
  }
};

}  // namespace fixture
