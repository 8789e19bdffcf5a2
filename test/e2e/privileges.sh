#!/usr/bin/env bash
# Least privilege: once it translates, the daemon holds no capability
# (CapEff, CapPrm, CapInh, CapAmb all zero in every thread), has
# NoNewPrivs set, and an empty bounding set whenever it was given
# CAP_SETPCAP to empty it; it runs as the user and group it was told to.
# Checked in /proc/PID/task/*/status for each way of starting it:
#   root with -u/-g; root with -u/-g/-r (chroot); root without -u;
#   an unprivileged user with ambient CAP_NET_ADMIN and CAP_SETPCAP (what
#   the systemd units give), and with ambient CAP_NET_ADMIN alone (the
#   bounding set then stays as given).
# In each: a ping is translated, SIGHUP reloads a new mapping that then
# translates, dynamic.map is written, and after SIGTERM the pidfile and the
# control socket are gone. Last, -u with a root-owned run directory: the
# pidfile is emptied (not left with a pid) and that is said at start-up.
# Usage: privileges.sh PATH/TO/nat64d
NAT64D=$1
if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: needs root (network namespaces, setuid)"
    exit 77
fi
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) missing"; exit 77; }
source "$(dirname "$0")/lib.sh"
lab_up

RUN="$LAB_DIR/run"
DATA="$LAB_DIR/data"
mkdir "$RUN" "$DATA"
chown nobody:nogroup "$RUN" "$DATA"
chmod 755 "$LAB_DIR"   # mktemp's 0700 would hide the configuration from nobody
PIDFILE="$RUN/nat64d.pid"
SOCK="$RUN/ctl.sock"
sed -i "s|^control-socket .*|control-socket $SOCK|" "$LAB_DIR/nat64d.conf"
cat >> "$LAB_DIR/nat64d.conf" <<CONF
dynamic-pool 198.51.100.128/25
data-dir $DATA
CONF
cp "$LAB_DIR/nat64d.conf" "$LAB_DIR/base.conf"
ip -n "$NS6" addr add 2001:db8:6::3/64 dev v6h nodad
ip -n "$NS6" addr add 2001:db8:6::77/64 dev v6h nodad
NOBODY_UID=$(id -u nobody)
NOGROUP_GID=$(getent group nogroup | cut -d: -f3)
ZERO=0000000000000000
CAP_NET_ADMIN_ONLY=0000000000001000   # bit 12

# status_field FILE NAME: the value after "NAME:" (tabs squeezed to spaces).
status_field() { sed -n "s/^$2:[[:space:]]*//p" "$1" | tr -s '\t ' ' ' | sed 's/ $//'; }

# check_process PID UID GID BOUNDING: every thread of PID as described.
check_process() {
    local pid=$1 uid=$2 gid=$3 bnd=$4 threads=0 f
    for f in /proc/"$pid"/task/*/status; do
        threads=$((threads + 1))
        for field in CapEff CapPrm CapInh CapAmb; do
            [[ $(status_field "$f" $field) == "$ZERO" ]] || fail "$f: $field $(status_field "$f" $field), expected $ZERO"
        done
        [[ $(status_field "$f" CapBnd) == "$bnd" ]] || fail "$f: CapBnd $(status_field "$f" CapBnd), expected $bnd"
        [[ $(status_field "$f" NoNewPrivs) == 1 ]] || fail "$f: NoNewPrivs $(status_field "$f" NoNewPrivs)"
        [[ $(status_field "$f" Uid) == "$uid $uid $uid $uid" ]] || fail "$f: Uid $(status_field "$f" Uid), expected $uid"
        [[ $(status_field "$f" Gid) == "$gid $gid $gid $gid" ]] || fail "$f: Gid $(status_field "$f" Gid), expected $gid"
        [[ -z $(status_field "$f" Groups) ]] || fail "$f: supplementary groups kept: $(status_field "$f" Groups)"
    done
    # Two workers, the main thread: a privilege dropped after the workers
    # started would show in their lines above.
    [[ $threads -ge 3 ]] || fail "pid $pid has $threads threads, expected the main thread and 2 workers"
    echo "   pid $pid, $threads threads: uid $uid gid $gid, CapEff/CapPrm/CapInh/CapAmb 0, CapBnd $bnd, NoNewPrivs 1"
}

wait_translating() {
    # 15 s: without CAP_PERFMON the verifier takes seconds over the program.
    for _ in $(seq 1 150); do in4 ping -c1 -W1 -q "$XLAT4" >/dev/null 2>&1 && return 0; sleep 0.1; done
    fail "not translating 15 s after start"
}

# Translation, a reload by SIGHUP that adds a mapping, a dynamic lease.
exercise() {
    local pid=$1 mapfile=$2
    ping_ok in6 "${PREFIX}${HOST4}" -I "$HOST6"
    echo "map 198.51.100.3 2001:db8:6::3" >> "$mapfile"
    kill -HUP "$pid"
    local ok=
    for _ in $(seq 1 30); do
        if in4 ping -c1 -W1 -q 198.51.100.3 >/dev/null 2>&1; then ok=1; break; fi
        sleep 0.1
    done
    [[ -n $ok ]] || fail "mapping added by SIGHUP does not translate"
    ping_ok in4 198.51.100.3
    in6 ping -c 2 -i 0.2 -W 2 -w 4 -I 2001:db8:6::77 "${PREFIX}${HOST4}" >/dev/null || fail "no dynamic lease"
}

# stop_and_check PID: SIGTERM; pidfile, socket gone; the lease saved.
stop_and_check() {
    local pid=$1
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$pid" 2>/dev/null || fail "pid $pid still running 5 s after SIGTERM"
    DAEMON_PID=
    [[ ! -e "$PIDFILE" ]] || fail "pidfile left behind"
    [[ ! -e "$SOCK" ]] || fail "control socket left behind"
    grep -qP "^198\.51\.100\.\d+\t2001:db8:6::77\t\d+$" "$DATA/dynamic.map" || fail "dynamic.map lacks the lease"
}

reset_config() {
    cp "$LAB_DIR/base.conf" "$LAB_DIR/nat64d.conf"
    rm -f "$DATA/dynamic.map" "$DATA/maps.conf"
}

log "root with -u nobody -g nogroup (detached, -p)"
reset_config
inx "$NAT64D" -c "$LAB_DIR/nat64d.conf" -u nobody -g nogroup -p "$PIDFILE"
DAEMON_PID=$(cat "$PIDFILE")
wait_translating
check_process "$DAEMON_PID" "$NOBODY_UID" "$NOGROUP_GID" "$ZERO"
exercise "$DAEMON_PID" "$LAB_DIR/nat64d.conf"
check_process "$DAEMON_PID" "$NOBODY_UID" "$NOGROUP_GID" "$ZERO"   # a reload regains nothing
stop_and_check "$DAEMON_PID"

log "root with -u nobody -g nogroup -r (chroot to data-dir)"
reset_config
echo "map-file maps.conf" >> "$LAB_DIR/nat64d.conf"
: > "$DATA/maps.conf"
chown nobody "$DATA/maps.conf"
# Under ASan: reports from inside the chroot, no leak check there (lib.sh);
# the cases after this one check leaks again.
asan_options=${ASAN_OPTIONS-}
sanitizer_chroot "$DATA"
inx "$NAT64D" -c "$LAB_DIR/nat64d.conf" -u nobody -g nogroup -r -p "$PIDFILE"
if [[ -n "$asan_options" ]]; then export ASAN_OPTIONS="$asan_options"; fi
DAEMON_PID=$(cat "$PIDFILE")
wait_translating
[[ $(readlink "/proc/$DAEMON_PID/root") == "$DATA" ]] || fail "not chrooted: $(readlink "/proc/$DAEMON_PID/root")"
check_process "$DAEMON_PID" "$NOBODY_UID" "$NOGROUP_GID" "$ZERO"
exercise "$DAEMON_PID" "$DATA/maps.conf"   # in the chroot only the map-file is read again
stop_and_check "$DAEMON_PID"

log "root without -u: uid 0, but no capability"
reset_config
# Without CAP_DAC_OVERRIDE root writes only where the owner may: a data-dir
# of nobody's is refused at start, with the reason.
: > "$LAB_DIR/nat64d.log"
! inx "$NAT64D" -n -c "$LAB_DIR/nat64d.conf" -p "$PIDFILE" >>"$LAB_DIR/nat64d.log" 2>&1 \
    || fail "root without capabilities started with a data-dir it cannot write"
grep -q "data-dir $DATA: not writable by uid 0" "$LAB_DIR/nat64d.log" || fail "no reason given for the refusal"
chown root:root "$DATA" "$RUN"
inx "$NAT64D" -c "$LAB_DIR/nat64d.conf" -p "$PIDFILE"
DAEMON_PID=$(cat "$PIDFILE")
wait_translating
check_process "$DAEMON_PID" 0 0 "$ZERO"
exercise "$DAEMON_PID" "$LAB_DIR/nat64d.conf"
stop_and_check "$DAEMON_PID"
chown nobody:nogroup "$DATA" "$DATA/dynamic.map" "$RUN"

# setpriv: the way systemd's User= and AmbientCapabilities= start it. The
# daemon stays in the foreground (-n), as under systemd.
# Debian makes /dev/net/tun mode 0666 (udev); where it is not (some
# containers), a 0666 node of the same device is bound over it inside the
# mount namespace of `ip netns exec` only, so nothing outside changes.
TUN_NODE=
if [[ $(stat -c %a /dev/net/tun) != 666 ]]; then
    TUN_NODE="$LAB_DIR/tun"
    mknod -m 666 "$TUN_NODE" c 10 200
fi
start_unprivileged() {
    local caps=$1 bounding=$2
    ip netns exec "$NSX" sh -c '[ -z "$1" ] || mount --bind "$1" /dev/net/tun || exit 1; shift; exec "$@"' sh \
        "$TUN_NODE" setpriv --reuid=nobody --regid=nogroup --clear-groups \
        --inh-caps="$caps" --ambient-caps="$caps" --bounding-set="$bounding" \
        "$NAT64D" -n -c "$LAB_DIR/nat64d.conf" -p "$PIDFILE" >>"$LAB_DIR/nat64d.log" 2>&1 &
    DAEMON_PID=$!
    wait_translating
}

# unprivileged_fast_path CAPS WHAT: nat64d as nobody with the ambient CAPS
# (the bounding set the same) attaches the kernel fast path (where this
# build and kernel have it at all), translates, reloads, stops.
unprivileged_fast_path() {
    local caps=$1 what=$2
    reset_config
    : > "$LAB_DIR/nat64d.log"
    start_unprivileged "$caps" "-all,$caps"
    check_process "$DAEMON_PID" "$NOBODY_UID" "$NOGROUP_GID" "$ZERO"
    if ! grep -q 'fast path not running (not built' "$LAB_DIR/nat64d.log"; then
        grep -q 'fast path attached' "$LAB_DIR/nat64d.log" || { cat "$LAB_DIR/nat64d.log" >&2; fail "fast path not attached $what"; }
    fi
    exercise "$DAEMON_PID" "$LAB_DIR/nat64d.conf"
    stop_and_check "$DAEMON_PID"
}

# CAP_BPF and CAP_PERFMON with CAP_NET_ADMIN are all the kernel fast path
# needs.
log "unprivileged user with ambient CAP_NET_ADMIN, CAP_SETPCAP, CAP_BPF and CAP_PERFMON (the systemd units)"
unprivileged_fast_path +net_admin,+setpcap,+bpf,+perfmon "with CAP_BPF and CAP_PERFMON"

# The program keeps to what the verifier takes without CAP_PERFMON (no
# variable stack offsets, no pointer comparisons): it loads, only slower.
# That pass (seconds) is the kernel's work, not the daemon's: once, not
# again under sanitizers.
if [[ -z "${NAT64D_SANITIZER_LOGS:-}" ]]; then
    log "unprivileged user with ambient CAP_NET_ADMIN, CAP_SETPCAP and CAP_BPF, without CAP_PERFMON"
    unprivileged_fast_path +net_admin,+setpcap,+bpf "without CAP_PERFMON"
fi

log "unprivileged user with ambient CAP_NET_ADMIN alone: the bounding set stays as given"
reset_config
: > "$LAB_DIR/nat64d.log"
start_unprivileged +net_admin -all,+net_admin
check_process "$DAEMON_PID" "$NOBODY_UID" "$NOGROUP_GID" "$CAP_NET_ADMIN_ONLY"
# Without CAP_BPF: said once (libbpf's own report of the refused load
# only with -d), and the daemon translates through the TUN device.
[[ $(grep -c 'fast path not running' "$LAB_DIR/nat64d.log") -eq 1 ]] ||
    { cat "$LAB_DIR/nat64d.log" >&2; fail "no single 'fast path not running' line without CAP_BPF"; }
exercise "$DAEMON_PID" "$LAB_DIR/nat64d.conf"
stop_and_check "$DAEMON_PID"

log "-u with a root-owned run directory: the pidfile is emptied, and that is said at start"
reset_config
ROOTRUN="$LAB_DIR/rootrun"
mkdir -m 755 "$ROOTRUN"
: > "$LAB_DIR/nat64d.log"
ip netns exec "$NSX" "$NAT64D" -n -c "$LAB_DIR/nat64d.conf" -u nobody -g nogroup -p "$ROOTRUN/nat64d.pid" \
    >>"$LAB_DIR/nat64d.log" 2>&1 &
DAEMON_PID=$!
wait_translating
grep -q "pidfile $ROOTRUN/nat64d.pid: its directory is not writable by uid $NOBODY_UID" "$LAB_DIR/nat64d.log" \
    || fail "no start-up notice about the pidfile"
[[ $(cat "$ROOTRUN/nat64d.pid") == "$DAEMON_PID" ]] || fail "pidfile does not hold the pid"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "exit status $? on SIGTERM"
DAEMON_PID=
[[ -f "$ROOTRUN/nat64d.pid" && ! -s "$ROOTRUN/nat64d.pid" ]] || fail "pidfile neither removed nor emptied"
grep -q "pidfile $ROOTRUN/nat64d.pid: emptied, not removed" "$LAB_DIR/nat64d.log" || fail "emptying not logged"
log "PASS"
