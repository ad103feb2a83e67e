#include "listen.hpp"

#include <arpa/inet.h>
#include <sys/un.h>

#include <charconv>

#include "hookctl/error.hpp"

namespace hookctl::server {

namespace {

bool is_ipv4(const std::string& host) {
  in_addr a{};
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr a{};
  return ::inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

[[noreturn]] void bad(std::string_view why) {
  fail(ErrorKind::usage,
       std::string("--listen: ") + std::string(why) +
           " (expected HOST:PORT such as 127.0.0.1:8089, [::1]:8089, or unix:PATH)");
}

}  // namespace

std::string ListenAddress::text() const {
  if (kind == Kind::unix_socket) return "unix:" + path;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool ListenAddress::local() const noexcept {
  if (kind == Kind::unix_socket) return true;
  return host == "::1" || host.rfind("127.", 0) == 0;
}

ListenAddress parse_listen_address(std::string_view text) {
  ListenAddress a;
  if (text.rfind("unix:", 0) == 0) {
    a.kind = ListenAddress::Kind::unix_socket;
    a.path = std::string(text.substr(5));
    if (a.path.empty()) bad("a unix socket needs a path");
    // sun_path holds the path and its terminating NUL.
    if (a.path.size() >= sizeof(sockaddr_un::sun_path)) bad("the unix socket path is too long");
    if (a.path.find('\0') != std::string::npos) bad("the unix socket path contains a NUL");
    return a;
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) bad("no port");
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    a.host = std::string(host.substr(1, host.size() - 2));
    if (!is_ipv6(a.host)) bad("not an IPv6 address inside the brackets");
  } else {
    a.host = std::string(host);
    if (!is_ipv4(a.host))
      bad(is_ipv6(a.host) ? "an IPv6 address needs brackets" : "not a numeric IP address");
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    bad("the port is not a number from 0 to 65535");
  a.port = static_cast<uint16_t>(value);
  return a;
}

}  // namespace hookctl::server
