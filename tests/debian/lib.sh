# Shared by the Debian QA tests (sourced): messages, the archive mirror,
# cached mmdebstrap roots and running commands inside them with nspawn.
set -euo pipefail

step() { printf '\n[%s] == %s\n' "$(date +%T)" "$*"; }
say() { printf '[%s]    %s\n' "$(date +%T)" "$*"; }
fail() { printf '[%s] FAIL: %s\n' "$(date +%T)" "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (mmdebstrap, systemd-nspawn)"; }
need_tools() { # need_tools PACKAGE:COMMAND...
    local pair
    for pair in "$@"; do
        command -v "${pair#*:}" >/dev/null ||
            skip "${pair#*:} is not installed (package ${pair%%:*}; scripts/test installs it)"
    done
}

# The archive this machine's apt uses (its first URI), so the roots come from
# the same place; any release can be named with it.
mirror() {
    local uri=
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
            /etc/apt/sources.list)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# cached_root NAME KEY-TEXT SUITE MIRROR MMDEBSTRAP-OPTIONS...: a root
# directory made by mmdebstrap, kept as CACHE/NAME-HASH (HASH of KEY-TEXT and
# the arguments) so reruns reuse it; older roots of that NAME are removed.
# Prints its path.
cached_root() {
    local name=$1 key=$2 suite=$3 mirror=$4
    shift 4
    local hash dir
    hash=$(printf '%s\n' "$key" "$@" | sha256sum | cut -c1-12)
    dir="$cache/$name-$hash"
    if [ ! -d "$dir" ]; then
        local stale
        for stale in "$cache/$name"-*; do [ -e "$stale" ] && rm -rf "$stale"; done
        mkdir -p "$cache"
        say "mmdebstrap $name (cached afterwards as $dir)" >&2
        rm -rf "$dir.tmp" # left by an interrupted run
        mmdebstrap --quiet "$@" "$suite" "$dir.tmp" "$mirror" >"$cache/$name.log" 2>&1 ||
            { tail -n 30 "$cache/$name.log" >&2; fail "mmdebstrap for $name failed (log: $cache/$name.log)"; }
        mv "$dir.tmp" "$dir"
    fi
    echo "$dir"
}

# buildd_root RELEASE [cross]: what Debian's buildds start from
# (--variant=buildd: essential, apt, build-essential) plus this source's
# Build-Depends, and an unprivileged user "builder" (buildds do not build as
# root). With "cross": also arm64, crossbuild-essential-arm64 and the
# Build-Depends for building arm64 packages without running tests. Keyed by
# debian/control.
buildd_root() {
    local release=$1 cross=${2:-}
    local extra=() build_dep=()
    if [ -n "$cross" ]; then
        extra=(--architectures="$(dpkg --print-architecture),arm64" --include=crossbuild-essential-arm64)
        build_dep=(-a arm64 -Pcross,nocheck)
    fi
    cached_root "buildd-$release${cross:+-cross}" "$(cat "$src/debian/control")" \
        "$release" "deb $(mirror) $release main" --variant=buildd "${extra[@]}" \
        --customize-hook="mkdir -p \"\$1/tmp/src/debian\" && cp '$src/debian/control' \"\$1/tmp/src/debian/\"" \
        --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q ${build_dep[*]} /tmp/src" \
        --customize-hook="chroot \"\$1\" useradd --create-home --uid 2345 builder" \
        --customize-hook="rm -rf \"\$1/tmp/src\""
}

# lintian_root RELEASE: a minbase root of RELEASE with that release's lintian
# (cached), so each release's build is judged by its own lintian whatever
# the host runs. Prints its path.
lintian_root() {
    local release=$1
    cached_root "lintian-$release" "lintian" "$release" "deb $(mirror) $release main" \
        --variant=minbase --include=lintian
}

# in_root ROOT [NSPAWN-OPTIONS...] -- COMMAND...: runs COMMAND in ROOT, which
# stays unchanged (read-only; /tmp is a fresh tmpfs); no network but loopback.
# Bind work directories on /srv or /mnt: a read-only root cannot get new
# mount points.
in_root() {
    local root=$1
    shift
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    systemd-nspawn --quiet --register=no --keep-unit --private-network --read-only -D "$root" \
        --setenv=LANG=C.UTF-8 "${opts[@]}" "$@"
}

# base_tarball RELEASE: a minbase tarball of RELEASE (cached), the starting
# point piuparts and autopkgtest's unshare backend unpack. Prints its path.
base_tarball() {
    local release=$1 base="$cache/minbase-$1.tar.gz"
    if [ ! -f "$base" ]; then
        mkdir -p "$cache"
        say "mmdebstrap minbase $release (cached afterwards as $base)" >&2
        rm -f "$base.tmp.tar.gz"
        mmdebstrap --quiet --variant=minbase "$release" "$base.tmp.tar.gz" "deb $(mirror) $release main" \
            >"$cache/minbase-$release.log" 2>&1 ||
            { tail -n 30 "$cache/minbase-$release.log" >&2; fail "mmdebstrap minbase $release failed"; }
        mv "$base.tmp.tar.gz" "$base"
    fi
    echo "$base"
}

# Skips when nspawn cannot run a command here (inside some containers).
need_nspawn() {
    local root=$1 out
    out=$(in_root "$root" -- /bin/true 2>&1) ||
        skip "systemd-nspawn cannot run a command in a root here: $(echo "$out" | tail -n 1)"
}

# The source package (3.0 native) of this tree, built once into DIR: the
# tracked and new not-ignored files, as scripts/package copies them.
source_package() {
    local dir=$1 version
    version=$(cd "$src" && dpkg-parsechangelog -S Version)
    rm -rf "$dir"
    mkdir -p "$dir/echod-$version"
    if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$src" && git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
            tar --null -T - -cf -) | tar -C "$dir/echod-$version" -xf -
    else
        tar -C "$src" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -C "$dir/echod-$version" -xf -
    fi
    (cd "$dir" && dpkg-source --build "echod-$version" >"$dir/dpkg-source.log" 2>&1) ||
        { cat "$dir/dpkg-source.log" >&2; fail "dpkg-source --build failed"; }
    rm -rf "$dir/echod-$version"
    echo "$dir/echod_$version.dsc"
}
