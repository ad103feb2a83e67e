#include "hookctl/completion.hpp"

#include <sys/stat.h>

#include "hookctl/policy.hpp"
#include "hookctl/rules.hpp"
#include "rows.hpp"

namespace hookctl {

namespace {

using detail::name_order;

// Names and ids match their prefix ignoring ASCII case, as everywhere else they are compared.
// ?2 is now and ?3 the inactivity cutoff (rules::inactivity_cutoff), where a kind uses them.
std::string candidate_sql(Engine engine, CandidateKind kind) {
  const bool sqlite = engine == Engine::sqlite;
  const std::string like = sqlite ? " LIKE ?1 ESCAPE '\\'" : " ILIKE ?1 ESCAPE '\\'";
  const std::string name = sqlite ? "name" : "name COLLATE \"C\"";
  // The label first: it is what people recognise a token by.
  const std::string token_description =
      "SELECT t.id, coalesce(t.name || ': ', '') || t.kind || ' token of ' || a.name "
      "FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id" +
      like + " AND t.revoked_at IS NULL";
  switch (kind) {
    case CandidateKind::user:
      return "SELECT name, kind FROM accounts WHERE " + name + like + " ORDER BY " +
             name_order(engine, "name") + " LIMIT 500";
    case CandidateKind::active_user:
      return "SELECT name, kind FROM accounts WHERE " + name + like +
             " AND last_activity_at > ?3 ORDER BY " + name_order(engine, "name") + " LIMIT 500";
    case CandidateKind::webhook:
      return "SELECT name, auth FROM webhooks WHERE " + name + like + " ORDER BY " +
             name_order(engine, "name") + " LIMIT 500";
    case CandidateKind::token:
      return token_description + " ORDER BY t.id LIMIT 500";
    case CandidateKind::integration_token:
      return token_description +
             " AND t.kind = 'api' AND (t.expires_at IS NULL OR t.expires_at > ?2) AND "
             "a.last_activity_at > ?3 ORDER BY t.id LIMIT 500";
  }
  return {};
}

}  // namespace

std::vector<Candidate> store_candidates(const StoreLocation& where, CandidateKind kind,
                                        std::string_view prefix, Time now) {
  std::vector<Candidate> out;
  try {
    struct stat st;
    if (where.engine == Engine::sqlite &&
        (::stat(where.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)))
      return out;  // never create
    std::unique_ptr<Store> store = open_store(where, OpenMode::read);
    std::string pattern;
    for (char c : prefix) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    const bool timed =
        kind == CandidateKind::active_user || kind == CandidateKind::integration_token;
    const Duration period = timed ? stored_inactivity_period(*store) : Duration{};
    auto& q = store->statement(candidate_sql(store->engine(), kind));
    q.bind(1, pattern + "%");
    if (kind == CandidateKind::integration_token) q.bind(2, detail::secs(now));
    if (timed) q.bind(3, detail::secs(rules::inactivity_cutoff(now, period)));
    while (q.step()) out.push_back({q.text(0), q.text(1)});
  } catch (...) {
    // A completion never fails loudly: no store, a foreign file, a lock - no candidates.
    out.clear();
  }
  return out;
}

}  // namespace hookctl
