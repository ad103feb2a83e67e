#!/usr/bin/env bash
# Configures and builds hookctl in build/ (Release-with-debug-info; -Werror under CI).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHOOKCTL_WERROR="$werror" >/dev/null
cmake --build "$root/build" -j "$(nproc)"
