#!/usr/bin/env bash
# conffile_keys.sh ECHOD CONFFILE PAGE: the packaged /etc/echod.conf lists
# every key echod knows, commented out, with the default --help prints;
# echod.conf(5) describes every key; and the file, uncommented, is a valid
# configuration that echod starts with.
set -euo pipefail
echod=$1
conffile=$2
page=$3

# --help as one line, so wrapped descriptions read as one.
help=$("$echod" --help | tr -s ' \n' ' ')
mapfile -t keys < <(grep -o -- '--[a-z][a-z0-9-]*' <<<"$help" | sed 's/^--//' |
    grep -vx -e help -e version -e config -e check-config | sort -u)
[ ${#keys[@]} -gt 0 ] || { echo "no option found in $echod --help" >&2; exit 1; }

rendered=$(mandoc -T ascii -O width=400 "$page" | sed $'s/.\b//g')
bad=0
for key in "${keys[@]}"; do
    # The default: the first word after the first "(default " that follows
    # the option's name (every option's text ends with one).
    text=${help#*--"$key" }
    default=
    if [[ $text == *"(default "* ]]; then
        default=${text#*"(default "}
        default=${default%%[ ,)]*}
    fi
    if [ -z "$default" ]; then
        echo "--$key: --help states no default" >&2
        bad=1
        continue
    fi
    if [ "$default" = none ]; then
        # Off unless set (listen-udp): the file shows an example value.
        if ! grep -Eq "^#${key} = [^ ]" "$conffile"; then
            echo "$conffile: expected a line '#$key = EXAMPLE'" >&2
            bad=1
        fi
    elif ! grep -Eq "^#${key} = ${default//[/\\[}\$" "$conffile"; then
        echo "$conffile: expected the line '#$key = $default'" >&2
        bad=1
    fi
    if ! grep -Eq "^ *${key} = " <<<"$rendered"; then
        echo "$page does not describe the key '$key ='" >&2
        bad=1
    fi
done
[ $bad -eq 0 ] || exit 1

# Every commented key, uncommented, must be accepted: start echod with it on
# a free loopback port (the command line's --listen and --listen-udp win) and stop it.
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
sed -E 's/^#([a-z-]+ = )/\1/' "$conffile" >"$work/echod.conf"
"$echod" --config "$work/echod.conf" --listen 127.0.0.1:0 --listen-udp 127.0.0.1:0 2>"$work/log" &
pid=$!
for _ in $(seq 300); do
    grep -q 'listening on' "$work/log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q 'listening on' "$work/log"; then
    echo "echod did not start with the uncommented $conffile:" >&2
    cat "$work/log" >&2
    exit 1
fi
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ $status -eq 0 ] || { echo "echod exited with $status on SIGTERM" >&2; cat "$work/log" >&2; exit 1; }
echo "all ${#keys[@]} keys are in $(basename "$conffile") with their defaults and in $(basename "$page");" \
    "echod accepts the file uncommented"
