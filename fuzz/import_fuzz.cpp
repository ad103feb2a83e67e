// One `user import` line through parse_import_record. Oracles: a refusal names the line in one
// printable line; an accepted record obeys the documented rules (valid name and e-mail, created <=
// last activity
// <= now) and, written back as JSON, parses to the same record.
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_check.hpp"
#include "hookctl/accounts.hpp"
#include "hookctl/names.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using namespace hookctl;
  static const Time now = *parse_rfc3339("2026-06-01T12:00:00Z");
  std::string_view line = fuzz::as_text(data, size);
  ImportRecord r;
  try {
    r = parse_import_record(line, 7, now);
  } catch (const Error& e) {
    std::string_view message = e.what();
    fuzz::require(e.kind() == ErrorKind::usage, "a refused line is not a usage error", message);
    fuzz::require(fuzz::one_printable_line(message), "the refusal is not one printable line",
                  message);
    fuzz::require(message.substr(0, 8) == "line 7: ", "the refusal does not name the line",
                  message);
    return 0;
  } catch (const std::exception& e) {
    fuzz::die("unexpected exception (not hookctl::Error)", e.what());
  }

  fuzz::require(r.line == 7, "the record lost its line number", line);
  fuzz::require(is_valid_name(r.name), "accepted an invalid name", r.name);
  if (r.email)
    fuzz::require(fuzz::runs_or_refuses([&] { validate_email(*r.email); }),
                  "accepted an invalid e-mail address", *r.email);
  fuzz::require(r.created_at <= r.last_activity_at, "activity precedes creation", line);
  fuzz::require(r.last_activity_at <= now, "activity lies in the future", line);
  fuzz::require(r.created_at >= Time{}, "creation before 1970", line);

  nlohmann::json doc{{"name", r.name},
                     {"kind", r.kind == AccountKind::service ? "service" : "person"},
                     {"created_at", format_rfc3339(r.created_at)},
                     {"last_activity_at", format_rfc3339(r.last_activity_at)}};
  if (r.email) doc["email"] = *r.email;
  std::string again_text = doc.dump();
  ImportRecord again;
  fuzz::require(fuzz::runs_or_refuses([&] { again = parse_import_record(again_text, 7, now); }),
                "a written-back record is refused", again_text);
  fuzz::require(again.name == r.name && again.kind == r.kind && again.email == r.email &&
                    again.created_at == r.created_at &&
                    again.last_activity_at == r.last_activity_at,
                "a written-back record parses differently", again_text);
  return 0;
}
