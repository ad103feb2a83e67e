#include "hookctl/names.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <optional>
#include <string>

#include "hookctl/error.hpp"
#include "hookctl/text.hpp"
#include "hookctl/token_format.hpp"

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

namespace {

// "U+00E9" for the UTF-8 sequence `text` starts with, or "byte 0xFF" when it is not one.
std::string code_point_at(std::string_view text) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const size_t length = b(0) >= 0xF0 ? 4 : b(0) >= 0xE0 ? 3 : b(0) >= 0xC0 ? 2 : 0;
  if (length == 0 || text.size() < length || !is_valid_utf8(text.substr(0, length)))
    return fmt::format("byte 0x{:02X}", b(0));
  uint32_t cp = b(0) & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) cp = (cp << 6) | (b(i) & 0x3F);
  return fmt::format("U+{:04X}", cp);
}

}  // namespace

void validate_name(std::string_view name, std::string_view what) {
  if (looks_like_secret(name))
    fail(ErrorKind::usage, fmt::format("invalid {}: it looks like a hookctl token secret (not "
                                       "shown); secrets are never names",
                                       what));
  if (is_valid_name(name)) return;
  std::string why;
  const auto non_ascii = std::find_if(name.begin(), name.end(),
                                      [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  if (name.empty())
    why = "it is empty";
  else if (name.size() > 64)
    why = "it is longer than 64 characters";
  else if (non_ascii != name.end())
    // Named by code point: the message stays ASCII whatever the terminal, and says what to fix.
    why = fmt::format(
        "it contains {}, which is not ASCII; names may contain only ASCII letters "
        "(a-z, A-Z), digits and . _ @ -",
        code_point_at(name.substr(static_cast<size_t>(non_ascii - name.begin()))));
  else if (!is_alnum(name[0]))
    why = "it must start with an ASCII letter or digit";
  else
    why = "it may contain only ASCII letters (a-z, A-Z), digits and . _ @ -";
  fail(ErrorKind::usage, fmt::format("invalid {} '{}': {}", what, printable(name), why));
}

std::optional<std::string> email_problem(std::string_view email) {
  if (email.empty()) return "it is empty";
  if (looks_like_secret(email)) return "it looks like a hookctl token secret";
  if (email.size() > 254) return "it is longer than 254 characters";
  if (email.front() == '-')
    return "it starts with '-', which a mail command would take as an option";
  for (char c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u == ' ' || u == '\t') return "it contains whitespace";
    if (u < 0x20 || u == 0x7f) return "it contains a control character";
    if (u >= 0x80) return "it contains a non-ASCII byte";
  }
  auto at = email.find('@');
  if (at == std::string_view::npos) return "it has no '@'";
  if (email.find('@', at + 1) != std::string_view::npos) return "it has more than one '@'";
  std::string_view local = email.substr(0, at), domain = email.substr(at + 1);
  if (local.empty()) return "nothing stands before the '@'";
  if (local.size() > 64) return "the part before the '@' is longer than 64 characters";
  for (char c : local)
    if (!is_alnum(c) && c != '.' && c != '_' && c != '%' && c != '+' && c != '-')
      return fmt::format(
          "it contains '{}': before the '@' only letters, digits and . _ % + - are accepted", c);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return "the part before the '@' starts or ends with '.' or has '..'";
  if (domain.empty()) return "nothing follows the '@'";
  size_t label_start = 0;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || domain[i] == '.') {
      std::string_view label = domain.substr(label_start, i - label_start);
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
        return "the domain must be labels of letters, digits and '-' separated by '.'";
      label_start = i + 1;
    } else if (!is_alnum(domain[i]) && domain[i] != '-') {
      return fmt::format(
          "it contains '{}': after the '@' only letters, digits, '-' and '.' are accepted",
          domain[i]);
    }
  }
  return std::nullopt;
}

void validate_email(std::string_view email) {
  if (looks_like_secret(email))
    fail(ErrorKind::usage,
         "invalid e-mail address: it looks like a hookctl token secret (not shown)");
  if (auto why = email_problem(email))
    fail(ErrorKind::usage, fmt::format("invalid e-mail address '{}': {}", printable(email), *why));
}

void validate_user_name(std::string_view name) { validate_name(name, "user name"); }

void validate_text(std::string_view value, std::string_view what, size_t max_bytes) {
  if (looks_like_secret(value))
    fail(ErrorKind::usage, fmt::format("invalid {}: it looks like a hookctl token secret (not "
                                       "shown), which is never stored in plain text",
                                       what));
  std::optional<std::string> why;
  if (value.empty())
    why = "it is empty";
  else if (value.size() > max_bytes)
    why = fmt::format("it is longer than {} bytes", max_bytes);
  else
    why = stored_text_problem(value);
  if (why)
    fail(ErrorKind::usage, fmt::format("invalid {} '{}': {} (1-{} bytes of UTF-8 text, no control "
                                       "or bidirectional characters)",
                                       what, printable(value), *why, max_bytes));
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
