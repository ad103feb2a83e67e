#include "hookctl/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

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

struct Range {
  char32_t first, last;
};

// Zero-width code points besides the controls: combining marks of the common scripts, the
// conjoining Hangul vowels and finals, zero-width and bidirectional format characters,
// variation selectors, tags. Sorted, for a binary search.
constexpr Range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},   {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F},   {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A},   {0x0E47, 0x0E4E},
    {0x1160, 0x11FF}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},   {0x202A, 0x202E},
    {0x2060, 0x2064}, {0x2066, 0x206F}, {0x20D0, 0x20FF}, {0x302A, 0x302D},   {0x3099, 0x309A},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0000, 0xE007F}, {0xE0100, 0xE01EF},
};

// Two-cell code points: East Asian Wide and Fullwidth (Hangul Jamo initials, CJK radicals to Yi,
// Hangul syllables, compatibility ideographs, vertical and small forms, fullwidth forms, the
// supplementary ideographic planes) and the emoji that are pictures by default. Sorted.
constexpr Range double_width[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18CFF}, {0x1AFF0, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202}, {0x1F210, 0x1F23B},
    {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

template <size_t N>
bool in_ranges(const Range (&ranges)[N], char32_t c) noexcept {
  auto it = std::upper_bound(std::begin(ranges), std::end(ranges), c,
                             [](char32_t v, const Range& r) { return v < r.first; });
  return it != std::begin(ranges) && c <= std::prev(it)->last;
}

// The length of the ANSI escape sequence at text[i] (ESC [ parameters, then a final byte in
// @-~), or 0 when there is none.
size_t escape_length(std::string_view text, size_t i) noexcept {
  if (text[i] != '\x1b' || i + 1 >= text.size() || text[i + 1] != '[') return 0;
  for (size_t k = i + 2; k < text.size(); ++k)
    if (text[k] >= 0x40 && text[k] <= 0x7E) return k + 1 - i;
  return text.size() - i;  // unterminated: the rest is the sequence
}

// One unit of displayed text at text[i]: an escape sequence (no cells), a code point, or a byte
// that is not UTF-8 (one cell).
struct Unit {
  size_t length;
  size_t cells;
};

Unit unit_at(std::string_view text, size_t i) noexcept {
  if (size_t n = escape_length(text, i); n > 0) return {n, 0};
  Decoded d = decode(text, i);
  if (d.length == 0) return {1, 1};
  return {d.length, static_cast<size_t>(code_point_width(d.c))};
}

}  // namespace

int code_point_width(char32_t c) noexcept {
  if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return 0;
  if (c < 0x300) return 1;
  if (in_ranges(zero_width, c)) return 0;
  return in_ranges(double_width, c) ? 2 : 1;
}

size_t display_width(std::string_view text) noexcept {
  size_t cells = 0;
  for (size_t i = 0; i < text.size();) {
    Unit u = unit_at(text, i);
    cells += u.cells;
    i += u.length;
  }
  return cells;
}

std::string truncate_to_width(std::string_view text, size_t cells) {
  if (display_width(text) <= cells) return std::string(text);
  if (cells == 0) return {};
  std::string out;
  size_t used = 0, i = 0;
  for (; i < text.size();) {
    Unit u = unit_at(text, i);
    if (used + u.cells > cells - 1) break;
    out.append(text.substr(i, u.length));
    used += u.cells;
    i += u.length;
  }
  out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS, one cell
  for (; i < text.size();) {
    Unit u = unit_at(text, i);
    if (u.cells == 0 && text[i] == '\x1b') out.append(text.substr(i, u.length));
    i += u.length;
  }
  return out;
}

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
