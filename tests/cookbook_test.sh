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
for r in using-it cron systemd rotate repair offboard service-account import lock delegate admin-token \
  audit-export; do
  [ -n "$(recipe "$r")" ] || bad "recipe $r not found in README"
done

# --- using it: the README's first steps, under dash (POSIX sh, as /bin/sh on Debian), stopping
# at the first failure
new_sandbox
out=$(cd "$work" && sh -e <(recipe using-it) 2>/dev/null) || bad "using-it block failed under sh -e: $out"
expect "using it: the bound token verifies" "200" "$out"
expect "using it: the report lists nobody" "[]" "$out"
rm -rf "$work"

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
out=$("$work/hookctl-inactivity" 2>&1) || bad "cron recipe failed: $out"
[ -z "$out" ] && ok "cron: prints nothing when it succeeds" || bad "cron: printed: $out"
log=$(cat "$work/mail.log" 2>/dev/null)
expect "cron: alice is warned" "mail -s hookctl: account alice goes inactive soon -- alice@example.com" "$log"
expect "cron: the mail says when" "becomes inactive at 2026-01-09T00:00:00Z" "$log"
expect "cron: an account without e-mail goes to the admin" "mail -s hookctl: account carol goes inactive soon -- root" "$log"
[[ $log == *bob* || $log == *dave* ]] && bad "cron: mailed an account not due (bob) or already inactive (dave)" || ok "cron: only accounts due are mailed"
rm -f "$work/mail.log"
out=$(HOOKCTL_NOW=2025-11-01T00:00:00Z "$work/hookctl-inactivity" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && [ ! -e "$work/mail.log" ] && ok "cron: silent on a day nobody is due" || bad "cron: quiet day: rc=$rc out=$out"
out=$(HOOKCTL_DB="$work/typo.db" "$work/hookctl-inactivity" 2>&1) && bad "cron: a missing store exits 0" || ok "cron: a missing store fails the job"
expect "cron: and says where it looked" "typo.db" "$out"
[ -e "$work/typo.db" ] && bad "cron: created a store" || ok "cron: created no store"
HOOKCTL_NOW=yesterday "$work/hookctl-inactivity" >/dev/null 2>&1 && bad "cron: a malformed HOOKCTL_NOW exits 0" || ok "cron: a malformed HOOKCTL_NOW fails the job"
printf '#!/bin/sh\ncat >/dev/null; exit 1\n' > "$work/bin/mail"
"$work/hookctl-inactivity" >/dev/null 2>&1 && bad "cron: a failed mail exits 0" || ok "cron: a failed mail fails the job"

# --- systemd: the timer's service runs the same script, with the user and store the unit names
units=$(recipe systemd)
expect "systemd: daily timer" "OnCalendar=daily" "$units"
expect "systemd: the unit names its user" "User=hookctl" "$units"
expect "systemd: the unit names its store" "Environment=HOOKCTL_DB=" "$units"
exec_start=$(printf '%s\n' "$units" | sed -n 's/^ExecStart=//p')
mkdir -p "$work/usr/local/sbin" && cp "$work/hookctl-inactivity" "$work/usr/local/sbin/"
cat > "$work/bin/mail" <<'STUB'
#!/bin/sh
{ echo "mail $*"; cat; echo "--"; } >> "$SANDBOX/mail.log"
STUB
rm -f "$work/mail.log"
# As systemd runs it: an empty environment plus the unit's Environment= lines (the store path
# pointed at the scratch store, as the unit's points at /var/lib/hookctl).
mapfile -t unit_env < <(printf '%s\n' "$units" | sed -n 's/^Environment=//p' | sed "s|^HOOKCTL_DB=.*|HOOKCTL_DB=$work/store.db|")
env -i PATH="$work/bin:/usr/bin:/bin" SANDBOX="$work" HOOKCTL_NOW="$HOOKCTL_NOW" "${unit_env[@]}" "$work$exec_start" \
  && expect "systemd: ExecStart under env -i mails alice" "alice@example.com" "$(cat "$work/mail.log")" \
  || bad "systemd: ExecStart under env -i failed"
env -i PATH="$work/bin:/usr/bin:/bin" SANDBOX="$work" "$work$exec_start" >/dev/null 2>&1 \
  && bad "systemd: without the unit's store it exits 0" || ok "systemd: without the unit's store it fails"
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
# Run again within the hour (a retry): refused, and the secret store keeps the working secret.
"$work/rotate-token" "$id" >/dev/null 2>&1 && bad "rotate: a retry within the grace exits 0" || ok "rotate: a retry within the grace fails"
[ "$(cat "$work/secrets/webhook-token-$id")" = "$new" ] && ok "rotate: the failed retry left the secret store alone" || bad "rotate: the failed retry overwrote the secret"
expect "rotate: both secrets still work after the refused retry" "200" "$(verify orders "$old")"
hookctl token revoke --yes -- "$id" >/dev/null
HOOKCTL_NOW=2026-01-02T00:00:00Z "$work/rotate-token" "$id" >/dev/null 2>&1 && bad "rotate: a revoked token exits 0" || ok "rotate: a revoked token fails"
[ "$(cat "$work/secrets/webhook-token-$id")" = "$new" ] && ok "rotate: the failed rotation left the secret store alone" || bad "rotate: a failed rotation overwrote the secret"
rm -rf "$work"

# --- repair a webhook whose owner went inactive
new_sandbox
hookctl user create alice --no-password >/dev/null
app=$(hookctl webhook create orders --owner alice 2>/dev/null)
hookctl user create healthy --service --no-password >/dev/null
good=$(hookctl webhook create fine --owner healthy 2>/dev/null)
export HOOKCTL_NOW=2026-03-15T00:00:00Z
hookctl user create svc-orders --service --no-password >/dev/null 2>&1
expect "repair: broken before" "401 owner-inactive" "$(verify orders "$app")"
recipe repair > "$work/repair-webhook" && chmod +x "$work/repair-webhook"
out=$("$work/repair-webhook" orders svc-orders 2>&1) || bad "repair recipe failed: $out"
fresh=$(cat "$work/secrets/webhook-orders" 2>/dev/null)
expect "repair: new App token works" "200" "$(verify orders "$fresh")"
out=$("$work/repair-webhook" orders svc-orders 2>&1) || bad "repair recipe failed the second time: $out"
expect "repair: a second run finds nothing to repair" "nothing to repair" "$out"
[ "$(cat "$work/secrets/webhook-orders")" = "$fresh" ] && ok "repair: the second run kept the new token" || bad "repair: the second run replaced the token"
expect "repair: the token of the first run still works" "200" "$(verify orders "$fresh")"
hookctl user reactivate healthy >/dev/null 2>&1
out=$("$work/repair-webhook" fine svc-orders 2>&1) || bad "repair of a healthy webhook failed: $out"
[ ! -e "$work/secrets/webhook-fine" ] && ok "repair: a healthy webhook is left alone" || bad "repair: replaced a healthy webhook's token"
"$work/repair-webhook" nosuch svc-orders >/dev/null 2>&1 && bad "repair: an unknown webhook exits 0" || ok "repair: an unknown webhook fails"
HOOKCTL_DB="$work/typo.db" "$work/repair-webhook" orders svc-orders >/dev/null 2>&1 && bad "repair: a missing store exits 0" || ok "repair: a missing store fails"
rm -rf "$work"

# --- offboard a leaver
new_sandbox
hookctl user create alice --no-password >/dev/null
hookctl user create svc-orders --service --no-password >/dev/null
own=$(hookctl token create --user svc-orders 2>/dev/null)
app=$(hookctl webhook create orders --owner alice 2>/dev/null)
api=$(hookctl token create --user alice 2>/dev/null)
hookctl webhook create invoices --owner alice >/dev/null 2>&1
hookctl webhook bind invoices --token "${api:4:12}" >/dev/null
hookctl webhook create legacy --owner alice --auth basic >/dev/null 2>&1
recipe offboard > "$work/offboard" && chmod +x "$work/offboard"
out=$("$work/offboard" alice svc-orders 2>&1) || bad "offboard recipe failed: $out"
[ "$(hookctl user show alice >/dev/null 2>&1; echo $?)" = 3 ] && ok "offboard: alice deleted" || bad "offboard: alice still there"
expect "offboard: orders works with the rotated secret" "200" "$(verify orders "$(cat "$work/secrets/webhook-token-${app:4:12}")")"
expect "offboard: invoices works with the rotated secret" "200" "$(verify invoices "$(cat "$work/secrets/webhook-token-${api:4:12}")")"
expect "offboard: the leaver's old secret still works during the 1d grace" "200" "$(verify orders "$app")"
expect "offboard: and not after it" "401" "$(HOOKCTL_NOW=2026-01-02T00:00:00Z verify orders "$app")"
[ ! -e "$work/secrets/webhook-token-${own:4:12}" ] && ok "offboard: the heir's own token is not rotated" || bad "offboard: rotated a token the leaver never had"
expect "offboard: the Basic-auth username change is said" "legacy: callers must now send username svc-orders" "$out"
# A failing delete (an unknown heir) stops before any rotation.
hookctl user create bob --no-password >/dev/null
bobs=$(hookctl token create --user bob 2>/dev/null)
"$work/offboard" bob nobody >/dev/null 2>&1 && bad "offboard: an unknown heir exits 0" || ok "offboard: an unknown heir fails"
[ ! -e "$work/secrets/webhook-token-${bobs:4:12}" ] && ok "offboard: nothing rotated after a failed delete" || bad "offboard: rotated after a failed delete"
# A rotation that fails (the leaver's token has expired) fails the recipe, and the secret store
# keeps what it had for that token: never an empty secret over a good one.
hookctl user create carol --no-password >/dev/null
expired=$(hookctl token create --user carol --expires-in 1d 2>/dev/null)
printf 'kept' > "$work/secrets/webhook-token-${expired:4:12}"
if HOOKCTL_NOW=2026-01-03T00:00:00Z "$work/offboard" carol svc-orders >/dev/null 2>&1; then
  bad "offboard: a failed rotation (expired token) exits 0"
else
  ok "offboard: a failed rotation (expired token) fails the recipe"
fi
[ "$(cat "$work/secrets/webhook-token-${expired:4:12}")" = kept ] &&
  ok "offboard: the failed rotation left the stored secret alone" ||
  bad "offboard: the failed rotation overwrote the stored secret"
rm -rf "$work"

# --- move webhooks onto a service account
new_sandbox
hookctl user create alice --no-password >/dev/null
hookctl user create bob --no-password >/dev/null
shop_app=$(hookctl webhook create shop-orders --owner alice 2>/dev/null)
hookctl webhook create shop-refunds --owner alice >/dev/null 2>&1
hookctl webhook create bobs-hook --owner bob >/dev/null 2>&1
out=$(bash -e <(recipe service-account) 2>&1) || bad "service-account recipe failed: $out"
expect "service account: the old App token still works during the grace" "200" "$(verify shop-orders "$shop_app")"
token=$(cat "$work/secrets/shop-webhooks" 2>/dev/null)
expect "service account: shop-orders accepts the integration token" "200" "$(verify shop-orders "$token")"
expect "service account: shop-refunds accepts it" "200" "$(verify shop-refunds "$token")"
expect "service account: other owners' webhooks untouched" "401 not-bound" "$(verify bobs-hook "$token")"
owners=$(hookctl webhook list --json | jq -r '.[] | "\(.name)=\(.owner)"' | tr '\n' ' ')
expect "service account: owners after the move" "shop-orders=svc-integrations shop-refunds=svc-integrations" "$owners"
rm -rf "$work"

# --- service account: a bind that would be refused stops the recipe before any webhook moves
new_sandbox
hookctl user create alice --no-password >/dev/null
hookctl webhook create shop-orders --owner alice >/dev/null 2>&1
hookctl webhook create shop-refunds --owner alice >/dev/null 2>&1
# svc-integrations exists already: the recipe fails at its first step and moves nothing.
hookctl user create svc-integrations --service --no-password >/dev/null
before=$(hookctl webhook list --json | jq -c '[.[] | .token]')
if out=$(bash -e <(recipe service-account) 2>&1); then bad "service account: a failing step must fail the recipe"; else ok "service account: a failing step fails the recipe"; fi
expect "service account: nothing moved after a failure" "$before" "$(hookctl webhook list --json | jq -c '[.[] | .token]')"
rm -rf "$work"

# --- import: re-runnable; a bad line fails the run and adds nothing
new_sandbox
recipe import > "$work/import-accounts" && chmod +x "$work/import-accounts"
printf '%s\n' '{"name":"ann"}' '{"name":"svc-legacy","kind":"service"}' > "$work/export.jsonl"
out=$("$work/import-accounts" "$work/export.jsonl" 2>&1) || bad "import recipe failed: $out"
expect "import: adds the accounts" "Imported 2 accounts" "$out"
printf '%s\n' '{"name":"bea"}' >> "$work/export.jsonl"
out=$("$work/import-accounts" "$work/export.jsonl" 2>&1) || bad "import recipe failed the second time: $out"
expect "import: a re-run adds only the new account" "Imported 1 account; skipped 2 that already exist." "$out"
printf '%s\n' '{"name":"cid","email":"not-an-address"}' '{"name":"dan"}' >> "$work/export.jsonl"
if out=$("$work/import-accounts" "$work/export.jsonl" 2>&1); then bad "import: a bad line must fail the run"; else ok "import: a bad line fails the run"; fi
expect "import: the message names the line and field" 'line 4: "email"' "$out"
expect "import: nothing added by a failed run" "3" "$(hookctl user list --json | jq length)"
rm -rf "$work"

# --- lock: password access goes, the tokens keep working
new_sandbox
printf 'correct horse battery\n' | hookctl user create alice --password-stdin >/dev/null
hook=$(hookctl webhook create orders --owner alice 2>/dev/null)
out=$(bash -e <(recipe lock) 2>&1) || bad "lock recipe failed: $out"
if printf 'correct horse battery\n' | hookctl auth login alice >/dev/null 2>&1; then bad "lock: login must be refused"; else ok "lock: login refused"; fi
expect "lock: the webhook still accepts its token" "200" "$(verify orders "$hook")"
rm -rf "$work"

# --- delegate: a help desk that may reactivate accounts, in a delegated store
new_sandbox
hookctl user create alice --no-password >/dev/null 2>&1
printf 'help desk password\n' > "$work/helpdesk.password"
printf 'administrator password\n' > "$work/admin.password"
out=$(cd "$work" && bash -e <(recipe delegate) 2>&1) || bad "delegate recipe failed: $out"
export HOOKCTL_NOW=2026-06-01T00:00:00Z  # alice is inactive by now; so are the others
hookctl --owner-override user reactivate helpdesk >/dev/null
if hookctl user reactivate alice >/dev/null 2>&1; then bad "delegate: no actor must be refused"; else ok "delegate: no actor refused"; fi
if printf 'help desk password\n' | hookctl --as helpdesk --as-password-fd 0 user reactivate alice >/dev/null 2>&1; then
  ok "delegate: the help desk reactivates"
else
  bad "delegate: the help desk must reactivate alice"
fi
if printf 'help desk password\n' | hookctl --as helpdesk --as-password-fd 0 policy set inactivity-period 30d --yes >/dev/null 2>&1; then
  bad "delegate: the help desk must not change policy"
else
  ok "delegate: policy refused to the help desk"
fi
rm -rf "$work"

# --- admin-token / audit-export: a cron job acting with an admin token in a delegated store
new_sandbox
printf 'administrator password\n' > "$work/admin.password"
printf 'help desk password\n' > "$work/helpdesk.password"
(cd "$work" && bash -e <(recipe delegate)) >/dev/null 2>&1 || bad "admin-token: delegate set-up failed"
# The administrator's password comes on fd 3, opened for each command, where the recipe's admin
# would type it.
out=$(cd "$work" && bash -e <(recipe admin-token |
  sed '/--as admin /{s/--as admin /--as admin --as-password-fd 3 /; s/$/ 3<admin.password/}') 2>&1) ||
  bad "admin-token recipe failed: $out"
[ "$(stat -c %a "$work/audit-export.token")" = 600 ] && ok "admin-token: the token file is 0600" ||
  bad "admin-token: the token file is not 0600"
grep -q '^hkm_' "$work/audit-export.token" && ok "admin-token: the file holds an admin token" ||
  bad "admin-token: no hkm_ secret in the file"
recipe audit-export > "$work/export"
export HOOKCTL_NOW=2026-01-02T00:00:00Z  # the next day's run
chmod +x "$work/export"
export HOOKCTL_AS_TOKEN_FILE="$work/audit-export.token" LOG="$work/audit.jsonl"
out=$("$work/export" 2>&1) && ok "audit-export: the job runs" || bad "audit-export failed: $out"
expect "audit-export: the log holds the grant" '"action":"user.grant"' "$(cat "$work/audit.jsonl")"
expect "audit-export: the job's account acted" "admin:" \
  "$(hookctl --json user show audit-export | jq -r .last_activity_source)"
# Revoked, the job fails loudly and appends nothing.
id=$(cut -c5-16 "$work/audit-export.token")
printf 'administrator password\n' | hookctl --as admin --as-password-fd 0 token revoke "$id" --yes >/dev/null 2>&1 ||
  bad "admin-token: revoke failed"
lines=$(wc -l < "$work/audit.jsonl")
if "$work/export" >/dev/null 2>&1; then bad "audit-export: a revoked token must fail the job"; else
  ok "audit-export: a revoked token fails the job"; fi
[ "$(wc -l < "$work/audit.jsonl")" = "$lines" ] && ok "audit-export: nothing appended after the refusal" ||
  bad "audit-export: appended after the refusal"
unset HOOKCTL_AS_TOKEN_FILE LOG
rm -rf "$work"

exit $fail
