// Presentation: the JSON objects of the contract, human tables, colour. Results go to stdout; notes
// about what happened go to stdout too, except beside a secret, where stdout carries the secret
// alone.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "hookctl/check.hpp"
#include "hookctl/model.hpp"
#include "hookctl/vocabulary.hpp"

namespace hookctl::cli {

using Json = nlohmann::ordered_json;

Json to_json(const Account& a);
Json to_json(const Token& t);
Json to_json(const Webhook& w);
Json to_json(const AuditEvent& e);
Json to_json(const Problem& p);
// The fields an error's details add to the JSON error object, beside code and message.
Json to_json(const ErrorDetails& details);
Json time_json(const std::optional<Time>& t);

void print_json(const Json& doc);

// `hookctl --version --json`: this build's version, and what it supports per engine.
Json version_json(std::string_view version);

// The compact JSON text of an object, exactly as to_json(x).dump() writes it, appended to `out`
// without building a Json tree: listings of a million rows spend their time here.
void append_json(std::string& out, const Account& a);
void append_json(std::string& out, const Token& t);
void append_json(std::string& out, const Webhook& w);
void append_json(std::string& out, const AuditEvent& e);
void append_json(std::string& out, const Problem& p);

// Streams a JSON array, one element per line, so million-row listings need no buffering beyond
// a fixed-size output buffer.
class JsonArray {
 public:
  JsonArray();
  ~JsonArray();
  void add(const Json& element);
  template <class T>
  void add(const T& object) {
    add_with([&] { append_json(buffer_, object); });
  }

 private:
  static constexpr size_t flush_at = 1 << 16;
  // Writes the separator, then the element; an element that throws leaves only the separator,
  // as when each element was written straight to std::cout.
  template <class F>
  void add_with(F&& write_element) {
    buffer_ += first_ ? "[\n  " : ",\n  ";
    const size_t start = buffer_.size();
    try {
      write_element();
    } catch (...) {
      buffer_.resize(start);
      throw;
    }
    first_ = false;
    if (buffer_.size() >= flush_at) flush();
  }
  void flush();
  bool first_ = true;
  int exceptions_at_start_;
  std::string buffer_;
};

enum class Tone { plain, good, warn, bad, dim };
std::string paint(const Context& ctx, std::string_view text, Tone tone);
Tone tone_of_status(std::string_view status);

// A table's column: its heading, and whether it shrinks when the table is wider than its limit.
// Free text shrinks (names, labels, descriptions, lists of names, details, addresses); ids,
// times, statuses, kinds and counts keep their width, so what identifies a row stays whole.
struct Column {
  // A column that keeps its width; the implicit conversion lets a table list its headings.
  Column(const char* heading) : heading(heading) {}  // NOLINT(google-explicit-constructor)
  Column(const char* heading, bool shrinks) : heading(heading), shrinks(shrinks) {}
  std::string heading;
  bool shrinks = false;
};
inline Column shrinking(const char* heading) { return Column(heading, true); }

// How a table is laid out: the display cells a line may take (nullopt: no limit), whether the
// heading line is printed, and whether it is dimmed with a colour code.
struct TableLayout {
  std::optional<size_t> width;
  bool headings = true;
  bool color = false;
};

// The width tables fit by default: the terminal's width when stdout is a terminal whose size is
// known, else COLUMNS when it is a whole number from 1 up (as ls(1) and watch(1) use it, also
// into a pipe), else 80.
size_t table_width(std::optional<size_t> terminal_columns, const char* columns_env);
// The layout of this invocation's tables: table_width (no limit with --wide), --no-headers,
// colour.
TableLayout table_layout(const Context& ctx);

// Aligned columns, two cells apart; widths are display cells (hookctl/text.hpp), so CJK text and
// emoji align and colour codes count for nothing. When a line would be wider than the layout's
// width, the shrinking columns give up cells, widest first, but none becomes narrower than its
// heading, and their cells that no longer fit end with "…". When even that is too wide, lines
// are longer than the limit: ids, times and statuses are never cut.
class Table {
 public:
  explicit Table(std::vector<Column> columns);
  void add(std::vector<std::string> cells);
  bool empty() const noexcept { return rows_.empty(); }
  void print(const Context& ctx) const;
  void write(std::ostream& out, const TableLayout& layout) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// A moment in a table cell, the same in every table that shows one: relative to now ("in 3d
// 4h", "2h ago", "now"; see format_relative), or "-" for none. The show commands and JSON give
// the exact time.
std::string table_time(const std::optional<Time>& t, Time now);

// The note of a listing that found nothing ("No matching tokens."): on stderr, so stdout stays
// empty; nothing with -q/--quiet.
void say_none_found(const Context& ctx, std::string_view note);

// "key: value" lines for the show commands.
void print_fields(const std::vector<std::pair<std::string, std::string>>& fields);

// A line for the administrator: stdout normally; stderr when stdout must stay clean.
void say(std::string_view text);
void say_stderr(std::string_view text);

std::string show_time(const Context& ctx, const std::optional<Time>& t, Time now,
                      bool relative = true);
// The text made terminal_safe (stored text may hold anything an older version accepted), or "-".
std::string or_dash(const std::optional<std::string>& s);
// Names joined with ", ", or "-" for none.
std::string name_list(const std::vector<std::string>& names);

// Flushes stdout; Error(output) naming `what`, the OS error and `consequence` (appended as
// given) when anything written to it since the last check could not be written.
void require_stdout_written(std::string_view what, std::string_view consequence = {});

// Prints a newly issued secret exactly once: with --json inside `doc` as "secret"; otherwise
// the secret alone on stdout and `message` on stderr (so $(hookctl token create ...) works).
// Error(output) when the secret could not be written out: called from a Deliver callback, that
// rolls the change back.
void print_issued(Context& ctx, const IssuedCredential& issued, Json doc,
                  const std::string& message);

}  // namespace hookctl::cli
