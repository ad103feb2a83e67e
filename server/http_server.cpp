// Boost.Beast and Asio live in this file only (a Beast translation unit is slow to compile).
#include "http_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <utility>

#include "hookctl/error.hpp"
#include "hookctl/vocabulary.hpp"

namespace hookctl::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

// After a failed accept (out of file descriptors, above all), the listener waits this long
// before accepting again instead of spinning.
constexpr std::chrono::milliseconds accept_retry_delay{100};
// Bytes asked of the socket per read while waiting for a request.
constexpr size_t read_chunk = 4096;

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Closes the connection if it waits for a request; otherwise it closes after its answer.
  virtual void drain() = 0;
  // Closes the socket whatever the connection is doing: its pending operations end at once.
  virtual void abort() = 0;
  // Sends the answer to the request the connection handed to the batch.
  virtual void answer(const Response& r) = 0;
};

}  // namespace

struct HttpServer::Impl {
  Service& service;
  const Log& log;
  ServerOptions options;
  asio::io_context ioc{1};
  std::vector<asio::ip::tcp::acceptor> tcp_acceptors;
  std::vector<asio::local::stream_protocol::acceptor> unix_acceptors;
  std::vector<ListenAddress> bound;
  std::vector<std::filesystem::path> socket_files;
  std::unordered_set<ConnectionBase*> connections;
  asio::steady_timer flush_timer{ioc};
  asio::steady_timer drain_timer{ioc};
  asio::signal_set signals{ioc};
  // The check workers and the store connections they take turns with (options.check_stores);
  // destroyed (joined) before the event loop.
  std::optional<asio::thread_pool> workers;
  std::mutex stores_mutex;
  std::vector<Store*> free_stores;
  // Requests read in this turn of the event loop: decided together once the turn's reads are
  // done (Service::handle_together), on the loop or, with workers, on one of them.
  // batch_requests[i] was read on batch[i], which is answered when it is decided.
  std::vector<std::shared_ptr<ConnectionBase>> batch;
  std::vector<Request> batch_requests;
  size_t idle_workers = 0;  // touched on the event loop only
  bool draining = false;
  // The problem-line budget of the current second.
  std::chrono::steady_clock::time_point budget_second{};
  int budget_used = 0;
  uint64_t suppressed = 0;

  Impl(Service& s, const Log& l, const ServerOptions& o) : service(s), log(l), options(o) {
    if (!options.check_stores.empty()) {
      for (Store* store : options.check_stores) Service::use_store(*store);
      free_stores = options.check_stores;
      workers.emplace(options.check_stores.size());
      idle_workers = options.check_stores.size();
    }
  }

  // A store connection for one check on a worker; there are as many as workers, so one is free.
  Store& take_store() {
    std::lock_guard lock(stores_mutex);
    Store* store = free_stores.back();
    free_stores.pop_back();
    return *store;
  }
  void return_store(Store& store) {
    std::lock_guard lock(stores_mutex);
    free_stores.push_back(&store);
  }

  void bind_all();
  void bind_tcp(const ListenAddress& a);
  void bind_unix(const ListenAddress& a);
  template <class Acceptor>
  void accept(Acceptor& acceptor);
  void schedule_flush();
  void enqueue(std::shared_ptr<ConnectionBase> connection, const Request& request);
  void decide_batch();
  void flush(std::string_view when);
  void begin_drain(std::string_view why);
  void connection_added(ConnectionBase* c) {
    connections.insert(c);
    service.metrics().connection_opened();
  }
  void connection_removed(ConnectionBase* c) {
    connections.erase(c);
    service.metrics().connection_closed();
    if (draining && connections.empty()) drain_timer.cancel();
  }
  // Logs a line about one request: always with the access log; otherwise only problems, within
  // the per-second budget.
  void request_line(std::string_view level, std::string_view event, nlohmann::ordered_json fields,
                    bool problem);
  void log_response(const Response& r, std::string_view method);
};

namespace {

template <class Protocol>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Protocol>> {
 public:
  Connection(HttpServer::Impl& server, typename Protocol::socket socket)
      : server_(server), stream_(std::move(socket)) {
    server_.connection_added(this);
  }
  ~Connection() override { server_.connection_removed(this); }

  void start() { wait_for_request(); }

  void drain() override {
    if (phase_ == Phase::idle) abort();  // the pending read ends with operation_aborted
  }
  void abort() override {
    error_code ec;
    stream_.socket().close(ec);
  }

 private:
  enum class Phase { idle, reading, writing };

  void wait_for_request() {
    if (server_.draining) return close();
    phase_ = Phase::idle;
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    stream_.expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(read_chunk),
                            [self = this->shared_from_this()](error_code ec, size_t n) {
                              if (ec)
                                return self->close();  // idle timeout, peer closed, or drained
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void read_header() {
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(max_header_bytes));
    stream_.expires_after(server_.options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec == beast::error::timeout) {
      server_.service.metrics().count_http_error("timeout");
      server_.request_line("warning", "request.timeout", {{"phase", "header"}}, true);
      return close();
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      server_.service.metrics().count_http_error("header-too-large");
      server_.request_line("warning", "request.header-too-large",
                           {{"limit_bytes", max_header_bytes}}, true);
      return answer_error(http::status::request_header_fields_too_large);
    }
    // Socket errors: the peer went away, or the drain closed the socket.
    if (ec == http::error::end_of_stream ||
        (ec && ec.category() != http::make_error_code(http::error::end_of_stream).category()))
      return close();
    if (ec) {
      server_.service.metrics().count_http_error("bad-request");
      // The parser's message names the problem, never the bytes that caused it.
      server_.request_line("warning", "request.malformed", {{"problem", ec.message()}}, true);
      return answer_error(http::status::bad_request);
    }
    const auto& req = parser_->get();
    Request request;
    request.method = std::string_view(req.method_string().data(), req.method_string().size());
    request.target = std::string_view(req.target().data(), req.target().size());
    auto field = [&req](auto name) -> std::optional<std::string_view> {
      auto it = req.find(name);
      if (it == req.end()) return std::nullopt;
      return std::string_view(it->value().data(), it->value().size());
    };
    request.authorization = field(http::field::authorization);
    request.webhook_header = field("X-Hookctl-Webhook");
    request.original_uri = field("X-Original-URI");
    if (!request.original_uri) request.original_uri = field("X-Forwarded-Uri");

    // The request's views stay valid until the answer is sent: the parser is left alone.
    server_.enqueue(this->shared_from_this(), request);
  }

  void answer(const Response& r) override {
    const auto& req = parser_->get();
    server_.log_response(r,
                         std::string_view(req.method_string().data(), req.method_string().size()));
    // A body is never read: a request that announced one cannot be followed on this connection.
    const bool keep = req.keep_alive() && parser_->is_done() && !server_.draining;
    send(r, req.version(), keep, req.method() == http::verb::head);
  }

  // The answer is written as text into a buffer the connection keeps: a check's answer is a
  // status line and a few short headers, and this costs no allocation once the buffer has grown.
  // Header values are names the store validated or fixed text: they hold no CR or LF.
  void send(const Response& r, unsigned version, bool keep, bool head) {
    out_.clear();
    const auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
    out_.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ")
        .append(std::to_string(r.status))
        .append(" ")
        .append(reason.data(), reason.size())
        .append("\r\n");
    auto header = [this](std::string_view name, std::string_view value) {
      out_.append(name).append(": ").append(value).append("\r\n");
    };
    if (!r.content_type.empty()) header("Content-Type", r.content_type);
    if (!r.www_authenticate.empty()) header("WWW-Authenticate", r.www_authenticate);
    if (r.status == 200 && r.check) {
      header("X-Hookctl-User", r.user);
      header("X-Hookctl-Token", r.token);
    }
    if (!keep)
      header("Connection", "close");
    else if (version == 10)
      header("Connection", "keep-alive");
    header("Content-Length", std::to_string(r.body.size()));  // a HEAD's is the GET's
    out_.append("\r\n");
    if (!head) out_.append(r.body);
    write(keep);
  }

  void answer_error(http::status status) {
    Response r;
    r.status = static_cast<int>(status);
    send(r, 11, false, false);
  }

  void write(bool keep) {
    phase_ = Phase::writing;
    stream_.expires_after(write_timeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this(), keep](error_code ec, size_t) {
                        if (ec || !keep) return self->close();
                        self->wait_for_request();
                      });
  }

  void close() {
    error_code ec;
    stream_.socket().shutdown(Protocol::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  HttpServer::Impl& server_;
  beast::basic_stream<Protocol> stream_;
  // Room for the largest header the parser accepts, so the parser's limit is what trips.
  beast::flat_buffer buffer_{max_header_bytes + read_chunk};
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::string out_;  // the answer being written
  Phase phase_ = Phase::idle;
};

void set_nodelay(asio::ip::tcp::socket& s) {
  error_code ec;
  s.set_option(asio::ip::tcp::no_delay(true), ec);  // answers are small and awaited
}
void set_nodelay(asio::local::stream_protocol::socket&) {}

}  // namespace

void HttpServer::Impl::request_line(std::string_view level, std::string_view event,
                                    nlohmann::ordered_json fields, bool problem) {
  if (problem) {
    auto now = std::chrono::steady_clock::now();
    if (now - budget_second >= std::chrono::seconds(1)) {
      budget_second = now;
      budget_used = 0;
    }
    if (budget_used >= problem_lines_per_second) {
      ++suppressed;
      return;
    }
    ++budget_used;
    if (suppressed > 0) {
      fields["suppressed"] = suppressed;  // lines left out since the last one
      suppressed = 0;
    }
  }
  log.write(level, event, fields);
}

void HttpServer::Impl::log_response(const Response& r, std::string_view method) {
  if (!r.check) return;
  const bool problem = r.status != 200;
  if (!problem && !options.access_log) return;
  nlohmann::ordered_json f;
  f["status"] = r.status;
  switch (r.outcome) {
    case CheckOutcome::decided:
      f["code"] = r.status == 200 ? std::string_view("accepted") : to_string(r.rejection);
      break;
    case CheckOutcome::unknown_webhook:
      f["code"] = "unknown-webhook";
      break;
    case CheckOutcome::no_webhook:
      f["code"] = "no-webhook";
      break;
    case CheckOutcome::unavailable:
      f["code"] = "store-unavailable";
      f["problem"] = r.problem;
      break;
  }
  // Only what the store knows: an unknown webhook's name came from the caller and is not shown.
  f["webhook"] = r.webhook.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.webhook);
  f["user"] = r.user.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.user);
  f["token"] = r.token.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.token);
  if (options.access_log) f["method"] = method.size() <= 16 ? method : std::string_view("?");
  request_line(r.status == 503 ? "error" : "info", "check", std::move(f),
               problem && !options.access_log);
}

void HttpServer::Impl::bind_all() {
  for (const ListenAddress& a : options.listen) {
    if (a.kind == ListenAddress::Kind::tcp)
      bind_tcp(a);
    else
      bind_unix(a);
  }
}

void HttpServer::Impl::bind_tcp(const ListenAddress& a) {
  error_code ec;
  auto address = asio::ip::make_address(a.host, ec);
  if (ec) fail(ErrorKind::usage, "--listen: not a numeric IP address");
  asio::ip::tcp::endpoint endpoint(address, a.port);
  asio::ip::tcp::acceptor acceptor(ioc);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    fail(ec == asio::error::address_in_use ? ErrorKind::conflict : ErrorKind::usage,
         "cannot listen on " + a.text() + ": " + ec.message());
  ListenAddress resolved = a;
  resolved.port = acceptor.local_endpoint().port();
  bound.push_back(resolved);
  tcp_acceptors.push_back(std::move(acceptor));
}

void HttpServer::Impl::bind_unix(const ListenAddress& a) {
  namespace fs = std::filesystem;
  using local = asio::local::stream_protocol;
  std::error_code fec;
  auto status = fs::symlink_status(a.path, fec);
  if (fs::exists(status)) {
    if (!fs::is_socket(status))
      fail(ErrorKind::conflict, "cannot listen on " + a.text() +
                                    ": the file exists and is not "
                                    "a socket");
    local::socket probe(ioc);
    error_code ec;
    probe.connect(local::endpoint(a.path), ec);
    if (!ec)
      fail(ErrorKind::conflict, "cannot listen on " + a.text() + ": another server answers there");
    fs::remove(a.path, fec);  // a socket left by a server that did not exit cleanly
  }
  local::acceptor acceptor(ioc);
  error_code ec;
  acceptor.open(local{}, ec);
  // 0660: the proxy reaches the socket through the group; nobody else does.
  mode_t old_mask = ::umask(0117);
  if (!ec) acceptor.bind(local::endpoint(a.path), ec);
  ::umask(old_mask);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    fail(ec == asio::error::address_in_use ? ErrorKind::conflict : ErrorKind::usage,
         "cannot listen on " + a.text() + ": " + ec.message());
  socket_files.emplace_back(a.path);
  bound.push_back(a);
  unix_acceptors.push_back(std::move(acceptor));
}

template <class Acceptor>
void HttpServer::Impl::accept(Acceptor& acceptor) {
  using Protocol = typename Acceptor::protocol_type;
  acceptor.async_accept(ioc, [this, &acceptor](error_code ec, typename Protocol::socket socket) {
    if (draining || ec == asio::error::operation_aborted) return;
    if (ec) {
      service.metrics().count_http_error("accept-failed");
      request_line("warning", "accept.failed", {{"problem", ec.message()}}, true);
      auto retry = std::make_shared<asio::steady_timer>(ioc, accept_retry_delay);
      retry->async_wait([this, &acceptor, retry](error_code) {
        if (!draining) accept(acceptor);
      });
      return;
    }
    if (connections.size() >= options.max_connections) {
      service.metrics().connection_refused();
      error_code ignored;
      socket.close(ignored);
    } else {
      set_nodelay(socket);
      std::make_shared<Connection<Protocol>>(*this, std::move(socket))->start();
    }
    accept(acceptor);
  });
}

void HttpServer::Impl::enqueue(std::shared_ptr<ConnectionBase> connection, const Request& request) {
  // Posted behind the completions already queued: the requests that arrived in the same turn
  // join the batch before it is decided.
  if (batch.empty()) asio::post(ioc, [this] { decide_batch(); });
  batch.push_back(std::move(connection));
  batch_requests.push_back(request);
}

void HttpServer::Impl::decide_batch() {
  if (batch.empty()) return;  // a worker coming back took it first
  if (!workers) {
    // Answering only starts writes: nothing joins the batch until it is cleared, and both
    // vectors keep their capacity from batch to batch.
    std::vector<Response> responses = service.handle_together(batch_requests);
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->answer(responses[i]);
    batch.clear();
    batch_requests.clear();
    return;
  }
  // On a worker, with a store connection of its own; the answers come back to the event loop,
  // which the work guard keeps running until they do. While every worker is busy the requests
  // gather into one batch for the first worker back: under load, fewer and larger batches.
  if (idle_workers == 0) return;
  --idle_workers;
  asio::post(*workers, [this, waiting = std::exchange(batch, {}),
                        requests = std::exchange(batch_requests, {}),
                        guard = asio::make_work_guard(ioc)]() mutable {
    Store& store = take_store();
    std::vector<Response> responses;
    try {
      responses = service.handle_together(requests, store);
    } catch (...) {
      responses.assign(waiting.size(), Response{});
      for (Response& r : responses) r.status = 500;
    }
    return_store(store);
    asio::post(ioc, [this, waiting = std::move(waiting), responses = std::move(responses)] {
      for (size_t i = 0; i < waiting.size(); ++i) waiting[i]->answer(responses[i]);
      ++idle_workers;
      if (!batch.empty()) decide_batch();
    });
  });
}

void HttpServer::Impl::flush(std::string_view when) {
  const size_t pending = service.pending_uses();
  const size_t rejections = service.pending_rejections();
  if (auto problem = service.flush_activity())
    log.write("error", "activity.flush-failed",
              {{"when", when},
               {"pending_uses", pending},
               {"pending_rejections", rejections},
               {"problem", *problem}});
}

void HttpServer::Impl::schedule_flush() {
  flush_timer.expires_after(activity_flush_interval);
  flush_timer.async_wait([this](error_code ec) {
    if (ec || draining) return;
    flush("periodic");
    schedule_flush();
  });
}

void HttpServer::Impl::begin_drain(std::string_view why) {
  if (draining) return;
  draining = true;
  log.write("info", "stopping", {{"why", why}, {"open_connections", connections.size()}});
  error_code ec;
  for (auto& a : tcp_acceptors) a.close(ec);
  for (auto& a : unix_acceptors) a.close(ec);
  flush_timer.cancel();
  signals.cancel();
  // drain() may close a connection, which removes it from the set: iterate over a copy.
  std::vector<ConnectionBase*> open(connections.begin(), connections.end());
  for (ConnectionBase* c : open)
    if (connections.count(c)) c->drain();
  if (connections.empty()) return;
  drain_timer.expires_after(options.drain_timeout);
  drain_timer.async_wait([this](error_code e) {
    if (e) return;  // every connection finished
    log.write("warning", "drain.timeout", {{"open_connections", connections.size()}});
    // Closed, not abandoned: each pending operation ends with an error and its handler closes
    // the connection, so the loop runs out of work and no handler outlives the server. (Closing
    // does not destroy a connection, so the copy stays valid.)
    std::vector<ConnectionBase*> left(connections.begin(), connections.end());
    for (ConnectionBase* c : left) c->abort();
  });
}

HttpServer::HttpServer(Service& service, const Log& log, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(service, log, options)) {
  impl_->bind_all();
}

HttpServer::~HttpServer() {
  std::error_code ec;
  for (const auto& p : impl_->socket_files) std::filesystem::remove(p, ec);
}

std::vector<ListenAddress> HttpServer::addresses() const { return impl_->bound; }

bool HttpServer::run() {
  Impl& s = *impl_;
  for (auto& a : s.tcp_acceptors) s.accept(a);
  for (auto& a : s.unix_acceptors) s.accept(a);
  s.schedule_flush();
  if (s.options.handle_signals) {
    s.signals.add(SIGTERM);
    s.signals.add(SIGINT);
    s.signals.async_wait([&s](error_code ec, int signal) {
      if (!ec) s.begin_drain(signal == SIGTERM ? "SIGTERM" : "SIGINT");
    });
  }
  for (const ListenAddress& a : s.bound) {
    s.log.write("info", "listening", {{"address", a.text()}});
    if (!a.local())
      s.log.write("warning", "listening.not-local",
                  {{"address", a.text()},
                   {"message",
                    "serve speaks plain HTTP: keep it on loopback or a unix socket next to its "
                    "proxy"}});
  }
  s.ioc.run();
  if (s.workers) s.workers->join();
  const size_t pending = s.service.pending_uses();
  const size_t rejections = s.service.pending_rejections();
  auto problem = s.service.flush_activity();
  if (problem)
    s.log.write("error", "activity.flush-failed",
                {{"when", "shutdown"},
                 {"pending_uses", pending},
                 {"pending_rejections", rejections},
                 {"problem", *problem}});
  std::error_code ec;
  for (const auto& p : s.socket_files) std::filesystem::remove(p, ec);
  s.socket_files.clear();
  s.log.write(
      "info", "stopped",
      {{"flushed_uses", pending - std::min(pending, s.service.pending_uses())},
       {"flushed_rejections", rejections - std::min(rejections, s.service.pending_rejections())}});
  return !problem;
}

void HttpServer::stop() {
  asio::post(impl_->ioc, [this] { impl_->begin_drain("stop"); });
}

}  // namespace hookctl::server
