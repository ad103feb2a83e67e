#include "hookctl/names.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "hookctl/error.hpp"
#include "support/fixture.hpp"

using namespace hookctl;
using fixture::error_kind;
using fixture::error_message;

TEST_CASE("names of 1-64 characters of A-Z a-z 0-9 . _ @ - starting alphanumeric are valid") {
  for (const char* good : {"a", "Z", "7", "alice", "svc-billing", "first.last", "user_1",
                           "ops@example.com", "0day", "A.b_c@d-e"}) {
    INFO(good);
    CHECK(is_valid_name(good));
    CHECK_FALSE(error_kind([&] { validate_name(good, "user name"); }).has_value());
  }
  CHECK(is_valid_name(std::string(64, 'x')));
}

TEST_CASE("names outside the rule are rejected with a usage error naming the value") {
  for (std::string bad :
       {std::string(""), std::string(65, 'x'), std::string("-lead"), std::string(".lead"),
        std::string("_lead"), std::string("@lead"), std::string("has space"),
        std::string("semi;colon"), std::string("slash/x"), std::string("caf\xc3\xa9"),
        std::string("nul\0byte", 8), std::string("tab\tx")}) {
    INFO(printable(bad));
    CHECK_FALSE(is_valid_name(bad));
    CHECK(error_kind([&] { validate_name(bad, "webhook name"); }) == ErrorKind::usage);
  }
  std::string msg = error_message([] { validate_name("bad name", "webhook name"); });
  CHECK(msg.find("webhook name") != std::string::npos);
  CHECK(msg.find("bad name") != std::string::npos);
}

TEST_CASE("the name message says why a name is invalid") {
  CHECK(error_message([] { validate_name("", "user name"); }).find("empty") != std::string::npos);
  CHECK(error_message([] { validate_name(std::string(65, 'a'), "user name"); }).find("64") !=
        std::string::npos);
  CHECK(error_message([] { validate_name("-x", "user name"); }).find("start") != std::string::npos);
}

TEST_CASE("names compare ASCII case-insensitively") {
  CHECK(names_equal("Alice", "alice"));
  CHECK(names_equal("SVC-Billing@X", "svc-billing@x"));
  CHECK_FALSE(names_equal("alice", "alicE2"));
  CHECK_FALSE(names_equal("alice", "alicf"));
  CHECK_FALSE(names_equal("a", ""));
  CHECK(names_equal("", ""));
  // Only ASCII folds: '[' and '{' differ from each other and from letters.
  CHECK_FALSE(names_equal("[", "{"));
}

TEST_CASE("e-mail addresses need local@domain in printable ASCII") {
  for (const char* good : {"a@b", "first.last+tag@example.com"}) {
    INFO(good);
    CHECK_FALSE(error_kind([&] { validate_email(good); }).has_value());
  }
  for (std::string bad : {std::string(""), std::string("nobody"), std::string("@example.com"),
                          std::string("user@"), std::string("a@b@c"), std::string("a b@c"),
                          std::string("a@b\n"), std::string(250, 'a') + "@b.cd"}) {
    INFO(bad);
    CHECK(error_kind([&] { validate_email(bad); }) == ErrorKind::usage);
  }
}

TEST_CASE("e-mail addresses that a shell or mail(1) would act on are refused, saying why") {
  // mail(1) takes a leading '-' as an option (GNU mailutils runs `-E!cmd` as a command), and a
  // quote, '$', '`', ';' or '|' is a hazard wherever an address reaches a shell.
  for (std::string bad : std::initializer_list<std::string>{
           "-E!id@example.com",     "-Eset sendmail=/tmp/x@example.com",
           "--help@example.com",    "a;id@example.com",
           "a|id@example.com",      "a$(id)@example.com",
           "a`id`@example.com",     "a'b@example.com",
           "a\"b@example.com",      "a&b@example.com",
           "a>b@example.com",       "a<b@example.com",
           "a*@example.com",        "a\\b@example.com",
           "a b@example.com",       "a\tb@example.com",
           "a@exa mple.com",        "a@example.com;id",
           "a@-example.com",        "a@example-.com",
           "a@example..com",        ".a@example.com",
           "a.@example.com",        "a..b@example.com",
           "a@[127.0.0.1]",         "a\x7f@example.com",
           "a\xc3\xa9@example.com", std::string(65, 'a') + "@example.com"}) {
    INFO(bad);
    CHECK(error_kind([&] { validate_email(bad); }) == ErrorKind::usage);
    CHECK(email_problem(bad).has_value());
  }
  CHECK(error_message([] { validate_email("-E!id@example.com"); }).find("starts with '-'") !=
        std::string::npos);
  CHECK(error_message([] { validate_email("a b@example.com"); }).find("whitespace") !=
        std::string::npos);
  CHECK(error_message([] { validate_email("a$b@example.com"); }).find("'$'") != std::string::npos);
  for (const char* good : {"ops-team@mail.example.co.uk", "a_b%c@x-y.example", "x@localhost"}) {
    INFO(good);
    CHECK_FALSE(email_problem(good).has_value());
  }
}

TEST_CASE("free text allows UTF-8 within the byte limit but no control characters") {
  CHECK_FALSE(error_kind([] {
                validate_text("Billing \xe2\x80\x94 prod", "description", 200);
              }).has_value());
  CHECK_FALSE(
      error_kind([] { validate_text(std::string(100, 'x'), "token name", 100); }).has_value());
  CHECK(error_kind([] { validate_text(std::string(101, 'x'), "token name", 100); }) ==
        ErrorKind::usage);
  CHECK(error_kind([] { validate_text("", "token name", 100); }) == ErrorKind::usage);
  CHECK(error_kind([] { validate_text("line\nbreak", "token name", 100); }) == ErrorKind::usage);
  CHECK(error_kind([] { validate_text("esc\x1b[31m", "token name", 100); }) == ErrorKind::usage);
  CHECK(error_kind([] { validate_text("del\x7f", "token name", 100); }) == ErrorKind::usage);
  CHECK(error_message([] { validate_text("", "token name", 100); }).find("token name") !=
        std::string::npos);
}

TEST_CASE("printable escapes control and non-ASCII bytes and cuts long values") {
  CHECK(printable("plain") == "plain");
  CHECK(printable(std::string("a\nb\0c", 5)) == "a\\x0ab\\x00c");
  CHECK(printable("\xc3\xa9") == "\\xc3\\xa9");
  std::string long_value(200, 'z');
  std::string shown = printable(long_value);
  CHECK(shown == std::string(80, 'z') + "...");
}
