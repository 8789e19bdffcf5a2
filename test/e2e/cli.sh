#!/usr/bin/env bash
# The command line and configuration diagnostics as an operator sees them:
# -V, -h, bad options, --check-config on good and bad files (TAYGA syntax
# and TOML), every error reported as FILE:LINE: message before exit 1.
# Needs no privileges and no network.
# Usage: cli.sh PATH/TO/nat64d
set -euo pipefail
NAT64D=$1
DIR=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-cli.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
expect_rc() {  # expect_rc RC CMD...: runs CMD, stdout+stderr to $DIR/out
    local want=$1 rc=0
    shift
    "$@" >"$DIR/out" 2>&1 || rc=$?
    [[ $rc -eq $want ]] || { cat "$DIR/out" >&2; fail "'$*' exited $rc, expected $want"; }
}
expect_out() { grep -qF -- "$1" "$DIR/out" || { cat "$DIR/out" >&2; fail "output lacks '$1'"; }; }

expect_rc 0 "$NAT64D" --version
expect_out "nat64d "
expect_rc 0 "$NAT64D" -h
for flag in --config --check-config --mktun --rmtun --debug --nodetach --user --group --chroot --pidfile --help --version; do
    expect_out "$flag"
done
expect_rc 1 "$NAT64D" --bogus
expect_out "unknown option --bogus"
expect_rc 1 "$NAT64D" -c
expect_out "requires an argument"
expect_rc 1 "$NAT64D" --mktun --rmtun
expect_rc 1 "$NAT64D" -c "$DIR/missing.conf" -t
expect_out "$DIR/missing.conf: cannot open"

cat > "$DIR/good.conf" <<'CONF'
# a TAYGA configuration, unchanged
tun-device nat64
ipv4-addr 192.0.2.1
prefix 3fff:6464::/96
dynamic-pool 198.51.100.0/24
map 203.0.113.5 2001:db8::5
CONF
expect_rc 0 "$NAT64D" -t -c "$DIR/good.conf"
expect_out "tun-device nat64"
expect_out "prefix 3fff:6464::/96"
expect_out "map 203.0.113.5 2001:db8::5"
# The effective settings are themselves a valid configuration.
"$NAT64D" -t -c "$DIR/good.conf" > "$DIR/effective.conf"
expect_rc 0 "$NAT64D" -t -c "$DIR/effective.conf"

cat > "$DIR/good.toml" <<'CONF'
tun-device = "nat64"
ipv4-addr = "192.0.2.1"
prefix = "3fff:6464::/96"
map = ["203.0.113.5 2001:db8::5"]
CONF
expect_rc 0 "$NAT64D" --check-config -c "$DIR/good.toml"
expect_out "map 203.0.113.5 2001:db8::5"

cat > "$DIR/bad.conf" <<'CONF'
tun-device nat64
ipv4-addr 192.0.2.300
prefix 3fff:6464::/95
frobnicate yes
tun-device again
CONF
expect_rc 1 "$NAT64D" -t -c "$DIR/bad.conf"
expect_out "$DIR/bad.conf:2:"
expect_out "$DIR/bad.conf:3:"
expect_out "$DIR/bad.conf:4: unknown directive 'frobnicate'"
expect_out "$DIR/bad.conf:5:"
[[ $(grep -c "^$DIR/bad.conf:[0-9]*:" "$DIR/out") -eq 4 ]] || { cat "$DIR/out"; fail "expected exactly 4 errors"; }

cat > "$DIR/bad.toml" <<'CONF'
tun-device = "nat64"
ipv4-addr = 17
CONF
expect_rc 1 "$NAT64D" -t -c "$DIR/bad.toml"
expect_out "$DIR/bad.toml:2:"

# The daemon refuses to start on a bad file, before touching any device.
expect_rc 1 "$NAT64D" -d -c "$DIR/bad.conf"
expect_out "configuration refused"
echo PASS
