#include "hookctl/session.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "hookctl/policy.hpp"

namespace hookctl {

Duration Session::inactivity_period() {
  if (!period_) {
    auto& q = store_.statement("SELECT value FROM policy WHERE key = 'inactivity-period'");
    period_ = q.executeStep() ? Duration{q.getColumn(0).getInt64()} : default_inactivity_period;
    q.reset();
  }
  return *period_;
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
