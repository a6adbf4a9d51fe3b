#!/bin/sh
# Builds one libFuzzer target with clang++ and runs it for a bounded time.
# The project builds with g++, which has no libFuzzer, so CTest calls this
# script instead of CMake building the target.
#   run_fuzzer.sh CLANGXX SOURCE_DIR WORK_DIR TARGET SECONDS
# Exit 77 (CTest: skipped) when clang++ or its fuzzer runtime is missing.
set -eu
clangxx=$1 top=$2 work=$3 target=$4 seconds=$5

if [ -z "$clangxx" ] || ! command -v "$clangxx" >/dev/null 2>&1; then
    echo "SKIPPED: clang++ not found; install clang (and libclang-rt-14-dev) to run the fuzzers"
    exit 77
fi
mkdir -p "$work"
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' > "$work/probe.cpp"
if ! "$clangxx" -fsanitize=fuzzer "$work/probe.cpp" -o "$work/probe" 2>"$work/probe.log"; then
    echo "SKIPPED: $clangxx cannot build libFuzzer targets (libclang-rt-14-dev missing?):"
    cat "$work/probe.log"
    exit 77
fi

# Each target and the common/ sources it needs.
case $target in
    quit_line_filter) sources="$top/common/src/protocol.cpp" ;;
    endpoint) sources="$top/common/src/address.cpp" ;;
    proxy_header) sources="$top/common/src/proxy_parse.cpp $top/common/src/proxy_encode.cpp
                           $top/common/src/proxy_header.cpp $top/common/src/crc32c.cpp
                           $top/common/src/address.cpp" ;;
    *) echo "unknown fuzz target $target" >&2; exit 2 ;;
esac
binary=$work/${target}_fuzzer
echo "== building $binary"
# shellcheck disable=SC2086 # $sources is a list
"$clangxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I "$top/common/include" "$top/tests/fuzz/${target}_fuzzer.cpp" $sources -o "$binary"

# New inputs go to a corpus in the build tree; the checked-in seeds are only read.
mkdir -p "$work/corpus-$target" "$work/artifacts-$target"
echo "== fuzzing $target for $seconds s"
exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts-$target/" "$work/corpus-$target" "$top/tests/fuzz/corpus/$target"
