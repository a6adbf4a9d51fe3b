#!/usr/bin/env bash
# No line of a text file in the source package is longer than 512 characters:
# lintian's very-long-line-length-in-source-file (an error for debian.lintian)
# would otherwise be found only by the slow QA label, after a whole build.
# Usage: check_line_length.sh SOURCE-DIR
set -euo pipefail
top=$1
cd "$top"
# The files of the source package are what git tracks; a build from an
# unpacked source package (a buildd) has build trees in it and no git.
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1 || ! command -v git >/dev/null; then
    echo "skipped: not a git checkout, so which files are the source's is not known (lintian checks the package)"
    exit 77
fi
long=$(git ls-files | grep -v -E '\.(png|gz)$' | while read -r f; do
    [ -f "$f" ] && grep -Iq . "$f" 2>/dev/null && awk -v f="$f" 'length > 512 { print f ":" FNR ": " length " characters" }' "$f"
done || true)
if [ -n "$long" ]; then
    echo "FAIL: lines longer than 512 characters (lintian: very-long-line-length-in-source-file):"
    echo "$long"
    exit 1
fi
echo "no line is longer than 512 characters"
