// Candidates for shell completion, read from the store: names and ids a user may type next.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hookctl/store.hpp"

namespace hookctl {

enum class CandidateKind {
  user,               // account names, described by kind
  webhook,            // webhook names, described by auth method
  token,              // non-revoked token ids, described by kind and owner
  integration_token,  // as token, integration tokens only (what `webhook bind --token` takes)
};

struct Candidate {
  std::string word;
  std::string description;
};

// At most 500 candidates beginning with `prefix`, in name order. Never creates, migrates or
// changes a store and never fails: a missing store, a foreign file or a lock give no candidates.
// Never returns a secret.
std::vector<Candidate> store_candidates(const StoreLocation& where, CandidateKind kind,
                                        std::string_view prefix);

}  // namespace hookctl
