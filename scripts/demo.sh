#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs dependencies, builds,
# and runs nat64d in a throwaway lab of network namespaces — an IPv6-only
# host pings 3fff:6464::192.0.2.1 through the translator to an IPv4-only
# host at 192.0.2.1, and that host pings the IPv6 host's mapped address.
# Everything it creates is removed at the end, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
NAT64D=$(readlink -f "${BUILD_DIR:-build}/src/daemon/nat64d")
source test/e2e/lib.sh
lab_up

log "configuration (TAYGA syntax):"
sed 's/^/    /' "$LAB_DIR/nat64d.conf"
log "nat64d --check-config"
inx "$NAT64D" --check-config -c "$LAB_DIR/nat64d.conf" | grep -v '^#' | sed 's/^/    /'
log "starting nat64d in namespace $NSX"
daemon_start
log "IPv6-only host ($HOST6): ping ${PREFIX}${HOST4}"
in6 ping -c 4 -i 0.3 -W 2 -w 6 "${PREFIX}${HOST4}"
log "IPv4-only host ($HOST4): ping $HOST6_MAPPED4 (the IPv6 host's mapped address)"
in4 ping -c 4 -i 0.3 -W 2 -w 6 "$HOST6_MAPPED4"
log "the translator itself answers at $XLAT6 and $XLAT4"
in6 ping -c 2 -i 0.3 -W 2 -w 4 "$XLAT6" | tail -n 2
in4 ping -c 2 -i 0.3 -W 2 -w 4 "$XLAT4" | tail -n 2
kill -USR1 "$DAEMON_PID"
sleep 0.3
daemon_stop
log "nat64d log:"
sed 's/^/    /' "$LAB_DIR/nat64d.log"
log "demo done; removing the lab"
