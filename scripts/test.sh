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

# ---- Sanitizers and fuzzing -------------------------------------------------
# ASan+UBSan: every unit test, then every end-to-end test against the
# sanitized daemon (through test/e2e/sanitized.sh: a report of any process,
# detached or chrooted, fails its test). ThreadSanitizer: the threaded unit
# tests (workers, table publication, dynamic pool, control and metrics
# threads) and two end-to-end tests. libFuzzer: with clang, each target of
# test/fuzz (libraries instrumented, ASan+UBSan) runs for
# NAT64D_FUZZ_SECONDS (default 10, 0 skips it) two at a time (scripts/fuzz.sh);
# a crash or a broken invariant fails the run; the seeds also replay in every
# build (ctest label "fuzz", above). Each stage prints its wall time.
stage() {  # stage NAME COMMAND...: runs it and reports its wall time
    local name=$1 start=$SECONDS
    shift
    "$@"
    printf '== stage %s: %d s\n' "$name" $((SECONDS - start))
}
FUZZ_SECONDS=${NAT64D_FUZZ_SECONDS:-10}
FUZZ=0
if [[ "$FUZZ_SECONDS" != 0 ]]; then
    if command -v clang++ >/dev/null; then
        FUZZ=1
    else
        echo "test: clang++ not installed, libFuzzer run skipped (the corpus replays ran)"
    fi
fi
SANITIZE=1
[[ "${NAT64D_SKIP_SANITIZE:-}" != 1 ]] || SANITIZE=0

if [[ $SANITIZE == 1 ]]; then
    stage "ASan+UBSan build" env BUILD_DIR=build-sanitize \
        CMAKE_ARGS="-DNAT64D_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug ${CMAKE_ARGS:-}" scripts/build.sh
    stage "ASan+UBSan unit tests" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --test-dir build-sanitize --output-on-failure --timeout 600 -L unit
fi
# The end-to-end tests mostly wait on the network: the ThreadSanitizer build
# (only what its tests need; Debug compiles in about half the time) and the
# libFuzzer build compile meanwhile, one after the other, their output kept
# in a log shown if they fail.
BG_LOG=$(mktemp)
(
    set -e
    if [[ $SANITIZE == 1 ]]; then
        cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DNAT64D_WERROR=ON -DNAT64D_SANITIZE=thread \
            ${CMAKE_ARGS:-} >/dev/null
        stage "TSan build (beside the end-to-end tests)" cmake --build build-tsan -j"$(nproc)" \
            --target unit_io unit_addr unit_daemon nat64d nat64dctl sanitizer_probe
    fi
    if [[ $FUZZ == 1 ]]; then stage "libFuzzer build (beside the end-to-end tests)" scripts/fuzz.sh --build-only; fi
) >"$BG_LOG" 2>&1 &
bg_pid=$!
# A failing stage ends the run: the builds in the background end with it.
# Each command of the trap is allowed to fail (under set -e a failing one
# would otherwise become the exit status of a run that passed).
trap 'pkill -P "$bg_pid" 2>/dev/null || true; kill "$bg_pid" 2>/dev/null || true; rm -f "$BG_LOG"' EXIT
if [[ $SANITIZE == 1 ]]; then
    stage "ASan+UBSan end-to-end tests" ctest --test-dir build-sanitize --output-on-failure --timeout 600 -L e2e
fi
if ! wait "$bg_pid"; then
    cat "$BG_LOG"
    echo "test: the TSan or libFuzzer build failed" >&2
    exit 1
fi
grep '^== stage' "$BG_LOG" || true
trap - EXIT
rm -f "$BG_LOG"
if [[ $SANITIZE == 1 ]]; then
    stage "TSan tests" env TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        ctest --test-dir build-tsan --output-on-failure --timeout 600 \
        -R '^(unit_io|unit_io_root|unit_addr|unit_addr_root|unit_daemon|e2e_pool|e2e_metrics|e2e_sanitizer_probe_race)$'
fi
if [[ $FUZZ == 1 ]]; then stage "libFuzzer runs" scripts/fuzz.sh "$FUZZ_SECONDS"; fi
