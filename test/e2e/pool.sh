#!/usr/bin/env bash
# Dynamic pool end to end: an unmapped IPv6 host gets a lease, is reachable
# from IPv4 at that address, and keeps it across a daemon restart
# (dynamic.map); a dynamic.map written in TAYGA's format loads unchanged.
# Usage: pool.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"
lab_up
ip -n "$NS6" addr add 2001:db8:6::77/64 dev v6h nodad
ip -n "$NS6" addr add 2001:db8:6::78/64 dev v6h nodad
mkdir "$LAB_DIR/data"
cat >> "$LAB_DIR/nat64d.conf" <<CONF
dynamic-pool 198.51.100.128/25
data-dir $LAB_DIR/data
log dyn
CONF
# A lease as TAYGA 0.9.2 writes it, used 10 minutes ago.
cat > "$LAB_DIR/data/dynamic.map" <<MAP
###
###
### TAYGA dynamic map database
###
### You can edit this (carefully!) as long as TAYGA is not running.
###
### Last written: $(date -u)
###
###

198.51.100.200	2001:db8:6::78	$(( $(date +%s) - 600 ))
MAP

daemon_start
log "the lease from TAYGA's dynamic.map is active: IPv4 reaches 2001:db8:6::78"
ping_ok in4 198.51.100.200

log "an unmapped IPv6 host gets a lease"
out=$(in6 ping -c 3 -i 0.2 -W 2 -w 5 -I 2001:db8:6::77 "${PREFIX}${HOST4}" 2>&1) || { echo "$out"; fail "ping from the unmapped host"; }
"$CTL" -s "$LAB_DIR/ctl.sock" mappings | tee "$LAB_DIR/mappings"
LEASE=$(awk '$1 == "dynamic" && $3 == "2001:db8:6::77" { print $2 }' "$LAB_DIR/mappings")
[[ -n "$LEASE" ]] || fail "no lease for 2001:db8:6::77"
# TAYGA's choice: little-endian words of 2001:db8:6::77 summed and folded
# into the 7 host bits give offset 109, and .128 + 109 is free.
[[ "$LEASE" == 198.51.100.237 ]] || fail "lease $LEASE is not TAYGA's choice 198.51.100.237"
# The pool queues `log dyn` events and the daemon logs them on its
# one-second maintenance tick: wait up to 3 s for the line.
logged=0
for _ in $(seq 1 30); do
    grep -q "assigned new pool address $LEASE (2001:db8:6::77)" "$LAB_DIR/nat64d.log" && { logged=1; break; }
    sleep 0.1
done
[[ $logged -eq 1 ]] || fail "log dyn did not log the assignment"
log "IPv4 host reaches the lease $LEASE"
ping_ok in4 "$LEASE"

log "restart: dynamic.map is written at exit and the lease survives"
daemon_stop
grep -qP "^$LEASE\t2001:db8:6::77\t[0-9]+$" "$LAB_DIR/data/dynamic.map" || { cat "$LAB_DIR/data/dynamic.map"; fail "lease not in dynamic.map"; }
daemon_start
ping_ok in4 "$LEASE"
grep -q "^dynamic $LEASE .*2001:db8:6::77 .*active" <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" mappings)" || fail "lease not restored"
"$CTL" -s "$LAB_DIR/ctl.sock" stats | grep -Eq 'dynamic leases active +2' || fail "stats do not count the leases"

log "a static map of the leased address revokes the lease on reload, and is counted"
echo "map $LEASE 2001:db8:6::99" >> "$LAB_DIR/nat64d.conf"
grep -q '^ok' <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" reload)" || fail "reload with the new map"
grep -q "^dynamic $LEASE " <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" mappings)" && fail "the lease of $LEASE survived the static map"
# The pool's events are counted on the daemon's one-second tick.
revoked=0
for _ in $(seq 1 30); do
    "$CTL" -s "$LAB_DIR/ctl.sock" stats | grep -Eq '^dynamic leases revoked +1$' && { revoked=1; break; }
    sleep 0.1
done
[[ $revoked -eq 1 ]] || { "$CTL" -s "$LAB_DIR/ctl.sock" stats >&2; fail "revoked lease not counted"; }
grep -q '^nat64d_dynamic_leases_revoked_total{instance="[^"]*"} 1$' <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" metrics)" ||
    fail "revoked lease not in the metrics"
grep -q '^nat64d_dynamic_map_save_failures_total{instance="[^"]*"} 0$' <<<"$("$CTL" -s "$LAB_DIR/ctl.sock" metrics)" ||
    fail "dynamic.map save failures not in the metrics"
daemon_stop
log "PASS"
