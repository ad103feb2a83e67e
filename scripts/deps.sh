#!/usr/bin/env bash
# Installs the Debian 12 packages hookctl needs to build and test, only when some are missing.
# Sourced or run by scripts/demo and scripts/test; needs root or sudo for apt-get.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libcli11-dev libsqlitecpp-dev libsqlite3-dev libsodium-dev libfmt-dev nlohmann-json3-dev catch2
  sqlite3 mandoc groff-base clang-format git
  clang libclang-rt-14-dev llvm
  bash-completion zsh fish shellcheck jq man-db dpkg-dev file
  libboost-dev nginx
  libpq-dev postgresql-15
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "hookctl: installing missing packages: ${missing[*]}" >&2
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "hookctl: run as root or install sudo" >&2; exit 1; }
    as_root=(sudo)
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
