#!/bin/bash
# docs/migrating-from-tayga.md, "The switch, step by step", end to end: a
# running TAYGA (Debian's tayga package: /usr/sbin/tayga and its
# /etc/init.d/tayga) swapped for nat64d by the guide's ```sh blocks, run
# in order, as written.
#
#   h6 (2001:db8:6::2, IPv6-only) -- xl (the translator) -- h4 (203.0.113.8)
#
# Before: xl runs TAYGA with the guide's ```tayga block as /etc/tayga.conf,
# started by Debian's init script (CONFIGURE_IFACE="yes"); h6 pings h4, so
# TAYGA leases h6 an address of the pool, and h4 pings that address back.
# Then the guide's blocks. After: h4 reaches h6 at the same address before
# h6 sent anything through nat64d (the lease came over in dynamic.map),
# nat64dctl mappings shows it, and h6 pings h4 again.
#
# xl's commands run in a mount namespace of their own whose /etc, /var and
# /run are overlays on the host's, so the guide's paths (/etc/tayga.conf,
# /var/lib/nat64d, /run/nat64d) are used as written and the host's files
# stay untouched. There, `nat64d` and `nat64dctl` are the built ones, and
# `systemctl` does what systemd does for the two services: tayga.service
# is Debian's init script (systemd's sysv generator), nat64d.service runs
# the ExecStartPre/ExecStart lines of packaging/systemd/nat64d.service with
# $STATE_DIRECTORY and $RUNTIME_DIRECTORY. The package's installation is
# its postinst's /var/lib/nat64d. The guide's 64:ff9b::/96 becomes
# 3fff:6464::/96 (under wkpf-strict the well-known prefix refuses the
# documentation addresses the lab uses, with TAYGA as with nat64d).
#
# Needs root and Debian's tayga; skipped (77) otherwise. Label e2e.
#
# usage: migrate-tayga.sh SOURCE_DIR NAT64D NAT64DCTL
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 SOURCE_DIR NAT64D NAT64DCTL" >&2; exit 2; }
SRC=$(readlink -f "$1")
NAT64D=$(readlink -f "$2")
NAT64DCTL=$(readlink -f "$3")
DOC=$SRC/docs/migrating-from-tayga.md
UNIT=$SRC/packaging/systemd/nat64d.service

if [[ $(id -u) -ne 0 ]]; then echo "skipped: needs root (network and mount namespaces)"; exit 77; fi
[[ -x /usr/sbin/tayga && -x /etc/init.d/tayga ]] || { echo "skipped: Debian's tayga package is not installed"; exit 77; }
for tool in ip ping nsenter unshare start-stop-daemon; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 77; }
done

ID=$$
H6=n64d-mh6-$ID XL=n64d-mxl-$ID H4=n64d-mh4-$ID
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-migrate.XXXXXX")
NAMESPACES=()
SLEEPERS=()
cleanup() {
    local rc=$?
    local pid
    # The translators run inside xl; stop them before xl goes.
    for pid in $(ip netns pids "$XL" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.3
    for pid in $(ip netns pids "$XL" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in "${SLEEPERS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    if [[ $rc -ne 0 ]]; then
        for f in "$WORK"/*.log; do [[ -e $f ]] && { echo "--- $(basename "$f")"; cat "$f"; }; done
    fi
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- the guide's blocks ---------------------------------------------------------
# blocks LANG: the ```LANG blocks of the section "The switch, step by step",
# each de-indented by its fence's indentation, separated by a line "#--".
blocks() {
    awk -v want="$1" '
        /^## / { insec = ($0 == "## The switch, step by step") ; next }
        !insec { next }
        match($0, /^ *```/) {
            fence = $0; sub(/^ */, "", fence)
            if (!inside && fence == "```" want) { inside = 1; ind = RLENGTH - 3; n++; next }
            if (inside && fence == "```") { inside = 0; print "#--"; next }
        }
        inside { print substr($0, ind + 1) }
    ' "$DOC" | sed -e 's/64:ff9b::/3fff:6464::/g'
}
blocks tayga | sed '/^#--$/d' >"$WORK/tayga.conf"
grep -q '^dynamic-pool ' "$WORK/tayga.conf" || fail "no \`\`\`tayga block with a dynamic-pool in $DOC"
mkdir -p "$WORK/steps"
blocks sh | awk -v dir="$WORK/steps" '/^#--$/ { n++; next } { print > sprintf("%s/%02d.sh", dir, n + 1) }'
nsteps=$(find "$WORK/steps" -name '*.sh' | wc -l)
[[ $nsteps -ge 4 ]] || fail "expected the guide's \`\`\`sh blocks, found $nsteps"
POOL=$(awk '$1 == "dynamic-pool" { print $2 }' "$WORK/tayga.conf")
echo "== $DOC: the tayga.conf block (pool $POOL) and $nsteps sh blocks"

# ---- the lab ----------------------------------------------------------------------
source "$(dirname "$(readlink -f "$0")")/netlab.sh"
netns "$H6" "$XL" "$H4"
link "$H6" eth0 "$XL" eth1
link "$XL" eth0 "$H4" eth0
for ns in "$H6" "$XL"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0; done
ip netns exec "$XL" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n "$H6" addr add 2001:db8:6::2/64 dev eth0
ip -n "$H6" route add default via 2001:db8:6::1
ip -n "$XL" addr add 2001:db8:6::1/64 dev eth1
ip -n "$XL" addr add 203.0.113.2/24 dev eth0
ip -n "$H4" addr add 203.0.113.1/24 dev eth0
ip -n "$H4" addr add 203.0.113.8/32 dev lo
ip -n "$H4" route add "$POOL" via 203.0.113.2
# Handles on h6 and h4 for nsenter from inside xl's mount namespace.
for ns in "$H6" "$H4"; do
    ip netns exec "$ns" sleep 600 &
    SLEEPERS+=($!)
    disown $! # killed by the clean-up; no job report
done

# ---- xl: the host that ran TAYGA ---------------------------------------------------
mkdir -p "$WORK/bin"
ln -s "$NAT64D" "$WORK/bin/nat64d"
ln -s "$NAT64DCTL" "$WORK/bin/nat64dctl"
# systemctl ACTION UNIT, for the two services of the guide.
cat >"$WORK/bin/systemctl" <<'EOF'
#!/bin/bash
set -euo pipefail
echo "systemctl $*" >>"$WORK/systemctl.log"
action=$1 now=0 unit=
shift
for a in "$@"; do
    case $a in --now) now=1 ;; -*) echo "systemctl stub: option $a?" >&2; exit 2 ;; *) unit=${a%.service} ;; esac
done
case "$action $unit" in
    "stop tayga") exec /etc/init.d/tayga stop ;;
    "disable tayga") exit 0 ;; # no boot here
    "enable nat64d" | "start nat64d")
        [[ $action == start || $now == 1 ]] || exit 0
        mkdir -p /var/lib/nat64d /run/nat64d
        # The unit's command lines, with the nat64d under test for /usr/sbin/nat64d.
        pre=$(sed -n 's|^ExecStartPre=/usr/sbin/nat64d |nat64d |p' "$UNIT")
        cmd=$(sed -n 's|^ExecStart=/usr/sbin/nat64d |nat64d |p' "$UNIT")
        [[ -n $pre && -n $cmd ]] || { echo "systemctl stub: no ExecStartPre/ExecStart of /usr/sbin/nat64d in $UNIT" >&2; exit 2; }
        export STATE_DIRECTORY=/var/lib/nat64d RUNTIME_DIRECTORY=/run/nat64d
        $pre >/dev/null
        setsid $cmd >>"$WORK/nat64d.log" 2>&1 </dev/null &
        echo $! >"$WORK/nat64d.pid"
        # Type=notify: systemctl returns once the daemon is ready; the
        # control socket is there from then on.
        for i in $(seq 1 100); do
            if compgen -G "/run/nat64d/*.sock" >/dev/null; then exit 0; fi
            kill -0 "$(cat "$WORK/nat64d.pid")" 2>/dev/null || { echo "nat64d exited" >&2; exit 1; }
            sleep 0.1
        done
        echo "nat64d did not come up" >&2; exit 1 ;;
    "stop nat64d")
        pid=$(cat "$WORK/nat64d.pid")
        kill -TERM "$pid"
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
        echo "nat64d did not stop" >&2; exit 1 ;;
    *) echo "systemctl stub: $action $* is not part of the guide" >&2; exit 2 ;;
esac
EOF
chmod +x "$WORK/bin/systemctl"

cat >"$WORK/xl.sh" <<'EOF'
#!/bin/bash
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
# A tayga process in this network namespace (others on the host do not count).
tayga_here() {
    local p
    for p in $(pgrep -x tayga); do
        [[ $(readlink "/proc/$p/ns/net") == "$(readlink /proc/self/ns/net)" ]] && return 0
    done
    return 1
}
h6() { nsenter --net="/proc/$H6PID/ns/net" "$@"; }
h4() { nsenter --net="/proc/$H4PID/ns/net" "$@"; }
ping_ok() {
    local who=$1; shift
    "$who" ping -c 2 -i 0.3 -W 2 -w 6 "$@" >"$WORK/ping.out" 2>&1 || { cat "$WORK/ping.out"; fail "$who: ping $*"; }
    echo "ok: $who: ping $* ($(grep -o '[0-9]* received' "$WORK/ping.out"))"
}

# /etc, /var and /run of this mount namespace only.
mkdir -p "$WORK/ov"
mount -t tmpfs none "$WORK/ov"
for d in etc var run; do
    mkdir -p "$WORK/ov/$d.up" "$WORK/ov/$d.work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$WORK/ov/$d.up,workdir=$WORK/ov/$d.work" "/$d"
done
rm -rf /run/nat64d /var/lib/nat64d /var/spool/tayga /etc/nat64d.conf /run/tayga.pid

echo "== before: TAYGA, started by Debian's init script"
cp "$WORK/tayga.conf" /etc/tayga.conf
cat >/etc/default/tayga <<'DEF'
CONFIGURE_IFACE="yes"
CONFIGURE_NAT44="no"
DAEMON_OPTS=""
IPV4_TUN_ADDR=""
IPV6_TUN_ADDR=""
DEF
/etc/init.d/tayga start >>"$WORK/tayga.log" 2>&1 || fail "/etc/init.d/tayga start"
tayga_here || fail "tayga is not running"
# The address TAYGA leases to h6, as h4 sees it (TAYGA writes dynamic.map
# only every 45 s and at exit).
h4 timeout 10 tcpdump -i eth0 -n -l -c 1 'icmp[icmptype] == icmp-echo and dst host 203.0.113.8' \
    >"$WORK/tcpdump.out" 2>"$WORK/tcpdump.log" &
TCPDUMP=$!
sleep 1
ping_ok h6 3fff:6464::203.0.113.8
wait "$TCPDUMP" || true
LEASE=$(sed -n 's/.* IP \([0-9.]*\) > 203\.0\.113\.8: ICMP echo request.*/\1/p' "$WORK/tcpdump.out" | head -1)
[[ -n $LEASE ]] || { cat "$WORK/tcpdump.out" "$WORK/tcpdump.log"; fail "h4 saw no echo request from the pool"; }
ping_ok h4 "$LEASE" -I 203.0.113.8
echo "ok: TAYGA leased $LEASE to 2001:db8:6::2"

# The package's installation, as far as these steps see it.
mkdir -p /var/lib/nat64d
chmod 0750 /var/lib/nat64d

export PATH="$WORK/bin:$PATH"
for step in "$WORK"/steps/*.sh; do
    echo "== the guide's block $(basename "$step" .sh):"
    sed 's/^/   | /' "$step"
    bash -euo pipefail "$step" >"$WORK/step.out" 2>&1 || { cat "$WORK/step.out"; fail "block $(basename "$step" .sh)"; }
    sed 's/^/   > /' "$WORK/step.out" | head -40
done

grep -qP "^\\Q$LEASE\\E\\t2001:db8:6::2\\t" /var/spool/tayga/dynamic.map ||
    { cat /var/spool/tayga/dynamic.map; fail "TAYGA's dynamic.map lacks $LEASE 2001:db8:6::2 after stop"; }

echo "== after"
if tayga_here; then fail "tayga still running"; fi
grep -q "2001:db8:6::2" "$WORK/step.out" && grep -q "$LEASE" "$WORK/step.out" ||
    fail "nat64dctl mappings (the last block) does not show $LEASE for 2001:db8:6::2"
# h4 first: the lease works before h6 sent anything through nat64d.
ping_ok h4 "$LEASE" -I 203.0.113.8
ping_ok h6 3fff:6464::203.0.113.8
grep -q "dynamic.map: 1 lease restored" "$WORK/nat64d.log" || fail "nat64d did not report the restored lease"
echo "ok: nat64d kept TAYGA's lease $LEASE for 2001:db8:6::2"
systemctl stop nat64d
awk '$2 == "2001:db8:6::2" { print $1 }' /var/lib/nat64d/dynamic.map | grep -qx "$LEASE" ||
    fail "nat64d's dynamic.map lost the lease"
echo "ok: stopped; /var/lib/nat64d/dynamic.map still holds $LEASE"
EOF
export WORK UNIT H6PID=${SLEEPERS[0]} H4PID=${SLEEPERS[1]}
ip netns exec "$XL" unshare --mount --propagation private bash "$WORK/xl.sh"
echo "PASS"
