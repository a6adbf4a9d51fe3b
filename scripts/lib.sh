# Shared by scripts/run, scripts/test and scripts/package: make the machine
# able to build echod, from debian/control alone.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=no
apt_install() {
    [ $# -gt 0 ] || return 0
    if [ "$apt_updated" = no ]; then
        as_root apt-get update -qq
        apt_updated=yes
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Packages named in a list that are not installed yet.
missing_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || echo "$p"
    done
}

# Build-Depends from debian/control, installed only when something is missing.
install_build_deps() {
    if command -v dpkg-checkbuilddeps >/dev/null && (cd "$top" && dpkg-checkbuilddeps >/dev/null 2>&1); then
        return 0
    fi
    echo "== installing build dependencies from debian/control"
    apt_install dpkg-dev build-essential
    (cd "$top" && as_root env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq ./ >/dev/null)
}

# configure_and_build DIR [CMAKE ARGS...]
configure_and_build() {
    local dir=$1
    shift
    cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" --parallel "$jobs"
}
