#!/usr/bin/env bash
# options_in_page.sh PROGRAM PAGE: every long option PROGRAM --help prints
# must be described in the OPTIONS section of PAGE, so the two cannot drift.
set -euo pipefail
program=$1
page=$2

help=$("$program" --help)
mapfile -t options < <(grep -o -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u)
if [ ${#options[@]} -eq 0 ]; then
    echo "$program --help printed no long option: is the help text broken?" >&2
    exit 1
fi

# The page as a reader sees it: rendered, overstrike removed, lines long
# enough that no option is broken across two.
rendered=$(mandoc -T ascii -O width=400 "$page" | sed $'s/.\b//g')
section=$(awk '/^[A-Z]/ { inside = ($0 == "OPTIONS") ; next } inside' <<<"$rendered")
if [ -z "$section" ]; then
    echo "$page has no OPTIONS section" >&2
    exit 1
fi

missing=0
for option in "${options[@]}"; do
    # A whole word: --prefork must not be satisfied by --prefork-foo.
    if ! grep -Eq -- "(^|[^a-z0-9-])${option}([^a-z0-9-]|\$)" <<<"$section"; then
        echo "$option (from $program --help) is not in the OPTIONS section of $page" >&2
        missing=1
    fi
done
[ $missing -eq 0 ] || exit 1
echo "all ${#options[@]} long options of $(basename "$program") are in $(basename "$page"): ${options[*]}"
