#!/usr/bin/env bash
# lintian at full strictness on the source package and both .debs that the
# buildd build of RELEASE made: every tag lintian can emit, including
# pedantic, experimental and info. Passes only when nothing is reported but
# the overrides (each with a comment saying why) in debian/*.lintian-overrides
# and debian/source/lintian-overrides.
#
#   lintian.sh RELEASE WORK_DIR
. "$(dirname "$0")/lib.sh"

release=$1
work=$(realpath -m "$2")
out="$work/$release/build"

need_tools lintian:lintian
changes=$(cd "$out" 2>/dev/null && ls -- *.changes 2>/dev/null | head -n 1) || true
[ -n "$changes" ] || fail "no .changes in $out: the buildd build of $release did not run or failed"

step "lintian $(lintian --version | cut -d' ' -f2) -i -I -E --pedantic --display-experimental --show-overrides on $changes"
# As root lintian says it should not run as root; that line is not a tag.
report=$(cd "$out" && lintian -i -I -E --pedantic --display-experimental --show-overrides \
    --tag-display-limit 0 "$changes" 2>&1 | grep -v '^running with root privileges is not recommended' || true)
printf '%s\n' "$report" | grep -E '^[A-Z]: |^N: [0-9]+ ' | sed 's/^/    /' || true
tags=$(printf '%s\n' "$report" | grep -E '^[EWIPX]: ' || true)
[ -z "$tags" ] || fail "lintian reports tags that are neither fixed nor overridden:
$tags"
overridden=$(printf '%s\n' "$report" | grep -c '^O: ' || true)
say "nothing reported; $overridden overridden tags, each with its reason in debian/"
step "passed"
