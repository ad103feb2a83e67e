// The CLI's output writers, tested in-process through the hookctl_cli library: the streaming JSON
// text of every object equals the Json tree of the same object, byte for byte; tables fit their
// width by shrinking only the columns of free text.
#include <catch2/catch.hpp>
#include <sstream>

#include "hookctl/text.hpp"
#include "hookctl/time.hpp"
#include "output.hpp"

using namespace hookctl;
using hookctl::cli::append_json;
using hookctl::cli::shrinking;
using hookctl::cli::Table;
using hookctl::cli::table_width;
using hookctl::cli::TableLayout;
using hookctl::cli::to_json;

namespace {

Time at(long long s) { return Time{Duration{s}}; }

template <class T>
void require_same_text(const T& object) {
  std::string streamed;
  append_json(streamed, object);
  CHECK(streamed == to_json(object).dump());
}

}  // namespace

TEST_CASE("every JSON object streams exactly as its tree dumps") {
  // Texts that need escaping or are not ASCII take the serializer's path; plain ones the fast one.
  for (std::string text :
       {"plain", "quote\" and \\ backslash", "tab\there", "caf\xc3\xa9 \xe2\x9c\x93", ""}) {
    INFO(text);
    Account a;
    a.name = "alice";
    a.email = text;
    a.last_activity_source = "token:" + text;
    a.created_at = at(1);
    a.last_activity_at = at(2);
    a.inactive_at = at(3);
    a.tokens = 42;
    require_same_text(a);
    a.email.reset();
    a.active = false;
    a.kind = AccountKind::service;
    require_same_text(a);

    Token t;
    t.id = "ab3de7fghk2m";
    t.owner = "svc";
    t.name = text;
    t.created_at = at(10);
    t.webhooks = {"orders", text};
    require_same_text(t);
    t.name.reset();
    t.last_used_at = at(11);
    t.expires_at = at(12);
    t.revoked_at = at(13);
    t.previous_secret_valid_until = at(14);
    t.status = TokenStatus::owner_inactive;
    t.webhooks.clear();
    require_same_text(t);

    Webhook w;
    w.name = "orders";
    w.description = text;
    w.created_at = at(20);
    require_same_text(w);
    w.token = "ab3de7fghk2m";
    w.token_kind = TokenKind::app;
    w.owner = "svc";
    w.broken = false;
    w.breaks_at = at(21);
    w.auth = AuthScheme::basic;
    require_same_text(w);

    AuditEvent e;
    e.at = at(30);
    e.actor = "root";
    e.action = "user.create";
    e.subject = "alice";
    e.details = text;
    require_same_text(e);
    e.actor_account = "helpdesk";
    e.authenticated_by = "token:ab3de7fghk2m";
    require_same_text(e);
    e.at = at(31);
    e.action = "auth.rejected";
    e.subject = "orders";
    e.repeated = 199;
    e.actor_account.reset();
    e.authenticated_by = "owner";
    e.result = "denied";
    require_same_text(e);
    Problem p;
    p.kind = ProblemKind::token_unused;
    p.code = ProblemCode::never_used;
    p.subject = "ab3de7fghk2m";
    p.message = text;
    require_same_text(p);
    p.kind = ProblemKind::webhook_at_risk;
    p.code = ProblemCode::owner_inactive_soon;
    p.subject = "orders";
    p.at = at(31);
    require_same_text(p);
  }
}

namespace {

std::vector<std::string> lines_of(const Table& t, std::optional<size_t> width,
                                  bool headings = true) {
  TableLayout layout;
  layout.width = width;
  layout.headings = headings;
  std::ostringstream out;
  t.write(out, layout);
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const std::string ellipsis = "\xe2\x80\xa6";

}  // namespace

TEST_CASE("a table that fits is laid out as before: two cells apart and nothing cut") {
  Table t({"ID", shrinking("LABEL"), "STATUS"});
  t.add({"ab3de7fghk2m", "orders", "active"});
  t.add({"x", "-", "revoked"});
  auto lines = lines_of(t, 80);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "ID            LABEL   STATUS");
  CHECK(lines[1] == "ab3de7fghk2m  orders  active");
  CHECK(lines[2] == "x             -       revoked");
  CHECK(lines_of(t, std::nullopt) == lines);
  CHECK(lines_of(t, 80, false) == std::vector<std::string>(lines.begin() + 1, lines.end()));
}

TEST_CASE("a table too wide shrinks its widest free-text column first and never an id") {
  Table t({"ID", shrinking("OWNER"), shrinking("LABEL"), "STATUS"});
  const std::string label(60, 'l');
  t.add({"ab3de7fghk2m", "svc-orders", label, "owner-inactive"});
  auto lines = lines_of(t, 60);
  REQUIRE(lines.size() == 2);
  for (const auto& line : lines) CHECK(display_width(line) <= 60);
  // The ids, the statuses and three gaps take 32 cells: OWNER stays whole, LABEL gets the 18
  // cells left, 17 letters and the ellipsis.
  CHECK(lines[1] ==
        "ab3de7fghk2m  svc-orders  " + std::string(17, 'l') + ellipsis + "  owner-inactive");
  CHECK(lines[0] == "ID" + std::string(12, ' ') + "OWNER" + std::string(7, ' ') + "LABEL" +
                        std::string(15, ' ') + "STATUS");
  // Both shrink once they are equally wide; neither goes below its heading.
  lines = lines_of(t, 44);
  CHECK(lines[1] == "ab3de7fghk2m  svc-o" + ellipsis + "  lllll" + ellipsis + "  owner-inactive");
  lines = lines_of(t, 20);  // the ids and statuses alone are wider: lines are longer than asked
  CHECK(lines[1] == "ab3de7fghk2m  svc-" + ellipsis + "  llll" + ellipsis + "  owner-inactive");
  // Without a limit every cell is whole.
  CHECK(lines_of(t, std::nullopt)[1] == "ab3de7fghk2m  svc-orders  " + label + "  owner-inactive");
}

TEST_CASE("table columns align in display cells with CJK text emoji and colour") {
  Table t({shrinking("LABEL"), "STATUS"});
  const std::string cjk = "\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd\xe5\xba\x81";  // 8 cells
  const std::string key = "\xf0\x9f\x94\x91";                                  // 2 cells
  t.add({cjk + cjk + cjk, "\x1b[32mactive\x1b[0m"});
  t.add({"key " + key, "revoked"});
  t.add({"plain", "active"});
  auto wide = lines_of(t, std::nullopt);
  CHECK(wide[1] == cjk + cjk + cjk + "  \x1b[32mactive\x1b[0m");
  CHECK(wide[2] == "key " + key + std::string(24 - 6, ' ') + "  revoked");
  CHECK(wide[3] == "plain" + std::string(24 - 5, ' ') + "  active");
  // Cut to 11 cells: five wide characters and the ellipsis.
  auto fit = lines_of(t, 20);
  CHECK(fit[1] == cjk + "\xe6\x9d\xb1" + ellipsis + "  \x1b[32mactive\x1b[0m");
  CHECK(fit[2] == "key " + key + std::string(11 - 6, ' ') + "  revoked");
  // A wide character that does not fit leaves a cell of padding.
  fit = lines_of(t, 19);
  CHECK(fit[1] == cjk + ellipsis + "   \x1b[32mactive\x1b[0m");
  for (const auto& line : fit) CHECK(display_width(line) <= 19);
}

TEST_CASE("the table width is the terminal's else COLUMNS else 80") {
  CHECK(table_width(120, "50") == 120);
  CHECK(table_width(std::nullopt, "50") == 50);
  CHECK(table_width(std::nullopt, "1") == 1);
  CHECK(table_width(std::nullopt, nullptr) == 80);
  for (const char* bad : {"", "0", "-5", "+5", " 50", "50x", "abc", "99999999999999999999999"}) {
    INFO(bad);
    CHECK(table_width(std::nullopt, bad) == 80);
  }
}
