#!/usr/bin/env bash
# lint_page.sh PAGE: fails when the manual page renders with any warning.
# mandoc's linter is the stricter one; groff's is the fallback.
set -euo pipefail
page=$1
[ -r "$page" ] || { echo "cannot read $page" >&2; exit 1; }

if command -v mandoc >/dev/null; then
    tool=(mandoc -T lint -W warning "$page")
elif command -v groff >/dev/null; then
    tool=(groff -man -ww -z "$page")
else
    echo "neither mandoc nor groff is installed" >&2
    exit 1
fi

status=0
messages=$("${tool[@]}" 2>&1) || status=$?
if [ $status -ne 0 ] || [ -n "$messages" ]; then
    echo "${tool[*]} (exit status $status):" >&2
    echo "$messages" >&2
    exit 1
fi
echo "${tool[*]}: no warnings"
