#!/usr/bin/env bash
# End to end, spoofed sources (RFC 6052 §5.1, RFC 7915 §5.1, RFC 1812
# §5.3.7): the IPv6 host sends UDP from addresses inside the NAT64 prefix
# that embed (a) ipv4-addr, (b) a mapped IPv4 address, (c) a dynamic-pool
# address, (d) reserved IPv4 addresses. Nothing may reach the IPv4 side;
# (a)-(c) are answered with ICMPv6 1/5 from ipv6-addr (seen on the TUN
# device) and counted as spoofed-source, (d) is dropped silently; a
# legitimate source still gets through. Takes a few seconds.
# Usage: spoof.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"

"$PYTHON" -c 'import scapy' 2>/dev/null || fail "$PYTHON has no scapy (apt install python3-scapy)"
command -v tcpdump >/dev/null || fail "tcpdump is needed for the captures"

XLAT6_OWN=2001:db8:64::1   # ipv6-addr outside the prefix: errors to prefix addresses are not to ourselves
lab_up
cat >> "$LAB_DIR/nat64d.conf" <<CONF
ipv6-addr $XLAT6_OWN
map 198.51.100.3 2001:db8:6::3
dynamic-pool 198.51.100.128/25
data-dir $LAB_DIR/data
log drop
CONF
mkdir "$LAB_DIR/data"
daemon_start

# Captures, bounded by `timeout` and stopped by their PID.
CAPTURE_PIDS=()
capture() {  # NS IFACE FILE FILTER
    ip netns exec "$1" timeout 60 tcpdump -i "$2" -nn --immediate-mode -U -w "$LAB_DIR/$3.pcap" "$4" 2>"$LAB_DIR/$3.err" &
    CAPTURE_PIDS+=($!)
    for _ in $(seq 1 50); do grep -q "listening on" "$LAB_DIR/$3.err" 2>/dev/null && return 0; sleep 0.1; done
    cat "$LAB_DIR/$3.err" >&2
    fail "tcpdump on $1/$2 did not start"
}
stop_captures() {
    sleep 1  # the last packets written out
    for pid in "${CAPTURE_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${CAPTURE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    CAPTURE_PIDS=()
}
capture "$NS4" v4h ipv4 "ip"
capture "$NSX" "$TUN_DEV" tun "icmp6"

declare -A SPOOFED=(
    [a]=${PREFIX}c633:6401   # ipv4-addr 198.51.100.1
    [b]=${PREFIX}c633:6403   # map 198.51.100.3
    [c]=${PREFIX}c633:64c8   # dynamic-pool 198.51.100.200
)
RESERVED=(${PREFIX}1 ${PREFIX}7f00:1 ${PREFIX}a9fe:1 ${PREFIX}e000:1 ${PREFIX}ffff:ffff)  # 0.0.0.1 127.0.0.1 169.254.0.1 224.0.0.1 255.255.255.255
DST6=${PREFIX}c000:201   # the IPv4 host 192.0.2.1 through the prefix

log "sending (a)-(c) spoofed and (d) reserved sources, then a legitimate one, from the IPv6 host"
in6 "$PYTHON" - "$DST6" "$HOST6" "${SPOOFED[a]}" "${SPOOFED[b]}" "${SPOOFED[c]}" "${RESERVED[@]}" <<'PY'
import sys
from scapy.config import conf
conf.verb = 0
from scapy.all import IPv6, UDP, Raw, send
dst, legit, *spoofed = sys.argv[1:]
for i, src in enumerate(spoofed):
    send(IPv6(src=src, dst=dst) / UDP(sport=40000 + i, dport=9999) / Raw(b"spoofed"))
send(IPv6(src=legit, dst=dst) / UDP(sport=40100, dport=7777) / Raw(b"legitimate"))
PY
stop_captures

log "nothing from a spoofed or reserved source reached the IPv4 host; the legitimate one did"
tcpdump -nn -r "$LAB_DIR/ipv4.pcap" 2>/dev/null > "$LAB_DIR/ipv4.txt"
cat "$LAB_DIR/ipv4.txt"
if grep -q '\.9999: UDP' "$LAB_DIR/ipv4.txt"; then fail "a spoofed or reserved source reached the IPv4 side"; fi
grep -Eq "^[0-9:.]+ IP $HOST6_MAPPED4\.40100 > $HOST4\.7777: UDP" "$LAB_DIR/ipv4.txt" \
    || fail "the legitimate packet from $HOST6 ($HOST6_MAPPED4) did not reach $HOST4"
# Only the legitimate datagram arrived on the IPv4 side, nothing else from 198.51.100/24.
n=$(grep -c "IP 198\.51\.100\." "$LAB_DIR/ipv4.txt" || true)
[[ $n -eq 1 ]] || fail "$n packets from 198.51.100.0/24 on the IPv4 side, expected only the legitimate one"

log "(a)-(c) answered with ICMPv6 1/5 from ipv6-addr; (d) not answered"
# The filter keeps ICMPv6 type 1 code 5 only (no extension headers in the
# translator's errors: ICMPv6 starts at byte 40).
tcpdump -nn -r "$LAB_DIR/tun.pcap" 'icmp6 and ip6[40] == 1 and ip6[41] == 5' 2>/dev/null > "$LAB_DIR/tun.txt"
for k in a b c; do
    grep -q "IP6 $XLAT6_OWN > ${SPOOFED[$k]}: ICMP6, destination unreachable" "$LAB_DIR/tun.txt" \
        || { cat "$LAB_DIR/tun.txt"; fail "($k) ${SPOOFED[$k]} got no ICMPv6 1/5 from $XLAT6_OWN"; }
done
for src in "${RESERVED[@]}"; do
    if grep -q "> $src:" <<<"$(tcpdump -nn -r "$LAB_DIR/tun.pcap" 2>/dev/null)"; then fail "(d) $src was answered"; fi
done

log "counters"
"$CTL" -s "$LAB_DIR/ctl.sock" stats > "$LAB_DIR/stats"
grep -E "spoofed-source|illegal-source" "$LAB_DIR/stats"
grep -Eq '^ +spoofed-source +3 ' "$LAB_DIR/stats" || { cat "$LAB_DIR/stats" >&2; fail "spoofed-source is not 3"; }
grep -Eq '^ +illegal-source +5 ' "$LAB_DIR/stats" || { cat "$LAB_DIR/stats" >&2; fail "illegal-source is not 5"; }
grep -q "spoofed-source" "$LAB_DIR/nat64d.log" || fail "log drop did not log the spoofed sources"
[[ -z "$("$CTL" -s "$LAB_DIR/ctl.sock" mappings | awk '$1 == "dynamic"')" ]] || fail "a spoofed packet made a pool lease"
daemon_stop
log "PASS"
