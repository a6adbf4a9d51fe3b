#!/usr/bin/env bash
# Bit-for-bit reproducibility: builds the source package of the buildd build
# of RELEASE a second time in the same clean root, from another path, with
# umask 0077 and a timezone 14 hours east, and compares the .debs with the
# first build's by sha256 (diffoscope, when installed, shows a difference).
#
#   reproducible.sh RELEASE SOURCE_DIR WORK_DIR
. "$(dirname "$0")/lib.sh"

release=$1
src=$(realpath "$2")
work=$(realpath -m "$3")
cache="$work/cache"
first="$work/$release/build"
second="$work/$release/rebuild"

need_root
need_tools mmdebstrap:mmdebstrap systemd-container:systemd-nspawn
ls "$first"/*.dsc >/dev/null 2>&1 || fail "no .dsc in $first: the buildd build of $release did not run"
root=$(buildd_root "$release")
need_nspawn "$root"

step "second build: other path, umask 0077, TZ=UTC-14, without the tests"
version=$(cd "$src" && dpkg-parsechangelog -S Version)
rm -rf "$second"
mkdir -p "$second/a/much/longer/path"
cp "$first"/*.dsc "$first"/*.tar.* "$second/a/much/longer/path/"
chown -R 2345 "$second"
started=$SECONDS
in_root "$root" --bind="$second:/mnt" --user=builder --chdir=/mnt/a/much/longer/path \
    --setenv=TZ=UTC-14 --setenv=DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" -- \
    sh -c "umask 0077 && dpkg-source -x echod_$version.dsc echod-$version && cd echod-$version && dpkg-buildpackage -us -uc -b" \
    >"$second/build.log" 2>&1 || { tail -n 40 "$second/build.log" >&2; fail "the second build failed (log: $second/build.log)"; }
say "built in $((SECONDS - started)) s"

step "compare"
ls "$first"/*.deb >/dev/null 2>&1 || fail "no .debs in $first: the buildd build of $release failed"
differ=0
for deb in "$first"/*.deb; do
    name=$(basename "$deb")
    other="$second/a/much/longer/path/$name"
    [ -f "$other" ] || fail "the second build made no $name"
    a=$(sha256sum <"$deb" | cut -d' ' -f1)
    b=$(sha256sum <"$other" | cut -d' ' -f1)
    if [ "$a" = "$b" ]; then
        say "$name: identical, sha256 $a"
    else
        differ=1
        say "$name: DIFFERS ($a vs $b)"
        if command -v diffoscope >/dev/null; then
            diffoscope --text "$second/$name.diffoscope.txt" "$deb" "$other" >/dev/null 2>&1 || true
            head -n 60 "$second/$name.diffoscope.txt" >&2
        fi
    fi
done
[ $differ -eq 0 ] || fail "the .debs are not reproducible"
step "passed"
