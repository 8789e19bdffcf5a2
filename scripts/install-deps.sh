#!/usr/bin/env bash
# Installs what nat64d needs to build and test, from Debian 12's packages
# only. Idempotent: packages already present are not fetched again.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config
    libnl-3-dev libnl-route-3-dev libfmt-dev libtomlplusplus-dev libmicrohttpd-dev catch2
    libcap-ng-dev           # the daemon's capability drop after start-up
    iproute2 iputils-ping iperf3 tcpdump python3 python3-scapy
    strace groff-base systemd curl bash-completion
    util-linux              # setpriv, for test/e2e/privileges.sh and the package test
    prometheus              # promtool, for test/e2e/metrics.sh
    tayga                   # the reference of test/e2e/tayga_diff.sh and realworld.sh
    unbound nftables        # nat64d-lab and its end-to-end test
    # The Debian package (scripts/build-deb.sh) and its test: dpkg-buildpackage,
    # dh, lintian, hardening-check (devscripts), adduser for its postinst.
    dpkg-dev debhelper devscripts lintian adduser
    # scripts/fuzz.sh: clang 14 and its libFuzzer (libclang_rt.fuzzer*.a
    # ships in libclang-rt-14-dev, as do the ASan/UBSan runtimes).
    clang libclang-rt-14-dev
    clang-format-14         # scripts/check-format.sh (ctest style_format)
    # The kernel fast path (src/bpf): clang and llvm compile the BPF program,
    # bpftool generates its skeleton, libbpf-dev the loader's library and the
    # BPF helper headers, linux-libc-dev the UAPI headers. Without them the
    # build leaves the fast path out.
    llvm libbpf-dev bpftool linux-libc-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#PACKAGES[@]} packages present"
    exit 0
fi

SUDO=
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
    SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's tayga package (the reference of test/e2e/tayga_diff.sh, which runs
# /usr/sbin/tayga in its own namespaces only) may start TAYGA on the host from
# /etc/tayga.conf when installed: not wanted on a build machine.
if [[ " ${missing[*]} " == *" tayga "* ]] && command -v systemctl >/dev/null \
        && systemctl is-active --quiet tayga 2>/dev/null; then
    $SUDO systemctl disable --now tayga || true
fi
