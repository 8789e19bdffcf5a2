#!/bin/bash
# The deployment guides, end to end: the ```nat64d configuration blocks of
# docs/deployment-*.md run by the built nat64d in throwaway network
# namespaces wired as each guide's picture, and pinged through.
#
# The blocks are used as written except for three substitutions that keep
# the lab on test addresses only (the project's network rules): the
# well-known prefix 64:ff9b::/96 becomes the network-specific 3fff:6464::/96
# (under wkpf-strict the WKP refuses the documentation addresses the lab's
# "IPv4 Internet" uses, 203.0.113.8 standing for what operators reach as
# 8.8.8.8), the RFC 7335 address 192.0.0.1 becomes 203.0.113.254, and a
# map-file points at an empty file.
#
#   nat64-dns64  IPv6-only hosts, one on the dynamic pool and one with the
#                guide's "fixed IPv4 address" map line, ping
#                3fff:6464::203.0.113.8; the translator answers ping; an
#                IPv4 host pings the map
#   siit-eam     an IPv4 client pings a service address through the border
#                relay and the edge relay (both blocks), and the relay itself;
#                a mapped IPv6 server pings the service, hairpinned
#   clat         an IPv4-only LAN host pings 203.0.113.8 through the CLAT (the
#                guide's CPE block) and a PLAT, and the CLAT itself
#
# Every namespace is removed at the end, also on failure. Needs root;
# skipped (77) otherwise. Label e2e.
#
# usage: docs-e2e.sh SOURCE_DIR NAT64D [SCENARIO...]
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 SOURCE_DIR NAT64D [SCENARIO...]" >&2; exit 2; }
SRC=$1
NAT64D=$(readlink -f "$2")
shift 2
SCENARIOS=("$@")
[[ ${#SCENARIOS[@]} -gt 0 ]] || SCENARIOS=(nat64-dns64 siit-eam clat)
if [[ $(id -u) -ne 0 ]]; then echo "skipped: needs root (network namespaces)"; exit 77; fi
for tool in ip ping; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 77; }
done

ID=$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-docs-e2e.XXXXXX")
NAMESPACES=()
DAEMONS=()
cleanup() {
    local rc=$?
    local ns
    stop_processes "${DAEMONS[@]}"
    if [[ $rc -ne 0 ]]; then
        for f in "$WORK"/*.log; do [[ -e $f ]] && { echo "--- $(basename "$f")"; cat "$f"; }; done
    fi
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$WORK"
    exit "$rc"
}
source "$(dirname "$(readlink -f "$0")")/netlab.sh"  # netns, link, stop_processes (also for cleanup)
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# block DOC N: the Nth ```nat64d block of docs/DOC.md, with the lab's
# substitutions (see the top) and map-file lines pointed at an empty file.
: >"$WORK/empty.map"
block() {
    awk -v want="$2" -v empty="$WORK/empty.map" '
        /^```nat64d[[:space:]]*$/ { n++; inside = (n == want); next }
        /^```/ { inside = 0; next }
        inside { if ($1 == "map-file") print "map-file " empty; else print }
    ' "$SRC/docs/$1.md" | sed -e 's/64:ff9b::/3fff:6464::/g' -e 's/192\.0\.0\.1\b/203.0.113.254/g'
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
forwarding() {
    in_ns "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    # No duplicate address detection delay on the lab's links.
    in_ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}
v6() { in_ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0; }

# start NS NAME CONF: runs nat64d -n in NS; returns when its control
# socket exists (created after the device is set up).
start() {
    local ns=$1 name=$2 conf=$3
    mkdir -p "$WORK/$name.run" "$WORK/$name.state"
    "$NAT64D" --check-config -c "$conf" >/dev/null 2>"$WORK/$name.log" || fail "$name: configuration refused"
    RUNTIME_DIRECTORY=$WORK/$name.run STATE_DIRECTORY=$WORK/$name.state \
        ip netns exec "$ns" "$NAT64D" -n -c "$conf" >>"$WORK/$name.log" 2>&1 &
    DAEMONS+=($!)
    local pid=$!
    for _ in $(seq 1 100); do
        if compgen -G "$WORK/$name.run/*.sock" >/dev/null; then return 0; fi
        kill -0 "$pid" 2>/dev/null || fail "$name: nat64d exited"
        sleep 0.1
    done
    fail "$name: nat64d did not come up"
}
# ping_ok NS ADDR WHAT [PING OPTIONS...]
ping_ok() {
    local ns=$1 addr=$2 what=$3
    shift 3
    if in_ns "$ns" ping -c 2 -i 0.3 -W 2 -w 6 "$@" "$addr" >"$WORK/ping.out" 2>&1; then
        echo "ok: $what ($(grep -o '[0-9]* received' "$WORK/ping.out"))"
    else
        cat "$WORK/ping.out"
        fail "$what: ping $addr from $ns"
    fi
}

scenario_nat64_dns64() {
    step "deployment-nat64-dns64.md"
    local h6=n64d-h6-$ID xl=n64d-xl-$ID h4=n64d-h4-$ID
    netns "$h6" "$xl" "$h4"
    v6 "$h6"; forwarding "$xl"
    link "$h6" eth0 "$xl" eth1
    link "$xl" eth0 "$h4" eth0
    # 2001:db8:6::10 has the guide's static map; 2001:db8:6::2 has none and
    # leases from the dynamic pool.
    ip -n "$h6" addr add 2001:db8:6::10/64 dev eth0
    ip -n "$h6" addr add 2001:db8:6::2/64 dev eth0
    ip -n "$h6" route add default via 2001:db8:6::1
    ip -n "$xl" addr add 2001:db8:6::1/64 dev eth1
    ip -n "$xl" addr add 203.0.113.2/24 dev eth0
    ip -n "$xl" route add default via 203.0.113.1
    # The "IPv4 Internet": 203.0.113.8, reached through the router; the
    # pool is routed back instead of masqueraded (no nftables needed).
    ip -n "$h4" addr add 203.0.113.1/24 dev eth0
    ip -n "$h4" addr add 203.0.113.8/32 dev lo
    ip -n "$h4" route add 198.51.100.0/24 via 203.0.113.2
    { block deployment-nat64-dns64 1; echo "map 198.51.100.10 2001:db8:6::10"; } >"$WORK/nat64.conf"
    start "$xl" nat64 "$WORK/nat64.conf"
    ping_ok "$h6" 3fff:6464::203.0.113.8 "IPv6-only host, static map -> 3fff:6464::203.0.113.8" -I 2001:db8:6::10
    ping_ok "$h6" 3fff:6464::203.0.113.8 "IPv6-only host, dynamic pool -> 3fff:6464::203.0.113.8" -I 2001:db8:6::2
    ping_ok "$h6" 2001:db8:64::1 "IPv6-only host -> the translator's ipv6-addr"
    ping_ok "$h4" 198.51.100.10 "IPv4 host 203.0.113.8 -> the IPv6 host's static map" -I 203.0.113.8
}

scenario_siit_eam() {
    step "deployment-siit-eam.md"
    local c4=n64d-c4-$ID br=n64d-br-$ID srv=n64d-srv-$ID srv2=n64d-srv2-$ID
    netns "$c4" "$br" "$srv" "$srv2"
    forwarding "$br"; forwarding "$srv"; v6 "$srv2"
    link "$c4" eth0 "$br" eth0
    link "$br" eth1 "$srv" eth0
    link "$br" eth2 "$srv2" eth0
    # A second IPv6 server, 2001:db8:100:1::1: 192.0.2.17 by the /28 map.
    ip -n "$br" addr add 2001:db8:100:1::ff/64 dev eth2
    ip -n "$srv2" addr add 2001:db8:100:1::1/64 dev eth0
    ip -n "$srv2" route add default via 2001:db8:100:1::ff
    ip -n "$c4" addr add 198.51.100.7/24 dev eth0
    ip -n "$c4" route add default via 198.51.100.1
    ip -n "$br" addr add 198.51.100.1/24 dev eth0
    ip -n "$br" addr add 2001:db8:100::1/64 dev eth1
    # The service address lives behind the edge relay on the server.
    ip -n "$br" route add 2001:db8:100::10/128 via 2001:db8:100::2
    ip -n "$srv" addr add 2001:db8:100::2/64 dev eth0
    ip -n "$srv" route add default via 2001:db8:100::1
    block deployment-siit-eam 1 >"$WORK/br.conf"
    block deployment-siit-eam 2 >"$WORK/er.conf"
    start "$br" br "$WORK/br.conf"
    start "$srv" er "$WORK/er.conf"
    ping_ok "$c4" 192.0.2.10 "IPv4 client -> service 192.0.2.10 (border relay, IPv6 DC, edge relay)"
    ping_ok "$c4" 192.0.2.1 "IPv4 client -> the border relay's ipv4-addr"
    ping_ok "$srv2" 2001:db8:46::192.0.2.10 "IPv6 server 192.0.2.17 -> service 192.0.2.10 (hairpinned by the border relay)"
}

scenario_clat() {
    step "deployment-clat.md"
    local lan=n64d-lan-$ID cpe=n64d-cpe-$ID plat=n64d-plat-$ID inet=n64d-inet-$ID
    netns "$lan" "$cpe" "$plat" "$inet"
    forwarding "$cpe"; forwarding "$plat"
    link "$lan" eth0 "$cpe" br0
    link "$cpe" wan "$plat" eth0
    link "$plat" eth1 "$inet" eth0
    ip -n "$lan" addr add 192.0.2.20/24 dev eth0
    ip -n "$lan" route add default via 192.0.2.1
    ip -n "$cpe" addr add 192.0.2.1/24 dev br0
    ip -n "$cpe" addr add 2001:db8:6:1::2/64 dev wan
    ip -n "$cpe" route add default via 2001:db8:6:1::1
    ip -n "$plat" addr add 2001:db8:6:1::1/64 dev eth0
    ip -n "$plat" route add 2001:db8:6:ff::/119 via 2001:db8:6:1::2
    ip -n "$plat" addr add 203.0.113.2/24 dev eth1
    ip -n "$plat" route add default via 203.0.113.1
    ip -n "$inet" addr add 203.0.113.1/24 dev eth0
    ip -n "$inet" addr add 203.0.113.8/32 dev lo
    ip -n "$inet" route add 198.51.100.0/24 via 203.0.113.2
    block deployment-clat 1 >"$WORK/clat.conf"
    # The provider's PLAT, stateless too: the CLAT range to a public /24.
    cat >"$WORK/plat.conf" <<'EOF'
tun-device plat
ipv4-addr 203.0.113.100
ipv6-addr 2001:db8:64::1
prefix 3fff:6464::/96
map 198.51.100.0/24 2001:db8:6:ff::/120
tun-up yes
tun-route 3fff:6464::/96
tun-route 198.51.100.0/24
tun-route 2001:db8:64::1/128
EOF
    start "$plat" plat "$WORK/plat.conf"
    start "$cpe" clat "$WORK/clat.conf"
    ping_ok "$lan" 203.0.113.8 "IPv4-only LAN host -> 203.0.113.8 (CLAT, IPv6-only access, PLAT)"
    ping_ok "$lan" 203.0.113.254 "IPv4-only LAN host -> the CLAT's ipv4-addr"
}

for s in "${SCENARIOS[@]}"; do
    case $s in
        nat64-dns64) scenario_nat64_dns64 ;;
        siit-eam) scenario_siit_eam ;;
        clat) scenario_clat ;;
        *) fail "unknown scenario $s" ;;
    esac
done
echo "PASS"
