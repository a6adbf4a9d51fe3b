#!/usr/bin/env bash
# lintian of RELEASE, at full strictness, on the source package and both
# .debs that the buildd build of RELEASE made: every tag lintian can emit,
# including pedantic, experimental and info. That release's own lintian runs,
# in a minimal root of RELEASE (cached), whatever the host runs. Passes only
# when lintian ran on all three and reported nothing but the overrides (each
# with a comment saying why) and the few tags listed below as accepted.
#
#   lintian.sh RELEASE WORK_DIR
. "$(dirname "$0")/lib.sh"

release=$1
work=$(realpath -m "$2")
cache="$work/cache"
out="$work/$release/build"

# Tags that no change can remove on both releases, each with the reason; they
# are shown and do not fail the test. Regular expressions on whole lines.
accepted=()
accepted_why=()
case $release in
trixie)
    # The newest Standards-Version Debian 12's lintian knows is 4.6.2; a newer
    # one is a warning there (newer-standards-version). Debian 13's lintian
    # calls 4.6.2 out of date (info) for a changelog dated after 4.7.0.
    accepted+=('^I: echod source: out-of-date-standards-version 4\.6\.2 ')
    accepted_why+=("Standards-Version 4.6.2 is the newest Debian 12's lintian accepts (debian/control)")
    ;;
esac

need_root
need_tools mmdebstrap:mmdebstrap systemd-container:systemd-nspawn
changes=$(cd "$out" 2>/dev/null && ls -- *.changes 2>/dev/null | head -n 1) || true
[ -n "$changes" ] || fail "no .changes in $out: the buildd build of $release did not run or failed"

step "lintian of $release (its own, in a minimal root of $release; cached)"
root=$(lintian_root "$release")
need_nspawn "$root"
version=$(in_root "$root" -- lintian --version) || fail "lintian does not run in $root: $version"
say "$root: $version"

step "lintian -i -I -E --pedantic --display-experimental --show-overrides on $changes"
# As the unprivileged "nobody" (lintian warns about root; setpriv, as
# nspawn's --user wants a home directory), reading the build through a
# read-only bind. --fail-on none: lintian's exit status then says only
# whether it ran; the tags are judged below. -d names every check it ran on
# each package ("Check C for binary:echod_..."), so a run that checked less
# than the .changes lists is caught too.
status=0
log="$out/lintian-$release.log"
in_root "$root" --bind-ro="$out:/srv" --chdir=/srv -- \
    setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp \
    lintian -d -i -I -E --pedantic --display-experimental --show-overrides --tag-display-limit 0 \
    --color never --fail-on none "$changes" >"$log" 2>&1 || status=$?
[ $status -eq 0 ] || { tail -n 30 "$log" >&2; fail "lintian failed to run (exit status $status; log: $log)"; }
for what in source:echod_ binary:echod_ binary:echo-client_; do
    grep -Eq "^Check [^ ]+ for $what" "$log" || fail "lintian checked no ${what%_} (log: $log)"
done
say "lintian ran (exit status 0) and checked source:echod, binary:echod and binary:echo-client (log: $log)"
report=$(grep -E '^[A-Z]: ' "$log" || true)
printf '%s\n' "$report" | grep -E '^[EWIPXO]: ' | sed 's/^/    /' || true

tags=$(printf '%s\n' "$report" | grep -E '^[EWIPX]: ' || true)
unexpected=
while IFS= read -r tag; do
    [ -n "$tag" ] || continue
    known=no
    for i in "${!accepted[@]}"; do
        if [[ $tag =~ ${accepted[$i]} ]]; then
            say "accepted: $tag (${accepted_why[$i]})"
            known=yes
        fi
    done
    [ $known = yes ] || unexpected+="$tag"$'\n'
done <<<"$tags"
[ -z "$unexpected" ] || fail "lintian reports tags that are neither fixed, overridden nor accepted:
$unexpected"
overridden=$(printf '%s\n' "$report" | grep -c '^O: ' || true)
say "nothing else reported; $overridden overridden tags, each with its reason in debian/"
step "passed"
