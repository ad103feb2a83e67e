#include "hookctl/secret.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "hookctl/error.hpp"

namespace hookctl {

void sodium_ready() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) fail(ErrorKind::internal, "libsodium could not be initialised");
  });
}

Secret::Secret(size_t capacity)
    : buf_(new char[capacity == 0 ? 1 : capacity]), capacity_(capacity) {}

Secret::Secret(std::string_view value) : Secret(value.size()) {
  std::memcpy(buf_.get(), value.data(), value.size());
  size_ = value.size();
}

Secret::~Secret() { wipe(); }

Secret::Secret(Secret&& other) noexcept
    : buf_(std::move(other.buf_)), size_(other.size_), capacity_(other.capacity_) {
  other.size_ = other.capacity_ = 0;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    buf_ = std::move(other.buf_);
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

void Secret::wipe() noexcept {
  if (buf_) sodium_memzero(buf_.get(), capacity_ == 0 ? 1 : capacity_);
  size_ = 0;
}

void Secret::resize(size_t n) noexcept { size_ = n <= capacity_ ? n : capacity_; }

bool Secret::append(std::string_view more) noexcept {
  if (more.size() > capacity_ - size_) return false;
  std::memcpy(buf_.get() + size_, more.data(), more.size());
  size_ += more.size();
  return true;
}

Secret read_up_to(int fd, size_t max_bytes, std::string_view what) {
  Secret out(max_bytes);
  size_t n = 0;
  while (n < max_bytes) {
    ssize_t got = ::read(fd, out.data() + n, max_bytes - n);
    if (got < 0) {
      if (errno == EINTR) continue;
      fail(ErrorKind::usage, fmt::format("cannot read {}: {}", what, std::strerror(errno)));
    }
    if (got == 0) break;
    n += static_cast<size_t>(got);
  }
  out.resize(n);
  return out;
}

Secret read_bounded(int fd, size_t max_bytes, bool one_line, std::string_view what) {
  // One spare byte to notice an over-long input, one for a trailing newline.
  Secret out(max_bytes + 2);
  size_t n = 0;
  for (;;) {
    if (n == out.capacity()) break;
    ssize_t got;
    if (one_line) {
      got = ::read(fd, out.data() + n, 1);  // byte by byte: leave the rest of stdin unread
    } else {
      got = ::read(fd, out.data() + n, out.capacity() - n);
    }
    if (got < 0) {
      if (errno == EINTR) continue;
      fail(ErrorKind::usage, fmt::format("cannot read {}: {}", what, std::strerror(errno)));
    }
    if (got == 0) break;
    n += static_cast<size_t>(got);
    if (one_line && out.data()[n - 1] == '\n') break;
  }
  out.resize(n);
  while (n > 0 && (out.data()[n - 1] == '\n' || out.data()[n - 1] == '\r')) --n;
  if (n > max_bytes)
    fail(ErrorKind::usage, fmt::format("{} is longer than {} bytes", what, max_bytes));
  out.resize(n);
  return out;
}

}  // namespace hookctl
