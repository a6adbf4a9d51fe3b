#!/usr/bin/env bash
# The user's path, under a real systemd: boot a container of RELEASE
# (systemd-nspawn, systemd as PID 1) in a network namespace of its own,
# apt-get install the .debs built on that release, run the package's
# needs-root autopkgtest (debian/tests/service) there, and drive echod the
# way an admin does.
#
#   system_test.sh RELEASE SOURCE_DIR WORK_DIR HOST_ECHO_CLIENT DEBS_DIR
#
# DEBS_DIR holds the .debs (tests/debian's buildd build of RELEASE;
# $ECHOD_SYSTEM_TEST_DEBS overrides it). WORK_DIR keeps the cached root file
# system and the logs.
# Exit status: 0 passed, 1 failed, 77 skipped (nspawn cannot run here).
set -euo pipefail
. "$(dirname "$0")/../debian/lib.sh"

release=$1
src=$(realpath "$2")
work=$(realpath -m "$3")
host_client=$(realpath "$4")
debs_dir=$5
port=7 # what the packaged units use
deadline_s=60 # for each wait; generous for a loaded CI machine

step_no=0
step() { step_no=$((step_no + 1)); printf '\n[%s] == %d. %s\n' "$(date +%T)" "$step_no" "$*"; }

# --- Can systemd-nspawn run at all? Anything else that goes wrong is a failure.
[ "$(id -u)" -eq 0 ] || skip "the system test needs root (systemd-nspawn, network namespaces)"
for tool in systemd-nspawn mmdebstrap nsenter ip dpkg-deb; do
    command -v "$tool" >/dev/null ||
        skip "$tool is not installed (scripts/test installs systemd-container, mmdebstrap, util-linux, iproute2)"
done
# systemd in the container needs a cgroup hierarchy to run in: unified (v2),
# or hybrid/legacy with the name=systemd one.
[ -e /sys/fs/cgroup/cgroup.controllers ] || [ -d /sys/fs/cgroup/systemd ] || [ -d /sys/fs/cgroup/unified ] ||
    skip "no cgroup hierarchy systemd can use under /sys/fs/cgroup: nspawn cannot boot systemd here"

mkdir -p "$work"
ns="echod-systest-$$"
machine="echod-systest-$$"
nspawn_pid=
leader=
hold_pid=

# --- Always: end the held connection, power the container off, drop the netns.
cleanup() {
    local status=$?
    exec 7>&-
    [ -n "$hold_pid" ] && kill "$hold_pid" 2>/dev/null || true
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        if [ -n "$leader" ]; then
            inside systemctl poweroff >/dev/null 2>&1 || true
        else
            kill -TERM "$nspawn_pid" 2>/dev/null || true
        fi
        local until=$((SECONDS + 30))
        while kill -0 "$nspawn_pid" 2>/dev/null && [ $SECONDS -lt $until ]; do sleep 0.2; done
        if kill -0 "$nspawn_pid" 2>/dev/null; then
            echo "container did not power off in 30 s: killing systemd-nspawn" >&2
            kill -KILL "$nspawn_pid" 2>/dev/null || true
        fi
        wait "$nspawn_pid" 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
    if [ $status -ne 0 ] && [ $status -ne 77 ]; then
        echo "--- last lines of the container's console ($work/container.log):" >&2
        tail -n 30 "$work/container.log" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command inside the container, with the container's environment only.
inside() {
    nsenter -t "$leader" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}
# A client on the host's side, in the container's network namespace.
from_host() { ip netns exec "$ns" "$@"; }

# wait_for DESCRIPTION COMMAND...: polls until COMMAND succeeds, up to deadline_s.
wait_for() {
    local what=$1
    shift
    local until=$((SECONDS + deadline_s))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $until ] || fail "waited $deadline_s s for $what"
        sleep 0.1
    done
}

unit_state() { inside systemctl is-active "$1" || true; }
expect_state() {
    local unit=$1 want=$2 got
    got=$(unit_state "$unit")
    [ "$got" = "$want" ] || fail "$unit is '$got', expected '$want'"
    say "$unit: $got"
}
journal_has() { # journal_has UNIT PRIORITY REGEX
    inside journalctl -q -u "$1" -p "$2..$2" -o cat --no-pager | grep -Eq -- "$3"
}
expect_journal() {
    wait_for "'$3' at priority $2 in the journal of $1" journal_has "$@"
    say "journal of $1, priority $2: $(inside journalctl -q -u "$1" -p "$2..$2" -o cat --no-pager |
        grep -E -- "$3" | tail -n 1)"
}

# round_trip WHERE HOST: sends text and 1 MiB through the packaged client
# (WHERE=inside) or the host's build (WHERE=from_host), checks it all comes back.
round_trip() {
    local where=$1 host=$2 client out
    [ "$where" = inside ] && client=echo-client || client=$host_client
    out=$(printf 'hello %s\nq\nnot sent\n' "$where" | "$where" "$client" "$host" "$port") ||
        fail "$client $host $port ($where) exited with status $?"
    [ "$out" = "hello $where" ] || fail "$client $host $port ($where) printed '$out', expected 'hello $where'"
    local payload="$work/payload" echoed="$work/echoed"
    head -c 786432 /dev/urandom | base64 >"$payload" # 1 MiB of lines, none of them "q"
    "$where" "$client" "$host" "$port" <"$payload" >"$echoed" || fail "1 MiB round trip ($where, $host) failed"
    cmp -s "$payload" "$echoed" || fail "1 MiB round trip ($where, $host): the echo differs"
    say "round trip via $host:$port ($where, $client): a line, the quit rule, 1 MiB: ok"
}

# --- 1. Packages
debs=$(realpath -m "${ECHOD_SYSTEM_TEST_DEBS:-$debs_dir}")
step "the .debs built on $release: $debs"
daemon_deb=$(cd "$debs" && ls echod_*.deb 2>/dev/null) || fail "no echod .deb in $debs"
client_deb=$(cd "$debs" && ls echo-client_*.deb 2>/dev/null) || fail "no echo-client .deb in $debs"
say "$daemon_deb $client_deb"

# --- 2. Root file system: minbase + systemd + what the packages depend on, so
# that apt-get install needs no network inside, and man-db, with which
# systemd-analyze verify checks the units' Documentation= pages. Cached, keyed
# by that list.
step "root file system (mmdebstrap, cached)"
runtime_deps=$(for deb in "$debs/$daemon_deb" "$debs/$client_deb"; do dpkg-deb -f "$deb" Depends; done |
    tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g' | grep -v '^$' | sort -u)
packages=$(printf '%s\n' systemd systemd-sysv dbus iproute2 man-db $runtime_deps | sort -u | paste -sd, -)
key=$(printf '%s minbase %s %s\n' "$release" "$packages" "$(mirror)" | sha256sum | cut -c1-16)
rootfs="$work/rootfs-$key"
if [ -d "$rootfs" ]; then
    say "cached: $rootfs ($packages)"
else
    for stale in "$work"/rootfs-*; do [ -e "$stale" ] && rm -rf "$stale"; done
    say "mmdebstrap $release minbase with $packages"
    rm -rf "$rootfs.tmp" # left by an interrupted run
    mmdebstrap --quiet --variant=minbase --include="$packages" "$release" "$rootfs.tmp" \
        "deb $(mirror) $release main" \
        >"$work/mmdebstrap.log" 2>&1 || { tail -n 30 "$work/mmdebstrap.log" >&2; fail "mmdebstrap failed"; }
    mv "$rootfs.tmp" "$rootfs"
    say "built $rootfs ($(du -sh "$rootfs" | cut -f1))"
fi

# --- 3. Boot
step "boot the container in network namespace $ns"
ip netns add "$ns"
ip -n "$ns" link set lo up
systemd-nspawn -D "$rootfs" --machine="$machine" --register=no --keep-unit --console=read-only \
    --volatile=overlay --bind-ro="$debs:/srv/debs" --bind-ro="$src/debian/tests:/srv/autopkgtest" --network-namespace-path="/run/netns/$ns" -b \
    >"$work/container.log" 2>&1 &
nspawn_pid=$!
# The container's PID 1: nspawn's child named systemd in another PID namespace
# (the short-lived outer child is also nspawn's child, in ours).
find_leader() {
    local pid
    kill -0 "$nspawn_pid" 2>/dev/null || fail "systemd-nspawn exited; see $work/container.log"
    for pid in $(ps -o pid= --ppid "$nspawn_pid"); do
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] &&
            [ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]; then
            leader=$pid
            return 0
        fi
    done
    return 1
}
wait_for "the container's systemd to start" find_leader
booted() { local s; s=$(inside systemctl is-system-running) || true; [ "$s" = running ] || [ "$s" = degraded ]; }
wait_for "the container to finish booting" booted
say "systemd $(inside systemctl --version | head -n 1 | cut -d' ' -f2) is PID 1 (host pid $leader): $(inside systemctl is-system-running || true)"
[ "$(inside systemctl is-system-running || true)" = running ] ||
    say "failed units: $(inside systemctl --failed --no-legend --plain | tr '\n' ' ')"

# --- 4. Install
step "apt-get install ./$daemon_deb ./$client_deb"
inside env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "/srv/debs/$daemon_deb" "/srv/debs/$client_deb" >"$work/apt-install.log" 2>&1 ||
    { tail -n 30 "$work/apt-install.log" >&2; fail "apt-get install failed"; }
say "installed: $(inside dpkg-query -W -f='${Package} ${Version}, ' echod echo-client)"
# dh_installsystemd: echod.service enabled and started; the conflicting
# socket-activated pair installed but left alone.
[ "$(inside systemctl is-enabled echod.service || true)" = enabled ] || fail "echod.service is not enabled"
[ "$(inside systemctl is-enabled echod.socket || true)" = disabled ] || fail "echod.socket should not be enabled"
[ "$(inside systemctl is-enabled echod-udp.socket || true)" = disabled ] || fail "echod-udp.socket (UDP echo) should not be enabled"
say "enabled: echod.service; not enabled: echod.socket, echod-udp.socket, echod-activated.service (static)"
wait_for "echod.service to be started by the package" test "$(unit_state echod.service)" = active
expect_state echod.service active

step "the package's needs-root, isolation-machine autopkgtest: debian/tests/service"
inside env AUTOPKGTEST_TMP=/var/tmp /srv/autopkgtest/service >"$work/autopkgtest-service.log" 2>&1 ||
    { cat "$work/autopkgtest-service.log" >&2; fail "debian/tests/service failed"; }
sed 's/^/      /' "$work/autopkgtest-service.log"
expect_state echod.service active

step "systemd-analyze verify on the installed units"
unit_dir=$(dirname "$(inside systemctl show -p FragmentPath --value echod.service)")
say "units installed in $unit_dir"
verify=$(inside systemd-analyze verify "$unit_dir/echod.service" "$unit_dir/echod.socket" \
    "$unit_dir/echod-udp.socket" "$unit_dir/echod-activated.service" 2>&1) || fail "systemd-analyze verify failed: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify is not clean:
$verify"
say "clean (no output, exit status 0)"

# --- 5. Start and serve
step "systemctl start echod; status; round trips"
inside systemctl start echod
expect_state echod.service active
status_text() { inside systemctl show -p StatusText --value echod.service; }
status_shown() { status_text | grep -q 'listening on'; }
wait_for "echod's STATUS= in StatusText" status_shown
say "StatusText=$(status_text)"
round_trip inside 127.0.0.1
round_trip inside ::1
round_trip from_host 127.0.0.1
round_trip from_host ::1
expect_journal echod.service info 'connection from .* ended: .*bytes received, [0-9]+ sent back'
expect_journal echod.service notice 'listening on'
say "a connection line, as the journal stores it:"
inside journalctl -q -u echod.service -o verbose --no-pager --grep 'bytes received' -n 1 |
    grep -E '^ +(PRIORITY|MESSAGE|_PID|SYSLOG_IDENTIFIER)=' | sed 's/^ */      /'

# --- 6. Reload
step "systemctl reload echod (after changing /etc/echod.conf)"
main_pid=$(inside systemctl show -p MainPID --value echod.service)
inside sh -c 'echo "max-connections = 100" >>/etc/echod.conf'
inside systemctl reload echod || fail "systemctl reload echod failed"
expect_journal echod.service notice 'reloading configuration from /etc/echod.conf'
expect_journal echod.service notice 'configuration reloaded: .*max-connections 100'
[ "$(inside systemctl show -p MainPID --value echod.service)" = "$main_pid" ] || fail "the reload restarted echod"
expect_state echod.service active
round_trip from_host 127.0.0.1
say "same main pid $main_pid, still serving"

step "systemctl reload echod with a broken /etc/echod.conf fails; echod keeps serving"
inside cp /etc/echod.conf /etc/echod.conf.good
inside sh -c 'echo "max-conections = 5" >>/etc/echod.conf'
reloads_before=$(inside journalctl -q -u echod.service -o cat --no-pager | grep -c 'reloading configuration from' || true)
if reload_out=$(inside systemctl reload echod 2>&1); then
    fail "systemctl reload echod succeeded with a broken /etc/echod.conf"
fi
say "systemctl reload echod failed, as it must: $(printf '%s' "$reload_out" | head -n 1)"
# ExecReload='s echod --check-config said why, and no SIGHUP was sent.
expect_journal echod.service err "configuration check failed: /etc/echod.conf:[0-9]+: unknown key 'max-conections'"
reloads_after=$(inside journalctl -q -u echod.service -o cat --no-pager | grep -c 'reloading configuration from' || true)
[ "$reloads_after" = "$reloads_before" ] || fail "echod was signalled to reload a configuration the check refused"
expect_state echod.service active
[ "$(inside systemctl show -p MainPID --value echod.service)" = "$main_pid" ] || fail "the failed reload restarted echod"
round_trip from_host 127.0.0.1
inside mv /etc/echod.conf.good /etc/echod.conf
inside systemctl reload echod || fail "systemctl reload echod failed after the file was repaired"
expect_state echod.service active
say "repaired: reload succeeds; same main pid $main_pid, still serving"

# --- 7. Stop with a connection open
step "systemctl stop echod with a client connected"
mkfifo "$work/hold.fifo"
ip netns exec "$ns" "$host_client" 127.0.0.1 "$port" <"$work/hold.fifo" >"$work/hold.out" 2>&1 &
hold_pid=$!
exec 7>"$work/hold.fifo"
rm -f "$work/hold.fifo"
echo "held line" >&7
wait_for "the held connection to echo" grep -qx 'held line' "$work/hold.out"
say "a client on the host side holds a connection open (its first line came back)"
inside systemctl stop echod
expect_state echod.service inactive
left=$(inside sh -c 'grep -lx echod /proc/[0-9]*/comm 2>/dev/null' || true)
[ -z "$left" ] || fail "echod processes left after stop: $left"
say "no echod process left"
held_client_gone() { ! kill -0 "$hold_pid" 2>/dev/null; }
wait_for "the held client to notice the server is gone" held_client_gone
hold_status=0
wait "$hold_pid" || hold_status=$?
hold_pid=
exec 7>&-
[ $hold_status -eq 1 ] || fail "the held client exited with $hold_status, expected 1 (server went away)"
say "the held client saw the server go: status 1, '$(tail -n 1 "$work/hold.out")'"
expect_journal echod.service notice 'shutting down; 1 connection get [0-9]+ s to finish'
expect_journal echod.service notice 'stopped after serving'

# --- 8. Socket activation
step "socket activation: systemctl start echod.socket, connect"
inside systemctl start echod.socket
expect_state echod.socket active
expect_state echod-activated.service inactive
round_trip inside 127.0.0.1
expect_state echod-activated.service active
round_trip from_host ::1
triggered=$(inside systemctl show -p TriggeredBy --value echod-activated.service)
[ "$triggered" = echod.socket ] || fail "echod-activated.service TriggeredBy='$triggered'"
inside systemctl status --no-pager echod-activated.service >"$work/activated-status.txt" 2>&1 || true
grep -q 'TriggeredBy: .*echod.socket' "$work/activated-status.txt" ||
    fail "systemctl status echod-activated.service does not show TriggeredBy echod.socket"
sed -n '1,6p' "$work/activated-status.txt" | sed 's/^/      /'
expect_state echod.service inactive
expect_journal echod-activated.service info 'connection from .* ended: '
inside systemctl stop echod.socket echod-activated.service
left=$(inside sh -c 'grep -lx echod /proc/[0-9]*/comm 2>/dev/null' || true)
[ -z "$left" ] || fail "echod processes left after stopping the socket-activated service: $left"
say "stopped; no echod process left"

# --- 9. Purge
step "apt-get purge echod echo-client"
inside dpkg-query -L echod echo-client | sort -u >"$work/installed-paths.txt"
inside env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q echod echo-client >"$work/apt-purge.log" 2>&1 ||
    { tail -n 30 "$work/apt-purge.log" >&2; fail "apt-get purge failed"; }
# Directories shared with other packages stay (/lib is even a link to one);
# every file and link the packages shipped must go.
leftover=$(inside sh -c 'while read -r p; do [ -d "$p" ] && continue;
    [ -e "$p" ] || [ -L "$p" ] && echo "$p"; done; true' <"$work/installed-paths.txt")
[ -z "$leftover" ] || fail "purge left files: $leftover"
# Not the packages' files: the journal's logs, and the formatted pages man-db
# cached when systemd-analyze verify looked up Documentation= (man-db's own
# cache, which it expires itself).
traces=$(inside find /etc /lib /usr /var -xdev \( -name '*echod*' -o -name '*echo-client*' \) \
    -not -path '/var/log/journal/*' -not -path '/var/cache/man/*' 2>/dev/null || true)
[ -z "$traces" ] || fail "purge left traces: $traces"
[ -z "$(inside systemctl list-unit-files --no-legend 'echod*')" ] || fail "units still known after purge"
say "$(wc -l <"$work/installed-paths.txt") installed paths checked; nothing named echod or echo-client is left in /etc /lib /usr /var but logs and man-db's cache"

step "passed"
