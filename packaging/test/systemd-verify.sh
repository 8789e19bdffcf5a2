#!/bin/sh
# Checks packaging/systemd/*.service with `systemd-analyze verify` in a
# scratch root that holds the built nat64d at /usr/sbin/nat64d, the units
# in /etc/systemd/system and a copy of the host's own units (for
# multi-user.target and friends). verify exits 0 on many problems (an
# unknown value is "ignored"), so any message at all is a failure.
# Exits 77 (skipped) where systemd-analyze is not installed.
#
# usage: systemd-verify.sh NAT64D_BINARY UNIT_DIR
set -eu
[ $# -eq 2 ] || { echo "usage: $0 NAT64D_BINARY UNIT_DIR" >&2; exit 2; }
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "skipped: systemd-analyze is not installed"
    exit 77
fi
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-units.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT INT TERM
mkdir -p "$ROOT/usr/sbin" "$ROOT/etc/systemd/system" "$ROOT/etc/nat64d" "$ROOT/lib/systemd"
cp "$1" "$ROOT/usr/sbin/nat64d"
cp "$2/nat64d.service" "$2/nat64d@.service" "$ROOT/etc/systemd/system/"
for dir in /lib/systemd/system /usr/lib/systemd/system; do
    if [ -d "$dir" ]; then cp -r "$dir" "$ROOT/lib/systemd/"; break; fi
done
# --man=no: the man pages are checked by docs_man_pages, not installed here.
out=$(cd "$ROOT" && systemd-analyze verify --man=no --root="$ROOT" nat64d.service nat64d@edge.service 2>&1) || {
    echo "$out"
    echo "FAIL: systemd-analyze verify exited non-zero"
    exit 1
}
if [ -n "$out" ]; then
    echo "$out"
    echo "FAIL: systemd-analyze verify reported problems"
    exit 1
fi
# The directives the service relies on: present, and spelt as
# systemd understands them (verify above would have complained otherwise).
for unit in nat64d.service nat64d@.service; do
    # shellcheck disable=SC2016 # $MAINPID is literal
    for line in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
        'CapabilityBoundingSet=CAP_NET_ADMIN CAP_SETPCAP CAP_BPF CAP_PERFMON' \
        'AmbientCapabilities=CAP_NET_ADMIN CAP_SETPCAP CAP_BPF CAP_PERFMON' 'User=nat64d' 'Group=nat64d' 'DeviceAllow=/dev/net/tun rw' \
        'Restart=on-failure' 'WatchdogSec=30s'; do
        grep -qxF "$line" "$2/$unit" || { echo "FAIL: $unit lacks '$line'"; exit 1; }
    done
done
grep -qxF 'ExecStart=/usr/sbin/nat64d -n -c /etc/nat64d.conf' "$2/nat64d.service" || { echo "FAIL: nat64d.service ExecStart"; exit 1; }
grep -qxF 'ExecStart=/usr/sbin/nat64d -n -c /etc/nat64d/%i.conf' "$2/nat64d@.service" || { echo "FAIL: nat64d@.service ExecStart"; exit 1; }
grep -qxF 'StateDirectory=nat64d/%i' "$2/nat64d@.service" || { echo "FAIL: nat64d@.service StateDirectory"; exit 1; }
echo "PASS: nat64d.service and nat64d@.service verify cleanly"
