#!/usr/bin/env bash
# nat64d-lab end to end: a small "Internet" of its own and a "host" with an
# uplink into it, both network namespaces; nat64d-lab builds its IPv6-only
# lab inside the host and the test checks, from inside the lab, what an
# application sees (docs/ipv6-only-lab.md):
#   - an IPv4-only name is reached through NAT64 via a synthesised AAAA
#     (RFC 6147 §5.1.6), the server sees IPv4 from the uplink, nat64d leased
#     a pool address, the pool's masquerade rule counted it;
#   - a dual-stack name is reached over its real AAAA, not a synthesised one;
#   - an AAAA in ::ffff:0:0/96 is treated as none (RFC 6147 §5.1.4);
#   - ipv4only.arpa resolves to the prefix (RFC 7050 §3, RFC 8880 §7), a
#     PTR under the prefix is answered from the IPv4 PTR (RFC 6147 §5.3.1);
#   - the router advertisement carries the prefix, RDNSS (RFC 8106) and
#     PREF64 (RFC 8781);
#   - IPv4 is unreachable inside the lab;
#   - `up` twice refuses and leaves the lab working; a failed `up` leaves
#     nothing; `down` leaves nothing behind, also after a crash.
# Only documentation addresses: 192.0.2.0/24, 198.51.100.0/24 (pool),
# 203.0.113.0/24 (uplink), 2001:db8::/32, 3fff:6464::/96 (NAT64 prefix).
#
# Usage: lab.sh PATH/TO/nat64d PATH/TO/nat64d-lab   (skipped, 77, when not
# root or a tool is missing)
set -euo pipefail

skip() {
    echo "SKIP: $*"
    exit 77
}
[[ $# -eq 2 ]] || { echo "usage: $0 NAT64D NAT64D_LAB" >&2; exit 2; }
NAT64D=$(readlink -f "$1")
LAB=$(readlink -f "$2")
PYTHON=/usr/bin/python3 # Debian's: scapy lives there
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
for t in ip nft unbound curl nsenter setsid flock ss; do
    command -v "$t" >/dev/null 2>&1 || skip "$t not installed (scripts/install-deps.sh)"
done
[[ -x $PYTHON ]] || skip "$PYTHON not installed"
"$PYTHON" -c 'import scapy' 2>/dev/null || skip "python3-scapy not installed"
[[ -x $LAB && -x $NAT64D ]] || { echo "FAIL: $LAB or $NAT64D not executable" >&2; exit 1; }
[[ -x $(dirname "$NAT64D")/nat64dctl ]] || skip "no nat64dctl next to $NAT64D"

ID=$$
NAME=l$ID                # the lab
NSI=n64li-$ID            # the "Internet"
NSH=n64lh-$ID            # the "host"
LAN48=2001:db8:$(printf '%x' $((ID % 65536)))
PREFIX=3fff:6464::
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-lab-e2e.XXXXXX")
START=$(date +%s)
NAT64DCTL=$(dirname "$NAT64D")/nat64dctl
export NAT64D NAT64DCTL

log() { printf '== %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}
ini() { ip netns exec "$NSI" "$@"; }
# The host: only its network namespace is entered, so that nat64d-lab
# makes its namespace, /etc/netns and runtime files as on a real host.
onhost() { nsenter --net="/run/netns/$NSH" -- "$@"; }
lab() { onhost "$LAB" "$@"; }
inlab() { lab exec --name "$NAME" -- "$@"; }
# Transcript lines for the closing note: the command, then its output.
show() {
    printf '$ %s\n' "$*"
    "$@" 2>&1 | sed 's/^/  /'
    return "${PIPESTATUS[0]}"
}

cleanup() {
    local rc=$?
    set +e
    if [[ -e /run/netns/$NSH ]]; then
        onhost "$LAB" down --name "$NAME" >/dev/null 2>&1
        ip netns pids "$NSH" | xargs -r kill -KILL 2>/dev/null
    fi
    if [[ -e /run/netns/$NSI ]]; then ip netns pids "$NSI" | xargs -r kill -KILL 2>/dev/null; fi
    # Whatever a failing nat64d-lab down could have left.
    [[ -e /run/netns/$NAME ]] && ip netns del "$NAME"
    for ns in "$NSH" "$NSI"; do [[ -e /run/netns/$ns ]] && ip netns del "$ns"; done
    rm -rf "/run/nat64d-lab/$NAME" "/etc/netns/$NAME" "/var/lib/unbound/nat64d-lab-$NAME"
    if [[ $rc -ne 0 ]]; then
        for f in "$WORK"/*.log; do
            echo "--- $f" >&2
            tail -n 20 "$f" >&2
        done
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the Internet: web servers and an authoritative DNS -----------------------
log "Internet $NSI and host $NSH"
ip netns add "$NSI"
ip netns add "$NSH"
ini ip link set lo up
onhost ip link set lo up
ip link add up0 netns "$NSH" type veth peer name wan0 netns "$NSI"
ini ip addr add 203.0.113.1/24 dev wan0
ini ip addr add 2001:db8:ffff::1/64 dev wan0 nodad
onhost ip addr add 203.0.113.2/24 dev up0
onhost ip addr add 2001:db8:ffff::2/64 dev up0 nodad
ini ip link set wan0 up
onhost ip link set up0 up
onhost ip route add default via 203.0.113.1
onhost ip -6 route add default via 2001:db8:ffff::1
for a in 192.0.2.53/32 192.0.2.80/32 192.0.2.81/32 192.0.2.82/32; do ini ip addr add "$a" dev lo; done
ini ip addr add 2001:db8:81::80/128 dev lo

mkdir -p "$WORK/v4only" "$WORK/dual4" "$WORK/dual6"
echo "v4only" >"$WORK/v4only/index.html"
echo "dual over IPv4" >"$WORK/dual4/index.html"
echo "dual over IPv6" >"$WORK/dual6/index.html"
serve() { # DIR ADDRESS: python3 -m http.server, its request log in WORK/DIR.log
    ini setsid "$PYTHON" -m http.server --bind "$2" --directory "$WORK/$1" 80 \
        </dev/null >"$WORK/$1.log" 2>&1 &
}
serve v4only 192.0.2.80
serve dual4 192.0.2.81
serve dual6 2001:db8:81::80

cat >"$WORK/auth.conf" <<EOF
server:
  interface: 192.0.2.53
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  directory: "$WORK"
  pidfile: "$WORK/auth.pid"
  use-syslog: no
  logfile: "$WORK/auth.log"
  access-control: 0.0.0.0/0 allow
  local-zone: "test." nodefault
  local-zone: "example.test." static
  local-data: "v4only.example.test. 60 IN A 192.0.2.80"
  local-data: "dual.example.test. 60 IN A 192.0.2.81"
  local-data: "dual.example.test. 60 IN AAAA 2001:db8:81::80"
  local-data: "mapped.example.test. 60 IN A 192.0.2.82"
  local-data: "mapped.example.test. 60 IN AAAA ::ffff:192.0.2.82"
  local-zone: "2.0.192.in-addr.arpa." nodefault
  local-zone: "2.0.192.in-addr.arpa." static
  local-data-ptr: "192.0.2.80 v4only.example.test."
EOF
ini setsid unbound -d -c "$WORK/auth.conf" </dev/null >>"$WORK/auth-stderr.log" 2>&1 &
for _ in $(seq 1 50); do
    [[ -n $(ini ss -Hlnu src 192.0.2.53:53) && -n $(ini ss -Hltn src '[2001:db8:81::80]:80') &&
        -n $(ini ss -Hltn src 192.0.2.80:80) ]] && break
    sleep 0.1
done
[[ -n $(ini ss -Hlnu src 192.0.2.53:53) ]] || fail "the Internet's DNS did not start"
[[ -n $(ini ss -Hltn src 192.0.2.80:80) ]] || fail "the IPv4-only web server did not start"

# ---- refusals that must leave nothing --------------------------------------------
no_remains() { # what must not exist after a refused or failed up, or after down
    local left=()
    [[ -e /run/netns/$NAME ]] && left+=("namespace $NAME")
    onhost ip link show dev "v6l-$NAME" >/dev/null 2>&1 && left+=("v6l-$NAME")
    onhost ip link show dev "n64-$NAME" >/dev/null 2>&1 && left+=("n64-$NAME")
    onhost nft list table inet "nat64d-lab-$NAME" >/dev/null 2>&1 && left+=("nftables table")
    [[ -e /run/nat64d-lab/$NAME ]] && left+=("/run/nat64d-lab/$NAME")
    [[ -e /etc/netns/$NAME ]] && left+=("/etc/netns/$NAME")
    [[ -e /var/lib/unbound/nat64d-lab-$NAME ]] && left+=("/var/lib/unbound/nat64d-lab-$NAME")
    local d args
    for d in /proc/[0-9]*; do
        mapfile -d '' -t args 2>/dev/null <"$d/cmdline" || continue
        if [[ " ${args[*]} " =~ nat64d-lab(/|-)$NAME/ ]]; then left+=("process ${d#/proc/}: ${args[*]}"); fi
    done
    [[ ${#left[@]} -eq 0 ]] || fail "$1 left: ${left[*]}"
}
FORWARDING_BEFORE=$(onhost cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding)
UP_ARGS=(--name "$NAME" --uplink up0 --dns 192.0.2.53 --prefix "$PREFIX/96" --pool 198.51.100.0/24 --lan "$LAN48::/48")

log "up without an uplink refuses clearly"
out=$(lab up --name "$NAME" --uplink nosuch0 --dns 192.0.2.53 2>&1) && fail "up with a missing uplink succeeded"
echo "  $out"
grep -q 'nosuch0: no such interface' <<<"$out" || fail "unclear refusal: $out"
no_remains "a refused up"

log "a daemon that fails at start: up rolls back everything it made"
cat >"$WORK/broken-nat64d" <<EOF
#!/bin/sh
# Passes the configuration check, then fails as a daemon that cannot start.
case " \$* " in *" --check-config "*) exec "$NAT64D" "\$@" ;; esac
echo "simulated start failure" >&2
exit 1
EOF
chmod +x "$WORK/broken-nat64d"
out=$(NAT64D=$WORK/broken-nat64d lab up "${UP_ARGS[@]}" 2>&1) &&
    fail "up with a failing nat64d succeeded"
grep -q 'nat64d exited at start' <<<"$out" || { echo "$out"; fail "unclear failure"; }
grep -q 'simulated start failure' <<<"$out" || { echo "$out"; fail "nat64d's log not shown"; }
echo "  $(grep 'exited at start' <<<"$out")"
no_remains "a failed up"

# ---- the lab ------------------------------------------------------------------------
log "transcript: up, exec -- curl, status, down"
T0=$(date +%s%N)
show lab up "${UP_ARGS[@]}" || fail "nat64d-lab up"
echo "  (up took $((($(date +%s%N) - T0) / 1000000)) ms)"

CURL=(curl -sS -m 5 -w 'connected to %{remote_ip}\n')
show inlab "${CURL[@]}" http://v4only.example.test/ | tee "$WORK/curl-v4only.out"
{ grep -qx '  v4only' "$WORK/curl-v4only.out" && grep -qx "  connected to ${PREFIX}c000:250" "$WORK/curl-v4only.out"; } ||
    fail "v4only.example.test not reached at its synthesised AAAA ${PREFIX}c000:250"
show inlab "${CURL[@]}" http://dual.example.test/ | tee "$WORK/curl-dual.out"
{ grep -qx '  dual over IPv6' "$WORK/curl-dual.out" && grep -qx '  connected to 2001:db8:81::80' "$WORK/curl-dual.out"; } ||
    fail "dual.example.test not reached at its real AAAA 2001:db8:81::80"
show lab status --name "$NAME" | tee "$WORK/status.out" || fail "status of a running lab"

log "the IPv4-only server saw the request as IPv4 from the uplink (NAT64, then the pool masqueraded)"
grep -q '^203\.0\.113\.2 .*"GET / HTTP/1.1" 200' "$WORK/v4only.log" || { cat "$WORK/v4only.log"; fail "no IPv4 request at 192.0.2.80"; }
grep -q '^2001:db8:ffff::2 .*"GET / HTTP/1.1" 200' "$WORK/dual6.log" || { cat "$WORK/dual6.log"; fail "no IPv6 request at 2001:db8:81::80"; }
! grep -q 'GET ' "$WORK/dual4.log" || fail "dual.example.test was reached over IPv4"
LABADDR=$(ip -n "$NAME" -6 -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1)
[[ $LABADDR == "$LAN48":1:* ]] || fail "the lab host has no SLAAC address in $LAN48:1::/64 ($LABADDR)"
onhost "$NAT64DCTL" -s "/run/nat64d-lab/$NAME/ctl.sock" mappings | tee "$WORK/mappings"
grep -Eq "^dynamic 198\.51\.100\.[0-9]+ .*$LABADDR" "$WORK/mappings" || fail "no pool lease for the lab host $LABADDR"
grep -Eq 'saddr 198\.51\.100\.0/24 counter packets [1-9]' "$WORK/status.out" ||
    fail "the pool's masquerade rule counted nothing"
grep -Eq 'translated|packets' "$WORK/status.out" || fail "status shows no nat64d counters"

log "DNS64 inside the lab: RFC 6147 §5.1.4 exclusion, RFC 7050 ipv4only.arpa, §5.3.1 PTR"
inlab "$PYTHON" - "$PREFIX" <<'EOF' || fail "DNS64 answers"
import socket, sys
prefix = sys.argv[1]
def aaaa(name):
    return sorted({ai[4][0] for ai in socket.getaddrinfo(name, 80, socket.AF_INET6, socket.SOCK_STREAM)})
checks = [
    ("mapped.example.test (AAAA ::ffff:192.0.2.82 excluded)", aaaa("mapped.example.test"), [prefix + "c000:252"]),
    ("ipv4only.arpa", aaaa("ipv4only.arpa"), [prefix + "c000:aa", prefix + "c000:ab"]),
    ("PTR of " + prefix + "c000:250", socket.gethostbyaddr(prefix + "c000:250")[0], "v4only.example.test"),
]
bad = 0
for what, got, want in checks:
    print(f"  {what}: {got}")
    if got != want:
        print(f"  expected {want}")
        bad = 1
sys.exit(bad)
EOF

log "IPv4 is unreachable inside the lab"
inlab "$PYTHON" - <<'EOF' || fail "IPv4 reachable inside the lab"
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(3)
try:
    s.connect(("192.0.2.80", 80))
except OSError as e:
    print(f"  connect to 192.0.2.80:80: {e.strerror}")
    sys.exit(0 if e.errno == errno.ENETUNREACH else 1)
print("  connect to 192.0.2.80:80 succeeded")
sys.exit(1)
EOF
! inlab ip -4 route show table all | grep -qv '^\(local\|broadcast\) .* dev lo ' ||
    fail "IPv4 routes in the lab: $(inlab ip -4 route show table all)"
[[ $(inlab ip -4 -o addr show | awk '{print $2, $4}') == "lo 127.0.0.1/8" ]] || fail "IPv4 addresses in the lab"

log "router advertisement: prefix, RDNSS (RFC 8106), PREF64 (RFC 8781)"
inlab "$PYTHON" - "$LAN48" <<'EOF' || fail "router advertisement"
import ipaddress, logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import conf, sniff, sendp, Ether, IPv6, ICMPv6ND_RS, ICMPv6ND_RA, raw
conf.verb = 0
lan48 = sys.argv[1]
lan64 = ipaddress.IPv6Network(lan48 + ":1::/64")
dns64 = ipaddress.IPv6Address(lan48 + ":1::1")
pref64 = ipaddress.IPv6Address("3fff:6464::")
# Ask for one (RFC 4861 §6.3.7) and take the first that arrives.
pkts = sniff(iface="eth0", timeout=6, count=1, lfilter=lambda p: ICMPv6ND_RA in p,
             started_callback=lambda: sendp(Ether(dst="33:33:00:00:00:02") / IPv6(dst="ff02::2", hlim=255) / ICMPv6ND_RS(),
                                            iface="eth0"))
if not pkts:
    print("  no router advertisement within 6 s"); sys.exit(1)
p = pkts[0]
assert p[IPv6].hlim == 255, "hop limit"
opts = raw(p[ICMPv6ND_RA])[16:]
found = {}
while opts:
    t, l = opts[0], opts[1] * 8
    if l == 0: break
    found[t] = opts[:l]
    opts = opts[l:]
ok = True
pio, rdnss, p64 = found.get(3), found.get(25), found.get(38)
print(f"  from {p[IPv6].src}, router lifetime {p[ICMPv6ND_RA].routerlifetime}, options {sorted(found)}")
if not pio or ipaddress.IPv6Network((bytes(pio[16:32]), pio[2])) != lan64 or pio[3] & 0xc0 != 0xc0:
    print("  no prefix information for", lan64); ok = False
if not rdnss or ipaddress.IPv6Address(bytes(rdnss[8:24])) != dns64 or int.from_bytes(rdnss[4:8], "big") == 0:
    print("  no RDNSS", dns64); ok = False
else:
    print(f"  RDNSS {ipaddress.IPv6Address(bytes(rdnss[8:24]))} lifetime {int.from_bytes(rdnss[4:8], 'big')} s")
if not p64 or ipaddress.IPv6Address(bytes(p64[4:16]) + bytes(4)) != pref64 or p64[3] & 7 != 0 or p64[2:4] == b"\0\0":
    print("  no PREF64 3fff:6464::/96"); ok = False
else:
    print(f"  PREF64 {ipaddress.IPv6Address(bytes(p64[4:16]) + bytes(4))}/96 lifetime {(int.from_bytes(p64[2:4], 'big') >> 3) * 8} s")
sys.exit(0 if ok else 1)
EOF

log "up twice refuses and leaves the lab as it was"
out=$(lab up "${UP_ARGS[@]}" 2>&1) && fail "a second up succeeded"
echo "  $out"
grep -q "lab $NAME exists already" <<<"$out" || fail "unclear refusal of a second up"
grep -qx v4only <<<"$(inlab curl -sS -m 5 http://v4only.example.test/)" || fail "the lab broke after a refused second up"

log "down"
show lab down --name "$NAME" || fail "nat64d-lab down"
no_remains "down"
[[ $(onhost cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding) == "$FORWARDING_BEFORE" ]] ||
    fail "down did not put the host's forwarding back"
lab status --name "$NAME" >/dev/null 2>&1 && fail "status of a removed lab succeeds"

log "after a crash: processes killed, down still removes everything"
lab up "${UP_ARGS[@]}" >/dev/null || fail "up again"
for f in /run/nat64d-lab/$NAME/nat64d.pid /var/lib/unbound/nat64d-lab-$NAME/unbound.pid /run/nat64d-lab/$NAME/ra.pid; do
    kill -KILL "$(cat "$f")" || fail "no process in $f"
done
sleep 0.2
out=$(lab status --name "$NAME" 2>&1) && fail "status of a crashed lab reports it healthy"
grep -q 'incomplete' <<<"$out" || { echo "$out"; fail "status does not report the crash"; }
lab down --name "$NAME" | sed 's/^/  /'
no_remains "down after a crash"

log "PASS ($(($(date +%s) - START)) s)"
