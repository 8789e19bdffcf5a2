#!/bin/sh
# shellcheck disable=SC2016 # the sh -c scripts expand in the child
# Runs the functions of packaging/openrc/nat64d.initd the way openrc-run
# would (sourced by /bin/sh after the conf.d file), with the OpenRC helpers
# (ebegin, eend, checkpath, need, ..., start-stop-daemon) replaced by stubs
# that record their calls. Debian cannot run OpenRC beside its own init, so
# this is how the script is exercised.
#
# As root (and with unshare(1)) the daemon is really started and stopped,
# inside a throwaway network namespace: the stub start-stop-daemon records
# its arguments and hands them to the real one (dpkg's, which is also what
# OpenRC uses on Debian), or, where there is none, emulates it. The daemon
# detaches, writes its pidfile, takes SIGHUP, and stops on SIGTERM removing
# the pidfile and its TUN device. A second run starts it with
# NAT64D_OPTS="-u nobody -g nogroup", as conf.d suggests: the data directory
# belongs to nobody:nogroup, a ping through the dynamic pool makes a lease,
# and after stop dynamic.map holds it while neither the pidfile nor the
# control socket is left. Otherwise only the recorded calls are checked.
#
# usage: openrc-stub.sh NAT64D_BINARY INITD CONFD
set -eu

[ $# -eq 3 ] || { echo "usage: $0 NAT64D_BINARY INITD CONFD" >&2; exit 2; }
NAT64D=$(readlink -f "$1")
INITD=$(readlink -f "$2")
CONFD=$(readlink -f "$3")

if [ "${OPENRC_STUB_NETNS:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
    OPENRC_STUB_NETNS=1 exec unshare --net -- /bin/sh "$0" "$@"
fi
REAL=0
[ "${OPENRC_STUB_NETNS:-}" = 1 ] && REAL=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-openrc.XXXXXX")
chmod 0755 "$WORK" # the daemon, after -u nobody, reads its configuration here
cleanup() {
    rc=$?
    for f in "$WORK/run/nat64d.pid" "$WORK/run/nat64d.u.pid"; do
        if [ -f "$f" ]; then kill -KILL "$(cat "$f")" 2>/dev/null || true; fi
    done
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; [ -f "$WORK/calls" ] && sed 's/^/  call: /' "$WORK/calls" >&2; exit 1; }
pass() { echo "ok: $*"; }
# The daemon's default control socket for TUN: the test runs in a network
# namespace of its own (unshare --net), where nat64d names it after the
# namespace (TUN@net-INODE.sock, nat64d.conf(5)); in the initial one TUN.sock.
sock_of() {
    if [ -S "$WORK/run/$1.sock" ]; then echo "$WORK/run/$1.sock"; return; fi
    echo "$WORK/run/$1@net-$(stat -L -c %i /proc/self/ns/net).sock"
}

TUN=n64rc$$
TUN=$(printf '%.15s' "$TUN")
CALLS=$WORK/calls
mkdir -p "$WORK/bin" "$WORK/run" "$WORK/lib"
: >"$CALLS"

cat >"$WORK/good.conf" <<EOF
tun-device $TUN
ipv4-addr 192.0.2.1
prefix 2001:db8:64::/96
tun-up yes
EOF
printf 'tun-device %s\nipv4-addr 192.0.2.300\n' "$TUN" >"$WORK/bad.conf"
# For -u nobody: a dynamic pool, and the kernel's addresses on the device
# to ping from (2001:db8:1::2) and to (203.0.113.8, on lo) through it.
TUNU=$(printf '%.15s' "n64ru$$")
cat >"$WORK/u.conf" <<EOF
tun-device $TUNU
ipv4-addr 192.0.2.1
prefix 3fff:6464::/96
dynamic-pool 198.51.100.0/24
tun-up yes
tun-ip 2001:db8:1::2
tun-route 3fff:6464::/96
tun-route 198.51.100.0/24
EOF
chmod 0644 "$WORK/good.conf" "$WORK/u.conf"

# ---- stubs of the OpenRC helpers --------------------------------------------
cat >"$WORK/stubs.sh" <<'EOF'
rec() { echo "$*" >>"$CALLS"; }
ebegin() { rec "ebegin $*"; }
eend() { rec "eend $1"; return "$1"; }
einfo() { rec "einfo $*"; }
ewarn() { rec "ewarn $*"; }
eerror() { rec "eerror $*"; echo "eerror: $*" >&2; }
need() { rec "need $*"; }
use() { rec "use $*"; }
after() { rec "after $*"; }
before() { rec "before $*"; }
provide() { rec "provide $*"; }
# OpenRC keeps these per service until it is marked stopped.
service_set_value() { mkdir -p "$OPTIONS/$RC_SVCNAME"; printf '%s\n' "$2" >"$OPTIONS/$RC_SVCNAME/$1"; }
service_get_value() { cat "$OPTIONS/$RC_SVCNAME/$1" 2>/dev/null; }
EOF

# checkpath -d -m MODE -o OWNER DIR: the directory, with its mode, and
# (as root) its owner.
cat >"$WORK/bin/checkpath" <<'EOF'
#!/bin/sh
echo "checkpath $*" >>"$CALLS"
mode= owner=
while [ $# -gt 1 ]; do
    case $1 in -m) mode=$2; shift 2 ;; -o) owner=$2; shift 2 ;; -d) shift ;; *) echo "checkpath stub: $1?" >&2; exit 2 ;; esac
done
mkdir -p "$1" && { [ -z "$mode" ] || chmod "$mode" "$1"; } || exit 1
if [ -n "$owner" ] && [ "$(id -u)" = 0 ]; then chown "$owner" "$1"; fi
EOF

# start-stop-daemon: records its arguments; as root runs the real one
# (dpkg's) or, without one, emulates --start/--stop, --exec, --pidfile,
# --retry SCHEDULE, -- ARGS.
cat >"$WORK/bin/start-stop-daemon" <<'EOF'
#!/bin/sh
echo "start-stop-daemon $*" >>"$CALLS"
[ "$REAL" = 1 ] || exit 0
for real in /sbin/start-stop-daemon /usr/sbin/start-stop-daemon; do
    if [ -x "$real" ]; then exec "$real" "$@"; fi
done
action= exec_= pidfile= retry=
while [ $# -gt 0 ]; do
    case $1 in
        --start|--stop) action=${1#--}; shift ;;
        --exec) exec_=$2; shift 2 ;;
        --pidfile) pidfile=$2; shift 2 ;;
        --retry) retry=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "start-stop-daemon stub: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$exec_" ] && [ -n "$pidfile" ] || { echo "start-stop-daemon stub: --exec and --pidfile expected" >&2; exit 2; }
running() { [ -f "$pidfile" ] && pid=$(cat "$pidfile") && [ "$(readlink "/proc/$pid/exe")" = "$exec_" ]; }
case $action in
    start)
        if running; then exit 0; fi
        "$exec_" "$@" || exit $?
        # The daemon writes the pidfile after it detached.
        i=0
        while ! running; do i=$((i + 1)); [ $i -le 50 ] || exit 1; sleep 0.1; done ;;
    stop)
        running || exit 1
        timeout=$(echo "$retry" | cut -d/ -f2)
        kill -TERM "$pid"
        i=0
        while kill -0 "$pid" 2>/dev/null; do
            i=$((i + 1)); [ $i -le $((${timeout:-5} * 10)) ] || { kill -KILL "$pid"; exit 1; }
            sleep 0.1
        done ;;
esac
EOF
chmod +x "$WORK/bin/checkpath" "$WORK/bin/start-stop-daemon"

# rc SVCNAME ACTION: what openrc-run does for ACTION, in a fresh /bin/sh.
rc() {
    env PATH="$WORK/bin:$PATH" CALLS="$CALLS" REAL="$REAL" RC_SVCNAME="$1" ACTION="$2" \
        STUBS="$WORK/stubs.sh" CONFD="$CONFD" INITD="$INITD" OPTIONS="$WORK/options" NAT64D_OPTS="${OPTS-}" \
        NAT64D_BINARY="$NAT64D" NAT64D_RUNDIR="$WORK/run" NAT64D_DATADIR="$WORK/lib/$1" \
        NAT64D_CONFIG="${CONFIG-$WORK/good.conf}" \
        /bin/sh -eu -c '
            . "$STUBS"
            . "$CONFD"
            . "$INITD"
            case $ACTION in
                depend) depend ;;
                checkconfig) checkconfig ;;
                # As openrc-run: a _pre and a _post function when defined.
                start) start_pre && start && { ! command -v start_post >/dev/null || start_post; } ;;
                stop) stop && { ! command -v stop_post >/dev/null || stop_post; } ;;
                reload) reload ;;
                vars) echo "config=$NAT64D_CONFIG datadir=$NAT64D_DATADIR pidfile=$pidfile" ;;
            esac'
}

# A stricter reading of the script than sh -n: dash refuses bashisms.
sh -n "$INITD" || fail "sh -n $INITD"
sh -n "$CONFD" || fail "sh -n $CONFD"
pass "sh -n"

rc nat64d depend
grep -qx 'need net' "$CALLS" || fail "depend: no 'need net'"
pass "depend: need net"

rc nat64d checkconfig || fail "checkconfig refused a valid file"
CONFIG=$WORK/bad.conf
export CONFIG
if rc nat64d checkconfig 2>"$WORK/err"; then fail "checkconfig accepted an invalid file"; fi
grep -q "bad.conf:2: ipv4-addr" "$WORK/err" || fail "checkconfig: no FILE:LINE message: $(cat "$WORK/err")"
pass "checkconfig: accepts a valid file, refuses an invalid one with FILE:LINE"

: >"$CALLS"
if rc nat64d start 2>/dev/null; then fail "start with an invalid file succeeded"; fi
if grep -q -- '--start' "$CALLS"; then fail "start-stop-daemon --start called despite an invalid file"; fi
pass "start: refused before start-stop-daemon when the file is invalid"
unset CONFIG

: >"$CALLS"
rc nat64d start || fail "start"
PIDFILE=$WORK/run/nat64d.pid
grep -qxF "start-stop-daemon --start --exec $NAT64D --pidfile $PIDFILE -- -c $WORK/good.conf -p $PIDFILE" "$CALLS" ||
    fail "start: unexpected start-stop-daemon call"
[ -d "$WORK/lib/nat64d" ] || fail "start: data directory not created"
grep -qxF "checkpath -d -m 0750 -o root:root $WORK/lib/nat64d" "$CALLS" || fail "start: data directory not root:root 0750 without -u"
pass "start: start-stop-daemon --start with --pidfile and -c/-p"
if [ "$REAL" = 1 ]; then
    PID=$(cat "$PIDFILE")
    kill -0 "$PID" || fail "daemon not running"
    ip link show dev "$TUN" >/dev/null 2>&1 || fail "TUN device $TUN missing"
    ip -o link show dev "$TUN" | grep -q '<[^>]*,UP[,>]' || fail "TUN device $TUN not up (tun-up yes)"
    pass "real: nat64d detached as pid $PID, pidfile written, $TUN present"
fi

: >"$CALLS"
cp "$WORK/good.conf" "$WORK/good.conf.orig"
echo "prefix 2001:db8:65::/96" >>"$WORK/good.conf"   # a duplicate: invalid
if rc nat64d reload 2>/dev/null; then fail "reload with an invalid file succeeded"; fi
if grep -q 'eend 0' "$CALLS"; then fail "reload reported success despite an invalid file"; fi
mv "$WORK/good.conf.orig" "$WORK/good.conf"
if [ "$REAL" = 1 ]; then
    rc nat64d reload || fail "reload"
    grep -qx 'eend 0' "$CALLS" || fail "reload: no success reported"
    sleep 0.3
    kill -0 "$PID" || fail "daemon died on SIGHUP"
    pass "real: reload checks the file first, then SIGHUP through the pidfile; daemon alive"
else
    # No daemon: a stand-in process that records the SIGHUP it gets.
    sh -c 'trap "echo hup >\"\$0\"; exit 0" HUP; while :; do sleep 0.1; done' "$WORK/hup" &
    echo $! >"$WORK/run/nat64d.pid"
    sleep 0.3
    rc nat64d reload || fail "reload"
    i=0
    while [ ! -s "$WORK/hup" ]; do
        i=$((i + 1)); [ $i -le 30 ] || fail "reload: no SIGHUP to the pid in the pidfile"; sleep 0.1
    done
    rm -f "$WORK/run/nat64d.pid"
    pass "reload: checks the file first, then SIGHUP to the pid in the pidfile"
fi

: >"$CALLS"
rc nat64d stop || fail "stop"
grep -qxF "start-stop-daemon --stop --exec $NAT64D --pidfile $PIDFILE --retry TERM/10/KILL/5" "$CALLS" ||
    fail "stop: unexpected start-stop-daemon call"
pass "stop: start-stop-daemon --stop through the pidfile"
if [ "$REAL" = 1 ]; then
    # dpkg's start-stop-daemon re-reads the pidfile while it waits, so it
    # may return as soon as the daemon removed it, while the daemon still
    # closes its device: allow it a moment to be gone.
    i=0
    while kill -0 "$PID" 2>/dev/null; do
        i=$((i + 1)); [ $i -le 50 ] || fail "daemon still running 5 s after stop"; sleep 0.1
    done
    [ ! -e "$PIDFILE" ] || fail "pidfile left behind"
    [ ! -e "$(sock_of "$TUN")" ] || fail "control socket left behind"
    if ip link show dev "$TUN" >/dev/null 2>&1; then fail "TUN device $TUN left behind"; fi
    pass "real: daemon gone, pidfile and control socket removed, $TUN removed"
fi

# ---- NAT64D_OPTS="-u nobody -g nogroup", as conf.d suggests ------------------
OPTS="-u nobody -g nogroup"
CONFIG=$WORK/u.conf
export OPTS CONFIG
PIDFILE=$WORK/run/nat64d.u.pid
DATADIR=$WORK/lib/nat64d.u
: >"$CALLS"
rc nat64d.u start || fail "start with -u"
grep -qxF "checkpath -d -m 0750 -o nobody:nogroup $DATADIR" "$CALLS" || fail "start -u: data directory not given to nobody:nogroup"
grep -qxF "start-stop-daemon --start --exec $NAT64D --pidfile $PIDFILE -- -c $WORK/u.conf -p $PIDFILE -u nobody -g nogroup" "$CALLS" ||
    fail "start -u: unexpected start-stop-daemon call"
pass "start -u nobody -g nogroup: data directory for nobody:nogroup, -u/-g passed on"
if [ "$REAL" = 1 ]; then
    [ "$(stat -c '%U:%G %a' "$DATADIR")" = "nobody:nogroup 750" ] || fail "data directory: $(stat -c '%U:%G %a' "$DATADIR")"
    PID=$(cat "$PIDFILE")
    [ "$(stat -c %U "/proc/$PID")" = nobody ] || fail "the daemon does not run as nobody"
    [ -S "$(sock_of "$TUNU")" ] || fail "no control socket $(sock_of "$TUNU")"
    # A lease: 2001:db8:1::2 (no map) pings 203.0.113.8, this namespace's own.
    ip link set lo up
    ip addr add 203.0.113.8/32 dev lo
    sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ok=0
    for _ in 1 2 3 4 5; do
        if ping -c 1 -W 1 -I 2001:db8:1::2 3fff:6464::203.0.113.8 >/dev/null 2>&1; then ok=1; break; fi
        sleep 0.3
    done
    [ "$ok" = 1 ] || fail "no ping through the dynamic pool of the -u daemon"
    pass "real: running as nobody, data directory nobody:nogroup 0750, ping through a dynamic-pool lease"
fi
: >"$CALLS"
rc nat64d.u stop || fail "stop with -u"
if [ "$REAL" = 1 ]; then
    i=0
    while kill -0 "$PID" 2>/dev/null; do
        i=$((i + 1)); [ $i -le 50 ] || fail "-u daemon still running 5 s after stop"; sleep 0.1
    done
    grep -qE '^198\.51\.100\.[0-9]+[[:space:]]+2001:db8:1::2[[:space:]]' "$DATADIR/dynamic.map" 2>/dev/null ||
        fail "dynamic.map in $DATADIR lacks the lease: $(cat "$DATADIR/dynamic.map" 2>&1)"
    [ "$(stat -c %U "$DATADIR/dynamic.map")" = nobody ] || fail "dynamic.map not written by nobody"
    [ ! -e "$PIDFILE" ] || fail "-u: pidfile left behind"
    [ ! -e "$(sock_of "$TUNU")" ] || fail "-u: control socket left behind"
    if ip link show dev "$TUNU" >/dev/null 2>&1; then fail "TUN device $TUNU left behind"; fi
    pass "real: stop -u: dynamic.map saved by nobody; pidfile and control socket removed"
fi
unset OPTS CONFIG

# Instances: /etc/init.d/nat64d.edge reads /etc/nat64d/edge.conf.
out=$(env -i PATH="$PATH" RC_SVCNAME=nat64d.edge STUBS="$WORK/stubs.sh" CONFD="$CONFD" INITD="$INITD" CALLS="$CALLS" \
    /bin/sh -eu -c '. "$STUBS"; . "$CONFD"; . "$INITD"; echo "$NAT64D_CONFIG $NAT64D_DATADIR $pidfile"')
[ "$out" = "/etc/nat64d/edge.conf /var/lib/nat64d/edge /run/nat64d/nat64d.edge.pid" ] || fail "instance defaults: $out"
out=$(env -i PATH="$PATH" RC_SVCNAME=nat64d STUBS="$WORK/stubs.sh" CONFD="$CONFD" INITD="$INITD" CALLS="$CALLS" \
    /bin/sh -eu -c '. "$STUBS"; . "$CONFD"; . "$INITD"; echo "$NAT64D_CONFIG $NAT64D_DATADIR $pidfile"')
[ "$out" = "/etc/nat64d.conf /var/lib/nat64d /run/nat64d/nat64d.pid" ] || fail "defaults: $out"
pass "defaults: nat64d -> /etc/nat64d.conf, nat64d.edge -> /etc/nat64d/edge.conf"

[ "$REAL" = 1 ] || echo "note: not root (or no unshare): the daemon was not really started"
echo "PASS"
