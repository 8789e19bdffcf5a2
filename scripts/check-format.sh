#!/usr/bin/env bash
# Fails when a C/C++ file of the repository differs from what clang-format
# (Debian 12's clang-format-14, with .clang-format) would write, and names
# each such file with the first lines of the difference. Layout is decided
# by the tool, not in review: `scripts/check-format.sh --fix` rewrites the
# files in place. Exit 77 (ctest: skipped) when clang-format-14 is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
FORMAT=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$FORMAT" >/dev/null; then
    echo "check-format: $FORMAT not installed (scripts/install-deps.sh); skipped"
    exit 77
fi
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c' 2>/dev/null || true)
if [[ ${#files[@]} -eq 0 ]]; then
    # Not a git checkout (e.g. an exported tree): every source file.
    mapfile -t files < <(find src include test -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c' \) | sort)
fi
if [[ "${1:-}" == --fix ]]; then
    "$FORMAT" -i "${files[@]}"
    exit 0
fi
bad=0
diff_out=$(mktemp)
trap 'rm -f "$diff_out"' EXIT
for f in "${files[@]}"; do
    if ! "$FORMAT" "$f" | diff -u --label "$f" --label "$f (clang-format)" "$f" - >"$diff_out" 2>&1; then
        bad=$((bad + 1))
        head -20 "$diff_out"
    fi
done
if [[ $bad -gt 0 ]]; then
    echo "check-format: $bad of ${#files[@]} files differ from $FORMAT's layout (scripts/check-format.sh --fix)"
    exit 1
fi
echo "check-format: ${#files[@]} files as $FORMAT lays them out"
