// The HTTP side of `hookctl serve`: listeners (TCP, IPv6, unix sockets), one event loop on one
// thread, keep-alive connections with header and idle timeouts, size limits and a connection
// cap, the periodic activity flush, and the drain on SIGTERM/SIGINT. Each request is handed to
// Service::handle; nothing here decides anything.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "listen.hpp"
#include "log.hpp"
#include "service.hpp"

namespace hookctl::server {

// A request whose header (request line and all fields) exceeds this is answered 431 and closed.
// nginx forwards the client's headers to the auth subrequest and accepts up to 4 x 8 KiB of them
// by default (large_client_header_buffers), so every request nginx accepts fits.
inline constexpr size_t max_header_bytes = 40 * 1024;
// From the first byte of a request to the end of its header. A proxy sends a header in one
// write; only a slow or hostile client needs longer.
inline constexpr std::chrono::seconds header_timeout{10};
// A keep-alive connection with no request for this long is closed. Longer than nginx's default
// upstream keepalive_timeout (60 s), so the proxy, not the server, closes an idle pooled
// connection, and never just as it sends a request on it.
inline constexpr std::chrono::seconds idle_timeout{75};
// Writing one answer (a few hundred bytes; /metrics a few KiB) to a client that does not read.
inline constexpr std::chrono::seconds write_timeout{10};
// Open connections beyond this are closed as soon as accepted. Below the usual open-files soft
// limit (1024), with room for the store and the listeners; a proxy pool needs tens.
inline constexpr size_t default_max_connections = 900;
// On SIGTERM: how long connections in the middle of a request get to finish before they are
// closed anyway (systemd's default stop timeout is 90 s). A check already on a worker thread
// still ends first: its store call cannot be interrupted.
inline constexpr std::chrono::seconds drain_timeout{10};
// Rejections, 503s and HTTP errors are logged at most this many lines per second; the rest are
// counted (in /metrics, and as "suppressed" on the next line), so a flood cannot flood journald.
inline constexpr int problem_lines_per_second = 20;

struct ServerOptions {
  std::vector<ListenAddress> listen;
  size_t max_connections = default_max_connections;
  bool access_log = false;      // a line for every check, accepted ones included
  bool handle_signals = false;  // SIGTERM/SIGINT start the drain (the command; not tests)
  // Connections to the store for the check workers: when given, each check is decided on one
  // of as many worker threads, through a connection of its own, while the event loop goes on
  // with other connections (a PostgreSQL store answers over the network, and a check waits for
  // it). Empty: every request is answered on the event loop (SQLite answers in microseconds).
  std::vector<Store*> check_stores;
  // The limits above, shortened by tests that must see them trip.
  std::chrono::milliseconds header_timeout = server::header_timeout;
  std::chrono::milliseconds idle_timeout = server::idle_timeout;
  std::chrono::milliseconds drain_timeout = server::drain_timeout;
};

class HttpServer {
 public:
  // Binds every address (a unix socket file is created 0660; a stale one is replaced).
  // Error(usage) for an address that cannot be used, Error(conflict) for one in use.
  HttpServer(Service& service, const Log& log, const ServerOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The addresses listened on, TCP ports resolved (port 0 becomes the port given by the OS).
  std::vector<ListenAddress> addresses() const;

  // Serves until stop() or a signal, then drains: stops accepting, answers the requests in
  // progress, closes idle connections, flushes the buffered activity, removes unix socket files.
  // Returns true when the final flush succeeded.
  bool run();
  // Starts the drain; callable from any thread.
  void stop();

  struct Impl;  // the Beast side, in http_server.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookctl::server
