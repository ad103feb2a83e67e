#include "service.hpp"

#include <fmt/format.h>

#include "hookctl/audit.hpp"
#include "hookctl/error.hpp"
#include "hookctl/names.hpp"
#include "hookctl/session.hpp"
#include "hookctl/vocabulary.hpp"

namespace hookctl::server {

namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes one path segment; nullopt for a malformed escape.
std::optional<std::string> decode_segment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// A realm is the webhook's name when it is one (names cannot hold a quote), else "hookctl".
std::string challenge(AuthScheme scheme, std::string_view webhook) {
  return fmt::format("{} realm=\"{}\"", scheme == AuthScheme::basic ? "Basic" : "Bearer",
                     is_valid_name(webhook) ? webhook : std::string_view("hookctl"));
}

Response unauthorized(CheckOutcome outcome, std::string_view webhook) {
  Response r;
  r.status = 401;
  r.check = true;
  r.outcome = outcome;
  r.www_authenticate = challenge(AuthScheme::bearer, webhook);
  return r;
}

}  // namespace

UriPattern UriPattern::parse(std::string_view text) {
  constexpr std::string_view placeholder = "{webhook}";
  size_t at = text.find(placeholder);
  if (text.empty() || text.front() != '/' || at == std::string_view::npos ||
      text.find(placeholder, at + 1) != std::string_view::npos)
    fail(ErrorKind::usage,
         "--webhook-from-uri: the pattern must start with '/' and contain {webhook} once, "
         "e.g. /hooks/{webhook}");
  UriPattern p;
  p.text_ = std::string(text);
  p.prefix_ = std::string(text.substr(0, at));
  p.suffix_ = std::string(text.substr(at + placeholder.size()));
  return p;
}

std::optional<std::string> UriPattern::match(std::string_view uri) const {
  std::string_view path = path_of(uri);
  if (path.substr(0, prefix_.size()) != prefix_) return std::nullopt;
  path.remove_prefix(prefix_.size());
  size_t end = path.find('/');
  std::string_view segment = path.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : path.substr(end);
  if (segment.empty()) return std::nullopt;
  if (rest.substr(0, suffix_.size()) != suffix_) return std::nullopt;
  rest.remove_prefix(suffix_.size());
  if (!rest.empty() && rest.front() != '/' && (suffix_.empty() || suffix_.back() != '/'))
    return std::nullopt;
  return decode_segment(segment);
}

Service::Service(Store& store, const Clock& clock, std::optional<UriPattern> webhook_from_uri,
                 std::string actor)
    : store_(store),
      clock_(clock),
      webhook_from_uri_(std::move(webhook_from_uri)),
      actor_(std::move(actor)) {
  store_.set_busy_timeout(store_busy_timeout);
}

Service::Route Service::route(const Request& request) const {
  Route r;
  r.path = path_of(request.target);
  constexpr std::string_view check_prefix = "/check/";
  if (r.path.substr(0, check_prefix.size()) == check_prefix) {
    r.check = true;
    std::string_view rest = r.path.substr(check_prefix.size());
    // A proxy that keeps the original path behind a prefix (Envoy ext_authz) sends
    // /check/hooks/orders: the pattern finds the webhook in the part after /check.
    if (rest.find('/') != std::string_view::npos) {
      if (webhook_from_uri_)
        r.webhook = webhook_from_uri_->match(r.path.substr(check_prefix.size() - 1));
    } else {
      r.webhook = decode_segment(rest);
    }
  } else if (r.path == "/check") {
    r.check = true;
    if (request.webhook_header)
      r.webhook = std::string(*request.webhook_header);
    else if (webhook_from_uri_ && request.original_uri)
      r.webhook = webhook_from_uri_->match(*request.original_uri);
  }
  return r;
}

Response Service::endpoint(std::string_view path, Store& store) {
  if (path == "/healthz") return text(200, "ok\n");
  if (path == "/readyz") return ready(store);
  if (path == "/metrics") {
    metrics_.set_pending_uses(pending_uses());
    Response r = text(200, metrics_.render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  return text(404,
              "not found: the endpoints are /check/<webhook>, /check, /healthz, /readyz, "
              "/metrics\n");
}

Service::Examined Service::examine(const Request& request, Store& store) {
  Route r = route(request);
  if (r.check) return check(r.webhook, request, store);
  Examined e;
  e.response = endpoint(r.path, store);
  return e;
}

Response Service::conclude(Examined e, Store& store) {
  if (e.verdict) {
    if (e.verdict->accepted) {
      note_use(*e.verdict, e.now, store);
    } else {
      Session session(store, e.now, actor_);
      summarise_rejection(session, *e.verdict);
    }
  }
  if (e.response.check)
    metrics_.count_check(e.response.outcome, e.response.rejection,
                         std::chrono::steady_clock::now() - e.started);
  return std::move(e.response);
}

std::vector<Response> Service::handle_together(const std::vector<Request>& requests, Store& store) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<Examined> examined(requests.size());
  // The checks that name a webhook, which read the store together (decide_calls answers a text
  // that is not a name as an unknown webhook, without asking the store).
  std::vector<size_t> reading;
  std::vector<std::string> webhooks;
  for (size_t i = 0; i < requests.size(); ++i) {
    Route r = route(requests[i]);
    if (r.check && r.webhook) {
      reading.push_back(i);
      webhooks.push_back(std::move(*r.webhook));
    } else {
      examined[i] = r.check ? check(r.webhook, requests[i], store)  // decided without the store
                            : Examined{endpoint(r.path, store), std::nullopt, {}, {}};
    }
  }
  if (!reading.empty()) {
    const Time now = clock_.now();
    std::vector<Call> calls;
    calls.reserve(reading.size());
    for (size_t k = 0; k < reading.size(); ++k)
      calls.push_back({webhooks[k], requests[reading[k]].authorization.value_or("")});
    try {
      Session session(store, now, actor_);
      std::vector<std::optional<Verdict>> verdicts = decide_calls(session, calls);
      for (size_t k = 0; k < reading.size(); ++k) {
        examined[reading[k]] = decided(std::move(verdicts[k]), webhooks[k], now);
        examined[reading[k]].started = started;
      }
    } catch (const std::exception&) {
      for (size_t k = 0; k < reading.size(); ++k)
        examined[reading[k]] = check(webhooks[k], requests[reading[k]], store);
    }
  }
  std::vector<Response> responses;
  responses.reserve(requests.size());
  for (Examined& e : examined) responses.push_back(conclude(std::move(e), store));
  return responses;
}

Service::Examined Service::check(const std::optional<std::string>& webhook, const Request& request,
                                 Store& store) {
  const auto started = std::chrono::steady_clock::now();
  Examined e;
  if (webhook)
    e = decide(*webhook, request.authorization.value_or(std::string_view()), store);
  else
    e.response = unauthorized(CheckOutcome::no_webhook, {});
  e.started = started;
  return e;
}

Service::Examined Service::decide(std::string_view webhook, std::string_view authorization,
                                  Store& store) {
  // Not a name: no webhook can have it, and the store is not asked.
  if (!is_valid_name(webhook)) return decided(std::nullopt, {}, {});
  const Time now = clock_.now();
  Session session(store, now, actor_);  // one check, one now; the policy is read afresh
  try {
    // decide_call reads the store with one statement (its own snapshot): no transaction
    // around it, so a check is one round trip to a PostgreSQL server.
    return decided(decide_call(session, webhook, authorization), webhook, now);
  } catch (const std::exception& ex) {
    Error error = translate_exception(ex);
    if (error.kind() == ErrorKind::not_found) return decided(std::nullopt, webhook, now);
    Examined e;
    Response& r = e.response;
    r.status = 503;
    r.check = true;
    r.outcome = CheckOutcome::unavailable;
    r.problem = error.what();
    return e;
  }
}

Service::Examined Service::decided(std::optional<Verdict> verdict, std::string_view webhook,
                                   Time now) {
  Examined e;
  e.now = now;
  if (!verdict) {
    // The realm names the webhook asked for when it is a name (see challenge).
    e.response = unauthorized(CheckOutcome::unknown_webhook, webhook);
    return e;
  }
  const Verdict& v = *verdict;
  Response& r = e.response;
  r.check = true;
  r.webhook = v.webhook;
  r.rejection = v.rejection;
  if (v.accepted) {
    r.status = 200;
    r.user = v.user.value_or("");
    r.token = v.token.value_or("");
  } else {
    r.status = 401;
    r.www_authenticate = challenge(v.webhook_auth, v.webhook);
    if (v.user) r.user = *v.user;  // for the log only: the caller holds the genuine secret
    if (v.token) r.token = *v.token;
  }
  e.verdict = std::move(verdict);
  return e;
}

void Service::note_use(const Verdict& v, Time now, Store& store) {
  // A read-only store cannot take the uses (serve warned at start): nothing is held.
  if (v.use_recent || !v.token || !store.writable()) return;
  {
    std::lock_guard lock(mutex_);
    auto [it, added] = pending_.try_emplace(*v.token, PendingUse{*v.token, v.owner_id, now});
    if (!added && it->second.at < now) it->second = PendingUse{*v.token, v.owner_id, now};
  }
  if (v.owner_inactive_at - now <= urgent_activity_margin) (void)flush_activity(store);
}

size_t Service::pending_uses() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

void Service::summarise_rejection(Session& session, const Verdict& v) {
  const Time hour = std::chrono::floor<std::chrono::hours>(session.now());
  std::string key = fmt::format("{} {}", to_string(v.rejection), v.webhook);
  for (char& c : key) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  {
    std::lock_guard lock(mutex_);
    if (hour != summarised_hour_) {
      summarised_.clear();
      summarised_hour_ = hour;
    }
    if (auto it = summarised_.find(key); it != summarised_.end()) {
      if (it->second.counts) ++uncounted_[it->second.event];
      return;
    }
  }
  // The first of its kind this hour on this server: the summary is found, or written (another
  // server may have written it first; then this rejection is a later one, and counted).
  std::optional<RejectionSummary> summary = summarise_rejected_call(session, v);
  if (!summary) return;  // best effort: the next rejection of the kind tries again
  std::lock_guard lock(mutex_);
  if (!summary->first && summary->counts) ++uncounted_[summary->event];
  if (hour == summarised_hour_) summarised_.try_emplace(key, *summary);
}

size_t Service::pending_rejections() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [event, later] : uncounted_) n += static_cast<size_t>(later);
  return n;
}

std::optional<std::string> Service::flush_activity(Store& store) {
  // The uses and counts are taken out of the buffers while they are written, so checks on other
  // threads go on adding to them; a failed write puts them back (a later use of the same token
  // wins; counts add up).
  std::unordered_map<std::string, PendingUse> taken;
  std::unordered_map<int64_t, int64_t> counted;
  {
    std::lock_guard lock(mutex_);
    taken.swap(pending_);
    counted.swap(uncounted_);
  }
  std::optional<std::string> problem;
  if (!taken.empty()) {
    std::vector<PendingUse> uses;
    uses.reserve(taken.size());
    for (auto& [token, use] : taken) uses.push_back(use);
    try {
      record_uses(store, uses);
      metrics_.count_flush(true, uses.size());
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mutex_);
        for (auto& [token, use] : taken) {
          auto [it, added] = pending_.try_emplace(token, use);
          if (!added && it->second.at < use.at) it->second = use;
        }
      }
      metrics_.count_flush(false, 0);
      problem = translate_exception(e).what();
    }
  }
  if (!counted.empty()) {
    std::vector<RejectionCount> counts;
    counts.reserve(counted.size());
    for (auto& [event, later] : counted) counts.push_back({event, later});
    try {
      add_rejection_counts(store, counts);
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mutex_);
        for (auto& [event, later] : counted) uncounted_[event] += later;
      }
      if (!problem) problem = translate_exception(e).what();
    }
  }
  return problem;
}

Response Service::ready(Store& store) {
  try {
    const int version = store.stored_schema_version();
    if (version != store.schema_version())
      return text(503, fmt::format("not ready: the store's schema is version {}, this hookctl "
                                   "uses version {}\n",
                                   version, store.schema_version()));
    auto& q = store.statement("SELECT count(*) FROM policy");
    q.step();
    q.reset();
  } catch (const std::exception& e) {
    return text(503, fmt::format("not ready: {}\n", translate_exception(e).what()));
  }
  return text(200, "ready\n");
}

}  // namespace hookctl::server
