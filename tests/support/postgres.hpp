// Fresh PostgreSQL databases for tests that run on the PostgreSQL engine. The "-pg" ctest runs
// set HOOKCTL_TEST_PGHOST to the socket directory of the throwaway cluster
// (tests/support/postgres_cluster.sh); without it, tests use SQLite.
#pragma once

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace pgtest {

inline std::optional<std::string> host() {
  const char* h = std::getenv("HOOKCTL_TEST_PGHOST");
  if (h == nullptr || *h == '\0') return std::nullopt;
  return std::string(h);
}

inline std::string uri(const std::string& host, const std::string& database) {
  return "postgresql:///" + database + "?host=" + host + "&user=postgres";
}

// A connection of the test's own that stays open: to hold a transaction, and its locks, while
// hookctl runs.
class Connection {
 public:
  Connection(const std::string& host, const std::string& database) {
    std::string conninfo = "host=" + host + " user=postgres dbname=" + database;
    c_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(c_) != CONNECTION_OK) {
      std::string why = PQerrorMessage(c_);
      PQfinish(c_);
      throw std::runtime_error("test cluster: " + why);
    }
  }
  ~Connection() { PQfinish(c_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs sql (several statements allowed): the rows of the last, each value followed by '|',
  // each row by a newline (NULL for a null value).
  std::string exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
      std::string why = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error("test cluster: " + sql + ": " + why);
    }
    std::string out;
    for (int row = 0; row < PQntuples(r); ++row) {
      for (int col = 0; col < PQnfields(r); ++col) {
        out +=
            PQgetisnull(r, row, col) ? std::string("NULL") : std::string(PQgetvalue(r, row, col));
        out += '|';
      }
      out += '\n';
    }
    PQclear(r);
    return out;
  }

 private:
  PGconn* c_ = nullptr;
};

// Runs sql on `database`: the rows it returns, each value followed by '|', each row by a newline
// (NULL for a null value), as the e2e harness shows SQLite rows.
inline std::string query(const std::string& host, const std::string& database,
                         const std::string& sql) {
  return Connection(host, database).exec(sql);
}

// Runs one statement on the cluster's maintenance database.
inline void admin(const std::string& host, const std::string& sql) { query(host, "postgres", sql); }

// An empty database, dropped (whoever is still connected) on destruction.
class Database {
 public:
  explicit Database(std::string host) : host_(std::move(host)) {
    static std::atomic<int> counter{0};
    name_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    admin(host_, "CREATE DATABASE " + name_);
  }
  ~Database() {
    try {
      admin(host_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
      // the cluster goes away with the test run anyway
    }
  }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  std::string uri() const { return pgtest::uri(host_, name_); }
  const std::string& name() const noexcept { return name_; }
  const std::string& host() const noexcept { return host_; }

 private:
  std::string host_;
  std::string name_;
};

}  // namespace pgtest
