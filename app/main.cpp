// hookctl's entry point; the CLI itself is the hookctl_cli library (run_cli), so tests link it.
#include "cli.hpp"

int main(int argc, char** argv) { return hookctl::cli::run_cli(argc, argv); }
