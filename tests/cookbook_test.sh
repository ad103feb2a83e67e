#!/usr/bin/env bash
# Runs every README cookbook recipe verbatim against a scratch store and checks its effect.
# `mail` and `update-secret` are stubs that record what they were given.
set -u
bin=$1
readme=$2
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
expect() { if [[ "$3" == *"$2"* ]]; then ok "$1"; else bad "$1: expected '$2' in: $3"; fi; }

recipe() {  # prints the fenced block that follows <!-- recipe:NAME -->
  awk -v name="$1" '
    $0 == "<!-- recipe:" name " -->" { armed = 1; next }
    armed && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "$readme"
}

new_sandbox() {
  work=$(mktemp -d)
  mkdir -p "$work/bin" "$work/secrets"
  ln -s "$bin" "$work/bin/hookctl"
  cat > "$work/bin/mail" <<'STUB'
#!/bin/sh
{ echo "mail $*"; cat; echo "--"; } >> "$SANDBOX/mail.log"
STUB
  cat > "$work/bin/update-secret" <<'STUB'
#!/bin/sh
cat > "$SANDBOX/secrets/$1"
STUB
  chmod +x "$work/bin/mail" "$work/bin/update-secret"
  export SANDBOX=$work PATH="$work/bin:/usr/bin:/bin" HOOKCTL_DB="$work/store.db" HOME="$work"
  export HOOKCTL_NOW=2026-01-01T00:00:00Z
}
verify() { printf 'Bearer %s' "$2" | hookctl auth verify "$1"; }
for r in cron systemd rotate repair offboard service-account; do
  [ -n "$(recipe "$r")" ] || bad "recipe $r not found in README"
done

# --- cron: mail owners of accounts going inactive within 14 days
new_sandbox
printf '%s\n' \
  '{"name":"alice","email":"alice@example.com","last_activity_at":"2025-11-10T00:00:00Z"}' \
  '{"name":"bob","email":"bob@example.com","last_activity_at":"2025-12-30T00:00:00Z"}' \
  '{"name":"carol","last_activity_at":"2025-11-12T00:00:00Z"}' \
  '{"name":"dave","email":"dave@example.com","last_activity_at":"2025-10-01T00:00:00Z"}' |
  hookctl user import >/dev/null
recipe cron > "$work/hookctl-inactivity"
chmod +x "$work/hookctl-inactivity"
"$work/hookctl-inactivity" || bad "cron recipe failed"
log=$(cat "$work/mail.log" 2>/dev/null)
expect "cron: alice is warned" "mail -s hookctl: account alice goes inactive soon -- alice@example.com" "$log"
expect "cron: the mail says when" "becomes inactive at 2026-01-09T00:00:00Z" "$log"
[[ $log == *bob* || $log == *dave* ]] && bad "cron: mailed an account not due (bob) or already inactive (dave)" || ok "cron: only accounts due are mailed"

# --- systemd: the timer's service runs the same script
units=$(recipe systemd)
expect "systemd: daily timer" "OnCalendar=daily" "$units"
exec_start=$(printf '%s\n' "$units" | sed -n 's/^ExecStart=//p')
mkdir -p "$work/usr/local/sbin" && cp "$work/hookctl-inactivity" "$work/usr/local/sbin/"
rm -f "$work/mail.log"
"$work$exec_start" && expect "systemd: ExecStart mails alice" "alice@example.com" "$(cat "$work/mail.log")"
if command -v systemd-analyze >/dev/null && [ -d /run/systemd/system ]; then
  printf '%s\n' "$units" | awk '/^# \/etc\/systemd\/system\//{f=$2; sub(/.*\//,"",f); next} f{print > "'"$work"'/" f}'
  systemd-analyze verify "$work/hookctl-inactivity.timer" >/dev/null 2>&1 && ok "systemd: units verify" || echo "note systemd-analyze verify unavailable here"
fi
rm -rf "$work"

# --- rotate with grace
new_sandbox
hookctl user create svc --service --no-password >/dev/null
old=$(hookctl token create --user svc 2>/dev/null)
id=${old:4:12}
hookctl webhook create orders --owner svc >/dev/null 2>&1
hookctl webhook bind orders --token "$id" >/dev/null
recipe rotate > "$work/rotate-token" && chmod +x "$work/rotate-token"
out=$("$work/rotate-token" "$id" 2>&1) || bad "rotate recipe failed: $out"
new=$(cat "$work/secrets/webhook-token-$id" 2>/dev/null)
[[ $new == hki_${id}_* && $new != "$old" ]] && ok "rotate: new secret handed over" || bad "rotate: no new secret: $new"
expect "rotate: old secret valid during grace" "200" "$(verify orders "$old")"
expect "rotate: new secret valid" "200" "$(verify orders "$new")"
expect "rotate: old secret refused after grace" "401 grace-ended" "$(HOOKCTL_NOW=2026-01-01T01:00:00Z verify orders "$old")"
rm -rf "$work"

# --- repair a webhook whose owner went inactive
new_sandbox
hookctl user create alice --no-password >/dev/null
app=$(hookctl webhook create orders --owner alice 2>/dev/null)
export HOOKCTL_NOW=2026-03-15T00:00:00Z
expect "repair: broken before" "401 owner-inactive" "$(verify orders "$app")"
out=$(bash -e <(recipe repair) 2>&1) || bad "repair recipe failed: $out"
expect "repair: lists the broken webhook" "orders" "$out"
fresh=$(cat "$work/secrets/webhook-orders" 2>/dev/null)
expect "repair: new App token works" "200" "$(verify orders "$fresh")"
expect "repair: old App token revoked" "401 revoked" "$(verify orders "$app")"
rm -rf "$work"

# --- offboard a leaver
new_sandbox
hookctl user create alice --no-password >/dev/null
hookctl user create svc-orders --service --no-password >/dev/null
app=$(hookctl webhook create orders --owner alice 2>/dev/null)
api=$(hookctl token create --user alice 2>/dev/null)
hookctl webhook create invoices --owner alice >/dev/null 2>&1
hookctl webhook bind invoices --token "${api:4:12}" >/dev/null
out=$(bash -e <(recipe offboard) 2>&1) || bad "offboard recipe failed: $out"
[ "$(hookctl user show alice >/dev/null 2>&1; echo $?)" = 3 ] && ok "offboard: alice deleted" || bad "offboard: alice still there"
expect "offboard: orders works with the rotated secret" "200" "$(verify orders "$(cat "$work/secrets/webhook-token-${app:4:12}")")"
expect "offboard: invoices works with the rotated secret" "200" "$(verify invoices "$(cat "$work/secrets/webhook-token-${api:4:12}")")"
expect "offboard: the leaver's old secret still works during the 1d grace" "200" "$(verify orders "$app")"
expect "offboard: and not after it" "401" "$(HOOKCTL_NOW=2026-01-02T00:00:00Z verify orders "$app")"
rm -rf "$work"

# --- move webhooks onto a service account
new_sandbox
hookctl user create alice --no-password >/dev/null
hookctl user create bob --no-password >/dev/null
hookctl webhook create shop-orders --owner alice >/dev/null 2>&1
hookctl webhook create shop-refunds --owner alice >/dev/null 2>&1
hookctl webhook create bobs-hook --owner bob >/dev/null 2>&1
out=$(bash -e <(recipe service-account) 2>&1) || bad "service-account recipe failed: $out"
token=$(cat "$work/secrets/shop-webhooks" 2>/dev/null)
expect "service account: shop-orders accepts the integration token" "200" "$(verify shop-orders "$token")"
expect "service account: shop-refunds accepts it" "200" "$(verify shop-refunds "$token")"
expect "service account: other owners' webhooks untouched" "401 not-bound" "$(verify bobs-hook "$token")"
owners=$(hookctl webhook list --json | jq -r '.[] | "\(.name)=\(.owner)"' | tr '\n' ' ')
expect "service account: owners after the move" "shop-orders=svc-integrations shop-refunds=svc-integrations" "$owners"
rm -rf "$work"

exit $fail
