// The one error type of the hookctl library. Each kind maps one-to-one onto an exit code of
// the manual (EXIT STATUS); the CLI turns an Error into its message and exit code at the edge, and
// nothing in lib/ prints or exits.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hookctl {

enum class ErrorKind {
  usage = 2,         // malformed value, bad option combination, missing --yes
  not_found = 3,     // the named user, token or webhook does not exist
  conflict = 4,      // already exists, still has tokens, inactive target, revoked token, ...
  unauthorized = 5,  // an authentication check failed
  store = 6,         // store missing, unreadable, foreign, newer, or locked past the timeout
  forbidden = 7,     // the actor is authenticated but does not hold the right the command needs
  output = 74,       // standard output could not be written (a full disk, a closed pipe, ...)
  internal = 70,     // a bug
};

// What an error carries beside its message for callers that act on it rather than read it
// (the CLI's JSON error document): the payload types derive from this, each declared beside the
// operation that throws it (e.g. DeletionBlockers in accounts.hpp).
class ErrorDetails {
 public:
  virtual ~ErrorDetails() = default;
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, std::shared_ptr<const ErrorDetails> details = nullptr)
      : std::runtime_error(std::move(message)), kind_(kind), details_(std::move(details)) {}
  ErrorKind kind() const noexcept { return kind_; }
  int exit_code() const noexcept { return static_cast<int>(kind_); }
  // The payload, or null: most errors are their message alone.
  const ErrorDetails* details() const noexcept { return details_.get(); }

 private:
  ErrorKind kind_;
  std::shared_ptr<const ErrorDetails> details_;  // shared: an exception is copied when thrown
};

// The documented name of an exit code ("usage", "not_found", ...), used in the JSON error envelope.
std::string_view error_code_name(ErrorKind kind) noexcept;

[[noreturn]] inline void fail(ErrorKind kind, std::string message,
                              std::shared_ptr<const ErrorDetails> details = nullptr) {
  throw Error(kind, std::move(message), std::move(details));
}

}  // namespace hookctl
