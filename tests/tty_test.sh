#!/usr/bin/env bash
# What only a terminal sees: password prompts with echo off, confirmations, colour, NO_COLOR and
# the import progress bar. `script` (util-linux) gives hookctl a real pseudo-terminal.
set -u
bin=$1
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
command -v script >/dev/null || { echo "FAIL script(1) is not installed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOOKCTL_DB="$work/store.db" HOME="$work" TERM=xterm
unset NO_COLOR HOOKCTL_NOW
tty() {  # tty INPUT COMMAND...: run COMMAND on a pty fed INPUT; output in $out, exit in $rc
  local input=$1; shift
  local log="$work/tty.out" fifo="$work/tty.in" seen=0 size line
  : >"$log"; rm -f "$fifo"; mkfifo "$fifo"
  script -qec "$(printf '%q ' "$@")" /dev/null <"$fifo" >"$log" 2>&1 &
  local pid=$!
  exec 3>"$fifo"
  # Each answer is typed once its prompt is on the screen (new output that does not end a line),
  # as a person would, however slowly the command starts (a loaded machine, the sanitizers).
  while IFS= read -r line; do
    for _ in $(seq 300); do
      size=$(stat -c %s "$log")
      [ "$size" -gt "$seen" ] && [ -n "$(tail -c1 "$log")" ] && break
      sleep 0.1
    done
    seen=$size
    printf '%s\n' "$line" >&3
  done < <(printf '%b' "$input")
  exec 3>&-
  wait "$pid"; rc=$?
  out=$(cat "$log")
}

pw='correct horse battery staple'
tty "$pw\n$pw\n" "$bin" user create bob
[ $rc = 0 ] && ok "prompted password accepted" || bad "user create on a terminal: rc=$rc $out"
[[ $out == *"New password for bob"* && $out == *"Repeat the password"* ]] && ok "asks twice" || bad "prompts: $out"
[[ $out != *"$pw"* ]] && ok "password not echoed" || bad "password echoed: $out"
printf '%s\n' "$pw" | "$bin" auth login bob >/dev/null && ok "the prompted password logs in" || bad "login with prompted password"

[[ $out == *"(at least 12 characters)"* ]] && ok "the prompt states the rule" || bad "no rule in the prompt: $out"

tty "$pw\nsomething else entirely\n$pw\nagain different\n$pw\nthird try\n" "$bin" user create carol
[ $rc = 2 ] && [[ $out == *"do not match"* ]] && ok "mismatch refused after three tries (exit 2)" || bad "mismatch: rc=$rc $out"
"$bin" user show carol >/dev/null 2>&1; [ $? = 3 ] && ok "nothing created on mismatch" || bad "carol exists"

tty "short\nshort\nshort\n" "$bin" user set-password bob
[ $rc = 2 ] && [[ $out == *"too short"* ]] && ok "short password refused after three tries" || bad "short: rc=$rc $out"
tty "short\n$pw x\n$pw x\n" "$bin" user set-password bob
[ $rc = 0 ] && [[ $out == *"too short"*"try again"* ]] && ok "a short password is asked again" || bad "retry: rc=$rc $out"

tty "$pw\n" "$bin" user create erin --password-stdin
[ $rc = 0 ] && [[ $out != *"$pw"* ]] && ok "--password-stdin on a terminal does not echo" || bad "--password-stdin: rc=$rc $out"

tty "" "$bin" user import
[[ $out == *"Reading JSON Lines"*"Ctrl-D"* ]] && ok "user import on a terminal says what it waits for" || bad "import on a terminal: $out"

secret=$("$bin" webhook create tty-hook --owner erin 2>/dev/null)
tty "Bearer $secret\n" "$bin" auth verify tty-hook
[ $rc = 0 ] && [[ $out == *"Authorization value for webhook tty-hook"* && $out != *"${secret:17:20}"* ]] \
  && ok "auth verify on a terminal asks, and does not echo the token" || bad "auth verify on a terminal: rc=$rc $out"

tty "n\n" "$bin" user delete bob
[ $rc = 2 ] && "$bin" user show bob >/dev/null && ok "declined confirmation changes nothing" || bad "decline: rc=$rc $out"
tty "y\n" "$bin" user delete bob
[ $rc = 0 ] && [[ $out == *"Delete user bob?"* ]] && ok "confirmed deletion" || bad "confirm: rc=$rc $out"
# What blocks a deletion is said before any question: nobody answers "y" to be refused after.
"$bin" user create carl --no-password >/dev/null 2>&1
"$bin" token create --user carl >/dev/null 2>&1
tty "" "$bin" user delete carl
[ $rc = 4 ] && [[ $out == *"still linked"* && $out != *"Delete user"* ]] &&
  ok "a blocked deletion is refused without a question" || bad "blocked delete: rc=$rc $out"
# One webhook that will fail is one webhook.
"$bin" user create svc --service --no-password >/dev/null 2>&1
"$bin" webhook create hook2 --owner svc >/dev/null 2>&1
app_id=$("$bin" --json token list --user svc | sed -n 's/.*"id": *"\([a-z2-7]*\)".*/\1/p' | head -1)
tty "n\n" "$bin" token revoke -- "$app_id"
[[ $out == *"(webhook hook2 will fail)"* ]] && ok "the question names one webhook in the singular" ||
  bad "revoke question: $out"

"$bin" user create dave --no-password >/dev/null
tty "" "$bin" user list
[[ $out == *$'\e[32mactive'* ]] && ok "colour on a terminal" || bad "no colour: $out"
out=$(printf '' | NO_COLOR= script -qec "$bin user list" /dev/null 2>&1)
[[ $out != *$'\e['* ]] && ok "NO_COLOR (even empty) disables colour" || bad "colour despite NO_COLOR: $out"
out=$("$bin" user list)
[[ $out != *$'\e['* ]] && ok "no colour off a terminal" || bad "colour in a pipe"

# Tables fit the terminal they are printed on (its width wins over COLUMNS), cutting long names
# with an ellipsis; --wide shows them whole.
long=person-$(printf 'p%.0s' $(seq 57))
"$bin" user create "$long" --no-password >/dev/null
widest() {  # the widest line of $1 in cells: colour codes and CRs removed, the ellipsis one cell
  printf '%s\n' "$1" | LC_ALL=C sed -e $'s/\e\\[[0-9;]*m//g' -e $'s/\r$//' -e $'s/\xe2\x80\xa6/./g' |
    LC_ALL=C awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }'
}
out=$(printf "" | COLUMNS=200 script -qec "stty cols 64; $(printf '%q' "$bin") user list" /dev/null 2>&1)
w=$(widest "$out")
[[ $w -le 64 && $out == *$'\xe2\x80\xa6'* && $out != *"$long"* ]] \
  && ok "a table fits the terminal's 64 columns (widest line $w)" || bad "table on a 64-column terminal (widest $w): $out"
out=$(printf "" | script -qec "stty cols 64; $(printf '%q' "$bin") --wide user list" /dev/null 2>&1)
[[ $out == *"$long"* ]] && ok "--wide shows whole names on a terminal" || bad "--wide on a terminal: $out"

# Ctrl-C (and any other deadly signal) at a password prompt must give the terminal its echo
# back: the shell that ran hookctl reads the settings after it died.
# The key is typed once the prompt is on screen, and the input stays open until `stty -a` has
# printed (or 30 s pass), so a slow machine cannot close the session before the shell reports.
ulimit -c 0  # SIGQUIT would otherwise spend its time writing a core file
for sig in INT QUIT; do
  key=$([ $sig = INT ] && printf '\003' || printf '\034')
  log="$work/sig.out" fifo="$work/sig.in"
  : >"$log"; rm -f "$fifo"; mkfifo "$fifo"
  script -qec "sh -c 'trap : $sig; $(printf '%q' "$bin") user create zoe; stty -a'" /dev/null \
    <"$fifo" >"$log" 2>&1 &
  pid=$!
  exec 3>"$fifo"
  for _ in $(seq 300); do grep -q "New password for zoe" "$log" && break; sleep 0.1; done
  printf '%s' "$key" >&3
  for _ in $(seq 300); do grep -q "speed" "$log" && break; sleep 0.1; done
  exec 3>&-
  wait "$pid"
  out=$(cat "$log")
  if [[ $out != *"New password for zoe"* ]]; then
    bad "no password prompt to interrupt (SIG$sig): ${out:0:300}"
  elif grep -Eq '(^| )-echo( |;|$)' <<<"$out" || ! grep -Eq '(^| )echo( |;|$)' <<<"$out"; then
    bad "echo left off after SIG$sig at a prompt: ${out:0:400}"
  else
    ok "echo restored after SIG$sig at a prompt"
  fi
done
"$bin" user show zoe >/dev/null 2>&1; rc=$?; [ $rc = 3 ] && ok "nothing created by an interrupted prompt" || bad "zoe: user show exit $rc"

for i in $(seq 1 20000); do printf '{"name":"u%05d"}\n' "$i"; done > "$work/big.jsonl"
tty "" "$bin" user import "$work/big.jsonl"
[ $rc = 0 ] && [[ $out == *"reading: "*"lines"* && $out == *"Imported 20000 accounts."* ]] && ok "progress bar on a terminal" || bad "progress: rc=$rc ${out:0:300}"
exit $fail
