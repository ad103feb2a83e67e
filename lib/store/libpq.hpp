// libpq, loaded when the first PostgreSQL store is opened. hookctl does not link it: libpq brings
// two dozen shared libraries (TLS, Kerberos, LDAP), and relocating them would cost every command
// on an SQLite store - `auth verify` runs once per webhook call - for an engine it does not use.
#pragma once

#include <libpq-fe.h>

namespace hookctl::detail {

// The library loaded, by its soname (Debian's package libpq5 installs it).
inline constexpr const char* libpq_soname = "libpq.so.5";

struct Libpq {
  decltype(&::PQconnectdbParams) connectdbParams;
  decltype(&::PQstatus) status;
  decltype(&::PQerrorMessage) errorMessage;
  decltype(&::PQfinish) finish;
  decltype(&::PQreset) reset;
  decltype(&::PQsetNoticeProcessor) setNoticeProcessor;
  decltype(&::PQexec) exec;
  decltype(&::PQexecParams) execParams;
  decltype(&::PQprepare) prepare;
  decltype(&::PQexecPrepared) execPrepared;
  decltype(&::PQresultStatus) resultStatus;
  decltype(&::PQresultErrorField) resultErrorField;
  decltype(&::PQresultErrorMessage) resultErrorMessage;
  decltype(&::PQntuples) ntuples;
  decltype(&::PQnfields) nfields;
  decltype(&::PQgetvalue) getvalue;
  decltype(&::PQgetlength) getlength;
  decltype(&::PQgetisnull) getisnull;
  decltype(&::PQftype) ftype;
  decltype(&::PQcmdTuples) cmdTuples;
  decltype(&::PQclear) clear;
  decltype(&::PQtransactionStatus) transactionStatus;
  decltype(&::PQconninfoParse) conninfoParse;
  decltype(&::PQconninfoFree) conninfoFree;
  decltype(&::PQfreemem) freemem;
};

// The loaded library; Error(store) saying how to install it when it cannot be loaded.
const Libpq& libpq();

}  // namespace hookctl::detail
