#!/bin/sh
# The sandbox of nat64d.service against what the daemon really does: runs
# the built nat64d under strace(1) in a throwaway network namespace through
# start-up with -u/-g (TUN, netlink, control socket, privilege drop), a
# metrics-listen scrape (with curl), a nat64dctl request, SIGHUP, SIGUSR1
# and SIGTERM, then checks that every
# system call it made is allowed by the unit's SystemCallFilter= (groups
# expanded by systemd-analyze) and every socket family by
# RestrictAddressFamilies=. A call outside the filter would fail with EPERM
# under systemd, which this host (no systemd as PID 1) cannot show.
# Skipped (77) unless root with strace, unshare and systemd-analyze.
#
# usage: syscall-filter.sh NAT64D UNIT_FILE [NAT64DCTL]
set -eu
[ $# -ge 2 ] || { echo "usage: $0 NAT64D UNIT_FILE [NAT64DCTL]" >&2; exit 2; }
NAT64D=$(readlink -f "$1")
UNIT=$2
CTL=${3:-}
skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (TUN device, network namespace)"
for tool in strace unshare systemd-analyze ip; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
id nobody >/dev/null 2>&1 || skip "no user nobody"
if [ "${SYSCALL_FILTER_NETNS:-}" != 1 ]; then
    SYSCALL_FILTER_NETNS=1 exec unshare --net -- /bin/sh "$0" "$@"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-sysfilter.XXXXXX")
DAEMON=
cleanup() {
    rc=$?
    if [ -n "$DAEMON" ]; then kill -KILL "$DAEMON" 2>/dev/null || true; fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
chmod 0755 "$WORK"
mkdir -p "$WORK/run" "$WORK/state"
chown nobody "$WORK/state"
TUN=n64sf$$
TUN=$(printf '%.15s' "$TUN")
cat >"$WORK/nat64d.conf" <<EOF
tun-device $TUN
ipv4-addr 192.0.2.1
prefix 2001:db8:64::/96
map 198.51.100.5 2001:db8:6::5
tun-up yes
tun-ip 192.0.2.2
tun-route 2001:db8:64::/96
metrics-file $WORK/state/nat64d.prom
metrics-listen 127.0.0.1:9164
workers 2
EOF
ip link set lo up

# -f: the workers too; -qq: no attach/exit noise; the trace goes to a file.
RUNTIME_DIRECTORY=$WORK/run STATE_DIRECTORY=$WORK/state \
    strace -f -qq -o "$WORK/trace" "$NAT64D" -n -u nobody -c "$WORK/nat64d.conf" >"$WORK/log" 2>&1 &
DAEMON=$!
i=0
# Outside the initial network namespace the default name carries the
# namespace's inode (nat64d.conf(5), control-socket).
SOCK="$WORK/run/$TUN@net-$(stat -L -c %i /proc/self/ns/net).sock"
until [ -S "$SOCK" ]; do
    i=$((i + 1)); [ $i -le 100 ] || { cat "$WORK/log"; fail "control socket never appeared"; }
    sleep 0.1
done
sleep 0.5
ping -c 1 -W 1 2001:db8:64::c000:201 >/dev/null 2>&1 || true
# metrics-listen's thread (libmicrohttpd) serving a scrape and a refusal.
if command -v curl >/dev/null 2>&1; then
    curl -sS -f --max-time 5 -o /dev/null http://127.0.0.1:9164/metrics || fail "GET /metrics"
    curl -sS --max-time 5 -o /dev/null -X POST http://127.0.0.1:9164/metrics || true
fi
if [ -n "$CTL" ]; then
    "$CTL" -s "$SOCK" stats >/dev/null || fail "nat64dctl stats"
    "$CTL" -s "$SOCK" reload >/dev/null || fail "nat64dctl reload"
fi
# strace is the parent; the daemon is its only child.
PID=$(pgrep -P "$DAEMON" | head -n 1)
[ -n "$PID" ] || fail "daemon not found under strace"
kill -HUP "$PID"
sleep 0.3
kill -USR1 "$PID"
sleep 0.3
kill -TERM "$PID"
wait "$DAEMON" || { cat "$WORK/log"; fail "nat64d exited with an error"; }
DAEMON=

sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p; s/^[0-9]+ +<\.\.\. ([a-z0-9_]+) resumed.*/\1/p' "$WORK/trace" |
    sort -u >"$WORK/used"
[ "$(wc -l <"$WORK/used")" -gt 20 ] || fail "too few system calls traced"

# The filter of the unit: groups expanded, names kept.
expand() {
    systemd-analyze syscall-filter "$1" | awk '/^ +[@a-z]/ { print $1 }' | while read -r x; do
        case $x in @*) expand "$x" ;; *) echo "$x" ;; esac
    done
}
filter=$(sed -n 's/^SystemCallFilter=//p' "$UNIT")
[ -n "$filter" ] || fail "no SystemCallFilter= in $UNIT"
for item in $filter; do
    case $item in @*) expand "$item" ;; *) echo "$item" ;; esac
done | sort -u >"$WORK/allowed"
if comm -23 "$WORK/used" "$WORK/allowed" | grep .; then fail "system calls outside SystemCallFilter=$filter"; fi
echo "ok: $(wc -l <"$WORK/used") system calls, all within SystemCallFilter=$filter"

families=$(sed -n 's/^RestrictAddressFamilies=//p' "$UNIT")
# shellcheck disable=SC2013 # one family per word
for f in $(grep -oE 'socket\(AF_[A-Z0-9]+' "$WORK/trace" | sed 's/socket(//' | sort -u); do
    case " $families " in *" $f "*) ;; *) fail "socket family $f outside RestrictAddressFamilies=$families" ;; esac
done
echo "ok: socket families within RestrictAddressFamilies=$families"
echo "PASS"
