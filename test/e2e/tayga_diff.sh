#!/usr/bin/env bash
# Differential test: Debian's TAYGA (0.9.2, /usr/sbin/tayga) and nat64d get
# the same crafted packets, with the same tayga.conf, and what they emit is
# compared case by case (tayga_diff.py). Every difference must be in
# tayga_diff_allow.txt, which points at the docs/ entry explaining it.
#
# Each daemon runs in its own network namespace, on a TUN device it creates
# itself; the test only sets the device up (TAYGA does not configure it).
# Packets are handed to each daemon through a packet socket on its TUN and
# everything the daemon writes back is captured there, so that the
# namespace kernel's own filters (martian, link-local and multicast
# addresses) cannot decide a case before the translator does. IPv6 is
# disabled on the devices, IPv4 forwarding is off and no address is
# assigned: the kernels drop what the translators emit, silently.
#
# Phases (one configuration each, daemons restarted with fresh data-dirs):
#   nsp         prefix 3fff:6464::/96, two maps, a dynamic pool: all cases
#   wkp         prefix 64:ff9b::/96 (RFC 6052 §3.1 non-global addresses)
#   cksum-fwd   UDP zero checksum, nat64d with `udp-cksum-mode fwd`
#   cksum-calc  UDP zero checksum, nat64d with `udp-cksum-mode calc`
# TAYGA 0.9.2 knows no udp-cksum-mode: it gets the file without that line.
# nat64d's copy also has a control-socket line (to keep it in the test's
# directory). About 30 s.
#
# Usage: tayga_diff.sh PATH/TO/nat64d   (DIFF_ONLY=<case prefix> runs some cases)
# Exits 77 (skipped) when not root or when tayga or scapy is missing.
NAT64D=$(readlink -f "$1")
HERE="$(dirname "$(readlink -f "$0")")"
SKIP=77
PYTHON=/usr/bin/python3   # Debian's interpreter (scapy), as in lib.sh
TAYGA=${TAYGA:-/usr/sbin/tayga}

skip() { echo "skipped: $*"; exit $SKIP; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
[[ -x "$TAYGA" ]] || skip "no $TAYGA (apt install tayga)"
"$PYTHON" -c 'import scapy' 2>/dev/null || skip "$PYTHON has no scapy (apt install python3-scapy)"

[[ -x "$NAT64D" ]] || { echo "FAIL: no nat64d binary at $1" >&2; exit 1; }
source "$HERE/lib.sh"   # log, fail, LAB_DIR (removed by our own trap below)

NS_T="n64dt-$$"; TUN_T="tyg$$"; TUN_T=${TUN_T:0:15}
NS_N="n64dn-$$"; TUN_N="n64$$"; TUN_N=${TUN_N:0:15}
PID_T=; PID_N=
RESULTS="$LAB_DIR/results"
: > "$RESULTS"

stop_daemon() {  # PID: TERM, bounded wait, KILL
    local pid=$1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

diff_cleanup() {
    local rc=$?
    stop_daemon "$PID_T"
    stop_daemon "$PID_N"
    for ns in "$NS_T" "$NS_N"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    if [[ $rc -ne 0 ]]; then
        for f in "$LAB_DIR"/*.log; do
            [[ -s "$f" ]] && { echo "--- $(basename "$f") (last lines) ---" >&2; tail -n 20 "$f" >&2; }
        done
    fi
    rm -rf "$LAB_DIR"
    exit $rc
}
trap diff_cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

for ns in "$NS_T" "$NS_N"; do
    ip netns add "$ns"
    # Devices created from now on get no IPv6 (no link-local address, no
    # router solicitation or MLD report written to the translator).
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        net.ipv4.ip_forward=0 net.ipv4.icmp_echo_ignore_all=1
done

# write_conf PHASE FILE: the tayga.conf both daemons read in PHASE.
write_conf() {
    local phase=$1 dev=$2 data=$3
    echo "tun-device $dev"
    echo "ipv4-addr 198.51.100.1"
    case $phase in
        wkp) echo "prefix 64:ff9b::/96"
             echo "ipv6-addr 2001:db8:64::1" ;;
        *)   echo "prefix 3fff:6464::/96" ;;
    esac
    echo "map 198.51.100.2 2001:db8:6::2"
    echo "dynamic-pool 198.51.100.128/28"
    echo "data-dir $data"
}

# start NS DEV LOG CMD...: runs a daemon in NS (foreground), waits for its
# TUN device and sets it up. Sets STARTED_PID.
start() {
    local ns=$1 dev=$2 logf=$3
    shift 3
    ip netns exec "$ns" "$@" >>"$logf" 2>&1 &
    STARTED_PID=$!
    for _ in $(seq 1 50); do
        ip -n "$ns" link show "$dev" >/dev/null 2>&1 && break
        kill -0 "$STARTED_PID" 2>/dev/null || fail "$1 exited at start: $(tail -n 5 "$logf")"
        sleep 0.1
    done
    ip -n "$ns" link set "$dev" up || fail "no TUN device $dev from $*"
}

run_phase() {
    local phase=$1 dir="$LAB_DIR/$1"
    mkdir -p "$dir/tayga-data" "$dir/nat64d-data"
    write_conf "$phase" "$TUN_T" "$dir/tayga-data" > "$dir/tayga.conf"
    write_conf "$phase" "$TUN_N" "$dir/nat64d-data" > "$dir/nat64d.conf"
    echo "control-socket $dir/ctl.sock" >> "$dir/nat64d.conf"
    case $phase in
        cksum-fwd)  echo "udp-cksum-mode fwd" >> "$dir/nat64d.conf" ;;
        cksum-calc) echo "udp-cksum-mode calc" >> "$dir/nat64d.conf" ;;
    esac
    log "phase $phase"
    start "$NS_T" "$TUN_T" "$LAB_DIR/tayga.log" "$TAYGA" -d -c "$dir/tayga.conf"
    PID_T=$STARTED_PID
    start "$NS_N" "$TUN_N" "$LAB_DIR/nat64d.log" "$NAT64D" -d -c "$dir/nat64d.conf"
    PID_N=$STARTED_PID
    if [[ $phase == nsp ]]; then
        # An unmapped address routed into the device (the routing loop
        # case); nat64d learns the route from a notification (-d logs it).
        local seen
        seen=$(grep -c "routes changed" "$LAB_DIR/nat64d.log" || true)
        ip -n "$NS_T" route add 203.0.113.77/32 dev "$TUN_T"
        ip -n "$NS_N" route add 203.0.113.77/32 dev "$TUN_N"
        for _ in $(seq 1 30); do
            (( $(grep -c "routes changed" "$LAB_DIR/nat64d.log" || true) > seen )) && break
            sleep 0.1
        done
    fi
    timeout -k 5 60 "$PYTHON" "$HERE/tayga_diff.py" run "$phase" "$HERE/tayga_diff_allow.txt" "$RESULTS" \
        "$NS_T" "$TUN_T" "$NS_N" "$TUN_N" || fail "phase $phase did not run to the end"
    kill -0 "$PID_T" 2>/dev/null || fail "tayga died during phase $phase"
    kill -0 "$PID_N" 2>/dev/null || fail "nat64d died during phase $phase"
    stop_daemon "$PID_T"; PID_T=
    kill -TERM "$PID_N"
    local rc=0
    wait "$PID_N" || rc=$?
    PID_N=
    [[ $rc -eq 0 ]] || fail "nat64d exited with status $rc on SIGTERM"
    wait 2>/dev/null || true
}

# config_case ID LINE...: does each daemon start with tun-device and these
# lines? Same file for both; the outcome (starts / refuses) is compared.
config_case() {
    local id="config:$1" dir="$LAB_DIR/config-$1" outcome_t outcome_n line pat entry=
    shift
    if [[ -n "${DIFF_ONLY:-}" && $id != "$DIFF_ONLY"* && ${id#config:} != "$DIFF_ONLY"* ]]; then return; fi
    mkdir -p "$dir"
    outcome_t=$(try_start "$NS_T" "$TUN_T" "$dir" tayga "$@")
    outcome_n=$(try_start "$NS_N" "$TUN_N" "$dir" nat64d "$@")
    echo "$id $([[ ${outcome_t%%:*} == "${outcome_n%%:*}" ]] && echo SAME || echo DIFF)" >> "$RESULTS"
    if [[ ${outcome_t%%:*} == "${outcome_n%%:*}" ]]; then
        echo "SAME  $id: $outcome_t"
        return
    fi
    while read -r pat line; do
        [[ -n "$pat" && $pat != \#* ]] || continue
        # shellcheck disable=SC2053  # the allow-list holds glob patterns
        [[ $id == $pat ]] && { entry=${line%% *}; break; }
    done < "$HERE/tayga_diff_allow.txt"
    if [[ -n "$entry" ]]; then echo "DIFF(allowed: $entry) $id"; else echo "DIFF  $id  (not in the allow-list: FAIL)"; fi
    printf '      %-6s %s\n' tayga "$outcome_t" nat64d "$outcome_n"
}

# try_start NS DEV DIR NAME LINE...: "starts" or "refuses: <message>".
try_start() {
    local ns=$1 dev=$2 dir=$3 name=$4 pid
    shift 4
    { echo "tun-device $dev"; printf '%s\n' "$@"; echo "data-dir $dir/$name-data"; } > "$dir/$name.conf"
    mkdir -p "$dir/$name-data"
    [[ $name == nat64d ]] && echo "control-socket $dir/ctl.sock" >> "$dir/$name.conf"
    local bin=$TAYGA
    [[ $name == nat64d ]] && bin=$NAT64D
    ip netns exec "$ns" "$bin" -d -c "$dir/$name.conf" > "$dir/$name.out" 2>&1 &
    pid=$!
    for _ in $(seq 1 30); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            echo "refuses: $(grep -v '^$' "$dir/$name.out" | grep -iE 'error|cannot|refus|invalid|reserved' | head -n 1)"
            return
        fi
        ip -n "$ns" link show "$dev" >/dev/null 2>&1 && break
        sleep 0.1
    done
    sleep 0.3
    if kill -0 "$pid" 2>/dev/null; then
        stop_daemon "$pid"
        wait "$pid" 2>/dev/null || true
        echo "starts"
    else
        echo "refuses: $(grep -v '^$' "$dir/$name.out" | head -n 1)"
    fi
}

log "configurations with reserved and special addresses"
base=("ipv4-addr 198.51.100.1" "prefix 3fff:6464::/96")
config_case map-169.254.0.1 "${base[@]}" "map 169.254.0.1 2001:db8:6::a9"
config_case map-169.254.0.0/24 "${base[@]}" "map 169.254.0.0/24 2001:db8:6::a900/120"
config_case map-127.0.0.1 "${base[@]}" "map 127.0.0.1 2001:db8:6::7f"
config_case map-0.0.0.1 "${base[@]}" "map 0.0.0.1 2001:db8:6::1"
config_case map-224.0.0.1 "${base[@]}" "map 224.0.0.1 2001:db8:6::e0"
config_case map-240.0.0.1 "${base[@]}" "map 240.0.0.1 2001:db8:6::f0"
config_case dynamic-pool-169.254.0.0/24 "${base[@]}" "dynamic-pool 169.254.0.0/24"
config_case dynamic-pool-127.0.0.0/24 "${base[@]}" "dynamic-pool 127.0.0.0/24"
config_case ipv4-addr-127.0.0.1 "ipv4-addr 127.0.0.1" "prefix 3fff:6464::/96"
config_case ipv4-addr-169.254.0.1 "ipv4-addr 169.254.0.1" "prefix 3fff:6464::/96"
config_case clatd-wkp-192.0.0.2 "ipv4-addr 192.0.0.2" "prefix 64:ff9b::/96" "map 192.0.0.1 2001:db8:6::2"
config_case wkp-nonglobal-ipv4-addr "ipv4-addr 198.51.100.1" "prefix 64:ff9b::/96"
config_case wkp-ipv6-addr-in-wkp "ipv4-addr 198.51.100.1" "prefix 64:ff9b::/96" "ipv6-addr 64:ff9b::c000:201"

for phase in nsp wkp cksum-fwd cksum-calc; do
    run_phase "$phase"
done

log "verdict"
"$PYTHON" "$HERE/tayga_diff.py" verdict "$HERE/tayga_diff_allow.txt" "$RESULTS" "$HERE/../../docs" \
    || fail "differences from TAYGA 0.9.2 not explained by tayga_diff_allow.txt (see above)"
log "PASS"
