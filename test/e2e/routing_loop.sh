#!/usr/bin/env bash
# End to end, no routing loop through the translator (docs/rfc-compliance.md,
# "Routing loops"). 198.51.100.0/24 and the prefix are routed into nat64d,
# of which only 198.51.100.1 (ipv4-addr), .2 (map) and .128/25 (dynamic
# pool) are the translator's. 2,000 datagrams a second for 5 s go to the
# unmapped rest, from the IPv4 host and, through the prefix, from the IPv6
# host. Each is answered (within icmp-rate) with ICMPv4 3/1 resp. ICMPv6
# 1/3 and counted as unmapped-destination; nat64d translates at most once
# per datagram (TAYGA loops each one 32 times), no datagram enters the TUN
# device twice, and the bytes the translator's host sends out in reply stay
# below a quarter of the flood's. Then the legitimate cases: a CLAT-like
# IPv4 route into the device whose prefix image is routed out (learnt from
# a route notification), RFC 7757 §4.2 hairpinning, and deny4 by reload.
# About 20 s.
# Usage: routing_loop.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"
SENDER="$(dirname "$0")/routing_loop.py"

RATE=2000
SECONDS_FLOOD=5
MAX_AMPLIFICATION=0.25

lab_up
cat >> "$LAB_DIR/nat64d.conf" <<CONF
dynamic-pool 198.51.100.128/25
data-dir $LAB_DIR/data
CONF
mkdir "$LAB_DIR/data"
daemon_start
grep -q "routing loop check: 1 IPv4 and 1 IPv6 routes into $TUN_DEV" "$LAB_DIR/nat64d.log" ||
    fail "no routing loop check line at start: $(grep -m1 'routing loop' "$LAB_DIR/nat64d.log")"

stat_json() { "$CTL" -s "$LAB_DIR/ctl.sock" stats --json || fail "nat64dctl stats --json"; }
# jget JSON KEY [SUBKEY]
jget() {
    "$PYTHON" -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] for k in sys.argv[2:]]; print(json.dumps(v) if isinstance(v, dict) else v)' "$@"
}
translations() { local j; j=$(stat_json); echo $(( $(jget "$j" packets 4to6) + $(jget "$j" packets 6to4) )); }
unmapped() { jget "$(stat_json)" drops unmapped-destination; }
ifstat() { inx cat "/sys/class/net/$1/statistics/$2"; }

# flood HOST-RUNNER INGRESS-IFACE EXPECTED-ERROR DESTS
flood() {
    local runner=$1 ingress=$2 want=$3 dests=$4
    local t0 u0 tun0 rx0 tx40 tx60 out
    t0=$(translations); u0=$(unmapped)
    tun0=$(ifstat "$TUN_DEV" tx_packets)
    rx0=$(ifstat "$ingress" rx_bytes); tx40=$(ifstat v4x tx_bytes); tx60=$(ifstat v6x tx_bytes)
    out=$("$runner" timeout 30 "$PYTHON" "$SENDER" "$RATE" "$SECONDS_FLOOD" "$dests") || fail "the sender failed"
    sleep 0.5  # counters published
    local sent tr um tun rx tx amp
    sent=$(jget "$out" sent)
    tr=$(( $(translations) - t0 )); um=$(( $(unmapped) - u0 ))
    tun=$(( $(ifstat "$TUN_DEV" tx_packets) - tun0 ))
    rx=$(( $(ifstat "$ingress" rx_bytes) - rx0 ))
    tx=$(( $(ifstat v4x tx_bytes) - tx40 + $(ifstat v6x tx_bytes) - tx60 ))
    amp=$("$PYTHON" -c "print(round($tx / $rx, 4))")
    echo "   sent $sent datagrams ($(jget "$out" ip_bytes) IP bytes) in $(jget "$out" seconds) s; errors received $(jget "$out" errors)"
    echo "   nat64d: $tr translations, $um unmapped-destination; $tun packets into $TUN_DEV"
    echo "   amplification: $tx bytes out of the translator's host / $rx bytes of flood in = $amp"
    (( sent >= RATE * SECONDS_FLOOD * 9 / 10 )) || fail "only $sent datagrams sent"
    (( tr <= sent )) || fail "$tr translations for $sent datagrams: more than one per datagram (a loop)"
    (( um >= sent * 99 / 100 )) || fail "only $um of $sent datagrams counted as unmapped-destination"
    (( tun <= sent + 50 )) || fail "$tun packets entered $TUN_DEV for $sent datagrams: some came back (a loop)"
    "$PYTHON" -c "import sys; sys.exit(0 if $amp < $MAX_AMPLIFICATION else 1)" ||
        fail "amplification $amp is not below $MAX_AMPLIFICATION"
    local errs
    errs=$(jget "$out" errors)
    [[ $(jget "$errs" "$want" 2>/dev/null || echo 0) -ge 1 ]] || fail "no ICMP $want came back: $errs"
    [[ $("$PYTHON" -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$errs") -eq 1 ]] ||
        fail "ICMP errors other than $want came back: $errs"
}

# 198.51.100.3 - 198.51.100.127: routed into the device, neither mapped,
# leased nor the translator's own.
DESTS4=$(seq -s, -f '198.51.100.%g' 3 127)
DESTS6=$(for i in $(seq 3 127); do printf '%sc633:64%02x,' "$PREFIX" "$i"; done)
DESTS6=${DESTS6%,}

log "IPv4 host -> unmapped 198.51.100.3-127: $RATE/s for $SECONDS_FLOOD s"
flood in4 v4x 3/1 "$DESTS4"
log "IPv6 host -> their prefix images: $RATE/s for $SECONDS_FLOOD s"
flood in6 v6x 1/3 "$DESTS6"
grep -q 'unmapped-destination' <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" stats)" || fail "nat64dctl stats shows no unmapped-destination"
grep -q 'nat64d_dropped_packets_total{.*reason="unmapped-destination"} [1-9]' <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" metrics)" ||
    fail "metrics show no unmapped-destination drops"

log "CLAT-like: 203.0.113.0/24 routed into the device, its prefix image first into the device too (refused) ..."
inx ip route add 203.0.113.0/24 dev "$TUN_DEV"
in4 ip route add 203.0.113.0/24 via 192.0.2.254
out=$(in4 timeout 10 "$PYTHON" "$SENDER" 20 0.5 203.0.113.5) || fail "sender"
[[ $(jget "$out" errors) == '{"3/1": 10}' ]] || fail "203.0.113.5 before the IPv6 route: $(jget "$out" errors)"
log "... then routed out to the IPv6 host, which holds 3fff:6464::cb00:7105: translated (route notification)"
inx ip -6 route add "${PREFIX}cb00:7100/120" via "$HOST6"
in6 ip addr add "${PREFIX}cb00:7105/128" dev v6h nodad
sleep 2  # the maintenance tick reads the routes again (at most 1 s)
ping_ok in4 203.0.113.5
grep -q "routes changed" "$LAB_DIR/nat64d.log" || fail "no 'routes changed' in the log"
# The IPv6 host's own traffic leaves from its usual address again (source
# address selection would prefer the prefix address for prefix destinations).
in6 ip addr del "${PREFIX}cb00:7105/128" dev v6h

log "RFC 7757 §4.2.2 hairpinning: the IPv6 host reaches its own mapped address through the prefix"
ping_ok in6 "${PREFIX}c633:6402"

log "deny4 by reload: 203.0.113.5 and 192.0.2.77 never through the prefix"
cat >> "$LAB_DIR/nat64d.conf" <<CONF
deny4 203.0.113.5
deny4 192.0.2.77
CONF
"$CTL" -s "$LAB_DIR/ctl.sock" reload >/dev/null || fail "reload with deny4"
u0=$(unmapped)
out=$(in4 timeout 10 "$PYTHON" "$SENDER" 20 0.5 203.0.113.5) || fail "sender"
[[ $(jget "$out" errors) == '{"3/1": 10}' ]] || fail "deny4 203.0.113.5 from IPv4: $(jget "$out" errors)"
out=$(in6 timeout 10 "$PYTHON" "$SENDER" 20 0.5 "${PREFIX}c000:24d") || fail "sender"
[[ $(jget "$out" errors) == '{"1/3": 10}' ]] || fail "deny4 192.0.2.77 from IPv6: $(jget "$out" errors)"
(( $(unmapped) - u0 == 20 )) || fail "deny4: $(( $(unmapped) - u0 )) unmapped-destination drops, expected 20"
ping_ok in6 "${PREFIX}c000:201"  # 192.0.2.1 next to them still translates
sed -i '/^deny4 /d' "$LAB_DIR/nat64d.conf"
"$CTL" -s "$LAB_DIR/ctl.sock" reload >/dev/null || fail "reload without deny4"
in6 ip addr add "${PREFIX}cb00:7105/128" dev v6h nodad
ping_ok in4 203.0.113.5

daemon_stop
log "PASS"
