#include "hookctl/completion.hpp"

#include <sys/stat.h>

#include "rows.hpp"

namespace hookctl {

namespace {

using detail::name_order;

// Names and ids match their prefix ignoring ASCII case, as everywhere else they are compared.
std::string candidate_sql(Engine engine, CandidateKind kind) {
  const bool sqlite = engine == Engine::sqlite;
  const std::string like = sqlite ? " LIKE ?1 ESCAPE '\\'" : " ILIKE ?1 ESCAPE '\\'";
  const std::string name = sqlite ? "name" : "name COLLATE \"C\"";
  const std::string token_description =
      "SELECT t.id, t.kind || ' token of ' || a.name || coalesce(' (' || t.name || ')', '') "
      "FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id" +
      like + " AND t.revoked_at IS NULL";
  switch (kind) {
    case CandidateKind::user:
      return "SELECT name, kind FROM accounts WHERE " + name + like + " ORDER BY " +
             name_order(engine, "name") + " LIMIT 500";
    case CandidateKind::webhook:
      return "SELECT name, auth FROM webhooks WHERE " + name + like + " ORDER BY " +
             name_order(engine, "name") + " LIMIT 500";
    case CandidateKind::token:
      return token_description + " ORDER BY t.id LIMIT 500";
    case CandidateKind::integration_token:
      return token_description + " AND t.kind = 'api' ORDER BY t.id LIMIT 500";
  }
  return {};
}

}  // namespace

std::vector<Candidate> store_candidates(const StoreLocation& where, CandidateKind kind,
                                        std::string_view prefix) {
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
    auto& q = store->statement(candidate_sql(store->engine(), kind));
    q.bind(1, pattern + "%");
    while (q.step()) out.push_back({q.text(0), q.text(1)});
  } catch (...) {
    // A completion never fails loudly: no store, a foreign file, a lock - no candidates.
    out.clear();
  }
  return out;
}

}  // namespace hookctl
