#!/usr/bin/env bash
# Runs the example of `hookctl check --help`, as --help prints it, against scratch stores, with a
# `mail` stub that records what it is given: a job that mails the report when there are problems
# (exit 1), fails loudly without mailing when hookctl fails (exit 2 and up, e.g. a missing
# store), and does nothing at all when the store is healthy.
set -u
bin=$1
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
expect() { if [[ "$3" == *"$2"* ]]; then ok "$1"; else bad "$1: expected '$2' in: $3"; fi; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$bin" "$work/bin/hookctl"
cat > "$work/bin/mail" <<'STUB'
#!/bin/sh
{ echo "mail $*"; cat; echo "--"; } >> "$SANDBOX/mail.log"
STUB
chmod +x "$work/bin/mail"
export SANDBOX=$work PATH="$work/bin:/usr/bin:/bin" HOME="$work" HOOKCTL_NOW=2026-01-01T00:00:00Z

# The lines after "Example:", without the two spaces --help indents them by.
hookctl check --help | awk '/^Example:$/ { inside = 1; next } inside && /^  / { print substr($0, 3); next } inside { exit }' > "$work/example.sh"
example=$(cat "$work/example.sh")
expect "the example is there" "hookctl check" "$example"
expect "the example mails" "mail " "$example"

# run SHELL_ARGS...: runs the example in a fresh sandbox state; sets rc, out (stdout and stderr).
run() {
  rm -f "$work/mail.log"
  out=$("$@" "$work/example.sh" 2>&1)
  rc=$?
}

for shell in "sh" "sh -e" "bash"; do
  # (a) A missing store: non-zero, said on stderr, nothing mailed, no store created.
  export HOOKCTL_DB="$work/missing.db"
  run $shell
  [ $rc != 0 ] && ok "$shell: a missing store fails the job (exit $rc)" || bad "$shell: a missing store exits 0"
  expect "$shell: and the failure is said" "missing.db" "$out"
  [ ! -e "$work/mail.log" ] && ok "$shell: a missing store mails nothing" || bad "$shell: a missing store mailed: $(cat "$work/mail.log")"
  [ ! -e "$work/missing.db" ] && ok "$shell: no store created" || bad "$shell: created a store"

  # (b) A healthy store: a webhook on a service account, its token fresh. Silent, exit 0.
  export HOOKCTL_DB="$work/healthy.db"
  if [ ! -e "$HOOKCTL_DB" ]; then
    hookctl user create svc --service --no-password >/dev/null 2>&1
    hookctl webhook create orders --owner svc >/dev/null 2>&1
  fi
  run $shell
  [ $rc = 0 ] && ok "$shell: a healthy store exits 0" || bad "$shell: a healthy store exits $rc: $out"
  [ -z "$out" ] && ok "$shell: a healthy store prints nothing" || bad "$shell: a healthy store printed: $out"
  [ ! -e "$work/mail.log" ] && ok "$shell: a healthy store mails nothing" || bad "$shell: a healthy store mailed: $(cat "$work/mail.log")"

  # (c) A finding (a webhook on a person's token): the report is mailed, with a body.
  export HOOKCTL_DB="$work/finding.db"
  if [ ! -e "$HOOKCTL_DB" ]; then
    hookctl user create alice --no-password >/dev/null 2>&1
    hookctl webhook create invoices --owner alice >/dev/null 2>&1
  fi
  run $shell
  [ $rc = 0 ] && ok "$shell: a finding mailed exits 0" || bad "$shell: a finding exits $rc: $out"
  log=$(cat "$work/mail.log" 2>/dev/null)
  expect "$shell: the report is mailed" "mail -s hookctl check -- root" "$log"
  expect "$shell: the mail has the report as its body" "personal-owner" "$log"
  expect "$shell: the body names the webhook" "invoices" "$log"

  # A mail that cannot be sent fails the job.
  mv "$work/bin/mail" "$work/mail.ok"
  printf '#!/bin/sh\ncat >/dev/null; exit 1\n' > "$work/bin/mail" && chmod +x "$work/bin/mail"
  run $shell
  [ $rc != 0 ] && ok "$shell: a failed mail fails the job" || bad "$shell: a failed mail exits 0"
  mv "$work/mail.ok" "$work/bin/mail"
done

exit $fail
