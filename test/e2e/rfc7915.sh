#!/usr/bin/env bash
# End to end, RFC 7915: a scapy peer (rfc7915_peer.py) crafts
# packets in the IPv6-host and IPv4-host namespaces, sends them through the
# running nat64d and checks what the translator delivers on the other side:
# fragments both ways and translator fragmentation, Packet Too Big <->
# Fragmentation Needed, Time Exceeded from the translator, Parameter Problem
# pointers and a Routing header, an ICMP error quoting TCP, hairpinning
# (RFC 7757 §4), and more corner cases (list in rfc7915_peer.py). Every
# checksum captured is verified. Takes about 10 s.
# Usage: rfc7915.sh PATH/TO/nat64d     (RFC7915_ONLY=<case prefix> runs one case)
NAT64D=$1
source "$(dirname "$0")/lib.sh"
PEER="$(dirname "$(readlink -f "$0")")/rfc7915_peer.py"

"$PYTHON" -c 'import scapy' 2>/dev/null || fail "$PYTHON has no scapy (apt install python3-scapy)"

lab_up

# A second IPv6 host for hairpinning: B = 2001:db8:6::3 (in the IPv6-host
# namespace, next to A), statically mapped to 198.51.100.3.
in6 ip addr add 2001:db8:6::3/64 dev v6h nodad
echo "map 198.51.100.3 2001:db8:6::3" >> "$LAB_DIR/nat64d.conf"
# Neighbour discovery for B done before the test (as lab_up does for A):
# otherwise the first hairpinned packet may wait for a retransmitted
# solicitation, or be lost with it.
for _ in $(seq 1 50); do
    in6 ping -c1 -W1 -q -I 2001:db8:6::3 2001:db8:6::1 >/dev/null 2>&1 && break
    sleep 0.1
done

# The translator namespace forwards source-routed IPv4 packets (LSRR) to
# nat64d instead of dropping them itself, so that RFC 7915 §4.1 is exercised.
inx sysctl -qw net.ipv4.conf.all.accept_source_route=1 net.ipv4.conf.v4x.accept_source_route=1
daemon_start

mac() { ip -n "$1" -br link show dev "$2" | awk '{print $3}'; }
log "scapy peer: crafted packets through nat64d, checked on the other side"
timeout -k 5 90 "$PYTHON" "$PEER" "$NS6" "$NS4" "$(mac "$NSX" v6x)" "$(mac "$NSX" v4x)" \
    || fail "RFC 7915 end-to-end checks (see the FAIL lines above)"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "nat64d died during the test"
# The packets the peer expects *no* answer to did reach the translator and
# were dropped for the right reason (counts of a full run).
if [[ -z "${RFC7915_ONLY:-}" ]]; then
    "$(dirname "$NAT64D")/nat64dctl" -s "$LAB_DIR/ctl.sock" stats > "$LAB_DIR/stats"
    for want in "ipv4-source-route 1" "ipv6-routing-header 1" "ipv6-only-protocol 5" "too-big 1" \
                "udp-zero-checksum-fragment 1" "icmp-pointer 2" "icmp-error-in-error 2" "icmp-untranslatable 4"; do
        read -r reason count <<<"$want"
        grep -Eq "^ +$reason +$count " "$LAB_DIR/stats" || { cat "$LAB_DIR/stats" >&2; fail "drop counter $reason is not $count"; }
    done
    grep -Eq '^ICMP errors held back \(rate limit\) +[1-9]' "$LAB_DIR/stats" || fail "no ICMP error was rate-limited"
    echo "   drop counters of the unanswered packets as expected"
fi
daemon_stop
log "PASS"
