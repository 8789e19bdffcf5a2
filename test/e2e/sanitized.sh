#!/usr/bin/env bash
# Runs one end-to-end test against programs built with sanitizers
# (-DNAT64D_SANITIZE=ON or thread) and fails it on any sanitizer report.
# Usage: sanitized.sh address|thread COMMAND [ARGS...]
#
# The daemon detaches (its stderr becomes /dev/null) and may drop to another
# user, so the runtimes write their reports to files instead: log_path in a
# directory anyone may write (sticky, like /tmp), one file per process (the
# runtime appends the pid: nat64d, its detached child, nat64dctl, helpers).
# A report fails the test even when the script itself passed, because a
# daemon stopped at the end of a test reports leaks only at its exit. A test
# that chroots the daemon makes the directory inside the chroot too
# (lib.sh, sanitizer_chroot) and hands those reports back at its cleanup.
set -uo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 address|thread COMMAND [ARGS...]" >&2; exit 2; }
kind=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-san.XXXXXX")
chmod 1777 "$dir"
trap 'rm -rf "$dir"' EXIT
export NAT64D_SANITIZER_LOGS=$dir
case $kind in
    address)
        # Every ASan error is fatal; UBSan's too (-fno-sanitize-recover and
        # halt_on_error); leaks are checked when a process exits.
        export ASAN_OPTIONS="log_path=$dir/asan:detect_leaks=1:abort_on_error=0:exitcode=86"
        export UBSAN_OPTIONS="log_path=$dir/ubsan:halt_on_error=1:print_stacktrace=1"
        ;;
    thread)
        # Races are reported and the daemon goes on, so that one run shows
        # all of them; the exit status of a process that raced is 86.
        export TSAN_OPTIONS="log_path=$dir/tsan:halt_on_error=0:exitcode=86:second_deadlock_stack=1"
        ;;
    *) echo "sanitized.sh: unknown sanitizer '$kind'" >&2; exit 2 ;;
esac

rc=0
"$@" || rc=$?

# A daemon killed by the test's cleanup may still be writing its report.
sleep 0.2
reports=$(find "$dir" -type f -size +0 | sort)
if [[ -n "$reports" ]]; then
    while read -r f; do
        printf '=== sanitizer report %s ===\n' "${f##*/}" >&2
        head -n 200 "$f" >&2
    done <<<"$reports"
    printf 'FAIL: %s sanitizer report(s) during %s\n' "$(wc -l <<<"$reports")" "$*" >&2
    exit 1
fi
exit "$rc"
