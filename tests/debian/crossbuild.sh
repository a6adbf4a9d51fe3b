#!/usr/bin/env bash
# Cross-building for arm64 as Debian's cross buildds do: a clean root of
# RELEASE with crossbuild-essential-arm64 and the arm64 Build-Depends,
# dpkg-buildpackage -a arm64 -Pcross,nocheck (arm64 code cannot run here, so
# no tests). Checks the .debs are arm64 and their programs AArch64 ELF.
#
#   crossbuild.sh RELEASE SOURCE_DIR WORK_DIR
. "$(dirname "$0")/lib.sh"

release=$1
src=$(realpath "$2")
work=$(realpath -m "$3")
cache="$work/cache"
out="$work/$release/cross-arm64"

need_root
need_tools mmdebstrap:mmdebstrap systemd-container:systemd-nspawn dpkg-dev:dpkg-source binutils:readelf

step "buildd root of $release for cross-building to arm64 (cached)"
root=$(buildd_root "$release" cross)
need_nspawn "$root"
say "$root"

step "source package"
rm -rf "$out"
dsc=$(source_package "$out")
chown -R 2345 "$out"

step "dpkg-buildpackage -a arm64 -Pcross,nocheck -us -uc -b"
version=$(cd "$src" && dpkg-parsechangelog -S Version)
started=$SECONDS
in_root "$root" --bind="$out:/srv" --user=builder --chdir=/srv \
    --setenv=DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" -- \
    sh -c "dpkg-source -x $(basename "$dsc") echod-$version && cd echod-$version && dpkg-buildpackage -a arm64 -Pcross,nocheck -us -uc -b" \
    >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log" >&2; fail "the cross-build failed (log: $out/build.log)"; }
say "built in $((SECONDS - started)) s"

step "check the .debs"
for package in echod echo-client; do
    deb=$(ls "$out/${package}_${version}_arm64.deb" 2>/dev/null) || fail "no ${package}_${version}_arm64.deb"
    rm -rf "$out/x"
    dpkg-deb -x "$deb" "$out/x"
    program=$(find "$out/x/usr" -type f -path '*bin/*' | head -n 1)
    machine=$(readelf -h "$program" | sed -n 's/^ *Machine: *//p')
    [ "$machine" = AArch64 ] || fail "$program in $(basename "$deb") is for '$machine', not AArch64"
    say "$(basename "$deb"): Architecture $(dpkg-deb -f "$deb" Architecture), ${program#"$out/x"} is $machine;" \
        "Static-Built-Using: $(dpkg-deb -f "$deb" Static-Built-Using)"
done
rm -rf "$out/x" "${out:?}/echod-$version"
step "passed"
