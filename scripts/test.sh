#!/usr/bin/env bash
# The one test command (README, .ci/run): installs dependencies, builds,
# runs every test — Catch2 unit tests and the end-to-end tests in network
# namespaces (root) — through ctest, then the unit and end-to-end tests once
# more in an ASan+UBSan build, the threaded ones in a ThreadSanitizer build,
# and a short libFuzzer run of every fuzz target. Extra arguments go to the
# first ctest (e.g. -L unit, -L e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 "$@"

# ---- Sanitizers -------------------------------------------------------------
# ASan+UBSan: every unit test, then every end-to-end test against the
# sanitized daemon (through test/e2e/sanitized.sh: a report of any process,
# detached or chrooted, fails its test). ThreadSanitizer: the threaded unit
# tests (workers, table publication, dynamic pool, control and metrics
# threads) and two end-to-end tests. Each stage prints its wall time.
if [[ "${NAT64D_SKIP_SANITIZE:-}" != 1 ]]; then
    stage() {  # stage NAME COMMAND...: runs it and reports its wall time
        local name=$1 start=$SECONDS
        shift
        "$@"
        printf '== stage %s: %d s\n' "$name" $((SECONDS - start))
    }
    stage "ASan+UBSan build" env BUILD_DIR=build-sanitize \
        CMAKE_ARGS="-DNAT64D_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug ${CMAKE_ARGS:-}" scripts/build.sh
    stage "ASan+UBSan unit tests" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --test-dir build-sanitize --output-on-failure --timeout 600 -L unit
    stage "ASan+UBSan end-to-end tests" ctest --test-dir build-sanitize --output-on-failure --timeout 600 -L e2e
    # Only what the TSan tests need; Debug compiles in about half the time.
    cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DNAT64D_WERROR=ON -DNAT64D_SANITIZE=thread \
        ${CMAKE_ARGS:-} >/dev/null
    stage "TSan build" cmake --build build-tsan -j"$(nproc)" \
        --target unit_io unit_addr unit_daemon nat64d nat64dctl sanitizer_probe
    stage "TSan tests" env TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        ctest --test-dir build-tsan --output-on-failure --timeout 600 \
        -R '^(unit_io|unit_addr|unit_daemon|e2e_pool|e2e_metrics|e2e_sanitizer_probe_race)$'
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
