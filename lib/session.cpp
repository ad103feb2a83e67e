#include "hookctl/session.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "hookctl/names.hpp"
#include "hookctl/policy.hpp"

namespace hookctl {

void Session::note_real_time(Time real) noexcept {
  const Duration apart = real > now_ ? real - now_ : now_ - real;
  if (apart > Duration{60}) real_time_ = real;
}

Duration Session::inactivity_period() {
  if (!period_ || period_generation_ != store_.generation()) {
    period_generation_ = store_.generation();
    period_ = stored_inactivity_period(store_);
  }
  return *period_;
}

void Session::know_inactivity_period(std::optional<Duration> stored) {
  period_generation_ = store_.generation();
  period_ = stored.value_or(default_inactivity_period);
}

std::optional<RejectionSummary> Session::known_rejection_summary(std::string_view action,
                                                                 std::string_view subject,
                                                                 std::string_view reason) const {
  for (const auto& k : known_summaries_)
    if (k.reason == reason && k.action == action && names_equal(k.subject, subject)) {
      RejectionSummary known = k.summary;
      known.first = false;
      return known;
    }
  return std::nullopt;
}

void Session::note_rejection_summary(std::string_view action, std::string_view subject,
                                     std::string_view reason, const RejectionSummary& summary) {
  if (known_rejection_summary(action, subject, reason)) return;
  known_summaries_.push_back(
      {std::string(action), std::string(subject), std::string(reason), summary});
}

std::optional<unsigned> sudo_caller() {
  const char* text = std::getenv("SUDO_UID");
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  const unsigned long uid = std::strtoul(text, &end, 10);
  if (*end != '\0' || uid == static_cast<unsigned long>(::getuid())) return std::nullopt;
  return static_cast<unsigned>(uid);
}

const char* clock_override() {
  const char* v = std::getenv("HOOKCTL_NOW");
  if (v == nullptr || *v == '\0' || sudo_caller()) return nullptr;
  return v;
}

std::string invoking_actor() {
  const char* sudo_user = std::getenv("SUDO_USER");
  if ((::geteuid() == 0 || sudo_caller()) && sudo_user != nullptr && *sudo_user != '\0')
    return std::string(sudo_user);
  uid_t uid = ::geteuid();
  struct passwd pw;
  struct passwd* result = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &result) == 0 && result != nullptr)
    return std::string(result->pw_name);
  return "uid:" + std::to_string(uid);
}

}  // namespace hookctl
