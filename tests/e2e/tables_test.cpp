// Tables for people: every table fits 80 display cells by default (COLUMNS, or the terminal,
// can change that; tests/tty_test.sh covers the terminal), cells of free text that do not fit
// end with "…", columns align in display cells whatever the script, --wide shows everything,
// --no-headers drops the heading line, -q silences the notes of empty listings, and times are
// shown the same way in every table.
#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <map>
#include <sstream>

#include "harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;
using e2e::starts_with;

namespace {

const std::string ellipsis = "\xe2\x80\xa6";
const std::string key = "\xf0\x9f\x94\x91";  // U+1F511, two cells
// CJK ideographs (three bytes, two cells each).
const std::vector<std::string> ideographs = {"\xe6\x9d\xb1", "\xe4\xba\xac", "\xe9\x83\xbd",
                                             "\xe5\xba\x81", "\xe5\xa4\xa7", "\xe9\x98\xaa"};

// The cells a terminal gives `text`, counted here independently of hookctl for the characters
// these tests use: CJK, Hangul, fullwidth forms and emoji take two, combining marks none.
size_t cells(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t c = len == 1 ? b : b & (0x7F >> len);
    for (size_t k = 1; k < len && i + k < text.size(); ++k)
      c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += len;
    if (c >= 0x300 && c <= 0x36F) continue;
    const bool wide = (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
                      (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFF60) ||
                      (c >= 0x1F300 && c <= 0x1FAFF);
    n += wide ? 2 : 1;
  }
  return n;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> lines_of(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The byte index where display cell `cell` of `line` starts, or npos when a character covers it
// without starting there; the line's length when it is shorter.
size_t byte_at_cell(const std::string& line, size_t cell) {
  size_t at = 0;
  for (size_t i = 0; i < line.size();) {
    if (at == cell) return i;
    if (at > cell) return std::string::npos;
    size_t len = 1;
    while (i + len < line.size() && (static_cast<unsigned char>(line[i + len]) & 0xC0) == 0x80)
      ++len;
    at += cells(line.substr(i, len));
    i += len;
  }
  return line.size();
}

// A table read back by display cells: where each heading starts in the heading line, and the
// cell of a row under each heading (up to the next heading, trailing spaces removed).
struct Table {
  std::vector<std::string> headings;
  std::vector<size_t> starts;
  std::string heading_line;
  std::vector<std::string> rows;

  size_t column(const std::string& heading) const {
    for (size_t c = 0; c < headings.size(); ++c)
      if (headings[c] == heading) return c;
    FAIL("no column " << heading);
    return 0;
  }
  std::string cell(const std::string& row, const std::string& heading) const {
    const size_t c = column(heading);
    const size_t from = byte_at_cell(row, starts[c]);
    REQUIRE(from != std::string::npos);
    size_t to = c + 1 < starts.size() ? byte_at_cell(row, starts[c + 1]) : row.size();
    REQUIRE(to != std::string::npos);
    std::string text = row.substr(from, to - from);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
  }
  // The row whose cell under `heading` is `value`.
  std::string row_with(const std::string& heading, const std::string& value) const {
    for (const auto& row : rows)
      if (cell(row, heading) == value) return row;
    FAIL("no row with " << heading << " " << value);
    return {};
  }
};

// Reads a table printed on stdout (after `skip` lines of something else) and checks that every
// line takes at most `width` cells and that every row has a character starting, after a space,
// exactly where each heading starts: the columns align in display cells.
Table read_table(const std::string& out, const std::vector<std::string>& headings,
                 size_t width = 80, size_t skip = 0) {
  std::vector<std::string> lines = lines_of(out);
  REQUIRE(lines.size() > skip + 1);
  Table t;
  t.headings = headings;
  t.heading_line = lines[skip];
  t.rows.assign(lines.begin() + static_cast<std::ptrdiff_t>(skip) + 1, lines.end());
  INFO("table:\n" << out);
  size_t from = 0;
  for (const auto& h : headings) {
    size_t at = t.heading_line.find(h, from);
    REQUIRE(at != std::string::npos);
    t.starts.push_back(cells(t.heading_line.substr(0, at)));
    from = at + h.size();
  }
  for (size_t i = skip; i < lines.size(); ++i) {
    INFO("line: " << lines[i]);
    CHECK(cells(lines[i]) <= width);
  }
  for (const auto& row : t.rows) {
    INFO("row: " << row);
    for (size_t c = 1; c < t.starts.size(); ++c) {
      const size_t at = byte_at_cell(row, t.starts[c]);
      REQUIRE(at != std::string::npos);
      REQUIRE(at < row.size());
      CHECK(row[at] != ' ');
      CHECK(row[at - 1] == ' ');
    }
  }
  return t;
}

// A cut cell: it ends with the ellipsis, and what comes before it begins one of `full`.
void check_cut(const std::string& cell, const std::vector<std::string>& full) {
  INFO("cell: " << cell);
  REQUIRE(ends_with(cell, ellipsis));
  const std::string kept = cell.substr(0, cell.size() - ellipsis.size());
  CHECK(std::any_of(full.begin(), full.end(),
                    [&](const std::string& f) { return f != cell && starts_with(f, kept); }));
  CHECK(cells(cell) >= 5);  // no column is narrower than its heading
}
void check_cut(const std::string& cell, const std::string& full) {
  INFO("full: " << full);
  check_cut(cell, std::vector<std::string>{full});
}

size_t widest_line(const std::string& out) {
  size_t widest = 0;
  for (const auto& line : lines_of(out)) widest = std::max(widest, cells(line));
  return widest;
}

// A label of exactly 100 bytes (the most a token name may have) of emoji, CJK and ASCII.
std::string cjk_label() {
  std::string label = key + " ";
  for (size_t i = 0; label.size() + 3 <= 98; ++i) label += ideographs[i % ideographs.size()];
  while (label.size() < 100) label += 'z';
  return label;
}

// The store every test reads: on 2026-01-01 a person with a name of 64 characters gets an
// integration token with a 100-byte CJK label, then a service account tokens labelled with 100
// ASCII characters, a short label and none, a minute apart; the first token is bound to three
// webhooks with names of 64 characters and used at 00:10. The reads happen a day and two hours
// after that use.
struct Populated {
  Sandbox s;
  const std::string person = "person-" + std::string(57, 'p');
  const std::string label = cjk_label();
  const std::string ascii_label = "label-" + std::string(94, 'a');
  std::vector<std::string> hooks;
  std::string cjk_id, ascii_id, short_id, unlabelled_id;

  Populated() {
    REQUIRE(person.size() == 64);
    REQUIRE(label.size() == 100);
    s.at(e2e::t0);
    s.user(person);
    s.user("svc", {"--service"});
    s.user("empty", {"--service"});
    s.at("2026-01-01T00:01:00Z");
    const std::string secret = create_token(person, label);
    cjk_id = e2e::token_id(secret);
    s.at("2026-01-01T00:02:00Z");
    ascii_id = e2e::token_id(create_token("svc", ascii_label));
    s.at("2026-01-01T00:03:00Z");
    short_id = e2e::token_id(create_token("svc", "short"));
    s.at("2026-01-01T00:04:00Z");
    unlabelled_id = e2e::token_id(s.token("svc"));
    s.at("2026-01-01T00:05:00Z");
    for (char c : {'a', 'b', 'c'}) {
      hooks.push_back("hook-" + std::string(59, c));
      s.webhook(hooks.back(), person);
      Result bound = s.run({"webhook", "bind", hooks.back(), "--token", cjk_id});
      INFO(bound.err);
      REQUIRE(bound.code == 0);
    }
    s.at("2026-01-01T00:10:00Z");
    Result used = s.run({"auth", "verify", hooks.front()}, "Bearer " + secret);
    INFO(used.out << used.err);
    REQUIRE(used.code == 0);
    s.at("2026-01-02T02:10:00Z");
  }

  std::string create_token(const std::string& user, const std::string& name) {
    Result r = s.run({"token", "create", "--user", user, "--name", name});
    INFO(r.err);
    REQUIRE(r.code == 0);
    return r.line();
  }

  // Runs a table command, and again with --wide, which shows each of `whole` that the first run
  // cut (so some line is wider than 80 cells).
  Result run(const std::vector<std::string>& args, const std::vector<std::string>& whole) const {
    Result r = s.run(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    std::vector<std::string> wide_args = args;
    wide_args.push_back("--wide");
    Result wide = s.run(wide_args);
    REQUIRE(wide.code == 0);
    for (const auto& text : whole) {
      INFO("whole: " << text << "\nin:\n" << wide.out);
      CHECK_FALSE(contains(r.out, text));
      CHECK(contains(wide.out, text));
    }
    CHECK(widest_line(wide.out) > 80);
    return r;
  }
};

// The output without its line `index`.
std::string without_line(const std::string& out, size_t index) {
  std::string rest;
  std::vector<std::string> lines = lines_of(out);
  for (size_t i = 0; i < lines.size(); ++i)
    if (i != index) rest += lines[i] + "\n";
  return rest;
}

}  // namespace

TEST_CASE("token list fits 80 cells and cuts long labels with an ellipsis") {
  Populated st;
  const std::vector<std::string> headings{"ID",     "KIND",      "OWNER",   "LABEL",
                                          "STATUS", "LAST USED", "EXPIRES", "WEBHOOKS"};
  Result r = st.run({"token", "list"}, {st.label, st.ascii_label, st.person});
  Table t = read_table(r.out, headings);
  REQUIRE(t.rows.size() == 4);
  // Oldest first; ids, statuses and times whole and aligned after the CJK row too.
  CHECK(t.cell(t.rows[0], "ID") == st.cjk_id);
  CHECK(t.cell(t.rows[3], "ID") == st.unlabelled_id);
  for (const auto& row : t.rows) {
    CHECK(t.cell(row, "KIND") == "api");
    CHECK(t.cell(row, "STATUS") == "active");
    CHECK(t.cell(row, "EXPIRES") == "-");
  }
  const std::string cjk = t.row_with("ID", st.cjk_id);
  check_cut(t.cell(cjk, "LABEL"), st.label);
  check_cut(t.cell(cjk, "OWNER"), st.person);
  check_cut(t.cell(cjk, "WEBHOOKS"), st.hooks[0] + ", " + st.hooks[1] + ", " + st.hooks[2]);
  CHECK(t.cell(cjk, "LAST USED") == "1d 2h ago");
  check_cut(t.cell(t.row_with("ID", st.ascii_id), "LABEL"), st.ascii_label);
  CHECK(t.cell(t.row_with("ID", st.short_id), "LABEL") == "short");
  CHECK(t.cell(t.row_with("ID", st.unlabelled_id), "LABEL") == "-");
  CHECK(t.cell(t.row_with("ID", st.short_id), "OWNER") == "svc");
  CHECK(t.cell(t.row_with("ID", st.short_id), "LAST USED") == "-");

  // --wide: nothing cut, still aligned.
  Result wide = st.s.run({"token", "list", "--wide"});
  Table w = read_table(wide.out, headings, std::numeric_limits<size_t>::max());
  CHECK(w.cell(w.row_with("ID", st.cjk_id), "LABEL") == st.label);
  CHECK(w.cell(w.row_with("ID", st.ascii_id), "LABEL") == st.ascii_label);
  CHECK(w.cell(w.row_with("ID", st.cjk_id), "STATUS") == "active");
  CHECK_FALSE(contains(wide.out, ellipsis));

  // --no-headers, before or after the command words: the same lines without the heading line.
  CHECK(st.s.run({"--no-headers", "token", "list"}).out == without_line(r.out, 0));
  CHECK(st.s.run({"token", "list", "--no-headers"}).out == without_line(r.out, 0));
  CHECK(st.s.run({"token", "list", "--no-headers", "--wide"}).out == without_line(wide.out, 0));
}

TEST_CASE("COLUMNS sets the width of tables that go to a pipe") {
  Populated st;
  Result narrow = st.s.run_env({"token", "list"}, "", {{"COLUMNS", "72"}});
  REQUIRE(narrow.code == 0);
  Table t = read_table(narrow.out, {"ID", "KIND", "OWNER", "LABEL", "STATUS"}, 72);
  check_cut(t.cell(t.row_with("ID", st.cjk_id), "LABEL"), st.label);
  Result wider = st.s.run_env({"token", "list"}, "", {{"COLUMNS", "120"}});
  CHECK(widest_line(wider.out) > 80);
  CHECK(widest_line(wider.out) <= 120);
  // Not a positive whole number: the default.
  const std::string standard = st.s.run({"token", "list"}).out;
  for (const char* bad : {"0", "-40", "wide", "40x"})
    CHECK(st.s.run_env({"token", "list"}, "", {{"COLUMNS", bad}}).out == standard);
  CHECK(st.s.run_env({"token", "list", "--wide"}, "", {{"COLUMNS", "40"}}).out ==
        st.s.run({"token", "list", "--wide"}).out);
}

TEST_CASE("user list cuts long names and keeps kinds statuses and times") {
  Populated st;
  Result r = st.run({"user", "list"}, {st.person});
  Table t = read_table(r.out, {"NAME", "KIND", "STATUS", "LAST ACTIVITY", "INACTIVE AT", "TOKENS"});
  REQUIRE(t.rows.size() == 3);
  const std::string person = t.rows[1];  // by name: empty, person-..., svc
  check_cut(t.cell(person, "NAME"), st.person);
  CHECK(t.cell(person, "KIND") == "person");
  CHECK(t.cell(person, "STATUS") == "active");
  CHECK(t.cell(person, "LAST ACTIVITY") == "1d 2h ago");  // the token's use
  CHECK(t.cell(person, "INACTIVE AT") == "in 58d 22h");
  CHECK(t.cell(person, "TOKENS") == "1");  // the App tokens were revoked by the binds
  CHECK(t.cell(t.rows[2], "NAME") == "svc");
  CHECK(t.cell(t.rows[2], "TOKENS") == "3");
  CHECK(st.s.run({"user", "list", "--no-headers"}).out == without_line(r.out, 0));
}

TEST_CASE("user show lists its tokens with their labels in a table that fits") {
  Populated st;
  Result r = st.run({"user", "show", st.person}, {st.label});
  // The fields, a blank line, then the table.
  std::vector<std::string> lines = lines_of(r.out);
  size_t blank = 0;
  while (blank < lines.size() && !lines[blank].empty()) ++blank;
  REQUIRE(blank < lines.size());
  Table t = read_table(r.out, {"TOKEN", "KIND", "LABEL", "STATUS", "LAST USED", "WEBHOOKS"}, 80,
                       blank + 1);
  const std::string cjk = t.row_with("TOKEN", st.cjk_id);
  check_cut(t.cell(cjk, "LABEL"), st.label);
  check_cut(t.cell(cjk, "WEBHOOKS"), st.hooks[0] + ", " + st.hooks[1] + ", " + st.hooks[2]);
  CHECK(t.cell(cjk, "STATUS") == "active");
  CHECK(t.cell(cjk, "LAST USED") == "1d 2h ago");  // as in token list

  Result bare = st.s.run({"user", "show", st.person, "--no-headers"});
  CHECK(bare.out == without_line(r.out, blank + 1));
  Result wide = st.s.run({"user", "show", st.person, "--wide"});
  Table w = read_table(wide.out, t.headings, std::numeric_limits<size_t>::max(), blank + 1);
  CHECK(w.cell(w.row_with("TOKEN", st.cjk_id), "LABEL") == st.label);
}

TEST_CASE("webhook list cuts long names and owners but never a token id") {
  Populated st;
  Result r = st.run({"webhook", "list"}, {st.hooks[0], st.person});
  Table t = read_table(r.out, {"NAME", "AUTH", "TOKEN", "KIND", "OWNER", "STATUS", "BREAKS AT"});
  REQUIRE(t.rows.size() == 3);
  for (size_t i = 0; i < 3; ++i) {  // by name
    const std::string& row = t.rows[i];
    check_cut(t.cell(row, "NAME"), st.hooks[i]);
    check_cut(t.cell(row, "OWNER"), st.person);
    CHECK(t.cell(row, "TOKEN") == st.cjk_id);
    CHECK(t.cell(row, "AUTH") == "bearer");
    CHECK(t.cell(row, "STATUS") == "ok");
    CHECK(t.cell(row, "BREAKS AT") == "in 58d 22h");  // as user list's INACTIVE AT
  }
  CHECK(st.s.run({"webhook", "list", "--no-headers"}).out == without_line(r.out, 0));
}

TEST_CASE("audit cuts long subjects and details but keeps exact times and actions") {
  Populated st;
  Result r = st.run({"audit"}, {st.label, st.hooks[0]});
  Table t = read_table(r.out, {"AT", "ACTOR", "ACTION", "SUBJECT", "DETAILS"});
  const std::string created = t.row_with("SUBJECT", st.cjk_id);
  CHECK(t.cell(created, "AT") == "2026-01-01T00:01:00Z");
  CHECK(t.cell(created, "ACTION") == "token.create");
  check_cut(t.cell(created, "DETAILS"), "kind=api owner=" + st.person + " name=" + st.label);
  bool cut_subject = false;
  for (const auto& row : t.rows)
    if (t.cell(row, "ACTION") == "webhook.bind") {
      check_cut(t.cell(row, "SUBJECT"), st.hooks);
      cut_subject = true;
    }
  CHECK(cut_subject);
  CHECK(st.s.run({"--no-headers", "audit"}).out == without_line(r.out, 0));
}

TEST_CASE("check cuts long subjects and messages to 80 cells and --wide shows them whole") {
  Populated st;
  const std::string advice =
      "move it to a service account with 'hookctl webhook bind " + st.hooks[0] + " --token ID'";
  Result r = st.run({"check"}, {advice});
  Table t = read_table(r.out, {"KIND", "SUBJECT", "AT", "MESSAGE"});
  REQUIRE(t.rows.size() == 3);  // the three webhooks on a person's token, by name
  for (size_t i = 0; i < 3; ++i) {
    const std::string& row = t.rows[i];
    CHECK(t.cell(row, "KIND") == "personal-owner");
    CHECK(t.cell(row, "AT") == "-");
    check_cut(t.cell(row, "SUBJECT"), st.hooks[i]);
    check_cut(t.cell(row, "MESSAGE"), "webhook " + st.hooks[i] + " uses a token of person '" +
                                          st.person + "'; move it to a service account with " +
                                          "'hookctl webhook bind " + st.hooks[i] + " --token ID'");
  }
  CHECK(st.s.run({"check", "--no-headers"}).out == without_line(r.out, 0));
}

TEST_CASE("check names unused tokens with their labels, cut to 80 cells, the ids whole") {
  Populated st;
  st.s.at("2026-06-01T00:00:00Z");  // every token unused for longer than the inactivity period
  const std::string cjk = st.cjk_id + " \"" + st.label + "\"";
  const std::string ascii = st.ascii_id + " \"" + st.ascii_label + "\"";
  Result r = st.run({"check", "--kind", "token-unused"}, {cjk, ascii});
  Table t = read_table(r.out, {"KIND", "SUBJECT", "AT", "MESSAGE"});
  REQUIRE(t.rows.size() == 4);
  std::map<std::string, std::string> subject_of;  // by token id
  for (const auto& row : t.rows) {
    CHECK(t.cell(row, "KIND") == "token-unused");
    const std::string subject = t.cell(row, "SUBJECT");
    subject_of[subject.substr(0, st.cjk_id.size())] = subject;
  }
  check_cut(subject_of.at(st.cjk_id), cjk);
  check_cut(subject_of.at(st.ascii_id), ascii);
  CHECK(subject_of.at(st.short_id) == st.short_id + " \"short\"");
  CHECK(subject_of.at(st.unlabelled_id) == st.unlabelled_id);
}

TEST_CASE("quiet listings: -q silences the note of an empty listing and nothing else") {
  Populated st;
  const std::vector<std::vector<std::string>> empty_listings{
      {"user", "list", "--inactive"},
      {"token", "list", "--user", "empty"},
      {"webhook", "list", "--broken"},
      {"audit", "--subject", "nobody"},
  };
  for (const auto& args : empty_listings) {
    for (const bool exit_code : {false, true}) {
      std::vector<std::string> base = args;
      if (exit_code && args.front() != "audit") base.push_back("--exit-code");
      Result loud = st.s.run(base);
      INFO(base.front() << " " << base[1] << " -> " << loud.code << ": " << loud.err);
      CHECK(loud.code == 0);
      CHECK(loud.out.empty());
      CHECK(starts_with(loud.err, "No matching "));
      for (const char* quiet : {"-q", "--quiet"}) {
        for (const bool before : {true, false}) {
          std::vector<std::string> q = base;
          if (before)
            q.insert(q.begin(), quiet);
          else
            q.push_back(quiet);
          Result r = st.s.run(q);
          CHECK(r.code == loud.code);
          CHECK(r.out.empty());
          CHECK(r.err.empty());
        }
      }
    }
  }
  // A listing with rows prints them, and an error is still an error.
  Result listed = st.s.run({"-q", "token", "list", "--user", "svc", "--exit-code"});
  CHECK(listed.code == 1);
  CHECK(contains(listed.out, st.short_id));
  Result missing = st.s.run({"-q", "token", "list", "--user", "nobody"});
  CHECK(missing.code == 3);
  CHECK(contains(missing.err, "nobody"));
  // Not a "No matching" note: check's all-clear stays.
  Result healthy = st.s.run({"-q", "check", "--kind", "token-unused"});
  CHECK(healthy.code == 0);
  CHECK(contains(healthy.out, "No problems found."));
}
