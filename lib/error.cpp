#include "hookctl/error.hpp"

namespace hookctl {

std::string_view error_code_name(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::usage:
      return "usage";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::conflict:
      return "conflict";
    case ErrorKind::unauthorized:
      return "unauthorized";
    case ErrorKind::store:
      return "store";
    case ErrorKind::forbidden:
      return "forbidden";
    case ErrorKind::output:
      return "output";
    case ErrorKind::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace hookctl
