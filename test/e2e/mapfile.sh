#!/usr/bin/env bash
# map-file (TAYGA semantics) end to end: entries added and removed on reload
# while a ping to an unchanged mapping runs, with no loss; a later line that
# clashes with an earlier one replaces it, a malformed line or one that
# clashes with nat64d.conf is skipped and the rest loads; `nat64dctl reload`
# lists what was skipped; an unreadable map-file refuses the reload and the
# running mappings stay, and stops a start.
# Usage: mapfile.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"
lab_up
# More addresses on the IPv6 host for the map-file's entries.
for a in 3 4 5 6; do ip -n "$NS6" addr add "2001:db8:6::$a/64" dev v6h nodad; done
echo "map-file $LAB_DIR/maps.conf" >> "$LAB_DIR/nat64d.conf"
cat > "$LAB_DIR/maps.conf" <<'MAPS'
# map-file, TAYGA syntax
map 198.51.100.3 2001:db8:6::3
MAPS

log "--check-config shows map-file lines as comments, tayga.conf's maps as directives"
"$NAT64D" -t -c "$LAB_DIR/nat64d.conf" > "$LAB_DIR/check.out" 2>&1 || { cat "$LAB_DIR/check.out"; fail "check-config"; }
grep -qx "map $HOST6_MAPPED4 $HOST6" "$LAB_DIR/check.out" || fail "tayga.conf map missing from --check-config"
grep -qx "# map 198.51.100.3 2001:db8:6::3 (map-file $LAB_DIR/maps.conf:2)" "$LAB_DIR/check.out" ||
    { cat "$LAB_DIR/check.out"; fail "map-file line not shown as a comment"; }

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

log "later line replaces an earlier clashing one; malformed and nat64d.conf-clashing lines skipped, the rest loads"
cat > "$LAB_DIR/maps.conf" <<'MAPS'
map 198.51.100.5 2001:db8:6::5
map 198.51.100.6 2001:db8:6::5
map 1.2.3 2001:db8:6::7
map 198.51.100.4 2001:db8:6::4
map 198.51.100.2 2001:db8:6::9
MAPS
"$CTL" -s "$LAB_DIR/ctl.sock" reload > "$LAB_DIR/reload.out" || { cat "$LAB_DIR/reload.out"; fail "reload with bad lines failed"; }
cat "$LAB_DIR/reload.out"
grep -q '^ok: reloaded' "$LAB_DIR/reload.out" || fail "reload not reported ok"
grep -q "maps.conf:3: map: expected an IPv4 address or subnet but found '1.2.3' (line skipped)" "$LAB_DIR/reload.out" ||
    fail "malformed line 3 not in the reload reply"
grep -q "maps.conf:5: IPv4 address in map directive conflicts with earlier definition of 198.51.100.2/32 at $LAB_DIR/nat64d.conf:5 (line skipped)" \
    "$LAB_DIR/reload.out" || fail "line 5 clashing with nat64d.conf not in the reload reply"
[[ $(grep -c 'line skipped' "$LAB_DIR/reload.out") -eq 2 ]] || fail "expected exactly 2 skipped lines"
grep -q "maps.conf:2: map 198.51.100.6 2001:db8:6::5 replaces map 198.51.100.5 2001:db8:6::5 at $LAB_DIR/maps.conf:1" \
    "$LAB_DIR/nat64d.log" || fail "replacement of line 1 by line 2 not logged"
ping_ok in4 198.51.100.6
ping_ok in4 198.51.100.4
! in4 ping -c 2 -i 0.2 -W 1 -w 2 198.51.100.5 >/dev/null 2>&1 || fail "replaced mapping 198.51.100.5 still translates"
ping_ok in4 "$HOST6_MAPPED4"   # nat64d.conf's own map is untouched

log "an unreadable map-file refuses the reload; the running mappings stay"
rm "$LAB_DIR/maps.conf"
mkdir "$LAB_DIR/maps.conf"   # not a regular file: refused even for root
rc=0
"$CTL" -s "$LAB_DIR/ctl.sock" reload > "$LAB_DIR/reload.out" || rc=$?
cat "$LAB_DIR/reload.out"
[[ $rc -eq 1 ]] || fail "reload of an unreadable map-file: nat64dctl exited $rc, expected 1"
grep -qx "error: reload failed, the running configuration and mappings stay: map-file: unable to read $LAB_DIR/maps.conf: not a regular file (a directory)" \
    "$LAB_DIR/reload.out" || fail "reply lacks the reason"
grep -q "map-file: unable to read $LAB_DIR/maps.conf: not a regular file (a directory)" "$LAB_DIR/nat64d.log" || fail "read error not logged"
ping_ok in4 198.51.100.6
ping_ok in4 198.51.100.4
log "a missing map-file too"
rmdir "$LAB_DIR/maps.conf"
kill -HUP "$DAEMON_PID"
sleep 0.5
grep -q "map-file: unable to open $LAB_DIR/maps.conf: No such file or directory" "$LAB_DIR/nat64d.log" ||
    fail "missing map-file not logged"
ping_ok in4 198.51.100.6
"$CTL" -s "$LAB_DIR/ctl.sock" metrics > "$LAB_DIR/metrics.out"
grep -qx "nat64d_reloads_total{instance=\"$TUN_DEV\",result=\"failed\"} 2" "$LAB_DIR/metrics.out" || fail "failed reloads not counted"
grep -qx "nat64d_reloads_total{instance=\"$TUN_DEV\",result=\"ok\"} 2" "$LAB_DIR/metrics.out" || fail "good reloads not counted"

wait "$PING_PID" || true
tail -n 2 "$LAB_DIR/ping.out"
grep -q '100 packets transmitted, 100 received, 0% packet loss' "$LAB_DIR/ping.out" || fail "packets lost during reloads"
daemon_stop

log "an unreadable map-file stops a start (as TAYGA), before any device is made"
mkdir "$LAB_DIR/maps.conf"
rc=0
timeout 10 ip netns exec "$NSX" "$NAT64D" -d -c "$LAB_DIR/nat64d.conf" > "$LAB_DIR/start.out" 2>&1 || rc=$?
cat "$LAB_DIR/start.out"
[[ $rc -eq 1 ]] || fail "start with an unreadable map-file exited $rc, expected 1"
grep -q "map-file: unable to read $LAB_DIR/maps.conf: not a regular file (a directory)" "$LAB_DIR/start.out" || fail "start: reason not given"
! inx ip link show "$TUN_DEV" >/dev/null 2>&1 || fail "start with an unreadable map-file made the device"
log "PASS"
