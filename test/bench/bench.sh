#!/usr/bin/env bash
# Throughput benchmark, side by side on the same lab (test/e2e/lib.sh):
#   kernel   plain IPv6 forwarding through the middle namespace (the ceiling)
#   nat64d   IPv6 host -> nat64d -> IPv4 host (TUN offloads on, the default)
#   nat64d-no-offload   the same with `offload no`: one packet per read
#   tayga    the same through Debian's tayga package (installed if missing)
# Each runs iperf3 TCP for $BENCH_SECONDS (default 10) seconds, IPv6 client
# to IPv4 server, plus the reverse direction (-R). Prints one table.
# Usage: test/bench/bench.sh [PATH/TO/nat64d]     (root; builds nothing)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
NAT64D=$(readlink -f "${1:-$HERE/../../build/src/daemon/nat64d}")
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
source "$HERE/../e2e/lib.sh"

if ! command -v tayga >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tayga >/dev/null
fi
command -v iperf3 >/dev/null || { echo "iperf3 missing: scripts/install-deps.sh" >&2; exit 1; }

lab_up
# Kernel baseline: give the IPv4 host an IPv6 address too and route to it.
ip -n "$NS4" addr add 2001:db8:4::1/64 dev v4h nodad
ip -n "$NSX" addr add 2001:db8:4::fe/64 dev v4x nodad
ip -n "$NS4" -6 route add default via 2001:db8:4::fe

in4 iperf3 -s -D -1 >/dev/null 2>&1 || true
declare -A RESULT

# run NAME ADDRESS: forward and reverse iperf3 runs, Gbit/s of the receiver.
run() {
    local name=$1 addr=$2 dir gbps
    for dir in "" "-R"; do
        in4 pkill -x iperf3 2>/dev/null || true
        in4 iperf3 -s -D >/dev/null 2>&1
        sleep 0.3
        gbps=$(in6 timeout $((SECONDS_PER_RUN + 20)) iperf3 -c "$addr" -t "$SECONDS_PER_RUN" $dir -J |
            $PYTHON -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))')
        RESULT["$name${dir:- }"]=$gbps
        echo "   $name ${dir:-  } $gbps Gbit/s"
    done
    in4 pkill -x iperf3 2>/dev/null || true
}

log "kernel IPv6 forwarding (no translation)"
run kernel 2001:db8:4::1

log "nat64d"
daemon_start
run nat64d "${PREFIX}${HOST4}"
daemon_stop

log "nat64d, offload no"
echo "offload no" >> "$LAB_DIR/nat64d.conf"
daemon_start
run nat64d-no-offload "${PREFIX}${HOST4}"
daemon_stop

log "tayga $(dpkg-query -W -f='${Version}' tayga)"
TAYGA_DIR="$LAB_DIR/tayga"
mkdir -p "$TAYGA_DIR"
cat > "$TAYGA_DIR/tayga.conf" <<CONF
tun-device $TUN_DEV
ipv4-addr $XLAT4
prefix ${PREFIX}/96
map $HOST6_MAPPED4 $HOST6
data-dir $TAYGA_DIR
CONF
inx tayga --mktun -c "$TAYGA_DIR/tayga.conf" >/dev/null
ip -n "$NSX" link set "$TUN_DEV" up
ip -n "$NSX" route add 198.51.100.0/24 dev "$TUN_DEV"
ip -n "$NSX" -6 route add "${PREFIX}/96" dev "$TUN_DEV"
ip netns exec "$NSX" tayga -d -c "$TAYGA_DIR/tayga.conf" >"$TAYGA_DIR/log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 50); do in6 ping -c1 -W1 -q "${PREFIX}${HOST4}" >/dev/null 2>&1 && break; sleep 0.1; done
run tayga "${PREFIX}${HOST4}"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=
inx tayga --rmtun -c "$TAYGA_DIR/tayga.conf" >/dev/null || true

echo
printf '%-18s %18s %18s\n' "path" "IPv6->IPv4 Gbit/s" "IPv4->IPv6 Gbit/s"
for name in kernel nat64d nat64d-no-offload tayga; do
    printf '%-18s %18s %18s\n' "$name" "${RESULT["$name "]}" "${RESULT["$name-R"]}"
done
echo "(iperf3 TCP, ${SECONDS_PER_RUN} s each, $(nproc) CPUs, $(uname -r))"
