#!/bin/sh
# The Debian package, end to end (CI; ctest label "package"):
#   cpack -G DEB  ->  dpkg-deb -c / -I checks  ->  dpkg -i  ->  nat64d --version,
#   nat64d --check-config -c /etc/nat64d.conf, man -w  ->  dpkg -r (conffile
#   kept)  ->  dpkg -P (all gone).
# The machine is left as it was found, also on failure. Skipped (exit 77)
# when not root, without dpkg, or when the machine already has a nat64d
# package or an /etc/nat64d.conf of its own, which this test must not touch.
#
# usage: deb-install.sh BUILD_DIR VERSION
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR VERSION" >&2; exit 2; }
BUILD=$(readlink -f "$1")
VERSION=$2

skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "installing a package needs root"
{ command -v dpkg && command -v cpack; } >/dev/null 2>&1 || skip "dpkg or cpack not installed"
if dpkg-query -W -f='${Status}' nat64d 2>/dev/null | grep -qv 'not-installed'; then
    skip "a nat64d package is already installed here"
fi
[ ! -e /etc/nat64d.conf ] || skip "/etc/nat64d.conf exists and is not ours"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-deb.XXXXXX")
installed=0
cleanup() {
    rc=$?
    if [ "$installed" = 1 ]; then dpkg --purge nat64d >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cpack -G DEB"
(cd "$WORK" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/out") >"$WORK/cpack.log" 2>&1 ||
    { cat "$WORK/cpack.log"; fail "cpack"; }
ARCH=$(dpkg --print-architecture)
DEB=$WORK/out/nat64d_${VERSION}_${ARCH}.deb
[ -f "$DEB" ] || { ls -l "$WORK/out"; fail "no $DEB"; }
echo "$DEB"

step "dpkg-deb -c"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$WORK/files"
HAS_CTL=0
grep -qx /usr/sbin/nat64dctl "$WORK/files" && HAS_CTL=1
for f in /usr/sbin/nat64d /etc/nat64d.conf /lib/systemd/system/nat64d.service /lib/systemd/system/nat64d@.service \
    /usr/share/doc/nat64d/openrc/nat64d.initd /usr/share/doc/nat64d/openrc/nat64d.confd \
    /usr/share/doc/nat64d/examples/nat64d.conf /usr/share/doc/nat64d/examples/nat64d.toml \
    /usr/share/doc/nat64d/README.md /usr/share/man/man8/nat64d.8.gz /usr/share/man/man5/nat64d.conf.5.gz \
    /usr/sbin/nat64d-lab /usr/libexec/nat64d/nat64d-lab-ra /usr/share/man/man8/nat64d-lab.8.gz \
    /usr/share/doc/nat64d/ipv6-only-lab.md; do
    grep -qx "$f" "$WORK/files" || fail "$f is not in the package"
done
if [ "$HAS_CTL" = 1 ]; then
    grep -qx /usr/share/man/man8/nat64dctl.8.gz "$WORK/files" || fail "nat64dctl.8.gz is not in the package"
else
    echo "note: no nat64dctl in this build; its checks are skipped"
fi
if grep -E '^/usr/local|^/home|^/tmp|^/work' "$WORK/files"; then fail "files outside the packaging prefix"; fi
echo "ok: $(wc -l <"$WORK/files") entries"

step "dpkg-deb -I"
dpkg-deb -f "$DEB" Package Version Architecture Section Depends Maintainer
[ "$(dpkg-deb -f "$DEB" Package)" = nat64d ] || fail "Package"
[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] || fail "Version"
[ "$(dpkg-deb -f "$DEB" Section)" = net ] || fail "Section"
depends=$(dpkg-deb -f "$DEB" Depends)
for lib in libc6 libnl-3-200 libnl-route-3-200 libstdc++6; do
    echo "$depends" | grep -q "$lib" || fail "Depends lacks $lib: $depends"
done
dpkg-deb --info "$DEB" conffiles >"$WORK/conffiles"
grep -qx /etc/nat64d.conf "$WORK/conffiles" || fail "/etc/nat64d.conf is not a conffile"
dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./lib/systemd/system/nat64d.service | grep -qx 'ExecStart=/usr/sbin/nat64d -n -c /etc/nat64d.conf' ||
    fail "nat64d.service does not start /usr/sbin/nat64d"
echo "ok"

step "dpkg -i"
installed=1
dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i"; }
dpkg-query -W -f='${Status}\n' nat64d | grep -qx 'install ok installed' || fail "not installed"

step "nat64d --version"
out=$(/usr/sbin/nat64d --version)
echo "$out"
[ "$out" = "nat64d $VERSION" ] || fail "unexpected version output"

step "nat64d --check-config -c /etc/nat64d.conf"
/usr/sbin/nat64d --check-config -c /etc/nat64d.conf >"$WORK/effective" || fail "the installed configuration is refused"
grep -qx 'tun-device nat64' "$WORK/effective" || fail "unexpected effective settings"
echo "ok"
if [ "$HAS_CTL" = 1 ]; then
    step "nat64dctl --help"
    /usr/sbin/nat64dctl --help >/dev/null || fail "nat64dctl --help"
    echo "ok"
fi
step "nat64d-lab --version, nat64d-lab-ra refuses a bad command line"
out=$(/usr/sbin/nat64d-lab --version)
[ "$out" = "nat64d-lab $VERSION" ] || fail "unexpected nat64d-lab version output: $out"
[ -x /usr/libexec/nat64d/nat64d-lab-ra ] || fail "nat64d-lab-ra not executable"
out=$(/usr/libexec/nat64d/nat64d-lab-ra -i lo 2>&1) && fail "nat64d-lab-ra without a prefix succeeded"
echo "$out" | grep -q 'advertised prefix must be a /64' || fail "nat64d-lab-ra: $out"
echo "ok"
if command -v man >/dev/null 2>&1; then
    step "man -w"
    for page in nat64d.8 nat64d.conf.5 nat64d-lab.8; do
        man -w "${page##*.}" "${page%.*}" >/dev/null || fail "man page $page not found"
    done
    echo "ok"
fi

step "dpkg -r"
dpkg -r nat64d >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -r"; }
[ ! -e /usr/sbin/nat64d ] || fail "/usr/sbin/nat64d left after dpkg -r"
[ ! -e /lib/systemd/system/nat64d.service ] || fail "nat64d.service left after dpkg -r"
[ -f /etc/nat64d.conf ] || fail "dpkg -r removed the conffile"
dpkg-query -W -f='${Status}\n' nat64d | grep -qx 'deinstall ok config-files' || fail "unexpected state after dpkg -r"
echo "ok: binaries gone, /etc/nat64d.conf kept"

step "dpkg -P"
dpkg -P nat64d >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -P"; }
installed=0
[ ! -e /etc/nat64d.conf ] || fail "/etc/nat64d.conf left after purge"
if dpkg-query -W -f='${Status}' nat64d 2>/dev/null | grep -qv 'not-installed'; then fail "package still known after purge"; fi
while read -r f; do
    case $f in */) continue ;; esac
    [ ! -e "$f" ] || fail "$f left after purge"
done <"$WORK/files"
echo "ok: nothing left"
echo "PASS"
