// The rules of hookctl/rules.hpp in C++ and in SQL, evaluated over a grid of cases: both
// spellings of each rule must give the same answer for every case.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <optional>
#include <vector>

#include "hookctl/rules.hpp"
#include "hookctl/vocabulary.hpp"

using hookctl::Duration;
using hookctl::Time;
namespace rules = hookctl::rules;
namespace sql = hookctl::rules::sql;

namespace {

Time at(long long s) { return Time{Duration{s}}; }
long long secs(Time t) { return t.time_since_epoch().count(); }

void bind(SQLite::Statement& q, const char* name, const std::optional<Time>& t) {
  if (t)
    q.bind(name, static_cast<int64_t>(secs(*t)));
  else
    q.bind(name);
}

// Instants around `now` = 1000: before, at, just after, and absent.
const std::vector<std::optional<Time>> instants{std::nullopt, at(0),    at(999),
                                                at(1000),     at(1001), at(5000)};
const std::vector<Duration> periods{Duration{1}, Duration{500}, Duration{1000}};

}  // namespace

TEST_CASE("webhook breaks_at and broken agree between C++ and SQL") {
  SQLite::Database db(":memory:");
  const std::string breaks_at =
      sql::webhook_breaks_at(":token", ":revoked", ":expires", ":activity", ":period");
  SQLite::Statement q(db, "SELECT " + breaks_at + ", " +
                              sql::webhook_broken(":token", ":revoked", breaks_at, ":now"));
  const Time now = at(1000);
  int cases = 0;
  for (bool has_token : {false, true})
    for (const auto& revoked : instants)
      for (const auto& expires : instants)
        for (const auto& activity : instants) {
          if (!activity) continue;  // every account has a last activity
          for (Duration period : periods) {
            q.reset();
            if (has_token)
              q.bind(":token", "tok");
            else
              q.bind(":token");
            bind(q, ":revoked", revoked);
            bind(q, ":expires", expires);
            bind(q, ":activity", activity);
            q.bind(":period", static_cast<int64_t>(period.count()));
            q.bind(":now", static_cast<int64_t>(secs(now)));
            REQUIRE(q.executeStep());
            const Time owner_inactive_at = rules::inactive_at(*activity, period);
            auto expected =
                rules::webhook_breaks_at(has_token, revoked, expires, owner_inactive_at);
            INFO("token " << has_token << " revoked " << (revoked ? secs(*revoked) : -1)
                          << " expires " << (expires ? secs(*expires) : -1) << " activity "
                          << secs(*activity) << " period " << period.count());
            if (expected)
              CHECK(q.getColumn(0).getInt64() == secs(*expected));
            else
              CHECK(q.getColumn(0).isNull());
            CHECK((q.getColumn(1).getInt() != 0) ==
                  rules::webhook_broken(has_token, revoked, expected, now));
            ++cases;
          }
        }
  CHECK(cases == 2 * 6 * 6 * 5 * 3);
}

TEST_CASE("token unused agrees between C++ and SQL") {
  SQLite::Database db(":memory:");
  SQLite::Statement q(db, "SELECT " + sql::token_unused(":used", ":created", ":cutoff"));
  const Time now = at(1000);
  for (const auto& used : instants)
    for (const auto& created : instants) {
      if (!created) continue;
      for (Duration period : periods) {
        q.reset();
        bind(q, ":used", used);
        bind(q, ":created", created);
        q.bind(":cutoff", static_cast<int64_t>(secs(rules::inactivity_cutoff(now, period))));
        REQUIRE(q.executeStep());
        CHECK((q.getColumn(0).getInt() != 0) == rules::token_unused(used, *created, now, period));
      }
    }
}

TEST_CASE("the inactivity cutoff states the inactive_at rule as a bound on last activity") {
  SQLite::Database db(":memory:");
  SQLite::Statement q(db, "SELECT " + sql::inactive_at(":activity", ":period"));
  for (long long activity : {0LL, 1LL, 500LL, 999LL, 1000LL, 1001LL})
    for (Duration period : periods)
      for (long long now : {0LL, 999LL, 1000LL, 1001LL, 2000LL}) {
        const Time inactive_at = rules::inactive_at(at(activity), period);
        CHECK(rules::is_active(inactive_at, at(now)) ==
              !(at(activity) <= rules::inactivity_cutoff(at(now), period)));
        q.reset();
        q.bind(":activity", static_cast<int64_t>(activity));
        q.bind(":period", static_cast<int64_t>(period.count()));
        REQUIRE(q.executeStep());
        CHECK(q.getColumn(0).getInt64() == secs(inactive_at));
      }
}

TEST_CASE("a token's status is the first that applies: revoked, expired, owner-inactive") {
  using hookctl::TokenStatus;
  const Time now = at(1000);
  CHECK(rules::token_status(now, at(900), at(900), at(900)) == TokenStatus::revoked);
  CHECK(rules::token_status(now, at(900), at(1000), std::nullopt) == TokenStatus::expired);
  CHECK(rules::token_status(now, at(1000), at(1001), std::nullopt) == TokenStatus::owner_inactive);
  CHECK(rules::token_status(now, at(1001), std::nullopt, std::nullopt) == TokenStatus::active);
}

TEMPLATE_TEST_CASE("every word reads back as the value it names", "", hookctl::AccountKind,
                   hookctl::TokenKind, hookctl::TokenStatus, hookctl::AuthScheme,
                   hookctl::Rejection, hookctl::ProblemKind, hookctl::ProblemCode,
                   hookctl::AuditAction) {
  std::vector<std::string> seen;
  for (const auto& [value, word] : hookctl::Words<TestType>::table) {
    CHECK(hookctl::to_string(value) == word);
    CHECK(hookctl::from_string<TestType>(word) == std::optional<TestType>(value));
    CHECK(std::find(seen.begin(), seen.end(), word) == seen.end());  // no word twice
    seen.emplace_back(word);
  }
  CHECK(hookctl::words_of<TestType>() == seen);
  CHECK_FALSE(hookctl::from_string<TestType>("no-such-word").has_value());
}
