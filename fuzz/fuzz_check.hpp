// Shared oracles of the libFuzzer targets. An Error of the expected kind is a normal outcome of a
// parser fed hostile bytes; anything else thrown, and every broken oracle, aborts, which libFuzzer
// reports as a crash with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "hookctl/error.hpp"

namespace fuzz {

[[noreturn]] inline void die(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz oracle failed: %s [%.*s]\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

inline void require(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) die(what, detail);
}

// A message for people: one line of printable ASCII (no newline, no control or raw 8-bit bytes,
// so hostile input cannot forge further lines or terminal escapes on stderr).
inline bool one_printable_line(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return false;
  }
  return true;
}

// Runs f. Returns true when it returned, false when it threw hookctl::Error of kind `expected`
// with a one-line printable message. Any other outcome is a crash.
template <class F>
bool runs_or_refuses(F&& f, hookctl::ErrorKind expected = hookctl::ErrorKind::usage) {
  try {
    f();
    return true;
  } catch (const hookctl::Error& e) {
    require(e.kind() == expected, "hookctl::Error of an unexpected kind", e.what());
    require(one_printable_line(e.what()), "error message is not one printable line", e.what());
    return false;
  } catch (const std::exception& e) {
    die("unexpected exception (not hookctl::Error)", e.what());
  } catch (...) {
    die("unexpected non-standard exception");
  }
}

// For functions documented never to throw on hostile input.
template <class F>
void never_throws(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    die("threw on hostile input", e.what());
  } catch (...) {
    die("threw a non-standard exception on hostile input");
  }
}

inline std::string_view as_text(const unsigned char* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fuzz
