// Shell completion from the binary itself: the hidden `hookctl __complete WORD...` walks the same
// CLI11 tree that parses commands, so bash, zsh and fish completions never drift from the CLI.
#pragma once

#include <CLI/CLI.hpp>

#include "cli.hpp"

namespace hookctl::cli {

// Registers the hidden `__complete` command. It prints one candidate per line, optionally
// followed by a tab and a description, or the single line `__files__` when a file path is
// expected. It never fails loudly, never prints a secret and never creates a store.
void register_complete_command(CLI::App& app, Context& ctx);

}  // namespace hookctl::cli
