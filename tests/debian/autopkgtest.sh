#!/usr/bin/env bash
# autopkgtest (DEP-8) on the .debs and source package of the buildd build of
# RELEASE, with the unshare backend (no root needed inside, no VM): runs every
# test in debian/tests/control that does not need a whole machine. The
# needs-root, isolation-machine test (service) is run by the booted-systemd
# test (tests/system) instead; here it must be reported as skipped, nothing
# else.
#
#   autopkgtest.sh RELEASE WORK_DIR
. "$(dirname "$0")/lib.sh"

release=$1
work=$(realpath -m "$2")
cache="$work/cache"
out="$work/$release/build"
here="$work/$release/autopkgtest"

need_root
need_tools autopkgtest:autopkgtest autopkgtest:autopkgtest-virt-unshare mmdebstrap:mmdebstrap
grep -q '^root:' /etc/subuid && grep -q '^root:' /etc/subgid ||
    skip "the unshare backend needs subordinate ids for root in /etc/subuid and /etc/subgid (scripts/test adds them)"
dsc=$(ls "$out"/*.dsc 2>/dev/null | head -n 1) || true
[ -n "$dsc" ] || fail "no .dsc in $out: the buildd build of $release did not run or failed"

step "base tarball of $release (cached)"
base=$(base_tarball "$release")
say "$base"

step "autopkgtest $(dpkg-query -W -f='${Version}' autopkgtest) -- unshare"
rm -rf "$here"
started=$SECONDS
status=0
# -U: the tarball has no apt lists (mmdebstrap removes them).
autopkgtest -U --output-dir="$here" "$out"/*.deb "$dsc" -- unshare -t "$base" -r "$release" \
    >"$here.log" 2>&1 || status=$?
summary="$here/summary"
[ -f "$summary" ] || { tail -n 40 "$here.log" >&2; fail "autopkgtest wrote no summary (exit $status)"; }
sed 's/^/    /' "$summary"
grep -Eq '^client-roundtrip +PASS' "$summary" || { tail -n 40 "$here.log" >&2; fail "client-roundtrip did not pass"; }
grep -Eq '^service +SKIP .*isolation-machine' "$summary" || fail "service was not skipped for isolation-machine"
[ "$(grep -cEv '^(client-roundtrip +PASS|service +SKIP)' "$summary")" -eq 0 ] || fail "unexpected results"
# 2: at least one test was skipped (service, as planned); anything else is a failure.
[ $status -eq 0 ] || [ $status -eq 2 ] || fail "autopkgtest exited $status"
say "passed in $((SECONDS - started)) s (log: $here.log)"
step "passed"
