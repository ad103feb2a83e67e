// The validators of names, e-mail addresses and free text, each against a reference written from
// the documented rule, plus printable() (what every message uses to echo a value) and
// names_equal().
#include <string>

#include "fuzz_check.hpp"
#include "hookctl/names.hpp"

namespace {

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool reference_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || !alnum(s[0])) return false;
  for (char c : s)
    if (!alnum(c) && c != '.' && c != '_' && c != '@' && c != '-') return false;
  return true;
}

bool reference_email(std::string_view s) {
  if (s.empty() || s.size() > 254) return false;
  size_t ats = 0, at = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (s[i] == '@') {
      ++ats;
      at = i;
    }
  }
  return ats == 1 && at > 0 && at + 1 < s.size();
}

bool reference_text(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

std::string fold(std::string_view s, bool upper) {
  std::string out(s);
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using namespace hookctl;
  std::string_view text = fuzz::as_text(data, size);

  bool valid = is_valid_name(text);
  fuzz::require(valid == reference_name(text), "is_valid_name disagrees with the documented rule",
                text);
  bool validated = fuzz::runs_or_refuses([&] { validate_name(text, "user name"); });
  fuzz::require(valid == validated, "validate_name disagrees with is_valid_name", text);

  bool email = fuzz::runs_or_refuses([&] { validate_email(text); });
  fuzz::require(email == reference_email(text), "validate_email disagrees with the reference",
                text);
  for (size_t max : {size_t{1}, size_t{64}, size_t{200}}) {
    bool ok = fuzz::runs_or_refuses([&] { validate_text(text, "label", max); });
    fuzz::require(ok == reference_text(text, max), "validate_text disagrees with the reference",
                  text);
  }

  std::string shown = printable(text);
  fuzz::require(shown.empty() == text.empty(), "printable() lost or invented the value", text);
  if (!shown.empty())
    fuzz::require(fuzz::one_printable_line(shown), "printable() let a raw byte through", shown);
  fuzz::require(shown.size() <= 80 * 4 + 3, "printable() is not bounded", shown);
  if (text.size() <= 80 && fuzz::one_printable_line(text))
    fuzz::require(shown == text, "printable() changed a printable value", text);

  // names_equal: ASCII case folding only; reflexive and symmetric.
  fuzz::require(names_equal(text, text), "names_equal is not reflexive", text);
  fuzz::require(names_equal(text, fold(text, true)) && names_equal(fold(text, false), text),
                "names_equal does not fold ASCII case", text);
  std::string_view a = text.substr(0, size / 2), b = text.substr(size / 2);
  bool eq = names_equal(a, b);
  fuzz::require(eq == names_equal(b, a), "names_equal is not symmetric", text);
  fuzz::require(eq == (fold(a, false) == fold(b, false)), "names_equal disagrees with folding",
                text);
  return 0;
}
