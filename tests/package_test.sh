#!/usr/bin/env bash
# Packaging: `cmake --install` lays out binary, manual and completions by GNUInstallDirs, and
# `cpack -G DEB` builds a package whose extracted tree runs and reads as a manual.
set -u
build=$1
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# cmake --install into a staging prefix.
cmake --install "$build" --prefix "$work/prefix" >/dev/null || bad "cmake --install"
for f in bin/hookctl share/man/man1/hookctl.1.gz share/bash-completion/completions/hookctl \
         share/zsh/vendor-completions/_hookctl share/fish/vendor_completions.d/hookctl.fish \
         lib/systemd/system/hookctl-serve.service lib/sysusers.d/hookctl.conf \
         share/hookctl/nginx/hookctl-upstream.conf share/hookctl/nginx/hookctl-check.conf \
         share/doc/hookctl/examples/sudoers.hookctl; do
  [ -e "$work/prefix/$f" ] && ok "installed $f" || bad "missing $f after cmake --install"
done

# The unit's store is the one `sudo -u hookctl hookctl` finds by itself: the default store in the
# home the system user is given.
home=$(awk '$1 == "u" && $2 == "hookctl" { print $(NF-1) }' "$work/prefix/lib/sysusers.d/hookctl.conf")
unit_db=$(sed -n 's/^Environment=HOOKCTL_DB=//p' "$work/prefix/lib/systemd/system/hookctl-serve.service")
[ "$unit_db" = "$home/.local/share/hookctl/store.db" ] &&
  ok "the unit's store is the hookctl user's default store ($unit_db)" ||
  bad "the unit's store $unit_db is not the default store of a user whose home is $home"
grep -q "^ConditionPathExists=$unit_db\$" "$work/prefix/lib/systemd/system/hookctl-serve.service" &&
  ok "the unit waits for that store" || bad "ConditionPathExists is not $unit_db"
# The sudoers example lets its group run hookctl, and nothing else, as hookctl.
sudoers="$work/prefix/share/doc/hookctl/examples/sudoers.hookctl"
rules=$(grep -v '^#' "$sudoers" | grep -v '^Defaults' | grep -v '^$')
[ "$rules" = "%hookctl-admins ALL = (hookctl) /usr/bin/hookctl" ] && ok "sudoers example: one rule" ||
  bad "sudoers example rules: $rules"
if command -v visudo >/dev/null; then
  visudo -cf "$sudoers" >/dev/null && ok "visudo accepts the sudoers example" ||
    bad "visudo rejects the sudoers example"
fi

# cpack -G DEB, then extract into a temporary root and use it from there.
(cd "$build" && cpack -G DEB -B "$work/pkg" >/dev/null 2>&1) || bad "cpack -G DEB"
deb=$(ls "$work"/pkg/hookctl_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] && ok "package built: $(basename "$deb")" || { bad "no .deb produced"; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libsodium23 libsqlite3-0; do
  [[ $depends == *"$lib"* ]] && ok "Depends has $lib" || bad "Depends lacks $lib: $depends"
done
# fmt is header-only; the C++ runtime is linked in (faster start; see bench/NOTES.md) except in
# sanitizer builds, so Depends names libstdc++6 exactly when the binary needs libstdc++.so.
[[ $depends != *libfmt* ]] && ok "Depends has no libfmt" || bad "Depends has libfmt: $depends"
[ "$(dpkg-deb -f "$deb" Section)" = admin ] && ok "Section admin" || bad "Section is not admin"
dpkg-deb -x "$deb" "$work/root" || bad "dpkg-deb -x"
if readelf -d "$work/root/usr/bin/hookctl" | grep -q 'NEEDED.*libstdc++'; then
  [[ $depends == *libstdc++6* ]] && ok "Depends has libstdc++6, which the binary needs" ||
    bad "Depends lacks libstdc++6: $depends"
else
  [[ $depends != *libstdc++6* ]] && ok "Depends has no libstdc++6 (runtime linked in)" ||
    bad "Depends has libstdc++6, which the binary does not need: $depends"
fi
version=$("$work/root/usr/bin/hookctl" --version 2>&1)
[[ $version == hookctl* ]] && ok "extracted binary runs: $version" || bad "extracted binary: $version"
HOOKCTL_DB="$work/s.db" "$work/root/usr/bin/hookctl" user create pkg-test --no-password >/dev/null \
  && ok "extracted binary creates a store" || bad "extracted binary cannot create a store"
file "$work/root/usr/share/man/man1/hookctl.1.gz" | grep -q gzip && ok "man page gzipped" || bad "man page not gzipped"
page=$(MANPAGER=cat MANWIDTH=80 man -l "$work/root/usr/share/man/man1/hookctl.1.gz" 2>&1)
[[ $page == *"EXIT STATUS"* && $page == *"auth verify"* ]] && ok "man -l renders the page" || bad "man -l: ${page:0:200}"
for f in usr/share/bash-completion/completions/hookctl usr/share/zsh/vendor-completions/_hookctl \
         usr/share/fish/vendor_completions.d/hookctl.fish; do
  [ -f "$work/root/$f" ] && ok "package has $f" || bad "package lacks $f"
done
# hookctl serve: the unit runs as the system user that the package's postinst creates.
unit=$work/root/usr/lib/systemd/system/hookctl-serve.service
[ -f "$unit" ] && ok "package has the systemd unit" || bad "package lacks hookctl-serve.service"
for line in User=hookctl StateDirectory=hookctl NoNewPrivileges=yes ProtectSystem=strict; do
  grep -qx "$line" "$unit" 2>/dev/null && ok "unit: $line" || bad "unit lacks $line"
done
exec_start=$(sed -n 's/^ExecStart=//p' "$unit" 2>/dev/null)
[[ $exec_start == /usr/bin/hookctl\ serve* ]] && ok "unit starts /usr/bin/hookctl serve" || bad "unit ExecStart: $exec_start"
if command -v systemd-analyze >/dev/null; then
  # An extracted package has no sysinit.target to start from: that line is the environment's.
  out=$(systemd-analyze verify --man=no --root="$work/root" "$unit" 2>&1 |
        grep -v -e 'sysinit.target not found' -e '^$') || true
  [ -z "$out" ] && ok "systemd-analyze verify" || bad "systemd-analyze verify: $out"
fi
dpkg-deb -e "$deb" "$work/control" || bad "dpkg-deb -e"
grep -q 'useradd --system' "$work/control/postinst" 2>/dev/null && [ -x "$work/control/postinst" ] \
  && ok "postinst creates the system user" || bad "postinst does not create the hookctl user"
for f in hookctl-upstream.conf hookctl-check.conf; do
  cmp -s "$work/root/usr/share/hookctl/nginx/$f" "$(dirname "$0")/../server/dist/$f" \
    && ok "package ships nginx snippet $f as tested" || bad "package lacks or changed $f"
done
exit $fail
