#!/usr/bin/env bash
# No include runs from a lower folder up to a higher one. The order is the
# one server/CMakeLists.txt explains (lowest first); client/ keeps its modes
# (ping/, udp/) apart: neither includes the other, and client/*.cpp at the
# top may use both. Usage: check_layers.sh SOURCE_DIR
set -euo pipefail
top=$1
status=0

# check_tree DIR "folder1 folder2 ..." [siblings]: lowest first, or with
# `siblings` all on one level (none may include another).
check_tree() {
    local dir=$1 order=$2 siblings=${3:-} file from to rank_from rank_to inc
    declare -A rank=()
    local i=0 f
    for f in $order; do rank[$f]=$i; [ -n "$siblings" ] || i=$((i + 1)); done
    while IFS= read -r file; do
        from=$(dirname "${file#"$dir"/}")
        [ "$from" = . ] && continue # the top may include anything
        rank_from=${rank[$from]:-}
        if [ -z "$rank_from" ]; then
            echo "FAIL: $file is in $dir/$from/, which the layer order does not name"
            status=1
            continue
        fi
        while IFS= read -r inc; do
            to=${inc%%/*}
            [ "$to" = "$inc" ] && to=$from # same folder, by bare name
            [ "$to" = .. ] && { echo "FAIL: $file includes \"$inc\": name the folder, not the parent"; status=1; continue; }
            rank_to=${rank[$to]:-}
            [ -n "$rank_to" ] || continue # echo/ (common) and system headers
            if [ "$to" != "$from" ] && [ "$rank_to" -ge "$rank_from" ]; then
                echo "FAIL: $file ($from) includes \"$inc\" ($to): an arrow up or sideways"
                status=1
            fi
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
    done < <(find "$dir" -name '*.cpp' -o -name '*.hpp' | sort)
}

check_tree "$top/server" "config limits logging session listen proxy children monitor prefork udp acceptor"
check_tree "$top/client" "ping udp" siblings
if [ $status -eq 0 ]; then echo "no include runs up a layer"; fi
exit $status
