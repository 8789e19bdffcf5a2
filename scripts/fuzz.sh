#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz with clang (libraries and
# targets instrumented, ASan+UBSan; in build-fuzz/ or $FUZZ_BUILD_DIR) and
# runs each for SECONDS (-max_total_time), two at a time, each from a copy
# of its seeds (test/fuzz/corpus/<target>/; what it finds stays in
# build-fuzz/corpus/). Prints per target: executions, exec/s, coverage
# (cov: edges, ft: features), corpus size. Fails when a target crashes or
# breaks an invariant; the input is kept as build-fuzz/crash-<target>-*.
#
#   scripts/fuzz.sh SECONDS [TARGET...]     (default: every target)
#   scripts/fuzz.sh --build-only [TARGET...] (build, run nothing)
#
# TARGET is a name of test/fuzz/corpus/ (xlat4to6) or of the binary
# (fuzz_xlat4to6). Needs clang++ and libFuzzer (Debian 12: clang,
# libclang-rt-14-dev; scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_ONLY=0
if [[ ${1:-} == --build-only ]]; then
    BUILD_ONLY=1
    set -- 0 "${@:2}"
fi
[[ $# -ge 1 && $1 =~ ^[0-9]+$ ]] || { echo "usage: $0 SECONDS|--build-only [TARGET...]" >&2; exit 2; }
SECONDS_EACH=$1
[[ $BUILD_ONLY == 1 || $SECONDS_EACH -gt 0 ]] || { echo "fuzz: SECONDS must be above 0" >&2; exit 2; }
shift
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${FUZZ_JOBS:-2}
CXX_FUZZ=${FUZZ_CXX:-clang++}
command -v "$CXX_FUZZ" >/dev/null || { echo "fuzz: $CXX_FUZZ not found (scripts/install-deps.sh)" >&2; exit 1; }

targets=()
if [[ $# -eq 0 ]]; then
    for d in test/fuzz/corpus/*/; do targets+=("fuzz_$(basename "$d")"); done
else
    for t in "$@"; do targets+=("fuzz_${t#fuzz_}"); done
fi
for t in "${targets[@]}"; do
    [[ -d test/fuzz/corpus/${t#fuzz_} ]] || { echo "fuzz: no target $t (test/fuzz/corpus/${t#fuzz_})" >&2; exit 2; }
done

cmake -S . -B "$BUILD" -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNAT64D_LIBFUZZER=ON \
    -DNAT64D_WERROR=ON ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target "${targets[@]}"
[[ $BUILD_ONLY == 0 ]] || exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# One target: fuzz from a working corpus seeded with the repository's seeds.
run_one() {
    local t=$1 name=${1#fuzz_}
    local work="$BUILD/corpus/$name" log="$BUILD/fuzz-$name.log"
    mkdir -p "$work"
    cp -n test/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb bounds memory.
    "$BUILD/test/fuzz/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$BUILD/crash-$name-" "$work" >"$log" 2>&1
}

status=0
pids=()
names=()
for t in "${targets[@]}"; do
    run_one "$t" &
    pids+=($!)
    names+=("$t")
    if [[ ${#pids[@]} -ge $JOBS ]]; then
        wait "${pids[0]}" || status=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done

printf '%-18s %12s %9s %7s %7s %7s  %s\n' target executions exec/s cov ft corpus result
for t in "${targets[@]}"; do
    name=${t#fuzz_}
    log="$BUILD/fuzz-$name.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
    result=ok
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant violated' "$log"; then
        result="FAILED (see $log)"
        status=1
    fi
    printf '%-18s %12s %9s %7s %7s %7s  %s\n' "$name" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
exit $status
