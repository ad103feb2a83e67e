#!/usr/bin/env bash
# Every C++ source is clang-formatted (.clang-format at the top).
set -u
root=$1
command -v clang-format >/dev/null || { echo "clang-format is not installed (scripts/deps.sh installs it)"; exit 1; }
bad=$(cd "$root" && git ls-files '*.cpp' '*.hpp' 2>/dev/null || find lib app tests bench -name '*.[ch]pp')
fail=0
for f in $bad; do
  clang-format --dry-run -Werror "$root/$f" >/dev/null 2>&1 || { echo "not formatted: $f"; fail=1; }
done
exit $fail
