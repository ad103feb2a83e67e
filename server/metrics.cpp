#include "metrics.hpp"

#include <fmt/format.h>

#include "hookctl/vocabulary.hpp"

namespace hookctl::server {

size_t Metrics::slot(CheckOutcome outcome, Rejection rejection) noexcept {
  switch (outcome) {
    case CheckOutcome::decided:
      return static_cast<size_t>(rejection);
    case CheckOutcome::unknown_webhook:
      return rejection_slots;
    case CheckOutcome::no_webhook:
      return rejection_slots + 1;
    case CheckOutcome::unavailable:
      return rejection_slots + 2;
  }
  return rejection_slots + 2;
}

void Metrics::count_check(CheckOutcome outcome, Rejection rejection,
                          std::chrono::nanoseconds took) {
  std::lock_guard lock(mutex_);
  ++checks_[slot(outcome, rejection)];
  const double seconds = std::chrono::duration<double>(took).count();
  ++latency_count_;
  latency_sum_ += seconds;
  for (size_t i = 0; i < bucket_bounds.size(); ++i) {
    if (seconds <= bucket_bounds[i]) {
      ++buckets_[i];
      break;
    }
  }
}

void Metrics::count_flush(bool ok, size_t uses_written) {
  std::lock_guard lock(mutex_);
  if (ok) {
    ++flushes_ok_;
    uses_written_ += uses_written;
  } else {
    ++flushes_failed_;
  }
}

void Metrics::count_http_error(std::string_view kind) {
  std::lock_guard lock(mutex_);
  if (kind == "header-too-large")
    ++headers_too_large_;
  else if (kind == "timeout")
    ++timeouts_;
  else if (kind == "accept-failed")
    ++accept_failures_;
  else
    ++bad_requests_;
}

uint64_t Metrics::checks(CheckOutcome outcome, Rejection rejection) const {
  std::lock_guard lock(mutex_);
  return checks_[slot(outcome, rejection)];
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto line = [&out](std::string_view text) {
    out += text;
    out += '\n';
  };
  line("# HELP hookctl_checks_total Checks answered, by HTTP status and reason code.");
  line("# TYPE hookctl_checks_total counter");
  for (size_t i = 0; i < check_slots; ++i) {
    std::string_view code;
    int status = 401;
    if (i == 0) {
      code = "accepted";
      status = 200;
    } else if (i < rejection_slots) {
      code = to_string(static_cast<Rejection>(i));
    } else if (i == rejection_slots) {
      code = "unknown-webhook";
    } else if (i == rejection_slots + 1) {
      code = "no-webhook";
    } else {
      code = "store-unavailable";
      status = 503;
    }
    out += fmt::format("hookctl_checks_total{{status=\"{}\",code=\"{}\"}} {}\n", status, code,
                       checks_[i]);
  }
  line("# HELP hookctl_check_duration_seconds Time to decide a check, from request to answer.");
  line("# TYPE hookctl_check_duration_seconds histogram");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bucket_bounds.size(); ++i) {
    cumulative += buckets_[i];
    out += fmt::format("hookctl_check_duration_seconds_bucket{{le=\"{}\"}} {}\n", bucket_bounds[i],
                       cumulative);
  }
  out += fmt::format("hookctl_check_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", latency_count_);
  out += fmt::format("hookctl_check_duration_seconds_sum {}\n", latency_sum_);
  out += fmt::format("hookctl_check_duration_seconds_count {}\n", latency_count_);
  line("# HELP hookctl_activity_flushes_total Writes of buffered token uses to the store.");
  line("# TYPE hookctl_activity_flushes_total counter");
  out += fmt::format("hookctl_activity_flushes_total{{result=\"ok\"}} {}\n", flushes_ok_);
  out += fmt::format("hookctl_activity_flushes_total{{result=\"failed\"}} {}\n", flushes_failed_);
  line("# HELP hookctl_activity_uses_flushed_total Token uses written by successful flushes.");
  line("# TYPE hookctl_activity_uses_flushed_total counter");
  out += fmt::format("hookctl_activity_uses_flushed_total {}\n", uses_written_);
  line("# HELP hookctl_activity_pending_uses Token uses held in memory, not yet written.");
  line("# TYPE hookctl_activity_pending_uses gauge");
  out += fmt::format("hookctl_activity_pending_uses {}\n", pending_uses_);
  line("# HELP hookctl_connections_open Client connections open now.");
  line("# TYPE hookctl_connections_open gauge");
  out += fmt::format("hookctl_connections_open {}\n", connections_open_);
  line("# HELP hookctl_connections_total Client connections accepted.");
  line("# TYPE hookctl_connections_total counter");
  out += fmt::format("hookctl_connections_total {}\n", connections_total_);
  line(
      "# HELP hookctl_connections_refused_total Connections closed at once: the limit was "
      "reached.");
  line("# TYPE hookctl_connections_refused_total counter");
  out += fmt::format("hookctl_connections_refused_total {}\n", connections_refused_);
  line("# HELP hookctl_http_errors_total Requests refused or dropped before a check.");
  line("# TYPE hookctl_http_errors_total counter");
  out += fmt::format("hookctl_http_errors_total{{kind=\"bad-request\"}} {}\n", bad_requests_);
  out += fmt::format("hookctl_http_errors_total{{kind=\"header-too-large\"}} {}\n",
                     headers_too_large_);
  out += fmt::format("hookctl_http_errors_total{{kind=\"timeout\"}} {}\n", timeouts_);
  out += fmt::format("hookctl_http_errors_total{{kind=\"accept-failed\"}} {}\n", accept_failures_);
  return out;
}

}  // namespace hookctl::server
