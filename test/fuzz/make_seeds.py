#!/usr/bin/python3
"""Writes the packet seeds of test/fuzz/corpus/xlat4to6, xlat6to4 and vnet.

Run from anywhere with Debian's python3 (scapy): /usr/bin/python3 make_seeds.py.
Each seed is named NAME@OUTCOME, the outcome the target reports for it
(checked by the replay ctests); the addresses are those of the harness's
configuration (fuzz_xlat.cpp): prefix 3fff:6464::/96, ipv4-addr 192.0.2.1,
map 198.51.100.0/24 <-> 2001:db8::/120, map 192.0.2.77 <-> 2001:db8:77::77;
the second configuration (control bit 0x10) has 1280-byte MTUs, udp-cksum-mode
fwd and the dynamic pool 203.0.113.0/28.
"""
import os
import struct
import sys

from scapy.all import (ICMP, IP, TCP, UDP, IPerror, UDPerror, TCPerror, ICMPerror, IPv6, IPerror6,
                       ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6DestUnreach, ICMPv6PacketTooBig, ICMPv6TimeExceeded,
                       ICMPv6ParamProblem, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                       IPv6ExtHdrDestOpt, IPOption_LSRR, raw)

HERE = os.path.dirname(os.path.abspath(__file__))

REPAIR = 0x03        # repair the IPv4 header and transport checksums
TAIL = 0x04          # room behind the packet
GSO = 0x08
SECOND = 0x10        # MTU 1280, udp-cksum-mode fwd, dynamic pool

H4 = "192.0.2.33"                   # an IPv4 host, 3fff:6464::c000:221 on the IPv6 side
H4_6 = "3fff:6464::c000:221"
M4 = "198.51.100.16"                # mapped: 2001:db8::10
M6 = "2001:db8::10"
OWN4, OWN6 = "192.0.2.1", "3fff:6464::c000:201"


def write(directory, name, control, pkt):
    os.makedirs(directory, exist_ok=True)
    data = raw(pkt) if not isinstance(pkt, bytes) else pkt
    with open(os.path.join(directory, name), "wb") as f:
        f.write(bytes([control]) + data)


def ext4884_v4(inner):
    """An ICMPv4 Time Exceeded with an RFC 4884 extension (an object of 8 bytes)."""
    quoted = raw(inner)[:128].ljust(128, b"\0")
    ext = struct.pack("!BBH", 0x20, 0, 0) + struct.pack("!HBB", 8, 1, 1) + b"\xc0\x00\x02\x09"
    csum = checksum(ext)
    ext = ext[:2] + struct.pack("!H", csum) + ext[4:]
    icmp = ICMP(type=11, code=0, length=32) / (quoted + ext)
    return icmp


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def seeds_4to6(d):
    w = lambda name, control, pkt: write(d, name, control, pkt)
    w("echo@forward", REPAIR, IP(src=H4, dst=M4, id=1) / ICMP(id=1, seq=2) / b"ab")
    w("udp@forward", REPAIR, IP(src=H4, dst=M4) / UDP(sport=53, dport=1000) / b"answer")
    w("tcp@forward", REPAIR, IP(src=H4, dst=M4, flags="DF") / TCP(sport=80, dport=1000, flags="SA"))
    w("udp-zero-calc@forward", REPAIR, IP(src=H4, dst=M4) / UDP(sport=53, dport=1000, chksum=0) / b"answer")
    w("udp-zero-fwd@forward", REPAIR | SECOND, IP(src=H4, dst=M4) / UDP(sport=53, dport=1000, chksum=0) / b"x")
    w("udp-zero-fragment@drop:udp-zero-checksum-fragment", REPAIR,
      IP(src=H4, dst=M4, flags="MF", id=9) / UDP(sport=1, dport=2, chksum=0, len=72) / (b"y" * 56))
    w("fragment-first@forward", REPAIR, IP(src=H4, dst=M4, flags="MF", id=9) / UDP(sport=1, dport=2, len=72) / (b"y" * 56))
    w("fragment-last@forward", REPAIR, IP(src=H4, dst=M4, frag=10, id=9, proto=17) / (b"z" * 40))
    w("fragmented-by-translator@forward", REPAIR | SECOND, IP(src=H4, dst=M4) / UDP(sport=1, dport=2) / (b"f" * 1400))
    w("too-big-df@icmp-error:too-big", REPAIR | SECOND,
      IP(src=H4, dst=M4, flags="DF") / UDP(sport=1, dport=2) / (b"f" * 1400))
    w("gso-tcp@forward", REPAIR | GSO | SECOND,
      IP(src=H4, dst=M4, flags="DF") / TCP(sport=80, dport=1000, flags="A") / (b"g" * 4000))
    w("ttl-expired@icmp-error:ttl-expired", REPAIR, IP(src=H4, dst=M4, ttl=1) / UDP(sport=1, dport=2) / b"t")
    w("source-route@icmp-error:ipv4-source-route", REPAIR,
      IP(src=H4, dst=M4, options=[IPOption_LSRR(routers=["192.0.2.9"], pointer=4)]) / UDP(sport=1, dport=2))
    w("options@forward", REPAIR, IP(src=H4, dst=M4, options=[IPOption_LSRR(routers=["192.0.2.9"], pointer=8)])
      / ICMP() / b"o")
    w("bad-checksum@drop:bad-ipv4-checksum", 0, IP(src=H4, dst=M4, chksum=0x1234) / UDP(sport=1, dport=2))
    w("truncated@drop:truncated-ipv4", REPAIR, raw(IP(src=H4, dst=M4, len=60) / UDP(sport=1, dport=2)))
    w("echo-to-self@local", REPAIR, IP(src=H4, dst=OWN4) / ICMP(id=7, seq=1) / b"ping")
    w("udp-to-self@icmp-error:protocol-unreachable", REPAIR, IP(src=H4, dst=OWN4) / UDP(sport=1, dport=2))
    w("igmp@drop:igmp", REPAIR, IP(src=H4, dst=M4, proto=2) / b"\x11\x00\xee\xff\x00\x00\x00\x00")
    w("multicast@drop:multicast-destination", REPAIR, IP(src=H4, dst="224.0.0.1") / UDP(sport=1, dport=2))
    w("nat64-destination@forward", REPAIR, IP(src=H4, dst="203.0.113.9") / UDP(sport=1, dport=2))
    # A pool address without a lease (second configuration).
    w("dst-unleased@icmp-error:dst-unmappable-4to6", REPAIR | SECOND, IP(src=H4, dst="203.0.113.9") / UDP(sport=1, dport=2))
    w("ipv6-only-protocol@icmp-error:ipv6-only-protocol", REPAIR, IP(src=H4, dst=M4, proto=43) / b"12345678")
    inner = IP(src=M4, dst=H4) / UDP(sport=1000, dport=53)
    w("dest-unreach@forward", REPAIR, IP(src=H4, dst=M4) / ICMP(type=3, code=3) / IPerror(raw(inner)))
    w("frag-needed@forward", REPAIR, IP(src=H4, dst=M4) / ICMP(type=3, code=4, nexthopmtu=1400) / IPerror(raw(inner)))
    w("param-problem@forward", REPAIR, IP(src=H4, dst=M4) / ICMP(type=12, code=0, ptr=9) / IPerror(raw(inner)))
    w("time-exceeded-rfc4884@forward", REPAIR | TAIL, IP(src=H4, dst=M4) / ext4884_v4(inner))
    w("time-exceeded-rfc4884-no-room@forward", REPAIR, IP(src=H4, dst=M4) / ext4884_v4(inner))
    w("error-from-loopback@forward", REPAIR, IP(src="127.0.0.1", dst=M4) / ICMP(type=11, code=0) / IPerror(raw(inner)))
    w("inner-unmappable@drop:inner-unmappable", REPAIR | SECOND,
      IP(src=H4, dst=M4) / ICMP(type=3, code=1) / IPerror(raw(IP(src=M4, dst="203.0.113.9") / UDP())))
    w("redirect@drop:icmp-single-hop", REPAIR, IP(src=H4, dst=M4) / ICMP(type=5, code=1, gw="192.0.2.9") / IPerror(raw(inner)))
    # The quoted packet through the 4->6 stages with their inner flag (RFC 7915 §4.3).
    quoted = IP(src=M4, dst=H4, ttl=1, options=[IPOption_LSRR(routers=["192.0.2.9"], pointer=4)]) / TCP(sport=1000, dport=80)
    w("quoted-options-tcp@forward", REPAIR, IP(src=H4, dst=M4) / ICMP(type=11, code=0) / raw(quoted))
    quoted = IP(src=M4, dst=H4, flags="MF", id=77) / ICMP(type=8, id=3, seq=4) / b"ping"
    w("quoted-echo-first-fragment@forward", REPAIR, IP(src=H4, dst=M4) / ICMP(type=11, code=0) / raw(quoted))
    quoted = IP(src=M4, dst=H4, frag=5, proto=1) / (b"v" * 24)
    w("quoted-icmp-later-fragment@forward", REPAIR, IP(src=H4, dst=M4) / ICMP(type=3, code=1) / raw(quoted))
    quoted = IP(src=M4, dst=H4, flags="DF") / UDP(sport=1000, dport=53) / (b"z" * 3000)
    w("quoted-cut-short-frag-needed@forward", REPAIR,
      IP(src=H4, dst=M4) / ICMP(type=3, code=4, nexthopmtu=0) / raw(quoted)[:548])
    quoted = IP(src=M4, dst=H4) / UDP(sport=1000, dport=53, chksum=0) / b"zero"
    w("quoted-udp-zero@forward", REPAIR, IP(src=H4, dst=M4) / ICMP(type=3, code=3) / raw(quoted))
    quoted = IP(src=M4, dst=H4) / ICMP(type=3, code=3) / raw(inner)
    w("quoted-error@drop:icmp-error-in-error", REPAIR, IP(src=H4, dst=M4) / ICMP(type=11, code=0) / raw(quoted))


def seeds_6to4(d):
    w = lambda name, control, pkt: write(d, name, control, pkt)
    w("echo@forward", REPAIR, IPv6(src=M6, dst=H4_6) / ICMPv6EchoRequest(id=1, seq=2, data=b"ab"))
    w("udp@forward", REPAIR, IPv6(src=M6, dst=H4_6) / UDP(sport=1000, dport=53) / b"query")
    w("tcp@forward", REPAIR, IPv6(src=M6, dst=H4_6) / TCP(sport=1000, dport=80, flags="S"))
    w("hop-by-hop@forward", REPAIR, IPv6(src=M6, dst=H4_6) / IPv6ExtHdrHopByHop() / UDP(sport=1, dport=2) / b"h")
    w("dest-opts@forward", REPAIR, IPv6(src=M6, dst=H4_6) / IPv6ExtHdrDestOpt() / UDP(sport=1, dport=2) / b"d")
    w("routing-done@forward", REPAIR,
      IPv6(src=M6, dst=H4_6) / IPv6ExtHdrRouting(type=0, addresses=["2001:db8::1"], segleft=0) / UDP(sport=1, dport=2))
    w("routing-left@icmp-error:ipv6-routing-header", REPAIR,
      IPv6(src=M6, dst=H4_6) / IPv6ExtHdrRouting(type=0, addresses=["2001:db8::1"], segleft=1) / UDP(sport=1, dport=2))
    w("fragment-first@forward", REPAIR,
      IPv6(src=M6, dst=H4_6) / IPv6ExtHdrFragment(m=1, id=7, nh=17) / UDP(sport=1, dport=2, len=80) / (b"y" * 64))
    w("fragmented-by-translator@forward", REPAIR | SECOND,
      IPv6(src=M6, dst=H4_6) / IPv6ExtHdrFragment(m=0, id=7, nh=17) / UDP(sport=1, dport=2) / (b"f" * 1300))
    w("too-big@icmp-error:too-big", REPAIR | SECOND, IPv6(src=M6, dst=H4_6) / UDP(sport=1, dport=2) / (b"f" * 1300))
    w("gso-tcp@forward", REPAIR | GSO | SECOND, IPv6(src=M6, dst=H4_6) / TCP(sport=1, dport=80, flags="A") / (b"g" * 4000))
    w("hop-limit@icmp-error:hop-limit-expired", REPAIR, IPv6(src=M6, dst=H4_6, hlim=1) / UDP(sport=1, dport=2))
    w("echo-to-self@local", REPAIR, IPv6(src=M6, dst=OWN6) / ICMPv6EchoRequest(id=3, seq=4, data=b"ping"))
    w("hairpin@forward", REPAIR, IPv6(src="2001:db8::5", dst="3fff:6464::c633:6406") / UDP(sport=1, dport=2) / b"hp")
    w("src-unmappable@icmp-error:src-unmappable-6to4", REPAIR, IPv6(src="2001:db8:1::5", dst=H4_6) / UDP(sport=1, dport=2))
    w("pool-lease@forward", REPAIR | SECOND, IPv6(src="2001:db8:1::5", dst=H4_6) / UDP(sport=1, dport=2) / b"lease")
    w("spoofed@icmp-error:spoofed-source", REPAIR, IPv6(src="3fff:6464::c633:6405", dst=H4_6) / UDP(sport=1, dport=2))
    w("icmpv4-in-ipv6@drop:icmpv4-in-ipv6", REPAIR, IPv6(src=M6, dst=H4_6, nh=1) / ICMP())
    w("truncated@drop:truncated-ipv6", REPAIR, raw(IPv6(src=M6, dst=H4_6, plen=40) / UDP(sport=1, dport=2)))
    w("jumbogram@drop:bad-jumbogram", REPAIR, raw(IPv6(src=M6, dst=H4_6, plen=0, nh=17)) + raw(UDP(sport=1, dport=2)))
    inner = IPv6(src=H4_6, dst=M6, hlim=3) / UDP(sport=53, dport=1000)
    w("packet-too-big@forward", REPAIR, IPv6(src=M6, dst=H4_6) / ICMPv6PacketTooBig(mtu=1400) / IPerror6(raw(inner)))
    w("dest-unreach@forward", REPAIR, IPv6(src=M6, dst=H4_6) / ICMPv6DestUnreach(code=4) / IPerror6(raw(inner)))
    w("param-problem@forward", REPAIR, IPv6(src=M6, dst=H4_6) / ICMPv6ParamProblem(code=0, ptr=7) / IPerror6(raw(inner)))
    # RFC 6791: from a router with no IPv4 mapping; leaves from ipv4-addr.
    w("time-exceeded-rfc6791@forward", REPAIR,
      IPv6(src="2001:db8:ffff::1", dst=H4_6) / ICMPv6TimeExceeded(code=0) / IPerror6(raw(inner)))
    w("neighbor-solicit@drop:icmp-single-hop", REPAIR, IPv6(src=M6, dst=H4_6, nh=58) / (b"\x87\x00\x00\x00\x00\x00\x00\x00" + b"\x20\x01\x0d\xb8" + b"\0" * 12))
    # The quoted packet through the 6->4 stages with their inner flag (RFC 7915 §5.3).
    quoted = (IPv6(src=H4_6, dst=M6, hlim=0) / IPv6ExtHdrHopByHop() /
              IPv6ExtHdrRouting(type=0, addresses=["2001:db8::1"], segleft=1) / IPv6ExtHdrFragment(m=1, id=0x12345678) /
              TCP(sport=80, dport=1000))
    w("quoted-ext-headers-tcp@forward", REPAIR, IPv6(src=M6, dst=H4_6) / ICMPv6DestUnreach(code=3) / raw(quoted))
    quoted = IPv6(src=H4_6, dst=M6) / ICMPv6EchoReply(id=1, seq=2, data=b"pong")
    w("quoted-echo-reply@forward", REPAIR, IPv6(src=M6, dst=H4_6) / ICMPv6TimeExceeded(code=0) / raw(quoted))
    quoted = IPv6(src=H4_6, dst=M6) / UDP(sport=53, dport=1000) / (b"y" * 1400)
    w("quoted-cut-short-too-big@forward", REPAIR,
      IPv6(src=M6, dst=H4_6) / ICMPv6PacketTooBig(mtu=1280) / raw(quoted)[:1232])
    quoted = bytearray(raw(IPv6(src=H4_6, dst=M6) / UDP(sport=53, dport=1000)))
    quoted[4:6] = b"\xff\xff"  # declared longer than an IPv4 datagram can be
    w("quoted-oversized@drop:inner-packet-bad", REPAIR, IPv6(src=M6, dst=H4_6) / ICMPv6DestUnreach(code=4) / bytes(quoted))


def vnet(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0, csum_offset=0):
    """struct virtio_net_hdr in native (little-endian) byte order."""
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


def seeds_vnet(d):
    NEEDS_CSUM, DATA_VALID = 1, 2
    TCPV4, UDP_GSO, TCPV6, UDP_L4, ECN = 1, 3, 4, 5, 0x80
    KERNEL_PARTIAL = 0x02  # the control bit: the field holds the pseudo-header sum

    def w(name, hdr, control, pkt):
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(hdr + bytes([control]) + raw(pkt))

    tcp4 = IP(src=H4, dst=M4, flags="DF") / TCP(sport=80, dport=1000, flags="A") / (b"g" * 4000)
    tcp6 = IPv6(src=M6, dst=H4_6) / TCP(sport=1000, dport=80, flags="A") / (b"g" * 4000)
    w("gso-tcp4@forward", vnet(NEEDS_CSUM, TCPV4, 40, 1448, 20, 16), REPAIR, tcp4)
    w("gso-tcp4-ecn@forward", vnet(NEEDS_CSUM, TCPV4 | ECN, 40, 1448, 20, 16), REPAIR, tcp4)
    w("gso-tcp4-small-mtu@forward", vnet(NEEDS_CSUM, TCPV4, 40, 1448, 20, 16), REPAIR | SECOND, tcp4)
    w("gso-tcp6@forward", vnet(NEEDS_CSUM, TCPV6, 60, 1428, 40, 16), REPAIR, tcp6)
    w("gso-tcp6-hop-by-hop@forward", vnet(NEEDS_CSUM, TCPV6, 68, 1428, 48, 16), REPAIR,
      IPv6(src=M6, dst=H4_6) / IPv6ExtHdrHopByHop() / TCP(sport=1000, dport=80, flags="A") / (b"h" * 3000))
    w("partial-udp4@forward", vnet(NEEDS_CSUM, 0, 0, 0, 20, 6), REPAIR, IP(src=H4, dst=M4) / UDP(sport=1, dport=2) / b"u")
    w("partial-tcp6@forward", vnet(NEEDS_CSUM, 0, 0, 0, 40, 16), REPAIR,
      IPv6(src=M6, dst=H4_6) / TCP(sport=1, dport=2, flags="S"))
    w("data-valid@forward", vnet(DATA_VALID), REPAIR, IP(src=H4, dst=M4) / UDP(sport=1, dport=2) / b"v")
    w("plain@forward", vnet(), REPAIR, IPv6(src=M6, dst=H4_6) / ICMPv6EchoRequest(id=1, seq=1))
    w("gso-udp@offload-error", vnet(NEEDS_CSUM, UDP_GSO, 28, 1400, 20, 6), REPAIR,
      IP(src=H4, dst=M4) / UDP(sport=1, dport=2) / (b"u" * 3000))
    udp4 = IP(src=H4, dst=M4) / UDP(sport=443, dport=1000) / (b"q" * 3000)
    udp6 = IPv6(src=M6, dst=H4_6) / UDP(sport=1000, dport=443) / (b"q" * 3000)
    w("gso-udp-l4-4@forward", vnet(NEEDS_CSUM, UDP_L4, 28, 1000, 20, 6), REPAIR | KERNEL_PARTIAL, udp4)
    w("gso-udp-l4-6@forward", vnet(NEEDS_CSUM, UDP_L4, 48, 1000, 40, 6), REPAIR | KERNEL_PARTIAL, udp6)
    w("gso-udp-l4-ecn@offload-error", vnet(NEEDS_CSUM, UDP_L4 | ECN, 28, 1000, 20, 6), REPAIR, udp4)
    w("partial-udp6-kept@forward", vnet(NEEDS_CSUM, 0, 0, 0, 40, 6), REPAIR | KERNEL_PARTIAL,
      IPv6(src=M6, dst=H4_6) / UDP(sport=1, dport=2) / (b"k" * 200))
    w("partial-udp4-fragmented@forward", vnet(NEEDS_CSUM, 0, 0, 0, 20, 6), REPAIR | KERNEL_PARTIAL,
      IP(src=H4, dst=M4) / UDP(sport=1, dport=2) / (b"f" * 1400))
    w("csum-beyond-packet@offload-error", vnet(NEEDS_CSUM, 0, 0, 0, 20, 60000), REPAIR,
      IP(src=H4, dst=M4) / UDP(sport=1, dport=2) / b"u")
    w("gso-ttl-expired@icmp-error:ttl-expired", vnet(NEEDS_CSUM, TCPV4, 40, 1448, 20, 16), REPAIR,
      IP(src=H4, dst=M4, ttl=1) / TCP(sport=80, dport=1000, flags="A") / (b"t" * 3000))


def main():
    base = os.path.join(HERE, "corpus")
    seeds_4to6(os.path.join(base, "xlat4to6"))
    seeds_6to4(os.path.join(base, "xlat6to4"))
    seeds_vnet(os.path.join(base, "vnet"))


if __name__ == "__main__":
    sys.exit(main())
