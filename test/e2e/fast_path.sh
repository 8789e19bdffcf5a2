#!/usr/bin/env bash
# The kernel fast path end to end (fast-path on): ping, UDP and TCP both
# ways through a static map and the prefix, and to and from a dynamic-pool
# lease, translated in the kernel (the program's counters move); what the
# program passes on still reaches the daemon (a fragmented ping, a packet
# whose hop limit expires in the translator, answered with an ICMPv6
# Time Exceeded); `fast-path off` translates everything in the daemon and
# shows zero fast-path packets; `fast-path direct` sends to the egress
# veth itself (its direct counters move), also to a veth made after
# start. Exits 77 when this build or this
# kernel cannot run the program.
# Usage: fast_path.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"
[[ $(id -u) -eq 0 ]] || { echo "skipped: needs root"; exit 77; }

lab_up
# Deprecated (preferred_lft 0): never chosen as a source unless asked for (-I).
ip -n "$NS6" addr add 2001:db8:6::77/64 dev v6h nodad preferred_lft 0
cat >> "$LAB_DIR/nat64d.conf" <<CONF
dynamic-pool 198.51.100.128/25
fast-path on
CONF

stats_json() { "$CTL" -s "$LAB_DIR/ctl.sock" stats --json; }
# json_get EXPRESSION: a value of the stats JSON (Python expression over s).
json_get() { stats_json | $PYTHON -c "import json, sys; s = json.load(sys.stdin); print($1)"; }

daemon_start
if grep -q 'fast path not running' "$LAB_DIR/nat64d.log"; then
    grep 'fast path not running' "$LAB_DIR/nat64d.log"
    echo "skipped: the fast path cannot run here"
    exit 77
fi
grep -q 'fast path attached' "$LAB_DIR/nat64d.log" || fail "no 'fast path attached' line in the log"
[[ $(json_get 's["fast_path"]["attached"]') == True ]] || fail "stats: fast path not attached"

before4=$(json_get 's["fast_path"]["packets"]["4to6"]')
before6=$(json_get 's["fast_path"]["packets"]["6to4"]')
log "static map and prefix: ping, UDP and TCP both ways"
ping_ok in6 "${PREFIX}${HOST4}"
ping_ok in4 "$HOST6_MAPPED4"
exchange udp in4 0.0.0.0 in6 "${PREFIX}${HOST4}" "$HOST6_MAPPED4"
exchange tcp in4 0.0.0.0 in6 "${PREFIX}${HOST4}" "$HOST6_MAPPED4"
exchange udp in6 :: in4 "$HOST6_MAPPED4" "${PREFIX}c000:201"
exchange tcp in6 :: in4 "$HOST6_MAPPED4" "${PREFIX}c000:201"
after4=$(json_get 's["fast_path"]["packets"]["4to6"]')
after6=$(json_get 's["fast_path"]["packets"]["6to4"]')
echo "   fast path: 4to6 $before4 -> $after4, 6to4 $before6 -> $after6"
# 3 pings, a UDP exchange and a TCP connection each way: well over 6 each.
(( after4 - before4 >= 6 )) || { stats_json >&2; fail "fast path translated too few 4to6 packets"; }
(( after6 - before6 >= 6 )) || { stats_json >&2; fail "fast path translated too few 6to4 packets"; }

log "dynamic pool: the first packet of a new host makes the lease (daemon), then the kernel translates"
out=$(in6 ping -c 3 -i 0.2 -W 2 -w 5 -I 2001:db8:6::77 "${PREFIX}${HOST4}" 2>&1) || { echo "$out"; fail "ping from the unmapped host"; }
LEASE=$("$CTL" -s "$LAB_DIR/ctl.sock" mappings | awk '$1 == "dynamic" && $3 == "2001:db8:6::77" { print $2 }')
[[ -n "$LEASE" ]] || fail "no lease for 2001:db8:6::77"
# Idle for a few seconds, then traffic the kernel alone translates: the
# maintenance tick carries its use back into the pool (dormancy, dynamic.map).
made=$(date +%s)
sleep 4
before4=$(json_get 's["fast_path"]["packets"]["4to6"]')
slow_before=$(json_get 's["packets"]["4to6"]')
ping_ok in4 "$LEASE"
exchange udp in6 :: in4 "$LEASE" "${PREFIX}c000:201"
after4=$(json_get 's["fast_path"]["packets"]["4to6"]')
echo "   fast path 4to6 to the lease: $before4 -> $after4"
(( after4 - before4 >= 4 )) || { stats_json >&2; fail "the lease's packets did not take the fast path"; }
[[ $(json_get 's["packets"]["4to6"]') == "$slow_before" ]] || fail "the daemon translated packets of a mirrored lease"
sleep 1.5
line=$("$CTL" -s "$LAB_DIR/ctl.sock" mappings "$LEASE")
echo "   $line"
ago=$(sed -nE 's/.*last use ([0-9]+)s ago.*/\1/p' <<<"$line")
# Without the fast path's stamps it would read at least the time since the
# lease was made (5 s and more); they are at most a second coarse.
since=$(( $(date +%s) - made ))
[[ -n "$ago" ]] && (( ago + 2 < since )) ||
    fail "the lease's last use ($ago s ago, made $since s ago) does not show the fast path's packets"
"$CTL" -s "$LAB_DIR/ctl.sock" metrics >"$LAB_DIR/metrics"
grep -E '^nat64d_fast_path_(packets_total|attached)' "$LAB_DIR/metrics"
grep -Eq '^nat64d_fast_path_packets_total\{instance="[^"]*",path="fast",direction="4to6"\} [1-9]' "$LAB_DIR/metrics" ||
    fail "metrics: no fast-path 4to6 packets"
grep -q '^nat64d_fast_path_attached{instance="[^"]*"} 1$' "$LAB_DIR/metrics" || fail "metrics: not attached"

log "slow path: a fragmented UDP datagram goes through the daemon, both ways"
# (Fragmented ICMP is not translated at all: RFC 7915 §1.2.) IPv6
# fragments carry an extension header (pass_header), IPv4 ones count as
# pass_fragment.
passed() { json_get 's["fast_path"]["counters"]["pass_header"] + s["fast_path"]["counters"]["pass_fragment"]'; }
slow6_before=$(json_get 's["packets"]["6to4"]')
slow4_before=$(json_get 's["packets"]["4to6"]')
frag_before=$(passed)
exchange udp in4 0.0.0.0 in6 "${PREFIX}${HOST4}" "$HOST6_MAPPED4" "$(head -c 3000 /dev/zero | tr '\0' F)"
(( $(passed) >= frag_before + 4 )) || { stats_json >&2; fail "the fragments were not passed to the daemon"; }
(( $(json_get 's["packets"]["6to4"]') >= slow6_before + 2 )) || fail "the daemon translated no 6to4 fragments"
(( $(json_get 's["packets"]["4to6"]') >= slow4_before + 2 )) || fail "the daemon translated no 4to6 fragments"

log "slow path: a hop limit that expires in the translator gets the daemon's ICMPv6 Time Exceeded"
ttl_before=$(json_get 's["fast_path"]["counters"]["pass_ttl"]')
errors_before=$(json_get 's["icmp_errors"]["sent"]')
# Hop limit 2: the kernel forwards it into the TUN device with 1 left.
out=$(in6 ping -c 1 -W 2 -t 2 "${PREFIX}${HOST4}" 2>&1 || true)
echo "$out" | head -n 2
grep -qi 'time exceeded' <<<"$out" || fail "no Time Exceeded for hop limit 2"
(( $(json_get 's["fast_path"]["counters"]["pass_ttl"]') > ttl_before )) || fail "pass_ttl did not count it"
(( $(json_get 's["icmp_errors"]["sent"]') > errors_before )) || fail "the daemon sent no ICMP error"
daemon_stop
grep -q 'fast path detached' "$LAB_DIR/nat64d.log" && fail "the fast path was detached while running"

log "fast-path off: the daemon translates everything, no fast-path packets"
sed -i 's/^fast-path on$/fast-path off/' "$LAB_DIR/nat64d.conf"
daemon_start
ping_ok in6 "${PREFIX}${HOST4}"
ping_ok in4 "$HOST6_MAPPED4"
exchange udp in4 0.0.0.0 in6 "${PREFIX}${HOST4}" "$HOST6_MAPPED4"
"$CTL" -s "$LAB_DIR/ctl.sock" metrics >"$LAB_DIR/metrics"
grep -E '^nat64d_fast_path_packets_total' "$LAB_DIR/metrics"
grep -q '^nat64d_fast_path_attached{instance="[^"]*"} 0$' "$LAB_DIR/metrics" || fail "metrics: attached with fast-path off"
grep -Eq '^nat64d_fast_path_packets_total\{instance="[^"]*",path="fast",direction="(4to6|6to4)"\} [1-9]' \
    "$LAB_DIR/metrics" && fail "fast-path off shows fast-path packets"
grep -Eq '^nat64d_fast_path_packets_total\{instance="[^"]*",path="slow",direction="6to4"\} [1-9]' "$LAB_DIR/metrics" ||
    fail "fast-path off: the daemon translated nothing"
[[ $(json_get '"fast_path" in s') == False ]] || fail "stats show a fast path with fast-path off"
daemon_stop

log "fast-path direct: sent straight to the veth devices once their neighbours are known"
sed -i 's/^fast-path off$/fast-path direct/' "$LAB_DIR/nat64d.conf"
daemon_start
grep -q 'fast path attached (.*, direct)' "$LAB_DIR/nat64d.log" || fail "no 'fast path attached (..., direct)' line"
counter() { json_get "s[\"fast_path\"][\"counters\"][\"$1\"]"; }
direct4_before=$(counter direct_4to6)
direct6_before=$(counter direct_6to4)
ping_ok in6 "${PREFIX}${HOST4}"
ping_ok in4 "$HOST6_MAPPED4"
exchange udp in4 0.0.0.0 in6 "${PREFIX}${HOST4}" "$HOST6_MAPPED4"
exchange tcp in6 :: in4 "$HOST6_MAPPED4" "${PREFIX}c000:201"
# The neighbours were resolved by the first packets (ingress way); the
# rest went direct, both ways.
(( $(counter direct_6to4) >= direct6_before + 4 )) || { stats_json >&2; fail "direct 6to4 did not count"; }
(( $(counter direct_4to6) >= direct4_before + 4 )) || { stats_json >&2; fail "direct 4to6 did not count"; }
log "direct: a hop limit that expires still gets the daemon's Time Exceeded"
out=$(in6 ping -c 1 -W 2 -t 2 "${PREFIX}${HOST4}" 2>&1 || true)
grep -qi 'time exceeded' <<<"$out" || fail "no Time Exceeded for hop limit 2 in direct mode"

log "direct: a veth made after start is learnt from its link notification"
ip link add v4n netns "$NSX" type veth peer name v4m netns "$NS4"
ip -n "$NSX" addr add 203.0.113.254/24 dev v4n
ip -n "$NS4" addr add 203.0.113.1/24 dev v4m
ip -n "$NSX" link set v4n up
ip -n "$NS4" link set v4m up
sleep 2 # the maintenance tick reads the notification within a second
not_ether_before=$(counter direct_fallback_not_ether)
direct6_before=$(counter direct_6to4)
# The replies come back over v4h (the route to 198.51.100.0/24).
ping_ok in6 "${PREFIX}203.0.113.1"
(( $(counter direct_6to4) >= direct6_before + 2 )) || { stats_json >&2; fail "nothing sent direct to the new veth"; }
(( $(counter direct_fallback_not_ether) == not_ether_before )) ||
    { stats_json >&2; fail "the new veth was taken for a device without Ethernet header"; }
daemon_stop
log "PASS"
