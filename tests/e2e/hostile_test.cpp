// Hostile input, data-driven: every case of tests/hostile/*.txt runs the real binary against a
// populated store (or none) and must end with the documented exit code, exactly one printable
// line on stderr (plain, and the JSON error envelope with --json), nothing on stdout, and the
// store's logical content unchanged. The corpus format is described in tests/hostile/README.
#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "harness.hpp"

using e2e::Result;
using e2e::Sandbox;
using e2e::starts_with;

namespace {

namespace fs = std::filesystem;

const char* const setup_time = "2026-02-01T00:00:00Z";
const char* const leaver_time = "2025-12-01T00:00:00Z";
const char* const run_time = "2026-03-15T00:00:00Z";  // leaver inactive, everyone else active

// For messages: control and 8-bit bytes escaped, long values cut.
std::string show(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 160; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 160) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

// One printable line: no control byte (ESC, CR, a second newline...) and no raw 8-bit byte, so a
// hostile value cannot forge log lines or terminal escapes on the administrator's screen.
bool one_printable_line(const std::string& s) {
  if (s.size() < 2 || s.back() != '\n') return false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string exit_name(int code) {
  switch (code) {
    case 2:
      return "usage";
    case 3:
      return "not_found";
    case 4:
      return "conflict";
    case 5:
      return "unauthorized";
    case 6:
      return "store";
    case 7:
      return "forbidden";
    default:
      return "code " + std::to_string(code);
  }
}

// ---------------------------------------------------------------------------------------------
// The store every "populated" case runs against, and the variables the corpus may name.

struct Fixture {
  Sandbox sandbox;
  std::map<std::string, std::string> vars;

  Fixture() {
    Sandbox& s = sandbox;
    s.at(leaver_time);
    s.user("leaver");
    std::string leaver_token = s.token("leaver");
    s.at(setup_time);
    Result alice =
        s.run({"user", "create", "alice", "--email", "alice@example.com", "--password-stdin"},
              "correct horse battery staple\n");
    INFO(alice.err);
    REQUIRE(alice.code == 0);
    s.user("svc", {"--service"});
    s.webhook("orders", "svc");
    std::string api = s.token("svc");
    Result bind = s.run({"webhook", "bind", "orders", "--token", e2e::token_id(api)});
    INFO(bind.err);
    REQUIRE(bind.code == 0);
    std::string legacy = s.webhook("legacy", "svc", "basic");
    std::string billing = s.webhook("billing", "alice");
    std::string revoked = s.token("svc");
    Result revoke = s.run({"token", "revoke", e2e::token_id(revoked), "--yes"});
    INFO(revoke.err);
    REQUIRE(revoke.code == 0);
    // The corpus tries many wrong passwords on alice; locking her out would change what later
    // cases meet (lockout has its own tests).
    Result lockout = s.run({"policy", "set", "lockout-threshold", "1000", "--yes"});
    INFO(lockout.err);
    REQUIRE(lockout.code == 0);
    Sandbox other;  // a well-formed token this store has never seen
    other.user("svc", {"--service"});
    std::string foreign = other.token("svc");
    s.at(run_time);

    auto add = [&](const std::string& name, const std::string& secret) {
      vars[name] = secret;
      vars[name + "_id"] = e2e::token_id(secret);
    };
    add("api", api);
    add("legacy", legacy);
    add("billing", billing);
    add("revoked", revoked);
    add("foreign", foreign);
    add("leaver", leaver_token);
    // Damaged copies of the bound integration token.
    std::string t = api;
    auto flip = [](char c) { return c == 'a' ? 'b' : 'a'; };
    vars["api_trunc"] = t.substr(0, t.size() - 1);
    vars["api_half"] = t.substr(0, t.size() / 2);
    vars["api_extra"] = t + "a";
    vars["api_badsum"] = t.substr(0, t.size() - 1) + flip(t.back());
    std::string bad_id = t;
    bad_id[5] = flip(bad_id[5]);
    vars["api_badid"] = bad_id;
    std::string bad_secret = t;
    bad_secret[30] = flip(bad_secret[30]);
    vars["api_badsecret"] = bad_secret;
    std::string upper = t;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    vars["api_upper"] = upper;
    vars["api_as_app"] = "hka_" + t.substr(4);
    vars["api_other_prefix"] = "ghp_" + t.substr(4);
    vars["api_no_prefix"] = t.substr(4);
    vars["api_no_sep"] = t.substr(0, 16) + t.substr(17);
    vars["api_dash_sep"] = t.substr(0, 16) + "-" + t.substr(17);
  }
};

// ---------------------------------------------------------------------------------------------
// The corpus.

struct Group {
  std::string name;
  int line = 0;
  std::string store = "populated";  // populated | none
  std::string state = "all";        // all | no-audit
  std::string stdout_kind;          // "" (nothing) | 401 (auth verify's rejection)
  bool json = true;                 // also run with --json
  std::optional<std::string> stdin_text;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> hidden;  // text stderr must not contain (secrets)
  std::string known;                // a known issue: the cases must fail until it is fixed
  struct Run {
    int line;
    int exit;
    std::vector<std::string> args;
  };
  std::vector<Run> runs;
  std::vector<std::pair<int, std::string>> values;
};

struct Corpus {
  std::string file;
  std::vector<Group> groups;
};

[[noreturn]] void corpus_error(const std::string& where, const std::string& why) {
  FAIL("corpus error at " << where << ": " << why);
  throw std::logic_error("unreachable");
}

Corpus load(const fs::path& path) {
  Corpus c;
  c.file = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::string line;
  int n = 0;
  Group* g = nullptr;
  while (std::getline(in, line)) {
    ++n;
    std::string where = c.file + ":" + std::to_string(n);
    if (line.empty() || line[0] == '#') continue;
    if (starts_with(line, "[group ") && line.back() == ']') {
      c.groups.push_back(Group{});
      g = &c.groups.back();
      g->name = line.substr(7, line.size() - 8);
      g->line = n;
      continue;
    }
    if (g == nullptr) corpus_error(where, "a line before the first [group ...]");
    auto colon = line.find(':');
    if (colon == std::string::npos) corpus_error(where, "expected 'key: value'");
    std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (key == "value") {
      g->values.emplace_back(n, value);
    } else if (key == "run") {
      std::istringstream words(value);
      Group::Run r{n, -1, {}};
      if (!(words >> r.exit)) corpus_error(where, "run: needs an exit code first");
      std::string w;
      while (words >> w) r.args.push_back(w == "''" ? std::string() : w);
      g->runs.push_back(r);
    } else if (key == "stdin") {
      g->stdin_text = value;
    } else if (key == "env") {
      auto eq = value.find('=');
      if (eq == std::string::npos) corpus_error(where, "env: NAME=VALUE");
      g->env.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (key == "store") {
      if (value != "populated" && value != "none") corpus_error(where, "store: populated|none");
      g->store = value;
    } else if (key == "state") {
      if (value != "all" && value != "no-audit") corpus_error(where, "state: all|no-audit");
      g->state = value;
    } else if (key == "stdout") {
      if (value != "401") corpus_error(where, "stdout: 401");
      g->stdout_kind = value;
    } else if (key == "json") {
      if (value != "yes" && value != "no") corpus_error(where, "json: yes|no");
      g->json = value == "yes";
    } else if (key == "known") {
      g->known = value;
    } else if (key == "hide") {
      g->hidden.push_back(value);
    } else {
      corpus_error(where, "unknown key '" + key + "'");
    }
  }
  for (const auto& group : c.groups)
    if (group.runs.empty())
      corpus_error(c.file + ":" + std::to_string(group.line), "a group without run: lines");
  return c;
}

std::string base64(const std::string& in) { return e2e::base64(in); }

// Decodes the corpus escapes (see tests/hostile/README) and $variables.
class Decoder {
 public:
  Decoder(const std::map<std::string, std::string>& vars, std::string where)
      : vars_(vars), where_(std::move(where)) {}

  std::string decode(const std::string& text) {
    size_t pos = 0;
    std::string out = decode_until(text, pos, false);
    return out;
  }

 private:
  std::string decode_until(const std::string& s, size_t& pos, bool in_braces) {
    std::string out;
    while (pos < s.size()) {
      char c = s[pos];
      if (in_braces && c == '}') {
        ++pos;
        return out;
      }
      if (c == '$') {
        ++pos;
        size_t start = pos;
        while (pos < s.size() && ((s[pos] >= 'a' && s[pos] <= 'z') || s[pos] == '_')) ++pos;
        std::string name = s.substr(start, pos - start);
        // The longest known variable name that prefixes what follows '$'.
        while (!name.empty() && vars_.count(name) == 0) {
          name.pop_back();
          --pos;
        }
        if (name.empty()) corpus_error(where_, "unknown $variable in '" + show(s) + "'");
        out += vars_.at(name);
        continue;
      }
      if (c != '\\') {
        out += c;
        ++pos;
        continue;
      }
      if (++pos >= s.size()) corpus_error(where_, "a lone backslash at the end");
      char e = s[pos++];
      switch (e) {
        case '\\':
        case '$':
        case '}':
        case '{':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 's':
          out += ' ';
          break;
        case '0':
          out += '\0';
          break;
        case 'e':
          out += '\x1b';
          break;
        case 'x': {
          if (pos + 2 > s.size()) corpus_error(where_, "\\x needs two hex digits");
          out += static_cast<char>(std::stoi(s.substr(pos, 2), nullptr, 16));
          pos += 2;
          break;
        }
        case '*': {  // \*N{text}: text N times
          size_t brace = s.find('{', pos);
          if (brace == std::string::npos) corpus_error(where_, "\\*N{...}");
          size_t count = std::stoul(s.substr(pos, brace - pos));
          pos = brace + 1;
          std::string body = decode_until(s, pos, true);
          out.reserve(out.size() + body.size() * count);
          for (size_t i = 0; i < count; ++i) out += body;
          break;
        }
        case 'b': {  // \b64{text}: base64 of text
          if (s.compare(pos, 3, "64{") != 0) corpus_error(where_, "\\b64{...}");
          pos += 3;
          out += base64(decode_until(s, pos, true));
          break;
        }
        default:
          corpus_error(where_, std::string("unknown escape \\") + e);
      }
    }
    if (in_braces) corpus_error(where_, "an unclosed {");
    return out;
  }

  const std::map<std::string, std::string>& vars_;
  std::string where_;
};

std::string substitute(const std::string& text, const std::string& value) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t at = text.find("{}", pos);
    if (at == std::string::npos) break;
    out += text.substr(pos, at - pos) + value;
    pos = at + 2;
  }
  return out + text.substr(pos);
}

// The tables a case may not change. An `auth verify` or `auth login` rejection may add an audit
// summary row (bounded: one per webhook or user, reason and hour) or count one in its tally, and
// a rejected password counts towards the account's lockout, so those compare the rest.
std::string state_of(const Sandbox& s, bool with_audit) {
  std::istringstream in(with_audit ? s.dump() : s.dump_except({"failed_logins"}));
  std::string line, out;
  bool keep = true;
  while (std::getline(in, line)) {
    if (starts_with(line, "## "))
      keep = with_audit || (line != "## audit" && line != "## rejection_tally");
    if (starts_with(line, "user_version=")) keep = true;
    if (keep) out += line + '\n';
  }
  return out;
}

long long audit_rows(const Sandbox& s) { return fs::exists(s.db) ? s.count("audit") : 0; }

struct Tally {
  size_t cases = 0;
  size_t runs = 0;
  size_t known = 0;
};

// Runs one case in one mode and returns what went wrong (nothing: it passed).
std::vector<std::string> run_case(std::unique_ptr<Fixture>& fx, const Group& g,
                                  const Group::Run& run, const std::string& value,
                                  const std::string& where, bool json) {
  Decoder d(fx->vars, where);
  std::vector<std::string> args;
  if (json) args.push_back("--json");
  for (const auto& a : run.args) {
    std::string arg = d.decode(substitute(a, value));
    if (arg.find('\0') != std::string::npos) corpus_error(where, "a NUL byte in an argument");
    args.push_back(arg);
  }
  std::string input = g.stdin_text ? d.decode(substitute(*g.stdin_text, value)) : std::string();
  std::map<std::string, std::string> env;
  for (const auto& [k, v] : g.env) {
    env[k] = d.decode(substitute(v, value));
    if (env[k].find('\0') != std::string::npos) corpus_error(where, "a NUL byte in env");
  }
  std::vector<std::string> hidden;
  for (const auto& h : g.hidden) hidden.push_back(d.decode(substitute(h, value)));

  std::optional<Sandbox> empty;
  if (g.store == "none") {
    empty.emplace();
    empty->at(run_time);
  }
  Sandbox& s = empty ? *empty : fx->sandbox;
  // Set on the sandbox (not as run_env extras), so that an empty value is passed as empty.
  std::map<std::string, std::string> saved = s.env;
  for (const auto& [k, v] : env) s.env[k] = v;

  const bool with_audit = g.state == "all";
  std::string before = state_of(s, with_audit);
  long long audit_before = audit_rows(s);
  std::vector<std::string> files_before = e2e::entries(s.dir);
  Result r = s.run(args, input);
  s.env = saved;
  std::string after = state_of(s, with_audit);
  long long audit_after = audit_rows(s);
  std::vector<std::string> files_after = e2e::entries(s.dir);

  std::vector<std::string> problems;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) problems.push_back(what);
  };
  expect(r.code == run.exit,
         "exit " + std::to_string(r.code) + ", expected " + std::to_string(run.exit));
  expect(before == after, "the store's content changed");
  expect(audit_after - audit_before <= 1, "the audit log grew by more than one row");
  expect(files_before == files_after, "files appeared or vanished next to the store");
  for (const auto& h : hidden)
    if (h.size() >= 8)  // shorter values turn up in ordinary words
      expect(!e2e::contains(r.err + r.out, h), "a secret was echoed: '" + show(h) + "'");

  if (g.stdout_kind == "401") {
    expect(r.err.empty(), "stderr is not empty");
    if (json) {
      nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
      expect(doc.is_object() && doc["status"] == 401 && doc["reason"].is_string(),
             "stdout is not the JSON verdict with status 401 and a reason");
    } else {
      expect(one_printable_line(r.out) && starts_with(r.out, "401 "),
             "stdout is not one printable line '401 <reason>'");
    }
  } else {
    expect(r.out.empty(), "stdout is not empty");
    expect(one_printable_line(r.err), "stderr is not exactly one printable line");
    if (json) {
      nlohmann::json doc = nlohmann::json::parse(r.err, nullptr, false);
      expect(doc.is_object() && doc["error"].is_object() &&
                 doc["error"]["code"] == exit_name(run.exit) && doc["error"]["message"].is_string(),
             "stderr is not the JSON error envelope with code '" + exit_name(run.exit) + "'");
    } else {
      expect(starts_with(r.err, "hookctl: "), "stderr does not start with 'hookctl: '");
    }
  }
  if (!problems.empty()) {
    std::string shown_args;
    for (const auto& a : args) shown_args += " '" + show(a) + "'";
    std::string report = "case " + where + " [" + g.name + "]" + (json ? " --json" : "") +
                         "\n  hookctl" + shown_args + "\n  stdin: '" + show(input) + "'\n  exit " +
                         std::to_string(r.code) + "\n  stdout: '" + show(r.out) + "'\n  stderr: '" +
                         show(r.err) + "'";
    for (auto& p : problems) p = report + "\n  -> " + p;
  }
  // A case that changed the store would skew the ones after it: start again from a fresh one.
  if (before != after && !empty) fx = std::make_unique<Fixture>();
  return problems;
}

// HOOKCTL_HOSTILE_SAMPLE=N runs every Nth case only (the sanitizer build: each instrumented run
// costs several times more; the whole corpus runs in the main build). On PostgreSQL the default
// is every sixteenth: the corpus tests parsing more than storage, and a case that changes the
// store costs a fresh database there. Cases still count.
size_t sample_every() {
  const char* v = std::getenv("HOOKCTL_HOSTILE_SAMPLE");
  long n = v != nullptr ? std::strtol(v, nullptr, 10) : pgtest::host() ? 16 : 1;
  return n > 1 ? static_cast<size_t>(n) : 1;
}

Tally run_corpus(const std::string& file) {
  std::signal(SIGPIPE, SIG_IGN);  // hookctl may stop reading a huge input early
  Corpus c = load(fs::path(HOOKCTL_HOSTILE_DIR) / file);
  const size_t every = sample_every();
  auto fixture = std::make_unique<Fixture>();
  Tally tally;
  for (const auto& g : c.groups) {
    std::vector<std::pair<int, std::string>> values = g.values;
    if (values.empty()) values.emplace_back(0, "");
    for (const auto& run : g.runs) {
      for (const auto& [value_line, value] : values) {
        std::string where = file + ":" + std::to_string(run.line);
        if (value_line != 0) where += "/" + std::to_string(value_line);
        if (tally.cases++ % every != 0) continue;
        std::vector<std::string> problems;
        for (bool json : {false, true}) {
          if (json && !g.json) continue;
          ++tally.runs;
          auto found = run_case(fixture, g, run, value, where, json);
          problems.insert(problems.end(), found.begin(), found.end());
        }
        if (g.known.empty()) {
          for (const auto& p : problems) FAIL_CHECK(p);
        } else {
          // A known issue: the case must still show it. Once fixed, drop the known: line.
          ++tally.known;
          if (problems.empty())
            FAIL_CHECK("case " << where << " [" << g.name
                               << "] passes now: remove 'known: " << g.known << "' from " << file);
        }
      }
    }
  }
  return tally;
}

const std::vector<std::string> corpus_files{
    "names.txt",  "durations.txt", "now.txt",       "authorization.txt",
    "tokens.txt", "import.txt",    "passwords.txt", "options.txt",
};

void run_file(const std::string& file, size_t at_least) {
  Tally t = run_corpus(file);
  WARN(file << ": " << t.cases << " cases, " << t.runs << " runs"
            << (t.known ? ", " + std::to_string(t.known) + " of them known issues" : ""));
  CHECK(t.cases >= at_least);  // a corpus that shrank by accident (a lost [group]) fails
}

}  // namespace

TEST_CASE("hostile input: the corpus files are all run", "[hostile]") {
  std::set<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(HOOKCTL_HOSTILE_DIR))
    if (e.path().extension() == ".txt") on_disk.insert(e.path().filename().string());
  CHECK(on_disk == std::set<std::string>(corpus_files.begin(), corpus_files.end()));
}

TEST_CASE("hostile input: names", "[hostile]") { run_file("names.txt", 100); }
TEST_CASE("hostile input: durations", "[hostile]") { run_file("durations.txt", 100); }
TEST_CASE("hostile input: HOOKCTL_NOW", "[hostile]") { run_file("now.txt", 50); }
TEST_CASE("hostile input: Authorization values", "[hostile]") { run_file("authorization.txt", 50); }
TEST_CASE("hostile input: token ids", "[hostile]") { run_file("tokens.txt", 30); }
TEST_CASE("hostile input: import lines", "[hostile]") { run_file("import.txt", 30); }
TEST_CASE("hostile input: passwords", "[hostile]") { run_file("passwords.txt", 20); }
TEST_CASE("hostile input: option combinations", "[hostile]") { run_file("options.txt", 40); }
