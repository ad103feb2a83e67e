#!/usr/bin/env bash
# Runs the EXAMPLES of the manual as a reader sees them (rendered by mandoc) against scratch
# stores: the cron job, the rotation, the lock-out that starts the offboarding, and the move of
# webhooks onto a service account. `ssh` is a stub that keeps what it is sent.
set -u
bin=$1
page=$2
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
expect() { if [[ "$3" == *"$2"* ]]; then ok "$1"; else bad "$1: expected '$2' in: $3"; fi; }
refute() { if [[ "$3" != *"$2"* ]]; then ok "$1"; else bad "$1: did not expect '$2' in: $3"; fi; }
for tool in mandoc col jq; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is not installed (scripts/deps.sh installs it)"; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$bin" "$work/bin/hookctl"
cat > "$work/bin/ssh" <<'STUB'
#!/bin/sh
cat > "$SANDBOX/sent"
STUB
chmod +x "$work/bin/ssh"
export SANDBOX=$work PATH="$work/bin:/usr/bin:/bin" HOME="$work"

# The EXAMPLES section as plain text; its examples are the lines indented deeper than the prose.
mandoc -T ascii -O width=400 "$page" | col -bx | awk '/^EXAMPLES/ { on = 1; next } /^[A-Z]/ { on = 0 } on' > "$work/examples.txt"
# example PATTERN: the example block (lines indented 14, blank-line separated) holding PATTERN.
example() {
  awk -v pattern="$1" '
    /^              / { block = block substr($0, 15) "\n"; next }
    { if (index(block, pattern)) { printf "%s", block; found = 1; exit } block = "" }
    END { if (!found && index(block, pattern)) printf "%s", block }' "$work/examples.txt"
}
verify() { printf 'Bearer %s' "$2" | hookctl auth verify "$1"; }
new_store() { export HOOKCTL_DB="$work/$1.db" HOOKCTL_NOW=2026-01-01T00:00:00Z; }

# --- cron: `check --kind webhook-broken --kind webhook-at-risk --exit-code`, as cron runs it
line=$(example "5 7 * * *" | sed -n 's/^5 7 \* \* \*  //p')
expect "cron: the check line selects the kinds that break webhooks" \
  "check --kind webhook-broken --kind webhook-at-risk" "$line"
expect "cron: with --exit-code" "--exit-code" "$line"
printf '%s\n' "$line" | sed 's/\\%/%/g' > "$work/cron-check"   # cron turns \% into %
new_store missing
out=$(sh "$work/cron-check" 2>&1) && bad "cron: a missing store exits 0" || ok "cron: a missing store fails the job"
expect "cron: and says so" "missing.db" "$out"
[ ! -e "$HOOKCTL_DB" ] && ok "cron: no store created" || bad "cron: created a store"
new_store cron
hookctl user create svc --service --no-password >/dev/null
hookctl webhook create orders --owner svc >/dev/null 2>&1
hookctl user create alice --no-password >/dev/null
hookctl webhook create personal --owner alice >/dev/null 2>&1
out=$(sh "$work/cron-check" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && ok "cron: quiet when no webhook breaks (a personal owner is not mailed daily)" ||
  bad "cron: healthy: rc=$rc out=$out"
id=$(hookctl --json webhook show orders | jq -r .token)
hookctl token revoke --yes -- "$id" >/dev/null
out=$(sh "$work/cron-check" 2>&1); rc=$?
[ $rc = 0 ] && ok "cron: a broken webhook is reported, the job succeeds" || bad "cron: broken: rc=$rc"
expect "cron: the report names the broken webhook" "orders" "$out"
refute "cron: only the kinds asked for" "personal-owner" "$out"

# --- rotation: proved with `token test`, which records no activity
new_store rotate
hookctl user create svc --service --no-password >/dev/null
old=$(hookctl token create --user svc 2>/dev/null)
id=${old:4:12}
hookctl webhook create orders --owner svc >/dev/null 2>&1
hookctl webhook bind orders --token "$id" >/dev/null
example "hookctl token rotate --grace 1h" | sed "s/^id=.*/id=$id/" > "$work/rotate"
expect "rotate: proves the secret with token test" "hookctl token test" "$(cat "$work/rotate")"
before=$(hookctl --json user show svc | jq -c '[.last_activity_at, (.token_list[] | .last_used_at)]')
out=$(sh "$work/rotate" 2>&1) || bad "rotate: failed: $out"
new=$(cat "$work/sent" 2>/dev/null)
[[ $new == hki_${id}_* && $new != "$old" ]] && ok "rotate: the new secret reached the sender" || bad "rotate: sent: $new"
after=$(hookctl --json user show svc | jq -c '[.last_activity_at, (.token_list[] | .last_used_at)]')
[ "$before" = "$after" ] && ok "rotate: proving the secret recorded no activity" || bad "rotate: activity changed: $before -> $after"
expect "rotate: the new secret works" "200" "$(verify orders "$new")"
printf 'hki_%s_wrong\n' "$id" > "$work/wrong"
sed 's/^new=.*/new=$(cat "$SANDBOX\/wrong")/' "$work/rotate" > "$work/rotate-wrong"
HOOKCTL_NOW=2026-01-02T00:00:00Z sh "$work/rotate-wrong" >/dev/null 2>&1 && bad "rotate: a wrong secret passes the proof" || ok "rotate: a secret that does not match stops the script"

# --- offboarding: the lock-out removes password access and keeps the tokens working
new_store offboard
printf 'correct horse battery\n' | hookctl user create alice --password-stdin >/dev/null
hook=$(hookctl webhook create orders --owner alice 2>/dev/null)
lock=$(example "hookctl user delete alice --yes" | sed -n 's/^\$ \(.*set-password.*\)/\1/p')
expect "offboard: locks out with --no-password" "--no-password" "$lock"
sh -ec "$lock" >/dev/null 2>&1 || bad "offboard: the lock-out failed: $lock"
printf 'correct horse battery\n' | hookctl auth login alice >/dev/null 2>&1 && bad "offboard: login still works" || ok "offboard: login refused"
[ "$(hookctl --json user show alice | jq -r .has_password 2>/dev/null)" != true ] && ok "offboard: no password left" || bad "offboard: a password is left"
expect "offboard: the webhook still accepts its token" "200" "$(verify orders "$hook")"

# --- moving webhooks onto a service account: fails loudly, never half moved
example "hookctl --json check --kind personal-owner" > "$work/move"
expect "move: set -eu" "set -eu" "$(head -1 "$work/move")"
expect "move: rehearses each bind" "--dry-run" "$(cat "$work/move")"
new_store move
hookctl user create alice --no-password >/dev/null
hookctl webhook create shop-orders --owner alice >/dev/null 2>&1
hookctl webhook create shop-refunds --owner alice >/dev/null 2>&1
hookctl user create svc-other --service --no-password >/dev/null
hookctl webhook create other --owner svc-other >/dev/null 2>&1
out=$(sh "$work/move" 2>&1) || bad "move: failed: $out"
owners=$(hookctl --json webhook list | jq -r '.[] | "\(.name)=\(.owner)"' | tr '\n' ' ')
expect "move: every personal webhook moved" "shop-orders=svc-shop shop-refunds=svc-shop" "$owners"
expect "move: others untouched" "other=svc-other" "$owners"
# A missing store fails the script before anything creates one.
new_store move-missing
out=$(sh "$work/move" 2>&1) && bad "move: a missing store exits 0" || ok "move: a missing store fails the script"
expect "move: and says where it looked" "move-missing.db" "$out"
[ ! -e "$HOOKCTL_DB" ] && ok "move: a missing store is not created" || bad "move: created a store"
# Nothing to move: nothing created.
new_store move-nothing
hookctl user create svc-other --service --no-password >/dev/null
out=$(sh "$work/move" 2>&1) || bad "move: nothing to move fails: $out"
hookctl user show svc-shop >/dev/null 2>&1 && bad "move: created the service account for nothing" || ok "move: nothing to move creates nothing"
# A bind that would be refused stops the script before any webhook moves: a hookctl that refuses
# to bind shop-refunds (exit 4), as it would a token gone unusable.
new_store move-refused
hookctl user create alice --no-password >/dev/null
hookctl webhook create shop-orders --owner alice >/dev/null 2>&1
hookctl webhook create shop-refunds --owner alice >/dev/null 2>&1
mkdir -p "$work/refusing"
cat > "$work/refusing/hookctl" <<STUB
#!/bin/sh
case " \$* " in *" bind "*" shop-refunds "*) echo "hookctl: refused" >&2; exit 4 ;; esac
exec "$bin" "\$@"
STUB
chmod +x "$work/refusing/hookctl"
before=$(hookctl --json webhook list | jq -c '[.[] | .token]')
PATH="$work/refusing:$PATH" sh "$work/move" >/dev/null 2>&1 && bad "move: a refused bind exits 0" || ok "move: a refused bind fails the script"
expect "move: nothing moved after a refusal" "$before" "$(hookctl --json webhook list | jq -c '[.[] | .token]')"

exit $fail
