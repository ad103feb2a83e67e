#!/usr/bin/env bash
# Completions for bash, zsh and fish, exercised for real against a scratch store:
# bash through bash-completion's machinery (COMP_WORDS/COMP_CWORD + the function), fish through
# `complete -C`, zsh through `zsh -n` and a zpty session with compinit, plus shellcheck.
set -u
bin=$1
src=$2
fail=0
check() {  # check NAME EXPECTED_SUBSTRING ACTUAL
  if [[ "$3" == *"$2"* ]]; then echo "ok   $1"; else echo "FAIL $1: expected '$2' in: $3"; fail=1; fi
}
refute() {
  if [[ "$3" != *"$2"* ]]; then echo "ok   $1"; else echo "FAIL $1: did not expect '$2' in: $3"; fail=1; fi
}
for tool in bash zsh fish shellcheck; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is not installed (scripts/deps.sh installs it)"; exit 1; }
done
[ -f /usr/share/bash-completion/bash_completion ] || { echo "FAIL bash-completion is not installed"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$bin" "$work/bin/hookctl"
export PATH="$work/bin:$PATH" HOOKCTL_DB="$work/store.db" HOME="$work"
unset HOOKCTL_NOW

# A completion on a missing store offers no names and creates nothing.
out=$(hookctl __complete user show "" 2>&1)
check "no store: no output" "" "$out"
[ -e "$work/store.db" ] && { echo "FAIL completion created a store"; fail=1; } || echo "ok   no store created"

hookctl user create alice --no-password >/dev/null
hookctl user create svc-orders --service --no-password >/dev/null
secret=$(hookctl token create --user svc-orders 2>/dev/null)
app_secret=$(hookctl webhook create orders --owner alice 2>/dev/null)
id=${secret:4:12}
app_id=${app_secret:4:12}
labelled=$(hookctl token create --user svc-orders --name deploy-bot 2>/dev/null)
printf '{"name":"olduser","last_activity_at":"2020-01-01T00:00:00Z"}\n' | hookctl user import >/dev/null

bash_complete() {  # words... ; the last word is the one being completed
  bash -c 'source /usr/share/bash-completion/bash_completion; source "$0"; COMP_WORDS=(hookctl "$@"); COMP_CWORD=$#; _hookctl; printf "%s\n" "${COMPREPLY[@]}"' "$src/hookctl" "$@"
}
check "bash: subcommands" "webhook" "$(bash_complete "")"
check "bash: prefix" "user" "$(bash_complete us)"
refute "bash: prefix filters" "token" "$(bash_complete us)"
check "bash: nested" "reactivate" "$(bash_complete user "")"
check "bash: options" "--inactive-within" "$(bash_complete user list --)"
check "bash: enum --kind (user)" "service" "$(bash_complete user list --kind "")"
check "bash: enum --kind (token)" "api" "$(bash_complete token list --kind "")"
check "bash: enum --auth" "basic" "$(bash_complete webhook create w --auth "")"
check "bash: enum --status" "owner-inactive" "$(bash_complete token list --status "")"
check "bash: audit --action" "auth.login-rejected" "$(bash_complete audit --action "")"
check "bash: audit --action by prefix" "token.transfer" "$(bash_complete audit --action token.t)"
refute "bash: audit --action prefix filters" "user.create" "$(bash_complete audit --action token.)"
check "bash: check --kind" "webhook-at-risk" "$(bash_complete check --kind "")"
check "bash: user names" "svc-orders" "$(bash_complete user show "")"
check "bash: user names by prefix" "alice" "$(bash_complete token create --user al)"
check "bash: webhook names" "orders" "$(bash_complete webhook show "")"
check "bash: token ids" "$id" "$(bash_complete token show "")"
check "bash: policy keys" "inactivity-period" "$(bash_complete policy set "")"
check "bash: global option after subcommand" "--json" "$(bash_complete user list --j)"
check "bash: --wide after a subcommand" "--wide" "$(bash_complete token list --w)"
check "bash: --no-headers" "--no-headers" "$(bash_complete --no-h)"
check "bash: --quiet after a subcommand" "--quiet" "$(bash_complete webhook list --q)"
refute "bash: never a secret" "$secret" "$(bash_complete token show "" ; bash_complete webhook bind orders --token "")"
check "bash: --db completes files" "store.db" "$(cd "$work" && bash_complete --db st)"

# Only what would work: the account being deleted is not its own heir, nor is an inactive one;
# App tokens and unusable tokens cannot be bound.
out=$(bash_complete user delete alice --transfer-to "")
check "bash: --transfer-to offers active accounts" "svc-orders" "$out"
refute "bash: --transfer-to omits the account being deleted" "alice" "$out"
refute "bash: --transfer-to omits inactive accounts" "olduser" "$out"
check "bash: user show still offers inactive accounts" "olduser" "$(bash_complete user show "")"
out=$(bash_complete webhook bind orders --token "")
check "bash: bind --token offers integration tokens" "$id" "$out"
refute "bash: bind --token omits App tokens" "$app_id" "$out"
check "bash: token show offers App tokens" "$app_id" "$(bash_complete token show "")"
# Nor revoked or expired tokens, nor those of an inactive owner (all of which the bind refuses).
gone=$(hookctl token create --user svc-orders --name gone 2>/dev/null)
hookctl token revoke --yes -- "${gone:4:12}" >/dev/null
brief=$(hookctl token create --user svc-orders --name brief --expires-in 1h 2>/dev/null)
HOOKCTL_NOW=2020-01-01T00:00:00Z hookctl user create lapsed --service --no-password >/dev/null 2>&1
lapsed=$(HOOKCTL_NOW=2020-01-01T00:00:00Z hookctl token create --user lapsed 2>/dev/null)
out=$(bash_complete webhook bind orders --token "")
refute "bash: bind --token omits revoked tokens" "${gone:4:12}" "$out"
refute "bash: bind --token omits tokens of inactive owners" "${lapsed:4:12}" "$out"
check "bash: bind --token offers a token until it expires" "${brief:4:12}" "$out"
out=$(HOOKCTL_NOW=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ) bash_complete webhook bind orders --token "")
refute "bash: bind --token omits expired tokens" "${brief:4:12}" "$out"
check "bash: token show offers a token of an inactive owner" "${lapsed:4:12}" "$(bash_complete token show "")"
# --opt=VALUE, which bash splits at '='.
check "bash: --opt=<TAB>" "svc-orders" "$(bash_complete user delete alice --transfer-to = "")"
out=$(bash_complete user delete alice --transfer-to = sv)
check "bash: --opt=prefix<TAB>" "svc-orders" "$out"
refute "bash: --opt=prefix<TAB> gives the value only" "--transfer-to" "$out"
check "bash: --kind=<TAB>" "service" "$(bash_complete user list --kind = "")"
check "bash: --db=<TAB> completes files" "store.db" "$(cd "$work" && bash_complete --db = st)"
check "candidates: --opt=VALUE answers whole words" "--kind=service" "$(hookctl __complete user list --kind=s)"
check "candidates: tokens carry their label" "${labelled:4:12}"$'\t'"deploy-bot: api token of svc-orders" "$(hookctl __complete token show "")"

fish_out=$(fish -c "source '$src/hookctl.fish'; complete -C 'hookctl token '")
check "fish: token subcommands" "rotate" "$fish_out"
check "fish: descriptions" "Give a token a new secret" "$fish_out"
check "fish: table options" "--no-headers" "$(fish -c "source '$src/hookctl.fish'; complete -C 'hookctl user list --'")"
check "fish: audit --action" "token.rotate" "$(fish -c "source '$src/hookctl.fish'; complete -C 'hookctl audit --action '")"
check "fish: user names" "svc-orders" "$(fish -c "source '$src/hookctl.fish'; complete -C 'hookctl user delete '")"

zsh -n "$src/_hookctl" && echo "ok   zsh: syntax" || { echo "FAIL zsh -n"; fail=1; }
zsh_out=$(timeout 30 zsh -f "$(dirname "$0")/zsh_complete.zsh" "$src" "hookctl user show " 2>&1)
check "zsh: zpty completes user names" "svc-orders" "$zsh_out"
zsh_out=$(timeout 30 zsh -f "$(dirname "$0")/zsh_complete.zsh" "$src" "hookctl audit --w" 2>&1)
check "zsh: zpty completes --wide" "--wide" "$zsh_out"
zsh_out=$(timeout 30 zsh -f "$(dirname "$0")/zsh_complete.zsh" "$src" "hookctl audit --action token." 2>&1)
check "zsh: zpty completes audit --action" "token.rotate" "$zsh_out"
zsh_out=$(timeout 30 zsh -f "$(dirname "$0")/zsh_complete.zsh" "$src" "hookctl token " 2>&1)
check "zsh: zpty completes subcommands with descriptions" "rotate  -- Give a token a new secret" "$zsh_out"

shellcheck -s bash "$src/hookctl" && echo "ok   shellcheck" || { echo "FAIL shellcheck"; fail=1; }
exit $fail
