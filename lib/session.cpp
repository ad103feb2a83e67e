#include "hookctl/session.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "hookctl/policy.hpp"

namespace hookctl {

Duration Session::inactivity_period() {
  if (!period_ || period_generation_ != store_.generation()) {
    period_generation_ = store_.generation();
    auto& q = store_.statement("SELECT value FROM policy WHERE key = 'inactivity-period'");
    period_ = q.executeStep() ? Duration{q.getColumn(0).getInt64()} : default_inactivity_period;
    q.reset();
  }
  return *period_;
}

namespace {

char fold(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool folded_equal(std::string_view folded, std::string_view s) noexcept {
  if (folded.size() != s.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (folded[i] != fold(s[i])) return false;
  return true;
}

}  // namespace

bool Session::rejection_logged(std::string_view action, std::string_view subject,
                               std::string_view reason) const noexcept {
  for (const auto& r : logged_rejections_)
    if (r.reason == reason && r.action == action && folded_equal(r.subject, subject)) return true;
  return false;
}

void Session::note_rejection_logged(std::string_view action, std::string_view subject,
                                    std::string_view reason) {
  if (rejection_logged(action, subject, reason)) return;
  std::string folded(subject);
  for (char& c : folded) c = fold(c);
  logged_rejections_.push_back({std::string(action), std::move(folded), std::string(reason)});
}

std::string invoking_actor() {
  const char* sudo_user = std::getenv("SUDO_USER");
  if (::geteuid() == 0 && sudo_user != nullptr && *sudo_user != '\0') return std::string(sudo_user);
  uid_t uid = ::geteuid();
  struct passwd pw;
  struct passwd* result = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &result) == 0 && result != nullptr)
    return std::string(result->pw_name);
  return "uid:" + std::to_string(uid);
}

}  // namespace hookctl
