// Validation of the values administrators type: account and webhook names, e-mail addresses,
// token labels. Each throws Error(usage) with a message that says what is allowed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hookctl {

// 1-64 characters of A-Z a-z 0-9 . _ @ -, starting with a letter or digit, and nothing that
// looks like a token secret (refused without being shown). `what` names the value in the
// message ("user name", "webhook name").
void validate_name(std::string_view name, std::string_view what);
bool is_valid_name(std::string_view name) noexcept;

// Why `email` is not an address hookctl stores, or nullopt when it is one: local@domain, at most
// 254 bytes, the local part (at most 64) of letters, digits and . _ % + - (no leading, trailing or
// doubled '.'), the domain dot-separated labels of letters, digits and '-' (none starting or
// ending with '-'). A leading '-', whitespace, control characters, non-ASCII bytes and shell
// metacharacters are refused: addresses end up as operands of mail(1) in cron jobs, where a
// leading '-' is an option and a quote or '$' a shell hazard.
std::optional<std::string> email_problem(std::string_view email);
// Error(usage) naming the address and email_problem's reason; nothing when it is valid.
void validate_email(std::string_view email);

// A user name: validate_name. (A name equal to an existing token id is refused when the account
// is created, since `audit --subject` finds users and token ids alike: see accounts.hpp.)
void validate_user_name(std::string_view name);

// Free text such as a token label or a webhook description: 1..max_bytes bytes of valid UTF-8,
// no control or bidirectional characters (stored_text_problem), nothing that looks like a token
// secret (refused without being shown). `what` names the value in the message.
void validate_text(std::string_view value, std::string_view what, size_t max_bytes);

// ASCII case-insensitive equality, the comparison names use (as the store's NOCASE columns).
bool names_equal(std::string_view a, std::string_view b) noexcept;
// The order of names in every listing: ASCII case folded, then bytes (as ORDER BY a NOCASE
// column), so `user show` and `webhook list` order the same names the same way.
bool names_less(std::string_view a, std::string_view b) noexcept;

// For messages: the value with control and non-ASCII bytes escaped, cut to a readable length.
std::string printable(std::string_view value);

}  // namespace hookctl
