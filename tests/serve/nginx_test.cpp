// Debian's real nginx in front of `hookctl serve`, configured with the snippets the package
// ships (server/dist), on loopback ports of the test's own: webhook calls with the right token
// reach the backend, others get 401 from nginx, and the checks reuse one upstream connection.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include "client.hpp"
#include "e2e/harness.hpp"
#include "server_process.hpp"

using e2e::Sandbox;
using serve_test::Connection;
using serve_test::Reply;

namespace {

const char* const nginx_bin = "/usr/sbin/nginx";
const std::string t_now = "2026-01-01T12:00:00Z";

// nginx in the foreground as the test's child, stopped (SIGQUIT: graceful) and reaped at the end.
class Nginx {
 public:
  Nginx(const std::filesystem::path& dir, const std::string& probe) : dir_(dir) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string prefix = dir.string() + "/", conf = (dir / "nginx.conf").string(),
                  err = (dir / "error.log").string();
      ::execl(nginx_bin, nginx_bin, "-p", prefix.c_str(), "-c", conf.c_str(), "-e", err.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    REQUIRE(pid_ > 0);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!Connection(probe).connected()) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("nginx exited at start: " << e2e::read_file(dir / "error.log"));
      }
      if (std::chrono::steady_clock::now() > deadline) FAIL("nginx did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~Nginx() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGQUIT);
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

uint64_t metric(const std::string& metrics, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(metrics, m, std::regex("\n" + name + " ([0-9]+)\n"))) return ~0ULL;
  return std::stoull(m[1]);
}

}  // namespace

TEST_CASE("webhook calls through nginx auth_request reach the backend with the right token only") {
  REQUIRE(std::filesystem::exists(nginx_bin));  // scripts/deps.sh installs nginx
  Sandbox s;
  s.at("2026-01-01T00:00:00Z");
  s.user("svc", {"--service"});
  const std::string secret = s.webhook("orders", "svc");
  const std::string other = s.webhook("billing", "svc");
  s.at(t_now);

  const int serve_port = serve_test::free_port(), front = serve_test::free_port(),
            backend = serve_test::free_port();
  const std::string serve_tcp = "tcp:127.0.0.1:" + std::to_string(serve_port);
  serve_test::ServerProcess serve(s, {"--listen", "127.0.0.1:" + std::to_string(serve_port),
                                      "--webhook-from-uri", "/hooks/{webhook}"});

  // The shipped snippets, the upstream's port aside.
  const std::filesystem::path dir = s.dir / "nginx";
  std::filesystem::create_directories(dir / "tmp");
  std::string upstream =
      e2e::read_file(std::filesystem::path(HOOKCTL_DIST_DIR) / "hookctl-upstream.conf");
  const std::string shipped_address = "server 127.0.0.1:8089;";
  REQUIRE(upstream.find(shipped_address) != std::string::npos);
  upstream.replace(upstream.find(shipped_address), shipped_address.size(),
                   "server 127.0.0.1:" + std::to_string(serve_port) + ";");
  e2e::write_file(dir / "hookctl-upstream.conf", upstream);
  e2e::write_file(dir / "hookctl-check.conf",
                  e2e::read_file(std::filesystem::path(HOOKCTL_DIST_DIR) / "hookctl-check.conf"));
  const std::string d = dir.string();
  std::string conf = ::geteuid() == 0 ? "user root;\n" : "";
  conf += "daemon off;\nworker_processes 1;\npid " + d + "/nginx.pid;\nerror_log " + d +
          "/error.log warn;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n"
          "  client_body_temp_path " +
          d + "/tmp/body;\n  proxy_temp_path " + d +
          "/tmp/proxy;\n"
          "  fastcgi_temp_path " +
          d + "/tmp/fastcgi;\n  uwsgi_temp_path " + d +
          "/tmp/uwsgi;\n"
          "  scgi_temp_path " +
          d +
          "/tmp/scgi;\n"
          "  include " +
          d +
          "/hookctl-upstream.conf;\n"
          "  server {\n    listen 127.0.0.1:" +
          std::to_string(backend) +
          ";\n"
          "    location / { return 200 \"backend $request_method $request_uri "
          "user=$http_x_hookctl_user\\n\"; }\n  }\n"
          "  server {\n    listen 127.0.0.1:" +
          std::to_string(front) +
          ";\n"
          "    include " +
          d +
          "/hookctl-check.conf;\n"
          "    location /hooks/ {\n      auth_request /_hookctl_check;\n"
          "      auth_request_set $hookctl_user $upstream_http_x_hookctl_user;\n"
          "      proxy_set_header X-Hookctl-User $hookctl_user;\n"
          "      proxy_pass http://127.0.0.1:" +
          std::to_string(backend) + ";\n    }\n  }\n}\n";
  e2e::write_file(dir / "nginx.conf", conf);
  const std::string front_tcp = "tcp:127.0.0.1:" + std::to_string(front);
  Nginx nginx(dir, front_tcp);

  const uint64_t connections_before =
      metric(serve_test::get(serve_tcp, "/metrics").body, "hookctl_connections_total");
  Connection client(front_tcp);
  const std::string body = "{\"event\":\"push\"}";
  for (int i = 0; i < 20; ++i) {
    client.send("POST /hooks/orders HTTP/1.1\r\nHost: receiver\r\nAuthorization: Bearer " + secret +
                "\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
    Reply r = client.read();
    INFO(e2e::read_file(dir / "error.log"));
    REQUIRE(r.status == 200);
    CHECK(r.body == "backend POST /hooks/orders user=svc\n");
  }
  Reply wrong = client.get("/hooks/orders", {"Authorization: Bearer " + other});
  CHECK(wrong.status == 401);
  CHECK(wrong.header("WWW-Authenticate") == "Bearer realm=\"orders\"");
  CHECK_FALSE(e2e::contains(wrong.body, "backend"));
  Reply none = client.get("/hooks/orders");
  CHECK(none.status == 401);
  Reply ghost = client.get("/hooks/ghost", {"Authorization: Bearer " + secret});
  CHECK(ghost.status == 401);  // an unknown webhook is 401, which nginx passes on (not 500)
  CHECK(client.get("/hooks/billing", {"Authorization: Bearer " + other}).status == 200);

  const std::string metrics = serve_test::get(serve_tcp, "/metrics").body;
  CHECK(e2e::contains(metrics, "hookctl_checks_total{status=\"200\",code=\"accepted\"} 21\n"));
  // 24 checks over the keep-alive pool: one upstream connection, plus this /metrics request's.
  CHECK(metric(metrics, "hookctl_connections_total") - connections_before <= 2);

  serve.signal(SIGTERM);
  CHECK(serve.wait() == 0);
}
