#include "output.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>

#include "hookctl/accounts.hpp"
#include "hookctl/error.hpp"
#include "hookctl/text.hpp"
#include "hookctl/webhooks.hpp"

namespace hookctl::cli {

Json time_json(const std::optional<Time>& t) {
  if (!t) return nullptr;
  return format_rfc3339(*t);
}

namespace {

// Each JSON object of the contract is described once, as its list of fields in order. Two
// writers walk the same list: JsonTree builds a Json value (for documents that commands extend),
// JsonText appends compact text (for listings of a million rows). A writer has text, opt_text,
// time, opt_time, boolean, integer and texts, each taking the key first.

template <class Fields>
void describe(Fields& f, const Account& a) {
  f.text("name", a.name);
  f.text("kind", to_string(a.kind));
  f.opt_text("email", a.email);
  f.text("status", a.active ? "active" : "inactive");
  f.time("created_at", a.created_at);
  f.time("last_activity_at", a.last_activity_at);
  f.text("last_activity_source", a.last_activity_source);
  f.time("inactive_at", a.inactive_at);
  f.boolean("has_password", a.has_password);
  f.integer("tokens", a.tokens);
  std::vector<std::string> rights;
  for (Right r : a.rights) rights.emplace_back(to_string(r));
  f.texts("rights", rights);
  f.opt_time("locked_until", a.locked_until);
}

template <class Fields>
void describe(Fields& f, const Token& t) {
  f.text("id", t.id);
  f.text("kind", to_string(t.kind));
  f.text("owner", t.owner);
  f.opt_text("name", t.name);
  f.text("status", to_string(t.status));
  f.time("created_at", t.created_at);
  f.opt_time("last_used_at", t.last_used_at);
  f.opt_time("expires_at", t.expires_at);
  f.opt_time("revoked_at", t.revoked_at);
  f.opt_time("previous_secret_valid_until", t.previous_secret_valid_until);
  f.texts("webhooks", t.webhooks);
}

template <class Fields>
void describe(Fields& f, const Webhook& w) {
  f.text("name", w.name);
  f.text("auth", to_string(w.auth));
  f.opt_text("description", w.description);
  f.opt_text("token", w.token);
  f.opt_text("token_kind",
             w.token_kind ? std::optional<std::string>(to_string(*w.token_kind)) : std::nullopt);
  f.opt_text("owner", w.owner);
  f.text("status", w.broken ? "broken" : "ok");
  const auto reason = broken_reason(w);
  f.opt_text("code", reason ? std::optional<std::string>(to_string(*reason)) : std::nullopt);
  f.opt_time("breaks_at", w.breaks_at);
  f.time("created_at", w.created_at);
  f.opt_text("previous_token", w.previous_token);
  f.opt_time("previous_token_until", w.previous_token_until);
}

template <class Fields>
void describe(Fields& f, const AuditEvent& e) {
  f.time("at", e.at);
  f.text("actor", e.actor);
  f.text("action", e.action);
  f.text("subject", e.subject);
  f.text("details", e.details);
  f.integer("repeated", e.repeated);
  f.opt_text("actor_account", e.actor_account);
  f.text("authenticated_by", e.authenticated_by);
  f.text("result", e.result);
}

// A token that keeps an account from being deleted (DeletionBlockers), as a blocker.
struct LinkedToken {
  const Token& token;
};

template <class Fields>
void describe(Fields& f, const LinkedToken& b) {
  f.text("token", b.token.id);
  f.text("kind", to_string(b.token.kind));
  f.opt_text("name", b.token.name);
  f.text("status", to_string(b.token.status));
  f.texts("webhooks", b.token.webhooks);
}

template <class Fields>
void describe(Fields& f, const Problem& p) {
  f.text("kind", to_string(p.kind));
  f.text("code", to_string(p.code));
  f.text("subject", p.subject);
  f.text("message", p.message);
  f.opt_time("at", p.at);
}

class JsonTree {
 public:
  void text(const char* key, std::string_view s) { doc_[key] = std::string(s); }
  void opt_text(const char* key, const std::optional<std::string>& s) {
    doc_[key] = s ? Json(*s) : Json();
  }
  void time(const char* key, Time t) { doc_[key] = format_rfc3339(t); }
  void opt_time(const char* key, const std::optional<Time>& t) { doc_[key] = time_json(t); }
  void boolean(const char* key, bool b) { doc_[key] = b; }
  void integer(const char* key, int64_t n) { doc_[key] = n; }
  void texts(const char* key, const std::vector<std::string>& list) { doc_[key] = list; }
  Json take() { return std::move(doc_); }

 private:
  Json doc_ = Json::object();
};

// Writes compact JSON the way nlohmann::json::dump() does (no ensure_ascii, invalid UTF-8
// replaced by U+FFFD, as every writer here dumps), so that
// append_json(x) == to_json(x).dump() byte for byte (tests/cli/output_test.cpp checks it).
class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) {}
  ~JsonText() { out_ += first_ ? "{}" : "}"; }

  void text(const char* key, std::string_view s) {
    name(key);
    str(s);
  }
  void opt_text(const char* key, const std::optional<std::string>& s) {
    name(key);
    if (s)
      str(*s);
    else
      out_ += "null";
  }
  void time(const char* key, Time t) {
    name(key);
    out_ += '"';
    out_ += Rfc3339Text(t).view();
    out_ += '"';
  }
  void opt_time(const char* key, const std::optional<Time>& t) {
    if (t)
      time(key, *t);
    else
      null(key);
  }
  void boolean(const char* key, bool b) {
    name(key);
    out_ += b ? "true" : "false";
  }
  void integer(const char* key, int64_t n) {
    name(key);
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;
    out_.append(buf, end);
  }
  void texts(const char* key, const std::vector<std::string>& list) {
    name(key);
    out_ += '[';
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out_ += ',';
      str(list[i]);
    }
    out_ += ']';
  }

 private:
  void name(const char* key) {  // keys are plain ASCII literals
    out_ += first_ ? "{\"" : ",\"";
    first_ = false;
    out_ += key;
    out_ += "\":";
  }
  void null(const char* key) {
    name(key);
    out_ += "null";
  }
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

  std::string& out_;
  bool first_ = true;
};

template <class T>
Json tree_of(const T& object) {
  JsonTree tree;
  describe(tree, object);
  return tree.take();
}

template <class T>
void text_of(std::string& out, const T& object) {
  JsonText text(out);
  describe(text, object);
}

}  // namespace

Json to_json(const Account& a) { return tree_of(a); }
Json to_json(const Token& t) { return tree_of(t); }
Json to_json(const Webhook& w) { return tree_of(w); }
Json to_json(const AuditEvent& e) { return tree_of(e); }
Json to_json(const Problem& p) { return tree_of(p); }

Json to_json(const ErrorDetails& details) {
  Json fields = Json::object();
  if (const auto* blockers = dynamic_cast<const DeletionBlockers*>(&details)) {
    Json list = Json::array();
    for (const Token& t : blockers->tokens) list.push_back(tree_of(LinkedToken{t}));
    fields["blockers"] = std::move(list);
  }
  return fields;
}

Json version_json(std::string_view version) {
  Json engines = Json::array();
  for (const EngineSupport& e : supported_engines())
    engines.push_back(
        Json{{"engine", std::string(to_string(e.engine))},
             {"schema_version", e.schema_version},
             {"library", e.library},
             {"library_version", e.library_version ? Json(*e.library_version) : Json()}});
  return Json{
      {"name", "hookctl"}, {"version", std::string(version)}, {"engines", std::move(engines)}};
}

void append_json(std::string& out, const Account& a) { text_of(out, a); }
void append_json(std::string& out, const Token& t) { text_of(out, t); }
void append_json(std::string& out, const Webhook& w) { text_of(out, w); }
void append_json(std::string& out, const AuditEvent& e) { text_of(out, e); }
void append_json(std::string& out, const Problem& p) { text_of(out, p); }

void print_json(const Json& doc) {
  std::cout << doc.dump(2, ' ', false, Json::error_handler_t::replace) << '\n' << std::flush;
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

size_t table_width(std::optional<size_t> terminal_columns, const char* columns_env) {
  if (terminal_columns) return *terminal_columns;
  if (columns_env != nullptr) {
    const std::string_view text(columns_env);
    size_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size() && n > 0) return n;
  }
  return 80;
}

TableLayout table_layout(const Context& ctx) {
  TableLayout layout;
  if (!ctx.wide) layout.width = table_width(ctx.terminal_columns(), std::getenv("COLUMNS"));
  layout.headings = !ctx.no_headers;
  layout.color = ctx.color();
  return layout;
}

namespace {

constexpr size_t column_gap = 2;

// The width of each column: its natural width (its widest cell or heading) when the line fits
// `limit`; otherwise the shrinking columns are capped at the largest width with which the line
// fits, none below its floor, and a cell left over goes to each of the leftmost capped columns.
std::vector<size_t> fit_widths(const std::vector<size_t>& natural, const std::vector<size_t>& floor,
                               const std::vector<bool>& shrinks, size_t limit) {
  std::vector<size_t> widths = natural;
  if (natural.empty()) return widths;
  size_t total = column_gap * (natural.size() - 1), fixed = total, widest = 0;
  for (size_t c = 0; c < natural.size(); ++c) {
    total += natural[c];
    if (shrinks[c])
      widest = std::max(widest, natural[c]);
    else
      fixed += natural[c];
  }
  if (total <= limit) return widths;
  const size_t room = limit > fixed ? limit - fixed : 0;
  auto capped = [&](size_t c, size_t cap) { return std::max(floor[c], std::min(natural[c], cap)); };
  auto used = [&](size_t cap) {
    size_t sum = 0;
    for (size_t c = 0; c < natural.size(); ++c)
      if (shrinks[c]) sum += capped(c, cap);
    return sum;
  };
  size_t lo = 0, hi = widest;  // used(widest) > room: the line does not fit uncapped
  while (lo < hi) {
    size_t mid = (lo + hi + 1) / 2;
    if (used(mid) <= room)
      lo = mid;
    else
      hi = mid - 1;
  }
  size_t spare = room > used(lo) ? room - used(lo) : 0;
  for (size_t c = 0; c < natural.size(); ++c) {
    if (!shrinks[c]) continue;
    widths[c] = capped(c, lo);
    if (spare > 0 && widths[c] == lo && natural[c] > lo) {
      ++widths[c];
      --spare;
    }
  }
  return widths;
}

}  // namespace

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

void Table::print(const Context& ctx) const {
  write(std::cout, table_layout(ctx));
  std::cout << std::flush;
}

void Table::write(std::ostream& out, const TableLayout& layout) const {
  const size_t n = columns_.size();
  std::vector<size_t> natural(n), floor(n);
  std::vector<bool> shrinks(n);
  for (size_t c = 0; c < n; ++c) {
    natural[c] = floor[c] = display_width(columns_[c].heading);
    shrinks[c] = columns_[c].shrinks;
  }
  for (const auto& row : rows_)
    for (size_t c = 0; c < row.size() && c < n; ++c)
      natural[c] = std::max(natural[c], display_width(row[c]));
  const std::vector<size_t> widths =
      layout.width ? fit_widths(natural, floor, shrinks, *layout.width) : natural;

  std::string line;
  auto write_line = [&](auto cell_at, size_t cells) {
    line.clear();
    for (size_t c = 0; c < cells && c < n; ++c) {
      std::string cell = cell_at(c);
      size_t width = display_width(cell);
      if (width > widths[c]) {
        cell = truncate_to_width(cell, widths[c]);
        width = display_width(cell);
      }
      line += cell;
      if (c + 1 < cells && c + 1 < n) line.append(widths[c] - width + column_gap, ' ');
    }
    line += '\n';
    out << line;
  };
  if (layout.headings)
    write_line(
        [&](size_t c) {
          const std::string& h = columns_[c].heading;
          return layout.color ? "\x1b[2m" + h + "\x1b[0m" : h;
        },
        n);
  for (const auto& row : rows_) write_line([&](size_t c) { return row[c]; }, row.size());
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

std::string table_time(const std::optional<Time>& t, Time now) {
  return t ? format_relative(*t, now) : std::string("-");
}

void say_none_found(const Context& ctx, std::string_view note) {
  if (!ctx.quiet) say_stderr(note);
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

std::string name_list(const std::vector<std::string>& names) {
  return names.empty() ? std::string("-") : fmt::format("{}", fmt::join(names, ", "));
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
