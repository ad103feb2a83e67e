#include "hookctl/check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "hookctl/model.hpp"
#include "hookctl/webhooks.hpp"
#include "rows.hpp"

namespace hookctl {

using namespace detail;

namespace {

std::string why_broken(const Webhook& w, Session& session) {
  if (!w.token)
    return fmt::format(
        "webhook {} has no token; bind one with 'hookctl webhook bind {} --token ID'", w.name,
        w.name);
  switch (w.token_status.value_or(TokenStatus::active)) {
    case TokenStatus::revoked:
      return fmt::format(
          "webhook {}: its token {} is revoked; bind a new one with 'hookctl "
          "webhook bind'",
          w.name, *w.token);
    case TokenStatus::expired:
      return fmt::format(
          "webhook {}: its token {} has expired; 'hookctl token rotate {} "
          "--expires-in DUR'",
          w.name, *w.token, *w.token);
    case TokenStatus::owner_inactive:
      return fmt::format(
          "webhook {}: token owner '{}' is inactive; reactivate the owner or move "
          "the token with 'hookctl token rotate {} --owner SERVICE'",
          w.name, w.owner.value_or("?"), *w.token);
    case TokenStatus::active:
      break;
  }
  (void)session;
  return fmt::format("webhook {} is broken", w.name);
}

}  // namespace

std::vector<Problem> check(Session& session, Duration window) {
  std::vector<Problem> broken, at_risk, personal, unused;
  session.store().read([&] {
    list_webhooks(session, {}, [&](const Webhook& w) {
      if (w.broken) {
        broken.push_back({"webhook-broken", w.name, why_broken(w, session), w.breaks_at});
      } else if (w.breaks_at && *w.breaks_at <= session.now() + window) {
        std::string cause = w.token_expires_at == w.breaks_at
                                ? fmt::format("its token {} expires", *w.token)
                                : fmt::format("owner '{}' becomes inactive", *w.owner);
        at_risk.push_back({"webhook-at-risk", w.name,
                           fmt::format("webhook {} breaks at {}: {}", w.name,
                                       format_rfc3339(*w.breaks_at), cause),
                           w.breaks_at});
      }
      if (w.token && w.owner_kind == AccountKind::person && w.token_status != TokenStatus::revoked)
        personal.push_back(
            {"personal-owner", w.name,
             fmt::format("webhook {} uses a token of person '{}'; move it to a service account "
                         "with 'hookctl webhook bind {} --token ID'",
                         w.name, *w.owner, w.name),
             std::nullopt});
    });
    const int64_t cutoff = secs(session.now() - session.inactivity_period());
    auto& q = session.store().statement(
        token_select +
        " WHERE t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?1) "
        "AND coalesce(t.last_used_at, t.created_at) < ?2 "
        "ORDER BY coalesce(t.last_used_at, t.created_at), t.id");
    q.bind(1, secs(session.now()));
    q.bind(2, cutoff);
    while (q.executeStep()) {
      Token t = token_from(q, session);
      Time since = t.last_used_at.value_or(t.created_at);
      unused.push_back({"token-unused", t.id,
                        t.last_used_at
                            ? fmt::format("token {} (owner {}) last used {}", t.id, t.owner,
                                          format_rfc3339(since))
                            : fmt::format("token {} (owner {}) never used since its creation at {}",
                                          t.id, t.owner, format_rfc3339(since)),
                        since});
    }
  });
  auto by_time = [](const Problem& a, const Problem& b) {
    if (a.at != b.at) return a.at.has_value() && (!b.at || *a.at < *b.at);
    return a.subject < b.subject;
  };
  std::stable_sort(broken.begin(), broken.end(), by_time);
  std::stable_sort(at_risk.begin(), at_risk.end(), by_time);
  std::vector<Problem> all;
  for (auto* group : {&broken, &at_risk, &personal, &unused})
    for (auto& p : *group) all.push_back(std::move(p));
  return all;
}

}  // namespace hookctl
