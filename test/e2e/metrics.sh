#!/usr/bin/env bash
# Operator's view of a running translator, end to end: two nat64d instances
# side by side in the translator namespace (different TUN devices), each
# serving GET /metrics on a loopback address of that namespace
# (metrics-listen, IPv4 and IPv6), scraped with curl and checked with
# promtool; 404 for other paths, 405 for other methods; both scrapes and
# both metrics-file outputs merged as node_exporter's textfile collector
# merges a directory, without a series twice. Then `nat64dctl config`
# (running settings, pending changes by reload class, before and after a
# reload) and `nat64dctl mappings ADDRESS` with a dynamic lease.
# Usage: metrics.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"
HERE=$(cd "$(dirname "$0")" && pwd)

command -v curl >/dev/null || fail "curl is needed (apt install curl)"
command -v promtool >/dev/null || fail "promtool is needed (apt install prometheus)"

B_PID=
stop_b() {
    [[ -n "$B_PID" ]] || return 0
    kill -TERM "$B_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$B_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$B_PID" 2>/dev/null || true
    B_PID=
}
# lab_cleanup (lab_up's trap) kills whatever still runs in the namespaces,
# the second daemon too, should the test fail before it is stopped.
lab_up

ip -n "$NS6" addr add 2001:db8:6::77/64 dev v6h nodad
mkdir -m 0755 "$LAB_DIR/data" "$LAB_DIR/textfile"
PORT_A=9164
PORT_B=9165
cat >> "$LAB_DIR/nat64d.conf" <<CONF
dynamic-pool 198.51.100.128/25
data-dir $LAB_DIR/data
metrics-listen 127.0.0.1:$PORT_A
metrics-file $LAB_DIR/textfile/a.prom
CONF
TUN_B="${TUN_DEV:0:13}b"
cat > "$LAB_DIR/b.conf" <<CONF
tun-device $TUN_B
ipv4-addr 203.0.113.1
prefix 3fff:6464:b::/96
tun-up yes
workers 1
control-socket $LAB_DIR/b.sock
metrics-listen [::1]:$PORT_B
metrics-instance clat-b
metrics-file $LAB_DIR/textfile/b.prom
CONF

daemon_start
inx "$NAT64D" -d -c "$LAB_DIR/b.conf" >"$LAB_DIR/b.log" 2>&1 &
B_PID=$!
for _ in $(seq 1 50); do grep -q "serving GET /metrics" "$LAB_DIR/b.log" && break; sleep 0.1; done
grep -q "metrics-listen \[::1\]:$PORT_B: serving GET /metrics (instance \"clat-b\")" "$LAB_DIR/b.log" \
    || { cat "$LAB_DIR/b.log"; fail "the second instance does not serve metrics"; }

log "a dynamic lease: the unmapped host 2001:db8:6::77 pings the IPv4 host"
out=$(in6 ping -c 2 -i 0.2 -W 2 -w 5 -I 2001:db8:6::77 "${PREFIX}${HOST4}" 2>&1) || { echo "$out"; fail "ping from the unmapped host"; }
LEASE=$("$CTL" -s "$LAB_DIR/ctl.sock" mappings | awk '$1 == "dynamic" && $3 == "2001:db8:6::77" { print $2 }')
[[ -n "$LEASE" ]] || fail "no lease for 2001:db8:6::77"

log "scrape both instances with curl"
scrape() {  # URL FILE: GET with curl, bounded; fails on anything but 200
    inx curl -sS -g --max-time 5 -f -D "$2.headers" -o "$2" "$1" || fail "curl $1"
}
scrape "http://127.0.0.1:$PORT_A/metrics" "$LAB_DIR/a.txt"
scrape "http://[::1]:$PORT_B/metrics" "$LAB_DIR/b.txt"
sed -n '1,6p' "$LAB_DIR/a.txt"
grep -i '^Content-Type: text/plain; version=0.0.4' "$LAB_DIR/a.txt.headers" || fail "content type"
for f in a b; do
    promtool check metrics < "$LAB_DIR/$f.txt" || fail "promtool check metrics: $f.txt"
done

log "every sample carries its instance label; build_info and start_time"
VERSION=$("$NAT64D" --version | awk '{ print $2 }')
check_instance() {  # FILE INSTANCE
    local bad
    bad=$(grep -v '^#' "$1" | grep -vF "{instance=\"$2\"" || true)
    [[ -z "$bad" ]] || { echo "$bad" | head >&2; fail "$1: samples without instance=\"$2\""; }
    grep -qx "nat64d_build_info{instance=\"$2\",version=\"$VERSION\"} 1" "$1" || fail "$1: build_info"
    local start now
    start=$(awk -v i="$2" '$1 == "nat64d_start_time_seconds{instance=\"" i "\"}" { print $2 }' "$1")
    now=$(date +%s)
    [[ -n "$start" && $start -le $now && $start -ge $((now - 120)) ]] || fail "$1: start time '$start' (now $now)"
}
check_instance "$LAB_DIR/a.txt" "$TUN_DEV"
check_instance "$LAB_DIR/b.txt" clat-b
grep -qx "nat64d_dynamic_leases{instance=\"$TUN_DEV\",state=\"active\"} 1" "$LAB_DIR/a.txt" || fail "lease not counted"
grep -q '^nat64d_dynamic_leases' "$LAB_DIR/b.txt" && fail "the instance without a pool shows pool metrics"
# By the daemon (the slow path) and the kernel fast path together: the
# first packet of the new lease is the daemon's, the next may be the kernel's.
n=$(awk '$1 ~ /^nat64d_fast_path_packets_total\{instance="'"$TUN_DEV"'",path="(fast|slow)",direction="6to4"\}$/ { n += $2 } END { print n + 0 }' "$LAB_DIR/a.txt")
[[ ${n:-0} -ge 2 ]] || fail "6to4 packets translated: '$n', expected at least the 2 pings"

log "anything but GET /metrics: 404 for other paths, 405 for other methods"
code() { inx curl -sS -g --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
for path in / /metrics/ /metric /index.html; do
    [[ $(code "http://127.0.0.1:$PORT_A$path") == 404 ]] || fail "GET $path is not 404"
done
for method in POST PUT DELETE OPTIONS; do
    [[ $(code -X "$method" "http://[::1]:$PORT_B/metrics") == 405 ]] || fail "$method /metrics is not 405"
done
[[ $(code -X POST --data-binary 'x=1' "http://127.0.0.1:$PORT_A/metrics") == 405 ]] || fail "POST with a body is not 405"
inx curl -sS --max-time 5 -o /dev/null -D "$LAB_DIR/405.headers" -X DELETE "http://127.0.0.1:$PORT_A/metrics" || true
grep -qi '^Allow: GET, HEAD' "$LAB_DIR/405.headers" || fail "405 without Allow"
[[ $(code -I "http://127.0.0.1:$PORT_A/metrics") == 200 ]] || fail "HEAD /metrics is not 200"
# After all that, the server still answers.
scrape "http://127.0.0.1:$PORT_A/metrics" "$LAB_DIR/a2.txt"

log "both scrapes and both metrics-files merged as node_exporter's textfile directory: no series twice"
for _ in $(seq 1 50); do [[ -s "$LAB_DIR/textfile/a.prom" && -s "$LAB_DIR/textfile/b.prom" ]] && break; sleep 0.1; done
"$PYTHON" "$HERE/prom_merge.py" "$LAB_DIR/a.txt" "$LAB_DIR/b.txt" > "$LAB_DIR/merged.txt" || fail "scrapes collide"
promtool check metrics < "$LAB_DIR/merged.txt" || fail "promtool on the merged scrapes"
"$PYTHON" "$HERE/prom_merge.py" "$LAB_DIR/textfile/a.prom" "$LAB_DIR/textfile/b.prom" > "$LAB_DIR/merged-files.txt" \
    || fail "metrics-files collide"
promtool check metrics < "$LAB_DIR/merged-files.txt" || fail "promtool on the merged metrics-files"
check_instance "$LAB_DIR/textfile/a.prom" "$TUN_DEV"
check_instance "$LAB_DIR/textfile/b.prom" clat-b
# The check itself finds a collision: one instance's file twice.
if "$PYTHON" "$HERE/prom_merge.py" "$LAB_DIR/a.txt" "$LAB_DIR/a2.txt" >/dev/null 2>"$LAB_DIR/dup.err"; then
    fail "prom_merge.py did not see the same series twice"
fi
grep -q "collected before" "$LAB_DIR/dup.err" || fail "no 'collected before' message"

log "nat64dctl config: the running settings, no pending change"
"$CTL" -s "$LAB_DIR/ctl.sock" config > "$LAB_DIR/config.out" || fail "nat64dctl config"
cat "$LAB_DIR/config.out"
head -1 "$LAB_DIR/config.out" | grep -qx "# nat64d effective configuration" || fail "config header"
grep -qx "tun-device $TUN_DEV" "$LAB_DIR/config.out" || fail "config lacks tun-device"
grep -qx "metrics-listen 127.0.0.1:$PORT_A" "$LAB_DIR/config.out" || fail "config lacks metrics-listen"
grep -qx "dynamic-pool 198.51.100.128/25" "$LAB_DIR/config.out" || fail "config lacks dynamic-pool"
grep -qx "# no pending changes: $LAB_DIR/nat64d.conf gives the running settings" "$LAB_DIR/config.out" \
    || fail "config sees pending changes in an unchanged file"
# It reads as --check-config prints the file itself.
"$NAT64D" --check-config -c "$LAB_DIR/nat64d.conf" > "$LAB_DIR/check.out"
diff <(grep -v '^# no pending' "$LAB_DIR/config.out") "$LAB_DIR/check.out" || fail "config differs from --check-config"

log "nat64dctl config: edited file, one change for reload and one for restart"
sed -i "s/^metrics-listen .*/metrics-listen 127.0.0.1:9175/" "$LAB_DIR/nat64d.conf"
echo "log drop" >> "$LAB_DIR/nat64d.conf"
"$CTL" -s "$LAB_DIR/ctl.sock" config > "$LAB_DIR/config2.out"
sed -n '/^# pending/,$p' "$LAB_DIR/config2.out"
grep -qx "#   log: applied by reload" "$LAB_DIR/config2.out" || fail "log not pending for reload"
grep -qx "#   metrics-listen: needs restart" "$LAB_DIR/config2.out" || fail "metrics-listen not pending for restart"
"$CTL" -s "$LAB_DIR/ctl.sock" reload > "$LAB_DIR/reload.out" || fail "reload"
grep -q "^ok: reloaded" "$LAB_DIR/reload.out" || fail "reload not reported ok"
grep -qx "needs restart, running value kept: metrics-listen" "$LAB_DIR/reload.out" \
    || fail "reload reply does not name metrics-listen as needing a restart"
"$CTL" -s "$LAB_DIR/ctl.sock" config > "$LAB_DIR/config3.out"
grep -qx "log drop" "$LAB_DIR/config3.out" || fail "the reload did not apply log drop"
grep -qx "#   metrics-listen: needs restart" "$LAB_DIR/config3.out" || fail "metrics-listen no longer pending"
grep -q "#   log:" "$LAB_DIR/config3.out" && fail "log still pending after the reload"
grep -qx "metrics-listen 127.0.0.1:$PORT_A" "$LAB_DIR/config3.out" || fail "running metrics-listen changed by a reload"
scrape "http://127.0.0.1:$PORT_A/metrics" "$LAB_DIR/a3.txt"   # still served where it was
grep -qx "nat64d_reloads_total{instance=\"$TUN_DEV\",result=\"ok\"} 1" "$LAB_DIR/a3.txt" || fail "reload not counted"

log "nat64dctl mappings ADDRESS"
"$CTL" -s "$LAB_DIR/ctl.sock" mappings "$LEASE" | tee "$LAB_DIR/m1"
[[ $(wc -l < "$LAB_DIR/m1") -eq 1 ]] || fail "mappings $LEASE: not one line"
grep -Eq "^dynamic $LEASE +2001:db8:6::77 +active, last use [0-9]+s ago, dormant [0-9T:-]+Z \(in 2h0[34]m\), expires [0-9T:-]+Z \(in 13d23h\)$" \
    "$LAB_DIR/m1" || fail "lease line"
# The same lease line, but for the ages, which may have moved on by a second.
ages() { sed -E 's/last use [0-9]+s ago/last use Ns ago/; s/\(in [0-9a-z]+\)/(in N)/g' "$@"; }
"$CTL" -s "$LAB_DIR/ctl.sock" mappings 2001:db8:6:0::77 | ages | diff - <(ages "$LAB_DIR/m1") || fail "lookup by IPv6 address"
"$CTL" -s "$LAB_DIR/ctl.sock" mappings "$HOST6" | tee "$LAB_DIR/m2"
grep -Eq "^static  $HOST6_MAPPED4/32 +$HOST6/128 +$LAB_DIR/nat64d.conf:[0-9]+$" "$LAB_DIR/m2" || fail "static map line"
[[ $(wc -l < "$LAB_DIR/m2") -eq 1 ]] || fail "mappings $HOST6: not one line"
[[ $("$CTL" -s "$LAB_DIR/ctl.sock" mappings 192.0.2.77) == "no mapping for 192.0.2.77" ]] || fail "unmapped address"
grep -q "^{\"static\":\[\],\"dynamic\":\[{\"ipv4\":\"$LEASE\",\"ipv6\":\"2001:db8:6::77\",\"state\":\"active\",\"last_use\":[0-9]*,\"last_use_age\":[0-9]*,\"dormant_at\":[0-9]*,\"expires\":[0-9]*}\]}$" <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" mappings --json "$LEASE")" \
    || fail "mappings --json ADDRESS"
rc=0
"$CTL" -s "$LAB_DIR/ctl.sock" mappings not-an-address > "$LAB_DIR/m3" || rc=$?
[[ $rc -eq 1 ]] && grep -qx "error: mappings: 'not-an-address' is not an IPv4 or IPv6 address" "$LAB_DIR/m3" \
    || { cat "$LAB_DIR/m3"; fail "a bad address is not refused"; }

stop_b
daemon_stop
log "PASS"
