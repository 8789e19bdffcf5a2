#!/usr/bin/env bash
# End to end: --mktun, start, ping v6->v4 through the prefix, v4->v6 through
# a static map, both translator addresses, UDP and TCP both ways, restart on
# the persistent device, stop, --rmtun.
# Usage: translate.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"

lab_up

log "--mktun creates the persistent device"
inx "$NAT64D" --mktun -c "$LAB_DIR/nat64d.conf"
inx ip link show "$TUN_DEV" >/dev/null || fail "--mktun made no device"

log "start"
daemon_start

log "IPv6 host pings ${PREFIX}${HOST4} (RFC 6052 prefix)"
ping_ok in6 "${PREFIX}${HOST4}"
log "IPv4 host pings $HOST6_MAPPED4 (static map to $HOST6)"
ping_ok in4 "$HOST6_MAPPED4"
log "translator answers at $XLAT6 and $XLAT4"
ping_ok in6 "$XLAT6"
ping_ok in4 "$XLAT4"

log "UDP and TCP, IPv6 client -> IPv4 server"
exchange udp in4 0.0.0.0 in6 "${PREFIX}${HOST4}" "$HOST6_MAPPED4"
exchange tcp in4 0.0.0.0 in6 "${PREFIX}${HOST4}" "$HOST6_MAPPED4"
log "UDP and TCP, IPv4 client -> IPv6 server"
exchange udp in6 :: in4 "$HOST6_MAPPED4" "${PREFIX}c000:201"
exchange tcp in6 :: in4 "$HOST6_MAPPED4" "${PREFIX}c000:201"

log "counters through nat64dctl"
CTL="$(dirname "$NAT64D")/nat64dctl"
"$CTL" -s "$LAB_DIR/ctl.sock" stats >"$LAB_DIR/stats"
head -n 8 "$LAB_DIR/stats"
grep -Eq 'packets translated 6to4 +[1-9]' "$LAB_DIR/stats" || fail "stats show no 6to4 packets"
"$CTL" -c "$LAB_DIR/nat64d.conf" metrics > "$LAB_DIR/metrics"
# With the kernel fast path (fast-path on, the default) the daemon may have
# translated none of them itself: either path counts.
grep -Eq '^nat64d_fast_path_packets_total\{instance="'"$TUN_DEV"'",path="(fast|slow)",direction="4to6"\} [1-9]' "$LAB_DIR/metrics" || fail "metrics"
grep -q "$HOST6" <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" mappings)" || fail "mappings lack the static map"
grep -q '^ok' <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" reload)" || fail "reload"
! "$CTL" -s "$LAB_DIR/ctl.sock" frobnicate >/dev/null || fail "unknown request accepted"
ping_ok in6 "${PREFIX}${HOST4}"

log "restart 5 times on the persistent device: it stays"
daemon_stop
for i in 1 2 3 4 5; do
    daemon_start
    daemon_stop
    inx ip link show "$TUN_DEV" >/dev/null || fail "restart $i removed the persistent device"
done
daemon_start
ping_ok in6 "${PREFIX}${HOST4}"
daemon_stop

log "--rmtun removes it"
inx "$NAT64D" --rmtun -c "$LAB_DIR/nat64d.conf"
! inx ip link show "$TUN_DEV" >/dev/null 2>&1 || fail "--rmtun left the device"

log "without --mktun the daemon creates the device and removes it at exit"
daemon_start
ping_ok in6 "${PREFIX}${HOST4}"
daemon_stop
! inx ip link show "$TUN_DEV" >/dev/null 2>&1 || fail "device created by the daemon survived it"
log "PASS"
