#include "log.hpp"

#include <unistd.h>

#include <cerrno>

#include "hookctl/time.hpp"

namespace hookctl::server {

void Log::write(std::string_view level, std::string_view event,
                const nlohmann::ordered_json& fields) const {
  nlohmann::ordered_json line;
  line["time"] = format_rfc3339(SystemClock{}.now());
  line["level"] = level;
  line["event"] = event;
  for (const auto& [key, value] : fields.items()) line[key] = value;
  // Invalid UTF-8 (never expected: fields are names, codes and store messages) is replaced,
  // not thrown: a log line must not take the server down.
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  text += '\n';
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed or full log must not stop the answers
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace hookctl::server
