#!/usr/bin/env bash
# The command line and configuration diagnostics as an operator sees them:
# -V, -h, bad options, --check-config on good and bad files (TAYGA syntax
# and TOML), every error reported as FILE:LINE: message before exit 1.
# Then, as root, the daemon's process behaviour in a network namespace of
# its own: --mktun/--rmtun (also with clatd's empty argument, and of a
# missing device), relative -c/-p, the pidfile lock, data-dir creation,
# -d's debug messages, `workers 0`, and the --journal sink (against a
# stand-in journal socket in a private mount namespace). Without root that
# part is reported as skipped (exit 77).
# Usage: cli.sh PATH/TO/nat64d
set -euo pipefail
NAT64D=$(readlink -f "$1")
CTL="$(dirname "$NAT64D")/nat64dctl"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-cli.XXXXXX")
NS="n64cli-$$"
DAEMONS=()
cleanup() {
    local rc=$?
    for pid in "${DAEMONS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$DIR"
    exit $rc
}
trap cleanup EXIT
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
for flag in --config --check-config --mktun --rmtun --debug --nodetach --syslog --stdout --journal --user --group \
    --chroot --pidfile --help --version; do
    expect_out "$flag"
done
expect_rc 1 "$NAT64D" --bogus
expect_out "unknown option --bogus"
expect_rc 1 "$NAT64D" -c
expect_out "requires an argument"
expect_rc 1 "$NAT64D" --mktun --rmtun
expect_rc 1 "$NAT64D" -c "$DIR/missing.conf" -t
expect_out "$DIR/missing.conf: cannot open"
# Not a regular file: refused at once, never read (a FIFO without a writer
# would block a reader for ever, /dev/zero never ends). timeout(1) exits 124
# if the daemon hangs.
mkfifo "$DIR/fifo.conf"
expect_rc 1 timeout 10 "$NAT64D" -c "$DIR/fifo.conf" -t
expect_out "$DIR/fifo.conf: not a regular file (a FIFO)"
expect_rc 1 timeout 10 "$NAT64D" -c /dev/zero -t
expect_out "/dev/zero: not a regular file (a character device)"
truncate -s 17M "$DIR/huge.conf"
expect_rc 1 timeout 10 "$NAT64D" -c "$DIR/huge.conf" -t
expect_out "$DIR/huge.conf: larger than 16 MiB"
printf 'tun-device nat64\nipv4-addr 192.0.2.1\000\n' > "$DIR/nul.conf"
expect_rc 1 timeout 10 "$NAT64D" -c "$DIR/nul.conf" -t
expect_out "$DIR/nul.conf:2: NUL byte in a configuration line"

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

# Empty positional arguments (clatd: `tayga --mktun ""`) are nothing; others
# are refused (a forgotten -c).
expect_rc 0 "$NAT64D" -t "" -c "$DIR/good.conf" ""
expect_out "tun-device nat64"
expect_rc 1 "$NAT64D" -t -c "$DIR/good.conf" "$DIR/good.conf"
expect_out "unexpected argument '$DIR/good.conf'"
# As TAYGA: --mktun/--rmtun take no -u/-g/-r, and report on stdout.
expect_rc 1 "$NAT64D" --rmtun -u nobody -c "$DIR/good.conf"
expect_out "cannot use -u or --user with --rmtun"
# A relative -c is read from the start-up directory.
(cd "$DIR" && "$NAT64D" -t -c good.conf) >"$DIR/out" 2>&1 || { cat "$DIR/out" >&2; fail "relative -c"; }
expect_out "map 203.0.113.5 2001:db8::5"
# workers: 0 is TAYGA's single queue in the main thread; unset is one per CPU.
expect_rc 0 "$NAT64D" -t -c "$DIR/good.conf"
expect_out "# workers (default: one per online CPU)"
printf 'workers 0\n' >> "$DIR/good.conf"
expect_rc 0 "$NAT64D" -t -c "$DIR/good.conf"
expect_out "workers 0"
echo "PASS (unprivileged part)"

if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: the daemon's process behaviour needs root (network namespace, TUN device)"
    exit 77
fi
ip netns add "$NS"
ip -n "$NS" link set lo up
inns() { ip netns exec "$NS" "$@"; }
TUN="n64c$$"
TUN=${TUN:0:15}
# conf FILE TUN-DEVICE [LINE...]: a configuration for the namespace: the
# translator at 192.0.2.1, the host side of the TUN at 192.0.2.254 and
# 2001:db8:5::1, so that the namespace itself can send through it.
conf() {
    local file=$1 tun=$2
    shift 2
    {
        printf '%s\n' "tun-device $tun" "ipv4-addr 192.0.2.1" "prefix 3fff:6464::/96" "tun-up yes" \
            "tun-ip 192.0.2.254/24" "tun-ip 2001:db8:5::1/64" "tun-route 3fff:6464::/96" \
            "control-socket $DIR/$tun.sock"
        printf '%s\n' "$@"
    } > "$file"
}
# start_fg OUT ARGS...: nat64d in the foreground in the namespace, stdout and
# stderr to OUT; waits (5 s at most) until it says it translates.
start_fg() {
    local out=$1
    shift
    # A plain command (not the shell function inns) in the background, so
    # that $! is nat64d itself: `ip netns exec` execs it in the same process.
    ip netns exec "$NS" "$NAT64D" "$@" >"$out" 2>&1 &
    DAEMONS+=($!)
    for _ in $(seq 1 50); do
        grep -q "translating on" "$out" && return 0
        kill -0 "${DAEMONS[-1]}" 2>/dev/null || { cat "$out" >&2; fail "nat64d $* exited at start"; }
        sleep 0.1
    done
    cat "$out" >&2
    fail "nat64d $* did not start within 5 s"
}
# stop PID: SIGTERM, then it must be gone within 5 s with status 0.
stop() {
    local pid=$1 rc=0
    kill -TERM "$pid"
    if wait "$pid" 2>/dev/null; then rc=0; else rc=$?; fi
    # a detached daemon is no child of ours: wait for it to vanish
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$pid" 2>/dev/null || fail "pid $pid still running 5 s after SIGTERM"
    [[ $rc -eq 0 || $rc -eq 127 ]] || fail "pid $pid exited with status $rc on SIGTERM"
}

echo "== --mktun \"\" and --rmtun \"\" (clatd's command lines); --rmtun of a missing device exits 0"
conf "$DIR/t.conf" "$TUN"
expect_rc 0 inns "$NAT64D" -c "$DIR/t.conf" --mktun ""
expect_out "Created persistent tun device $TUN"
inns ip link show "$TUN" >/dev/null || fail "--mktun made no device"
expect_rc 0 inns "$NAT64D" -c "$DIR/t.conf" --rmtun ""
expect_out "Removed persistent tun device $TUN"
! inns ip link show "$TUN" >/dev/null 2>&1 || fail "--rmtun left the device"
expect_rc 0 inns "$NAT64D" -c "$DIR/t.conf" --rmtun
expect_out "No persistent tun device $TUN to remove"
! inns ip link show "$TUN" >/dev/null 2>&1 || fail "--rmtun of a missing device made one"
# TAYGA (Debian's package, where installed) exits 0 there too.
# (0.9.2 knows none of the tun-* directives: its own minimal file.)
if [[ -x /usr/sbin/tayga ]]; then
    printf '%s\n' "tun-device $TUN" "ipv4-addr 192.0.2.1" "prefix 3fff:6464::/96" > "$DIR/tayga.conf"
    expect_rc 0 inns /usr/sbin/tayga -c "$DIR/tayga.conf" --rmtun
    ! inns ip link show "$TUN" >/dev/null 2>&1 || fail "TAYGA's --rmtun of a missing device left one"
fi
# A link of another kind by that name is still an error.
inns ip link add "$TUN" type veth peer name "n64p$$"
expect_rc 1 inns "$NAT64D" -c "$DIR/t.conf" --rmtun
expect_out "no such TUN device"
inns ip link del "$TUN"
expect_rc 1 inns "$NAT64D" -c "$DIR/t.conf" --mktun --journal -u nobody
expect_rc 0 inns "$NAT64D" -c "$DIR/t.conf" --mktun --journal
expect_out "warning: --syslog, --stdout and --journal do not apply to --mktun"
expect_out "Created persistent tun device $TUN"
expect_rc 0 inns "$NAT64D" -c "$DIR/t.conf" --rmtun

echo "== -d: debug messages on stdout, each with its priority; a lease as it is made"
conf "$DIR/d.conf" "$TUN" "dynamic-pool 198.51.100.0/24" "data-dir $DIR/state" "workers 1"
start_fg "$DIR/d.out" -d -c "$DIR/d.conf"
# The data-dir did not exist: made, 0755.
[[ $(stat -c %a "$DIR/state") == 755 ]] || fail "data-dir mode $(stat -c %a "$DIR/state")"
grep -q "^\[notice\] data-dir $DIR/state: created$" "$DIR/d.out" || { cat "$DIR/d.out"; fail "data-dir creation not logged"; }
# An IPv6 packet from the namespace's own address on the TUN side: the
# source is no mapping, so it takes a lease from the pool.
inns ping -6 -c 1 -W 1 -I 2001:db8:5::1 3fff:6464::cb00:7105 >/dev/null 2>&1 || true
for _ in $(seq 1 30); do grep -q "assigned new pool address" "$DIR/d.out" && break; sleep 0.1; done
stop "${DAEMONS[-1]}"
for want in "[debug] $DIR/d.conf: configuration read: tun-device $TUN" "[debug] pidfile" \
    "[debug] tun-device $TUN: 1 queue open" "[debug] tun-device $TUN: route 3fff:6464::/96 added" \
    "[debug] translation tables built: ipv4-addr 192.0.2.1" "[debug] control socket $DIR/$TUN.sock: listening" \
    "[debug] 1 worker thread started" "[info] nat64d " "[debug] assigned new pool address 198.51.100." \
    "[debug] signal Terminated received" "[debug] $DIR/state/dynamic.map: leases saved"; do
    [[ $want == "[debug] pidfile" ]] && continue  # no -p here
    grep -qF -- "$want" "$DIR/d.out" || { cat "$DIR/d.out"; fail "-d output lacks '$want'"; }
done
# Without -d: no debug lines.
start_fg "$DIR/n.out" -n -c "$DIR/d.conf"
stop "${DAEMONS[-1]}"
! grep -q "configuration read" "$DIR/n.out" || fail "debug messages without -d"
grep -q "^nat64d .* translating on $TUN" "$DIR/n.out" || { cat "$DIR/n.out"; fail "-n: plain lines on stderr expected"; }

echo "== workers 0: one queue, translated by the main thread (no other thread)"
conf "$DIR/w0.conf" "$TUN" "workers 0"
start_fg "$DIR/w0.out" -n --stdout -c "$DIR/w0.conf"
pid=${DAEMONS[-1]}
grep -q "^\[info\] nat64d .* translating on $TUN (mtu [0-9]*, 1 queue in the main thread" "$DIR/w0.out" ||
    { cat "$DIR/w0.out"; fail "workers 0 start line"; }
[[ $(ls "/proc/$pid/task" | wc -l) -eq 1 ]] || fail "workers 0: $(ls "/proc/$pid/task" | wc -l) threads, expected 1"
# The translator answers an echo to its own address, from the main thread.
inns ping -c 3 -i 0.2 -W 2 -w 5 -q 192.0.2.1 >/dev/null || fail "workers 0: no echo reply from 192.0.2.1"
grep -q ", 0 workers," <<<"$("$CTL" -s "$DIR/$TUN.sock" status)" || fail "workers 0: status"
grep -q "^ok: reloaded" <<<"$("$CTL" -s "$DIR/$TUN.sock" reload)" || fail "workers 0: reload"
inns ping -c 1 -W 2 -q 192.0.2.1 >/dev/null || fail "workers 0: no echo reply after reload"
stop "$pid"
conf "$DIR/w2.conf" "$TUN" "workers 2"
start_fg "$DIR/w2.out" -n -c "$DIR/w2.conf"
pid=${DAEMONS[-1]}
# ThreadSanitizer (test/e2e/sanitized.sh thread) adds its own background
# thread when the process starts its first thread.
want=3
[[ -z "${TSAN_OPTIONS:-}" ]] || want=4
[[ $(ls "/proc/$pid/task" | wc -l) -eq $want ]] || fail "workers 2: $(ls "/proc/$pid/task" | wc -l) threads, expected $want"
stop "$pid"

echo "== relative -c and -p, detached; the pidfile is locked: a second daemon is refused, the first runs on"
conf "$DIR/rel.conf" "$TUN"
(cd "$DIR" && inns "$NAT64D" -c rel.conf -p rel.pid) || fail "detached start with relative paths"
[[ -s "$DIR/rel.pid" ]] || fail "no pidfile at $DIR/rel.pid"
first=$(cat "$DIR/rel.pid")
DAEMONS+=("$first")
kill -0 "$first" || fail "pid $first from the pidfile is not running"
# Reload reads rel.conf again, long after the daemon moved to /.
grep -q "^ok: reloaded" <<<"$("$CTL" -s "$DIR/$TUN.sock" reload)" || fail "reload with a relative -c"
conf "$DIR/other.conf" "n64o$$"
# Started to detach, too: the refusal comes before the detach and so
# reaches the terminal (not syslog).
(cd "$DIR" && expect_rc 1 inns "$NAT64D" -c other.conf -p rel.pid)
expect_out "pidfile $DIR/rel.pid is locked by a running daemon (pid $first)"
[[ $(cat "$DIR/rel.pid") == "$first" ]] || fail "the refused daemon touched the pidfile"
kill -0 "$first" || fail "the first daemon died"
grep -q "pid $first" <<<"$("$CTL" -s "$DIR/$TUN.sock" status)" || fail "the first daemon does not answer"
! inns ip link show "n64o$$" >/dev/null 2>&1 || fail "the refused daemon made its device"
stop "$first"
[[ ! -e "$DIR/rel.pid" ]] || fail "pidfile left behind"

echo "== data-dir: missing with -u, or not writable by the -u user, is refused with a clear message"
conf "$DIR/u.conf" "$TUN" "data-dir $DIR/missing"
expect_rc 1 inns "$NAT64D" -n -u nobody -c "$DIR/u.conf"
expect_out "data-dir $DIR/missing does not exist; create it, writable by user 'nobody'"
[[ ! -e "$DIR/missing" ]] || fail "data-dir made for -u"
# One that exists but the user cannot write: with dynamic-pool, refused
# rather than run without saving the leases.
mkdir -m 0755 "$DIR/rootonly"
conf "$DIR/u2.conf" "$TUN" "data-dir $DIR/rootonly" "dynamic-pool 198.51.100.0/24"
expect_rc 1 inns "$NAT64D" -n -u nobody -c "$DIR/u2.conf"
expect_out "data-dir $DIR/rootonly: not writable by uid $(id -u nobody)"

echo "== --journal: native protocol entries to the journal's socket"
# A private mount namespace with an empty /run/systemd stands in for
# systemd: the listener binds the journal's socket path there, and nat64d
# finds it where it always looks.
conf "$DIR/j.conf" "$TUN"
unshare --mount bash -c '
    set -e
    mount -t tmpfs nat64d-test /run/systemd
    mkdir /run/systemd/journal
    /usr/bin/python3 "$4" "$1/journal.out" 15 &
    listener=$!
    for _ in $(seq 1 50); do [[ -S /run/systemd/journal/socket ]] && break; sleep 0.1; done
    ip netns exec "$2" "$3" -n --journal -c "$1/j.conf" >"$1/j.out" 2>&1 &
    daemon=$!
    for _ in $(seq 1 50); do grep -q "translating on" "$1/journal.out" 2>/dev/null && break; sleep 0.1; done
    kill -TERM $daemon; wait $daemon
    kill $listener; wait $listener || true
    # The socket gone (no journal): the same entries on stderr, sd-daemon style.
    rm /run/systemd/journal/socket
    ip netns exec "$2" "$3" -n --journal -c "$1/j.conf" >"$1/j2.out" 2>&1 &
    daemon=$!
    for _ in $(seq 1 50); do grep -q "translating on" "$1/j2.out" && break; sleep 0.1; done
    kill -TERM $daemon; wait $daemon
' _ "$DIR" "$NS" "$NAT64D" "$(dirname "$(readlink -f "$0")")/journal_listener.py" || fail "journal run"
grep -q "^MESSAGE=nat64d .* translating on $TUN" "$DIR/journal.out" || { cat "$DIR/journal.out" "$DIR/j.out"; fail "no journal entry"; }
grep -A3 "^PRIORITY=6$" "$DIR/journal.out" | grep -q "^SYSLOG_IDENTIFIER=nat64d$" || fail "journal fields"
grep -q "^SYSLOG_PID=[0-9]*$" "$DIR/journal.out" || fail "journal SYSLOG_PID"
grep -q "^MESSAGE=stopping$" "$DIR/journal.out" || fail "no stop entry in the journal"
[[ ! -s "$DIR/j.out" ]] || { cat "$DIR/j.out"; fail "--journal also wrote to stdout/stderr"; }
grep -q "^<6>nat64d .* translating on $TUN" "$DIR/j2.out" || { cat "$DIR/j2.out"; fail "no stderr fallback"; }
echo PASS
