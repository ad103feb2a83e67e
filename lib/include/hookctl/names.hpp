// Validation of the values administrators type: account and webhook names, e-mail addresses,
// token labels. Each throws Error(usage) with a message that says what is allowed.
#pragma once

#include <string_view>

namespace hookctl {

// 1-64 characters of A-Z a-z 0-9 . _ @ -, starting with a letter or digit. `what` names the
// value in the message ("user name", "webhook name").
void validate_name(std::string_view name, std::string_view what);
bool is_valid_name(std::string_view name) noexcept;

// A plausible address: local@domain, printable ASCII without spaces, at most 254 bytes.
void validate_email(std::string_view email);

// Free text such as a token label or a webhook description: 1..max_bytes bytes (UTF-8 allowed),
// no control characters. `what` names the value in the message.
void validate_text(std::string_view value, std::string_view what, size_t max_bytes);

// ASCII case-insensitive equality, the comparison names use (as the store's NOCASE columns).
bool names_equal(std::string_view a, std::string_view b) noexcept;
// The order of names in every listing: ASCII case folded, then bytes (as ORDER BY a NOCASE
// column), so `user show` and `webhook list` order the same names the same way.
bool names_less(std::string_view a, std::string_view b) noexcept;

// For messages: the value with control and non-ASCII bytes escaped, cut to a readable length.
std::string printable(std::string_view value);

}  // namespace hookctl
