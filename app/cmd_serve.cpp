// hookctl serve: the webhook call decision over HTTP, for a reverse proxy's auth sub-request.
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "cli.hpp"
#include "hookctl/error.hpp"
#include "http_server.hpp"

namespace hookctl::cli {

struct ServeOptions {
  std::vector<std::string> listen;
  std::optional<std::string> webhook_from_uri;
  size_t max_connections = server::default_max_connections;
  bool access_log = false;
  std::optional<size_t> store_connections;
};

// Check workers (each with its own connection) by default: one on PostgreSQL, where a batch of
// checks waits for a round trip to the server while the event loop reads the next requests
// (which gather into the next batch); none on SQLite, which answers on the event loop in
// microseconds. More workers only pay where round trips, not cores, are the limit.
constexpr size_t default_postgresql_check_connections = 1;

void run_serve(Context& ctx, const ServeOptions& o) {
  server::ServerOptions options;
  for (const auto& text : o.listen) options.listen.push_back(server::parse_listen_address(text));
  if (options.listen.empty())
    options.listen.push_back(server::parse_listen_address("127.0.0.1:8089"));
  options.max_connections = o.max_connections;
  options.access_log = o.access_log;
  options.handle_signals = true;
  std::optional<server::UriPattern> pattern;
  if (o.webhook_from_uri) pattern = server::UriPattern::parse(*o.webhook_from_uri);

  // HOOKCTL_NOW fixes every check's instant, as it fixes a command's; otherwise each check reads
  // the clock.
  std::unique_ptr<Clock> clock;
  if (clock_override() != nullptr)
    clock = std::make_unique<FixedClock>(ctx.now());
  else
    clock = std::make_unique<SystemClock>();
  Session& session = ctx.session(OpenMode::read);  // refuses a missing or foreign store (exit 6)
  Store& store = session.store();

  server::Log log(STDERR_FILENO);
  // The log is JSON lines: the clock warning every other command prints at its end is one here.
  ctx.clock_warning_logged = true;
  if (session.overridden_real_time())
    log.write("warning", "clock.overridden",
              {{"now", format_rfc3339(session.now())},
               {"message", "HOOKCTL_NOW is set: activity is recorded at that time"}});
  if (!store.writable())
    log.write(
        "warning", "store.read-only",
        {{"store", store.location()},
         {"message", "checks are answered, but accepted calls are not recorded as activity"}});
  const size_t connections = o.store_connections.value_or(
      store.engine() == Engine::postgresql ? default_postgresql_check_connections : 0);
  std::vector<std::unique_ptr<Store>> check_stores;
  for (size_t i = 0; i < connections; ++i) {
    check_stores.push_back(open_store(locate_store(ctx.db), OpenMode::read));
    options.check_stores.push_back(check_stores.back().get());
  }
  server::Service service(store, *clock, std::move(pattern), invoking_actor());
  server::HttpServer http(service, log, options);
  ctx.exit_code = http.run() ? 0 : static_cast<int>(ErrorKind::store);
}

void register_serve_command(CLI::App& app, Context& ctx) {
  auto [cmd, o] = add_command(
      app, ctx,
      {"serve",
       "Answer webhook calls over HTTP for a reverse proxy (nginx auth_request, Traefik "
       "ForwardAuth, Caddy forward_auth, Envoy ext_authz)",
       "hookctl serve --listen unix:/run/hookctl/serve.sock"},
      run_serve);
  cmd.add_option("--listen", o.listen,
                 "HOST:PORT, [IPv6]:PORT or unix:PATH; repeatable (default 127.0.0.1:8089)");
  cmd.add_option("--webhook-from-uri", o.webhook_from_uri,
                 "For /check: find the webhook in X-Original-URI / X-Forwarded-Uri, e.g. "
                 "/hooks/{webhook}");
  cmd.add_option("--max-connections", o.max_connections,
                 "Close connections beyond this many at once (default 900)")
      ->check(CLI::Range(1, 100000));
  cmd.add_option("--store-connections", o.store_connections,
                 "Decide checks on this many worker threads, each with its own store connection "
                 "(default 1 on PostgreSQL, 0 on SQLite: on the event loop)")
      ->check(CLI::Range(0, 64));
  cmd.add_flag("--access-log", o.access_log,
               "Log every check (default: rejections and errors only, rate-limited)");
}

}  // namespace hookctl::cli
