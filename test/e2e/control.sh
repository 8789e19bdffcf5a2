#!/usr/bin/env bash
# The main loop never waits on one control client: while a client sends one
# byte every 0.9 s, SIGHUP is acted on within a second, nat64dctl is
# answered, 20 idle connections are cut down to 8 at once and the rest at
# their 2 s deadline, and SIGTERM ends the daemon within a second. Then the
# socket path: two daemons with the same tun-device in two network
# namespaces and no control-socket get one socket each (the default name
# carries the namespace), a daemon that finds a live daemon's socket
# refuses to start, and control-group sets the socket's group.
# Usage: control.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"
lab_up
# A fourth namespace, empty, for a second daemon with the same tun-device.
NSE="n64ex-$LAB_ID"
ip netns add "$NSE"
trap 'rc=$?; ip netns pids "$NSE" 2>/dev/null | xargs -r kill -KILL 2>/dev/null; ip netns del "$NSE" 2>/dev/null; (exit $rc); lab_cleanup' EXIT
SOCK="$LAB_DIR/ctl.sock"
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# wait_log PATTERN MS: the pattern appears in the daemon's log within MS ms.
wait_log() {
    local t0
    t0=$(date +%s%N)
    while (( $(ms_since "$t0") < $2 )); do
        grep -q "$1" "$LAB_DIR/nat64d.log" && return 0
        sleep 0.05
    done
    return 1
}

daemon_start
log "a client sending one byte every 0.9 s"
$PYTHON - "$SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
# Reconnects when cut off at the deadline, so that one is always dribbling.
for _ in range(20):
    try:
        s.send(b"s")
    except OSError:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(sys.argv[1])
        except OSError:
            break
    time.sleep(0.9)
PY
SLOW=$!
sleep 1.5
t0=$(date +%s%N)
kill -HUP "$DAEMON_PID"
wait_log "reloading" 1000 || fail "SIGHUP not acted on within 1 s while a slow client is connected"
echo "   SIGHUP: reloading logged after $(ms_since "$t0") ms"
t0=$(date +%s%N)
out=$(timeout 2 "$CTL" -s "$SOCK" status) || fail "nat64dctl status not answered while a slow client is connected"
echo "   nat64dctl status answered in $(ms_since "$t0") ms: $out"

log "20 idle connections: 8 served at once at most, the rest refused; all gone after the deadline"
$PYTHON - "$SOCK" <<'PY' || fail "too many clients were not refused and cut off as expected"
import socket, sys, time
socks = []
for _ in range(20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.settimeout(4)
    socks.append(s)
import select
t0 = time.monotonic()
refused = timed_out = 0
pending = {s.fileno(): s for s in socks}
while pending and time.monotonic() - t0 < 4:
    ready, _, _ = select.select(list(pending), [], [], 0.2)
    for fd in ready:
        data = pending.pop(fd).recv(100)
        if data == b"error: too many connections\n" and time.monotonic() - t0 < 1:
            refused += 1
        elif data in (b"error: request timed out\n", b""):
            timed_out += 1
print(f"   {refused} refused at once, {timed_out} cut off at the deadline, after {time.monotonic() - t0:.1f} s")
# The slow client holds at most one slot; 20 - 8 are refused at once.
sys.exit(0 if refused >= 12 and refused + timed_out == 20 and time.monotonic() - t0 < 3.5 else 1)
PY
timeout 2 "$CTL" -s "$SOCK" status >/dev/null || fail "nat64dctl not answered after the flood"

log "SIGTERM with a slow client connected"
t0=$(date +%s%N)
kill -TERM "$DAEMON_PID"
for _ in $(seq 1 20); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "nat64d still running 1 s after SIGTERM"
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
echo "   stopped after $(ms_since "$t0") ms, status $rc"
[[ $rc -eq 0 ]] || fail "exit status $rc on SIGTERM"
kill "$SLOW" 2>/dev/null || true
wait "$SLOW" 2>/dev/null || true

log "default socket per network namespace: the same tun-device in two namespaces"
RUN="$LAB_DIR/run"
mkdir "$RUN"
sed -i '/^control-socket /d' "$LAB_DIR/nat64d.conf"
: > "$LAB_DIR/nat64d.log"
RUNTIME_DIRECTORY=$RUN daemon_start
ip netns exec "$NSE" env RUNTIME_DIRECTORY="$RUN" "$NAT64D" -d -c "$LAB_DIR/nat64d.conf" >"$LAB_DIR/second.log" 2>&1 &
SECOND=$!
ino_x=$(ip netns exec "$NSX" stat -L -c %i /proc/self/ns/net)
ino_e=$(ip netns exec "$NSE" stat -L -c %i /proc/self/ns/net)
for _ in $(seq 1 50); do [[ -S "$RUN/$TUN_DEV@net-$ino_e.sock" ]] && break; sleep 0.1; done
ls "$RUN"
[[ -S "$RUN/$TUN_DEV@net-$ino_x.sock" ]] || fail "no socket $TUN_DEV@net-$ino_x.sock for the first daemon"
[[ -S "$RUN/$TUN_DEV@net-$ino_e.sock" ]] || { cat "$LAB_DIR/second.log" >&2; fail "no socket for the second daemon"; }
a=$(ip netns exec "$NSX" env RUNTIME_DIRECTORY="$RUN" "$CTL" -c "$LAB_DIR/nat64d.conf" status)
b=$(ip netns exec "$NSE" env RUNTIME_DIRECTORY="$RUN" "$CTL" -c "$LAB_DIR/nat64d.conf" status)
grep -q "pid $DAEMON_PID," <<<"$a" || fail "nat64dctl in the first namespace reached another daemon: $a"
grep -q "pid $SECOND," <<<"$b" || fail "nat64dctl in the second namespace reached another daemon: $b"
echo "   $a"
echo "   $b"
kill -TERM "$SECOND"
wait "$SECOND" || fail "the second daemon exited non-zero"

log "a live daemon's socket is not taken: a second daemon with the same control-socket refuses to start"
sed -i "s|^tun-device .*|tun-device ${TUN_DEV}b|" "$LAB_DIR/nat64d.conf"
echo "control-socket $RUN/$TUN_DEV@net-$ino_x.sock" >> "$LAB_DIR/nat64d.conf"
rc=0
ip netns exec "$NSE" timeout 10 "$NAT64D" -d -c "$LAB_DIR/nat64d.conf" >"$LAB_DIR/third.log" 2>&1 || rc=$?
[[ $rc -eq 1 ]] || { cat "$LAB_DIR/third.log" >&2; fail "a daemon took a live daemon's socket (status $rc)"; }
grep -q "another nat64d answers on it" "$LAB_DIR/third.log" || { cat "$LAB_DIR/third.log" >&2; fail "no reason given"; }
grep -q "pid $DAEMON_PID," <<<"$(ip netns exec "$NSX" "$CTL" -s "$RUN/$TUN_DEV@net-$ino_x.sock" status)" \
    || fail "the first daemon's socket no longer answers"
daemon_stop

log "control-group: the socket's group"
getent group nogroup >/dev/null || fail "no group nogroup"
sed -i "s|^tun-device .*|tun-device $TUN_DEV|; s|^control-socket .*|control-socket $SOCK|" "$LAB_DIR/nat64d.conf"
echo "control-group nogroup" >> "$LAB_DIR/nat64d.conf"
daemon_start
[[ $(stat -c %G:%a "$SOCK") == nogroup:660 ]] || fail "socket is $(stat -c %G:%a "$SOCK"), expected nogroup:660"
daemon_stop
sed -i "s|^control-group .*|control-group no-such-group-$$|" "$LAB_DIR/nat64d.conf"
rc=0
inx "$NAT64D" -d -c "$LAB_DIR/nat64d.conf" >"$LAB_DIR/fourth.log" 2>&1 || rc=$?
[[ $rc -eq 1 ]] && grep -q "control-group no-such-group-$$: no such group" "$LAB_DIR/fourth.log" \
    || { cat "$LAB_DIR/fourth.log" >&2; fail "an unknown control-group did not stop the start-up"; }
log "PASS"
