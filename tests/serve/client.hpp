// A small blocking HTTP/1.1 client for the serve tests (loopback TCP or a unix socket), written
// on plain sockets so that what is tested (Beast in the server) is not also the test's tool.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace serve_test {

struct Reply {
  int status = 0;                              // 0: no (complete) answer
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool closed = false;  // the server closed the connection after this answer (or instead)
  std::string header(const std::string& name) const;  // "" when absent
};

class Connection {
 public:
  // "tcp:127.0.0.1:PORT", "tcp:[::1]:PORT" or "unix:PATH". connected() is false on failure.
  explicit Connection(const std::string& address);
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }
  // Sends raw bytes; false when the peer is gone.
  bool send(const std::string& bytes);
  // Reads one answer (header, then Content-Length bytes of body), waiting at most timeout_ms.
  Reply read(int timeout_ms = 5000);
  // Every byte the server sends until it closes the connection (what arrived within timeout_ms
  // when it does not).
  std::string read_until_closed(int timeout_ms = 5000);
  // True when the server closes the connection within timeout_ms without sending anything.
  bool closed_by_peer(int timeout_ms);

  // A GET with the given extra header lines ("Name: value"), keep-alive, read back.
  Reply get(const std::string& target, const std::vector<std::string>& headers = {},
            int timeout_ms = 5000);

 private:
  int fd_ = -1;
  std::string pending_;  // bytes read past the previous answer
};

// One request on a fresh connection.
Reply get(const std::string& address, const std::string& target,
          const std::vector<std::string>& headers = {});

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace serve_test
