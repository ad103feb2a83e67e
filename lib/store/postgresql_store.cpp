#include "postgresql_store.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "hookctl/names.hpp"
#include "hookctl/text.hpp"
#include "libpq.hpp"
#include "postgresql_schema.hpp"

namespace hookctl::detail {

namespace {

// The advisory lock key writers take turns on: 'hkct' (as the SQLite application_id).
#define HOOKCTL_LOCK_KEY "1752916852"
constexpr const char* write_lock_sql = "SELECT pg_advisory_xact_lock(" HOOKCTL_LOCK_KEY ")";
constexpr const char* creation_lock_sql = "SELECT pg_advisory_lock(" HOOKCTL_LOCK_KEY ")";
constexpr const char* creation_unlock_sql = "SELECT pg_advisory_unlock(" HOOKCTL_LOCK_KEY ")";
constexpr std::chrono::milliseconds default_lock_timeout{10000};

// OIDs of the built-in types hookctl binds (pg_type.h).
constexpr Oid int8_oid = 20;
constexpr Oid text_oid = 25;
constexpr Oid bytea_oid = 17;
constexpr Oid bool_oid = 16;

// An error PostgreSQL reported, with its SQLSTATE ("" when the connection itself failed).
class PostgresError : public std::runtime_error {
 public:
  PostgresError(std::string sqlstate, const std::string& message)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  std::string sqlstate_;
};

std::string first_line(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return printable(s.substr(0, s.find('\n')));
}

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { libpq().clear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Throws PostgresError unless r succeeded. A lost connection reads as SQLSTATE class 08.
void check(PGconn* conn, const Result& r) {
  const Libpq& pq = libpq();
  ExecStatusType status = r ? pq.resultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  std::string message;
  std::string state;
  if (r) {
    if (const char* m = pq.resultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY)) message = m;
    if (const char* s = pq.resultErrorField(r.get(), PG_DIAG_SQLSTATE)) state = s;
  }
  if (message.empty()) message = pq.errorMessage(conn);
  if (state.empty() && pq.status(conn) != CONNECTION_OK) state = "08006";
  throw PostgresError(state, first_line(message));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// value with each byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string with_replacement(std::string_view value) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    size_t n = 1;
    const auto b = static_cast<unsigned char>(value[i]);
    if (b >= 0xf0)
      n = 4;
    else if (b >= 0xe0)
      n = 3;
    else if (b >= 0xc0)
      n = 2;
    if (b >= 0x80 &&
        (b < 0xc2 || b > 0xf4 || i + n > value.size() || !is_valid_utf8(value.substr(i, n)))) {
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    out.append(value.substr(i, n));
    i += n;
  }
  return out;
}

class PostgresStore;

class PostgresQuery final : public Query {
 public:
  // sql in PostgreSQL's spelling ($N); `referenced` holds the N it uses.
  PostgresQuery(PostgresStore& store, std::string sql, std::vector<bool> referenced)
      : store_(store), sql_(std::move(sql)), referenced_(std::move(referenced)) {}

  void clear() noexcept {
    result_.reset();
    params_.clear();
    row_ = -1;
    rows_ = 0;
  }
  void bind_integer(int index, std::int64_t value) override {
    param(index) = {std::to_string(value), int8_oid, 0, false, true};
  }
  void bind_text(int index, std::string_view value) override {
    // PostgreSQL refuses text that is not UTF-8 where SQLite stores or compares the bytes. Text
    // is validated before it is stored, so such a value only ever looks something up (a name or
    // id as given): with each bad byte as U+FFFD it still matches nothing, as in SQLite.
    param(index) = {is_valid_utf8(value) ? std::string(value) : with_replacement(value), text_oid,
                    0, false, true};
  }
  void bind_blob(int index, std::span<const unsigned char> value) override {
    param(index) = {std::string(reinterpret_cast<const char*>(value.data()), value.size()),
                    bytea_oid, 1, false, true};
  }
  // A NULL's type is left to PostgreSQL to infer from where it is used.
  void bind_null(int index) override { param(index) = {{}, 0, 0, true, true}; }

  bool step() override {
    if (!result_) execute();
    return ++row_ < rows_;
  }
  int run() override {
    execute();
    const char* n = libpq().cmdTuples(result_.get());
    int changed = 0;
    std::from_chars(n, n + std::strlen(n), changed);
    result_.reset();
    return changed;
  }
  void reset() override {
    result_.reset();
    row_ = -1;
    rows_ = 0;
  }

  int columns() override { return libpq().nfields(result_.get()); }
  bool is_null(int column) override { return libpq().getisnull(result_.get(), row_, column) != 0; }
  std::int64_t integer(int column) override {
    const Libpq& pq = libpq();
    const char* v = pq.getvalue(result_.get(), row_, column);
    if (pq.ftype(result_.get(), column) == bool_oid) return v[0] == 't' ? 1 : 0;
    std::int64_t n = 0;
    std::from_chars(v, v + pq.getlength(result_.get(), row_, column), n);
    return n;
  }
  std::string text(int column) override { return std::string(bytes_as_sent(column)); }
  std::string_view bytes(int column) override {
    std::string_view v = bytes_as_sent(column);
    if (libpq().ftype(result_.get(), column) != bytea_oid) return v;
    // bytea arrives in text form as \x followed by hex digits.
    blob_.clear();
    for (size_t i = 2; i + 1 < v.size(); i += 2)
      blob_ += static_cast<char>(hex_value(v[i]) * 16 + hex_value(v[i + 1]));
    return blob_;
  }

 private:
  struct Param {
    std::string value;
    Oid type = 0;
    int format = 0;  // 0 text, 1 binary
    bool null = true;
    bool bound = false;
  };
  Param& param(int index) {
    if (index < 1) throw std::out_of_range("parameter index");
    if (params_.size() < static_cast<size_t>(index)) params_.resize(static_cast<size_t>(index));
    return params_[static_cast<size_t>(index - 1)];
  }
  std::string_view bytes_as_sent(int column) {
    const Libpq& pq = libpq();
    return {pq.getvalue(result_.get(), row_, column),
            static_cast<size_t>(pq.getlength(result_.get(), row_, column))};
  }
  void execute();

  PostgresStore& store_;
  std::string sql_;
  std::vector<bool> referenced_;  // [N - 1]: the SQL uses $N
  std::vector<Param> params_;
  Result result_;
  int row_ = -1;
  int rows_ = 0;
  std::string blob_;
};

class PostgresStore final : public Store {
 public:
  PostgresStore(const StoreLocation& where, OpenMode mode);
  ~PostgresStore() override { statements_.clear(); }

  Engine engine() const noexcept override { return Engine::postgresql; }
  std::string location() const override { return location_; }
  int schema_version() const noexcept override { return postgresql_schema_version(); }
  int stored_schema_version() override {
    Result r = exec("SELECT value FROM meta WHERE key = 'schema_version'");
    const Libpq& pq = libpq();
    if (pq.ntuples(r.get()) != 1) return 0;
    return std::atoi(pq.getvalue(r.get(), 0, 0));
  }
  bool created() const noexcept override { return created_; }
  bool migrated() const noexcept override { return migrated_; }
  bool writable() const noexcept override { return true; }
  bool caller_owns_store() override {
    auto& q = statement(
        "SELECT pg_has_role(current_user, n.nspowner, 'USAGE') OR "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
        "FROM pg_namespace n WHERE n.nspname = 'hookctl'");
    const bool owns = q.step() && q.integer(0) != 0;
    q.reset();
    return owns;
  }

  void check_integrity() override {
    // PostgreSQL guards its own pages (and checksums them when the cluster has them on); what
    // hookctl can check is that every table of its schema answers.
    try {
      for (const char* table : {"meta", "policy", "accounts", "tokens", "webhooks", "audit"})
        exec(fmt::format("SELECT count(*) FROM {}", table));
    } catch (const PostgresError& e) {
      fail(ErrorKind::store, fmt::format("the store {} is damaged ({}); restore it from a backup",
                                         location_, e.what()));
    }
  }

  void abandon_creation() noexcept override {
    if (!created_ || published_) return;
    try {
      rollback();
      // Only a store nobody has written into yet: every write leaves an audit event.
      exec("BEGIN");
      exec(write_lock_sql);
      Result r = exec("SELECT (SELECT count(*) FROM audit) + (SELECT count(*) FROM accounts)");
      if (std::strcmp(libpq().getvalue(r.get(), 0, 0), "0") == 0)
        exec("DROP SCHEMA hookctl CASCADE");
      exec("COMMIT");
    } catch (...) {
      rollback();
    }
    created_ = false;
  }
  bool publish() override {
    published_ = true;
    return true;
  }
  unsigned generation() const noexcept override { return generation_; }
  void set_busy_timeout(std::chrono::milliseconds timeout) override {
    exec(fmt::format("SET lock_timeout = {}", timeout.count()));
    lock_timeout_ = timeout;
  }

  Query& statement(const std::string& sql) override {
    if (!in_transaction()) reconnect_if_lost();
    auto it = statements_.find(sql);
    if (it == statements_.end()) it = statements_.emplace(sql, numbered(sql)).first;
    it->second->clear();
    return *it->second;
  }
  using Store::statement;

  // A lost connection is in no transaction: what it had is gone, and the next statement opens a
  // new one.
  bool in_transaction() const override {
    PGTransactionStatusType status = libpq().transactionStatus(connection_.get());
    return status != PQTRANS_IDLE && status != PQTRANS_UNKNOWN;
  }

  PGconn* connection() const noexcept { return connection_.get(); }

  // Runs f, a statement after which nothing can be lost or done twice (a transaction's BEGIN, a
  // read outside any transaction). When it finds that the server closed the connection since
  // its last use (libpq learns it only then), connects again at once and runs f once more.
  template <class F>
  void first_statement(F&& f) {
    try {
      f();
    } catch (const PostgresError&) {
      if (libpq().status(connection_.get()) == CONNECTION_OK) throw;
      last_reconnect_ = {};  // news of this loss: the next attempt is not held back
      reconnect_if_lost();
      f();
    }
  }
  // The name of a server-side prepared statement for sql with these parameter types, prepared on
  // first use.
  const std::string& prepared(const std::string& sql, const std::vector<Oid>& types) {
    std::string key = sql;
    for (Oid t : types) key += fmt::format(",{}", t);
    auto it = prepared_.find(key);
    if (it != prepared_.end()) return it->second;
    std::string name = fmt::format("s{}", prepared_.size());
    Result r(libpq().prepare(connection_.get(), name.c_str(), sql.c_str(),
                             static_cast<int>(types.size()), types.data()));
    check(connection_.get(), r);
    return prepared_.emplace(std::move(key), std::move(name)).first->second;
  }
  std::chrono::milliseconds lock_timeout() const noexcept { return lock_timeout_; }

 protected:
  void begin_write(Durability durability) override {
    if (in_transaction()) fail(ErrorKind::internal, "nested write transaction");
    reconnect_if_lost();
    first_statement([&] { exec("BEGIN"); });
    // SET LOCAL ends with the transaction. Without synchronous_commit the server acknowledges
    // the commit before its WAL reaches the disk; a server crash may lose it, never half of it.
    exec(durability == Durability::relaxed
             ? std::string(write_lock_sql) + "; SET LOCAL synchronous_commit = off"
             : std::string(write_lock_sql));
  }
  void commit_write() override {
    exec("COMMIT");
    published_ = true;
  }
  [[noreturn]] void abort_write() override {
    rollback();
    throw;
  }
  void begin_read() override {
    reconnect_if_lost();
    first_statement([&] { exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); });
  }
  void end_read() override { exec("COMMIT"); }
  void rollback() noexcept override {
    if (connection_ && libpq().transactionStatus(connection_.get()) != PQTRANS_IDLE)
      Result(libpq().exec(connection_.get(), "ROLLBACK"));
  }

 private:
  // The settings every connection of a store runs with.
  void configure_session() {
    exec(fmt::format("SET search_path = hookctl; SET lock_timeout = {}; SET TIME ZONE 'UTC'",
                     lock_timeout_.count()));
  }
  // A long-lived store (serve) outlives connections: a server restart, a fail-over, an idle
  // timeout. Once libpq reports the connection lost (the statement that met it failed with class
  // 08, and nothing of its transaction survives), the next statement or transaction connects
  // again with the same parameters. Statements are prepared again on the new connection; the
  // generation moves on, so what a session cached from the old one is read again.
  // Attempts are at least reconnect_interval apart: while the server is away, a statement
  // fails at once instead of every one of them waiting for a connection attempt.
  void reconnect_if_lost() {
    const Libpq& pq = libpq();
    if (pq.status(connection_.get()) == CONNECTION_OK) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_reconnect_ < reconnect_interval)
      throw PostgresError("08006",
                          fmt::format("lost the connection to {}; reconnecting", location_));
    last_reconnect_ = now;
    pq.reset(connection_.get());
    if (pq.status(connection_.get()) != CONNECTION_OK)
      throw PostgresError("08006", fmt::format("cannot reconnect to {}: {}", location_,
                                               first_line(pq.errorMessage(connection_.get()))));
    prepared_.clear();
    ++generation_;
    configure_session();
  }
  Result exec(const std::string& sql) {
    Result r(libpq().exec(connection_.get(), sql.c_str()));
    check(connection_.get(), r);
    return r;
  }
  // A statement for SQL whose parameters are spelled ?N: PostgreSQL spells them $N (outside
  // quotes).
  std::unique_ptr<PostgresQuery> numbered(const std::string& sql) {
    std::string out;
    out.reserve(sql.size());
    std::vector<bool> referenced;
    char quote = 0;
    for (size_t i = 0; i < sql.size(); ++i) {
      char c = sql[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
        c = '$';
        size_t n = 0;
        for (size_t j = i + 1; j < sql.size() && sql[j] >= '0' && sql[j] <= '9'; ++j)
          n = n * 10 + static_cast<size_t>(sql[j] - '0');
        if (referenced.size() < n) referenced.resize(n);
        if (n > 0) referenced[n - 1] = true;
      }
      out += c;
    }
    return std::make_unique<PostgresQuery>(*this, std::move(out), std::move(referenced));
  }
  // Recognises the schema, creates it (OpenMode::create) or migrates it, under the write lock.
  void identify(const StoreLocation& where, OpenMode mode);
  void create_schema();
  void migrate();

  struct ConnectionDeleter {
    void operator()(PGconn* c) const noexcept { libpq().finish(c); }
  };
  // Owned from the moment libpq returns it, so a constructor that refuses the store (missing,
  // foreign, newer, unreachable) still closes the connection.
  std::unique_ptr<PGconn, ConnectionDeleter> connection_;
  std::string location_;
  bool created_ = false;
  bool published_ = false;
  bool migrated_ = false;
  std::chrono::milliseconds lock_timeout_ = default_lock_timeout;
  unsigned generation_ = 1;
  static constexpr std::chrono::seconds reconnect_interval{1};
  std::chrono::steady_clock::time_point last_reconnect_{};
  std::unordered_map<std::string, std::unique_ptr<PostgresQuery>> statements_;
  std::unordered_map<std::string, std::string> prepared_;
};

void PostgresQuery::execute() {
  const Libpq& pq = libpq();
  std::vector<Oid> types;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  if (params_.size() < referenced_.size()) params_.resize(referenced_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    // A parameter left unbound is NULL (as in SQLite). One the SQL does not use (an optional
    // filter that is off) still needs a type for PostgreSQL to prepare the statement; one it
    // uses gets its type from where it is used.
    const Param& p = params_[i];
    const bool used = i < referenced_.size() && referenced_[i];
    types.push_back(p.bound ? p.type : used ? 0 : text_oid);
    values.push_back(p.null ? nullptr : p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.format);
  }
  auto run = [&] {
    const std::string& name = store_.prepared(sql_, types);
    result_ =
        Result(pq.execPrepared(store_.connection(), name.c_str(), static_cast<int>(values.size()),
                               values.data(), lengths.data(), formats.data(), 0));
    try {
      check(store_.connection(), result_);
    } catch (...) {
      result_.reset();
      throw;
    }
  };
  // A read on its own (a check's look-up) is safe to run again on a new connection; a write
  // outside a transaction is not (it may have committed), nor is anything inside one.
  if (!store_.in_transaction() && sql_.starts_with("SELECT"))
    store_.first_statement(run);
  else
    run();
  row_ = -1;
  rows_ = pq.ntuples(result_.get());
}

PostgresStore::PostgresStore(const StoreLocation& where, OpenMode mode)
    : location_(uri_without_password(where.uri)) {
  const Libpq& pq = libpq();
  // expand_dbname: the URI is parsed as libpq parses any, and its parameters override those
  // before it: a connection attempt gives up after 10 s (as a write waiting for another does)
  // unless the URI sets connect_timeout; application_name shows hookctl in pg_stat_activity
  // unless the URI names another.
  const char* keys[] = {"connect_timeout", "dbname", "fallback_application_name", nullptr};
  const char* values[] = {"10", where.uri.c_str(), "hookctl", nullptr};
  connection_.reset(pq.connectdbParams(keys, values, 1));
  if (!connection_) throw std::bad_alloc();
  if (pq.status(connection_.get()) != CONNECTION_OK)
    fail(ErrorKind::store,
         fmt::format("cannot connect to the store {} (from {}): {}", location_, where.source,
                     first_line(pq.errorMessage(connection_.get()))));
  // Server notices (CREATE ... IF NOT EXISTS, and the like) are not for the administrator.
  pq.setNoticeProcessor(
      connection_.get(), [](void*, const char*) {}, nullptr);
  try {
    configure_session();
    identify(where, mode);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw hookctl::translate_exception(e);
  }
}

void PostgresStore::identify(const StoreLocation& where, OpenMode mode) {
  const Libpq& pq = libpq();
  auto state = [&] {
    // 0: no schema "hookctl"; 1: a schema without hookctl's meta table; 2: a store.
    Result r = exec(
        "SELECT CASE WHEN to_regnamespace('hookctl') IS NULL THEN 0 "
        "WHEN to_regclass('hookctl.meta') IS NULL THEN 1 ELSE 2 END");
    return std::atoi(pq.getvalue(r.get(), 0, 0));
  };
  int found = state();
  if (found == 0 && mode != OpenMode::create)
    fail(ErrorKind::store, fmt::format("no hookctl store in {} (from {}); create one with "
                                       "'hookctl init'",
                                       location_, where.source));
  if (found == 0) {
    // The lock is taken before the transaction (a session lock on the writers' key): a
    // transaction that began before another process committed the schema could still see the
    // catalog without it.
    exec(creation_lock_sql);
    try {
      exec("BEGIN");
      found = state();  // another process may have created it while this one waited
      if (found == 0) {
        create_schema();
        created_ = true;
        found = 2;
      }
      exec("COMMIT");
    } catch (...) {
      created_ = false;
      rollback();
      exec(creation_unlock_sql);
      throw;
    }
    exec(creation_unlock_sql);
  }
  if (found == 1)
    fail(ErrorKind::store,
         fmt::format("the schema \"hookctl\" in {} does not hold a hookctl store; left untouched",
                     location_));
  Result r = exec("SELECT value FROM meta WHERE key = 'application'");
  if (pq.ntuples(r.get()) != 1 || std::strcmp(pq.getvalue(r.get(), 0, 0), "hookctl") != 0)
    fail(ErrorKind::store,
         fmt::format("the schema \"hookctl\" in {} does not hold a hookctl store; left untouched",
                     location_));
  int version = stored_schema_version();
  if (version > schema_version())
    fail(ErrorKind::store,
         fmt::format("the store {} was written by a newer hookctl (schema {}, this build "
                     "knows {}); upgrade hookctl. The store was left untouched",
                     location_, version, schema_version()));
  if (version < schema_version()) migrate();
}

void PostgresStore::create_schema() {
  exec("CREATE SCHEMA hookctl");
  exec(
      "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL); "
      "INSERT INTO meta (key, value) VALUES ('application', 'hookctl'), ('schema_version', '0')");
  const auto& list = postgresql_migrations();
  for (size_t i = 0; i < list.size(); ++i) exec(list[i]);
  exec(fmt::format("UPDATE meta SET value = '{}' WHERE key = 'schema_version'", list.size()));
}

void PostgresStore::migrate() {
  const auto& list = postgresql_migrations();
  for (;;) {
    bool done = write([&] {
      // Re-read under the lock: another host may have migrated meanwhile.
      int version = stored_schema_version();
      if (version >= static_cast<int>(list.size())) return true;
      exec(list[static_cast<size_t>(version)]);
      exec(fmt::format("UPDATE meta SET value = '{}' WHERE key = 'schema_version'", version + 1));
      migrated_ = true;
      return false;
    });
    if (done) break;
  }
}

}  // namespace

int postgresql_schema_version() noexcept {
  return static_cast<int>(postgresql_migrations().size());
}

bool uri_has_password(const std::string& uri) { return uri_without_password(uri) != uri; }

std::string uri_without_password(const std::string& uri) {
  // postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return uri;
  size_t authority = scheme_end + 3;
  size_t authority_end = uri.find_first_of("/?#", authority);
  if (authority_end == std::string::npos) authority_end = uri.size();
  std::string out = uri.substr(0, authority);
  std::string_view host = std::string_view(uri).substr(authority, authority_end - authority);
  if (size_t at = host.rfind('@'); at != std::string_view::npos) {
    std::string_view user = host.substr(0, at);
    out += user.substr(0, user.find(':'));
    out += host.substr(at);
  } else {
    out += host;
  }
  size_t query = uri.find('?', authority_end);
  out += uri.substr(authority_end,
                    query == std::string::npos ? std::string::npos : query - authority_end);
  if (query == std::string::npos) return out;
  std::string kept;
  std::string_view params = std::string_view(uri).substr(query + 1);
  while (!params.empty()) {
    size_t amp = params.find('&');
    std::string_view param = params.substr(0, amp);
    params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
    if (percent_decoded(param.substr(0, param.find('='))) == "password") continue;
    kept += kept.empty() ? "?" : "&";
    kept += param;
  }
  return out + kept;
}

std::unique_ptr<Store> open_postgresql(const StoreLocation& where, OpenMode mode) {
  return std::make_unique<PostgresStore>(where, mode);
}

std::optional<Error> translate_postgresql(const std::exception& e) {
  auto* pg = dynamic_cast<const PostgresError*>(&e);
  if (pg == nullptr) return std::nullopt;
  const std::string& state = pg->sqlstate();
  auto cls = [&](std::string_view prefix) { return state.rfind(prefix, 0) == 0; };
  if (cls("08"))
    return Error(ErrorKind::store, fmt::format("lost the connection to the store: {}", e.what()));
  if (state == "55P03" || state == "57014")
    return Error(ErrorKind::store,
                 "the store is locked: another process held it too long; try again");
  if (state == "40001" || state == "40P01")
    return Error(
        ErrorKind::store,
        fmt::format("the store could not serialise this change ({}); try again", e.what()));
  if (cls("53"))
    return Error(ErrorKind::store,
                 fmt::format("the store cannot grow: {}; nothing was changed", e.what()));
  if (state == "25006")
    return Error(ErrorKind::store, "the store is read-only; nothing was changed");
  if (state == "42501")
    return Error(ErrorKind::store, fmt::format("the store refused: {}", e.what()));
  if (cls("57") || cls("58") || cls("XX"))
    return Error(ErrorKind::store, fmt::format("cannot use the store: {}", e.what()));
  return Error(ErrorKind::internal, fmt::format("unexpected store error: {}", e.what()));
}

}  // namespace hookctl::detail
