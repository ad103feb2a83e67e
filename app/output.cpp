#include "output.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <exception>
#include <iostream>

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

void print_json(const Json& doc) { std::cout << doc.dump(2) << '\n' << std::flush; }

JsonArray::JsonArray() : exceptions_at_start_(std::uncaught_exceptions()) {}

JsonArray::~JsonArray() {
  // A listing that failed before its first element prints nothing, so stdout holds no JSON
  // beside the error; one that failed midway is still closed, and the exit code tells.
  bool failing = std::uncaught_exceptions() > exceptions_at_start_;
  if (first_ && failing) return;
  std::cout << (first_ ? "[]\n" : "\n]\n") << std::flush;
}

void JsonArray::add(const Json& element) {
  std::cout << (first_ ? "[\n  " : ",\n  ") << element.dump();
  first_ = false;
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

std::string or_dash(const std::optional<std::string>& s) { return s ? *s : std::string("-"); }

void print_issued(Context& ctx, const IssuedCredential& issued, Json doc,
                  const std::string& message) {
  if (ctx.json) {
    // The secret passes through one std::string for the JSON dump; both are wiped after use.
    std::string secret(issued.secret.view());
    doc["secret"] = std::move(secret);
    std::string text = doc.dump(2);
    std::cout << text << '\n' << std::flush;
    auto& s = doc["secret"].get_ref<std::string&>();
    sodium_memzero(s.data(), s.size());
    sodium_memzero(text.data(), text.size());
    return;
  }
  std::cout.write(issued.secret.data(), static_cast<std::streamsize>(issued.secret.size()));
  std::cout << '\n' << std::flush;
  say_stderr(message);
}

}  // namespace hookctl::cli
