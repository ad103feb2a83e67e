#include "output.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <exception>
#include <iostream>

#include "hookctl/error.hpp"
#include "hookctl/text.hpp"

namespace hookctl::cli {

Json time_json(const std::optional<Time>& t) {
  if (!t) return nullptr;
  return format_rfc3339(*t);
}

namespace {
Json text_json(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return *s;
}
}  // namespace

Json to_json(const Account& a) {
  return Json{
      {"name", a.name},
      {"kind", to_string(a.kind)},
      {"email", text_json(a.email)},
      {"status", a.active ? "active" : "inactive"},
      {"created_at", format_rfc3339(a.created_at)},
      {"last_activity_at", format_rfc3339(a.last_activity_at)},
      {"last_activity_source", a.last_activity_source},
      {"inactive_at", format_rfc3339(a.inactive_at)},
      {"has_password", a.has_password},
      {"tokens", a.tokens},
  };
}

Json to_json(const Token& t) {
  return Json{
      {"id", t.id},
      {"kind", to_string(t.kind)},
      {"owner", t.owner},
      {"name", text_json(t.name)},
      {"status", to_string(t.status)},
      {"created_at", format_rfc3339(t.created_at)},
      {"last_used_at", time_json(t.last_used_at)},
      {"expires_at", time_json(t.expires_at)},
      {"revoked_at", time_json(t.revoked_at)},
      {"previous_secret_valid_until", time_json(t.previous_secret_valid_until)},
      {"webhooks", t.webhooks},
  };
}

Json to_json(const Webhook& w) {
  return Json{
      {"name", w.name},
      {"auth", to_string(w.auth)},
      {"description", text_json(w.description)},
      {"token", text_json(w.token)},
      {"token_kind", w.token_kind ? Json(to_string(*w.token_kind)) : Json()},
      {"owner", text_json(w.owner)},
      {"status", w.broken ? "broken" : "ok"},
      {"breaks_at", time_json(w.breaks_at)},
      {"created_at", format_rfc3339(w.created_at)},
  };
}

Json to_json(const AuditEvent& e) {
  return Json{{"at", format_rfc3339(e.at)},
              {"actor", e.actor},
              {"action", e.action},
              {"subject", e.subject},
              {"details", e.details}};
}

Json to_json(const Problem& p) {
  return Json{
      {"kind", p.kind}, {"subject", p.subject}, {"message", p.message}, {"at", time_json(p.at)}};
}

void print_json(const Json& doc) {
  std::cout << doc.dump(2, ' ', false, Json::error_handler_t::replace) << '\n' << std::flush;
}

namespace {

// Writes JSON values the way nlohmann::json::dump() does (compact, no ensure_ascii, invalid
// UTF-8 replaced by U+FFFD), so that append_json(x) == to_json(x).dump() byte for byte.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  Writer& key(std::string_view k) {  // keys are plain ASCII literals
    out_ += first_ ? "{\"" : ",\"";
    first_ = false;
    out_ += k;
    out_ += "\":";
    return *this;
  }
  void end() { out_ += first_ ? "{}" : "}"; }

  void str(std::string_view s) {
    // The common case: printable ASCII without quotes or backslashes needs no escaping. Anything
    // else (control characters, UTF-8, invalid bytes) goes through nlohmann's own serializer.
    for (char c : s) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
        out_ += Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
        return;
      }
    }
    out_ += '"';
    out_ += s;
    out_ += '"';
  }
  void opt_str(const std::optional<std::string>& s) {
    if (s)
      str(*s);
    else
      null();
  }
  void time(Time t) {
    out_ += '"';
    out_ += Rfc3339Text(t).view();
    out_ += '"';
  }
  void opt_time(const std::optional<Time>& t) {
    if (t)
      time(*t);
    else
      null();
  }
  void boolean(bool b) { out_ += b ? "true" : "false"; }
  void integer(int64_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;
    out_.append(buf, end);
  }
  void null() { out_ += "null"; }
  void strings(const std::vector<std::string>& list) {
    out_ += '[';
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out_ += ',';
      str(list[i]);
    }
    out_ += ']';
  }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace

void append_json(std::string& out, const Account& a) {
  Writer w(out);
  w.key("name").str(a.name);
  w.key("kind").str(to_string(a.kind));
  w.key("email").opt_str(a.email);
  w.key("status").str(a.active ? "active" : "inactive");
  w.key("created_at").time(a.created_at);
  w.key("last_activity_at").time(a.last_activity_at);
  w.key("last_activity_source").str(a.last_activity_source);
  w.key("inactive_at").time(a.inactive_at);
  w.key("has_password").boolean(a.has_password);
  w.key("tokens").integer(a.tokens);
  w.end();
}

void append_json(std::string& out, const Token& t) {
  Writer w(out);
  w.key("id").str(t.id);
  w.key("kind").str(to_string(t.kind));
  w.key("owner").str(t.owner);
  w.key("name").opt_str(t.name);
  w.key("status").str(to_string(t.status));
  w.key("created_at").time(t.created_at);
  w.key("last_used_at").opt_time(t.last_used_at);
  w.key("expires_at").opt_time(t.expires_at);
  w.key("revoked_at").opt_time(t.revoked_at);
  w.key("previous_secret_valid_until").opt_time(t.previous_secret_valid_until);
  w.key("webhooks").strings(t.webhooks);
  w.end();
}

void append_json(std::string& out, const Webhook& wh) {
  Writer w(out);
  w.key("name").str(wh.name);
  w.key("auth").str(to_string(wh.auth));
  w.key("description").opt_str(wh.description);
  w.key("token").opt_str(wh.token);
  if (wh.token_kind)
    w.key("token_kind").str(to_string(*wh.token_kind));
  else
    w.key("token_kind").null();
  w.key("owner").opt_str(wh.owner);
  w.key("status").str(wh.broken ? "broken" : "ok");
  w.key("breaks_at").opt_time(wh.breaks_at);
  w.key("created_at").time(wh.created_at);
  w.end();
}

void append_json(std::string& out, const AuditEvent& e) {
  Writer w(out);
  w.key("at").time(e.at);
  w.key("actor").str(e.actor);
  w.key("action").str(e.action);
  w.key("subject").str(e.subject);
  w.key("details").str(e.details);
  w.end();
}

void append_json(std::string& out, const Problem& p) {
  Writer w(out);
  w.key("kind").str(p.kind);
  w.key("subject").str(p.subject);
  w.key("message").str(p.message);
  w.key("at").opt_time(p.at);
  w.end();
}

JsonArray::JsonArray() : exceptions_at_start_(std::uncaught_exceptions()) {}

JsonArray::~JsonArray() {
  // A listing that failed before its first element prints nothing, so stdout holds no JSON
  // beside the error; one that failed midway is still closed, and the exit code tells.
  bool failing = std::uncaught_exceptions() > exceptions_at_start_;
  if (!(first_ && failing)) buffer_ += first_ ? "[]\n" : "\n]\n";
  flush();
  std::cout << std::flush;
}

void JsonArray::flush() {
  std::cout.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
}

void JsonArray::add(const Json& element) {
  add_with([&] { buffer_ += element.dump(-1, ' ', false, Json::error_handler_t::replace); });
}

std::string paint(const Context& ctx, std::string_view text, Tone tone) {
  if (tone == Tone::plain || !ctx.color()) return std::string(text);
  const char* code = tone == Tone::good   ? "32"
                     : tone == Tone::warn ? "33"
                     : tone == Tone::bad  ? "31"
                                          : "2";
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

Tone tone_of_status(std::string_view status) {
  if (status == "active" || status == "ok") return Tone::good;
  if (status == "revoked") return Tone::dim;
  if (status == "inactive" || status == "broken" || status == "owner-inactive" ||
      status == "expired")
    return Tone::bad;
  return Tone::plain;
}

namespace {
size_t visible_width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b') {
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++w;
  }
  return w;
}
}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

void Table::print(const Context& ctx) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) widths[c] = headers_[c].size();
  for (const auto& row : rows_)
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], visible_width(row[c]));
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string cell = header ? paint(ctx, cells[c], Tone::dim) : cells[c];
      out += cell;
      if (c + 1 < cells.size()) out += std::string(widths[c] - visible_width(cells[c]) + 2, ' ');
    }
    std::cout << out << '\n';
  };
  line(headers_, true);
  for (const auto& row : rows_) line(row, false);
  std::cout << std::flush;
}

void print_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t w = 0;
  for (const auto& [k, v] : fields) w = std::max(w, k.size());
  for (const auto& [k, v] : fields) std::cout << fmt::format("{:<{}}  {}\n", k + ":", w + 1, v);
  std::cout << std::flush;
}

void say(std::string_view text) { std::cout << text << '\n' << std::flush; }
void say_stderr(std::string_view text) { std::cerr << text << '\n' << std::flush; }

std::string show_time(const Context& ctx, const std::optional<Time>& t, Time now, bool relative) {
  (void)ctx;
  if (!t) return "-";
  std::string s = format_rfc3339(*t);
  if (relative) s += " (" + format_relative(*t, now) + ")";
  return s;
}

std::string or_dash(const std::optional<std::string>& s) {
  return s ? terminal_safe(*s) : std::string("-");
}

void require_stdout_written(std::string_view what, std::string_view consequence) {
  errno = 0;
  std::cout.flush();
  if (std::cout) return;
  const int err = errno;
  std::cout.clear();
  fail(ErrorKind::output,
       fmt::format("cannot write {} to standard output{}{}", what,
                   err != 0 ? fmt::format(" ({})", std::strerror(err)) : std::string(),
                   consequence));
}

void print_issued(Context& ctx, const IssuedCredential& issued, Json doc,
                  const std::string& message) {
  constexpr std::string_view lost = "; nothing was changed, so no secret was issued or replaced";
  if (ctx.json) {
    // The secret passes through one std::string for the JSON dump; both are wiped after use.
    std::string secret(issued.secret.view());
    doc["secret"] = std::move(secret);
    std::string text = doc.dump(2, ' ', false, Json::error_handler_t::replace);
    std::cout << text << '\n';
    auto& s = doc["secret"].get_ref<std::string&>();
    sodium_memzero(s.data(), s.size());
    sodium_memzero(text.data(), text.size());
    require_stdout_written("the new secret", lost);
    return;
  }
  std::cout.write(issued.secret.data(), static_cast<std::streamsize>(issued.secret.size()));
  std::cout << '\n';
  require_stdout_written("the new secret", lost);
  say_stderr(message);
}

}  // namespace hookctl::cli
