// The counters `hookctl serve` exposes on /metrics, in the Prometheus text format (version
// 0.0.4). The event loop and the check workers (on a PostgreSQL store) update them: every
// member takes one uncontended lock.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "hookctl/auth.hpp"

namespace hookctl::server {

// What a check came to, for the log and the metrics: "accepted", a rejection code of the
// library ("wrong-secret", ...), or one of the server's own outcomes below.
enum class CheckOutcome : uint8_t {
  decided,          // the library's verdict: accepted or its Rejection
  unknown_webhook,  // 401: no webhook of that name
  no_webhook,       // 401: the request named no webhook (missing header, URI not matching)
  unavailable,      // 503: the store could not answer
};

class Metrics {
 public:
  // One answered check: `rejection` is used when outcome is decided (Rejection::none: accepted).
  void count_check(CheckOutcome outcome, Rejection rejection, std::chrono::nanoseconds took);
  void count_flush(bool ok, size_t uses_written);
  void set_pending_uses(size_t n) {
    std::lock_guard lock(mutex_);
    pending_uses_ = n;
  }
  void connection_opened() {
    std::lock_guard lock(mutex_);
    ++connections_open_, ++connections_total_;
  }
  void connection_closed() {
    std::lock_guard lock(mutex_);
    --connections_open_;
  }
  void connection_refused() {
    std::lock_guard lock(mutex_);
    ++connections_refused_;
  }
  // A request answered with an HTTP error or dropped: "bad-request", "header-too-large",
  // "timeout"; or "accept-failed" (out of file descriptors, above all).
  void count_http_error(std::string_view kind);

  int64_t connections_open() const {
    std::lock_guard lock(mutex_);
    return connections_open_;
  }
  uint64_t checks(CheckOutcome outcome, Rejection rejection = Rejection::none) const;

  std::string render() const;

 private:
  // Indexes: the Rejection values (none = accepted) then the other outcomes.
  static constexpr size_t rejection_slots = static_cast<size_t>(Rejection::bad_username) + 1;
  static constexpr size_t check_slots = rejection_slots + 3;
  static size_t slot(CheckOutcome outcome, Rejection rejection) noexcept;
  mutable std::mutex mutex_;

  // Upper bounds of the latency buckets, in seconds: a check is ~20 us of work, so the
  // interesting range is tens of microseconds to the busy timeout of a locked store.
  static constexpr std::array<double, 12> bucket_bounds{
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0};
  std::array<uint64_t, check_slots> checks_{};
  std::array<uint64_t, bucket_bounds.size()> buckets_{};  // not cumulative; render() sums
  uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  uint64_t flushes_ok_ = 0, flushes_failed_ = 0, uses_written_ = 0;
  size_t pending_uses_ = 0;
  int64_t connections_open_ = 0;
  uint64_t connections_total_ = 0, connections_refused_ = 0;
  uint64_t bad_requests_ = 0, headers_too_large_ = 0, timeouts_ = 0, accept_failures_ = 0;
};

}  // namespace hookctl::server
