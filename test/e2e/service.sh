#!/usr/bin/env bash
# Daemon mode as a service manager runs it: detached, -u nobody, -p PIDFILE;
# translates as nobody (a dynamic lease too), answers nat64dctl, reloads on
# request, stops on SIGTERM sent through the pidfile, removes the pidfile and
# leaves dynamic.map written; it holds no capability while it runs. Then the
# same with -r (chroot to data-dir): map-file reload and dynamic.map still work.
# Usage: service.sh PATH/TO/nat64d
NAT64D=$1
source "$(dirname "$0")/lib.sh"
CTL="$(dirname "$NAT64D")/nat64dctl"
lab_up
# As systemd's RuntimeDirectory= with User=: a directory the daemon's user
# owns, so that it can remove its pidfile and socket after dropping root.
RUN="$LAB_DIR/run"
mkdir "$RUN"
chown nobody "$RUN"
chmod 755 "$LAB_DIR"
PIDFILE="$RUN/nat64d.pid"
sed -i "s|^control-socket .*|control-socket $RUN/ctl.sock|" "$LAB_DIR/nat64d.conf"
DATA="$LAB_DIR/data"
mkdir "$DATA"
chown nobody "$DATA"
ip -n "$NS6" addr add 2001:db8:6::77/64 dev v6h nodad
ip -n "$NS6" addr add 2001:db8:6::3/64 dev v6h nodad
ip -n "$NS6" addr add 2001:db8:6::4/64 dev v6h nodad
cat >> "$LAB_DIR/nat64d.conf" <<CONF
metrics-file $RUN/nat64d.prom
dynamic-pool 198.51.100.128/25
data-dir $DATA
CONF

log "start detached as nobody"
inx "$NAT64D" -c "$LAB_DIR/nat64d.conf" -u nobody -p "$PIDFILE"
[[ -s "$PIDFILE" ]] || fail "no pidfile"
DAEMON_PID=$(cat "$PIDFILE")
[[ $(stat -c %a "$PIDFILE") == 644 ]] || fail "pidfile mode $(stat -c %a "$PIDFILE")"
kill -0 "$DAEMON_PID" || fail "pid $DAEMON_PID from the pidfile is not running"
[[ $(ps -o user= -p "$DAEMON_PID") == nobody ]] || fail "daemon runs as $(ps -o user= -p "$DAEMON_PID")"
[[ $(ps -o sid= -p "$DAEMON_PID" | tr -d ' ') != "$DAEMON_PID" ]] || fail "daemon is a session leader (no double fork)"
[[ $(readlink "/proc/$DAEMON_PID/fd/0") == /dev/null ]] || fail "stdin not /dev/null"
# Least privilege (privileges.sh has every way of starting): nothing kept.
grep -Eq '^CapEff:[[:space:]]+0+$' "/proc/$DAEMON_PID/status" || fail "capabilities kept: $(grep ^CapEff "/proc/$DAEMON_PID/status")"
grep -Eq '^CapBnd:[[:space:]]+0+$' "/proc/$DAEMON_PID/status" || fail "bounding set kept: $(grep ^CapBnd "/proc/$DAEMON_PID/status")"
grep -Eq '^NoNewPrivs:[[:space:]]+1$' "/proc/$DAEMON_PID/status" || fail "no_new_privs not set"

log "translates as nobody"
for _ in $(seq 1 50); do in4 ping -c1 -W1 -q "$XLAT4" >/dev/null 2>&1 && break; sleep 0.1; done
ping_ok in6 "${PREFIX}${HOST4}" -I "$HOST6"  # the host has more addresses: pick the mapped one
ping_ok in4 "$HOST6_MAPPED4"
in6 ping -c 2 -i 0.2 -W 2 -w 4 -I 2001:db8:6::77 "${PREFIX}${HOST4}" >/dev/null || fail "unmapped host got no lease"

log "nat64dctl"
[[ $(stat -c '%a %U' "$RUN/ctl.sock") == "660 root" ]] || fail "control socket $(stat -c '%a %U' "$RUN/ctl.sock")"
grep -q "pid $DAEMON_PID" <<<"$("$CTL" -s "$RUN/ctl.sock" status | tee /dev/stderr)" || fail "status"
grep -q '"packets":{"4to6":[1-9]' <<<"$("$CTL" -s "$RUN/ctl.sock" stats --json)" || fail "stats --json"
grep -q "\"ipv6\":\"$HOST6/128\"" <<<"$("$CTL" -s "$RUN/ctl.sock" mappings --json)" || fail "mappings --json"
grep -q '^dynamic .*2001:db8:6::77 .*active' <<<"$("$CTL" -s "$RUN/ctl.sock" mappings)" || fail "mappings lack the lease"
grep -qx "nat64d_workers{instance=\"$TUN_DEV\"} 2" <<<"$("$CTL" -s "$RUN/ctl.sock" metrics)" || fail "metrics"

log "metrics-file written for node_exporter"
[[ -s "$RUN/nat64d.prom" ]] || fail "no metrics-file"
grep -q '^# TYPE nat64d_translated_packets_total counter$' "$RUN/nat64d.prom" || fail "metrics-file content"

log "reload on request, with a new mapping"
echo "map 198.51.100.3 2001:db8:6::3" >> "$LAB_DIR/nat64d.conf"
grep -q '^ok: reloaded' <<<"$("$CTL" -s "$RUN/ctl.sock" reload)" || fail "reload"
grep -q '2001:db8:6::3' <<<"$("$CTL" -s "$RUN/ctl.sock" mappings)" || fail "reloaded mapping missing"
grep -qx "nat64d_reloads_total{instance=\"$TUN_DEV\",result=\"ok\"} 1" <<<"$("$CTL" -s "$RUN/ctl.sock" metrics)" || fail "reload not counted"
echo "map 198.51.100.300 2001:db8:6::4" >> "$LAB_DIR/nat64d.conf"
! "$CTL" -s "$RUN/ctl.sock" reload >/dev/null || fail "bad configuration accepted on reload"
ping_ok in6 "${PREFIX}${HOST4}" -I "$HOST6"  # the host has more addresses: pick the mapped one

log "SIGTERM through the pidfile"
kill -TERM "$(cat "$PIDFILE")"
for _ in $(seq 1 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon still running 5 s after SIGTERM"
DAEMON_PID=
[[ ! -e "$RUN/ctl.sock" ]] || fail "control socket left behind"
[[ ! -e "$PIDFILE" ]] || fail "pidfile left behind"
grep -Eq '^nat64d_fast_path_packets_total\{instance="'"$TUN_DEV"'",path="(fast|slow)",direction="6to4"\} [1-9]' "$RUN/nat64d.prom" \
    || fail "final metrics-file lacks the counts"
grep -qP "^198\.51\.100\.\d+\t2001:db8:6::77\t\d+$" "$DATA/dynamic.map" || fail "dynamic.map lacks the lease"

log "-r: chrooted to data-dir, as nobody; map-file and dynamic.map still work"
sed -i -e '/^metrics-file/d' -e '/198.51.100.300/d' "$LAB_DIR/nat64d.conf"  # outside the chroot; the bad line
echo "map-file maps.conf" >> "$LAB_DIR/nat64d.conf"    # relative: inside data-dir
: > "$DATA/maps.conf"
sanitizer_chroot "$DATA"
inx "$NAT64D" -c "$LAB_DIR/nat64d.conf" -u nobody -r -p "$PIDFILE"
DAEMON_PID=$(cat "$PIDFILE")
[[ $(readlink "/proc/$DAEMON_PID/root") == "$DATA" ]] || fail "not chrooted to $DATA: $(readlink "/proc/$DAEMON_PID/root")"
for _ in $(seq 1 50); do in4 ping -c1 -W1 -q "$XLAT4" >/dev/null 2>&1 && break; sleep 0.1; done
grep -q '^dynamic .*2001:db8:6::77 .*active' <<<"$("$CTL" -s "$RUN/ctl.sock" mappings)" || fail "lease not restored in the chroot"
echo "map 198.51.100.4 2001:db8:6::4" > "$DATA/maps.conf"
grep -q '^ok: reloaded' <<<"$("$CTL" -s "$RUN/ctl.sock" reload)" || fail "reload in the chroot"
ping_ok in4 198.51.100.4
kill -TERM "$DAEMON_PID"
for _ in $(seq 1 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$DAEMON_PID" 2>/dev/null || fail "chrooted daemon still running 5 s after SIGTERM"
DAEMON_PID=
[[ ! -e "$PIDFILE" && ! -e "$RUN/ctl.sock" ]] || fail "pidfile or socket left behind by the chrooted daemon"
grep -qP "^198\.51\.100\.\d+\t2001:db8:6::77\t\d+$" "$DATA/dynamic.map" || fail "dynamic.map lost in the chroot"
log "PASS"
