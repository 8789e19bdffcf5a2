// RFC 7915 §4.3 and §5.3: the packet quoted in an ICMP error is translated
// like an ordinary one, with the rules where it differs: it was forwarded
// already (its TTL/hop limit, options, routing header and addresses are
// what they were, no packet-level refusal applies), it may be cut short
// (lengths as declared, checksums adjusted only where the quote reaches
// them), and it carries no further ICMP error. Input and expected packets
// as bytes, built with the PacketBuilder.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "icmp_fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

// The TCP segment H -> S and S -> H as each side quotes it.
Bytes tcp_h2s4(std::uint8_t ttl) {
    return ipv4({kHost4, kServer4, 6, ttl}, seal4(tcp(51000, 443, 7, 0x18, kData), 6, kHost4, kServer4));
}
Bytes tcp_h2s6(std::uint8_t hop) {
    return ipv6({kHost6, kServer6, 6, hop}, seal6(tcp(51000, 443, 7, 0x18, kData), 6, kHost6, kServer6));
}
Bytes tcp_s2h6(std::uint8_t hop) {
    return ipv6({kServer6, kHost6, 6, hop}, seal6(tcp(443, 51000, 9, 0x12, kData), 6, kServer6, kHost6));
}
Bytes tcp_s2h4(std::uint8_t ttl) {
    return ipv4({kServer4, kHost4, 6, ttl, 0, 0}, seal4(tcp(443, 51000, 9, 0x12, kData), 6, kServer4, kHost4));
}

Bytes echo_h2s4() {
    return ipv4({kHost4, kServer4, 1, 1}, seal4(icmp_echo(8, 7, 1, kData), 1, kHost4, kServer4));
}
Bytes echo_h2s6() {
    return ipv6({kHost6, kServer6, 58, 1}, seal6(icmp_echo(128, 7, 1, kData), 58, kHost6, kServer6));
}
Bytes echo_s2h6() {
    return ipv6({kServer6, kHost6, 58, 5}, seal6(icmp_echo(129, 3, 4, kData), 58, kServer6, kHost6));
}
Bytes echo_s2h4() {
    return ipv4({kServer4, kHost4, 1, 5, 0, 0}, seal4(icmp_echo(0, 3, 4, kData), 1, kServer4, kHost4));
}

void require_dropped(const Bytes& in, Reason why) {
    const auto o = run_xlat(default_tables(), in);
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, why) == 1);
    CHECK(o.counters.icmp_errors_sent == 0);
}

void require_translated(const Bytes& in, const Bytes& want) {
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want);
}

}  // namespace

TEST_CASE("RFC 7915 §4.3: a quoted packet cut short keeps its declared length, checksums only where quoted",
          "[xlat][4to6][icmp][inner]") {
    SECTION("TCP cut before its checksum: header with the declared length, transport bytes untouched") {
        require_translated(error4(11, 0, 0, head(tcp_h2s4(1), 28)), want6(3, 0, 0, head(tcp_h2s6(1), 48)));
    }
    SECTION("UDP cut before its checksum") {
        require_translated(error4(3, 3, 0, head(quoted_udp4(), 26)), want6(1, 4, 0, head(quoted_udp6(), 46)));
    }
    SECTION("ICMP echo cut to its first word: the checksum is adjusted for the whole message") {
        require_translated(error4(11, 0, 0, head(echo_h2s4(), 24)), want6(3, 0, 0, head(echo_h2s6(), 44)));
    }
    SECTION("bytes after the quoted packet's Total Length (no RFC 4884 length) are not quoted") {
        require_translated(error4(3, 3, 0, cat(quoted_udp4(), Bytes{1, 2, 3, 4})), want6(1, 4, 0));
    }
}

TEST_CASE("RFC 7915 §5.3: a quoted packet cut short keeps its declared length, checksums only where quoted",
          "[xlat][6to4][icmp][inner]") {
    SECTION("TCP cut before its checksum, hop limit 0 kept") {
        require_translated(error6(3, 0, 0, head(tcp_s2h6(0), 48)), want4(11, 0, 0, head(tcp_s2h4(0), 28)));
    }
    SECTION("UDP cut before its checksum") {
        require_translated(error6(1, 4, 0, head(quoted_back6(), 46)), want4(3, 3, 0, head(quoted_back4(), 26)));
    }
    SECTION("ICMPv6 echo cut to its first word: the checksum is adjusted for the whole message") {
        require_translated(error6(1, 4, 0, head(echo_s2h6(), 44)), want4(3, 3, 0, head(echo_s2h4(), 24)));
    }
    SECTION("bytes after the quoted packet's Payload Length are not quoted") {
        require_translated(error6(1, 4, 0, cat(quoted_back6(), Bytes{1, 2, 3, 4, 5, 6, 7, 8})), want4(3, 3, 0));
    }
    SECTION("a quoted packet declared longer than 1260 bytes gets DF (§5.1), ID 0") {
        const Bytes big(1300, 0x61);
        const Bytes q4 = ipv4({kServer4, kHost4, 17, 20, 0, 0, true}, seal4(udp(53, 40000, big), 17, kServer4, kHost4));
        require_translated(error6(1, 4, 0, quoted_back6(big)), want4(3, 3, 0, head(q4, 576 - 28)));
    }
}

TEST_CASE("RFC 7915 §4.3 / RFC 768: a quoted zero UDP checksum stays zero, whatever udp-cksum-mode",
          "[xlat][icmp][inner][udp]") {
    const Bytes q4 = ipv4({kHost4, kServer4, 17, 20}, udp(40000, 53, kData));
    const Bytes q6 = ipv6({kHost6, kServer6, 17, 20}, udp(40000, 53, kData));
    const Bytes back6 = ipv6({kServer6, kHost6, 17, 20}, udp(53, 40000, kData));
    const Bytes back4 = ipv4({kServer4, kHost4, 17, 20, 0, 0}, udp(53, 40000, kData));
    for (const auto mode : {UdpCksumMode::Drop, UdpCksumMode::Calc, UdpCksumMode::Forward}) {
        INFO("udp-cksum-mode " << static_cast<int>(mode));
        const auto t = default_tables(mode);
        auto o = run_xlat(t, error4(3, 3, 0, q4));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(1, 4, 0, q6));
        o = run_xlat(t, error6(1, 4, 0, back6));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want4(3, 3, 0, back4));
    }
}

TEST_CASE("RFC 7915 §4.3: the quoted packet is not refused as a packet to forward", "[xlat][4to6][icmp][inner]") {
    SECTION("TTL 0 kept") {
        const Bytes q4 = ipv4({kHost4, kServer4, 17, 0}, seal4(udp(40000, 53, kData), 17, kHost4, kServer4));
        require_translated(error4(11, 0, 0, q4), want6(3, 0, 0, quoted_udp6(0)));
    }
    SECTION("an unexpired source route option (§4.1 refuses it outside) is dropped with the header") {
        const Bytes lsrr{131, 7, 4, 192, 0, 2, 33, 0};
        const Bytes q4 = ipv4({kHost4, kServer4, 17, 20, 0, 0, false, false, 0, lsrr},
                              seal4(udp(40000, 53, kData), 17, kHost4, kServer4));
        require_translated(error4(3, 3, 0, q4), want6(1, 4, 0));
    }
    SECTION("IGMP (§4.2 drops it outside) is quoted as it is") {
        const Bytes igmp{0x16, 0, 0xfa, 0x04, 192, 0, 2, 33};
        require_translated(error4(3, 2, 0, ipv4({kHost4, kServer4, 2, 1}, igmp)),
                           want6(4, 1, 6, ipv6({kHost6, kServer6, 2, 1}, igmp)));
    }
    SECTION("a packet to ipv4-addr is mapped through the prefix, not answered") {
        const Bytes q4 = ipv4({kHost4, kXlat4, 17, 9}, seal4(udp(1, 2, kData), 17, kHost4, kXlat4));
        const Bytes q6 = ipv6({kHost6, kXlat6, 17, 9}, seal6(udp(1, 2, kData), 17, kHost6, kXlat6));
        require_translated(error4(3, 3, 0, q4), want6(1, 4, 0, q6));
    }
    SECTION("a wrong IPv4 header checksum is not checked") {
        Bytes q4 = quoted_udp4();
        q4[10] ^= 0x5a;
        require_translated(error4(3, 3, 0, q4), want6(1, 4, 0));
    }
    SECTION("a non-first ICMP fragment (fragmented ICMP is dropped outside) keeps its bytes") {
        const Bytes body{3, 3, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        const Bytes q4 = ipv4({kHost4, kServer4, 1, 9, 0, 0x4242, false, false, 2}, body);
        const Bytes q6 = ipv6({kHost6, kServer6, 44, 9}, cat(frag_hdr(58, 2, false, 0x4242), body));
        require_translated(error4(11, 1, 0, q4), want6(3, 1, 0, q6));
    }
    SECTION("a first ICMP fragment holding an echo request is translated as one") {
        const Bytes echo4 = seal4(icmp_echo(8, 7, 1, kData), 1, kHost4, kServer4);
        const Bytes echo6 = seal6(icmp_echo(128, 7, 1, kData), 58, kHost6, kServer6);
        const Bytes q4 = ipv4({kHost4, kServer4, 1, 9, 0, 0x4243, false, true, 0}, echo4);
        const Bytes q6 = ipv6({kHost6, kServer6, 44, 9}, cat(frag_hdr(58, 0, true, 0x4243), echo6));
        require_translated(error4(11, 1, 0, q4), want6(3, 1, 0, q6));
    }
}

TEST_CASE("RFC 7915 §5.3: the quoted packet is not refused as a packet to forward", "[xlat][6to4][icmp][inner]") {
    const Bytes seg = udp(53, 40000, kData);
    SECTION("a Routing header with Segments Left (§5.1 refuses it outside) and Hop-by-Hop are skipped") {
        const Bytes hbh{43, 0, 1, 4, 0, 0, 0, 0};
        const Bytes rh = cat(Bytes{17, 2, 2, 1, 0, 0, 0, 0}, Bytes(kHost6.bytes.begin(), kHost6.bytes.end()));
        const Bytes q6 = ipv6({kServer6, kHost6, 0, 20}, cat(cat(hbh, rh), seal6(seg, 17, kServer6, kHost6)));
        require_translated(error6(1, 4, 0, q6), want4(3, 3, 0));
    }
    SECTION("a source that embeds ipv4-addr (the outer packet's anti-spoofing rule) is mapped") {
        const Bytes q6 = ipv6({kXlat6, kHost6, 17, 20}, seal6(seg, 17, kXlat6, kHost6));
        const Bytes q4 = ipv4({kXlat4, kHost4, 17, 20, 0, 0}, seal4(seg, 17, kXlat4, kHost4));
        require_translated(error6(1, 4, 0, q6), want4(3, 3, 0, q4));
    }
    SECTION("a packet to ipv6-addr is mapped through the prefix, not answered") {
        const Bytes q6 = ipv6({kServer6, kXlat6, 17, 20}, seal6(seg, 17, kServer6, kXlat6));
        const Bytes q4 = ipv4({kServer4, kXlat4, 17, 20, 0, 0}, seal4(seg, 17, kServer4, kXlat4));
        require_translated(error6(1, 4, 0, q6), want4(3, 3, 0, q4));
    }
    SECTION("a non-first ICMPv6 fragment keeps its bytes") {
        const Bytes body{1, 4, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        const Bytes q6 = ipv6({kServer6, kHost6, 44, 9}, cat(frag_hdr(58, 3, true, 0xa1b2c3d4), body));
        const Bytes q4 = ipv4({kServer4, kHost4, 1, 9, 0, 0xc3d4, false, true, 3}, body);
        require_translated(error6(3, 1, 0, q6), want4(11, 1, 0, q4));
    }
}

TEST_CASE("RFC 7915 §4.3: quoted packets that cannot be translated drop the error", "[xlat][4to6][icmp][inner][drop]") {
    Bytes short_ihl = quoted_udp4();
    short_ihl[0] = 0x44;
    Bytes long_ihl = quoted_udp4();
    long_ihl[0] = 0x4f;
    Bytes short_total = quoted_udp4();
    short_total[2] = 0;
    short_total[3] = 16;
    const Bytes timestamp =
        ipv4({kHost4, kServer4, 1, 9}, seal4(icmp_msg(13, 0, 0x00010001, Bytes(12, 0)), 1, kHost4, kServer4));
    const Bytes icmpv6_proto = ipv4({kHost4, kServer4, 58, 9}, Bytes(8, 0));
    SECTION("header length below 20") {
        require_dropped(error4(3, 3, 0, short_ihl), Reason::InnerPacketBad);
    }
    SECTION("header longer than the quote") {
        require_dropped(error4(3, 3, 0, long_ihl), Reason::InnerPacketBad);
    }
    SECTION("Total Length below the header") {
        require_dropped(error4(3, 3, 0, short_total), Reason::InnerPacketBad);
    }
    SECTION("ICMP cut inside its first word") {
        require_dropped(error4(11, 0, 0, head(echo_h2s4(), 22)), Reason::InnerPacketBad);
    }
    SECTION("ICMP informational other than echo") {
        require_dropped(error4(3, 3, 0, timestamp), Reason::IcmpUntranslatable);
    }
    SECTION("a protocol that is an IPv6 extension header or ICMPv6") {
        require_dropped(error4(3, 3, 0, icmpv6_proto), Reason::Ipv6OnlyProtocol);
    }
}

TEST_CASE("RFC 7915 §5.3: quoted packets that cannot be translated drop the error", "[xlat][6to4][icmp][inner][drop]") {
    const Bytes mld = ipv6({kServer6, kHost6, 58, 1}, seal6(icmp_msg(130, 0, 0, Bytes(16, 0)), 58, kServer6, kHost6));
    const Bytes icmpv4 = ipv6({kServer6, kHost6, 1, 9}, icmp_echo(8, 1, 1, kData));
    Bytes oversized = quoted_back6();
    oversized[4] = 0xff;
    oversized[5] = 0xff;
    const Bytes loopback_src = ipv6({v6("::1"), kHost6, 17, 9}, seal6(udp(1, 2, kData), 17, v6("::1"), kHost6));
    SECTION("ICMPv6 cut inside its first word") {
        require_dropped(error6(1, 4, 0, head(echo_s2h6(), 42)), Reason::InnerPacketBad);
    }
    SECTION("ICMPv6 informational other than echo") {
        require_dropped(error6(1, 4, 0, mld), Reason::IcmpUntranslatable);
    }
    SECTION("ICMPv4 inside IPv6") {
        require_dropped(error6(1, 4, 0, icmpv4), Reason::Icmpv4InIpv6);
    }
    SECTION("declared longer than an IPv4 datagram can be") {
        require_dropped(error6(1, 4, 0, oversized), Reason::InnerPacketBad);
    }
    SECTION("a loopback source has no mapping") {
        require_dropped(error6(1, 4, 0, loopback_src), Reason::InnerUnmappable);
    }
}

TEST_CASE(
    "RFC 4884 §4.3 via RFC 7915 §4.2: a Parameter Problem's length attribute bounds the quote, its extension "
    "is left out",
    "[xlat][4to6][icmp][inner][rfc4884]") {
    const Bytes ext{0x20, 0, 0, 0, 0, 8, 2, 1, 0xc0, 0, 2, 0x63};
    const Bytes padded = cat(quoted_udp4(), Bytes(128 - quoted_udp4().size(), 0));
    require_translated(error4(12, 0, (9u << 24) | (32u << 16), cat(padded, ext)), want6(4, 0, 6));
}
