#!/usr/bin/env bash
# The man page must be clean under both mandoc's and groff's strictest checks.
set -u
page=$1
fail=0
for tool in mandoc groff; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (scripts/deps.sh installs it)"; exit 1; }
done
out=$(mandoc -T lint -W warning "$page" 2>&1) || fail=1
[ -n "$out" ] && { echo "mandoc: $out"; fail=1; }
out=$(groff -man -ww -z "$page" 2>&1) || fail=1
[ -n "$out" ] && { echo "groff: $out"; fail=1; }
exit $fail
