#!/usr/bin/env bash
# map-file reload (SIGHUP): mappings added and removed while a ping to an
# unchanged mapping runs, with no loss; a bad file is refused whole and the
# running table stays.
# Usage: mapfile.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"
lab_up
# Two more addresses on the IPv6 host for the map-file's entries.
ip -n "$NS6" addr add 2001:db8:6::3/64 dev v6h nodad
ip -n "$NS6" addr add 2001:db8:6::4/64 dev v6h nodad
echo "map-file $LAB_DIR/maps.conf" >> "$LAB_DIR/nat64d.conf"
cat > "$LAB_DIR/maps.conf" <<'MAPS'
# map-file, TAYGA syntax
map 198.51.100.3 2001:db8:6::3
MAPS

daemon_start
log "map-file entry translates"
ping_ok in4 198.51.100.3

log "reload under a running ping to the unchanged static mapping"
in4 ping -c 100 -i 0.03 -W 2 -w 20 "$HOST6_MAPPED4" > "$LAB_DIR/ping.out" 2>&1 &
PING_PID=$!
sleep 0.5
printf 'map 198.51.100.4 2001:db8:6::4\n' > "$LAB_DIR/maps.conf"
kill -HUP "$DAEMON_PID"
sleep 0.5
ping_ok in4 198.51.100.4
! in4 ping -c 2 -i 0.2 -W 1 -w 2 198.51.100.3 >/dev/null 2>&1 || fail "removed mapping 198.51.100.3 still translates"

log "a bad map-file is refused whole; the running table stays"
printf 'map 198.51.100.5 2001:db8:6::5\nmap 198.51.100.6 2001:db8:6::5\nmap 1.2.3 2001:db8:6::7\n' > "$LAB_DIR/maps.conf"
kill -HUP "$DAEMON_PID"
sleep 0.5
grep -q "maps.conf:2: .*overlaps" "$LAB_DIR/nat64d.log" || fail "overlap not reported with file:line"
grep -q "maps.conf:3: " "$LAB_DIR/nat64d.log" || fail "bad line 3 not reported"
ping_ok in4 198.51.100.4
"$CTL" -s "$LAB_DIR/ctl.sock" metrics | grep -q '^nat64d_reloads_total{result="failed"} 1$' || fail "failed reload not counted"

log "an entry clashing with the configuration's own map is refused"
printf 'map 198.51.100.2 2001:db8:6::9\n' > "$LAB_DIR/maps.conf"
kill -HUP "$DAEMON_PID"
sleep 0.5
grep -q "maps.conf:1: map 198.51.100.2/32 2001:db8:6::9/128 overlaps map 198.51.100.2/32 2001:db8:6::2/128 at $LAB_DIR/nat64d.conf:" "$LAB_DIR/nat64d.log" ||
    fail "clash with nat64d.conf not reported"

wait "$PING_PID" || true
tail -n 2 "$LAB_DIR/ping.out"
grep -q '100 packets transmitted, 100 received, 0% packet loss' "$LAB_DIR/ping.out" || fail "packets lost during reloads"
daemon_stop
log "PASS"
