// Where `hookctl serve` listens: "HOST:PORT" (IPv4, or IPv6 in brackets) or "unix:PATH".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hookctl::server {

struct ListenAddress {
  enum class Kind { tcp, unix_socket };
  Kind kind = Kind::tcp;
  std::string host;   // tcp: a numeric IPv4 or IPv6 address (no name look-up)
  uint16_t port = 0;  // tcp: 0 picks a free port (tests)
  std::string path;   // unix_socket: the socket file

  // "127.0.0.1:8080", "[::1]:8080", "unix:/run/hookctl/serve.sock".
  std::string text() const;
  // True for loopback TCP addresses and for unix sockets: where serve belongs, beside its proxy
  // (it speaks plain HTTP).
  bool local() const noexcept;
};

// Parses an ADDR of --listen. Error(usage) naming what is wrong (never quoting the value).
ListenAddress parse_listen_address(std::string_view text);

}  // namespace hookctl::server
