#!/usr/bin/env bash
# Runs sanitizer_probe (one deliberate bug, in a detached child) as the
# end-to-end tests run nat64d, under test/e2e/sanitized.sh: its report must
# reach the wrapper, which then fails. "chroot" puts the child in a chroot
# prepared by lib.sh's sanitizer_chroot, as service.sh does with -r.
# Usage: sanitizer_probe.sh PATH/TO/sanitizer_probe overflow|leak|undefined|race|chroot
PROBE=$1
MODE=$2
source "$(dirname "$0")/lib.sh"
trap lab_cleanup EXIT   # no namespaces: only the scratch directory and the chroot's reports
[[ -n "${NAT64D_SANITIZER_LOGS:-}" ]] || fail "run me through sanitized.sh"
if [[ $MODE == chroot ]]; then
    [[ $(id -u) -eq 0 ]] || { echo "SKIP: chroot needs root"; exit 77; }
    mkdir "$LAB_DIR/root"
    sanitizer_chroot "$LAB_DIR/root"
    "$PROBE" overflow "$LAB_DIR/root"
else
    "$PROBE" "$MODE"
fi
