#!/usr/bin/env bash
# End to end: UDP segmentation offload (USO) through the TUN. A socket in the
# translator's namespace sends one 3000-byte write with UDP_SEGMENT 1000
# (QUIC does this on a CLAT host): the kernel hands the TUN one IPv4 UDP
# super-packet, nat64d translates it once (RFC 7915 §4) and writes it back
# as an IPv6 super-packet, which the kernel cuts into three 1000-byte
# datagrams for the IPv6 host. Then the same the other way (IPv6 -> IPv4).
# Then both again with the kernel fast path, which may translate them itself.
# Skipped (77) when the kernel does not take USO on a TUN (before 6.2).
# Usage: uso.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
USO="$PYTHON $(dirname "$(readlink -f "$0")")/uso.py"

lab_up
# The translator's namespace sends from 192.0.2.254 (v4x, mapped by the
# prefix) to the IPv6 host's 198.51.100.2 (static map), and from
# 2001:db8:6::3 (on its loopback, mapped to 198.51.100.3 here) to the
# IPv4 host through the prefix.
# The daemon's path is what is tested first (the kernel fast path would
# translate these super-packets itself); then the same with the fast path.
printf 'map 198.51.100.3 2001:db8:6::3\nfast-path off\n' >>"$LAB_DIR/nat64d.conf"
ip -n "$NSX" -6 addr add 2001:db8:6::3/128 dev lo nodad
daemon_start

CTL="$(dirname "$NAT64D")/nat64dctl"
# counter NAME: a line of `nat64dctl stats` ("packets translated 4to6  N").
counter() { "$CTL" -s "$LAB_DIR/ctl.sock" stats | awk -v n="$1" 'index($0, n) == 1 { print $NF }'; }

# super NAME DIR SERVER-RUNNER BIND SOURCE DEST: one super-packet from SOURCE
# in the translator's namespace to DEST, three datagrams expected at the
# server; the daemon's counters tell how many packets it translated for it.
super() {
    local name=$1 dir=$2 srv=$3 bind=$4 src=$5 dest=$6 port=$((20000 + RANDOM % 20000)) out="$LAB_DIR/uso.out"
    log "$name: one UDP_SEGMENT write of 3 x 1000 bytes to $dest"
    $srv timeout 10 $USO recv "$bind" "$port" 3 1000 >"$out" &
    local rpid=$!
    for _ in $(seq 1 50); do grep -q ready "$out" 2>/dev/null && break; sleep 0.1; done
    local pkts0 bytes0
    pkts0=$(counter "packets translated $dir")
    bytes0=$(counter "bytes translated $dir")
    inx timeout 5 $USO send "$src" "$dest" "$port" 1000 3000 || fail "$name: send"
    wait "$rpid" || fail "$name: receiver"
    local got
    got=$(tail -n 1 "$out")
    [[ $got == 3 ]] || fail "$name: $got of 3 datagrams of 1000 bytes arrived"
    SUPER_PACKETS=$(($(counter "packets translated $dir") - pkts0))
    local bytes=$(($(counter "bytes translated $dir") - bytes0))
    echo "   3 datagrams arrived; nat64d translated $SUPER_PACKETS packet(s), $bytes bytes"
}

super "IPv4 -> IPv6" 4to6 in6 "$HOST6" 192.0.2.254 "$HOST6_MAPPED4"
if [[ $SUPER_PACKETS -ne 1 ]]; then
    # Without USO the kernel segments before the TUN: the translation is
    # still right (checked above), but there is nothing more to test here.
    echo "SKIPPED: the kernel did not hand nat64d a UDP super-packet ($SUPER_PACKETS packets translated)"
    exit 77
fi
super "IPv6 -> IPv4" 6to4 in4 "$HOST4" 2001:db8:6::3 "${PREFIX}${HOST4}"
[[ $SUPER_PACKETS -eq 1 ]] || fail "IPv6 -> IPv4: nat64d translated $SUPER_PACKETS packets, not one super-packet"
daemon_stop

# With the fast path (where it runs) the super-packets may be translated in
# the kernel: the datagrams must arrive all the same.
sed -i 's/^fast-path off$/fast-path on/' "$LAB_DIR/nat64d.conf"
daemon_start
super "IPv4 -> IPv6, fast-path on" 4to6 in6 "$HOST6" 192.0.2.254 "$HOST6_MAPPED4"
super "IPv6 -> IPv4, fast-path on" 6to4 in4 "$HOST4" 2001:db8:6::3 "${PREFIX}${HOST4}"
daemon_stop
echo "PASS"
