// Presentation: the JSON objects of the contract, human tables, colour. Results go to stdout; notes
// about what happened go to stdout too, except beside a secret, where stdout carries the secret
// alone.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
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

// Aligned columns; the cells may carry colour codes, which do not count toward widths.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add(std::vector<std::string> cells);
  bool empty() const noexcept { return rows_.empty(); }
  void print(const Context& ctx) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

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
