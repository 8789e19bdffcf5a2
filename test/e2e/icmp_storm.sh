#!/usr/bin/env bash
# End to end, RFC 4443 §2.4(f), RFC 1812 §4.3.2.8, RFC 7915 §4.1/§4.4: an
# IPv4 host sends a storm of 1,000 expiring UDP datagrams a second for 4 s
# through the translator (icmp-rate 50, icmp-burst 20) and, from the same
# address, 20 oversized DF datagrams. Every DF datagram gets its
# Fragmentation Needed (their own budget); the storm's Time Exceeded stay
# within the configured rate, per worker; the held-back errors are counted
# by kind. Then a reload to icmp-rate 0 lifts the limit. About 12 s.
# Usage: icmp_storm.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"

RATE=50
BURST=20
STORM_PPS=1000
SECONDS_STORM=4
DF_COUNT=20

lab_up
cat >> "$LAB_DIR/nat64d.conf" <<CONF
icmp-rate $RATE
icmp-burst $BURST
CONF
daemon_start
workers=$(awk '$1=="workers"{print $2}' "$LAB_DIR/nat64d.conf")

log "storm: $STORM_PPS/s TTL-expiring datagrams for $SECONDS_STORM s, and $DF_COUNT oversized DF datagrams"
out=$(in4 timeout 30 "$PYTHON" "$(dirname "$0")/icmp_storm.py" "$HOST6_MAPPED4" "$STORM_PPS" "$SECONDS_STORM" "$DF_COUNT") ||
    fail "the storm sender failed"
echo "   $out"
get() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$out" "$1"; }
storm_sent=$(get storm_sent)
te=$(get time_exceeded)
fn=$(get frag_needed)
secs=$(get seconds)
(( storm_sent >= STORM_PPS * SECONDS_STORM * 9 / 10 )) || fail "only $storm_sent storm datagrams sent"
[[ $fn -eq $DF_COUNT ]] || fail "Fragmentation Needed: $fn of $DF_COUNT (a storm of other errors must not silence PMTUD)"
[[ $(get frag_needed_mtu) -eq 1480 ]] || fail "Fragmentation Needed announced MTU $(get frag_needed_mtu), expected 1480"
# Per worker: a burst, then RATE a second; one flow normally stays on one
# worker, but the bound allows every worker its budget.
limit=$("$PYTHON" -c "import math,sys; print(int($workers * ($BURST + $RATE * math.ceil($secs + 1))))")
(( te >= BURST )) || fail "only $te Time Exceeded: the storm got fewer than one burst"
(( te <= limit )) || fail "$te Time Exceeded for $storm_sent datagrams: over the limit $limit ($workers workers, rate $RATE, burst $BURST)"
echo "   Fragmentation Needed $fn/$DF_COUNT; Time Exceeded $te for $storm_sent expiring datagrams (limit $limit)"

stats=$("$CTL" -s "$LAB_DIR/ctl.sock" stats --json) || fail "nat64dctl stats --json"
held_te=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["icmp_errors_held_back_by_kind"]["time-exceeded"])' "$stats")
held_tb=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["icmp_errors_held_back_by_kind"]["too-big"])' "$stats")
echo "   held back: time-exceeded $held_te, too-big $held_tb"
(( held_te + te >= storm_sent * 9 / 10 )) || fail "held back $held_te + sent $te do not account for $storm_sent expiring datagrams"
[[ $held_tb -eq 0 ]] || fail "$held_tb Fragmentation Needed held back"
grep -q '^ICMP errors held back (rate limit)' <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" stats)" || fail "stats table has no held-back row"

log "reload with icmp-rate 0: no limit"
sed -i "s/^icmp-rate .*/icmp-rate 0/" "$LAB_DIR/nat64d.conf"
"$CTL" -s "$LAB_DIR/ctl.sock" reload >/dev/null || fail "reload"
out=$(in4 timeout 30 "$PYTHON" "$(dirname "$0")/icmp_storm.py" "$HOST6_MAPPED4" 200 1 0) || fail "the second sender failed"
echo "   $out"
[[ $(get time_exceeded) -eq $(get storm_sent) ]] || fail "with icmp-rate 0 every expiring datagram gets its Time Exceeded"

daemon_stop
log "PASS"
