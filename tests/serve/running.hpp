// The serve tests' set-up: a store prepared through the real CLI (e2e::Sandbox), and a Service
// with its HttpServer running in-process on a free port, on a thread of its own.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>

#include "e2e/harness.hpp"
#include "hookctl/store.hpp"
#include "hookctl/time.hpp"
#include "http_server.hpp"
#include "service.hpp"

namespace serve_test {

inline hookctl::Time at(const std::string& rfc3339) {
  auto t = hookctl::parse_rfc3339(rfc3339);
  REQUIRE(t);
  return *t;
}

// The store of `sandbox`, opened as `hookctl serve` opens it, with a service at a fixed instant.
struct Decider {
  std::unique_ptr<hookctl::Store> store;
  hookctl::FixedClock clock;
  hookctl::server::Service service;

  Decider(const e2e::Sandbox& sandbox, const std::string& now,
          std::optional<hookctl::server::UriPattern> pattern = std::nullopt)
      : store(hookctl::open_store(
            hookctl::StoreLocation{hookctl::Engine::sqlite, sandbox.db, {}, "--db"},
            hookctl::OpenMode::read)),
        clock(at(now)),
        service(*store, clock, std::move(pattern), "serve-test") {}
};

// A Decider behind an HttpServer on 127.0.0.1:<free port>, logging to <sandbox>/serve.log.
struct Running {
  Decider decider;
  int log_fd;
  hookctl::server::Log log;
  std::unique_ptr<hookctl::server::HttpServer> http;
  std::thread thread;
  std::string address;  // "tcp:127.0.0.1:PORT"

  Running(const e2e::Sandbox& sandbox, const std::string& now,
          std::optional<hookctl::server::UriPattern> pattern = std::nullopt,
          hookctl::server::ServerOptions options = {})
      : decider(sandbox, now, std::move(pattern)),
        log_fd(::open((sandbox.dir / "serve.log").c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)),
        log(log_fd) {
    if (options.listen.empty())
      options.listen.push_back(hookctl::server::parse_listen_address("127.0.0.1:0"));
    http = std::make_unique<hookctl::server::HttpServer>(decider.service, log, options);
    const auto bound = http->addresses().front();
    address = bound.kind == hookctl::server::ListenAddress::Kind::tcp ? "tcp:" + bound.text()
                                                                      : bound.text();
    thread = std::thread([this] { flushed = http->run(); });
  }
  ~Running() { stop(); }
  // Drains and joins; idempotent.
  void stop() {
    if (!thread.joinable()) return;
    http->stop();
    thread.join();
    http.reset();
    ::close(log_fd);
  }
  bool flushed = false;
};

}  // namespace serve_test
