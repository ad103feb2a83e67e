// The schema, as an ordered list of migrations keyed on PRAGMA user_version. Migration i takes a
// store from version i to i+1; each runs in its own IMMEDIATE transaction that ends with the
// version bump. Never edit a released migration: append a new one.
#include "sqlite_schema.hpp"

namespace hookctl::detail {

namespace {

constexpr const char* v1 = R"sql(
CREATE TABLE policy (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO policy (key, value) VALUES ('inactivity-period', '5184000');

CREATE TABLE accounts (
  id                   INTEGER PRIMARY KEY,
  name                 TEXT NOT NULL COLLATE NOCASE UNIQUE,
  kind                 TEXT NOT NULL CHECK (kind IN ('person', 'service')),
  email                TEXT,
  password_hash        TEXT,
  created_at           INTEGER NOT NULL,
  last_activity_at     INTEGER NOT NULL,
  last_activity_source TEXT NOT NULL
);
CREATE INDEX accounts_by_activity ON accounts (last_activity_at);

CREATE TABLE tokens (
  id                   TEXT PRIMARY KEY,
  kind                 TEXT NOT NULL CHECK (kind IN ('app', 'api')),
  account_id           INTEGER NOT NULL REFERENCES accounts (id),
  name                 TEXT,
  secret_hash          BLOB NOT NULL,
  previous_hash        BLOB,
  previous_valid_until INTEGER,
  created_at           INTEGER NOT NULL,
  last_used_at         INTEGER,
  expires_at           INTEGER,
  revoked_at           INTEGER
);
CREATE INDEX tokens_by_account ON tokens (account_id);

CREATE TABLE webhooks (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
  auth        TEXT NOT NULL CHECK (auth IN ('bearer', 'basic')),
  description TEXT,
  token_id    TEXT REFERENCES tokens (id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX webhooks_by_token ON webhooks (token_id);

CREATE TABLE audit (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_subject ON audit (subject COLLATE NOCASE, at);
CREATE INDEX audit_by_at ON audit (at);
CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";

// The count of the rejections that a rejection summary (an auth.rejected or auth.login-rejected
// event, the first of its kind in its clock hour) stands for beyond itself. A side table, so the
// audit log stays append-only: the event is never touched, and its count can only grow. A row
// exists once a later rejection was counted.
//
// A webhook re-bound with a grace period keeps accepting the token it was bound to before
// until previous_token_until: callers move to the new token without a window of refusals.
constexpr const char* v2 = R"sql(
CREATE TABLE rejection_tally (
  event_id INTEGER PRIMARY KEY REFERENCES audit (id),
  repeated INTEGER NOT NULL DEFAULT 0 CHECK (repeated >= 0)
);
CREATE TRIGGER rejection_tally_only_grows BEFORE UPDATE ON rejection_tally
  WHEN NEW.repeated < OLD.repeated OR NEW.event_id IS NOT OLD.event_id
  BEGIN SELECT RAISE(ABORT, 'a rejection tally only grows'); END;
CREATE TRIGGER rejection_tally_is_kept BEFORE DELETE ON rejection_tally
  BEGIN SELECT RAISE(ABORT, 'a rejection tally only grows'); END;
ALTER TABLE webhooks ADD COLUMN previous_token_id TEXT REFERENCES tokens (id) ON DELETE SET NULL;
ALTER TABLE webhooks ADD COLUMN previous_token_until INTEGER;
)sql";

// Delegated administration. Rights are held by accounts (account_rights: one row per right held;
// a store where no account holds 'administration' is in owner mode). Admin tokens are a third kind
// of token ('admin'): the tokens table is rebuilt for its CHECK, which SQLite cannot alter in
// place (the runner turns foreign keys off around this migration, as SQLite's documented
// procedure for changing a table's definition requires, and checks them before committing).
// Password lockout: consecutive failed password checks and the end of a lockout. Every audit
// event says who acted as which account, how that actor was authenticated and whether the attempt
// was carried out or denied.
constexpr const char* v3 = R"sql(
CREATE TABLE tokens_v3 (
  id                   TEXT PRIMARY KEY,
  kind                 TEXT NOT NULL CHECK (kind IN ('app', 'api', 'admin')),
  account_id           INTEGER NOT NULL REFERENCES accounts (id),
  name                 TEXT,
  secret_hash          BLOB NOT NULL,
  previous_hash        BLOB,
  previous_valid_until INTEGER,
  created_at           INTEGER NOT NULL,
  last_used_at         INTEGER,
  expires_at           INTEGER,
  revoked_at           INTEGER
);
INSERT INTO tokens_v3 (id, kind, account_id, name, secret_hash, previous_hash,
                       previous_valid_until, created_at, last_used_at, expires_at, revoked_at)
  SELECT id, kind, account_id, name, secret_hash, previous_hash, previous_valid_until, created_at,
         last_used_at, expires_at, revoked_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v3 RENAME TO tokens;
CREATE INDEX tokens_by_account ON tokens (account_id);

CREATE TABLE account_rights (
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name       TEXT NOT NULL CHECK (name IN ('user-management', 'token-management',
                                           'webhook-management', 'audit', 'administration')),
  granted_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
CREATE INDEX account_rights_by_name ON account_rights (name);

ALTER TABLE accounts ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN locked_until INTEGER;

ALTER TABLE audit ADD COLUMN actor_account TEXT;
ALTER TABLE audit ADD COLUMN authenticated_by TEXT NOT NULL DEFAULT 'owner';
ALTER TABLE audit ADD COLUMN result TEXT NOT NULL DEFAULT 'ok' CHECK (result IN ('ok', 'denied'));
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list{
      {[](SQLite::Database& db) { db.exec(v1); }, false},
      {[](SQLite::Database& db) { db.exec(v2); }, false},
      {[](SQLite::Database& db) { db.exec(v3); }, true},
  };
  return list;
}

}  // namespace hookctl::detail
