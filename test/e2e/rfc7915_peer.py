#!/usr/bin/python3
"""RFC 7915 end-to-end peer: crafts packets on one side of nat64d, captures
what the translator makes of them on the other side, and checks every field
the RFC defines (and every checksum).

Run by rfc7915.sh (Debian's /usr/bin/python3, which has scapy), as root in
the initial namespace; the sockets are opened inside the lab's namespaces
(setns), so one process drives both hosts:

  rfc7915_peer.py NS6 NS4 MAC_V6X MAC_V4X

NS6 / NS4: names of the IPv6-host and IPv4-host namespaces (/run/netns/*);
MAC_V6X / MAC_V4X: the translator namespace's veth MACs facing each host.
Every receive is bounded by a count and a timeout; any mismatch makes the
case, and the run, fail with the field, the value got and the one expected.
RFC7915_ONLY=<prefix> runs only the cases whose name starts with it.

Cases (RFC 7915 unless named): 1 fragments both ways and translator
fragmentation (§4.1, §5.1.1); 2 Packet Too Big <-> Fragmentation Needed
(§4.2, §5.2, RFC 8021, RFC 6791) and DF=1 too big (§4.1); 3 Time Exceeded
from the translator (§4.1, §5.1); 4 Parameter Problem pointers (figure 6)
and a Routing header (§5.1); 5 an ICMP error quoting TCP (§4.3); 6
hairpinning (RFC 7757 §4); 7 RFC 4884 extensions; 8 IPv4 options, IPv6
extension headers; 9 fragment corner cases; 10 figure 3 pointers, quoted
options / extension headers, 1280-byte cut; 11 re-fragmenting fragments;
12 DF and Fragment Header boundaries, UDP checksum 0 -> 0xFFFF; 13 the
ICMP type/code tables; 14 no errors about errors; 15 error rate limit.
"""
import ctypes
import os
import socket
import struct
import sys
import time

from scapy.config import conf

conf.verb = 0
from scapy.all import Ether, IP, IPv6, UDP, TCP, Raw, sniff  # noqa: E402
from scapy.layers.inet import IPOption_LSRR, IPOption_RR  # noqa: E402
from scapy.layers.inet6 import IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop  # noqa: E402
from scapy.layers.inet6 import IPv6ExtHdrRouting  # noqa: E402
from scapy.arch.linux import L2Socket  # noqa: E402
from scapy.utils import checksum  # noqa: E402
from scapy.layers.inet import in4_chksum  # noqa: E402
from scapy.layers.inet6 import in6_chksum  # noqa: E402

# The lab (test/e2e/lib.sh): documentation addresses only.
H6 = "2001:db8:6::2"          # IPv6 host A, static map 198.51.100.2
H6B = "2001:db8:6::3"         # IPv6 host B (same namespace), static map 198.51.100.3
H6_AS4 = "198.51.100.2"
H4 = "192.0.2.1"              # IPv4 host
H4_AS6 = "3fff:6464::c000:201"  # RFC 6052 /96: prefix + 192.0.2.1
H6B_VIA_PREFIX = "3fff:6464::c633:6403"  # prefix + 198.51.100.3 (hairpin target)
H6_VIA_PREFIX = "3fff:6464::c633:6402"   # prefix + 198.51.100.2
XLAT4 = "198.51.100.1"        # ipv4-addr
XLAT6 = "3fff:6464::c633:6401"  # ipv6-addr default: prefix + ipv4-addr
# (Errors from the translator are told from the namespace kernel's own,
# which would come from 2001:db8:6::1 / 192.0.2.254, by their source.)
ROUTER6 = "2001:db8:6::99"    # an IPv6 "router" with no IPv4 mapping (RFC 6791)

# Hops: every packet crosses the translator namespace's kernel twice (in
# and out of the TUN device) and nat64d once, so 64 arrives as 61.
SENT_HOPS = 64
ARRIVED_HOPS = 61

CLONE_NEWNET = 0x40000000
PROTO_UDP, PROTO_TCP, PROTO_ICMP, PROTO_ICMP6, PROTO_FRAG = 17, 6, 1, 58, 44


class Mismatch(Exception):
    pass


def eq(got, want, what):
    if got == want:
        return
    if isinstance(got, (bytes, bytearray)) and isinstance(want, (bytes, bytearray)):
        i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), min(len(got), len(want)))
        raise Mismatch(f"{what}: {len(got)} bytes vs {len(want)} expected, first difference at byte {i}: "
                       f"got {bytes(got[i:i + 8]).hex()}, expected {bytes(want[i:i + 8]).hex()}")
    raise Mismatch(f"{what}: got {got!r}, expected {want!r}")


def ok(cond, what):
    if not cond:
        raise Mismatch(what)


def setns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {name}")
    finally:
        os.close(fd)


def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def a4(s):
    return socket.inet_aton(s)


def s6(b):
    return socket.inet_ntop(socket.AF_INET6, bytes(b))


def s4(b):
    return socket.inet_ntoa(bytes(b))


# ---- checksums over raw bytes (scapy's checksum / in4_chksum / in6_chksum) ----

def zero_at(b, off):
    return bytes(b[:off]) + b"\0\0" + bytes(b[off + 2:])


def check_ip4_header(raw, what):
    ihl = (raw[0] & 15) * 4
    got = struct.unpack("!H", raw[10:12])[0]
    eq(got, checksum(zero_at(raw[:ihl], 10)), f"{what}: IPv4 header checksum")


CSUM_OFF = {PROTO_UDP: 6, PROTO_TCP: 16, PROTO_ICMP: 2, PROTO_ICMP6: 2}


def check_l4_v4(raw, what):
    """Transport checksum of a whole, unfragmented IPv4 packet."""
    ihl = (raw[0] & 15) * 4
    proto = raw[9]
    seg = bytes(raw[ihl:struct.unpack("!H", raw[2:4])[0]])
    off = CSUM_OFF[proto]
    got = struct.unpack("!H", seg[off:off + 2])[0]
    if proto == PROTO_ICMP:
        want = checksum(zero_at(seg, off))  # ICMPv4: no pseudo-header
    else:
        ok(got != 0, f"{what}: transport checksum is 0")
        want = in4_chksum(proto, IP(bytes(raw)), zero_at(seg, off))
        if proto == PROTO_UDP and want == 0:
            want = 0xFFFF
    eq(got, want, f"{what}: {({17: 'UDP', 6: 'TCP', 1: 'ICMP'})[proto]} checksum")


def check_l4_v6(raw, what):
    """Transport checksum of a whole IPv6 packet without extension headers."""
    nh = raw[6]
    seg = bytes(raw[40:40 + struct.unpack("!H", raw[4:6])[0]])
    off = CSUM_OFF[nh]
    got = struct.unpack("!H", seg[off:off + 2])[0]
    want = in6_chksum(nh, IPv6(bytes(raw)), zero_at(seg, off))
    if nh == PROTO_UDP and want == 0:
        want = 0xFFFF
    eq(got, want, f"{what}: {({17: 'UDP', 6: 'TCP', 58: 'ICMPv6'})[nh]} checksum")


def pseudo6_sum_ok(src, dst, nh, seg):
    ph = a6(src) + a6(dst) + struct.pack("!I", len(seg)) + b"\0\0\0" + bytes([nh])
    return checksum(ph + seg) == 0


def pseudo4_sum_ok(src, dst, proto, seg):
    ph = a4(src) + a4(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return checksum(ph + seg) == 0


def icmp6_bytes(src, dst, typ, code, rest, body):
    """An ICMPv6 message with a correct checksum (RFC 4443 §2.3)."""
    m = struct.pack("!BBH", typ, code, 0) + rest + body
    ph = a6(src) + a6(dst) + struct.pack("!I", len(m)) + b"\0\0\0" + bytes([PROTO_ICMP6])
    c = checksum(ph + m)
    return m[:2] + struct.pack("!H", c) + m[4:]


def icmp4_bytes(typ, code, rest, body):
    m = struct.pack("!BBH", typ, code, 0) + rest + body
    return m[:2] + struct.pack("!H", checksum(m)) + m[4:]


# ---- the two hosts ----

class Host:
    def __init__(self, ns, iface, router_mac):
        setns(ns)
        self.sock = L2Socket(iface=iface, promisc=False)
        # Room for a burst (case 15) while nothing reads: SO_RCVBUFFORCE.
        self.sock.ins.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)
        self.router_mac = router_mac
        self.mac = ":".join(f"{b:02x}" for b in self.sock.ins.getsockname()[4])
        self.name = ns

    def drain(self):
        """Discards whatever the kernel queued (replies of earlier cases)."""
        for _ in range(10000):
            try:
                data = self.sock.ins.recv(65535, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            if not data:
                return

    def send(self, l3):
        ether_type = 0x86DD if bytes(l3)[0] >> 4 == 6 else 0x0800
        self.sock.send(Ether(src=self.mac, dst=self.router_mac, type=ether_type) / Raw(bytes(l3)))

    def recv(self, match, count=1, timeout=2.0):
        """IP packets (raw bytes from the IP header on) for which match(raw)
        holds: at most `count`, waiting at most `timeout` seconds."""
        got = sniff(opened_socket=self.sock, timeout=timeout, count=count,
                    lfilter=lambda p: p.haslayer(Ether) and p[Ether].type in (0x0800, 0x86DD)
                    and match(ip_bytes(bytes(p)[14:])))
        return [ip_bytes(bytes(p)[14:]) for p in got]


def ip_bytes(frame_payload):
    """The IP packet in an Ethernet payload, without link-layer padding."""
    b = frame_payload
    if len(b) >= 20 and b[0] >> 4 == 4:
        return b[:struct.unpack("!H", b[2:4])[0]]
    if len(b) >= 40 and b[0] >> 4 == 6:
        return b[:40 + struct.unpack("!H", b[4:6])[0]]
    return b


def is6(raw, src=None, dst=None, nh=None):
    return (len(raw) >= 40 and raw[0] >> 4 == 6 and (src is None or raw[8:24] == a6(src))
            and (dst is None or raw[24:40] == a6(dst)) and (nh is None or raw[6] == nh))


def is4(raw, src=None, dst=None, proto=None):
    return (len(raw) >= 20 and raw[0] >> 4 == 4 and (src is None or raw[12:16] == a4(src))
            and (dst is None or raw[16:20] == a4(dst)) and (proto is None or raw[9] == proto))


# Matchers name the type *and code* they wait for: the hosts' kernels answer
# the crafted datagrams to closed ports with their own port unreachable
# (3/3, 1/4), which the translator carries across too.
def udp_port(raw, off, dport):
    return len(raw) >= off + 4 and struct.unpack("!H", raw[off + 2:off + 4])[0] == dport


def one(pkts, what):
    eq(len(pkts), 1, f"{what}: number of packets captured")
    return pkts[0]


def payload_bytes(n, seed):
    return bytes((seed + i * 7) & 0xFF for i in range(n))


def check_ip6_outer(raw, src, dst, nh, hlim, what, tclass=0):
    eq(raw[0] >> 4, 6, f"{what}: version")
    eq(((raw[0] & 15) << 4) | (raw[1] >> 4), tclass, f"{what}: traffic class")
    eq(struct.unpack("!I", raw[0:4])[0] & 0xFFFFF, 0, f"{what}: flow label")
    eq(s6(raw[8:24]), src, f"{what}: source")
    eq(s6(raw[24:40]), dst, f"{what}: destination")
    eq(raw[6], nh, f"{what}: next header")
    eq(raw[7], hlim, f"{what}: hop limit")
    eq(struct.unpack("!H", raw[4:6])[0], len(raw) - 40, f"{what}: payload length")


def check_ip4_outer(raw, src, dst, proto, ttl, what, tos=0):
    eq(raw[0], 0x45, f"{what}: version/IHL")
    eq(raw[1], tos, f"{what}: TOS")
    eq(s4(raw[12:16]), src, f"{what}: source")
    eq(s4(raw[16:20]), dst, f"{what}: destination")
    eq(raw[9], proto, f"{what}: protocol")
    eq(raw[8], ttl, f"{what}: TTL")
    eq(struct.unpack("!H", raw[2:4])[0], len(raw), f"{what}: total length")
    check_ip4_header(raw, what)


# ---- cases ----

def case_frag_4to6(h6, h4):
    """RFC 7915 §4.1: IPv4 fragments -> IPv6 Fragment Headers, one by one."""
    data = payload_bytes(600, 1)
    whole = IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS) / UDP(sport=31001, dport=31002) / Raw(data)
    seg = bytes(whole)[20:]  # 608 bytes, UDP checksum over the IPv4 pseudo-header
    chunk = 208
    for off in range(0, len(seg), chunk):
        more = off + chunk < len(seg)
        h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, tos=0x28, id=0x1234, proto=PROTO_UDP,
                   flags="MF" if more else 0, frag=off // 8) / Raw(seg[off:off + chunk]))
    got = h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_FRAG) and r[44:48] == b"\0\0\x12\x34", count=3)
    eq(len(got), 3, "fragments captured")
    got.sort(key=lambda r: struct.unpack("!H", r[42:44])[0] >> 3)
    rebuilt = b""
    for i, r in enumerate(got):
        what = f"fragment {i}"
        check_ip6_outer(r, H4_AS6, H6, PROTO_FRAG, ARRIVED_HOPS, what, tclass=0x28)
        eq(r[40], PROTO_UDP, f"{what}: Fragment Header next header")
        word = struct.unpack("!H", r[42:44])[0]
        eq(word >> 3, i * chunk // 8, f"{what}: fragment offset")
        eq(word & 1, 1 if i < 2 else 0, f"{what}: M flag")
        eq(struct.unpack("!I", r[44:48])[0], 0x1234, f"{what}: identification (0x0000 || IPv4 ID)")
        eq(len(r), 48 + min(chunk, len(seg) - i * chunk), f"{what}: length")
        rebuilt += r[48:]
    eq(rebuilt[:6] + rebuilt[8:], seg[:6] + seg[8:], "reassembled UDP datagram (checksum aside)")
    ok(pseudo6_sum_ok(H4_AS6, H6, PROTO_UDP, rebuilt), "reassembled UDP checksum (IPv6 pseudo-header) invalid")
    return "3 IPv4 fragments (ID 0x1234, MF) -> 3 IPv6 fragments, ID 0x00001234, offsets 0/26/52, M 1/1/0"


def case_frag_6to4(h6, h4):
    """RFC 7915 §5.1.1: IPv6 fragments -> IPv4 fragments, ID low 16 bits, DF=0."""
    data = payload_bytes(600, 2)
    whole = IPv6(src=H6, dst=H4_AS6) / UDP(sport=31003, dport=31004) / Raw(data)
    seg = bytes(whole)[40:]
    chunk = 208
    for off in range(0, len(seg), chunk):
        more = off + chunk < len(seg)
        h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS, tc=0x28) /
                IPv6ExtHdrFragment(nh=PROTO_UDP, offset=off // 8, m=int(more), id=0xABCD1234) /
                Raw(seg[off:off + chunk]))
    got = h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_UDP) and r[4:6] == b"\x12\x34", count=3)
    eq(len(got), 3, "fragments captured")
    got.sort(key=lambda r: struct.unpack("!H", r[6:8])[0] & 0x1FFF)
    rebuilt = b""
    for i, r in enumerate(got):
        what = f"fragment {i}"
        check_ip4_outer(r, H6_AS4, H4, PROTO_UDP, ARRIVED_HOPS, what, tos=0x28)
        word = struct.unpack("!H", r[6:8])[0]
        eq(word & 0x4000, 0, f"{what}: DF")
        eq(word & 0x1FFF, i * chunk // 8, f"{what}: fragment offset")
        eq(word >> 13 & 1, 1 if i < 2 else 0, f"{what}: MF")
        eq(struct.unpack("!H", r[4:6])[0], 0x1234, f"{what}: identification (low 16 bits)")
        rebuilt += r[20:]
    eq(rebuilt[:6] + rebuilt[8:], seg[:6] + seg[8:], "reassembled UDP datagram (checksum aside)")
    ok(pseudo4_sum_ok(H6_AS4, H4, PROTO_UDP, rebuilt), "reassembled UDP checksum (IPv4 pseudo-header) invalid")
    return "3 IPv6 fragments (ID 0xabcd1234) -> 3 IPv4 fragments, ID 0x1234, DF=0, offsets 0/26/52"


def case_frag_translator(h6, h4):
    """RFC 7915 §4.1: DF=0 and too big for offlink-mtu 1280 -> the translator
    fragments; DF=1 of the same size goes whole (TUN MTU 1500)."""
    data = payload_bytes(1372, 3)
    pkt = IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, id=0x2345, flags=0) / UDP(sport=31005, dport=31006) / Raw(data)
    seg = bytes(pkt)[20:]
    eq(len(bytes(pkt)), 1400, "crafted IPv4 total length")
    h4.send(pkt)
    got = h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_FRAG) and r[44:48] == b"\0\0\x23\x45", count=2)
    eq(len(got), 2, "fragments made by the translator")
    got.sort(key=lambda r: struct.unpack("!H", r[42:44])[0] >> 3)
    rebuilt = b""
    for i, r in enumerate(got):
        what = f"fragment {i}"
        ok(len(r) <= 1280, f"{what}: {len(r)} bytes > 1280")
        check_ip6_outer(r, H4_AS6, H6, PROTO_FRAG, ARRIVED_HOPS, what)
        word = struct.unpack("!H", r[42:44])[0]
        eq(r[40], PROTO_UDP, f"{what}: Fragment Header next header")
        eq(word & 1, 1 if i == 0 else 0, f"{what}: M flag")
        eq(word >> 3, 0 if i == 0 else 1232 // 8, f"{what}: fragment offset")
        rebuilt += r[48:]
    eq(len(got[0]), 1280, "first fragment fills the 1280-byte MTU")
    eq(rebuilt[:6] + rebuilt[8:], seg[:6] + seg[8:], "reassembled UDP datagram (checksum aside)")
    ok(pseudo6_sum_ok(H4_AS6, H6, PROTO_UDP, rebuilt), "reassembled UDP checksum invalid")

    pkt = IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, id=0x2346, flags="DF") / UDP(sport=31005, dport=31106) / Raw(data)
    h4.send(pkt)
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6) and (r[6] == PROTO_FRAG or udp_port(r, 40, 31106))), "DF=1")
    check_ip6_outer(r, H4_AS6, H6, PROTO_UDP, ARRIVED_HOPS, "DF=1 whole")
    eq(len(r), 1420, "DF=1 whole packet length")
    check_l4_v6(r, "DF=1 whole")

    # An echo request of 1400 bytes, DF=0: the ICMPv6 translation is cut
    # by the translator (its checksum made first, over the whole message);
    # the IPv6 host reassembles it and its 1420-byte reply comes back as
    # one IPv4 packet of 1400 bytes with DF=1 (> 1260, §5.1).
    echo = icmp4_bytes(8, 0, struct.pack("!HH", 0x4242, 7), payload_bytes(1372, 25))
    h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, id=0x2347, flags=0, proto=PROTO_ICMP) / Raw(echo))
    got = h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_FRAG) and r[44:48] == b"\0\0\x23\x47", count=2)
    eq(len(got), 2, "fragments of the translated echo request")
    got.sort(key=lambda r: r[42:44])
    eq([r[40] for r in got], [PROTO_ICMP6] * 2, "Fragment Header next header")
    msg = got[0][48:] + got[1][48:]
    eq((msg[0], msg[4:8]), (128, echo[4:8]), "echo request type, identifier, sequence")
    ok(pseudo6_sum_ok(H4_AS6, H6, PROTO_ICMP6, msg), "reassembled ICMPv6 checksum invalid")
    r = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_ICMP) and r[20] == 0 and r[24:28] == echo[4:8]), "echo reply")
    check_ip4_outer(r, H6_AS4, H4, PROTO_ICMP, ARRIVED_HOPS, "echo reply")
    eq(len(r), 1400, "echo reply length")
    eq(struct.unpack("!H", r[6:8])[0], 0x4000, "echo reply flags (DF)")
    check_l4_v4(r, "echo reply")
    eq(r[28:], echo[8:], "echo reply data")
    return "IPv4 1400 bytes DF=0 -> IPv6 fragments 1280 + 196 (ID 0x2345); DF=1 -> whole 1420; " \
           "1400-byte echo DF=0 -> 2 ICMPv6 fragments, reply 1400 DF=1"


def capture_4to6(h6, h4, sport, dport, size, flags="DF", ident=0x3456):
    """h4 sends a UDP packet to the IPv6 host; returns (sent IPv4 bytes,
    its IPv6 translation as captured at h6)."""
    pkt = bytes(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, id=ident, flags=flags) /
                UDP(sport=sport, dport=dport) / Raw(payload_bytes(size, sport & 0xFF)))
    h4.send(pkt)
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_UDP) and udp_port(r, 40, dport)), "packet to quote (4->6)")
    return pkt, r


def capture_6to4(h6, h4, sport, dport, size):
    pkt = bytes(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS) / UDP(sport=sport, dport=dport) /
                Raw(payload_bytes(size, sport & 0xFF)))
    h6.send(pkt)
    r = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_UDP) and udp_port(r, 20, dport)), "packet to quote (6->4)")
    return pkt, r


def check_inner4(q, sent4, what, ttl):
    """The IPv4 packet quoted in a translated ICMPv4 error, against what the
    IPv4 host originally sent (RFC 7915 §5.3)."""
    eq(q[0], 0x45, f"{what}: inner version/IHL")
    eq(s4(q[12:16]), s4(sent4[12:16]), f"{what}: inner source")
    eq(s4(q[16:20]), s4(sent4[16:20]), f"{what}: inner destination")
    eq(q[9], sent4[9], f"{what}: inner protocol")
    eq(q[2:4], sent4[2:4], f"{what}: inner total length")
    eq(q[8], ttl, f"{what}: inner TTL (the quoted hop limit, not decremented)")
    eq(q[6] & 0x40, sent4[6] & 0x40, f"{what}: inner DF")
    check_ip4_header(q, f"{what}: inner")
    eq(q[20:24], sent4[20:24], f"{what}: inner ports")
    eq(q[26:28], sent4[26:28], f"{what}: inner UDP checksum (back to the original)")


def check_inner6(q, sent6, what, hlim):
    eq(q[0] >> 4, 6, f"{what}: inner version")
    eq(s6(q[8:24]), s6(sent6[8:24]), f"{what}: inner source")
    eq(s6(q[24:40]), s6(sent6[24:40]), f"{what}: inner destination")
    eq(q[6], sent6[6], f"{what}: inner next header")
    eq(q[4:6], sent6[4:6], f"{what}: inner payload length")
    eq(q[7], hlim, f"{what}: inner hop limit (the quoted TTL, not decremented)")


def case_ptb_to_frag_needed(h6, h4):
    """RFC 7915 §5.2: ICMPv6 Packet Too Big -> ICMPv4 3/4, MTU
    min(1400 - 20, IPv4 MTU 1500, IPv6 MTU 1500 - 20) = 1380."""
    sent4, xl6 = capture_4to6(h6, h4, 31007, 31008, 1400)
    notes = []
    for src6, src4 in ((H6, H6_AS4), (ROUTER6, XLAT4)):
        what = f"PTB from {src6}"
        body = xl6[:1280 - 48]
        icmp = icmp6_bytes(src6, H4_AS6, 2, 0, struct.pack("!I", 1400), body)
        h6.send(IPv6(src=src6, dst=H4_AS6, hlim=SENT_HOPS, nh=PROTO_ICMP6) / Raw(icmp))
        r = one(h4.recv(lambda r: is4(r, None, H4, PROTO_ICMP) and r[20:22] == b"\x03\x04" and udp_port(r, 48, 31008)), what)
        check_ip4_outer(r, src4, H4, PROTO_ICMP, ARRIVED_HOPS, what)
        eq(len(r), 576, f"{what}: ICMPv4 error size (RFC 1812 §4.3.2.3: as much as fits in 576)")
        eq((r[20], r[21]), (3, 4), f"{what}: ICMPv4 type/code")
        eq(r[24:26], b"\0\0", f"{what}: unused")
        eq(struct.unpack("!H", r[26:28])[0], 1380, f"{what}: next-hop MTU")
        check_l4_v4(r, what)
        check_inner4(r[28:], sent4, what, xl6[7])
        eq(r[56:], sent4[28:28 + len(r) - 56], f"{what}: quoted payload")
        notes.append(src4)
    return f"PTB 1400 -> ICMPv4 3/4 MTU 1380, inner 192.0.2.1->198.51.100.2 (from {notes[0]}; unmapped router -> {notes[1]})"


def case_too_big_df(h6, h4):
    """RFC 7915 §4.1: DF=1 and too big for the IPv6 next hop (TUN MTU 1500):
    ICMPv4 3/4 from ipv4-addr announcing 1500 - 40 + 20 = 1480
    (docs/rfc-compliance.md "MTU arithmetic"), quoting the packet as received."""
    sent = bytes(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, id=0x6789, flags="DF") /
                 UDP(sport=31023, dport=31024) / Raw(payload_bytes(1462, 9)))
    eq(len(sent), 1490, "crafted IPv4 total length")
    h4.send(sent)
    r = one(h4.recv(lambda r: is4(r, None, H4, PROTO_ICMP) and r[20:22] == b"\x03\x04" and udp_port(r, 48, 31024)),
            "Fragmentation Needed from the translator")
    check_ip4_outer(r, XLAT4, H4, PROTO_ICMP, 63, "Fragmentation Needed")
    eq(len(r), 576, "ICMPv4 error size (RFC 1812 §4.3.2.3: at most 576, quote as much as fits)")
    eq(struct.unpack("!H", r[26:28])[0], 1480, "next-hop MTU")
    check_l4_v4(r, "Fragmentation Needed")
    q = r[28:]
    eq(q[8], SENT_HOPS - 1, "quoted TTL (as received)")
    eq(q[:8] + q[9:10] + q[12:], sent[:8] + sent[9:10] + sent[12:len(q)], "quoted packet (TTL and header checksum aside)")
    ok(not h6.recv(lambda r: is6(r, H4_AS6, H6) and (r[6] == PROTO_FRAG or udp_port(r, 40, 31024)), timeout=0.3),
       "the too-big DF=1 packet was translated anyway")
    return "IPv4 1490 bytes DF=1 -> ICMPv4 3/4 MTU 1480 from 198.51.100.1 (576 bytes), nothing translated"


def case_frag_needed_to_ptb(h6, h4):
    """RFC 7915 §4.2: ICMPv4 3/4 -> Packet Too Big, MTU
    max(1280, min(MTU + 20, IPv6 MTU 1500, IPv4 MTU 1500 + 20))."""
    sent6, xl4 = capture_6to4(h6, h4, 31009, 31010, 1300)
    eq(struct.unpack("!H", xl4[6:8])[0] & 0x4000, 0x4000, "1328-byte translation: DF set (> 1260, RFC 7915 §5.1)")
    out = []
    for mtu, want in ((1300, 1320), (1000, 1280)):
        what = f"frag needed {mtu}"
        icmp = icmp4_bytes(3, 4, struct.pack("!HH", 0, mtu), xl4[:548])
        h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
        r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and r[40] == 2 and udp_port(r, 88, 31010)), what)
        check_ip6_outer(r, H4_AS6, H6, PROTO_ICMP6, ARRIVED_HOPS, what)
        ok(len(r) <= 1280, f"{what}: ICMPv6 error of {len(r)} bytes > 1280")
        eq((r[40], r[41]), (2, 0), f"{what}: ICMPv6 type/code")
        eq(struct.unpack("!I", r[44:48])[0], want, f"{what}: PTB MTU")
        check_l4_v6(r, what)
        q = r[48:]
        check_inner6(q, sent6, what, xl4[8])
        eq(q[40:44], sent6[40:44], f"{what}: inner ports")
        eq(q[46:48], sent6[46:48], f"{what}: inner UDP checksum (back to the original)")
        eq(q[48:], sent6[48:48 + len(q) - 48], f"{what}: quoted payload")
        out.append(f"{mtu}->{want}")
    return "ICMPv4 3/4 -> ICMPv6 PTB " + ", ".join(out) + " (never below 1280), inner 2001:db8:6::2->3fff:6464::c000:201"


def case_time_exceeded(h6, h4):
    """RFC 7915 §5.1 / §4.1: the translator decrements; at expiry it sends
    Time Exceeded from its own address, quoting the packet as received.
    (The namespace kernel decrements once before nat64d: 2 arrives as 1.)"""
    sent = bytes(IPv6(src=H6, dst=H4_AS6, hlim=2) / UDP(sport=31011, dport=31012) / Raw(payload_bytes(100, 5)))
    h6.send(sent)
    r = one(h6.recv(lambda r: is6(r, None, H6, PROTO_ICMP6) and r[40] == 3 and udp_port(r, 88, 31012)), "v6 TE")
    check_ip6_outer(r, XLAT6, H6, PROTO_ICMP6, 63, "ICMPv6 time exceeded")
    eq((r[40], r[41]), (3, 0), "ICMPv6 type/code")
    check_l4_v6(r, "ICMPv6 time exceeded")
    eq(r[48:55], sent[:7], "quoted IPv6 header up to the hop limit")
    eq(r[55], 1, "quoted hop limit (as received by the translator)")
    eq(r[56:], sent[8:], "quoted rest of the packet")
    big = bytes(IPv6(src=H6, dst=H4_AS6, hlim=2) / UDP(sport=31011, dport=31070) / Raw(payload_bytes(1400, 5)))
    h6.send(big)
    r = one(h6.recv(lambda r: is6(r, XLAT6, H6, PROTO_ICMP6) and r[40] == 3 and udp_port(r, 88, 31070)), "big v6 TE")
    eq(len(r), 1280, "ICMPv6 Time Exceeded for a 1448-byte packet: cut to 1280 (RFC 4443 §2.4(c))")
    check_l4_v6(r, "ICMPv6 time exceeded, cut")
    eq(r[56:], big[8:1280 - 48], "quoted bytes up to the cut")

    sent = bytes(IP(src=H4, dst=H6_AS4, ttl=2, id=0x4567) / UDP(sport=31013, dport=31014) / Raw(payload_bytes(100, 6)))
    h4.send(sent)
    r = one(h4.recv(lambda r: is4(r, None, H4, PROTO_ICMP) and r[20] == 11 and udp_port(r, 48, 31014)), "v4 TE")
    check_ip4_outer(r, XLAT4, H4, PROTO_ICMP, 63, "ICMPv4 time exceeded")
    eq((r[20], r[21]), (11, 0), "ICMPv4 type/code")
    check_l4_v4(r, "ICMPv4 time exceeded")
    q = r[28:]
    eq(q[8], 1, "quoted TTL (as received)")
    eq(q[:8] + q[9:10] + q[12:], sent[:8] + sent[9:10] + sent[12:], "quoted packet (TTL and header checksum aside)")
    return f"hop limit 1 -> ICMPv6 3/0 from {XLAT6}; TTL 1 -> ICMPv4 11/0 from {XLAT4}"


def case_param_problem(h6, h4):
    """RFC 7915 §5.2 figure 6: ICMPv6 Parameter Problem pointer -> ICMPv4
    pointer; §5.1: Routing header with Segments Left 1 -> Parameter Problem
    from the translator pointing at Segments Left (40 + 3)."""
    sent4, xl6 = capture_4to6(h6, h4, 31015, 31016, 64, flags=0, ident=0x5678)
    got = []
    for ptr6, ptr4 in ((7, 8), (24, 16), (0, 0), (6, 9), (8, 12)):
        what = f"pointer {ptr6}"
        icmp = icmp6_bytes(H6, H4_AS6, 4, 0, struct.pack("!I", ptr6), xl6)
        h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS, nh=PROTO_ICMP6) / Raw(icmp))
        r = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_ICMP) and r[20] == 12 and udp_port(r, 48, 31016)), what)
        check_ip4_outer(r, H6_AS4, H4, PROTO_ICMP, ARRIVED_HOPS, what)
        eq((r[20], r[21]), (12, 0), f"{what}: ICMPv4 type/code")
        eq(r[24], ptr4, f"{what}: ICMPv4 pointer")
        eq(r[25:28], b"\0\0\0", f"{what}: unused")
        check_l4_v4(r, what)
        check_inner4(r[28:], sent4, what, xl6[7])
        eq(r[56:], sent4[28:], f"{what}: quoted payload")
        got.append(f"{ptr6}->{ptr4}")
    # Figure 6: Flow Label (2) and extension-header pointers have no IPv4
    # counterpart: the message is dropped.
    for ptr6 in (2, 40):
        icmp = icmp6_bytes(H6, H4_AS6, 4, 0, struct.pack("!I", ptr6), xl6)
        h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS, nh=PROTO_ICMP6) / Raw(icmp))
    eq(len(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_ICMP) and r[20] == 12, count=2, timeout=1.0)), 0,
       "ICMPv4 from a Parameter Problem with pointer 2 or 40 (no IPv4 counterpart)")

    sent = bytes(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS) /
                 IPv6ExtHdrRouting(type=0, segleft=1, addresses=["3fff:6464::c000:202"]) /
                 UDP(sport=31017, dport=31018) / Raw(payload_bytes(40, 7)))
    eq(sent[40 + 3], 1, "crafted Segments Left")
    h6.send(sent)
    r = one(h6.recv(lambda r: is6(r, None, H6, PROTO_ICMP6) and r[40] == 4 and r[88:96] == sent[40:48]),
            "routing header")
    check_ip6_outer(r, XLAT6, H6, PROTO_ICMP6, 63, "Parameter Problem for the Routing header")
    eq((r[40], r[41]), (4, 0), "ICMPv6 type/code")
    eq(struct.unpack("!I", r[44:48])[0], 43, "pointer at Segments Left")
    check_l4_v6(r, "Parameter Problem for the Routing header")
    eq(r[48:55] + r[56:], sent[:7] + sent[8:], "quoted packet (hop limit aside)")
    eq(r[55], SENT_HOPS - 1, "quoted hop limit (as received)")
    ok(not h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_UDP) and udp_port(r, 20, 31018), timeout=0.3),
       "the packet with the Routing header was translated")
    return "ICMPv6 4/0 pointer " + ", ".join(got) + " (ICMPv4 12/0); 2, 40 dropped; RH segleft 1 -> 4/0 pointer 43"


def case_icmp_inner_tcp(h6, h4):
    """RFC 7915 §4.3: ICMPv4 3/3 quoting a TCP segment -> ICMPv6 1/4 with
    the inner IPv6 + TCP header translated back."""
    sent6 = bytes(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS) /
                  TCP(sport=40001, dport=31019, flags="S", seq=1000, window=4096, options=[("MSS", 1440)]))
    h6.send(sent6)
    xl4 = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_TCP) and udp_port(r, 20, 31019)), "TCP SYN (6->4)")
    check_ip4_outer(xl4, H6_AS4, H4, PROTO_TCP, ARRIVED_HOPS, "translated SYN")
    check_l4_v4(xl4, "translated SYN")
    icmp = icmp4_bytes(3, 3, b"\0\0\0\0", xl4)
    h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and r[40] == 1 and r[54] == PROTO_TCP
                    and udp_port(r, 88, 31019)), "port unreachable")
    check_ip6_outer(r, H4_AS6, H6, PROTO_ICMP6, ARRIVED_HOPS, "ICMPv6 destination unreachable")
    eq((r[40], r[41]), (1, 4), "ICMPv6 type/code")
    eq(r[44:48], b"\0\0\0\0", "unused")
    check_l4_v6(r, "ICMPv6 destination unreachable")
    # Scapy's own view: recompute the outer checksum from scratch, compare.
    p = IPv6(r)
    have = p.payload.cksum
    del p.payload.cksum
    eq(IPv6(bytes(p)).payload.cksum, have, "ICMPv6 checksum recomputed by scapy")
    q = r[48:]
    check_inner6(q, sent6, "inner", xl4[8])
    eq(len(q), len(sent6), "quoted packet length")
    eq(q[40:], sent6[40:], "inner TCP header (ports, seq, flags, options, checksum)")
    ok(pseudo6_sum_ok(H6, H4_AS6, PROTO_TCP, q[40:]), "inner TCP checksum invalid for the inner IPv6 addresses")
    return "ICMPv4 3/3 quoting TCP 198.51.100.2:40001->192.0.2.1:31019 -> ICMPv6 1/4, inner back to 2001:db8:6::2, TCP intact"


def case_hairpin(h6, h4):
    """RFC 7757 §4.2.2 (docs/rfc-compliance.md): A -> prefix+B's IPv4 address
    reaches B, from prefix + A's IPv4 address (§4.2.1 rule 1); the hairpin
    pass does not decrement again."""
    data = payload_bytes(200, 8)
    sent = bytes(IPv6(src=H6, dst=H6B_VIA_PREFIX, hlim=SENT_HOPS) / UDP(sport=31021, dport=31022) / Raw(data))
    h6.send(sent)
    r = one(h6.recv(lambda r: is6(r, None, H6B, PROTO_UDP) and udp_port(r, 40, 31022)), "hairpinned UDP")
    check_ip6_outer(r, H6_VIA_PREFIX, H6B, PROTO_UDP, ARRIVED_HOPS, "hairpinned UDP")
    eq(r[40:44], sent[40:44], "ports")
    eq(r[44:46], sent[44:46], "UDP length")
    eq(r[48:], sent[48:], "payload")
    check_l4_v6(r, "hairpinned UDP")
    ok(not h4.recv(lambda r: is4(r, None, None, PROTO_UDP) and udp_port(r, 20, 31022), timeout=0.3),
       "hairpinned packet leaked to the IPv4 side")

    # An echo request hairpinned the same way, and B's reply back to A.
    echo = icmp6_bytes(H6, H6B_VIA_PREFIX, 128, 0, struct.pack("!HH", 0x77, 1), b"hairpin")
    h6.send(IPv6(src=H6, dst=H6B_VIA_PREFIX, hlim=SENT_HOPS, nh=PROTO_ICMP6) / Raw(echo))
    req = one(h6.recv(lambda r: is6(r, H6_VIA_PREFIX, H6B, PROTO_ICMP6) and r[40] == 128 and r[44:46] == b"\0\x77"),
              "hairpinned echo")
    check_ip6_outer(req, H6_VIA_PREFIX, H6B, PROTO_ICMP6, ARRIVED_HOPS, "hairpinned echo request")
    eq(req[44:], echo[4:], "echo identifier, sequence and data")
    check_l4_v6(req, "hairpinned echo request")
    rep = one(h6.recv(lambda r: is6(r, None, H6, PROTO_ICMP6) and r[40] == 129 and r[44:46] == b"\0\x77"),
              "B's echo reply to A")
    check_ip6_outer(rep, H6B_VIA_PREFIX, H6, PROTO_ICMP6, ARRIVED_HOPS, "hairpinned echo reply")
    check_l4_v6(rep, "hairpinned echo reply")

    # Fragments hairpin one by one: the Fragment Header comes back with the
    # ID's low 16 bits (the IPv4 leg has no more), offsets and M kept.
    seg = bytes(IPv6(src=H6, dst=H6B_VIA_PREFIX) / UDP(sport=31073, dport=31074) / Raw(payload_bytes(400, 24)))[40:]
    for off in (0, 208):
        h6.send(IPv6(src=H6, dst=H6B_VIA_PREFIX, hlim=SENT_HOPS) /
                IPv6ExtHdrFragment(nh=PROTO_UDP, offset=off // 8, m=int(off == 0), id=0x77665544) /
                Raw(seg[off:off + 208]))
    got = h6.recv(lambda x: is6(x, H6_VIA_PREFIX, H6B, PROTO_FRAG), count=2)
    eq(len(got), 2, "hairpinned fragments")
    got.sort(key=lambda x: x[42:44])
    for i, f in enumerate(got):
        check_ip6_outer(f, H6_VIA_PREFIX, H6B, PROTO_FRAG, ARRIVED_HOPS, f"hairpinned fragment {i}")
        eq(struct.unpack("!I", f[44:48])[0], 0x5544, f"hairpinned fragment {i}: ID")
        eq(struct.unpack("!H", f[42:44])[0], (26 << 3) if i else 1, f"hairpinned fragment {i}: offset/M")
    frag_data = got[0][48:] + got[1][48:]
    eq(frag_data[:6] + frag_data[8:], seg[:6] + seg[8:], "hairpinned fragments: data")
    ok(pseudo6_sum_ok(H6_VIA_PREFIX, H6B, PROTO_UDP, frag_data), "hairpinned fragments: UDP checksum invalid")

    # RFC 7757 §4.2.1 rule 3 (App. B.1): B's ICMPv6 error about the
    # hairpinned packet reaches A from prefix + B's IPv4 address, quoting
    # A's packet as A sent it (addresses and UDP checksum restored).
    err = icmp6_bytes(H6B, H6_VIA_PREFIX, 1, 1, b"\0\0\0\0", r)
    h6.send(IPv6(src=H6B, dst=H6_VIA_PREFIX, hlim=SENT_HOPS, nh=PROTO_ICMP6) / Raw(err))
    e = one(h6.recv(lambda x: is6(x, None, H6, PROTO_ICMP6) and x[40:42] == b"\x01\x01" and udp_port(x, 88, 31022)),
            "B's ICMPv6 error about the hairpinned packet")
    check_ip6_outer(e, H6B_VIA_PREFIX, H6, PROTO_ICMP6, ARRIVED_HOPS, "hairpinned ICMPv6 error")
    check_l4_v6(e, "hairpinned ICMPv6 error")
    q = e[48:]
    check_inner6(q, sent, "hairpinned error", r[7])
    eq(q[40:], sent[40:], "hairpinned error: quoted UDP header and payload (checksum back to A's)")
    return ("2001:db8:6::2 -> 3fff:6464::c633:6403 arrives at 2001:db8:6::3 from 3fff:6464::c633:6402 (UDP, echo and"
            " reply, fragments); B's ICMPv6 1/1 reaches A from 3fff:6464::c633:6403 quoting A's packet as sent")


def rfc4884_ext():
    """An RFC 4884 extension structure: header (version 2) + one object."""
    ext = bytearray(b"\x20\0\0\0" + struct.pack("!HBB", 8, 1, 1) + b"\xde\xad\xbe\xef")
    ext[2:4] = struct.pack("!H", checksum(bytes(ext)))
    return bytes(ext)


def case_rfc4884(h6, h4):
    """RFC 7915 §4.2 / §5.2 with RFC 4884: the length attribute is rewritten
    in the other unit (32-bit <-> 64-bit words), the quoted packet padded to
    128 bytes, the extension moved behind it unchanged."""
    ext = rfc4884_ext()
    sent6, xl4 = capture_6to4(h6, h4, 31025, 31026, 72)
    eq(len(xl4), 100, "quoted IPv4 packet length")
    field = xl4 + bytes(128 - len(xl4))
    icmp = icmp4_bytes(3, 1, struct.pack("!BBH", 0, 128 // 4, 0), field + ext)
    h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and r[40:42] == b"\x01\x00" and udp_port(r, 88, 31026)), "4->6")
    check_ip6_outer(r, H4_AS6, H6, PROTO_ICMP6, ARRIVED_HOPS, "ICMPv6 1/0 with extension")
    check_l4_v6(r, "ICMPv6 1/0 with extension")
    eq((r[40], r[41]), (1, 0), "ICMPv6 type/code (host unreachable -> no route)")
    eq(r[44], 128 // 8, "ICMPv6 length attribute (64-bit words)")
    eq(r[45:48], b"\0\0\0", "ICMPv6 unused")
    q = r[48:]
    eq(len(q), 128 + len(ext), "original datagram field + extension")
    eq(q[:7] + q[8:120], sent6[:7] + sent6[8:], "quoted IPv6 packet (hop limit aside)")
    eq(q[7], xl4[8], "quoted hop limit")
    eq(q[120:128], bytes(8), "zero padding to 128 bytes")
    eq(q[128:], ext, "extension structure")

    sent4, xl6 = capture_4to6(h6, h4, 31027, 31028, 72, flags=0, ident=0x789A)
    eq(len(xl6), 120, "quoted IPv6 packet length")
    field = xl6 + bytes(128 - len(xl6))
    icmp = icmp6_bytes(H6, H4_AS6, 1, 0, struct.pack("!BBH", 128 // 8, 0, 0), field + ext)
    h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS, nh=PROTO_ICMP6) / Raw(icmp))
    r = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_ICMP) and r[20:22] == b"\x03\x01" and udp_port(r, 48, 31028)), "6->4")
    check_ip4_outer(r, H6_AS4, H4, PROTO_ICMP, ARRIVED_HOPS, "ICMPv4 3/1 with extension")
    check_l4_v4(r, "ICMPv4 3/1 with extension")
    eq((r[20], r[21]), (3, 1), "ICMPv4 type/code (no route -> host unreachable)")
    eq(r[24], 0, "ICMPv4 unused byte 4")
    eq(r[25], 128 // 4, "ICMPv4 length attribute (32-bit words)")
    eq(r[26:28], b"\0\0", "ICMPv4 unused bytes 6-7")
    q = r[28:]
    eq(len(q), 128 + len(ext), "original datagram field + extension")
    check_inner4(q, sent4, "6->4", xl6[7])
    eq(q[28:100], sent4[28:], "quoted payload")
    eq(q[100:128], bytes(28), "zero padding to 128 bytes")
    eq(q[128:], ext, "extension structure")
    return "ICMPv4 3/1 length 32 (x4) + extension -> ICMPv6 1/0 length 16 (x8); ICMPv6 1/0 length 16 -> ICMPv4 3/1 length 32"


def case_options_and_headers(h6, h4):
    """RFC 7915 §4.1: IPv4 options are ignored (Record Route), an unexpired
    LSRR is refused with ICMPv4 3/5 from ipv4-addr; §5.1: Hop-by-Hop and
    Destination Options headers are skipped."""
    data = payload_bytes(64, 10)
    sent = bytes(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, options=[IPOption_RR(routers=["0.0.0.0"] * 2)]) /
                 UDP(sport=31029, dport=31030) / Raw(data))
    eq(sent[0], 0x48, "crafted IHL (12 bytes of options)")
    h4.send(sent)
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_UDP) and udp_port(r, 40, 31030)), "IPv4 with Record Route")
    check_ip6_outer(r, H4_AS6, H6, PROTO_UDP, ARRIVED_HOPS, "IPv4 with Record Route")
    check_l4_v6(r, "IPv4 with Record Route")
    eq(r[48:], data, "payload")

    sent = bytes(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, options=[IPOption_LSRR(routers=["192.0.2.99"])]) /
                 UDP(sport=31031, dport=31032) / Raw(data))
    h4.send(sent)
    r = one(h4.recv(lambda r: is4(r, None, H4, PROTO_ICMP) and r[20:22] == b"\x03\x05"), "source route failed")
    check_ip4_outer(r, XLAT4, H4, PROTO_ICMP, 63, "source route failed")
    check_l4_v4(r, "source route failed")
    ihl = (sent[0] & 15) * 4
    eq(r[28 + ihl:], sent[ihl:], "quoted transport bytes")
    ok(not h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_UDP) and udp_port(r, 40, 31032), timeout=0.3),
       "the source-routed packet was translated")

    sent = bytes(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
                 UDP(sport=31033, dport=31034) / Raw(data))
    h6.send(sent)
    r = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_UDP) and udp_port(r, 20, 31034)), "IPv6 with HBH + DestOpts")
    check_ip4_outer(r, H6_AS4, H4, PROTO_UDP, ARRIVED_HOPS, "IPv6 with HBH + DestOpts")
    eq(len(r), 20 + 8 + len(data), "IPv4 total length (extension headers gone)")
    check_l4_v4(r, "IPv6 with HBH + DestOpts")
    eq(r[28:], data, "payload")
    return "Record Route ignored; LSRR -> ICMPv4 3/5 from 198.51.100.1; Hop-by-Hop + Destination Options skipped"


def case_fragment_corners(h6, h4):
    """RFC 7915 §4.3: a quoted IPv4 fragment gets a Fragment Header in the
    ICMPv6 error; §4.5 with udp-cksum-mode calc: a zero UDP checksum is
    computed, a fragmented zero-checksum datagram dropped; RFC 1812
    §4.3.2.7: no Time Exceeded for a non-first fragment."""
    data = payload_bytes(400, 11)
    seg = bytes(IPv6(src=H6, dst=H4_AS6) / UDP(sport=31035, dport=31036) / Raw(data))[40:]
    h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS) /
            IPv6ExtHdrFragment(nh=PROTO_UDP, offset=0, m=1, id=0xABCD5678) / Raw(seg[:208]))
    xl4 = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_UDP) and r[4:6] == b"\x56\x78"), "first fragment 6->4")
    icmp = icmp4_bytes(3, 1, b"\0\0\0\0", xl4)
    h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and r[40:42] == b"\x01\x00"), "error quoting a fragment")
    check_ip6_outer(r, H4_AS6, H6, PROTO_ICMP6, ARRIVED_HOPS, "error quoting a fragment")
    check_l4_v6(r, "error quoting a fragment")
    q = r[48:]
    eq(s6(q[8:24]), H6, "inner source")
    eq(s6(q[24:40]), H4_AS6, "inner destination")
    eq(q[6], PROTO_FRAG, "inner next header")
    eq(struct.unpack("!H", q[4:6])[0], 8 + 208, "inner payload length")
    eq(q[40], PROTO_UDP, "inner Fragment Header next header")
    eq(struct.unpack("!H", q[42:44])[0], 1, "inner offset 0, M 1")
    eq(struct.unpack("!I", q[44:48])[0], 0x5678, "inner Fragment ID (low 16 bits survive)")
    eq(q[48:], seg[:208], "inner UDP header (checksum back to the original) and data")

    # And the other way (§5.3): a quoted IPv6 first fragment becomes an
    # IPv4 fragment header (ID low 16 bits, MF).
    seg4 = bytes(IP(src=H4, dst=H6_AS4) / UDP(sport=31071, dport=31072) / Raw(payload_bytes(400, 23)))[20:]
    h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, id=0x2222, proto=PROTO_UDP, flags="MF") / Raw(seg4[:208]))
    xl6 = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_FRAG) and r[44:48] == b"\0\0\x22\x22"), "first fragment 4->6")
    h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS, nh=PROTO_ICMP6) /
            Raw(icmp6_bytes(H6, H4_AS6, 1, 4, b"\0\0\0\0", xl6)))
    r = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_ICMP) and r[20:22] == b"\x03\x03" and r[32:34] == b"\x22\x22"),
            "ICMPv4 error quoting a fragment")
    check_l4_v4(r, "ICMPv4 error quoting a fragment")
    q = r[28:]
    eq(s4(q[12:16]) + " " + s4(q[16:20]), f"{H4} {H6_AS4}", "inner addresses")
    eq(struct.unpack("!H", q[2:4])[0], 20 + 208, "inner total length")
    eq(struct.unpack("!H", q[6:8])[0], 0x2000, "inner flags/offset (MF, offset 0, DF clear)")
    eq(q[9], PROTO_UDP, "inner protocol")
    check_ip4_header(q, "inner fragment")
    eq(q[20:], seg4[:208], "inner UDP header (checksum back to the original) and data")

    sent = IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS) / UDP(sport=31037, dport=31038, chksum=0) / Raw(payload_bytes(50, 12))
    h4.send(sent)
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_UDP) and udp_port(r, 40, 31038)), "zero-checksum UDP")
    check_l4_v6(r, "zero-checksum UDP, calc mode")
    whole = bytes(IP(src=H4, dst=H6_AS4) / UDP(sport=31039, dport=31040, chksum=0) / Raw(payload_bytes(300, 13)))[20:]
    for off in (0, 160):
        h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, id=0x1357, proto=PROTO_UDP, flags="MF" if off == 0 else 0,
                   frag=off // 8) / Raw(whole[off:off + 160]))
    # Only the first fragment shows the zero checksum; a stateless
    # translator passes the others (they carry no UDP header).
    got = h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_FRAG) and r[44:48] == b"\0\0\x13\x57", count=2, timeout=0.5)
    eq([struct.unpack("!H", r[42:44])[0] for r in got], [(160 // 8) << 3],
       "fragments of a zero-checksum UDP datagram translated (calc mode: the first one must be dropped)")

    whole = bytes(IP(src=H4, dst=H6_AS4) / UDP(sport=31041, dport=31042) / Raw(payload_bytes(300, 14)))[20:]
    h4.send(IP(src=H4, dst=H6_AS4, ttl=2, id=0x2468, proto=PROTO_UDP, frag=160 // 8) / Raw(whole[160:]))
    ok(not h4.recv(lambda r: is4(r, None, H4, PROTO_ICMP) and r[20] == 11, timeout=0.5),
       "Time Exceeded sent for a non-first fragment")
    return "quoted fragments -> inner Fragment Header (ID 0x5678) / inner IPv4 MF (ID 0x2222); zero UDP checksum computed; " \
           "first fragment of a zero-checksum datagram dropped; no Time Exceeded for a non-first fragment"


def case_more_icmp(h6, h4):
    """RFC 7915 §4.2 figure 3: ICMPv4 Parameter Problem pointers -> ICMPv6;
    3/2 -> Parameter Problem 4/1 pointer 6; §4.3: a quoted IPv4 header with
    options loses them, a quoted IPv6 packet with extension headers loses
    them (§5.3); the ICMPv6 error is cut to 1280 bytes."""
    sent6, xl4 = capture_6to4(h6, h4, 31043, 31044, 1300)
    out = []
    for ptr4, ptr6 in ((8, 7), (9, 6), (12, 8), (16, 24), (2, 4), (0, 0), (1, 1)):
        what = f"pointer {ptr4}"
        icmp = icmp4_bytes(12, 0, struct.pack("!BBH", ptr4, 0, 0), xl4[:548])
        h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
        r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and r[40] == 4 and udp_port(r, 88, 31044)), what)
        check_ip6_outer(r, H4_AS6, H6, PROTO_ICMP6, ARRIVED_HOPS, what)
        eq((r[40], r[41]), (4, 0), f"{what}: ICMPv6 type/code")
        eq(struct.unpack("!I", r[44:48])[0], ptr6, f"{what}: ICMPv6 pointer")
        check_l4_v6(r, what)
        check_inner6(r[48:], sent6, what, xl4[8])
        out.append(f"{ptr4}->{ptr6}")

    icmp = icmp4_bytes(3, 2, b"\0\0\0\0", xl4[:548])
    h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and r[40:42] == b"\x04\x01" and udp_port(r, 88, 31044)),
            "protocol unreachable")
    eq(struct.unpack("!I", r[44:48])[0], 6, "3/2 -> 4/1 pointer (Next Header)")
    check_l4_v6(r, "protocol unreachable")

    # A large ICMPv4 error (quoting 1300 bytes) becomes an ICMPv6 error of
    # exactly 1280 bytes (RFC 4443 §2.4(c)).
    icmp = icmp4_bytes(3, 1, b"\0\0\0\0", xl4[:1300])
    h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and r[40:42] == b"\x01\x00" and udp_port(r, 88, 31044)),
            "large ICMPv4 error")
    eq(len(r), 1280, "ICMPv6 error cut to 1280 bytes")
    check_l4_v6(r, "large ICMPv4 error")
    eq(r[88:], sent6[40:40 + 1280 - 88], "quoted bytes up to the cut")

    # Quoted IPv4 header with options (as an IPv4 router would quote it).
    inner = bytes(IP(src=H6_AS4, dst=H4, ttl=17, options=[IPOption_RR(routers=["0.0.0.0"] * 2)]) /
                  UDP(sport=31045, dport=31046) / Raw(payload_bytes(40, 15)))
    orig6 = bytes(IPv6(src=H6, dst=H4_AS6) / UDP(sport=31045, dport=31046) / Raw(payload_bytes(40, 15)))
    icmp = icmp4_bytes(3, 1, b"\0\0\0\0", inner)
    h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and r[40:42] == b"\x01\x00" and udp_port(r, 88, 31046)),
            "error quoting IPv4 options")
    check_l4_v6(r, "error quoting IPv4 options")
    q = r[48:]
    eq(len(q), len(orig6), "quoted packet without the options")
    eq(q[4:6], orig6[4:6], "inner payload length")
    eq(q[7], 17, "inner hop limit")
    eq(q[40:], orig6[40:], "inner UDP header (checksum for the IPv6 addresses) and data")

    # Quoted IPv6 packet with Hop-by-Hop + Destination Options (§5.3).
    inner = bytes(IPv6(src=H4_AS6, dst=H6, hlim=9) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
                  UDP(sport=31047, dport=31048) / Raw(payload_bytes(40, 16)))
    orig4 = bytes(IP(src=H4, dst=H6_AS4, ttl=9, flags=0) / UDP(sport=31047, dport=31048) / Raw(payload_bytes(40, 16)))
    icmp = icmp6_bytes(H6, H4_AS6, 1, 4, b"\0\0\0\0", inner)
    h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS, nh=PROTO_ICMP6) / Raw(icmp))
    r = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_ICMP) and r[20:22] == b"\x03\x03" and udp_port(r, 48, 31048)),
            "error quoting IPv6 extension headers")
    check_l4_v4(r, "error quoting IPv6 extension headers")
    q = r[28:]
    eq(len(q), len(orig4), "quoted packet without the extension headers")
    eq(q[2:4], orig4[2:4], "inner total length")
    eq(q[9], PROTO_UDP, "inner protocol")
    eq(q[8], 9, "inner TTL")
    check_ip4_header(q, "inner")
    eq(q[20:], orig4[20:], "inner UDP header (checksum for the IPv4 addresses) and data")
    return "ICMPv4 12/0 pointer " + ", ".join(out) + "; 3/2 -> 4/1 ptr 6; cut to 1280; quoted options / ext headers removed"


def case_refragment(h6, h4):
    """RFC 7915 §4.1 with a fragment as input: an IPv4 fragment (DF=0) too
    big for 1280 is cut again, offsets relative to the original datagram,
    M kept 1 on every piece when the input had MF."""
    body = payload_bytes(1380 * 2, 17)
    out = []
    for n, off in enumerate((0, 1384)):
        h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, id=0x3579, proto=PROTO_UDP, flags="MF", frag=off // 8) /
                Raw(body[n * 1380:(n + 1) * 1380]))
        got = h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_FRAG) and r[44:48] == b"\0\0\x35\x79"
                      and (struct.unpack("!H", r[42:44])[0] >> 3) in (off // 8, off // 8 + 154), count=2)
        eq(len(got), 2, f"pieces of the fragment at {off}")
        got.sort(key=lambda r: struct.unpack("!H", r[42:44])[0])
        for i, r in enumerate(got):
            what = f"fragment at {off}, piece {i}"
            ok(len(r) <= 1280, f"{what}: {len(r)} bytes")
            check_ip6_outer(r, H4_AS6, H6, PROTO_FRAG, ARRIVED_HOPS, what)
            word = struct.unpack("!H", r[42:44])[0]
            eq(word >> 3, off // 8 + i * 154, f"{what}: offset")
            eq(word & 1, 1, f"{what}: M flag")
        data = got[0][48:] + got[1][48:]
        want = body[n * 1380:(n + 1) * 1380]
        if off == 0:  # the first fragment starts with the UDP header: its checksum is adjusted (§4.5)
            data, want = data[:6] + data[8:], want[:6] + want[8:]
        eq(data, want, f"fragment at {off}: data")
        out.append(f"{off // 8}->{off // 8}/{off // 8 + 154}")
    return "IPv4 fragments of 1400 bytes (MF) -> two IPv6 fragments each, offsets " + ", ".join(out) + ", M=1"


def fold(x):
    while x > 0xFFFF:
        x = (x & 0xFFFF) + (x >> 16)
    return x


def udp_steered(src, dst, v6, sport, dport, n):
    """UDP header + n payload bytes whose last two bytes are chosen so that
    the checksum over the given pseudo-header computes to 0x0000 (to be sent
    as 0xFFFF, RFC 768 / RFC 8200 §8.1)."""
    body = bytearray(payload_bytes(n, 18))
    body[-2:] = b"\0\0"
    hdr = struct.pack("!HHHH", sport, dport, 8 + n, 0)
    if v6:
        ph = a6(src) + a6(dst) + struct.pack("!I", 8 + n) + b"\0\0\0" + bytes([PROTO_UDP])
    else:
        ph = a4(src) + a4(dst) + struct.pack("!BBH", 0, PROTO_UDP, 8 + n)
    total = ph + hdr + bytes(body)
    s_ = fold(sum(struct.unpack(f"!{len(total) // 2}H", total)))
    body[-2:] = struct.pack("!H", 0xFFFF - s_)
    return body


def case_boundaries(h6, h4):
    """RFC 7915 §5.1: DF=0 up to 1260 bytes of IPv4, DF=1 above; §4.1: a
    DF=0 packet whose translation fits 1280 gets no Fragment Header (no
    atomic fragments, RFC 8021), one byte more does; §4.5: a UDP checksum
    that computes to zero after translation is sent as 0xFFFF."""
    for size6, df in ((1280, 0), (1288, 0x4000)):
        sent = bytes(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS) / UDP(sport=31049, dport=31050 + size6) /
                     Raw(payload_bytes(size6 - 48, 19)))
        h6.send(sent)
        r = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_UDP) and udp_port(r, 20, 31050 + size6)), f"IPv6 {size6}")
        eq(len(r), size6 - 20, f"IPv6 {size6}: IPv4 length")
        eq(struct.unpack("!H", r[6:8])[0], df, f"IPv6 {size6} -> IPv4 {size6 - 20}: flags/offset (DF)")
        check_l4_v4(r, f"IPv6 {size6}")
    for size4, frags in ((1260, 0), (1268, 2)):
        dport = 31052 + size4
        h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, flags=0, id=0x4000 + size4) / UDP(sport=31051, dport=dport) /
                Raw(payload_bytes(size4 - 28, 20)))
        ident = struct.pack("!I", 0x4000 + size4)
        got = h6.recv(lambda r: is6(r, H4_AS6, H6) and ((r[6] == PROTO_FRAG and r[44:48] == ident)
                                                        or udp_port(r, 40, dport)), count=max(frags, 1))
        eq(len(got), max(frags, 1), f"IPv4 {size4} DF=0: packets")
        eq([r[6] for r in got], [PROTO_FRAG] * frags if frags else [PROTO_UDP],
           f"IPv4 {size4} DF=0: next header (Fragment Header only when it does not fit 1280)")
        ok(all(len(r) <= 1280 for r in got), f"IPv4 {size4}: packet over 1280")
        if not frags:
            check_l4_v6(got[0], f"IPv4 {size4}")

    body = udp_steered(H4_AS6, H6, True, 31053, 31054, 64)
    sent = IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS) / UDP(sport=31053, dport=31054) / Raw(bytes(body))
    h4.send(sent)
    r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_UDP) and udp_port(r, 40, 31054)), "UDP checksum 0 (4->6)")
    eq(r[46:48], b"\xff\xff", "UDP checksum computing to 0 after 4->6")
    check_l4_v6(r, "UDP checksum 0 (4->6)")
    body = udp_steered(H6_AS4, H4, False, 31055, 31056, 64)
    h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS) / UDP(sport=31055, dport=31056) / Raw(bytes(body)))
    r = one(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_UDP) and udp_port(r, 20, 31056)), "UDP checksum 0 (6->4)")
    eq(r[26:28], b"\xff\xff", "UDP checksum computing to 0 after 6->4 (0 would mean none)")
    check_l4_v4(r, "UDP checksum 0 (6->4)")
    return "IPv6 1280 -> IPv4 1260 DF=0, 1288 -> 1268 DF=1; IPv4 1260 DF=0 -> whole 1280, 1268 -> 2 fragments; " \
           "UDP checksum 0 -> 0xFFFF both ways"


def settle(h6, h4):
    """Lets the hosts' kernels answer the datagram just captured (their port
    unreachable crosses the translator too), then discards those answers, so
    that what follows sees only the translations of crafted messages."""
    time.sleep(0.2)
    h6.drain()
    h4.drain()


def case_code_tables(h6, h4):
    """RFC 7915 §4.2 and §5.2 type/code tables, every listed code, both
    ways; ICMPv4 3/4 with MTU 0 takes the RFC 1191 plateau (§4.2); an IPv4
    packet whose protocol is an IPv6-only number is refused (3/13)."""
    sent6, xl4 = capture_6to4(h6, h4, 31057, 31058, 200)
    quote4 = xl4
    settle(h6, h4)
    v4_to_v6 = {0: (1, 0), 1: (1, 0), 2: (4, 1), 3: (1, 4), 5: (1, 0), 6: (1, 0), 7: (1, 0), 8: (1, 0),
                9: (1, 1), 10: (1, 1), 11: (1, 0), 12: (1, 0), 13: (1, 1), 14: None, 15: (1, 1)}
    cases = [((3, c), v) for c, v in v4_to_v6.items()] + [((11, 0), (3, 0)), ((11, 1), (3, 1))]
    for (t4, c4), want in cases:
        icmp = icmp4_bytes(t4, c4, b"\0\0\0\0", quote4)
        h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
        got = h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and udp_port(r, 88, 31058),
                      count=1 if want else 5, timeout=2.0 if want else 0.3)
        if want is None:
            eq([tuple(r[40:42]) for r in got], [], f"ICMPv4 {t4}/{c4} translated (must be dropped)")
            continue
        r = one(got, f"ICMPv4 {t4}/{c4}")
        eq(tuple(r[40:42]), want, f"ICMPv4 {t4}/{c4} -> ICMPv6 type/code")
        check_l4_v6(r, f"ICMPv4 {t4}/{c4}")
        check_inner6(r[48:], sent6, f"ICMPv4 {t4}/{c4}", xl4[8])

    sent4, xl6 = capture_4to6(h6, h4, 31059, 31060, 200, flags=0, ident=0x4321)
    settle(h6, h4)
    v6_to_v4 = [((1, 0), (3, 1)), ((1, 1), (3, 10)), ((1, 2), (3, 1)), ((1, 3), (3, 1)), ((1, 4), (3, 3)),
                ((3, 0), (11, 0)), ((3, 1), (11, 1)), ((4, 1), (3, 2)), ((1, 5), None), ((1, 6), None), ((4, 2), None)]
    for (t6, c6), want in v6_to_v4:
        icmp = icmp6_bytes(H6, H4_AS6, t6, c6, b"\0\0\0\0", xl6)
        h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS, nh=PROTO_ICMP6) / Raw(icmp))
        got = h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_ICMP) and udp_port(r, 48, 31060),
                      count=1 if want else 5, timeout=2.0 if want else 0.3)
        if want is None:
            eq([tuple(r[20:22]) for r in got], [], f"ICMPv6 {t6}/{c6} translated (must be dropped)")
            continue
        r = one(got, f"ICMPv6 {t6}/{c6}")
        eq(tuple(r[20:22]), want, f"ICMPv6 {t6}/{c6} -> ICMPv4 type/code")
        check_l4_v4(r, f"ICMPv6 {t6}/{c6}")
        check_inner4(r[28:], sent4, f"ICMPv6 {t6}/{c6}", xl6[7])

    # MTU 0 (a pre-RFC 1191 router): plateau below the quoted Total Length
    # 1500 is 1492, + 20, capped by the IPv6 next hop (1500).
    fake = bytearray(xl4[:548])
    fake[2:4] = struct.pack("!H", 1500)
    fake[10:12] = b"\0\0"
    fake[10:12] = struct.pack("!H", checksum(bytes(fake[:20])))
    for quoted_total, want in ((1500, 1500), (len(xl4), 1280)):
        q = bytes(fake) if quoted_total == 1500 else xl4
        icmp = icmp4_bytes(3, 4, b"\0\0\0\0", q)
        h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp))
        r = one(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6) and r[40] == 2 and udp_port(r, 88, 31058)),
                f"MTU 0, quoted length {quoted_total}")
        eq(struct.unpack("!I", r[44:48])[0], want, f"PTB MTU from ICMPv4 MTU 0, quoted Total Length {quoted_total}")
        check_l4_v6(r, "PTB from MTU 0")

    for proto in (0, 43, 44, 58, 60):
        sent = bytes(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=proto) / Raw(payload_bytes(40, proto)))
        h4.send(sent)
        r = one(h4.recv(lambda r: is4(r, XLAT4, H4, PROTO_ICMP) and r[20:22] == b"\x03\x0d" and r[28 + 9] == proto),
                f"IPv4 protocol {proto}")
        check_l4_v4(r, f"refusal of protocol {proto}")
        eq(r[28 + 20:], sent[20:], f"protocol {proto}: quoted payload")
    return "ICMPv4 3/0-15, 11/0-1 -> ICMPv6 and ICMPv6 1/0-6, 3/0-1, 4/1-2 -> ICMPv4 per the tables; " \
           "MTU 0 -> plateau 1492 (+20, capped 1500) or 1280; IPv4 protocols 0/43/44/58/60 -> 3/13"


def case_no_error_for_errors(h6, h4):
    """RFC 7915 §4.3 / §5.3: an ICMP error quoting an ICMP error is not
    translated; §4.4 / RFC 4443 §2.4(e), RFC 1812 §4.3.2.7: no Time Exceeded
    for an expiring ICMP error or non-first fragment; but an expiring echo
    request does get one (docs/rfc-compliance.md: traceroute -I)."""
    inner6 = bytes(IPv6(src=H4_AS6, dst=H6, hlim=30, nh=PROTO_ICMP6) /
                   Raw(icmp6_bytes(H4_AS6, H6, 1, 4, b"\0\0\0\0", bytes(IPv6(src=H6, dst=H4_AS6) / UDP()))))
    h6.send(IPv6(src=H6, dst=H4_AS6, hlim=SENT_HOPS, nh=PROTO_ICMP6) /
            Raw(icmp6_bytes(H6, H4_AS6, 1, 0, b"\0\0\0\0", inner6)))
    inner4 = bytes(IP(src=H6_AS4, dst=H4, ttl=30, proto=PROTO_ICMP) /
                   Raw(icmp4_bytes(3, 3, b"\0\0\0\0", bytes(IP(src=H4, dst=H6_AS4) / UDP()))))
    h4.send(IP(src=H4, dst=H6_AS4, ttl=SENT_HOPS, proto=PROTO_ICMP) / Raw(icmp4_bytes(3, 1, b"\0\0\0\0", inner4)))
    eq(h4.recv(lambda r: is4(r, H6_AS4, H4, PROTO_ICMP), count=5, timeout=0.5), [],
       "ICMPv6 error quoting an ICMPv6 error: translated")
    eq(h6.recv(lambda r: is6(r, H4_AS6, H6, PROTO_ICMP6), count=5, timeout=0.1), [],
       "ICMPv4 error quoting an ICMPv4 error: translated")

    err6 = IPv6(src=H6, dst=H4_AS6, hlim=2, nh=PROTO_ICMP6) / Raw(
        icmp6_bytes(H6, H4_AS6, 1, 4, b"\0\0\0\0", bytes(IPv6(src=H4_AS6, dst=H6) / UDP(sport=31063, dport=31064))))
    h6.send(err6)
    whole = bytes(IPv6(src=H6, dst=H4_AS6) / UDP(sport=31065, dport=31066) / Raw(payload_bytes(300, 22)))[40:]
    h6.send(IPv6(src=H6, dst=H4_AS6, hlim=2) / IPv6ExtHdrFragment(nh=PROTO_UDP, offset=20, m=0, id=0x1111) /
            Raw(whole[160:]))
    err4 = IP(src=H4, dst=H6_AS4, ttl=2, proto=PROTO_ICMP) / Raw(
        icmp4_bytes(3, 3, b"\0\0\0\0", bytes(IP(src=H6_AS4, dst=H4) / UDP(sport=31067, dport=31068))))
    h4.send(err4)
    eq([r[40] for r in h6.recv(lambda r: is6(r, XLAT6, H6, PROTO_ICMP6), count=5, timeout=0.5)], [],
       "ICMPv6 from the translator for an expiring ICMPv6 error or non-first fragment")
    eq([r[20] for r in h4.recv(lambda r: is4(r, XLAT4, H4, PROTO_ICMP), count=5, timeout=0.1)], [],
       "ICMPv4 from the translator for an expiring ICMPv4 error")

    echo = icmp6_bytes(H6, H4_AS6, 128, 0, struct.pack("!HH", 0x99, 1), b"trace")
    h6.send(IPv6(src=H6, dst=H4_AS6, hlim=2, nh=PROTO_ICMP6) / Raw(echo))
    r = one(h6.recv(lambda r: is6(r, XLAT6, H6, PROTO_ICMP6) and r[40] == 3 and r[88] == 128), "echo expiring")
    check_l4_v6(r, "Time Exceeded for an echo request")
    eq(r[88:], echo, "quoted echo request")
    return "error quoting an error dropped both ways; no Time Exceeded for expiring errors / non-first fragments; " \
           "expiring echo request -> ICMPv6 3/0"


def case_rate_limit(h6, h4):
    """RFC 7915 §5.4 / RFC 4443 §2.4(f): translator errors are rate-limited
    (token bucket, 100/s, burst 100, per worker: docs/rfc-compliance.md).
    300 expiring packets of one flow in a burst get 100 to 200 errors."""
    sent = bytes(IPv6(src=H6, dst=H4_AS6, hlim=2) / UDP(sport=31061, dport=31062) / Raw(payload_bytes(20, 21)))
    time.sleep(1.1)  # the bucket refills after the earlier cases
    start = time.monotonic()
    for _ in range(300):
        h6.send(sent)
    elapsed = time.monotonic() - start
    got = h6.recv(lambda r: is6(r, XLAT6, H6, PROTO_ICMP6) and r[40] == 3 and udp_port(r, 88, 31062),
                  count=300, timeout=1.0)
    ok(100 <= len(got) <= 200 + int(100 * elapsed) + 1,
       f"{len(got)} Time Exceeded for 300 expiring packets sent in {elapsed:.2f}s (bucket: burst 100, 100/s)")
    return f"300 expiring packets in {elapsed:.2f}s -> {len(got)} Time Exceeded"


CASES = [
    ("1a fragments 4->6", case_frag_4to6),
    ("1b fragments 6->4", case_frag_6to4),
    ("1c translator fragmentation", case_frag_translator),
    ("2a PTB -> frag needed", case_ptb_to_frag_needed),
    ("2b frag needed -> PTB", case_frag_needed_to_ptb),
    ("2c DF=1 too big", case_too_big_df),
    ("3  time exceeded", case_time_exceeded),
    ("4  parameter problem", case_param_problem),
    ("5  ICMP error, inner TCP", case_icmp_inner_tcp),
    ("6  hairpinning", case_hairpin),
    ("7  RFC 4884 extensions", case_rfc4884),
    ("8  options and extension headers", case_options_and_headers),
    ("9  fragment corners", case_fragment_corners),
    ("10 more ICMP", case_more_icmp),
    ("11 refragmentation", case_refragment),
    ("12 boundaries", case_boundaries),
    ("13 ICMP code tables", case_code_tables),
    ("14 no errors about errors", case_no_error_for_errors),
    ("15 error rate limit", case_rate_limit),
]


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    ns6, ns4, mac_v6x, mac_v4x = sys.argv[1:]
    h6 = Host(ns6, "v6h", mac_v6x)
    h4 = Host(ns4, "v4h", mac_v4x)
    only = os.environ.get("RFC7915_ONLY")
    failed = 0
    for name, fn in CASES:
        if only and not name.startswith(only):
            continue
        h6.drain()
        h4.drain()
        start = time.monotonic()
        try:
            summary = fn(h6, h4)
            print(f"ok   {name}: {summary} ({time.monotonic() - start:.1f}s)", flush=True)
        except Mismatch as e:
            failed += 1
            print(f"FAIL {name}: {e}", flush=True)
    if failed:
        print(f"{failed} case(s) failed", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
