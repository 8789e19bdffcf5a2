# shellcheck shell=bash
# The lab shared by the end-to-end tests and scripts/demo.sh: three network
# namespaces, unique per run (the PID is in every name), removed by a trap
# also on failure. Only documentation addresses are used.
#
#   h6 (IPv6-only host)          xl (translator, runs nat64d)          h4 (IPv4-only host)
#   2001:db8:6::2/64  --veth--  2001:db8:6::1/64 | 192.0.2.254/24  --veth--  192.0.2.1/24
#                               TUN nat64: prefix 3fff:6464::/96, ipv4-addr 198.51.100.1,
#                               map 198.51.100.2 <-> 2001:db8:6::2 (the IPv6 host)
set -euo pipefail

LAB_ID=${LAB_ID:-$$}
NS6="n64h6-$LAB_ID"
NSX="n64xl-$LAB_ID"
NS4="n64h4-$LAB_ID"
TUN_DEV="n64t$LAB_ID"
TUN_DEV=${TUN_DEV:0:15}
LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-lab.XXXXXX")
PREFIX=3fff:6464::
HOST6=2001:db8:6::2
HOST6_MAPPED4=198.51.100.2
HOST4=192.0.2.1
XLAT4=198.51.100.1
XLAT6=3fff:6464::c633:6401   # RFC 6052 default: prefix + ipv4-addr
DAEMON_PID=
SANITIZER_CHROOTS=()   # see sanitizer_chroot

NAT64D=${NAT64D:-nat64d}
PYTHON=/usr/bin/python3   # Debian's interpreter, not pyenv's (scapy lives there)

log() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

lab_cleanup() {
    local rc=$?
    if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    # Processes left in the namespaces (servers of a failed test) go too.
    for ns in "$NS6" "$NSX" "$NS4"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    # Reports of a chrooted sanitized daemon go back to sanitized.sh, which
    # fails the test on them.
    for root in "${SANITIZER_CHROOTS[@]}"; do
        cp -p "$root$NAT64D_SANITIZER_LOGS"/* "$NAT64D_SANITIZER_LOGS"/ 2>/dev/null || true
    done
    if [[ $rc -ne 0 && -f "$LAB_DIR/nat64d.log" ]]; then
        echo "--- nat64d log ---" >&2
        tail -n 50 "$LAB_DIR/nat64d.log" >&2 || true
    fi
    rm -rf "$LAB_DIR"
    exit $rc
}

# sanitizer_chroot DIR: the daemons started from now on chroot into DIR.
# Under test/e2e/sanitized.sh their reports then go to the same path inside
# DIR (made here; collected by lab_cleanup), and LeakSanitizer is off for
# them: it reads /proc/self/task to stop the threads, which is out of reach
# in the chroot, and would wait for them forever at exit.
sanitizer_chroot() {
    [[ -n "${NAT64D_SANITIZER_LOGS:-}" ]] || return 0
    mkdir -p "$1$NAT64D_SANITIZER_LOGS"
    chmod 1777 "$1$NAT64D_SANITIZER_LOGS"
    SANITIZER_CHROOTS+=("$1")
    [[ -z "${ASAN_OPTIONS:-}" ]] || export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
}

in6() { ip netns exec "$NS6" "$@"; }
inx() { ip netns exec "$NSX" "$@"; }
in4() { ip netns exec "$NS4" "$@"; }

lab_up() {
    trap lab_cleanup EXIT
    trap 'exit 130' INT TERM
    [[ $(id -u) -eq 0 ]] || fail "the lab needs root (network namespaces)"
    ip netns add "$NS6"
    ip netns add "$NSX"
    ip netns add "$NS4"
    for ns in "$NS6" "$NSX" "$NS4"; do ip -n "$ns" link set lo up; done

    ip link add v6h netns "$NS6" type veth peer name v6x netns "$NSX"
    ip link add v4h netns "$NS4" type veth peer name v4x netns "$NSX"
    # nodad: addresses usable at once instead of after duplicate detection.
    ip -n "$NS6" addr add "$HOST6/64" dev v6h nodad
    ip -n "$NSX" addr add 2001:db8:6::1/64 dev v6x nodad
    ip -n "$NSX" addr add 192.0.2.254/24 dev v4x
    ip -n "$NS4" addr add "$HOST4/24" dev v4h
    for l in "$NS6 v6h" "$NSX v6x" "$NSX v4x" "$NS4 v4h"; do
        set -- $l
        ip -n "$1" link set "$2" up
    done
    ip -n "$NS6" -6 route add default via 2001:db8:6::1
    ip -n "$NS4" route add 198.51.100.0/24 via 192.0.2.254
    inx sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    # Let both links settle (IPv6 neighbour discovery answers only once the
    # router's link is fully up), so that the first translated ping does not
    # wait a second for a retransmitted neighbour solicitation.
    for _ in $(seq 1 50); do in6 ping -c1 -W1 -q 2001:db8:6::1 >/dev/null 2>&1 && break; sleep 0.1; done
    for _ in $(seq 1 50); do in4 ping -c1 -W1 -q 192.0.2.254 >/dev/null 2>&1 && break; sleep 0.1; done

    cat > "$LAB_DIR/nat64d.conf" <<CONF
# nat64d lab configuration (TAYGA syntax)
tun-device $TUN_DEV
ipv4-addr $XLAT4
prefix ${PREFIX}/96
map $HOST6_MAPPED4 $HOST6
tun-up yes
tun-route ${PREFIX}/96
tun-route 198.51.100.0/24
udp-cksum-mode calc
workers 2
control-socket $LAB_DIR/ctl.sock
CONF
}

# Starts nat64d in the translator namespace (foreground, -d) and waits
# until it answers a ping at its own IPv4 address, i.e. it is translating.
daemon_start() {
    # A plain command (not a shell function) in the background, so that $!
    # is nat64d itself: `ip netns exec` execs it in the same process.
    local started
    started=$(date +%s%N)
    ip netns exec "$NSX" "$NAT64D" -d -c "$LAB_DIR/nat64d.conf" "$@" >>"$LAB_DIR/nat64d.log" 2>&1 &
    DAEMON_PID=$!
    for _ in $(seq 1 50); do
        if in4 ping -c1 -W1 -q "$XLAT4" >/dev/null 2>&1; then
            echo "   nat64d answering $(( ($(date +%s%N) - started) / 1000000 )) ms after start"
            return 0
        fi
        kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$LAB_DIR/nat64d.log" >&2; fail "nat64d exited at start"; }
        sleep 0.1
    done
    fail "nat64d did not start translating within 5 s"
}

daemon_stop() {
    kill -TERM "$DAEMON_PID"
    local rc=0
    wait "$DAEMON_PID" || rc=$?
    DAEMON_PID=
    [[ $rc -eq 0 ]] || fail "nat64d exited with status $rc on SIGTERM"
}

# ping_ok NS-RUNNER ADDRESS [PING OPTIONS...]: 3 echo requests, all
# answered, bounded to 5 s.
ping_ok() {
    local runner=$1 addr=$2 out
    shift 2
    out=$("$runner" ping -c 3 -i 0.2 -W 2 -w 5 "$@" "$addr" 2>&1) || { echo "$out" >&2; fail "ping $addr from $runner"; }
    grep -q ' 0% packet loss' <<<"$out" || { echo "$out" >&2; fail "ping $addr lost packets"; }
    echo "$out" | tail -n 2
}

# exchange PROTO SERVER-RUNNER BIND CLIENT-RUNNER ADDR EXPECTED-PEER [TEXT]:
# test/e2e/echo.py's server (udp or tcp) on BIND and a random port in the
# server's namespace, its client sends TEXT (default hello-PROTO) to ADDR
# from the client's; the echo must come back as "TEXT from EXPECTED-PEER"
# (the address the server saw, i.e. the translated source).
exchange() {
    local proto=$1 srv=$2 bind=$3 cli=$4 addr=$5 peer=$6 text=${7:-hello-$1} port=$((20000 + RANDOM % 20000)) reply
    local echo_py
    echo_py="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/echo.py"
    $srv "$PYTHON" "$echo_py" server "$proto" "$bind" "$port" &
    local spid=$!
    # Wait (bounded) until the server has bound its port: a datagram sent
    # before would meet a closed port, and the client ignores the ICMP error.
    local flag=-Hlnu
    [[ $proto == tcp ]] && flag=-Hlnt
    for _ in $(seq 1 50); do
        [[ -n "$($srv ss $flag "sport = :$port")" ]] && break
        sleep 0.1
    done
    reply=$($cli "$PYTHON" "$echo_py" client "$proto" "$addr" "$port" "$text") || { kill "$spid" 2>/dev/null; fail "$proto to $addr"; }
    wait "$spid" || fail "$proto server"
    # A long TEXT is shown by its ends and length.
    local shown=$reply
    if (( ${#reply} > 80 )); then shown="${reply:0:20}...${reply: -30} (${#reply} bytes)"; fi
    echo "   $proto: $shown"
    [[ "$reply" == "$text from $peer" ]] || fail "$proto reply '$shown', expected peer $peer"
}
