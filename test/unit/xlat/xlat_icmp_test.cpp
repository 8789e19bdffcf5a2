// RFC 7915 §4.2-§4.3 and §5.2-§5.3: ICMP type/code maps, Packet Too Big
// arithmetic, Parameter Problem pointers, the quoted inner packet, error
// size limits, RFC 4884 extensions and RFC 6791 sources. Every expected
// packet is built from scratch with the PacketBuilder.
#include <catch2/catch.hpp>

#include "daemon/tables_builder.hpp"
#include "fixtures.hpp"
#include "icmp_fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

struct Map {
    std::uint8_t in_type, in_code;
    std::uint32_t in_rest;
    std::uint8_t out_type, out_code;
    std::uint32_t out_rest;
};

}  // namespace

TEST_CASE("RFC 7915 §4.2: ICMPv4 error type/code map, with the quoted packet translated (§4.3)", "[xlat][4to6][icmp]") {
    const auto t = default_tables();
    const std::vector<Map> table{
        {3, 0, 0, 1, 0, 0},  // net unreachable -> no route
        {3, 1, 0, 1, 0, 0},  // host unreachable -> no route
        {3, 2, 0, 4, 1, 6},  // protocol unreachable -> Parameter Problem, next header, pointer 6
        {3, 3, 0, 1, 4, 0},  // port unreachable
        {3, 5, 0, 1, 0, 0},  // source route failed
        {3, 6, 0, 1, 0, 0},         {3, 7, 0, 1, 0, 0},
        {3, 8, 0, 1, 0, 0},         {3, 9, 0, 1, 1, 0},  // network administratively prohibited
        {3, 10, 0, 1, 1, 0},                             // host administratively prohibited
        {3, 11, 0, 1, 0, 0},        {3, 12, 0, 1, 0, 0},
        {3, 13, 0, 1, 1, 0},         // communication administratively prohibited
        {3, 15, 0, 1, 1, 0},         // precedence cutoff
        {11, 0, 0, 3, 0, 0},         // TTL exceeded in transit
        {11, 1, 0, 3, 1, 0},         // fragment reassembly time exceeded
        {12, 0, 9u << 24, 4, 0, 6},  // Parameter Problem, pointer 9 (protocol) -> 6 (next header)
        {12, 2, 8u << 24, 4, 0, 7},  // bad length, pointer 8 (TTL) -> 7 (hop limit)
    };
    for (const auto& m : table) {
        INFO("ICMPv4 " << int(m.in_type) << "/" << int(m.in_code));
        const auto o = run_xlat(t, error4(m.in_type, m.in_code, m.in_rest));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(m.out_type, m.out_code, m.out_rest));
    }
}

TEST_CASE("RFC 7915 §5.2: ICMPv6 error type/code map, with the quoted packet translated (§5.3)", "[xlat][6to4][icmp]") {
    const auto t = default_tables();
    const std::vector<Map> table{
        {1, 0, 0, 3, 1, 0},          // no route -> host unreachable (not net unreachable)
        {1, 1, 0, 3, 10, 0},         // administratively prohibited -> 10 (not 13)
        {1, 2, 0, 3, 1, 0},          // beyond scope
        {1, 3, 0, 3, 1, 0},          // address unreachable
        {1, 4, 0, 3, 3, 0},          // port unreachable
        {3, 0, 0, 11, 0, 0},         // hop limit exceeded
        {3, 1, 0, 11, 1, 0},         // reassembly time exceeded
        {4, 0, 7, 12, 0, 8u << 24},  // erroneous field, hop limit -> TTL
        {4, 1, 40, 3, 2, 0},         // unrecognized next header -> protocol unreachable
    };
    for (const auto& m : table) {
        INFO("ICMPv6 " << int(m.in_type) << "/" << int(m.in_code));
        const auto o = run_xlat(t, error6(m.in_type, m.in_code, m.in_rest));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want4(m.out_type, m.out_code, m.out_rest));
    }
}

TEST_CASE("RFC 7915 §4.2: ICMPv4 types and codes without translation are dropped and counted",
          "[xlat][4to6][icmp][drop]") {
    const auto t = default_tables();
    struct Case {
        std::uint8_t type, code;
        Reason reason;
    };
    const std::vector<Case> cases{
        {3, 14, Reason::IcmpUntranslatable},                                       // host precedence violation
        {3, 16, Reason::IcmpUntranslatable}, {4, 0, Reason::IcmpObsolete},         // source quench
        {5, 0, Reason::IcmpSingleHop},                                             // redirect
        {6, 0, Reason::IcmpObsolete},                                              // alternative host address
        {9, 0, Reason::IcmpSingleHop},                                             // router advertisement
        {10, 0, Reason::IcmpSingleHop},                                            // router solicitation
        {11, 2, Reason::IcmpUntranslatable}, {12, 1, Reason::IcmpUntranslatable},  // missing a required option
        {12, 3, Reason::IcmpUntranslatable}, {13, 0, Reason::IcmpObsolete},
        {14, 0, Reason::IcmpObsolete},                                       // timestamp
        {15, 0, Reason::IcmpObsolete},       {16, 0, Reason::IcmpObsolete},  // information
        {17, 0, Reason::IcmpObsolete},       {18, 0, Reason::IcmpObsolete},  // address mask
        {30, 0, Reason::IcmpUntranslatable},                                 // traceroute (unknown)
        {42, 0, Reason::IcmpUntranslatable},
    };
    for (const auto& c : cases) {
        INFO("ICMPv4 " << int(c.type) << "/" << int(c.code));
        const auto o = run_xlat(t, error4(c.type, c.code, 0));
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, c.reason) == 1);
    }
}

TEST_CASE("RFC 7915 §5.2: ICMPv6 types and codes without translation are dropped and counted",
          "[xlat][6to4][icmp][drop]") {
    const auto t = default_tables();
    struct Case {
        std::uint8_t type, code;
        Reason reason;
    };
    const std::vector<Case> cases{
        {1, 5, Reason::IcmpUntranslatable},   {1, 6, Reason::IcmpUntranslatable},
        {3, 2, Reason::IcmpUntranslatable},   {4, 2, Reason::IcmpUntranslatable},    // unrecognized IPv6 option
        {4, 3, Reason::IcmpUntranslatable},   {100, 0, Reason::IcmpUntranslatable},  // unknown error type
        {130, 0, Reason::IcmpSingleHop},      {131, 0, Reason::IcmpSingleHop},
        {132, 0, Reason::IcmpSingleHop},  // MLD
        {133, 0, Reason::IcmpSingleHop},      {134, 0, Reason::IcmpSingleHop},
        {135, 0, Reason::IcmpSingleHop},      {136, 0, Reason::IcmpSingleHop},
        {137, 0, Reason::IcmpSingleHop},       // ND, redirect
        {143, 0, Reason::IcmpSingleHop},       // MLDv2 report
        {200, 0, Reason::IcmpUntranslatable},  // unknown informational
    };
    for (const auto& c : cases) {
        INFO("ICMPv6 " << int(c.type) << "/" << int(c.code));
        // From a mappable router, so that only the type decides.
        const Bytes in = ipv6({kRouter6, kServer6, 58, 64},
                              seal6(icmp_msg(c.type, c.code, 0, quoted_back6()), 58, kRouter6, kServer6));
        const auto o = run_xlat(t, in);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, c.reason) == 1);
    }
}

TEST_CASE("RFC 7915 §4.2 Figure 3: every IPv4 Parameter Problem pointer", "[xlat][4to6][icmp]") {
    const auto t = default_tables();
    // Literal copy of Figure 3; -1 = n/a or unlisted: the message is dropped.
    const int fig3[24] = {0, 1, 4, 4, -1, -1, -1, -1, 7, 6, -1, -1, 8, 8, 8, 8, 24, 24, 24, 24, -1, -1, -1, -1};
    for (int ptr = 0; ptr < 24; ++ptr) {
        INFO("IPv4 pointer " << ptr);
        const auto o = run_xlat(t, error4(12, 0, std::uint32_t(ptr) << 24));
        if (fig3[ptr] < 0) {
            CHECK(o.verdict == Verdict::Drop);
            CHECK(drops(o, Reason::IcmpPointer) == 1);
        } else {
            REQUIRE(o.verdict == Verdict::Forward);
            require_bytes(o.out, want6(4, 0, std::uint32_t(fig3[ptr])));
        }
    }
}

TEST_CASE("RFC 7915 §5.2 Figure 6: every IPv6 Parameter Problem pointer", "[xlat][6to4][icmp]") {
    const auto t = default_tables();
    auto fig6 = [](int p) {
        if (p == 0) return 0;
        if (p == 1) return 1;
        if (p == 4 || p == 5) return 2;
        if (p == 6) return 9;
        if (p == 7) return 8;
        if (p >= 8 && p <= 23) return 12;
        if (p >= 24 && p <= 39) return 16;
        return -1;
    };
    for (int ptr = 0; ptr < 48; ++ptr) {
        INFO("IPv6 pointer " << ptr);
        const auto o = run_xlat(t, error6(4, 0, std::uint32_t(ptr)));
        if (fig6(ptr) < 0) {
            CHECK(o.verdict == Verdict::Drop);
            CHECK(drops(o, Reason::IcmpPointer) == 1);
        } else {
            REQUIRE(o.verdict == Verdict::Forward);
            require_bytes(o.out, want4(12, 0, std::uint32_t(fig6(ptr)) << 24));
        }
    }
    // A pointer beyond 8 bits is not taken modulo 256.
    CHECK(run_xlat(t, error6(4, 0, 256 + 6)).verdict == Verdict::Drop);
}

TEST_CASE("RFC 7915 §4.2: Fragmentation Needed -> Packet Too Big, MTU arithmetic", "[xlat][4to6][icmp][mtu]") {
    struct Case {
        const char* name;
        std::uint32_t v4_mtu, v6_mtu;
        std::uint16_t advertised;
        std::uint16_t quoted_total;  // Total Length of the quoted packet
        std::uint32_t want;
    };
    const std::vector<Case> cases{
        {"advertised + 20", 1500, 1500, 1400, 1500, 1420},
        {"IPv6 next hop smaller", 1500, 1400, 1450, 1500, 1400},
        {"IPv4 next hop + 20 smaller", 1300, 9000, 1450, 1500, 1320},
        {"never below 1280", 1500, 1500, 576, 1500, 1280},
        {"MTU 0: RFC 1191 plateau below Total Length 1500 is 1492", 1500, 1500, 0, 1500, 1500},
        {"MTU 0: plateau 8166 below 9000, + 20", 9000, 9000, 0, 9000, 8186},
        {"MTU 0: plateau 2002 below 4000, + 20", 9000, 9000, 0, 4000, 2022},
        {"MTU 0: no plateau >= 1280 below 1400 -> 1280", 9000, 9000, 0, 1400, 1280},
        {"MTU 0: 1492 is not below 1492", 9000, 9000, 0, 1492, 1280},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto t = default_tables();
        t.ipv4_mtu = c.v4_mtu;
        t.ipv6_mtu = c.v6_mtu;
        // The quoted packet claims its Total Length; only 28 + 11 bytes are quoted.
        Bytes q4 = quoted_udp4(20, 0, true);
        Bytes q6 = quoted_udp6();
        put16(q4, 2, c.quoted_total);
        put16(q4, 10, 0);
        put16(q4, 10, ref_checksum(head(q4, 20)));
        put16(q6, 4, static_cast<std::uint16_t>(c.quoted_total - 20));
        const auto o = run_xlat(t, error4(3, 4, c.advertised, q4));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(2, 0, c.want, q6));
    }
}

TEST_CASE("RFC 7915 §5.2: Packet Too Big -> Fragmentation Needed, MTU arithmetic", "[xlat][6to4][icmp][mtu]") {
    struct Case {
        const char* name;
        std::uint32_t v4_mtu, v6_mtu;
        std::uint32_t advertised;
        std::uint16_t want;
    };
    const std::vector<Case> cases{
        {"advertised - 20", 1500, 1500, 1400, 1380},
        {"IPv4 next hop smaller", 1300, 9000, 1500, 1300},
        {"IPv6 next hop - 20 smaller", 9000, 1400, 9000, 1380},
        {"1280 -> 1260", 1500, 1500, 1280, 1260},
        {"a 32-bit MTU is clamped to the 16-bit field", 70000, 70000, 100000, 65535},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto t = default_tables();
        t.ipv4_mtu = c.v4_mtu;
        t.ipv6_mtu = c.v6_mtu;
        const auto o = run_xlat(t, error6(2, 0, c.advertised));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want4(3, 4, c.want));  // bytes 4-5 zero, MTU in 6-7 (RFC 1191 §4)
    }
}

TEST_CASE("RFC 7915 §4.3: quoted TCP and ICMP echo packets get their checksums adjusted", "[xlat][4to6][icmp][inner]") {
    const auto t = default_tables();
    SECTION("TCP") {
        const Bytes seg = tcp(51000, 443, 0x01020304, 0x02, kData);
        const Bytes q4 = ipv4({kHost4, kServer4, 6, 3, 0x10, 0x77, true}, seal4(seg, 6, kHost4, kServer4));
        const Bytes q6 = ipv6({kHost6, kServer6, 6, 3, 0x10}, seal6(seg, 6, kHost6, kServer6));
        const auto o = run_xlat(t, error4(11, 0, 0, q4));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(3, 0, 0, q6));
    }
    SECTION("ICMP echo request (ping with TTL running out)") {
        const Bytes q4 = ipv4({kHost4, kServer4, 1, 1}, seal4(icmp_echo(8, 7, 1, kData), 1, kHost4, kServer4));
        const Bytes q6 = ipv6({kHost6, kServer6, 58, 1}, seal6(icmp_echo(128, 7, 1, kData), 58, kHost6, kServer6));
        const auto o = run_xlat(t, error4(11, 0, 0, q4));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(3, 0, 0, q6));
    }
    SECTION("only the first 8 transport bytes quoted: UDP checksum still reachable") {
        const Bytes full4 = quoted_udp4();
        const Bytes full6 = quoted_udp6();
        const auto o = run_xlat(t, error4(3, 3, 0, head(full4, 28)));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(1, 4, 0, head(full6, 48)));
    }
    SECTION("a quoted fragment gets a Fragment Header, no transport change past the first") {
        const Bytes body(16, 0x33);
        const Bytes q4 = ipv4({kHost4, kServer4, 17, 9, 0, 0xabcd, false, true, 3}, body);
        const Bytes q6 = ipv6({kHost6, kServer6, 44, 9}, cat(frag_hdr(17, 3, true, 0xabcd), body));
        const auto o = run_xlat(t, error4(11, 1, 0, q4));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(3, 1, 0, q6));
    }
    SECTION("quoted IPv4 options are dropped with the header") {
        const Bytes opts{1, 1, 1, 0};  // NOP NOP NOP EOL
        const Bytes q4 = ipv4({kHost4, kServer4, 17, 20, 0, 0, false, false, 0, opts},
                              seal4(udp(40000, 53, kData), 17, kHost4, kServer4));
        const auto o = run_xlat(t, error4(3, 3, 0, q4));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(1, 4, 0, quoted_udp6()));
    }
}

TEST_CASE("RFC 7915 §5.3: quoted TCP, ICMPv6 echo and fragments translated in ICMPv6 errors",
          "[xlat][6to4][icmp][inner]") {
    const auto t = default_tables();
    SECTION("TCP, traffic class kept, hop limit not decremented") {
        const Bytes seg = tcp(443, 51000, 9, 0x12, kData);
        const Bytes q6 = ipv6({kServer6, kHost6, 6, 1, 0x28}, seal6(seg, 6, kServer6, kHost6));
        const Bytes q4 = ipv4({kServer4, kHost4, 6, 1, 0x28, 0}, seal4(seg, 6, kServer4, kHost4));
        const auto o = run_xlat(t, error6(3, 0, 0, q6));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want4(11, 0, 0, q4));
    }
    SECTION("ICMPv6 echo") {
        const Bytes q6 = ipv6({kServer6, kHost6, 58, 5}, seal6(icmp_echo(129, 3, 4, kData), 58, kServer6, kHost6));
        const Bytes q4 = ipv4({kServer4, kHost4, 1, 5}, seal4(icmp_echo(0, 3, 4, kData), 1, kServer4, kHost4));
        const auto o = run_xlat(t, error6(1, 4, 0, q6));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want4(3, 3, 0, q4));
    }
    SECTION("quoted Fragment Header -> IPv4 fragment fields; quoted extension headers skipped") {
        const Bytes dst_opts{44, 0, 1, 4, 0, 0, 0, 0};
        const Bytes seg = seal6(udp(53, 40000, kData), 17, kServer6, kHost6);
        const Bytes q6 = ipv6({kServer6, kHost6, 60, 7}, cat(cat(dst_opts, frag_hdr(17, 0, true, 0x11223344)), seg));
        const Bytes q4 = ipv4({kServer4, kHost4, 17, 7, 0, 0x3344, false, true, 0},
                              seal4(udp(53, 40000, kData), 17, kServer4, kHost4));
        const auto o = run_xlat(t, error6(1, 0, 0, q6));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want4(3, 1, 0, q4));
    }
}

TEST_CASE("RFC 7915 §4.3 §5.3: an ICMP error quoting an ICMP error is not translated", "[xlat][icmp][inner]") {
    const auto t = default_tables();
    const Bytes inner4 = ipv4({kHost4, kServer4, 1, 20}, seal4(icmp_msg(3, 3, 0, quoted_udp4()), 1, kHost4, kServer4));
    auto o = run_xlat(t, error4(11, 0, 0, inner4));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::IcmpErrorInError) == 1);
    const Bytes inner6 =
        ipv6({kServer6, kHost6, 58, 20}, seal6(icmp_msg(1, 4, 0, quoted_back6()), 58, kServer6, kHost6));
    o = run_xlat(t, error6(3, 0, 0, inner6));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::IcmpErrorInError) == 1);
}

TEST_CASE("RFC 7915 §4.3 §5.3: malformed or unmappable quoted packets are dropped and counted",
          "[xlat][icmp][inner][drop]") {
    const auto t = default_tables();
    struct Case {
        const char* name;
        Bytes in;
        Reason reason;
    };
    Bytes bad_sum4 = error4(3, 3, 0);
    bad_sum4[22] ^= 0x40;
    const std::vector<Case> cases{
        {"quoted IPv4 header cut short", error4(3, 3, 0, head(quoted_udp4(), 19)), Reason::InnerPacketBad},
        {"quoted packet is IPv6 in an ICMPv4 error", error4(3, 3, 0, quoted_udp6()), Reason::InnerPacketBad},
        {"ICMPv4 error checksum wrong", bad_sum4, Reason::BadIcmpChecksum},
        {"quoted IPv6 header cut short", error6(1, 4, 0, head(quoted_back6(), 39)), Reason::InnerPacketBad},
        {"quoted IPv6 source unmappable", error6(1, 4, 0, ipv6({v6("2001:db8:ffff::9"), kHost6, 17, 9}, udp(1, 2, {}))),
         Reason::InnerUnmappable},
        {"quoted IPv6 extension header runs past the quote",
         error6(1, 4, 0, ipv6({kServer6, kHost6, 60, 9}, Bytes{17, 4, 0, 0})), Reason::InnerPacketBad},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto o = run_xlat(t, c.in);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, c.reason) == 1);
    }
}

TEST_CASE("RFC 7915 §4.3: quoted IPv4 address refused by the mapping (RFC 6052 §3.1) drops the error",
          "[xlat][4to6][icmp][inner]") {
    Config cfg;
    cfg.prefix = *parse_prefix6("64:ff9b::/96");
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("2001:db8::1");
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    const auto t = nat64d::daemon::build_tables(cfg).value();
    const Ipv4Addr router = v4("8.8.8.8");
    const Ipv4Addr private4 = v4("10.1.2.3");  // non-global: not expressible under the WKP
    const Bytes q4 = ipv4({kHost4, private4, 17, 9}, seal4(udp(1, 2, {}), 17, kHost4, private4));
    const auto o = run_xlat(t, ipv4({router, kHost4, 1, 64}, seal4(icmp_msg(3, 3, 0, q4), 1, router, kHost4)));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::InnerUnmappable) == 1);
}

TEST_CASE("RFC 7915 §4.3 / RFC 4443 §2.4(c): a translated ICMPv6 error stays within 1280 bytes",
          "[xlat][4to6][icmp][inner]") {
    auto t = default_tables();
    const Bytes big(1400, 0x42);
    const Bytes q4 = quoted_udp4(20, 0, true, big);  // 1428 bytes, all quoted
    const auto o = run_xlat(t, error4(3, 3, 0, q4));
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.out.size() == 1280);
    const Bytes q6 = quoted_udp6(20, big);
    require_bytes(o.out, want6(1, 4, 0, head(q6, 1280 - 48)));
}

TEST_CASE("RFC 7915 §5.3 / RFC 1812 §4.3.2.3: a translated ICMPv4 error stays within 576 bytes",
          "[xlat][6to4][icmp][inner]") {
    const auto t = default_tables();
    const Bytes big(1000, 0x24);
    const auto o = run_xlat(t, error6(1, 4, 0, quoted_back6(big)));
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.out.size() == 576);
    require_bytes(o.out, want4(3, 3, 0, head(quoted_back4(big), 576 - 28)));
}

TEST_CASE("RFC 4884 via RFC 7915 §4.2 §5.2: extensions carried over, length attribute converted",
          "[xlat][icmp][rfc4884]") {
    const auto t = default_tables();
    // Extension structure: version 2, checksum 0, one 8-byte object (RFC 4884 §7, §8).
    const Bytes ext{0x20, 0, 0, 0, 0, 8, 2, 1, 0xc0, 0, 2, 0x63};
    auto pad = [](const Bytes& b, std::size_t to) { return cat(b, Bytes(to - b.size(), 0)); };
    SECTION("4to6: 32 words of 32 bits -> 16 words of 64 bits, quoted packet repadded") {
        const auto o = run_xlat(t, error4(11, 0, 32u << 16, cat(pad(quoted_udp4(), 128), ext)));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(3, 0, 16u << 24, cat(pad(quoted_udp6(), 128), ext)));
    }
    SECTION("4to6: a quoted packet longer than 128 bytes is padded to 64 bits") {
        const Bytes data(100, 0x5a);  // IPv4 quote 128 bytes -> IPv6 148, padded to 152
        const auto o = run_xlat(t, error4(3, 3, 32u << 16, cat(quoted_udp4(20, 0, false, data), ext)));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(1, 4, 19u << 24, cat(pad(quoted_udp6(20, data), 152), ext)));
    }
    SECTION("6to4: 16 words of 64 bits -> 32 words of 32 bits") {
        const auto o = run_xlat(t, error6(1, 4, 16u << 24, cat(pad(quoted_back6(), 128), ext)));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want4(3, 3, 32u << 16, cat(pad(quoted_back4(), 128), ext)));
    }
    SECTION("6to4: the quoted packet is cut so that packet and extension fit 576 bytes") {
        const Bytes data(1000, 0x77);  // IPv6 quote 1048 bytes = 131 words
        const auto o = run_xlat(t, error6(3, 0, 131u << 24, cat(quoted_back6(data), ext)));
        REQUIRE(o.verdict == Verdict::Forward);
        REQUIRE(o.out.size() == 576);
        require_bytes(o.out, want4(11, 0, 134u << 16, cat(head(quoted_back4(data), 536), ext)));
    }
    SECTION("6to4: an extension that cannot fit with 128 quoted bytes is dropped") {
        const Bytes big_ext = cat(Bytes{0x20, 0, 0, 0, 0x01, 0xf4, 2, 1}, Bytes(496, 0xee));  // 504 bytes
        const auto o = run_xlat(t, error6(1, 4, 16u << 24, cat(pad(quoted_back6(), 128), big_ext)));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want4(3, 3, 0, quoted_back4()));
    }
    SECTION("4to6: an extension too large for a 1280-byte ICMPv6 error is dropped whole") {
        const Bytes big_ext = cat(Bytes{0x20, 0, 0, 0, 0x04, 0xb0, 2, 1}, Bytes(1192, 0xee));  // 1200 bytes
        const auto o = run_xlat(t, error4(11, 0, 32u << 16, cat(pad(quoted_udp4(), 128), big_ext)));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(3, 0, 0, quoted_udp6()));
    }
    SECTION("4to6: Fragmentation Needed becomes Packet Too Big, which has no room for one: dropped") {
        const auto o = run_xlat(t, error4(3, 4, (32u << 16) | 1400, cat(pad(quoted_udp4(), 128), ext)));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(2, 0, 1420, quoted_udp6()));
    }
    SECTION("a length attribute larger than the message is ignored (treated as no extension)") {
        const auto o = run_xlat(t, error4(3, 3, 200u << 16));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want6(1, 4, 0));
    }
}

TEST_CASE("RFC 6791 / RFC 7915 §6: ICMPv6 error from an unmappable IPv6 router leaves from ipv4-addr",
          "[xlat][6to4][icmp][rfc6791]") {
    const auto t = default_tables();
    // error6() is sent by 2001:db8:ffff::1, which has no IPv4 mapping;
    // want4() expects 192.0.2.1 (ipv4-addr) as the source.
    auto o = run_xlat(t, error6(1, 4, 0));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want4(3, 3, 0));
    SECTION("a mappable router keeps its own address") {
        const Bytes in =
            ipv6({kRouter6, kServer6, 58, 64}, seal6(icmp_msg(1, 4, 0, quoted_back6()), 58, kRouter6, kServer6));
        o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, ipv4({kRouter4, kServer4, 1, 63, 0, test_id()},
                                  seal4(icmp_msg(3, 3, 0, quoted_back4()), 1, kRouter4, kServer4)));
    }
    SECTION("an informational message from an unmappable source is not translated") {
        const Bytes in =
            ipv6({kRouter6Native, kServer6, 58, 64}, seal6(icmp_echo(129, 1, 1, {}), 58, kRouter6Native, kServer6));
        o = run_xlat(t, in);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, Reason::SrcUnmappable6) == 1);
    }
}

TEST_CASE("RFC 7915 §4.2: ICMPv4 error with a corrupted checksum is not translated", "[xlat][4to6][icmp]") {
    Bytes in = error4(3, 3, 0);
    in[20 + 2] ^= 1;
    const auto o = run_xlat(default_tables(), in);
    CHECK(drops(o, Reason::BadIcmpChecksum) == 1);
    Bytes in6 = error6(1, 4, 0);
    in6[40 + 2] ^= 1;
    CHECK(drops(run_xlat(default_tables(), in6), Reason::BadIcmpChecksum) == 1);
}

TEST_CASE("RFC 7915 §4.3 with TAYGA's address rules: reserved addresses in the quoted packet drop the error",
          "[xlat][4to6][icmp][inner]") {
    // §4.1 would translate "illegal" quoted addresses for troubleshooting;
    // TAYGA drops the error, and so does nat64d (docs/rfc-compliance.md).
    for (const char* a : {"127.0.0.1", "0.0.0.1", "224.0.0.1", "255.255.255.255", "169.254.0.1"}) {
        INFO(a);
        const Ipv4Addr r4 = v4(a);
        const Bytes q4 = ipv4({kHost4, r4, 17, 9}, seal4(udp(1, 2, kData), 17, kHost4, r4));
        const auto o = run_xlat(default_tables(), error4(3, 1, 0, q4));
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, Reason::InnerUnmappable) == 1);
    }
    // 240/4 is an ordinary address, quoted too.
    const Ipv4Addr e4 = v4("240.0.0.1");
    const Ipv6Addr e6 = v6("3fff:6464::f000:1");
    const Bytes q4 = ipv4({kHost4, e4, 17, 9}, seal4(udp(1, 2, kData), 17, kHost4, e4));
    const Bytes q6 = ipv6({kHost6, e6, 17, 9}, seal6(udp(1, 2, kData), 17, kHost6, e6));
    const auto o = run_xlat(default_tables(), error4(3, 1, 0, q4));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want6(1, 0, 0, q6));
}

// Found by fuzz_xlat4to6 (seed echo-reply-all-zero@local): RFC 1624 eqn. 3
// turned the checksum of an all-zero echo reply into 0x0000, which a
// receiver's sum (+0) rejects; RFC 1071's checksum of all zeros is 0xFFFF.
TEST_CASE("RFC 1624 §3 / RFC 1071: an all-zero ICMPv4 echo reply carries checksum 0xFFFF", "[xlat][icmp][checksum]") {
    const auto t = default_tables();
    // To the translator's own address: echo request, ID 0, sequence 0, no data.
    const Bytes request = ipv4({kServer4, kXlat4, 1, 64, 0, 1}, Bytes{8, 0, 0xf7, 0xff, 0, 0, 0, 0});
    auto o = run_xlat(t, request);
    REQUIRE(o.verdict == Verdict::Local);
    REQUIRE(o.out.size() == 28);
    CHECK(Bytes(o.out.begin() + 20, o.out.end()) == Bytes{0, 0, 0xff, 0xff, 0, 0, 0, 0});
    // ICMPv6 echo reply, ID 0, sequence 0, no data -> ICMPv4 echo reply of zeros.
    const Bytes reply6 = ipv6({kHost6, kServer6, 58, 64}, seal6(icmp_echo(129, 0, 0, {}), 58, kHost6, kServer6));
    o = run_xlat(t, reply6);
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.out.size() == 28);
    CHECK(Bytes(o.out.begin() + 20, o.out.end()) == Bytes{0, 0, 0xff, 0xff, 0, 0, 0, 0});
}
