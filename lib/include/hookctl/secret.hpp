// Secret material (passwords, token secrets, Authorization values) lives in a Secret: a buffer
// of fixed capacity that never reallocates (so no stray copies are left behind) and is wiped
// with sodium_memzero when it dies.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace hookctl {

// Calls sodium_init() once; every function that uses libsodium calls it first.
void sodium_ready();

class Secret {
 public:
  Secret() = default;
  explicit Secret(size_t capacity);
  explicit Secret(std::string_view value);  // copies value into a new buffer of its size
  ~Secret();
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  char* data() noexcept { return buf_.get(); }
  const char* data() const noexcept { return buf_.get(); }
  size_t size() const noexcept { return size_; }
  size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string_view view() const noexcept { return {buf_.get(), size_}; }
  // Sets the used length (at most capacity) after writing into data().
  void resize(size_t n) noexcept;
  // Appends; returns false (and changes nothing) when capacity would be exceeded.
  bool append(std::string_view more) noexcept;

 private:
  void wipe() noexcept;
  std::unique_ptr<char[]> buf_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Reads at most max_bytes from fd (until EOF), without complaint: the caller decides what an
// input of exactly max_bytes means. Read errors: Error(usage).
Secret read_up_to(int fd, size_t max_bytes, std::string_view what);

// Reads at most max_bytes from fd until EOF, or (one_line) the first newline. Trailing CR/LF are
// dropped. More than max_bytes: Error(usage) naming `what`. Read errors: Error(usage).
Secret read_bounded(int fd, size_t max_bytes, bool one_line, std::string_view what);

}  // namespace hookctl
