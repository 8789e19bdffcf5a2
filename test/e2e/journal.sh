#!/usr/bin/env bash
# Per-packet events as structured journal entries, without systemd: a
# private mount namespace with an empty /run/systemd stands in for it, and
# a listener bound to the journal's socket path records each datagram. The
# IPv6 host sends a UDP datagram from a spoofed source (the translator's
# own IPv4 address embedded in the prefix); with `log drop` that event is
# logged, and must arrive with NAT64D_REASON=spoofed-source and its
# direction, addresses and protocol as fields:
#   1. --journal (TAYGA's flag): native protocol entries;
#   2. stderr connected to the journal ($JOURNAL_STREAM names it): the
#      event through the native protocol with its fields, the plain
#      messages still on stderr with "<N>" priority prefixes;
#   3. plain stderr: the same event as a text line, nothing to the journal.
# Usage: journal.sh PATH/TO/nat64d
NAT64D=$1
if [[ "${NAT64D_JOURNAL_MOUNTNS:-}" != 1 ]]; then
    [[ $(id -u) -eq 0 ]] || { echo "FAIL: needs root (network and mount namespaces)" >&2; exit 1; }
    # Everything below runs in a mount namespace of its own, so that the
    # tmpfs on /run/systemd is seen by this test's processes only.
    NAT64D_JOURNAL_MOUNTNS=1 exec unshare --mount --propagation private -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
"$PYTHON" -c 'import scapy' 2>/dev/null || fail "$PYTHON has no scapy (apt install python3-scapy)"

mount -t tmpfs nat64d-journal-test /run/systemd
mkdir /run/systemd/journal
lab_up
XLAT6_OWN=2001:db8:64::1
SPOOFED=${PREFIX}c633:6401   # ipv4-addr 198.51.100.1 embedded: RFC 6052 §5.1 spoofed source
DST6=${PREFIX}c000:201       # the IPv4 host 192.0.2.1
cat >> "$LAB_DIR/nat64d.conf" <<CONF
ipv6-addr $XLAT6_OWN
log drop
CONF

# journalctl's matching on the recorded entries: those with every
# FIELD=VALUE given, printed with a "--" line after each.
cat > "$LAB_DIR/select.py" <<'PY'
import sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
want = sys.argv[2:]
for entry in data.split("--\n"):
    fields = entry.splitlines()
    if entry and all(w in fields for w in want):
        print(entry + "--")
PY
# The listener runs in the translator's namespace, so that the lab's
# cleanup ends it too; a pathname socket is reached from any namespace.
inx "$PYTHON" "$(dirname "$(readlink -f "$0")")/journal_listener.py" "$LAB_DIR/journal.out" 120 &
for _ in $(seq 1 50); do [[ -S /run/systemd/journal/socket ]] && break; sleep 0.1; done
[[ -S /run/systemd/journal/socket ]] || fail "the stand-in journal socket did not appear"

spoof() {
    in6 "$PYTHON" - "$SPOOFED" "$DST6" "$1" <<'PY'
import sys
from scapy.config import conf
conf.verb = 0
from scapy.all import IPv6, UDP, Raw, send
src, dst, sport = sys.argv[1], sys.argv[2], int(sys.argv[3])
send(IPv6(src=src, dst=dst) / UDP(sport=sport, dport=9999) / Raw(b"spoofed"))
PY
}
select_entries() { "$PYTHON" "$LAB_DIR/select.py" "$LAB_DIR/journal.out" "$@"; }
# wait_entry FIELD=VALUE...: up to 5 s for a matching entry.
wait_entry() {
    for _ in $(seq 1 50); do
        [[ -n "$(select_entries "$@")" ]] && return 0
        sleep 0.1
    done
    return 1
}
# The fields of the spoofed-source event sent from UDP port $1.
check_event() {
    select_entries "NAT64D_REASON=spoofed-source" "NAT64D_SRC=$SPOOFED" > "$LAB_DIR/event"
    cat "$LAB_DIR/event"
    local f
    for f in "PRIORITY=6" "SYSLOG_IDENTIFIER=nat64d" "NAT64D_EVENT=reject" "NAT64D_DIRECTION=6to4" \
        "NAT64D_DST=$DST6" "NAT64D_PROTO=17"; do
        grep -qx "$f" "$LAB_DIR/event" || fail "the event lacks $f"
    done
    grep -qx "MESSAGE=reject $SPOOFED -> $DST6 proto 17: spoofed-source (.*)" "$LAB_DIR/event" || fail "the event's MESSAGE"
    [[ $(grep -c '^NAT64D_REASON=' "$LAB_DIR/event") -eq 1 ]] || fail "not exactly one spoofed-source entry"
}
# start_plain [ENV...]: nat64d -n (stderr sink) in the translator namespace,
# stderr appended to nat64d.log; waits until it translates.
start_plain() {
    env "$@" ip netns exec "$NSX" "$NAT64D" -n -c "$LAB_DIR/nat64d.conf" 2>>"$LAB_DIR/nat64d.log" &
    DAEMON_PID=$!
    for _ in $(seq 1 50); do
        in4 ping -c1 -W1 -q "$XLAT4" >/dev/null 2>&1 && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || fail "nat64d exited at start"
        sleep 0.1
    done
    fail "nat64d did not start translating within 5 s"
}

log "1. --journal: the spoofed source arrives with NAT64D_REASON=spoofed-source"
daemon_start --journal
spoof 40001
wait_entry "NAT64D_REASON=spoofed-source" || { cat "$LAB_DIR/journal.out"; fail "no spoofed-source entry in the journal"; }
check_event
daemon_stop
grep -q "proto 17: spoofed-source" "$LAB_DIR/nat64d.log" && fail "--journal also wrote the event to stdout"
[[ -n "$(select_entries "MESSAGE=stopping")" ]] || fail "plain messages did not reach the journal"
: > "$LAB_DIR/journal.out"

log "2. stderr is the journal (\$JOURNAL_STREAM): the event with its fields, other lines on stderr with <N>"
: > "$LAB_DIR/nat64d.log"
stream=$(stat -c '%d:%i' "$LAB_DIR/nat64d.log")
start_plain JOURNAL_STREAM="$stream"
spoof 40002
wait_entry "NAT64D_REASON=spoofed-source" || { cat "$LAB_DIR/journal.out" "$LAB_DIR/nat64d.log"; fail "no spoofed-source entry via JOURNAL_STREAM"; }
check_event
daemon_stop
cat "$LAB_DIR/nat64d.log"
grep -q "^<6>nat64d .* translating on $TUN_DEV" "$LAB_DIR/nat64d.log" || fail "stderr lost its <N> lines"
grep -q "proto 17: spoofed-source" "$LAB_DIR/nat64d.log" && fail "the event went to stderr as well"
: > "$LAB_DIR/journal.out"

log "3. plain stderr: a text line, nothing to the journal"
: > "$LAB_DIR/nat64d.log"
start_plain -u JOURNAL_STREAM
spoof 40003
for _ in $(seq 1 50); do grep -q "proto 17: spoofed-source" "$LAB_DIR/nat64d.log" && break; sleep 0.1; done
daemon_stop
grep -qx "reject $SPOOFED -> $DST6 proto 17: spoofed-source (.*)" "$LAB_DIR/nat64d.log" \
    || { cat "$LAB_DIR/nat64d.log"; fail "no text line on stderr"; }
[[ ! -s "$LAB_DIR/journal.out" ]] || { cat "$LAB_DIR/journal.out"; fail "plain stderr wrote to the journal"; }
log "PASS"
