#include "libpq.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <mutex>
#include <optional>
#include <string>

#include "hookctl/error.hpp"

namespace hookctl::detail {

namespace {

template <class F>
void load(void* handle, F& f, const char* name) {
  f = reinterpret_cast<F>(::dlsym(handle, name));
  if (f == nullptr)
    fail(ErrorKind::store,
         fmt::format("the PostgreSQL client library ({}) lacks {}; install Debian's libpq5",
                     libpq_soname, name));
}

Libpq load_libpq() {
  void* handle = ::dlopen(libpq_soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    fail(ErrorKind::store,
         fmt::format("a PostgreSQL store needs the PostgreSQL client library, which did not load "
                     "({}); install it: apt-get install libpq5",
                     ::dlerror()));
  Libpq l{};
  load(handle, l.connectdbParams, "PQconnectdbParams");
  load(handle, l.status, "PQstatus");
  load(handle, l.errorMessage, "PQerrorMessage");
  load(handle, l.finish, "PQfinish");
  load(handle, l.reset, "PQreset");
  load(handle, l.setNoticeProcessor, "PQsetNoticeProcessor");
  load(handle, l.exec, "PQexec");
  load(handle, l.execParams, "PQexecParams");
  load(handle, l.prepare, "PQprepare");
  load(handle, l.execPrepared, "PQexecPrepared");
  load(handle, l.resultStatus, "PQresultStatus");
  load(handle, l.resultErrorField, "PQresultErrorField");
  load(handle, l.resultErrorMessage, "PQresultErrorMessage");
  load(handle, l.ntuples, "PQntuples");
  load(handle, l.nfields, "PQnfields");
  load(handle, l.getvalue, "PQgetvalue");
  load(handle, l.getlength, "PQgetlength");
  load(handle, l.getisnull, "PQgetisnull");
  load(handle, l.ftype, "PQftype");
  load(handle, l.cmdTuples, "PQcmdTuples");
  load(handle, l.clear, "PQclear");
  load(handle, l.transactionStatus, "PQtransactionStatus");
  load(handle, l.conninfoParse, "PQconninfoParse");
  load(handle, l.conninfoFree, "PQconninfoFree");
  load(handle, l.freemem, "PQfreemem");
  return l;  // the library stays loaded for the life of the process
}

}  // namespace

const Libpq& libpq() {
  // Loaded once; a failed load is retried (and reported) on the next call.
  static std::mutex mutex;
  static std::optional<Libpq> loaded;
  std::lock_guard lock(mutex);
  if (!loaded) loaded = load_libpq();
  return *loaded;
}

}  // namespace hookctl::detail
