#include "hookctl/check.hpp"

#include <fmt/format.h>

#include "hookctl/model.hpp"
#include "hookctl/names.hpp"
#include "hookctl/rules.hpp"
#include "rows.hpp"

namespace hookctl {

using namespace detail;

namespace {

Problem problem(ProblemKind kind, ProblemCode code, std::string subject, std::string message,
                std::optional<Time> at) {
  Problem p;
  p.kind = kind;
  p.code = code;
  p.subject = std::move(subject);
  p.message = std::move(message);
  p.at = at;
  return p;
}

// Why a broken webhook is broken, and how to repair it. The cause follows the bound token's
// status (rules::token_status), which for a broken webhook is never active.
Problem why_broken(const Webhook& w) {
  auto broken = [&](ProblemCode code, std::string message) {
    return problem(ProblemKind::webhook_broken, code, w.name, std::move(message), w.breaks_at);
  };
  if (!w.token)
    return broken(ProblemCode::not_bound,
                  fmt::format("webhook {} has no token; bind one with 'hookctl webhook bind {} "
                              "--token ID'",
                              w.name, w.name));
  switch (w.token_status.value_or(TokenStatus::active)) {
    case TokenStatus::revoked:
      return broken(ProblemCode::revoked,
                    fmt::format("webhook {}: its token {} is revoked; bind a new one with "
                                "'hookctl webhook bind'",
                                w.name, *w.token));
    case TokenStatus::expired:
      return broken(ProblemCode::expired,
                    fmt::format("webhook {}: its token {} has expired; 'hookctl token rotate {} "
                                "--expires-in DUR'",
                                w.name, *w.token, *w.token));
    case TokenStatus::owner_inactive:
      // A service account is where the token belongs already: it only needs its activity back.
      if (w.owner_kind == AccountKind::service)
        return broken(ProblemCode::owner_inactive,
                      fmt::format("webhook {}: token owner '{}' (a service account) is inactive; "
                                  "reactivate it with 'hookctl user reactivate {}'",
                                  w.name, w.owner.value_or("?"), w.owner.value_or("?")));
      return broken(ProblemCode::owner_inactive,
                    fmt::format("webhook {}: token owner '{}' is inactive; reactivate the owner "
                                "or move the token with 'hookctl token rotate {} --owner SERVICE'",
                                w.name, w.owner.value_or("?"), *w.token));
    case TokenStatus::active:
      break;
  }
  fail(ErrorKind::internal,
       fmt::format("webhook {} is broken, yet its token {} is active", w.name, *w.token));
}

}  // namespace

void check(Session& session, Duration window, const std::function<void(const Problem&)>& emit) {
  Store& store = session.store();
  store.read([&] {
    const int64_t now = secs(session.now());
    const int64_t period = session.inactivity_period().count();
    const std::string breaks_at = webhook_breaks_at_sql("?3");
    const std::string broken =
        rules::sql::webhook_broken("w.token_id", "t.revoked_at", breaks_at, "?1");

    // Broken webhooks, then those breaking within the window, each by time (none last), then
    // name. SQLite filters and sorts; each row is classified as list_webhooks would.
    auto& risky = store.statement(webhook_select + " WHERE " + broken + " OR " + breaks_at +
                                  " <= ?1 + ?2 ORDER BY " + broken + " DESC, " + breaks_at +
                                  " IS NULL, " + breaks_at + ", w.name COLLATE " +
                                  (store.engine() == Engine::sqlite ? "BINARY" : "\"C\""));
    risky.bind(1, now);
    risky.bind(2, static_cast<int64_t>(window.count()));
    risky.bind(3, period);
    while (risky.step()) {
      Webhook w = webhook_from(risky, session);
      if (w.broken) {
        emit(why_broken(w));
      } else if (rules::webhook_at_risk(w.broken, w.breaks_at, session.now(), window)) {
        const bool expires = w.token_expires_at == w.breaks_at;
        std::string cause = expires ? fmt::format("its token {} expires", *w.token)
                                    : fmt::format("owner '{}' becomes inactive", *w.owner);
        emit(problem(
            ProblemKind::webhook_at_risk,
            expires ? ProblemCode::expires_soon : ProblemCode::owner_inactive_soon, w.name,
            fmt::format("webhook {} breaks at {}: {}", w.name, format_rfc3339(*w.breaks_at), cause),
            w.breaks_at));
      }
    }

    // Webhooks whose live token belongs to a person, by name.
    auto& personal = store.statement(webhook_select +
                                     " WHERE w.token_id IS NOT NULL AND t.revoked_at IS NULL "
                                     "AND coalesce(a.kind, '') <> 'service' ORDER BY " +
                                     name_order(store.engine(), "w.name"));
    while (personal.step()) {
      Webhook w = webhook_from(personal, session);
      if (w.token && w.owner_kind == AccountKind::person && w.token_status != TokenStatus::revoked)
        emit(problem(ProblemKind::personal_owner, ProblemCode::personal_owner, w.name,
                     fmt::format("webhook {} uses a token of person '{}'; move it to a service "
                                 "account with 'hookctl webhook bind {} --token ID'",
                                 w.name, *w.owner, w.name),
                     std::nullopt));
    }

    const int64_t cutoff = secs(session.now() - session.inactivity_period());
    auto& q = store.statement(
        token_select +
        " WHERE t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?1) AND " +
        rules::sql::token_unused("t.last_used_at", "t.created_at", "?2") +
        " ORDER BY coalesce(t.last_used_at, t.created_at), t.id");
    q.bind(1, now);
    q.bind(2, cutoff);
    while (q.step()) {
      Token t = token_from(q, session);
      Time since = t.last_used_at.value_or(t.created_at);
      Problem unused = problem(
          ProblemKind::token_unused,
          t.last_used_at ? ProblemCode::long_unused : ProblemCode::never_used, t.id,
          t.last_used_at ? fmt::format("token {} (owner {}) last used {}", t.id, t.owner,
                                       format_rfc3339(since))
                         : fmt::format("token {} (owner {}) never used since its creation at {}",
                                       t.id, t.owner, format_rfc3339(since)),
          since);
      unused.label = std::move(t.name);
      emit(unused);
    }

    // Addresses stored before they were validated (by hookctl 0.1) that a mail command in a cron
    // job would misread: the pattern keeps this a scan of one column, email_problem decides.
    auto& mail =
        store.statement(EngineSql{"SELECT name, email FROM accounts WHERE email GLOB '-*' OR "
                                  "email GLOB '*[^A-Za-z0-9.@_%+-]*' ORDER BY " +
                                      name_order(Engine::sqlite, "name"),
                                  "SELECT name, email FROM accounts WHERE email ~ '^-' OR "
                                  "email ~ '[^A-Za-z0-9.@_%+-]' ORDER BY " +
                                      name_order(Engine::postgresql, "name")});
    while (mail.step()) {
      std::string name = mail.text(0);
      std::string email = mail.text(1);
      if (auto why = email_problem(email))
        emit(problem(ProblemKind::invalid_email, ProblemCode::invalid_email, name,
                     fmt::format("user {} has an e-mail address hookctl would now refuse ({}); "
                                 "fix it before a mail command uses it",
                                 name, *why),
                     std::nullopt));
    }
  });
}

std::vector<Problem> check(Session& session, Duration window) {
  std::vector<Problem> all;
  check(session, window, [&](const Problem& p) { all.push_back(p); });
  return all;
}

}  // namespace hookctl
