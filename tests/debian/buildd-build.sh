#!/usr/bin/env bash
# The package built as Debian's buildds build it: from the source package, in
# a clean root of RELEASE with only the Build-Depends installed, as an
# unprivileged user, with the test suite. Also checks that the suite the
# package build ran includes the systemd tests (an unanchored label filter
# once dropped them).
#
#   buildd-build.sh RELEASE SOURCE_DIR WORK_DIR
#
# ECHO_BUILDD_CHECK=no builds with DEB_BUILD_OPTIONS=nocheck: scripts/test's
# default run, which has just run the same suite twice on this tree and
# release (release and ASan builds), so a third run in the package build
# would add ten minutes and no coverage; scripts/test --full runs it.
#
# Leaves the .dsc, .debs and .changes in WORK_DIR/RELEASE/build. Exit status:
# 0 passed, 1 failed, 77 skipped (no root, mmdebstrap or nspawn here).
. "$(dirname "$0")/lib.sh"

release=$1
src=$(realpath "$2")
work=$(realpath -m "$3")
cache="$work/cache"

need_root
need_tools mmdebstrap:mmdebstrap systemd-container:systemd-nspawn dpkg-dev:dpkg-source

step "buildd root of $release with the Build-Depends"
root=$(buildd_root "$release")
need_nspawn "$root"
say "$root"

step "source package"
out="$work/$release/build"
rm -rf "$out"
dsc=$(source_package "$out")
say "$(cd "$out" && ls)"
chown -R 2345 "$out"

check=${ECHO_BUILDD_CHECK:-yes}
options="parallel=$(nproc)"
[ "$check" = yes ] || options="$options nocheck"
step "dpkg-source -x, dpkg-buildpackage -us -uc as user builder in the $release root (DEB_BUILD_OPTIONS=$options)"
version=$(cd "$src" && dpkg-parsechangelog -S Version)
started=$SECONDS
in_root "$root" --bind="$out:/srv" --user=builder --chdir=/srv \
    --setenv=DEB_BUILD_OPTIONS="$options" -- \
    sh -c "dpkg-source -x $(basename "$dsc") echod-$version && cd echod-$version && dpkg-buildpackage -us -uc" \
    >"$out/build.log" 2>&1 || { tail -n 60 "$out/build.log" >&2; fail "the package build failed (log: $out/build.log)"; }
say "built in $((SECONDS - started)) s: $(cd "$out" && ls -- *.deb | tr '\n' ' ')"
rm -rf "${out:?}/echod-$version"

if [ "$check" != yes ]; then
    say "built without the tests (ECHO_BUILDD_CHECK=$check); scripts/test --full runs them here"
    step "passed"
    exit 0
fi

step "the suite the package build ran"
# CTest colours its summary when it thinks it may ("100% tests passed\e[0;0m,
# 0 tests failed"): read a copy without the escapes.
sed 's/\x1b\[[0-9;]*m//g' "$out/build.log" >"$out/build.plain.log"
summary=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$out/build.plain.log" | tail -n 1)
[ -n "$summary" ] || fail "no CTest summary in the build log: did the package build run the tests?"
say "$summary"
# CTest's label summary: "LABEL = SECONDS sec*proc (N tests)".
for label in unit integration systemd man; do
    count=$(sed -n "s/^$label *= .*(\([0-9][0-9]*\) tests\?).*/\1/p" "$out/build.plain.log" | tail -n 1)
    [ -n "$count" ] && [ "$count" -gt 0 ] || fail "the package build ran no tests labelled $label"
    say "label $label: $count tests"
done
for label in booted stress valgrind fuzz debian-qa; do
    ! grep -Eq "^$label *= " "$out/build.plain.log" || fail "the package build ran tests labelled $label"
done
say "left out as debian/rules says: booted, stress, valgrind, fuzz, debian-qa"
step "passed"
