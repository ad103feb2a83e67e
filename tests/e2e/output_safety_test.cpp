// What hookctl writes out: JSON that stays valid whatever a store holds, secrets that are never
// lost to a failed write, human output that cannot carry terminal control sequences.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "harness.hpp"

using e2e::contains;
using e2e::Result;
using e2e::Sandbox;

namespace {

// A store as hookctl 0.1 could leave it: labels and descriptions with invalid UTF-8, control and
// bidi characters, and an audit event carrying them (the audit log is append-only).
void make_legacy_store(Sandbox& s) {
  s.user("svc", {"--service"});
  std::string tok = s.token("svc");
  s.webhook("orders", "svc");
  SQLite::Database d(s.db.string(), SQLite::OPEN_READWRITE);
  d.exec("UPDATE tokens SET name = 'bad' || x'ff' || 'name' || x'1b' || '[31m'");
  d.exec("UPDATE webhooks SET description = 'rlo' || x'e280ae' || 'evil' || x'0a' || 'forged'");
  d.exec(
      "INSERT INTO audit (at, actor, action, subject, details) VALUES (1767225600, 'root', "
      "'token.create', 'x', 'label=bad' || x'ff' || x'1b' || '[2J')");
  (void)tok;
}

}  // namespace

// SQLite only: plants 0.1-era rows through SQLite.
TEST_CASE("listings of a store holding invalid UTF-8 stay valid JSON", "[sqlite]") {
  Sandbox s;
  make_legacy_store(s);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"audit", "--json"},
                                               {"token", "list", "--json"},
                                               {"webhook", "list", "--json"},
                                               {"user", "show", "svc", "--json"},
                                               {"webhook", "show", "orders", "--json"},
                                               {"check", "--json"}}) {
    Result r = s.run(args);
    INFO(args[0] << " " << args[1] << ": " << r.err);
    CHECK((r.code == 0 || r.code == 1));
    CHECK_NOTHROW(r.json());
  }
  // An error report quoting such a value is valid JSON too, and the process does not abort.
  Result r = s.run({"webhook", "show", "bad\xff", "--json"});
  CHECK(r.code == 3);
  CHECK_NOTHROW(r.error_json());
}

// SQLite only: plants 0.1-era rows through SQLite.
TEST_CASE("human output escapes control and bidi characters from the store", "[sqlite]") {
  Sandbox s;
  make_legacy_store(s);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"audit"},
                                               {"audit", "--wide"},
                                               {"token", "list"},
                                               {"token", "list", "--wide"},
                                               {"webhook", "show", "orders"}}) {
    Result r = s.run(args);
    INFO(args[0] << ": " << r.out);
    CHECK(r.code == 0);
    CHECK_FALSE(contains(r.out, "\x1b"));
    CHECK_FALSE(contains(r.out, "\xe2\x80\xae"));
    CHECK_FALSE(contains(r.out, "\xff"));
  }
  CHECK(contains(s.run({"webhook", "show", "orders"}).out, "rlo\\u{202e}evil\\x0aforged"));
}

// SQLite only: plants a 0.1-era label through SQLite.
TEST_CASE("a token's label is escaped wherever a token is named by id with its label", "[sqlite]") {
  Sandbox s;
  s.at(e2e::t0);
  s.user("svc", {"--service"});
  s.user("heir", {"--service"});
  const std::string id = e2e::token_id(s.token("svc"));
  {
    SQLite::Database d(s.db.string(), SQLite::OPEN_READWRITE);
    d.exec("UPDATE tokens SET name = 'two' || x'0a' || 'lines' || x'1b' || '[31m'");
  }
  // A line break in a label does not start a line of its own in a list of one token per line.
  const std::string shown = id + " \"two\\x0alines\\x1b[31m\"";
  Result refused = s.run({"user", "delete", "svc", "--yes"});
  CHECK(refused.code == 4);
  CHECK(contains(refused.err, "\n  " + shown + "  api  webhooks: (none)\n"));
  Result dry = s.run({"user", "delete", "svc", "--transfer-to", "heir", "--dry-run"});
  CHECK(dry.code == 0);
  CHECK(contains(dry.out, "token " + shown + " (api) would be owned by heir"));
  s.at("2026-06-01T00:00:00Z");
  Result report = s.run({"check", "--wide"});
  CHECK(report.code == 0);
  CHECK(contains(report.out, shown));
  for (const std::string& out : {refused.err, dry.out, report.out}) {
    INFO(out);
    CHECK_FALSE(contains(out, "\x1b"));
  }
}

TEST_CASE("new labels and descriptions must be clean UTF-8 text") {
  Sandbox s;
  s.user("svc", {"--service"});
  const std::string before = s.dump();
  for (const char* bad : {"bad\xffname", "rlo\xe2\x80\xae", "esc\x1b[31m", "c1\xc2\x9b"}) {
    INFO(bad);
    CHECK(s.run({"token", "create", "--user", "svc", "--name", bad}).code == 2);
    CHECK(s.run({"webhook", "create", "hooky", "--owner", "svc", "--description", bad}).code == 2);
  }
  CHECK(s.dump() == before);
}

TEST_CASE("a secret that cannot be written out is not issued, and the old one keeps working") {
  Sandbox s;
  s.user("svc", {"--service"});
  std::string tok = s.token("svc");
  std::string id = e2e::token_id(tok);
  s.webhook("orders", "svc");
  REQUIRE(s.run({"webhook", "bind", "orders", "--token", id}).code == 0);
  const std::string before = s.dump();
  // Standard output closed, or a full disk (/dev/full: the write fails when it is flushed).
  e2e::ChildSetup closed;
  closed.stdout_closed = true;
  e2e::ChildSetup full;
  full.stdout_file = "/dev/full";
  for (const auto* setup : {&closed, &full})
    for (bool json : {false, true}) {
      std::vector<std::vector<std::string>> commands{
          {"token", "rotate", id},
          {"token", "create", "--user", "svc"},
          {"webhook", "create", "other", "--owner", "svc"},
          {"webhook", "bind", "orders", "--app-token", "--owner", "svc"}};
      for (auto args : commands) {
        if (json) args.push_back("--json");
        Result r = s.run_as(args, "", *setup);
        INFO(args[0] << " " << args[1] << ": " << r.err);
        CHECK(r.code == 74);
        CHECK(contains(r.err, "standard output"));
        CHECK(s.dump() == before);
      }
    }
  CHECK(s.run({"auth", "verify", "orders"}, "Bearer " + tok).code == 0);
}

TEST_CASE("a store path with control characters is shown escaped") {
  // A path is text from whoever named it (a variable, a shared script): printed raw, an escape
  // sequence in it would recolour the terminal or forge the lines after it.
  Sandbox s;
  const std::filesystem::path odd = s.dir / "red\x1b[31mdir\rforged";
  const std::string db = (odd / "store.db").string();
  Result missing = s.run({"--db", db, "user", "list"});
  CHECK(missing.code == 6);
  CHECK(contains(missing.err, "red"));
  CHECK_FALSE(contains(missing.err, "\x1b"));
  CHECK_FALSE(contains(missing.err, "\r"));
  Result created = s.run({"--db", db, "init"});
  CHECK(created.code == 0);
  for (const std::string* text : {&created.out, &created.err}) {
    CHECK_FALSE(contains(*text, "\x1b"));
    CHECK_FALSE(contains(*text, "\r"));
  }
  CHECK(contains(created.out + created.err, "forged"));
}

TEST_CASE("a listing that cannot be written out fails with exit 74") {
  Sandbox s;
  s.user("svc", {"--service"});
  s.token("svc");
  e2e::ChildSetup closed;
  closed.stdout_closed = true;
  e2e::ChildSetup full;
  full.stdout_file = "/dev/full";
  for (const auto* setup : {&closed, &full})
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"user", "list"}, std::vector<std::string>{"token", "list"},
          std::vector<std::string>{"--json", "user", "list"}}) {
      Result r = s.run_as(args, "", *setup);
      INFO(args[0] << ": " << r.err);
      CHECK(r.code == 74);
      CHECK(contains(r.err, "cannot write"));
    }
}

TEST_CASE("user import with stdin closed does not report success") {
  Sandbox s;
  s.user("svc", {"--service"});
  // stdin closed: the harness gives no way to close it, so run through the shell's <&-.
  Result r = s.run({"user", "import", "/dev/stdin"}, "");
  CHECK(r.code == 0);  // an empty stdin is an empty import
  std::string script = "exec ";
  script.append(e2e::hookctl_bin()).append(" user import <&-");
  std::string cmd = "HOOKCTL_DB='" + s.db.string() + "' sh -c '" + script + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512] = {};
  size_t n = ::fread(buf, 1, sizeof buf - 1, p);
  int status = ::pclose(p);
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(contains(std::string(buf, n), "standard input is closed"));
}
