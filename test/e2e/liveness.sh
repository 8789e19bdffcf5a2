#!/usr/bin/env bash
# A daemon that no longer translates must not look alive. systemd's watchdog:
# with NOTIFY_SOCKET and WATCHDOG_USEC (1 s) set, WATCHDOG=1 arrives every
# half second after READY=1. A dead worker is a dead daemon: `ip link del` of
# the TUN under the running daemon ends it with a non-zero status and a log
# line saying why, with worker threads (workers 2) and with the main thread
# translating (workers 0). (A worker that stalls without ending is the
# watchdog unit test's: stopping one thread of a process is not possible
# from outside.)
# Usage: liveness.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
lab_up

# expect_death: deletes the TUN device; the daemon must exit non-zero
# within 3 s and say why.
expect_death() {
    local what=$1 rc=0 t0
    t0=$(date +%s%N)
    ip -n "$NSX" link del "$TUN_DEV"
    for _ in $(seq 1 30); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$DAEMON_PID" 2>/dev/null && fail "$what: nat64d still running 3 s after its TUN device was deleted"
    wait "$DAEMON_PID" || rc=$?
    DAEMON_PID=
    echo "   $what: exit status $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
    [[ $rc -ne 0 ]] || fail "$what: nat64d exited with status 0 after losing its TUN device"
    grep -E "(worker 1 of 2 on $TUN_DEV ended|tun-device $TUN_DEV: the queue failed).*exiting" "$LAB_DIR/nat64d.log" \
        || { tail -n 20 "$LAB_DIR/nat64d.log" >&2; fail "$what: no log line says why nat64d exited"; }
}

log "systemd watchdog: WATCHDOG=1 every half WATCHDOG_USEC while the workers progress"
NOTIFY="$LAB_DIR/notify.sock"
$PYTHON - "$NOTIFY" "$LAB_DIR/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.monotonic() + 12
with open(sys.argv[2], "w", buffering=1) as out:
    while time.monotonic() < end:
        try:
            msg = s.recv(4096).decode(errors="replace")
        except socket.timeout:
            continue
        for line in msg.split("\n"):
            out.write(f"{time.monotonic():.3f} {line}\n")
PY
RECEIVER=$!
for _ in $(seq 1 50); do [[ -S "$NOTIFY" ]] && break; sleep 0.1; done
NOTIFY_SOCKET=$NOTIFY WATCHDOG_USEC=1000000 daemon_start
sleep 3
grep -q ' READY=1$' "$LAB_DIR/notify.log" || fail "no READY=1"
pings=$(awk -v t0="$(awk '/ READY=1$/ {print $1; exit}' "$LAB_DIR/notify.log")" \
    '$2 == "WATCHDOG=1" && $1 >= t0 {n++} END {print n + 0}' "$LAB_DIR/notify.log")
echo "   $pings WATCHDOG=1 in the ~3 s after READY=1"
(( pings >= 5 && pings <= 8 )) || { cat "$LAB_DIR/notify.log" >&2; fail "expected 5-8 WATCHDOG=1 in 3 s, got $pings"; }
# No gap longer than the timeout (1 s) between two pings.
awk '$2 == "WATCHDOG=1" { if (last != "" && $1 - last > 0.9) bad = 1; last = $1 } END { exit bad }' "$LAB_DIR/notify.log" \
    || { cat "$LAB_DIR/notify.log" >&2; fail "a gap of more than 0.9 s between two WATCHDOG=1"; }

log "ip link del of the TUN under two worker threads: nat64d exits non-zero and says why"
expect_death "workers 2"
grep -q "the queue failed" "$LAB_DIR/nat64d.log" || fail "the reason (queue failed) is not in the log"
kill "$RECEIVER" 2>/dev/null || true
wait "$RECEIVER" 2>/dev/null || true

log "the same with workers 0 (the main thread translates)"
sed -i 's/^workers .*/workers 0/' "$LAB_DIR/nat64d.conf"
: > "$LAB_DIR/nat64d.log"
daemon_start
expect_death "workers 0"

log "PASS"
