// The right each command needs in a store in delegated mode: one table, so that who may do what
// can be read (and audited) in one place. Any one of the rights listed will do; an empty list
// means the command needs none (reads, and the checks webhook calls and logins go through).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "hookctl/model.hpp"

namespace hookctl::cli {

// The rights `command` ("user create", "audit") needs, or nullopt for a command the table does
// not know (every command is in it: tests/cli/ checks that each registered one is).
std::optional<std::vector<Right>> rights_needed(std::string_view command);

}  // namespace hookctl::cli
