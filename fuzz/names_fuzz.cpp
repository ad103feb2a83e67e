// The validators of names, e-mail addresses and free text, each against a reference written from
// the documented rule, plus printable() (what every message uses to echo a value) and
// names_equal().
#include <string>

#include "fuzz_check.hpp"
#include "hookctl/names.hpp"
#include "hookctl/token_format.hpp"

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

// One code point of strict UTF-8 at s[i] (no overlong forms, no surrogates, at most U+10FFFF);
// its length, 0 when the bytes there are not UTF-8.
size_t utf8_at(std::string_view s, size_t i, char32_t& c) {
  auto u = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  size_t n = u(i) < 0x80           ? 1
             : (u(i) >> 5) == 0x6  ? 2
             : (u(i) >> 4) == 0xe  ? 3
             : (u(i) >> 3) == 0x1e ? 4
                                   : 0;
  if (n == 0 || i + n > s.size()) return 0;
  c = n == 1 ? u(i) : u(i) & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((u(i + k) & 0xc0) != 0x80) return 0;
    c = (c << 6) | (u(i + k) & 0x3f);
  }
  static constexpr char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < least[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
  return n;
}

// The documented rule for labels and descriptions: 1-max bytes of UTF-8, no control characters
// (C0, DEL, C1) and no bidirectional embedding, override or isolate; nothing that looks like a
// token secret.
bool reference_text(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max || hookctl::looks_like_secret(s)) return false;
  for (size_t i = 0; i < s.size();) {
    char32_t c = 0;
    size_t n = utf8_at(s, i, c);
    if (n == 0) return false;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
        (c >= 0x2066 && c <= 0x2069))
      return false;
    i += n;
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
  // validate_name also refuses a well-formed name that looks like a token secret (a secret typed
  // where a name goes is never stored, nor echoed).
  bool validated = fuzz::runs_or_refuses([&] { validate_name(text, "user name"); });
  fuzz::require(validated == (valid && !looks_like_secret(text)),
                "validate_name disagrees with is_valid_name and looks_like_secret", text);

  // The full address rule is stricter than this reference (labels, dots, the characters before
  // the '@'): what it accepts must pass the reference, never start with '-' and never look like
  // a secret.
  bool email = fuzz::runs_or_refuses([&] { validate_email(text); });
  if (email)
    fuzz::require(reference_email(text) && text.front() != '-' && !looks_like_secret(text),
                  "validate_email accepted what the reference refuses", text);
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
