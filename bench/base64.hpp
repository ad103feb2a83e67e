// Standard base64 (with padding) for the Basic Authorization values the benchmarks send.
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

namespace bench {

inline std::string base64(std::string_view in) {
  const size_t size = sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(size, '\0');
  sodium_bin2base64(out.data(), size, reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(size - 1);  // the terminating NUL
  return out;
}

}  // namespace bench
