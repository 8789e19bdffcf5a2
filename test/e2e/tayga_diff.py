#!/usr/bin/python3
"""Differential test, packet side: the same crafted packets through TAYGA
and through nat64d, what each translator emits compared.

Run by tayga_diff.sh (Debian's /usr/bin/python3, which has scapy), as root
in the initial namespace. Each translator runs in its own network namespace
on its own TUN device; this process opens one packet socket on each TUN
(setns) and *transmits* the crafted IPv4/IPv6 packet on it, which hands it
straight to the daemon reading the TUN, and captures what the daemon writes
back (the packets the TUN device receives), whatever their family: the
translation going to the other side, errors and echo replies going back to
the sender. Nothing passes through a kernel's routing on the way in, so the
namespace kernel's own martian-address, link-local and multicast filters
cannot decide a case before the translator sees it.

  tayga_diff.py run PHASE ALLOW_LIST RESULTS NS_TAYGA TUN_TAYGA NS_NAT64D TUN_NAT64D
  tayga_diff.py verdict ALLOW_LIST RESULTS DOCS_DIR

`run` sends the cases of PHASE (a configuration, see PHASES) and prints one
line per case: SAME, DIFF(allowed: <anchor>) or DIFF (both outputs
summarised), and appends "<case-id> SAME|DIFF" to RESULTS. `verdict` fails
on a DIFF the allow-list does not name, on an allow-list entry whose case
came out SAME or was not run (stale), and on an anchor that docs/ lacks.

What legitimately varies is normalised before comparing: the IPv4
Identification of an unfragmented packet (RFC 6864 leaves it to the
sender) is reduced to zero / non-zero, and outside the ipv4-id-* cases it
is masked together with DF (see norm4); IPv4 header checksums (outer and
quoted) and the outer transport checksum are verified and then replaced
by "valid" (a wrong one stays, and shows). Everything else, quoted packets
included, is compared byte for byte. The order in which packets come out
is not compared. DIFF_ONLY=<case-id prefix> runs some cases only.
"""
from collections import Counter
import fnmatch
import os
import re
import select
import socket
import struct
import sys
import time

from scapy.config import conf

conf.verb = 0
from scapy.all import IP, IPv6, UDP, TCP, ICMP, Raw  # noqa: E402
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6DestUnreach,  # noqa: E402
                                ICMPv6TimeExceeded, ICMPv6PacketTooBig, IPv6ExtHdrFragment,
                                IPv6ExtHdrDestOpt)
from scapy.utils import checksum  # noqa: E402

from rfc7915_peer import setns, s4, s6  # noqa: E402  (same directory)

ETH_P_ALL, ETH_P_IP, ETH_P_IPV6 = 0x0003, 0x0800, 0x86DD
PACKET_OUTGOING = 4
VALID = b"\xc5\xc5"  # stands for a checksum that was verified


# ---- the configurations (tayga_diff.sh writes the same values) ----
# Documentation addresses only; reserved ones appear as packet fields.
XLAT4 = "198.51.100.1"        # ipv4-addr
H6 = "2001:db8:6::2"          # map 198.51.100.2 <-> H6
H6_AS4 = "198.51.100.2"
POOL_USER6 = "2001:db8:6::99"  # gets a dynamic-pool lease (198.51.100.128/28)
POOL_FREE4 = "198.51.100.130"  # in the pool, not leased in the run
POOL_FIRST, POOL_LAST = 129, 143
H4 = "192.0.2.1"
ROUTER4 = "203.0.113.1"       # an IPv4 router reporting errors
ROUTER6 = "2001:db8:6::fe"    # an IPv6 router with no IPv4 mapping (RFC 6791)


class Phase:
    def __init__(self, name, prefix, xlat6, what):
        self.name, self.prefix, self.xlat6, self.what = name, prefix, xlat6, what

    def v6(self, a4):
        """RFC 6052 /96: the prefix with the IPv4 address in the last 32 bits."""
        b = socket.inet_pton(socket.AF_INET6, self.prefix)[:12] + socket.inet_aton(a4)
        return socket.inet_ntop(socket.AF_INET6, b)


NSP = "3fff:6464::"
PHASES = {
    "nsp": Phase("nsp", NSP, NSP + "c633:6401", "network-specific prefix, maps, pool"),
    "wkp": Phase("wkp", "64:ff9b::", "2001:db8:64::1", "well-known prefix 64:ff9b::/96"),
    "cksum-fwd": Phase("cksum-fwd", NSP, NSP + "c633:6401", "nat64d udp-cksum-mode fwd"),
    "cksum-calc": Phase("cksum-calc", NSP, NSP + "c633:6401", "nat64d udp-cksum-mode calc"),
}


# ---- sockets on the TUN devices ----

class Tun:
    """A packet socket on a translator's TUN device: send = to the daemon,
    receive = what the daemon wrote."""

    def __init__(self, label, ns, dev):
        self.label, self.dev = label, dev
        setns(ns)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
        self.sock.bind((dev, ETH_P_ALL))

    def send(self, pkt):
        b = bytes(pkt)
        self.sock.sendto(b, (self.dev, ETH_P_IP if b[0] >> 4 == 4 else ETH_P_IPV6))

    def drain(self):
        for _ in range(100000):
            try:
                self.sock.recv(65535, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return


def collect(tuns, min_wait=0.25, quiet=0.1, max_wait=1.5):
    """What each daemon wrote, until `quiet` seconds without a packet (at
    least min_wait, at most max_wait after the send)."""
    out = {t.label: [] for t in tuns}
    start = last = time.monotonic()
    while True:
        now = time.monotonic()
        deadline = min(start + max_wait, max(start + min_wait, last + quiet))
        if now >= deadline:
            return out
        ready, _, _ = select.select([t.sock for t in tuns], [], [], deadline - now)
        for t in tuns:
            if t.sock in ready:
                data, addr = t.sock.recvfrom(65535)
                if addr[2] != PACKET_OUTGOING:  # not our own transmission
                    out[t.label].append(bytes(data))
                    last = time.monotonic()


# ---- normalisation and summaries ----

CSUM_OFF = {17: 6, 6: 16, 1: 2, 58: 2}
PROTO_NAME = {1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6", 44: "Frag", 60: "DstOpt"}


def l4_csum_ok(ph, seg):
    return checksum(ph + seg) == 0


def mask_df_id(b, at):
    """Clears DF and the Identification of the IPv4 header at `at` unless
    it is a fragment's (whose ID is the original packet's, and compared)."""
    word = struct.unpack("!H", b[at + 6:at + 8])[0]
    if not (word & 0x2000 or word & 0x1FFF):
        b[at + 4:at + 6] = b"\0\0"
        b[at + 6] &= ~0x40 & 0xFF


def norm4(b, strict=False):
    """(normalised bytes, notes) of an IPv4 packet the translator wrote.
    Unless strict, the DF flag and the Identification of an unfragmented
    packet, outer or quoted in an ICMPv4 error, are masked: TAYGA 0.9.2
    sets DF=1 and ID 0 on every 6->4 translation, nat64d follows RFC 7915
    §5.1 (DF=1 only above 1260 bytes) and RFC 6864; the ipv4-id-* cases
    compare them unmasked."""
    b = bytearray(b)
    notes = []
    if len(b) < 20 or b[0] >> 4 != 4:
        return bytes(b), ["malformed"]
    ihl = (b[0] & 15) * 4
    total = struct.unpack("!H", b[2:4])[0]
    b = b[:total]
    if checksum(bytes(b[:ihl])) == 0:
        b[10:12] = VALID
    else:
        notes.append("BAD header checksum")
    word = struct.unpack("!H", b[6:8])[0]
    fragment = bool(word & 0x2000) or (word & 0x1FFF) != 0
    if not fragment:
        ident = struct.unpack("!H", b[4:6])[0]
        b[4:6] = b"\0\0" if ident == 0 else b"\xff\xff"  # zero / chosen by the sender
    proto = b[9]
    if not fragment and proto in CSUM_OFF and proto != 58 and len(b) >= ihl + CSUM_OFF[proto] + 2:
        off = ihl + CSUM_OFF[proto]
        seg = bytes(b[ihl:])
        if proto == 17 and b[off:off + 2] == b"\0\0":
            notes.append("UDP checksum 0")
        else:
            ph = b"" if proto == 1 else bytes(b[12:20]) + struct.pack("!BBH", 0, proto, len(seg))
            if l4_csum_ok(ph, seg):
                b[off:off + 2] = VALID
            else:
                notes.append(f"BAD {PROTO_NAME[proto]} checksum")
    # A quoted IPv4 header (ICMPv4 error): its own checksum verified too.
    q = ihl + 8
    if proto == 1 and not fragment and b[ihl] in (3, 11, 12) and len(b) >= q + 20 and b[q] >> 4 == 4:
        qihl = (b[q] & 15) * 4
        if len(b) >= q + qihl and checksum(bytes(b[q:q + qihl])) == 0:
            b[q + 10:q + 12] = VALID
        if not strict:
            mask_df_id(b, q)
    if not strict:
        mask_df_id(b, 0)
    return bytes(b), notes


def norm6(b):
    b = bytearray(b)
    notes = []
    if len(b) < 40 or b[0] >> 4 != 6:
        return bytes(b), ["malformed"]
    b = b[:40 + struct.unpack("!H", b[4:6])[0]]
    nh = b[6]
    if nh in (17, 6, 58) and len(b) >= 40 + CSUM_OFF[nh] + 2:
        off = 40 + CSUM_OFF[nh]
        seg = bytes(b[40:])
        if nh == 17 and b[off:off + 2] == b"\0\0":
            notes.append("UDP checksum 0")
        elif l4_csum_ok(bytes(b[8:40]) + struct.pack("!I", len(seg)) + b"\0\0\0" + bytes([nh]), seg):
            b[off:off + 2] = VALID
        else:
            notes.append(f"BAD {PROTO_NAME[nh]} checksum")
    return bytes(b), notes


def normalise(b, strict=False):
    return norm4(b, strict) if b and b[0] >> 4 == 4 else norm6(b)


def describe_inner(q):
    """Short form of a quoted packet inside an ICMP error."""
    if len(q) >= 20 and q[0] >> 4 == 4:
        ihl = (q[0] & 15) * 4
        d = f"[{s4(q[12:16])}>{s4(q[16:20])} {PROTO_NAME.get(q[9], q[9])} ttl {q[8]} id {q[4:6].hex()}"
        if q[9] in (6, 17) and len(q) >= ihl + 8:
            d += f" {struct.unpack('!H', q[ihl:ihl + 2])[0]}>{struct.unpack('!H', q[ihl + 2:ihl + 4])[0]}" \
                 f" csum {q[ihl + CSUM_OFF[q[9]]:ihl + CSUM_OFF[q[9]] + 2].hex()}"
        return d + "]"
    if len(q) >= 40 and q[0] >> 4 == 6:
        d = f"[{s6(q[8:24])}>{s6(q[24:40])} {PROTO_NAME.get(q[6], q[6])} hlim {q[7]}"
        if q[6] in (6, 17) and len(q) >= 48:
            d += f" {struct.unpack('!H', q[40:42])[0]}>{struct.unpack('!H', q[42:44])[0]}" \
                 f" csum {q[40 + CSUM_OFF[q[6]]:42 + CSUM_OFF[q[6]]].hex()}"
        return d + "]"
    return f"[{len(q)} bytes]"


def describe(b):
    """One line per captured packet: enough to see what differs."""
    n, notes = normalise(b)
    if b[0] >> 4 == 4:
        ihl = (b[0] & 15) * 4
        word = struct.unpack("!H", b[6:8])[0]
        ident = struct.unpack("!H", b[4:6])[0]
        fl = ("DF " if word & 0x4000 else "") + ("MF " if word & 0x2000 else "")
        frag = word & 0x1FFF
        d = (f"v4 {s4(b[12:16])}>{s4(b[16:20])} {PROTO_NAME.get(b[9], b[9])} ttl {b[8]} tos {b[1]:#x} "
             f"len {len(n)} id {ident if frag or word & 0x2000 else ('0' if ident == 0 else 'set')} {fl}"
             + (f"off {frag * 8} " if frag else ""))
        body, proto = b[ihl:], b[9]
    else:
        word = struct.unpack("!I", b[0:4])[0]
        d = (f"v6 {s6(b[8:24])}>{s6(b[24:40])} {PROTO_NAME.get(b[6], b[6])} hlim {b[7]} "
             f"tc {(word >> 20) & 0xFF:#x} fl {word & 0xFFFFF:#x} len {len(n)} ")
        body, proto = b[40:], b[6]
        if proto == 44 and len(body) >= 8:
            fw = struct.unpack("!H", body[2:4])[0]
            d += f"frag(nh {body[0]} off {fw & 0xFFF8} M {fw & 1} id {body[4:8].hex()}) "
            proto, body = body[0], body[8:] if (fw & 0xFFF8) == 0 else b""
    if proto in (6, 17) and len(body) >= 4:
        d += f"{struct.unpack('!H', body[0:2])[0]}>{struct.unpack('!H', body[2:4])[0]} "
    if proto in (1, 58) and len(body) >= 8:
        d += f"type {body[0]}/{body[1]} rest {body[4:8].hex()} "
        errors = (3, 11, 12, 4) if proto == 1 else (1, 2, 3, 4)
        if body[0] in errors:
            d += "quoting " + describe_inner(body[8:]) + " "
    return d + ("; ".join(notes) if notes else "").rstrip()


# ---- packet building ----

def payload(n, seed):
    return bytes((seed + i * 7) & 0xFF for i in range(n))


def udp6(src, dst, sport=40000, dport=40001, hlim=64, n=16, **kw):
    return IPv6(src=src, dst=dst, hlim=hlim) / UDP(sport=sport, dport=dport, **kw) / Raw(payload(n, sport))


def udp4(src, dst, sport=41000, dport=41001, ttl=64, n=16, flags="DF", **kw):
    return IP(src=src, dst=dst, ttl=ttl, flags=flags, id=0x1357) / UDP(sport=sport, dport=dport, **kw) / \
        Raw(payload(n, sport))


def proto4(src, dst, proto, n=24):
    return IP(src=src, dst=dst, ttl=64, flags="DF", id=0x2468, proto=proto) / Raw(payload(n, proto))


def cases_for(ph):
    """(case name, [packets or functions of the context], strict, filter
    of what is compared or None) for one
    phase, in sending order (pool leases made by earlier cases are seen by
    later ones; ctx["lease"] is the address TAYGA leased to POOL_USER6)."""
    P = ph.v6
    H4_AS6 = P(H4)
    c = []

    def add(name, *pkts, strict=False, keep=None):
        c.append((name, list(pkts), strict, keep))

    if ph.name in ("cksum-fwd", "cksum-calc"):
        add_udp_zero(add, P)
        return c

    if ph.name == "wkp":
        # RFC 6052 §3.1 with TAYGA's non-global list; 192.0.0.0/29 and
        # 192.88.99.0/24 are translated. A refused destination is refused
        # before the sender gets a pool lease (probed at the end).
        g1, g2 = "192.0.0.1", "192.88.99.1"
        add("wkp-6to4-dst-global-192.0.0.1", udp6(H6, P(g1)))
        add("wkp-6to4-dst-global-192.88.99.1", udp6(H6, P(g2)))
        add("wkp-6to4-dst-192.0.0.9", udp6(H6, P("192.0.0.9")))
        for a in ("10.0.0.1", "100.64.0.1", "172.16.0.1", "192.0.2.1", "192.168.0.1", "198.18.0.1",
                  "198.51.100.7", "203.0.113.7"):
            add(f"wkp-6to4-dst-nonglobal-{a}", udp6(H6, P(a)))
        # Special-purpose (RFC 6890) but not in TAYGA's list: translated.
        add("wkp-6to4-dst-192.0.0.100", udp6(H6, P("192.0.0.100")))
        add("wkp-6to4-src-nonglobal-10.0.0.1", udp6(P("10.0.0.1"), P(g1)))
        add("wkp-6to4-pool-to-nonglobal", udp6(POOL_USER6, P("10.0.0.1")))
        add("wkp-4to6-src-global-192.0.0.1", udp4(g1, H6_AS4))
        add("wkp-4to6-src-nonglobal-10.0.0.1", udp4("10.0.0.1", H6_AS4))
        add("wkp-4to6-src-nonglobal-192.0.2.1", udp4(H4, H6_AS4))
        add("wkp-6to4-echo-own-ipv6-addr",
            IPv6(src=H6, dst=ph.xlat6, hlim=64) / ICMPv6EchoRequest(id=7, seq=1, data=b"wkp-own"))
        add("wkp-6to4-reserved-src-in-prefix", udp6(P("0.0.0.1"), P(g1)))
        # ipv6-addr is set apart from the prefix here: prefix + ipv4-addr is
        # a spoofed source like any other (section 1 (a)).
        add("wkp-spoof-6to4-src-ipv4-addr", udp6(P(XLAT4), P(g1)))
        add_pool_probe(add, g1)
        return c

    # ---- nsp: protocols and next headers, both ways ----
    add("6to4-udp", udp6(H6, H4_AS6))
    add("6to4-tcp", IPv6(src=H6, dst=H4_AS6, hlim=64) / TCP(sport=40002, dport=80, flags="S", seq=1000))
    add("6to4-icmp-echo", IPv6(src=H6, dst=H4_AS6, hlim=64) / ICMPv6EchoRequest(id=1, seq=1, data=b"ping"))
    add("6to4-icmp-echo-reply", IPv6(src=H6, dst=H4_AS6, hlim=64) / ICMPv6EchoReply(id=1, seq=1, data=b"pong"))
    add("6to4-nh1-icmpv4", IPv6(src=H6, dst=H4_AS6, hlim=64, nh=1) / ICMP(id=1, seq=1) / Raw(b"v4inv6"))
    add("6to4-nh253-unknown", IPv6(src=H6, dst=H4_AS6, hlim=64, nh=253) / Raw(payload(24, 253)))
    add("6to4-pool-lease-udp", udp6(POOL_USER6, H4_AS6, sport=40003))
    add("4to6-udp", udp4(H4, H6_AS4))
    add("4to6-udp-df0", udp4(H4, H6_AS4, flags=0, sport=41002))
    add("4to6-tcp", IP(src=H4, dst=H6_AS4, ttl=64, flags="DF") / TCP(sport=80, dport=41003, flags="SA", seq=5,
                                                                       ack=1001))
    add("4to6-icmp-echo", IP(src=H4, dst=H6_AS4, ttl=64, flags="DF") / ICMP(id=2, seq=1) / Raw(b"ping"))
    add("4to6-icmp-echo-reply", IP(src=H4, dst=H6_AS4, ttl=64, flags="DF") / ICMP(type=0, id=2, seq=1) /
        Raw(b"pong"))
    for proto in (58, 43, 44, 0, 60, 253):
        add(f"4to6-proto-{proto}", proto4(H4, H6_AS4, proto))
    add("4to6-pool-leased", lambda ctx: udp4(H4, ctx["lease"], sport=41004))
    add("4to6-pool-not-leased", udp4(H4, POOL_FREE4, sport=41005))

    # ---- IPv4 DF and Identification, unmasked (RFC 7915 §5.1, RFC 6864) ----
    add("ipv4-id-6to4-small", udp6(H6, H4_AS6, sport=40004), strict=True)
    add("ipv4-id-6to4-1260", udp6(H6, H4_AS6, sport=40005, n=1280 - 48), strict=True)
    add("ipv4-id-6to4-1380", udp6(H6, H4_AS6, sport=40006, n=1400 - 48), strict=True)
    add("ipv4-id-own-time-exceeded", udp4(H4, H6_AS4, sport=41009, ttl=1), strict=True)
    add("ipv4-id-own-echo-reply", IP(src=H4, dst=XLAT4, ttl=64) / ICMP(id=5, seq=1), strict=True)
    add("4to6-udp-df0-1400", udp4(H4, H6_AS4, flags=0, sport=41006, n=1400 - 28))
    add("4to6-udp-df1-1500", udp4(H4, H6_AS4, sport=41007, n=1500 - 28))
    add("4to6-fragments", *frag4(H4, H6_AS4, 41008))
    add("6to4-fragments", *frag6(H6, H4_AS6, 40008))
    add("6to4-fragment-then-destopt",
        IPv6(src=H6, dst=H4_AS6, hlim=64) / IPv6ExtHdrFragment(nh=60, offset=0, m=1, id=0x77) /
        IPv6ExtHdrDestOpt(nh=17) / UDP(sport=40007, dport=40001) / Raw(payload(32, 7)))

    # ---- TTL / hop limit 0, 1, 2 ----
    for n in (0, 1, 2):
        add(f"6to4-hlim-{n}", udp6(H6, H4_AS6, sport=40010 + n, hlim=n))
        add(f"4to6-ttl-{n}", udp4(H4, H6_AS4, sport=41010 + n, ttl=n))
    add("6to4-echo-hlim-1", IPv6(src=H6, dst=H4_AS6, hlim=1) / ICMPv6EchoRequest(id=3, seq=1, data=b"trace"))
    add("4to6-echo-ttl-1", IP(src=H4, dst=H6_AS4, ttl=1) / ICMP(id=3, seq=1) / Raw(b"trace"))

    # ---- the translator's own addresses ----
    add("own-4to6-echo-ipv4-addr", IP(src=H4, dst=XLAT4, ttl=64) / ICMP(id=4, seq=1) / Raw(b"own"))
    add("own-4to6-udp-ipv4-addr", udp4(H4, XLAT4, sport=41020))
    add("own-4to6-tcp-ipv4-addr", IP(src=H4, dst=XLAT4, ttl=64) / TCP(sport=41021, dport=22, flags="S"))
    add("own-4to6-echo-reply-ipv4-addr", IP(src=H4, dst=XLAT4, ttl=64) / ICMP(type=0, id=4, seq=1))
    add("own-6to4-echo-ipv6-addr", IPv6(src=H6, dst=ph.xlat6, hlim=64) / ICMPv6EchoRequest(id=4, seq=1, data=b"own"))
    add("own-6to4-udp-ipv6-addr", udp6(H6, ph.xlat6, sport=40020))
    add("own-6to4-tcp-ipv6-addr", IPv6(src=H6, dst=ph.xlat6, hlim=64) / TCP(sport=40021, dport=22, flags="S"))

    # ---- section 1: spoofed sources embedded in the prefix ----
    add("spoof-6to4-src-ipv4-addr", udp6(P(XLAT4), H4_AS6, sport=40030))
    add("spoof-6to4-src-map-ipv4", udp6(P(H6_AS4), H4_AS6, sport=40031))
    add("spoof-6to4-src-pool", udp6(P("198.51.100.135"), H4_AS6, sport=40032))
    add("spoof-6to4-src-pool-leased", lambda ctx: udp6(P(ctx["lease"]), H4_AS6, sport=40033))
    add("6to4-hairpin-to-map", udp6(POOL_USER6, P(H6_AS4), sport=40034))
    add("6to4-dst-outside-prefix", udp6(H6, "2001:db8:99::1", sport=40035))

    # ---- section 2: reserved IPv4 through the prefix, both directions ----
    for a in ("0.0.0.1", "127.0.0.1", "169.254.0.2", "224.0.0.1", "239.1.2.3", "240.0.0.1",
              "255.255.255.254", "255.255.255.255"):
        add(f"6to4-src-{a}", udp6(P(a), H4_AS6, sport=40040))
        add(f"6to4-dst-{a}", udp6(H6, P(a), sport=40041))
        add(f"4to6-src-{a}", udp4(a, H6_AS4, sport=41040))
        add(f"4to6-dst-{a}", udp4(H4, a, sport=41041))
    # (169.254/16 through a map entry: TAYGA 0.9.2 refuses such a map,
    # see the config: cases of tayga_diff.sh.)
    # Reserved IPv6 (the prefix is never involved: dropped silently).
    for a in ("::5", "::1", "::", "fe80::1", "ff02::1", "ff0e::1"):
        add(f"6to4-src-{a}", udp6(a, H4_AS6, sport=40043))
    for a in ("::5", "::1", "fe80::1", "ff02::1", "ff0e::1"):
        add(f"6to4-dst-{a}", udp6(H6, a, sport=40044))

    # ---- ICMP errors quoting a translated packet ----
    q4 = bytes(udp4(H6_AS4, H4, sport=40050, dport=40051, ttl=1, flags=0))  # what the IPv4 side saw
    q6 = bytes(udp6(H4_AS6, H6, sport=41050, dport=41051, hlim=1))          # what the IPv6 side saw
    add("4to6-err-time-exceeded", icmp4_err(ROUTER4, H6_AS4, 11, 0, q4))
    add("4to6-err-port-unreach", icmp4_err(H4, H6_AS4, 3, 3, q4))
    add("4to6-err-frag-needed", icmp4_err(ROUTER4, H6_AS4, 3, 4, q4, rest=struct.pack("!HH", 0, 1400)))
    add("4to6-err-src-0.0.0.1", icmp4_err("0.0.0.1", H6_AS4, 11, 0, q4))
    add("4to6-err-src-127.0.0.1", icmp4_err("127.0.0.1", H6_AS4, 11, 0, q4))
    add("4to6-err-src-224.0.0.1", icmp4_err("224.0.0.1", H6_AS4, 11, 0, q4))
    q4_tcp = bytes(IP(src=H6_AS4, dst=H4, ttl=1) / TCP(sport=40052, dport=80, flags="S"))
    add("4to6-err-quoting-tcp", icmp4_err(ROUTER4, H6_AS4, 11, 0, q4_tcp))
    q4_echo = bytes(IP(src=H6_AS4, dst=H4, ttl=1) / ICMP(id=9, seq=1) / Raw(b"q"))
    add("4to6-err-quoting-echo", icmp4_err(ROUTER4, H6_AS4, 11, 0, q4_echo))
    for proto in (58, 43, 44, 0, 60):
        add(f"4to6-err-quoting-proto-{proto}", icmp4_err(ROUTER4, H6_AS4, 3, 1,
                                                          bytes(proto4(H6_AS4, H4, proto, n=16))))
    add("4to6-err-quoting-dst-127.0.0.1",
        icmp4_err(ROUTER4, H6_AS4, 3, 1, bytes(udp4(H6_AS4, "127.0.0.1", sport=40053))))
    add("4to6-err-quoting-src-0.0.0.1", icmp4_err(ROUTER4, "0.0.0.1", 3, 1, bytes(udp4("0.0.0.1", H4))))
    add("6to4-err-port-unreach", icmp6_err(H6, H4_AS6, ICMPv6DestUnreach(code=4), q6))
    add("6to4-err-time-exceeded-router", icmp6_err(ROUTER6, H4_AS6, ICMPv6TimeExceeded(code=0), q6))
    add("6to4-err-packet-too-big", icmp6_err(H6, H4_AS6, ICMPv6PacketTooBig(mtu=1400), q6))
    q6_tcp = bytes(IPv6(src=H4_AS6, dst=H6, hlim=1) / TCP(sport=80, dport=41052, flags="SA"))
    add("6to4-err-quoting-tcp", icmp6_err(H6, H4_AS6, ICMPv6DestUnreach(code=4), q6_tcp))
    q6_nh1 = bytes(IPv6(src=H4_AS6, dst=H6, hlim=1, nh=1) / ICMP(id=1) / Raw(b"q"))
    add("6to4-err-quoting-nh1", icmp6_err(H6, H4_AS6, ICMPv6DestUnreach(code=4), q6_nh1))
    add("6to4-err-quoting-src-fe80::1",
        icmp6_err(H6, H4_AS6, ICMPv6DestUnreach(code=4), bytes(udp6(H4_AS6, "fe80::1"))))
    # 203.0.113.77 is routed into each daemon's TUN device (tayga_diff.sh)
    # and neither mapped nor in the pool: TAYGA sends it back into the
    # device, where it would come back to it; nat64d answers 1/3.
    add("6to4-loop-unmapped-routed-into-tun", udp6(H6, P("203.0.113.77")))

    add_udp_zero(add, P)
    add_pool_probe(add, H4)
    return c


def add_udp_zero(add, P):
    """UDP checksum 0 in both directions (RFC 7915 §4.5; IPv6 forbids it,
    RFC 8200 §8.1), whole and as a first fragment."""
    H4_AS6 = P(H4)
    add("udp-zero-4to6", udp4(H4, H6_AS4, sport=41060, chksum=0))
    whole = bytes(udp4(H4, H6_AS4, sport=41061, n=64, flags=0, chksum=0))[20:]
    add("udp-zero-4to6-first-fragment",
        IP(src=H4, dst=H6_AS4, ttl=64, id=0x5151, flags="MF", proto=17) / Raw(whole[:40]))
    add("udp-zero-6to4", udp6(H6, H4_AS6, sport=40060, chksum=0))


def add_pool_probe(add, src4):
    """Which pool addresses are leased, and to whom: one UDP datagram from
    the IPv4 side to each address of the pool (198.51.100.128/28); only the
    translations are compared (the error for an address without a lease is
    the 4to6-pool-not-leased case)."""
    add("pool-probe", *[udp4(src4, f"198.51.100.{n}", sport=41100 + n) for n in range(POOL_FIRST, POOL_LAST + 1)],
        keep=lambda b: b[0] >> 4 == 6)


def frag4(src, dst, sport):
    seg = bytes(IP(src=src, dst=dst) / UDP(sport=sport, dport=41001) / Raw(payload(200, 9)))[20:]
    return [IP(src=src, dst=dst, ttl=64, id=0x4242, proto=17, flags="MF" if off == 0 else 0, frag=off // 8) /
            Raw(seg[off:off + 104]) for off in (0, 104)]


def frag6(src, dst, sport):
    seg = bytes(IPv6(src=src, dst=dst) / UDP(sport=sport, dport=40001) / Raw(payload(200, 10)))[40:]
    return [IPv6(src=src, dst=dst, hlim=64) / IPv6ExtHdrFragment(nh=17, offset=off // 8, m=int(off == 0),
                                                                   id=0xabcd4242) /
            Raw(seg[off:off + 104]) for off in (0, 104)]


def icmp4_err(src, dst, typ, code, quoted, rest=b"\0\0\0\0"):
    m = struct.pack("!BBH", typ, code, 0) + rest + quoted
    m = m[:2] + struct.pack("!H", checksum(m)) + m[4:]
    return IP(src=src, dst=dst, ttl=64, proto=1) / Raw(m)


def icmp6_err(src, dst, msg, quoted):
    return IPv6(src=src, dst=dst, hlim=64) / msg / Raw(quoted)


# ---- running a phase ----

def read_allow(path):
    """[(case-id pattern, anchor, reason)] from the allow-list."""
    entries = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
            if not line:
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                sys.exit(f"{path}:{n}: want '<case-id> <docs/FILE.md#anchor> <reason>'")
            entries.append((parts[0], parts[1], parts[2], n))
    return entries


def allowed(entries, case_id):
    return next((e for e in entries if fnmatch.fnmatchcase(case_id, e[0])), None)


def wait_ready(tuns):
    """Both daemons answer an echo at ipv4-addr (bounded: 10 s)."""
    deadline = time.monotonic() + 10
    pending = list(tuns)
    seq = 0
    while pending and time.monotonic() < deadline:
        seq += 1
        for t in pending:
            t.send(IP(src=H4, dst=XLAT4, ttl=64) / ICMP(id=0xbeef, seq=seq))
        got = collect(pending, min_wait=0.1, quiet=0.05)
        pending = [t for t in pending if not any(b[0] >> 4 == 4 and b[20:21] == b"\0" for b in got[t.label])]
    if pending:
        sys.exit("not translating within 10 s: " + ", ".join(t.label for t in pending))


def run(phase_name, allow_path, results_path, ns_t, tun_t, ns_n, tun_n):
    ph = PHASES[phase_name]
    entries = read_allow(allow_path)
    tuns = [Tun("tayga", ns_t, tun_t), Tun("nat64d", ns_n, tun_n)]
    wait_ready(tuns)
    only = os.environ.get("DIFF_ONLY")
    counts = {"SAME": 0, "DIFF": 0, "allowed": 0}
    ctx = {}
    with open(results_path, "a") as results:
        for name, pkts, strict, keep in cases_for(ph):
            case_id = f"{ph.name}:{name}"
            if only and not case_id.startswith(only) and not name.startswith(only):
                continue
            for t in tuns:
                t.drain()
            for p in pkts:
                p = p(ctx) if callable(p) else p
                for t in tuns:
                    t.send(p)
            got = collect(tuns)
            if keep:
                got = {k: [b for b in v if keep(b)] for k, v in got.items()}
            if name == "6to4-pool-lease-udp":
                ctx["lease"] = next((s4(b[12:16]) for b in got["tayga"] if b[0] >> 4 == 4), POOL_FREE4)
            same = report(case_id, got, strict, entries, counts)
            results.write(f"{case_id} {'SAME' if same else 'DIFF'}\n")
    print(f"phase {ph.name} ({ph.what}): {counts['SAME']} same, {counts['allowed']} allowed differences, "
          f"{counts['DIFF']} unexplained differences", flush=True)


def report(case_id, got, strict, entries, counts):
    """Prints the case's line; True when both translators wrote the same."""
    norm = {k: Counter(normalise(b, strict)[0] for b in v) for k, v in got.items()}
    first = {normalise(b, strict)[0]: b for v in got.values() for b in v}  # a raw packet per form
    t_only = sorted((first[n] for n in (norm["tayga"] - norm["nat64d"]).elements()), key=describe)
    n_only = sorted((first[n] for n in (norm["nat64d"] - norm["tayga"]).elements()), key=describe)
    if norm["tayga"] == norm["nat64d"]:
        counts["SAME"] += 1
        out = "; ".join(describe(b) for b in got["tayga"]) or "nothing"
        if len(got["tayga"]) > 3:
            out = f"{len(got['tayga'])} packets, e.g. {describe(got['tayga'][0])}"
        print(f"SAME  {case_id}: {out}", flush=True)
        return True
    entry = allowed(entries, case_id)
    if entry:
        counts["allowed"] += 1
        print(f"DIFF(allowed: {entry[1]}) {case_id}", flush=True)
    else:
        counts["DIFF"] += 1
        print(f"DIFF  {case_id}  (not in the allow-list: FAIL)", flush=True)
    common = len(got["tayga"]) - len(t_only)
    for k, only in (("tayga", t_only), ("nat64d", n_only)):
        for b in only or [None]:
            print(f"      {k:6} {describe(b) if b else 'nothing' if not common else 'nothing else'}", flush=True)
    if common > 0 and (t_only or n_only):
        print(f"      (and {common} packet(s) alike)", flush=True)
    if len(t_only) == 1 and len(n_only) == 1:
        a, b = normalise(t_only[0], strict)[0], normalise(n_only[0], strict)[0]
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        print(f"      first difference at byte {i} (normalised): tayga {a[i:i + 8].hex() or 'end'}, "
              f"nat64d {b[i:i + 8].hex() or 'end'}", flush=True)
    return False


# ---- the verdict over all phases ----

def slug(heading):
    """GitHub's anchor for a Markdown heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchor_exists(docs_dir, anchor):
    if "#" not in anchor:
        return False
    path, frag = anchor.split("#", 1)
    full = os.path.join(docs_dir, os.path.basename(path))
    if not path.startswith("docs/") or not os.path.isfile(full):
        return False
    with open(full) as f:
        text = f.read()
    if re.search(r'id="' + re.escape(frag) + r'"', text):
        return True
    return any(slug(m) == frag for m in re.findall(r"^#+\s+(.*)$", text, re.M))


def verdict(allow_path, results_path, docs_dir):
    entries = read_allow(allow_path)
    results = {}
    with open(results_path) as f:
        for line in f:
            case_id, status = line.split()
            results[case_id] = status
    bad = []
    for case_id, status in results.items():
        if status == "DIFF" and not allowed(entries, case_id):
            bad.append(f"{case_id}: differs from TAYGA and is not in the allow-list")
    for pattern, anchor, reason, n in entries:
        matched = [c for c in results if fnmatch.fnmatchcase(c, pattern)]
        if not anchor_exists(docs_dir, anchor):
            bad.append(f"allow-list line {n}: {anchor} is no heading or id in docs/")
        if not matched and not os.environ.get("DIFF_ONLY"):
            bad.append(f"allow-list line {n}: {pattern} matches no case that ran")
        elif matched and all(results[c] == "SAME" for c in matched):
            bad.append(f"allow-list line {n}: {pattern} now behaves like TAYGA (stale entry)")
    n_same = sum(1 for s in results.values() if s == "SAME")
    print(f"{len(results)} cases: {n_same} same as TAYGA, {len(results) - n_same} different "
          f"({len(entries)} allow-list entries)")
    for b in bad:
        print(f"FAIL {b}")
    return 1 if bad else 0


def main():
    if len(sys.argv) == 9 and sys.argv[1] == "run":
        run(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "verdict":
        sys.exit(verdict(*sys.argv[2:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
