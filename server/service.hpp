// The decision service behind `hookctl serve`, without any networking: a request (the few parts
// of an HTTP request a check reads) goes in, a response (status, headers, body) comes out. The
// HTTP server (http_server.hpp) only moves these over sockets; tests call handle() directly.
//
//   /check/<webhook>   the webhook from the path (percent-decoded)
//   /check             X-Hookctl-Webhook, else X-Original-URI / X-Forwarded-Uri matched against
//                      the --webhook-from-uri pattern
//   /healthz           200 while the process runs
//   /readyz            200 when the store answers and its schema is this build's; else 503
//   /metrics           Prometheus text
//
// A check is decided by the library's decide_call, exactly as `auth verify` decides: 200 with an
// empty body and X-Hookctl-User / X-Hookctl-Token; 401 with WWW-Authenticate and an empty body
// (an unknown webhook too: a proxy turns 404 into 500); 503 when the store cannot answer (fail
// closed). The reason goes to the log and the metrics, never to the caller.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hookctl/auth.hpp"
#include "hookctl/store.hpp"
#include "hookctl/time.hpp"
#include "metrics.hpp"

namespace hookctl::server {

// Buffered activity is written at least this often: half the minute by which activity writes
// are coalesced anyway, so a crash loses less than a minute of "last used" times.
inline constexpr std::chrono::seconds activity_flush_interval{30};

// An accepted use whose owner would turn inactive within this margin is written at once instead
// of waiting for the next flush: a later check (here or on another server sharing the store)
// must see the owner active.
inline constexpr Duration urgent_activity_margin{2 * activity_flush_interval.count()};

// The service's writes (a flush, a rejection summary) wait at most this long for a CLI command
// holding the store, instead of the CLI's 10 s: the event loop, and every check, waits with them.
// A flush that times out is retried at the next one; a summary is best effort.
inline constexpr std::chrono::milliseconds store_busy_timeout{1000};

// "/hooks/{webhook}": the webhook is the path segment at {webhook}. A path matches when it equals
// the pattern with a name in place of {webhook}; a query string, and a remainder after the pattern
// that starts with '/', are ignored.
class UriPattern {
 public:
  // Error(usage) unless the text starts with '/' and holds {webhook} exactly once.
  static UriPattern parse(std::string_view text);
  // The webhook name in `uri` (percent-decoded), or nullopt when it does not match.
  std::optional<std::string> match(std::string_view uri) const;
  const std::string& text() const noexcept { return text_; }

 private:
  std::string text_, prefix_, suffix_;
};

struct Request {
  std::string_view method;
  std::string_view target;  // the request-target: path and query
  std::optional<std::string_view> authorization;
  std::optional<std::string_view> webhook_header;  // X-Hookctl-Webhook
  std::optional<std::string_view> original_uri;    // X-Original-URI, else X-Forwarded-Uri
};

struct Response {
  int status = 200;
  std::string content_type;  // empty with an empty body
  std::string body;
  std::string www_authenticate;  // 401 only
  std::string user, token;       // 200 checks: X-Hookctl-User, X-Hookctl-Token

  // For the log and the metrics, never sent.
  bool check = false;  // a /check request
  CheckOutcome outcome = CheckOutcome::decided;
  Rejection rejection = Rejection::none;
  std::string webhook;  // the store's name of the webhook, when it exists
  std::string problem;  // 503: what the store said
};

class Service {
 public:
  // `store` stays open for the service's life (its busy timeout becomes store_busy_timeout);
  // `clock` gives each check its own now; `actor` signs the audit summaries of rejected calls.
  Service(Store& store, const Clock& clock, std::optional<UriPattern> webhook_from_uri,
          std::string actor);

  Response handle(const Request& request) { return handle(request, store_); }
  // The same, reading and writing through `store` (another connection to the same store, its
  // busy timeout set by use_store): several threads may call this at once, each with its own
  // store.
  Response handle(const Request& request, Store& store) {
    return conclude(examine(request, store), store);
  }
  // Requests that arrived together, answered in order, each as handle() answers it. Their checks
  // read the store together (decide_calls: one SQLite read transaction, one PostgreSQL
  // statement), begun after all of them arrived, so a change committed before a request arrived
  // is seen by its check; they share one now. Their writes (uses, rejection summaries) follow
  // the read. When the shared read fails, each check reads alone (503 if the store is down).
  std::vector<Response> handle_together(const std::vector<Request>& requests) {
    return handle_together(requests, store_);
  }
  std::vector<Response> handle_together(const std::vector<Request>& requests, Store& store);
  // Prepares another connection to the store for handle(request, store).
  static void use_store(Store& store) { store.set_busy_timeout(store_busy_timeout); }

  // Writes what the checks buffered: the accepted uses in one transaction, then the counts of
  // later rejections in another (added to the stores' tallies, so servers sharing a store add
  // up). What a store failure kept from being written stays buffered for the next attempt, and
  // the store's message is returned.
  std::optional<std::string> flush_activity() { return flush_activity(store_); }
  std::optional<std::string> flush_activity(Store& store);
  size_t pending_uses() const;
  // Later rejections counted in memory, not yet written.
  size_t pending_rejections() const;

  Metrics& metrics() noexcept { return metrics_; }

 private:
  // A request's answer as far as reading the store decides it, with what its writes need.
  struct Examined {
    Response response;
    std::optional<Verdict> verdict;  // a check the store decided
    Time now{};                      // the check's own now
    std::chrono::steady_clock::time_point started{};
  };
  // Where a request goes: a check (of the webhook it names, nullopt when none), or the endpoint
  // at `path`.
  struct Route {
    bool check = false;
    std::optional<std::string> webhook;
    std::string_view path;
  };
  Route route(const Request& request) const;
  // The endpoints that are not checks.
  Response endpoint(std::string_view path, Store& store);
  // Routes the request and reads what its answer needs; writes nothing.
  Examined examine(const Request& request, Store& store);
  // The answer to a check the store decided (nullopt: its webhook does not exist).
  Examined decided(std::optional<Verdict> verdict, std::string_view webhook, Time now);
  // A check's writes (a use to note, a rejection to summarise) and its metrics.
  Response conclude(Examined examined, Store& store);
  // webhook: nullopt when the request names none (401).
  Examined check(const std::optional<std::string>& webhook, const Request& request, Store& store);
  Examined decide(std::string_view webhook, std::string_view authorization, Store& store);
  void note_use(const Verdict& v, Time now, Store& store);
  void summarise_rejection(Session& session, const Verdict& v);
  Response ready(Store& store);

  Store& store_;
  const Clock& clock_;
  std::optional<UriPattern> webhook_from_uri_;
  std::string actor_;
  Metrics metrics_;
  // Guards pending_, summarised_, summarised_hour_ and uncounted_ (the check workers share
  // them).
  mutable std::mutex mutex_;
  std::unordered_map<std::string, PendingUse> pending_;  // by token id
  // Rejection summaries known to be in the audit log this hour (by "<code> <webhook>"), so a
  // flood of rejected calls costs no audit query and no write each: a later rejection is counted
  // in uncounted_. The log is append-only: a known summary stays.
  std::unordered_map<std::string, RejectionSummary> summarised_;
  Time summarised_hour_{};
  // Later rejections per summary (its audit id) not yet added to the store's tally: written by
  // flush_activity. Kept across the hour's end, as the summary is the same.
  std::unordered_map<int64_t, int64_t> uncounted_;
};

}  // namespace hookctl::server
