#!/usr/bin/env bash
# Real-world configuration files start nat64d as they start TAYGA: for each,
# `nat64d --mktun`, then nat64d in the foreground (-d) until it says it is
# translating (bounded wait), a ping of the translator's own IPv4 address
# from inside the namespace, SIGTERM, then `--rmtun`. The files:
#   - Debian's /etc/tayga.conf as the tayga package ships it;
#   - the file clatd writes for TAYGA (its template, RFC 6877 CLAT);
#   - the files TAYGA's container launch scripts generate
#     (scripts/launch-nat64.sh and scripts/launch-clat.sh);
#   - a file spelled in mixed case, as TAYGA takes it.
# Each file is kept as written; only what must change to run here is
# substituted, and each substitution is named in a comment: the tun-device
# name (unique per run), data-dir (a temporary directory), and the addresses
# the generators detect on the host (documentation addresses instead). No
# traffic leaves the namespace; the only packets are pings to the
# translator's own address.
# Usage: realworld.sh PATH/TO/nat64d
set -euo pipefail
NAT64D=$1
if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: needs root (network namespaces, TUN devices)"
    exit 77
fi
NS="n64rw-$$"
TUN="n64rw$$"
TUN=${TUN:0:15}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-realworld.XXXXXX")
DAEMON_PID=
log() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
cleanup() {
    local rc=$?
    if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$DIR"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
inx() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
ip -n "$NS" link set lo up
# A source address for the pings (the namespace has no other interface): a
# veth pair with both ends in the namespace.
ip -n "$NS" link add d0 type veth peer name d1
ip -n "$NS" addr add 192.0.2.254/24 dev d0
ip -n "$NS" link set d0 up
ip -n "$NS" link set d1 up

# Extra arguments of the --mktun call, as a generator passes them.
MKTUN_EXTRA=()

# run_file NAME FILE OWN-IPV4 [SETUP...]: --mktun, SETUP (the interface
# commands the file's own tooling runs after --mktun), start, ping OWN-IPV4,
# SIGTERM, --rmtun.
run_file() {
    local name=$1 file=$2 own=$3
    local out="$DIR/$(basename "$file" .conf).log"
    shift 3
    log "$name"
    sed 's/^/   | /' "$file"
    inx "$NAT64D" --mktun -c "$file" "${MKTUN_EXTRA[@]}" > "$out" 2>&1 || { cat "$out"; fail "$name: --mktun failed"; }
    inx ip link show "$TUN" >/dev/null || fail "$name: --mktun made no device"
    local cmd
    for cmd in "$@"; do
        # shellcheck disable=SC2086
        inx $cmd || fail "$name: '$cmd' failed"
    done
    # A plain command in the background, so that $! is nat64d itself.
    ip netns exec "$NS" "$NAT64D" -d -c "$file" >> "$out" 2>&1 &
    DAEMON_PID=$!
    local up=0
    for _ in $(seq 1 50); do
        kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$out"; fail "$name: nat64d exited at start"; }
        if grep -q "translating on $TUN" "$out"; then up=1; break; fi
        sleep 0.1
    done
    [[ $up -eq 1 ]] || { cat "$out"; fail "$name: nat64d did not start within 5 s"; }
    # The device is up by now (by SETUP or by tun-up): route the own address.
    inx ip route replace "$own/32" dev "$TUN"
    inx ping -c 3 -i 0.2 -W 2 -w 5 "$own" > "$DIR/ping.out" 2>&1 ||
        { cat "$DIR/ping.out" "$out"; fail "$name: no answer from the translator's own address $own"; }
    kill -TERM "$DAEMON_PID"
    local rc=0
    wait "$DAEMON_PID" || rc=$?
    DAEMON_PID=
    [[ $rc -eq 0 ]] || { cat "$out"; fail "$name: nat64d exited with status $rc on SIGTERM"; }
    inx "$NAT64D" --rmtun -c "$file" >> "$out" 2>&1 || { cat "$out"; fail "$name: --rmtun failed"; }
    ! inx ip link show "$TUN" >/dev/null 2>&1 || fail "$name: --rmtun left the device"
    grep -F "$file:" "$out" | sed 's/^/   diagnostic: /' || true
    echo "   ok: started, answered $own, stopped, device removed"
}

# ---- clatd: the file its perl script writes (print statements, in order) ----
# Substituted: clat-dev "clat" -> the test's device; the PLAT prefix (found
# by DNS64 discovery at run time) -> 64:ff9b::/96; clat-v6-addr (derived
# from the host's SLAAC address) -> 2001:db8:c1a7::1. tayga-v4-addr
# 192.0.0.2 and clat-v4-addr 192.0.0.1 are clatd's defaults (RFC 7335).
cat > "$DIR/clatd.conf" <<CONF
# Ephemeral TAYGA config file written by /usr/sbin/clatd
# This file may be safely deleted at any time.
tun-device $TUN
prefix 64:ff9b::/96
ipv4-addr 192.0.0.2
map 192.0.0.1 2001:db8:c1a7::1
CONF
# clatd then runs: ip link set up dev clat; ip -4 address add 192.0.0.1 dev clat.
# Its --mktun call carries an empty argument (an unset option in its perl
# command line), which TAYGA ignores: so must nat64d.
MKTUN_EXTRA=("")
run_file "clatd's TAYGA configuration" "$DIR/clatd.conf" 192.0.0.2 \
    "ip link set up dev $TUN" "ip -4 address add 192.0.0.1 dev $TUN"
MKTUN_EXTRA=()

# ---- TAYGA's container scripts: scripts/launch-nat64.sh ---------------------
# Substituted: tun-device nat64 -> the test's device; data-dir /app/ -> a
# temporary directory; TAYGA_ADDR4/TAYGA_ADDR6 (detected on the container's
# interfaces) -> 192.0.2.10 and 2001:db8::10. TAYGA_PREF64, TAYGA_POOL4 and
# TAYGA_WKPF_STRICT are the script's defaults.
mkdir "$DIR/app"
cat > "$DIR/launch-nat64.conf" <<CONF
# tayga.conf
# This file is generated by launch-nat64.sh

tun-device $TUN
wkpf-strict no
ipv4-addr 192.0.2.10
ipv6-addr 2001:db8::10
prefix 64:ff9b::/96
dynamic-pool 192.168.240.0/20
data-dir $DIR/app/
CONF
# The script then runs: ip link set dev nat64 up; ip route add POOL4 dev
# nat64; ip route add PREF64 dev nat64 (and sets the MTU, left out here).
run_file "launch-nat64.sh's configuration" "$DIR/launch-nat64.conf" 192.0.2.10 \
    "ip link set dev $TUN up" "ip route add 192.168.240.0/20 dev $TUN" "ip route add 64:ff9b::/96 dev $TUN"

# ---- TAYGA's container scripts: scripts/launch-clat.sh ----------------------
# Substituted as above (tun-device, TAYGA_ADDR4, TAYGA_ADDR6); TAYGA_PREF64,
# TAYGA_WKPF_STRICT and TAYGA_LOG are the script's defaults. (The script's
# generated header says launch-nat64.sh; kept as it is.)
cat > "$DIR/launch-clat.conf" <<CONF
# tayga.conf
# This file is generated by launch-nat64.sh

tun-device $TUN
wkpf-strict no
ipv4-addr 192.0.2.10
ipv6-addr 2001:db8::10
prefix 64:ff9b::/96
log drop reject icmp self dyn
CONF
# The script then runs: ip link set dev nat64 up; ip -4 route add default
# dev nat64 (a host route instead here: nothing leaves the namespace).
run_file "launch-clat.sh's configuration" "$DIR/launch-clat.conf" 192.0.2.10 "ip link set dev $TUN up"

# ---- A file spelled in mixed case (TAYGA compares names and keywords with strcasecmp) ----
mkdir "$DIR/mixed-data"
cat > "$DIR/mixed.conf" <<CONF
TUN-Device $TUN
IPv4-Addr 192.0.2.20
IPv6-Addr 2001:db8::20
Prefix 64:ff9b::/96
WKPF-Strict Yes
Dynamic-Pool 198.51.100.0/24
Data-Dir $DIR/mixed-data
Map 203.0.113.5 2001:db8:5::5
Map 203.0.113.0/24 2001:db8:6::/120
UDP-Cksum-Mode CALC
Log DROP Dyn
Offlink-MTU 1500
Strict-Frag-Hdr Off
Tun-Up True
Tun-Route 198.51.100.0/24
CONF
run_file "a mixed-case file" "$DIR/mixed.conf" 192.0.2.20
grep -q "mixed.conf:13: strict-frag-hdr is deprecated and ignored" "$DIR/mixed.log" ||
    fail "mixed-case file: Strict-Frag-Hdr not recognised"

# ---- Debian's /etc/tayga.conf, as the tayga package ships it -----------------
# Substituted: tun-device nat64 -> the test's device; data-dir
# /var/spool/tayga -> a temporary directory. Its addresses (192.168.255.1,
# 2001:db8:1:ffff::/96, 192.168.255.0/24) are kept.
DEBIAN_CONF=/etc/tayga.conf
if [[ ! -r $DEBIAN_CONF ]] || ! dpkg -S "$DEBIAN_CONF" >/dev/null 2>&1; then
    echo "SKIP: $DEBIAN_CONF of Debian's tayga package is not installed"
    exit 77
fi
mkdir "$DIR/debian-data"
sed -e "s|^tun-device nat64\$|tun-device $TUN|" -e "s|^data-dir /var/spool/tayga\$|data-dir $DIR/debian-data|" \
    "$DEBIAN_CONF" > "$DIR/debian.conf"
grep -qx "tun-device $TUN" "$DIR/debian.conf" || fail "$DEBIAN_CONF: no 'tun-device nat64' line to substitute"
grep -qx "data-dir $DIR/debian-data" "$DIR/debian.conf" || fail "$DEBIAN_CONF: no 'data-dir /var/spool/tayga' line"
[[ $(diff "$DEBIAN_CONF" "$DIR/debian.conf" | grep -c '^>') -eq 2 ]] || fail "more than the two lines changed"
# The Debian init script leaves the interface to the administrator
# (/etc/default/tayga CONFIGURE_IFACE): up, and the pool routed to it.
run_file "Debian's /etc/tayga.conf" "$DIR/debian.conf" 192.168.255.1 \
    "ip link set $TUN up" "ip route add 192.168.255.0/24 dev $TUN"
log "PASS"
