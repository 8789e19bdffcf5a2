#!/bin/bash
# The Debian package, end to end (CI; ctest label "package"):
#   scripts/build-deb.sh (dpkg-buildpackage -us -uc -b)
#   -> lintian on the .changes (the .deb, its dbgsym, the .buildinfo): any
#      error or warning fails; overrides only in packaging/debian/*.lintian-overrides
#   -> the .deb holds everything `cmake --install` installs
#   -> dpkg -i: the nat64d system user, /var/lib/nat64d (nat64d:nat64d 0750),
#      the units (User=nat64d, ambient CAP_NET_ADMIN and CAP_SETPCAP only),
#      sysusers.d, conffile, man pages
#   -> hardening-check on every installed ELF file
#   -> the installed nat64d run as the unit runs it (user nat64d, ambient
#      capabilities, foreground) in a network namespace, on documentation
#      addresses: it holds no capability once running (/proc/PID/task/*/status),
#      answers ping on its own addresses, translates a ping through a
#      dynamic-pool lease and, after SIGHUP, through a new mapping (the
#      source IPv6 is mapped: 198.51.100.200), and saves dynamic.map in
#      /var/lib/nat64d at stop
#   -> dpkg -r (conffile and state kept) -> dpkg -P (nothing left but the
#      nat64d user, which Debian keeps on purge; this test then removes it
#      when it was not there before).
# The machine is left as it was found, also on failure. Skipped (exit 77)
# when not root, without the Debian tools, or when the machine already has
# a nat64d package or an /etc/nat64d.conf of its own.
#
# DEB_BUILD_OPTIONS defaults to nocheck here (the unit tests run in their
# own ctest entries); set it to "" to build and run them inside the package
# build too.
#
# usage: deb-package.sh SOURCE_DIR BUILD_DIR VERSION
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/netlab.sh"  # stop_processes
[[ $# -eq 3 ]] || { echo "usage: $0 SOURCE_DIR BUILD_DIR VERSION" >&2; exit 2; }
SRC=$(readlink -f "$1")
BUILD=$(readlink -f "$2")
VERSION=$3

skip() { echo "skipped: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "installing a package needs root"
for tool in dpkg-buildpackage dh lintian hardening-check setpriv ip ping; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (scripts/install-deps.sh)"
done
if dpkg-query -W -f='${Status}' nat64d 2>/dev/null | grep -qv 'not-installed'; then
    skip "a nat64d package is already installed here"
fi
[[ ! -e /etc/nat64d.conf ]] || skip "/etc/nat64d.conf exists and is not ours"
[[ ! -e /var/lib/nat64d ]] || skip "/var/lib/nat64d exists and is not ours"
USER_BEFORE=0
getent passwd nat64d >/dev/null && USER_BEFORE=1

ID=$$
NS=n64d-pkg-$ID
TUN=$(printf '%.15s' "n64pkg$ID")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-deb.XXXXXX")
chmod 0755 "$WORK" # the daemon, as user nat64d, reads its configuration here
installed=0
DAEMON=
cleanup() {
    local rc=$?
    if [[ -n $DAEMON ]]; then stop_processes "$DAEMON"; fi
    if [[ $rc -ne 0 && -f $WORK/daemon.log ]]; then echo "--- nat64d log"; cat "$WORK/daemon.log"; fi
    ip netns del "$NS" 2>/dev/null || true
    if [[ $installed == 1 ]]; then dpkg --purge nat64d >/dev/null 2>&1 || true; fi
    if [[ $USER_BEFORE == 0 ]] && getent passwd nat64d >/dev/null; then
        deluser --system --quiet nat64d >/dev/null 2>&1 || true
        getent group nat64d >/dev/null && { delgroup --system --quiet nat64d >/dev/null 2>&1 || true; }
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# What may be left after purge: files named after the package in the
# places a package installs to or its scripts write to.
leftovers() {
    find /etc /var/lib /var/log /lib/systemd /usr/lib/systemd /usr/sbin /usr/bin /usr/share/doc /usr/share/man \
        /usr/share/lintian/overrides -name '*nat64d*' 2>/dev/null | sort
}
leftovers >"$WORK/before"

step "scripts/build-deb.sh"
start=$(date +%s)
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck}
DEB_OUT=$BUILD/deb "$SRC/scripts/build-deb.sh" >"$WORK/build.log" 2>&1 || { tail -50 "$WORK/build.log"; fail "build-deb.sh"; }
DEB=$(tail -1 "$WORK/build.log")
CHANGES=${DEB%.deb}.changes
[[ -f $DEB && -f $CHANGES ]] || fail "no .deb/.changes: $DEB"
echo "$DEB ($(($(date +%s) - start)) s, DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
# The hardening flags reached the compiler and the linker.
for flag in -D_FORTIFY_SOURCE=2 -fstack-protector-strong; do
    grep -F -- '-c ' "$WORK/build.log" | grep -F 'src/daemon/main.cpp' | grep -q -- " $flag " ||
        fail "main.cpp compiled without $flag"
done
grep -E -- '-o nat64d( |$)' "$WORK/build.log" | grep -q -- '-Wl,-z,now' || fail "nat64d linked without -Wl,-z,now"
echo "ok: -D_FORTIFY_SOURCE=2, -fstack-protector-strong, -Wl,-z,now on the compile and link lines"

step "lintian $(basename "$CHANGES")"
# Info and pedantic tags are shown; errors and warnings fail.
if ! lintian -I -E --pedantic --fail-on error,warning "$CHANGES" >"$WORK/lintian" 2>"$WORK/lintian.err"; then
    cat "$WORK/lintian" "$WORK/lintian.err"
    fail "lintian"
fi
grep -v 'running with root privileges' "$WORK/lintian.err" >&2 || true
if [[ -s $WORK/lintian ]]; then cat "$WORK/lintian"; fi
if grep -E '^[EW]: ' "$WORK/lintian"; then fail "lintian reports errors or warnings"; fi
echo "ok: no error, no warning ($(wc -l <"$WORK/lintian") info/pedantic lines)"

step "the .deb holds what cmake --install installs"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$WORK/files"
OBJ=$(ls -d "$BUILD/deb/nat64d-$VERSION"/obj-*)
DESTDIR=$WORK/staging cmake --install "$OBJ" --prefix /usr >/dev/null
(cd "$WORK/staging" && find . ! -type d | sed 's|^\.||' | sort) >"$WORK/installed"
[[ -s $WORK/installed ]] || fail "cmake --install installed nothing"
while read -r f; do
    # dh_compress gzips documents under /usr/share/doc.
    grep -qxF "$f" "$WORK/files" || grep -qxF "$f.gz" "$WORK/files" || fail "$f (cmake --install) is not in the package"
done <"$WORK/installed"
echo "ok: all $(wc -l <"$WORK/installed") files"
for f in /usr/share/doc/nat64d/copyright /usr/share/doc/nat64d/changelog.gz; do
    grep -qxF "$f" "$WORK/files" || fail "$f is not in the package"
done
dpkg-deb --info "$DEB" conffiles | grep -qx /etc/nat64d.conf || fail "/etc/nat64d.conf is not a conffile"
[[ $(dpkg-deb -f "$DEB" Version) == "$VERSION" ]] || fail "Version $(dpkg-deb -f "$DEB" Version), project $VERSION"
dpkg-deb -f "$DEB" Depends | grep -q adduser || fail "Depends lacks adduser"

step "dpkg -i"
installed=1
dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i"; }
dpkg-query -W -f='${Status}\n' nat64d | grep -qx 'install ok installed' || fail "not installed"
uid=$(id -u nat64d) || fail "no user nat64d"
[[ $uid -lt 1000 ]] || fail "nat64d is not a system user (uid $uid)"
[[ $(getent passwd nat64d | cut -d: -f7) == /usr/sbin/nologin ]] || fail "nat64d has a login shell"
[[ $(stat -c '%U:%G %a' /var/lib/nat64d) == "nat64d:nat64d 750" ]] || fail "/var/lib/nat64d: $(stat -c '%U:%G %a' /var/lib/nat64d)"
echo "ok: user nat64d (uid $uid, nologin), /var/lib/nat64d nat64d:nat64d 0750"
UNIT=/lib/systemd/system/nat64d.service
for u in "$UNIT" /lib/systemd/system/nat64d@.service; do
    for line in User=nat64d Group=nat64d 'AmbientCapabilities=CAP_NET_ADMIN CAP_SETPCAP CAP_BPF CAP_PERFMON' \
        'CapabilityBoundingSet=CAP_NET_ADMIN CAP_SETPCAP CAP_BPF CAP_PERFMON' NoNewPrivileges=yes \
        'ExecStart=/usr/sbin/nat64d -n -c /etc/nat64d.conf'; do
        [[ $u == *@* && $line == ExecStart=* ]] && line='ExecStart=/usr/sbin/nat64d -n -c /etc/nat64d/%i.conf'
        grep -qxF "$line" "$u" || fail "$u lacks '$line'"
    done
done
echo "ok: the units run /usr/sbin/nat64d as nat64d with CAP_NET_ADMIN and CAP_SETPCAP only"
grep -qx 'u nat64d - "nat64d translator" /var/lib/nat64d /usr/sbin/nologin' /usr/lib/sysusers.d/nat64d.conf ||
    fail "/usr/lib/sysusers.d/nat64d.conf does not make the user nat64d"
echo "ok: /usr/lib/sysusers.d/nat64d.conf"
[[ $(/usr/sbin/nat64d --version) == "nat64d $VERSION" ]] || fail "nat64d --version"
/usr/sbin/nat64d --check-config -c /etc/nat64d.conf >/dev/null || fail "the installed /etc/nat64d.conf is refused"
/usr/sbin/nat64dctl --help >/dev/null || fail "nat64dctl --help"
if command -v man >/dev/null; then
    for page in 8:nat64d 5:nat64d.conf 8:nat64dctl; do man -w "${page%%:*}" "${page#*:}" >/dev/null || fail "man page $page"; done
fi
echo "ok: nat64d --version, --check-config /etc/nat64d.conf, nat64dctl, man pages"

step "hardening-check"
mapfile -t elves < <(dpkg -L nat64d | while read -r f; do
    [[ -f $f && ! -L $f ]] && [[ $(head -c 4 "$f" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] && echo "$f"
done)
[[ ${#elves[@]} -ge 2 ]] || fail "expected nat64d and nat64dctl, found: ${elves[*]}"
# Control flow integrity is the x86 IBT/SHSTK property, which the linker
# sets only when every object has it. The C library's start files
# (Scrt1.o, crti.o) of Debian 12 do not, so no program linked there carries
# it (not /usr/bin/ls either), whatever the flags (the package compiles
# with -fcf-protection). The check is skipped only while that is so.
hc_opts=()
scrt=$(gcc -print-file-name=Scrt1.o 2>/dev/null || true)
if [[ $(uname -m) == x86_64 ]] && ! readelf -n "$scrt" 2>/dev/null | grep -q 'x86 feature: IBT, SHSTK'; then
    hc_opts+=(--nocfprotection)
    echo "note: $scrt has no IBT/SHSTK property: control flow integrity not required"
fi
hardening-check "${hc_opts[@]}" "${elves[@]}" || fail "hardening-check"
echo "ok: hardening-check ${hc_opts[*]} ${elves[*]}"

step "the installed nat64d, run as its unit runs it, in namespace $NS"
run_user=$(sed -n 's/^User=//p' "$UNIT")
run_group=$(sed -n 's/^Group=//p' "$UNIT")
caps=$(sed -n 's/^AmbientCapabilities=//p' "$UNIT" | tr '[:upper:]' '[:lower:]' | sed 's/cap_/+/g; s/ /,/g')
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
# The "IPv4 Internet" host 203.0.113.8 is this namespace itself.
ip -n "$NS" addr add 203.0.113.8/32 dev lo
cat >"$WORK/pkg.conf" <<EOF
tun-device $TUN
ipv4-addr 192.0.2.1
prefix 3fff:6464::/96
dynamic-pool 198.51.100.0/24
tun-up yes
tun-ip 192.0.2.2
tun-ip 2001:db8:1::2
tun-route 192.0.2.1/32
tun-route 3fff:6464::/96
tun-route 198.51.100.0/24
EOF
chmod 0644 "$WORK/pkg.conf"
install -d -o "$run_user" -g "$run_group" -m 0755 "$WORK/run"
# The unit's identity: user, group, capabilities.
# shellcheck disable=SC2054 # the commas belong to setpriv's capability lists
as_unit=(setpriv --reuid="$run_user" --regid="$run_group" --clear-groups
    --inh-caps="$caps" --ambient-caps="$caps" --bounding-set=-all,"$caps")
{
    echo '#!/bin/sh'
    echo 'set -e'
    # udev makes /dev/net/tun mode 0666 on Debian (its static_node rule),
    # which the unprivileged daemon needs. A container without udev may
    # have 0600: then the daemon's own mount namespace gets a node as udev
    # makes it; the host's node is left alone.
    if ! "${as_unit[@]}" sh -c 'exec 3<>/dev/net/tun' 2>/dev/null; then
        echo "note: /dev/net/tun is mode $(stat -c %a /dev/net/tun) here, not udev's 0666: a 0666 node for the daemon" >&2
        echo "mkdir -p '$WORK/dev' && mount -t tmpfs -o mode=0755 none '$WORK/dev'"
        echo "mknod -m 0666 '$WORK/dev/tun' c 10 200 && mount --bind '$WORK/dev/tun' /dev/net/tun"
    fi
    # systemd's environment for the unit: $STATE_DIRECTORY (the default
    # data-dir) and $RUNTIME_DIRECTORY (the control socket's directory).
    echo "exec env STATE_DIRECTORY=/var/lib/nat64d RUNTIME_DIRECTORY='$WORK/run' ${as_unit[*]} /usr/sbin/nat64d -n -c '$WORK/pkg.conf'"
} >"$WORK/launch.sh"
# ip netns exec, unshare and the script exec: $! is the daemon.
ip netns exec "$NS" unshare --mount --propagation private sh "$WORK/launch.sh" >"$WORK/daemon.log" 2>&1 &
DAEMON=$!
# Outside the initial network namespace the default control socket is
# named after the namespace (nat64d.conf(5), control-socket).
SOCK="$WORK/run/$TUN@net-$(stat -L -c %i "/run/netns/$NS").sock"
for i in $(seq 1 100); do
    [[ -S $SOCK ]] && break
    kill -0 "$DAEMON" 2>/dev/null || fail "nat64d exited"
    [[ $i -lt 100 ]] || fail "nat64d did not come up in 10 s"
    sleep 0.1
done
[[ $(stat -c %U "/proc/$DAEMON") == "$run_user" ]] || fail "nat64d does not run as $run_user"
echo "ok: nat64d runs as $run_user ($(grep -o 'translating on .*' "$WORK/daemon.log"))"
# Once it translates, the daemon holds no capability in any thread: the
# two ambient ones served start-up only (nat64d(8), SECURITY).
for st in /proc/"$DAEMON"/task/*/status; do
    for field in CapEff CapPrm CapInh CapAmb CapBnd; do
        [[ $(sed -n "s/^$field:[[:space:]]*//p" "$st") == 0000000000000000 ]] ||
            fail "$st: $(grep "^$field:" "$st") (expected none)"
    done
    [[ $(sed -n 's/^NoNewPrivs:[[:space:]]*//p' "$st") == 1 ]] || fail "$st: NoNewPrivs not set"
done
echo "ok: no capability left (CapEff, CapPrm, CapInh, CapAmb, CapBnd 0) and NoNewPrivs in $(ls /proc/"$DAEMON"/task | wc -l) threads"
ping_ok() {
    ip netns exec "$NS" ping -c 2 -i 0.3 -W 2 -w 6 "$@" >"$WORK/ping.out" 2>&1 || { cat "$WORK/ping.out"; fail "ping $*"; }
    echo "ok: ping $* ($(grep -o '[0-9]* received' "$WORK/ping.out"))"
}
ping_ok 192.0.2.1
ping_ok 3fff:6464::192.0.2.1
# 2001:db8:1::2 has no map: it leases from the dynamic pool.
ping_ok -I 2001:db8:1::2 3fff:6464::203.0.113.8
# A reload by SIGHUP, without any capability: a new mapping translates.
echo "map 198.51.100.200 2001:db8:1::3" >>"$WORK/pkg.conf"
ip -n "$NS" addr add 2001:db8:1::3/128 dev lo
kill -HUP "$DAEMON"
for i in $(seq 1 50); do
    grep -q 'reload done' "$WORK/daemon.log" && break
    [[ $i -lt 50 ]] || fail "no reload 5 s after SIGHUP"
    sleep 0.1
done
ping_ok -I 2001:db8:1::3 3fff:6464::203.0.113.8
kill -TERM "$DAEMON"
rc=0
wait "$DAEMON" || rc=$?
DAEMON=
[[ $rc -eq 0 ]] || fail "nat64d exited with $rc on SIGTERM"
[[ -f /var/lib/nat64d/dynamic.map ]] || fail "no /var/lib/nat64d/dynamic.map after stop"
[[ $(stat -c %U /var/lib/nat64d/dynamic.map) == "$run_user" ]] || fail "dynamic.map not written by $run_user"
grep -qE '^198\.51\.100\.[0-9]+[[:space:]]+2001:db8:1::2[[:space:]]' /var/lib/nat64d/dynamic.map ||
    { cat /var/lib/nat64d/dynamic.map; fail "the lease of 2001:db8:1::2 is not in dynamic.map"; }
[[ ! -e $SOCK ]] || fail "control socket left behind"
echo "ok: stopped; dynamic.map saved by $run_user: $(cut -f1,2 /var/lib/nat64d/dynamic.map | tr '\t\n' '  ')"
ip netns del "$NS"

step "dpkg -r"
dpkg -r nat64d >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -r"; }
[[ ! -e /usr/sbin/nat64d && ! -e $UNIT ]] || fail "files left after dpkg -r"
[[ -f /etc/nat64d.conf ]] || fail "dpkg -r removed the conffile"
[[ -f /var/lib/nat64d/dynamic.map ]] || fail "dpkg -r removed the state"
dpkg-query -W -f='${Status}\n' nat64d | grep -qx 'deinstall ok config-files' || fail "unexpected state after dpkg -r"
echo "ok: programs gone; /etc/nat64d.conf and /var/lib/nat64d kept"

step "dpkg -P"
dpkg -P nat64d >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -P"; }
installed=0
if dpkg-query -W -f='${Status}' nat64d 2>/dev/null | grep -qv 'not-installed'; then fail "package still known after purge"; fi
while read -r f; do
    [[ $f == */ ]] && continue
    [[ ! -e $f ]] || fail "$f left after purge"
done <"$WORK/files"
[[ ! -e /var/lib/nat64d ]] || fail "/var/lib/nat64d left after purge"
leftovers >"$WORK/after"
if ! diff "$WORK/before" "$WORK/after"; then fail "left after purge (above)"; fi
getent passwd nat64d >/dev/null || fail "purge removed the nat64d user (Debian keeps system users)"
echo "ok: nothing left but the user nat64d (kept on purge, as Debian does)"
echo "PASS"
