#!/usr/bin/env bash
# The one test command (README, .ci/run): installs dependencies, builds,
# runs every test — Catch2 unit tests and the end-to-end tests in network
# namespaces (root) — through ctest, then the unit tests once more in an
# ASan+UBSan build, and a short libFuzzer run of every fuzz target. Extra
# arguments go to ctest (e.g. -L unit, -L e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 "$@"

# Sanitizers: memory and undefined-behaviour errors fail the run.
if [[ "${NAT64D_SKIP_SANITIZE:-}" != 1 ]]; then
    BUILD_DIR=build-sanitize CMAKE_ARGS="-DNAT64D_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug" scripts/build.sh
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --test-dir build-sanitize --output-on-failure --timeout 600 -L unit
fi

# ---- Fuzzing (scripts/fuzz.sh) ----------------------------------------------
# The seeds replay in every build (ctest label "fuzz", above); with clang,
# each libFuzzer target (libraries instrumented, ASan+UBSan) also runs for
# NAT64D_FUZZ_SECONDS (default 20) two at a time; a crash or a broken
# invariant fails the run. NAT64D_FUZZ_SECONDS=0 skips it.
FUZZ_SECONDS=${NAT64D_FUZZ_SECONDS:-20}
if [[ "$FUZZ_SECONDS" != 0 ]]; then
    if command -v clang++ >/dev/null; then
        scripts/fuzz.sh "$FUZZ_SECONDS"
    else
        echo "test: clang++ not installed, libFuzzer run skipped (the corpus replays ran)"
    fi
fi
# ---- end of fuzzing ---------------------------------------------------------
