// The server's log: one JSON object per line on a file descriptor (stderr under systemd, where
// journald stores each line as one entry). Callers never pass a header value or a secret.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace hookctl::server {

class Log {
 public:
  explicit Log(int fd) : fd_(fd) {}
  // Writes {"time":"<RFC 3339, real clock>","level":level,"event":event, ...fields} and a
  // newline in one write(2), so lines from one process never interleave.
  void write(std::string_view level, std::string_view event,
             const nlohmann::ordered_json& fields = nlohmann::ordered_json::object()) const;

 private:
  int fd_;
};

}  // namespace hookctl::server
