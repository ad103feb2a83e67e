// Whole-store copies: between stores of any engines (`store copy`, to move an installation from
// SQLite to PostgreSQL or back) and to an SQLite snapshot file (`store backup`). Both read the
// source in one snapshot while others keep writing, and both are exact: every row with its ids,
// times and hashes, the audit log as it is (no event is added), so a token issued before the
// copy verifies against the copy.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "hookctl/store.hpp"

namespace hookctl {

// What a store holds, counted per table.
struct StoreCounts {
  std::int64_t accounts = 0;
  std::int64_t tokens = 0;
  std::int64_t webhooks = 0;
  std::int64_t audit_events = 0;
  std::int64_t policy_settings = 0;
  std::int64_t rejection_tallies = 0;  // rejection summaries with later rejections counted
  std::int64_t rights = 0;             // rights held by accounts
  friend bool operator==(const StoreCounts&, const StoreCounts&) = default;
};

// "3 accounts, 1 token, 2 webhooks, 17 audit events".
std::string describe(const StoreCounts& counts);

// Counts the rows of `store` in one read snapshot (the current transaction's, inside one).
StoreCounts count_objects(Store& store);

// Copies every row of `from` into `to` in one write transaction on `to`, reading `from` in one
// snapshot; `to`'s policy settings are replaced by `from`'s. Error(conflict) when `to` holds any
// account, token, webhook or audit event (a copy never merges); Error(usage) when both are the
// same store; Error(store) when the rows counted in `to` before the commit differ from those
// counted in `from` (nothing is committed). Returns the counts.
StoreCounts copy_store(Store& from, Store& to);

// Writes a consistent snapshot of `from` to the SQLite file `file` (mode 0600) while others keep
// writing: SQLite's online backup of an SQLite store, a copy of any other. The snapshot is built
// beside `file` and renamed into place only once it passed an integrity check, so an existing
// `file` is replaced whole or not at all. Error(conflict) when `file` exists and is neither empty
// nor an SQLite hookctl store (a backup never overwrites anything else); Error(usage) when it is
// the store itself or a directory. Returns the counts read back from the snapshot.
StoreCounts backup_store(Store& from, const std::filesystem::path& file);

}  // namespace hookctl
