#!/usr/bin/env bash
# piuparts on the .debs the buildd build of RELEASE made: install and purge
# in a minimal root (nothing may be left behind), then install the previous
# build and upgrade it to this one. The previous build is the one this test
# saw on its last run (the first run: this one), relabelled a version lower
# so that apt treats the step as an upgrade.
#
#   piuparts.sh RELEASE WORK_DIR
. "$(dirname "$0")/lib.sh"

release=$1
work=$(realpath -m "$2")
cache="$work/cache"
debs="$work/$release/build"
here="$work/$release/piuparts"

need_root
need_tools piuparts:piuparts mmdebstrap:mmdebstrap dpkg-dev:dpkg-scanpackages
# The two packages; their -dbgsym companions are tested by nothing here.
packages=("$debs"/echod_*.deb "$debs"/echo-client_*.deb)
ls "${packages[@]}" >/dev/null 2>&1 || fail "no .debs in $debs: the buildd build of $release did not run or failed"

step "base tarball of $release (cached)"
base=$(base_tarball "$release")
say "$base"

step "the previous build as a local repository"
mkdir -p "$here/previous-build"
ls "$here/previous-build"/*.deb >/dev/null 2>&1 || cp "${packages[@]}" "$here/previous-build/"
repo="$here/repo"
rm -rf "$repo"
mkdir -p "$repo"
for deb in "$here/previous-build"/*.deb; do
    tree="$repo/tree"
    dpkg-deb -R "$deb" "$tree"
    old=$(sed -n 's/^Version: //p' "$tree/DEBIAN/control")
    sed -i "s/^Version: .*/Version: ${old}~previous/" "$tree/DEBIAN/control"
    dpkg-deb --root-owner-group -b "$tree" "$repo/" >/dev/null
    rm -rf "$tree"
done
(cd "$repo" && dpkg-scanpackages . >Packages 2>/dev/null)
say "$(cd "$repo" && ls -- *.deb | tr '\n' ' ')"

step "piuparts $(dpkg-query -W -f='${Version}' piuparts): install, purge; install the previous build, upgrade, purge"
started=$SECONDS
# --ignore: debconf (trixie's) leaves its template cache directory
# /var/cache/debconf/tmp.ci/ behind after any package's purge; the host's
# piuparts 1.1.7 (bookworm) does not know it yet, later piuparts ignore it
# themselves. It is debconf's, not these packages'.
piuparts -b "$base" -d "$release" --mirror "$(mirror) main" \
    --ignore=/var/cache/debconf/tmp.ci/ \
    --bindmount="$repo" --extra-repo="deb [trusted=yes] file://$repo ./" \
    --logfile="$here/piuparts.log" "${packages[@]}" >/dev/null 2>&1 ||
    { grep -E '^[0-9:]+ (FAIL|ERROR)' "$here/piuparts.log" | tail -n 20 >&2 || true;
      tail -n 40 "$here/piuparts.log" >&2; fail "piuparts failed (log: $here/piuparts.log)"; }
grep -E 'PASS:' "$here/piuparts.log" | sed 's/^/    /'
grep -q 'PASS: Installation and purging test' "$here/piuparts.log" || fail "piuparts did not pass install and purge"
grep -q 'PASS: Installation, upgrade and purging tests' "$here/piuparts.log" ||
    fail "piuparts did not test the upgrade from the previous build"
say "passed in $((SECONDS - started)) s (log: $here/piuparts.log)"

# This build is the next run's previous build.
rm -f "$here/previous-build"/*.deb
cp "${packages[@]}" "$here/previous-build/"
step "passed"
