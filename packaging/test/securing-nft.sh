#!/bin/bash
# docs/securing.md, end to end: its ```nft ruleset loaded on a translator
# host wired as the page describes, checked for what it lets through.
#
#   h6 (lan0 side: 2001:db8:6::2 allowed, 2001:db8:7::2 not)
#     -- xl (nat64d on nat64, the ruleset) -- h4 (wan0 side: 203.0.113.8)
#
#   allowed:  2001:db8:6::2 -> 3fff:6464::203.0.113.8 and -> ipv6-addr;
#             h4's replies back through the pool
#   refused:  2001:db8:7::2 (not a client) -> the prefix: nat64d never sees
#             it (no lease); h4 -> the leased pool address of 2001:db8:6::2
#             (a new IPv4 connection to a client); both pass once the
#             ruleset is removed, so the refusals are the ruleset's.
#
# The page's 64:ff9b::/96 becomes 3fff:6464::/96, as in docs-e2e.sh (under
# wkpf-strict the well-known prefix refuses documentation addresses).
# Needs root and nft; skipped (77) otherwise. Labels e2e, docs.
#
# usage: securing-nft.sh SOURCE_DIR NAT64D NAT64DCTL
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 SOURCE_DIR NAT64D NAT64DCTL" >&2; exit 2; }
SRC=$(readlink -f "$1")
NAT64D=$(readlink -f "$2")
NAT64DCTL=$(readlink -f "$3")
if [[ $(id -u) -ne 0 ]]; then echo "skipped: needs root (network namespaces)"; exit 77; fi
for tool in ip ping nft; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 77; }
done

ID=$$
H6=n64d-sh6-$ID XL=n64d-sxl-$ID H4=n64d-sh4-$ID
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-securing.XXXXXX")
NAMESPACES=()
DAEMON=
cleanup() {
    local rc=$?
    if [[ -n $DAEMON ]]; then stop_processes "$DAEMON"; fi
    if [[ $rc -ne 0 ]]; then for f in "$WORK"/*.log; do [[ -e $f ]] && { echo "--- $(basename "$f")"; cat "$f"; }; done; fi
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$WORK"
    exit "$rc"
}
source "$(dirname "$(readlink -f "$0")")/netlab.sh"  # netns, link, stop_processes (also for cleanup)
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

awk '/^```nft[[:space:]]*$/ { inside = 1; next } /^```/ { inside = 0 } inside' "$SRC/docs/securing.md" |
    sed -e 's/64:ff9b::/3fff:6464::/g' >"$WORK/ruleset.nft"
grep -q '^table inet nat64d' "$WORK/ruleset.nft" || fail "no \`\`\`nft block in docs/securing.md"

netns "$H6" "$XL" "$H4"
link "$H6" eth0 "$XL" lan0
link "$XL" wan0 "$H4" eth0
for ns in "$H6" "$XL"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0; done
ip netns exec "$XL" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n "$H6" addr add 2001:db8:6::2/64 dev eth0 nodad
ip -n "$H6" addr add 2001:db8:7::2/64 dev eth0 nodad
ip -n "$H6" route add default via 2001:db8:6::1
ip -n "$XL" addr add 2001:db8:6::1/64 dev lan0 nodad
# 2001:db8:7::/64 is routed to lan0 too: the reverse path filter lets it
# in, so what refuses it is the client set.
ip -n "$XL" route add 2001:db8:7::/64 via 2001:db8:6::2 dev lan0
ip -n "$XL" addr add 203.0.113.2/24 dev wan0
ip -n "$H4" addr add 203.0.113.1/24 dev eth0
ip -n "$H4" addr add 203.0.113.8/32 dev lo
ip -n "$H4" route add 198.51.100.0/24 via 203.0.113.2

cat >"$WORK/nat64d.conf" <<CONF
tun-device nat64
ipv4-addr 198.51.100.1
ipv6-addr 2001:db8:64::1
prefix 3fff:6464::/96
dynamic-pool 198.51.100.0/24
tun-up yes
tun-route 3fff:6464::/96
tun-route 198.51.100.0/24
tun-route 2001:db8:64::1/128
control-socket $WORK/nat64.sock
CONF
ip netns exec "$XL" nft -f "$WORK/ruleset.nft" || fail "nft -f: the page's ruleset does not load"
echo "ok: the ruleset of docs/securing.md loads"
ip netns exec "$XL" "$NAT64D" -n -c "$WORK/nat64d.conf" >"$WORK/nat64d.log" 2>&1 &
DAEMON=$!
for i in $(seq 1 100); do
    [[ -S $WORK/nat64.sock ]] && break
    kill -0 "$DAEMON" 2>/dev/null || fail "nat64d exited"
    [[ $i -lt 100 ]] || fail "nat64d did not come up"
    sleep 0.1
done

ping_ok() {
    local ns=$1; shift
    ip netns exec "$ns" ping -c 2 -i 0.3 -W 2 -w 6 "$@" >"$WORK/ping.out" 2>&1 || { cat "$WORK/ping.out"; fail "ping $* from $ns"; }
    echo "ok: allowed: ping $* ($(grep -o '[0-9]* received' "$WORK/ping.out"))"
}
ping_refused() {
    local ns=$1; shift
    if ip netns exec "$ns" ping -c 2 -i 0.3 -W 1 -w 3 "$@" >"$WORK/ping.out" 2>&1; then
        cat "$WORK/ping.out"; fail "ping $* from $ns got through"
    fi
    echo "ok: refused: ping $*"
}
ping_ok "$H6" -I 2001:db8:6::2 3fff:6464::203.0.113.8
ping_ok "$H6" -I 2001:db8:6::2 2001:db8:64::1
ping_refused "$H6" -I 2001:db8:7::2 3fff:6464::203.0.113.8
"$NAT64DCTL" -s "$WORK/nat64.sock" mappings >"$WORK/mappings"
if grep -q '2001:db8:7::2' "$WORK/mappings"; then fail "2001:db8:7::2 reached nat64d (it has a lease)"; fi
LEASE=$(awk '$1 == "dynamic" && $3 == "2001:db8:6::2" { print $2 }' "$WORK/mappings")
[[ -n $LEASE ]] || { cat "$WORK/mappings"; fail "no lease for 2001:db8:6::2"; }
ping_refused "$H4" -I 203.0.113.8 "$LEASE"
ip netns exec "$XL" nft delete table inet nat64d
ping_ok "$H4" -I 203.0.113.8 "$LEASE"
ping_ok "$H6" -I 2001:db8:7::2 3fff:6464::203.0.113.8
echo "ok: without the ruleset both refused pings pass: the refusals above were the ruleset's"
echo "PASS"
