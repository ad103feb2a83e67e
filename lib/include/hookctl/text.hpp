// Text that hookctl stores and shows: which free text may enter the store, and how any stored
// text (including text written by older versions, before these rules) is shown safely.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hookctl {

// True when `text` is well-formed UTF-8: no stray continuation bytes, no truncated sequences,
// no overlong forms, no surrogates (U+D800-U+DFFF), nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) noexcept;

// True for the code points that change how a terminal or a text viewer shows what follows
// them: C0 controls (U+0000-U+001F, tab and newline included), DEL, C1 controls
// (U+0080-U+009F), and the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
// U+2066-U+2069), which can make a line read differently from what it holds.
bool is_disruptive_code_point(char32_t c) noexcept;

// Why `text` may not be stored as free text (a label, a description), or nullopt when it may:
// invalid UTF-8, or a disruptive code point (above). Stored text ends up in JSON, tables and the
// append-only audit log, where it can neither be fixed later nor be allowed to break them.
std::optional<std::string> stored_text_problem(std::string_view text);

// `text` made harmless for a terminal: every disruptive code point becomes a visible escape
// (\x1b, \u{202e}) and every byte of invalid UTF-8 becomes \xHH; a backslash stays as it is.
// Valid printable text, UTF-8 included, is returned unchanged. Pure; never throws but bad_alloc.
std::string terminal_safe(std::string_view text);

// The terminal cells one code point takes, whatever the locale: 2 for East Asian Wide and
// Fullwidth characters (Hangul, CJK, kana, fullwidth forms) and emoji shown as pictures; 0 for
// combining marks, zero-width and format characters (U+200B-U+200F, variation selectors, ...)
// and controls; 1 for everything else. An approximation of wcwidth(3) in a UTF-8 locale with
// current Unicode data, good enough to align columns of names, labels and descriptions.
int code_point_width(char32_t c) noexcept;

// The terminal cells `text` takes: the sum of code_point_width over its code points. An ANSI
// escape sequence (ESC [ ... final byte, as colour codes are) takes none; each byte that is not
// well-formed UTF-8 takes one.
size_t display_width(std::string_view text) noexcept;

// `text` unchanged when it takes at most `cells` cells; otherwise its longest prefix that leaves
// one cell, followed by "…" (U+2026, one cell), so the result takes at most `cells`
// cells (one fewer when a wide character does not fit). The cut is never inside a UTF-8 sequence
// and never separates a character from the combining marks after it; escape sequences in the
// part cut off are kept (so a colour is still reset). Empty when `cells` is 0.
std::string truncate_to_width(std::string_view text, size_t cells);

}  // namespace hookctl
