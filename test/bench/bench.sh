#!/usr/bin/env bash
# Benchmark, side by side on the same lab (test/e2e/lib.sh), one run:
#   kernel         plain IPv6 forwarding through the middle namespace (the ceiling)
#   slow path      nat64d with `fast-path off`: every packet through the TUN (offloads on)
#   fast-path on   nat64d translating in the kernel, redirected to the TUN's ingress
#   fast-path direct  the same, straight to the egress device (FIB lookup + L2)
#   tayga          Debian's tayga package (installed if missing)
# For each: iperf3 TCP with 1 and 4 streams both ways, 64-byte UDP packets
# (udp_blast: sendmmsg sender, recvmmsg counter) IPv6 -> IPv4, packets/s and
# loss, median ping RTT at 10 ms and 2 ms intervals, and the translator's
# CPU while it carried the UDP flood. Prints the figures and each as a
# ratio of kernel forwarding. One path's rate on this shared VM moves by
# tens of percent from one minute to the next, so a translator row measures
# kernel forwarding in between its own runs (TCP blocks, UDP slices, ping
# blocks) and its ratios are taken against those.
# Usage: test/bench/bench.sh [BUILD_DIR]      (root; builds nothing; default build)
#   BENCH_SECONDS  seconds per TCP/UDP run (default 10)
#   BENCH_ROWS     rows to run (default "kernel off on direct tayga")
#   BENCH_TCP_BLOCKS  a translator row's TCP runs: this many blocks of
#                  BENCH_SECONDS / BENCH_TCP_BLOCKS seconds, each followed
#                  by one of kernel forwarding (default 3)
#   BENCH_TESTS    measurements per row (default "tcp udp ping"; e.g. "udp"
#                  with BENCH_UDP_ROUNDS for the packet rate alone)
#   BENCH_UDP_ROUNDS  afterwards, this many more rounds of the 64-byte UDP
#                  run, the off, on and direct rows of BENCH_ROWS in turn,
#                  each round's ratios printed, then the median (default 3;
#                  0: none)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(readlink -f "${1:-$HERE/../../build}")
NAT64D="$BUILD/src/daemon/nat64d"
BLAST="$BUILD/test/bench/udp_blast"
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
ROWS=${BENCH_ROWS:-kernel off on direct tayga}
UDP_ROUNDS=${BENCH_UDP_ROUNDS:-3}
TCP_BLOCKS=${BENCH_TCP_BLOCKS:-3}
TESTS=${BENCH_TESTS:-tcp udp ping}
UDP_PORT=40001
# A 64-byte IPv6 packet: 40 (IPv6) + 8 (UDP) + 16 payload; 44 bytes as IPv4.
UDP_PAYLOAD=16
source "$HERE/../e2e/lib.sh"

[[ -x "$NAT64D" && -x "$BLAST" ]] || { echo "bench: build first (need $NAT64D and $BLAST)" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "iperf3 missing: scripts/install-deps.sh" >&2; exit 1; }
if [[ " $ROWS " == *" tayga "* ]] && ! command -v tayga >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tayga >/dev/null
fi

lab_up
# Kernel baseline: give the IPv4 host an IPv6 address too and route to it.
ip -n "$NS4" addr add 2001:db8:4::1/64 dev v4h nodad
ip -n "$NSX" addr add 2001:db8:4::fe/64 dev v4x nodad
ip -n "$NS4" -6 route add default via 2001:db8:4::fe
cp "$LAB_DIR/nat64d.conf" "$LAB_DIR/base.conf"
KERNEL_ADDR=2001:db8:4::1

declare -A R   # R[row,metric]

# iperf ADDRESS SECONDS STREAMS [-R]: one iperf3 run; Gbit/s at the receiver.
iperf() {
    in4 pkill -x iperf3 2>/dev/null || true
    in4 iperf3 -s -D >/dev/null 2>&1
    sleep 0.3
    in6 timeout $(($2 + 20)) iperf3 -c "$1" -t "$2" -P "$3" ${4:-} -J |
        $PYTHON -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))'
}

# tcp ROW ADDRESS: iperf3 1 and 4 streams, both ways; Gbit/s at the receiver.
# A translator row runs TCP_BLOCKS blocks, each followed by a block of
# kernel forwarding of the same length (see udp for why), and keeps the
# medians: R[row,tcp...] and, for its ratio, R[row,tcpk...].
tcp() {
    local row=$1 addr=$2 streams dir block secs=$SECONDS_PER_RUN
    [[ $row == kernel ]] || secs=$(( SECONDS_PER_RUN / TCP_BLOCKS > 0 ? SECONDS_PER_RUN / TCP_BLOCKS : 1 ))
    for streams in 1 4; do
        for dir in "" "-R"; do
            local m=tcp$streams${dir:-F}
            if [[ $row == kernel ]]; then
                R[$row,$m]=$(iperf "$addr" "$secs" "$streams" $dir)
                echo "   TCP $streams stream(s) ${dir:-  } ${R[$row,$m]} Gbit/s"
                continue
            fi
            : >"$LAB_DIR/tcp.x"
            : >"$LAB_DIR/tcp.k"
            for block in $(seq 1 "$TCP_BLOCKS"); do
                iperf "$addr" "$secs" "$streams" $dir >>"$LAB_DIR/tcp.x"
                iperf "$KERNEL_ADDR" "$secs" "$streams" $dir >>"$LAB_DIR/tcp.k"
            done
            R[$row,$m]=$(median "$LAB_DIR/tcp.x")
            R[$row,tcpk${m#tcp}]=$(median "$LAB_DIR/tcp.k")
            echo "   TCP $streams stream(s) ${dir:-  } median ${R[$row,$m]} Gbit/s of $(paste -sd' ' "$LAB_DIR/tcp.x")" \
                "(kernel forwarding in between: ${R[$row,tcpk${m#tcp}]} of $(paste -sd' ' "$LAB_DIR/tcp.k"))"
        done
    done
    in4 pkill -x iperf3 2>/dev/null || true
}

# cpu_ticks: user+system clock ticks of the translator so far (0 without one).
cpu_ticks() {
    [[ -n "$DAEMON_PID" ]] || { echo 0; return; }
    awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat"
}

# udp ROW ADDRESS: 64-byte packets for SECONDS_PER_RUN; packets/s received,
# loss, translator CPU (% of one CPU). A translator row is paired with
# kernel forwarding: udp_blast alternates between the translated address
# and KERNEL_ADDR every 100 ms, and the receiver tells the two apart (the
# translated packets arrive as IPv4). On this VM the rate of one path moves
# by tens of percent from one run to the next; within paired slices both
# move together, so R[row,ppsk] (the kernel rate of the same seconds) is
# what the row's ratio is taken against, as with ping.
udp() {
    local row=$1 addr=$2 out="$LAB_DIR/udp.out" sent got span t0 t1 pair=()
    [[ $row == kernel ]] || pair=("$KERNEL_ADDR")
    rm -f "$out"
    in4 timeout $((SECONDS_PER_RUN + 10)) "$BLAST" recv "$UDP_PORT" "$SECONDS_PER_RUN" >"$out" &
    local rpid=$!
    for _ in $(seq 1 50); do grep -q ready "$out" 2>/dev/null && break; sleep 0.1; done
    t0=$(cpu_ticks)
    sent=$(in6 timeout $((SECONDS_PER_RUN + 10)) "$BLAST" send "$addr" "$UDP_PORT" "$SECONDS_PER_RUN" "$UDP_PAYLOAD" \
        "${pair[@]}" | awk '{print $2}')
    t1=$(cpu_ticks)
    wait "$rpid" || true
    read -r got span < <(awk '/^received / {print $2, $4}' "$out")
    R[$row,loss]=$(awk -v n="$got" -v s="$sent" 'BEGIN { printf "%.1f", (s > 0 ? 100 * (1 - n / s) : 100) }')
    R[$row,cpu]=-   # no translator process on the kernel row
    if [[ $row == kernel ]]; then
        R[$row,pps]=$(awk -v n="$got" -v s="$span" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
        echo "   UDP 64 B: sent $sent, received $got in $span s: ${R[$row,pps]} packets/s, loss ${R[$row,loss]} %"
        return
    fi
    local busy4
    read -r got busy4 < <(awk '/^received-ipv4 / {print $2, $4}' "$out")
    R[$row,pps]=$(awk -v n="$got" -v s="$busy4" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
    R[$row,ppsk]=$(awk '/^received-ipv6 / { printf "%.0f", ($4 > 0 ? $2 / $4 : 0) }' "$out")
    # The translator's CPU over the time it carried its own half.
    if [[ -n "$DAEMON_PID" ]]; then
        R[$row,cpu]=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v s="$busy4" \
            'BEGIN { printf "%.0f", (s > 0 ? 100 * (t / hz) / s : 0) }')
    fi
    echo "   UDP 64 B: sent $sent (both paths), loss ${R[$row,loss]} %: ${R[$row,pps]} packets/s translated" \
        "over $busy4 s, ${R[$row,ppsk]} packets/s kernel-forwarded in the slices between;" \
        "translator CPU ${R[$row,cpu]} %"
}

# rtts ADDRESS INTERVAL COUNT: the RTT of each reply (ms), one a line.
rtts() {
    in6 timeout 20 ping -c "$3" -i "$2" -W 1 "$1" | sed -n 's/.*time=\([0-9.]*\) ms$/\1/p'
}

# median FILE: the median of the numbers in FILE (n/a when empty).
median() {
    sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else printf "%.3f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# rtt ROW ADDRESS: median ping RTT (ms) at 10 ms and 2 ms intervals. On
# this VM an RTT of some microseconds moves by tens of percent from one
# second to the next, so a translator row pings the kernel-forwarded
# address too, in alternating blocks of the same length, and its ratio
# is taken against that paired kernel median.
rtt() {
    local row=$1 addr=$2 interval count block
    for interval in 0.01 0.002; do
        count=$(awk -v i="$interval" 'BEGIN { printf "%d", (0.3 / i > 100 ? 100 : 0.3 / i) }')
        : >"$LAB_DIR/rtt.x"
        : >"$LAB_DIR/rtt.k"
        for block in 1 2 3 4 5 6 7 8 9 10; do
            rtts "$addr" "$interval" "$count" >>"$LAB_DIR/rtt.x"
            [[ $row == kernel ]] || rtts "$KERNEL_ADDR" "$interval" "$count" >>"$LAB_DIR/rtt.k"
        done
        R[$row,ping$interval]=$(median "$LAB_DIR/rtt.x")
        R[$row,pingk$interval]=$(median "$LAB_DIR/rtt.k")
        echo "   ping every ${interval}s: median ${R[$row,ping$interval]} ms" \
            "($(wc -l <"$LAB_DIR/rtt.x") replies; kernel forwarding in between: ${R[$row,pingk$interval]} ms)"
    done
}

measure() {
    local row=$1 addr=$2
    [[ " $TESTS " != *" tcp "* ]] || tcp "$row" "$addr"
    [[ " $TESTS " != *" udp "* ]] || udp "$row" "$addr"
    [[ " $TESTS " != *" ping "* ]] || rtt "$row" "$addr"
}

# nat64d_start MODE: nat64d with `fast-path MODE`.
nat64d_start() {
    local mode=$1
    { cat "$LAB_DIR/base.conf"; echo "fast-path $mode"; } >"$LAB_DIR/nat64d.conf"
    daemon_start
}

# nat64d_row ROW MODE: the measurements with `fast-path MODE`.
nat64d_row() {
    local row=$1 mode=$2
    log "nat64d, fast-path $mode"
    nat64d_start "$mode"
    if [[ $mode != off ]] && ! grep -qi 'fast path.*attached\|fast-path.*attached' "$LAB_DIR/nat64d.log"; then
        echo "   (the log does not say the fast path is attached:)"
        grep -i 'fast' "$LAB_DIR/nat64d.log" | tail -n 3 || true
    fi
    measure "$row" "${PREFIX}${HOST4}"
    inx "$BUILD/src/daemon/nat64dctl" -s "$LAB_DIR/ctl.sock" stats 2>/dev/null | grep -i 'fast' || true
    daemon_stop
}

tayga_row() {
    log "tayga $(dpkg-query -W -f='${Version}' tayga)"
    local dir="$LAB_DIR/tayga"
    mkdir -p "$dir"
    cat >"$dir/tayga.conf" <<CONF
tun-device $TUN_DEV
ipv4-addr $XLAT4
prefix ${PREFIX}/96
map $HOST6_MAPPED4 $HOST6
data-dir $dir
CONF
    inx tayga --mktun -c "$dir/tayga.conf" >/dev/null
    ip -n "$NSX" link set "$TUN_DEV" up
    ip -n "$NSX" route add 198.51.100.0/24 dev "$TUN_DEV"
    ip -n "$NSX" -6 route add "${PREFIX}/96" dev "$TUN_DEV"
    ip netns exec "$NSX" tayga -d -c "$dir/tayga.conf" >"$dir/log" 2>&1 &
    DAEMON_PID=$!
    for _ in $(seq 1 50); do in6 ping -c1 -W1 -q "${PREFIX}${HOST4}" >/dev/null 2>&1 && break; sleep 0.1; done
    measure tayga "${PREFIX}${HOST4}"
    kill "$DAEMON_PID"
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=
    inx tayga --rmtun -c "$dir/tayga.conf" >/dev/null || true
}

for row in $ROWS; do
    case $row in
        kernel)
            log "kernel IPv6 forwarding (no translation)"
            measure kernel "$KERNEL_ADDR"
            ;;
        off | on | direct) nat64d_row "$row" "$row" ;;
        tayga) tayga_row ;;
        *) fail "unknown row $row" ;;
    esac
done

# The extra UDP rounds: every translator row measured again in turn, each
# paired with kernel forwarding (see udp).
if (( UDP_ROUNDS > 0 )) && [[ " $TESTS " == *" udp "* ]]; then
    declare -A U KEEP   # U[round,row] "packets/s ratio"; KEEP: the main run's UDP figures
    for k in "${!R[@]}"; do KEEP[$k]=${R[$k]}; done
    for round in $(seq 1 "$UDP_ROUNDS"); do
        for row in $ROWS; do
            case $row in
                off | on | direct)
                    log "UDP round $round: fast-path $row"
                    nat64d_start "$row" >/dev/null
                    udp "$row" "${PREFIX}${HOST4}"
                    daemon_stop
                    U[$round,$row]="${R[$row,pps]} $(awk -v a="${R[$row,pps]}" -v b="${R[$row,ppsk]}" \
                        'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "n/a" }')"
                    ;;
            esac
        done
    done
    for k in "${!KEEP[@]}"; do R[$k]=${KEEP[$k]}; done
fi

METRICS="tcp1F tcp1-R tcp4F tcp4-R pps loss ping0.01 ping0.002 cpu"
label() {
    case $1 in
        kernel) echo "kernel forwarding" ;;
        off) echo "nat64d, fast-path off" ;;
        on) echo "nat64d, fast-path on" ;;
        direct) echo "nat64d, fast-path direct" ;;
        tayga) echo "tayga $(dpkg-query -W -f='${Version}' tayga 2>/dev/null)" ;;
    esac
}
echo
echo "| path | TCP 6→4 | TCP 4→6 | TCP 6→4 ×4 | TCP 4→6 ×4 | UDP 64 B pps | loss % | ping 10 ms (median) | ping 2 ms (median) | CPU % |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for row in $ROWS; do
    line="| $(label "$row") |"
    for m in $METRICS; do line+=" ${R[$row,$m]:-} |"; done
    echo "$line"
done
echo
echo "Ratio to kernel forwarding measured in between the row's own runs (throughput: higher is better; TCP:"
echo "median of the blocks against the median of the kernel blocks; UDP: against the kernel-forwarded slices"
echo "paired with the row's own; ping: median RTT multiple against the kernel pings interleaved with the"
echo "row's own, lower is better):"
echo
echo "| path | TCP 6→4 | TCP 4→6 | TCP 6→4 ×4 | TCP 4→6 ×4 | UDP 64 B | ping 10 ms | ping 2 ms |"
echo "|---|---|---|---|---|---|---|---|"
for row in $ROWS; do
    [[ $row != kernel ]] || continue
    line="| $(label "$row") |"
    for m in tcp1F tcp1-R tcp4F tcp4-R pps ping0.01 ping0.002; do
        # against the kernel figures paired with this row's (TCP without
        # them: the kernel row's)
        base=${R[kernel,$m]:-0}
        [[ $m != tcp* || -z "${R[$row,tcpk${m#tcp}]:-}" ]] || base=${R[$row,tcpk${m#tcp}]}
        [[ $m != pps ]] || base=${R[$row,ppsk]:-0}
        [[ $m != ping* ]] || base=${R[$row,pingk${m#ping}]:-0}
        line+=" $(awk -v a="${R[$row,$m]:-0}" -v b="$base" \
            'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "n/a" }') |"
    done
    echo "$line"
done
if (( UDP_ROUNDS > 0 )) && [[ " $TESTS " == *" udp "* ]]; then
    echo
    echo "64-byte UDP, $UDP_ROUNDS more rounds, the translator rows in turn: packets/s (ratio to the kernel-forwarded"
    echo "slices of the same run), and the median ratio of the main run and these rounds:"
    echo
    line="| round |"
    sep="|---|"
    cols=()
    for row in $ROWS; do [[ -z "${U[1,$row]:-}" ]] || { cols+=("$row"); line+=" $(label "$row") |"; sep+="---|"; }; done
    echo "$line"
    echo "$sep"
    for round in $(seq 1 "$UDP_ROUNDS"); do
        line="| $round |"
        for row in "${cols[@]}"; do line+=" ${U[$round,$row]% *} (${U[$round,$row]#* }) |"; done
        echo "$line"
    done
    line="| median |"
    for row in "${cols[@]}"; do
        ratios=$(awk -v a="${R[$row,pps]:-0}" -v b="${R[$row,ppsk]:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f\n", a / b }')
        for round in $(seq 1 "$UDP_ROUNDS"); do ratios+=$'\n'"${U[$round,$row]#* }"; done
        printf '%s\n' "$ratios" | grep -E '^[0-9.]+$' >"$LAB_DIR/ratios" || true
        line+=" $(median "$LAB_DIR/ratios" | awk '{ printf ($1 == "n/a" ? "n/a" : "%.2f"), $1 }') |"
    done
    echo "$line"
fi
echo
echo "(${SECONDS_PER_RUN} s per TCP/UDP run, $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%d))"
