// Candidates for shell completion, read from the store: names and ids a user may type next.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hookctl/store.hpp"
#include "hookctl/time.hpp"

namespace hookctl {

enum class CandidateKind {
  user,         // account names, described by kind
  active_user,  // accounts active at `now` (what may receive or own a new token)
  webhook,      // webhook names, described by auth method
  token,        // non-revoked token ids, described by label, kind and owner
  // Integration tokens that `webhook bind --token` accepts at `now`: not revoked, not expired,
  // owner active.
  integration_token,
};

struct Candidate {
  std::string word;
  std::string description;
};

// At most 500 candidates beginning with `prefix`, in name order; `now` decides activity and
// expiry. Never creates, migrates or changes a store and never fails: a missing store, a foreign
// file or a lock give no candidates. Never returns a secret.
std::vector<Candidate> store_candidates(const StoreLocation& where, CandidateKind kind,
                                        std::string_view prefix, Time now);

}  // namespace hookctl
