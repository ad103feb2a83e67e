#!/usr/bin/env zsh -f
# Drives an interactive zsh through zpty: loads compinit with completions/ on fpath, types
# "hookctl <words><TAB>" and prints what the terminal shows. Usage: zsh_complete.zsh SRC WORDS
src=$1
line=$2
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=($src \$fpath); autoload -Uz compinit; compinit -u -D; zstyle ':completion:*' list-prompt ''; unsetopt beep; print RE\"\"ADY"
out=""
zpty -r -m z out '*READY*' || exit 1
sleep 1
# Ctrl-D at the end of a line lists the completion choices.
zpty -w -n z "$line"$'\C-d'
sleep 2
all=""
while zpty -r -t z out; do all+=$out; done
print -r -- "$all"
zpty -d z
