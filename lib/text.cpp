#include "hookctl/text.hpp"

#include <fmt/format.h>

namespace hookctl {

namespace {

// Decodes one UTF-8 sequence at text[i]: its code point and length, or length 0 when the bytes
// there are not well-formed UTF-8.
struct Decoded {
  char32_t c = 0;
  size_t length = 0;
};

Decoded decode(std::string_view text, size_t i) noexcept {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1};
  size_t n;
  char32_t c, min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, c = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, c = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return {};
  }
  if (i + n > text.size()) return {};
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {};
    c = (c << 6) | (byte(i + k) & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return {};
  return {c, n};
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  for (size_t i = 0; i < text.size();) {
    Decoded d = decode(text, i);
    if (d.length == 0) return false;
    i += d.length;
  }
  return true;
}

bool is_disruptive_code_point(char32_t c) noexcept {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

std::optional<std::string> stored_text_problem(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    Decoded d = decode(text, i);
    if (d.length == 0) return std::string("it is not valid UTF-8");
    if (is_disruptive_code_point(d.c))
      return d.c >= 0x202A ? std::string("it contains a bidirectional control character")
                           : std::string("it contains a control character");
    i += d.length;
  }
  return std::nullopt;
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    Decoded d = decode(text, i);
    if (d.length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (!is_disruptive_code_point(d.c))
      out.append(text.substr(i, d.length));
    else if (d.c < 0x80)
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(d.c));
    else
      out += fmt::format("\\u{{{:04x}}}", static_cast<unsigned>(d.c));
    i += d.length;
  }
  return out;
}

}  // namespace hookctl
