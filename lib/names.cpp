#include "hookctl/names.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <string>

#include "hookctl/error.hpp"

namespace hookctl {

namespace {

bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace

std::string printable(std::string_view value) {
  constexpr size_t max_shown = 80;
  std::string out;
  for (size_t i = 0; i < value.size() && i < max_shown; ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else
      out += fmt::format("\\x{:02x}", c);
  }
  if (value.size() > max_shown) out += "...";
  return out;
}

bool is_valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64 || !is_alnum(name[0])) return false;
  for (char c : name)
    if (!is_alnum(c) && c != '.' && c != '_' && c != '@' && c != '-') return false;
  return true;
}

void validate_name(std::string_view name, std::string_view what) {
  if (is_valid_name(name)) return;
  std::string why;
  if (name.empty())
    why = "it is empty";
  else if (name.size() > 64)
    why = "it is longer than 64 characters";
  else if (!is_alnum(name[0]))
    why = "it must start with a letter or digit";
  else
    why = "it may contain only letters, digits and . _ @ -";
  fail(ErrorKind::usage, fmt::format("invalid {} '{}': {}", what, printable(name), why));
}

void validate_email(std::string_view email) {
  auto at = email.find('@');
  bool ok = !email.empty() && email.size() <= 254 && at != std::string_view::npos && at > 0 &&
            at + 1 < email.size() && email.find('@', at + 1) == std::string_view::npos;
  for (char c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) ok = false;
  }
  if (!ok)
    fail(ErrorKind::usage,
         fmt::format("invalid e-mail address '{}': expected local@domain", printable(email)));
}

void validate_text(std::string_view value, std::string_view what, size_t max_bytes) {
  bool ok = !value.empty() && value.size() <= max_bytes;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) ok = false;
  }
  if (!ok)
    fail(ErrorKind::usage, fmt::format("invalid {} '{}': 1-{} bytes, no control characters", what,
                                       printable(value), max_bytes));
}

bool names_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool names_less(std::string_view a, std::string_view b) noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return static_cast<unsigned char>(lower(x)) < static_cast<unsigned char>(lower(y));
  });
}

}  // namespace hookctl
