#include "hookctl/completion.hpp"

#include <sys/stat.h>

namespace hookctl {

namespace {

const char* candidate_sql(CandidateKind kind) {
  switch (kind) {
    case CandidateKind::user:
      return "SELECT name, kind FROM accounts WHERE name LIKE ?1 ESCAPE '\\' "
             "ORDER BY name LIMIT 500";
    case CandidateKind::webhook:
      return "SELECT name, auth FROM webhooks WHERE name LIKE ?1 ESCAPE '\\' "
             "ORDER BY name LIMIT 500";
    case CandidateKind::token:
      return "SELECT t.id, t.kind || ' token of ' || a.name || coalesce(' (' || t.name || ')', '') "
             "FROM tokens t JOIN accounts a ON a.id = t.account_id "
             "WHERE t.id LIKE ?1 ESCAPE '\\' AND t.revoked_at IS NULL ORDER BY t.id LIMIT 500";
    case CandidateKind::integration_token:
      return "SELECT t.id, t.kind || ' token of ' || a.name || coalesce(' (' || t.name || ')', '') "
             "FROM tokens t JOIN accounts a ON a.id = t.account_id "
             "WHERE t.id LIKE ?1 ESCAPE '\\' AND t.revoked_at IS NULL AND t.kind = 'api' "
             "ORDER BY t.id LIMIT 500";
  }
  return nullptr;
}

}  // namespace

std::vector<Candidate> store_candidates(const StoreLocation& where, CandidateKind kind,
                                        std::string_view prefix) {
  std::vector<Candidate> out;
  try {
    struct stat st;
    if (::stat(where.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return out;  // never create
    Store store(where, OpenMode::read);
    std::string pattern;
    for (char c : prefix) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    auto& q = store.statement(candidate_sql(kind));
    q.bind(1, pattern + "%");
    while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString()});
  } catch (...) {
    // A completion never fails loudly: no store, a foreign file, a lock - no candidates.
    out.clear();
  }
  return out;
}

}  // namespace hookctl
