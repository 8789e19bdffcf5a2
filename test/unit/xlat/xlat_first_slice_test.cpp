// RFC 7915 translation, first slice: headers, echo, TCP/UDP, fragments'
// header fields, and the drops the skeleton already decides. Expected
// packets are built independently with the PacketBuilder (full checksums),
// so every incremental checksum of the translator is checked against a
// from-scratch computation.
#include <catch2/catch.hpp>

#include "daemon/tables_builder.hpp"
#include "harness.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

const Ipv6Addr kHost6 = v6("2001:db8::10");  // IPv6-only host, mapped to 198.51.100.10
const Ipv4Addr kHost4 = v4("198.51.100.10");
const Ipv4Addr kServer4 = v4("192.0.2.33");  // IPv4 host, reached as 3fff:6464::c000:221
const Ipv6Addr kServer6 = v6("3fff:6464::c000:221");
const Ipv4Addr kXlat4 = v4("192.0.2.1");
const Ipv6Addr kXlat6 = v6("3fff:6464::c000:201");
const Bytes kData{'n', 'a', 't', '6', '4', 'd', '!', 0x00, 0xff, 0x10, 0x20};

void require_bytes(const Bytes& got, const Bytes& want) {
    INFO("got:\n" << hex(got) << "\nwant:\n" << hex(want));
    REQUIRE(got == want);
}

}  // namespace

TEST_CASE("RFC 7915 §5.1 §5.2: ICMPv6 echo request becomes ICMPv4 echo request", "[xlat][6to4][icmp]") {
    const auto t = default_tables();
    const Bytes in =
        ipv6({kHost6, kServer6, 58, 64, 0xb8}, seal6(icmp_echo(128, 0x4242, 7, kData), 58, kHost6, kServer6));
    const Bytes want =
        ipv4({kHost4, kServer4, 1, 63, 0xb8, test_id()}, seal4(icmp_echo(8, 0x4242, 7, kData), 1, kHost4, kServer4));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want);
    CHECK(o.counters.packets_6to4 == 1);
    CHECK(o.counters.bytes_6to4 == want.size());
}

TEST_CASE("RFC 7915 §4.1 §4.2: ICMPv4 echo reply becomes ICMPv6 echo reply", "[xlat][4to6][icmp]") {
    const auto t = default_tables();
    const Bytes in =
        ipv4({kServer4, kHost4, 1, 50, 0x20, 0x9999, true}, seal4(icmp_echo(0, 0x4242, 7, kData), 1, kServer4, kHost4));
    const Bytes want =
        ipv6({kServer6, kHost6, 58, 49, 0x20}, seal6(icmp_echo(129, 0x4242, 7, kData), 58, kServer6, kHost6));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want);
    CHECK(o.counters.packets_4to6 == 1);
}

TEST_CASE("RFC 7915 §4.2: ICMPv4 echo request becomes ICMPv6 echo request (IPv4 side pings a mapped host)",
          "[xlat][4to6][icmp]") {
    const auto t = default_tables();
    const Bytes in = ipv4({kServer4, kHost4, 1, 64}, seal4(icmp_echo(8, 1, 1, {}), 1, kServer4, kHost4));
    const Bytes want = ipv6({kServer6, kHost6, 58, 63}, seal6(icmp_echo(128, 1, 1, {}), 58, kServer6, kHost6));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want);
}

TEST_CASE("RFC 7915 §5.5: UDP checksum updated for the pseudo-header, 6to4", "[xlat][6to4][udp]") {
    const auto t = default_tables();
    const Bytes in = ipv6({kHost6, kServer6, 17}, seal6(udp(40000, 53, kData), 17, kHost6, kServer6));
    const Bytes want =
        ipv4({kHost4, kServer4, 17, 63, 0, test_id()}, seal4(udp(40000, 53, kData), 17, kHost4, kServer4));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want);
}

TEST_CASE("RFC 7915 §4.5: UDP checksum updated for the pseudo-header, 4to6", "[xlat][4to6][udp]") {
    const auto t = default_tables();
    const Bytes in = ipv4({kServer4, kHost4, 17}, seal4(udp(53, 40000, kData), 17, kServer4, kHost4));
    const Bytes want = ipv6({kServer6, kHost6, 17, 63}, seal6(udp(53, 40000, kData), 17, kServer6, kHost6));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want);
}

TEST_CASE("RFC 7915 §4.5 §5.5: TCP checksum updated both ways", "[xlat][tcp]") {
    const auto t = default_tables();
    const Bytes seg = tcp(443, 51000, 0xdeadbeef, 0x12, kData);
    const Bytes in4 = ipv4({kServer4, kHost4, 6, 64, 0, 7, true}, seal4(seg, 6, kServer4, kHost4));
    const Bytes want6 = ipv6({kServer6, kHost6, 6, 63}, seal6(seg, 6, kServer6, kHost6));
    auto o = run_xlat(t, in4);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want6);

    const Bytes in6 = ipv6({kHost6, kServer6, 6, 64}, seal6(seg, 6, kHost6, kServer6));
    const Bytes want4 = ipv4({kHost4, kServer4, 6, 63, 0, test_id()}, seal4(seg, 6, kHost4, kServer4));
    o = run_xlat(t, in6);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want4);
}

TEST_CASE("RFC 1624 §3: a transport checksum that becomes 0x0000 is not written as 0xFFFF", "[xlat][checksum]") {
    // Search TCP payloads until the translated IPv4 checksum is exactly 0:
    // the RFC 1141 form would write 0xFFFF there.
    const auto t = default_tables();
    bool seen_zero = false;
    for (std::uint32_t n = 0; n < 70000 && !seen_zero; ++n) {
        const Bytes data{static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
        const Bytes seg6 = seal6(tcp(1, 2, 3, 0x10, data), 6, kHost6, kServer6);
        const Bytes want4 =
            ipv4({kHost4, kServer4, 6, 63, 0, test_id()}, seal4(tcp(1, 2, 3, 0x10, data), 6, kHost4, kServer4));
        if (get16(want4, 20 + 16) != 0) continue;
        seen_zero = true;
        const auto o = run_xlat(t, ipv6({kHost6, kServer6, 6, 64}, seg6));
        require_bytes(o.out, want4);
    }
    CHECK(seen_zero);
}

TEST_CASE("RFC 7915 §4.5: IPv4 UDP with checksum 0 per udp-cksum-mode", "[xlat][4to6][udp]") {
    Bytes seg = udp(53, 40000, kData);  // checksum left 0
    const Bytes in = ipv4({kServer4, kHost4, 17}, seg);
    SECTION("drop") {
        const auto o = run_xlat(default_tables(UdpCksumMode::Drop), in);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, Reason::UdpZeroChecksum) == 1);
    }
    SECTION("calc computes the UDP checksum") {
        const auto o = run_xlat(default_tables(UdpCksumMode::Calc), in);
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, ipv6({kServer6, kHost6, 17, 63}, seal6(seg, 17, kServer6, kHost6)));
    }
    SECTION("fwd passes it with checksum 0") {
        const auto o = run_xlat(default_tables(UdpCksumMode::Forward), in);
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, ipv6({kServer6, kHost6, 17, 63}, seg));
    }
    SECTION("calc cannot checksum a fragmented datagram: dropped") {
        const Bytes frag = ipv4({kServer4, kHost4, 17, 64, 0, 5, false, true}, seg);
        const auto o = run_xlat(default_tables(UdpCksumMode::Calc), frag);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, Reason::UdpZeroChecksumFragment) == 1);
    }
}

TEST_CASE("RFC 7915 §5.1: DF is set only when the IPv4 packet exceeds 1260 bytes", "[xlat][6to4]") {
    const auto t = default_tables();
    // 1260 total = 20 + 8 UDP + 1232 data; 1261 one more.
    for (std::size_t data_len : {std::size_t{1232}, std::size_t{1233}}) {
        const Bytes data(data_len, 0xab);
        const Bytes in = ipv6({kHost6, kServer6, 17}, seal6(udp(1, 2, data), 17, kHost6, kServer6));
        const bool df = 20 + 8 + data_len > 1260;
        const Bytes want = ipv4({kHost4, kServer4, 17, 63, 0, df ? std::uint16_t{0} : test_id(), df},
                                seal4(udp(1, 2, data), 17, kHost4, kServer4));
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, want);
    }
}

TEST_CASE("RFC 7915 §4.1: an IPv4 fragment gets a Fragment Header with ID, offset and M", "[xlat][4to6][frag]") {
    const auto t = default_tables();
    const Bytes payload(64, 0x5a);  // a middle fragment: no transport header to touch
    const Bytes in = ipv4({kServer4, kHost4, 17, 64, 0, 0xbeef, false, true, 185}, payload);
    const Bytes want = ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(17, 185, true, 0x0000beef), payload));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want);
}

TEST_CASE("RFC 7915 §5.1.1: an IPv6 fragment becomes an IPv4 fragment, DF clear, low 16 bits of the ID",
          "[xlat][6to4][frag]") {
    const auto t = default_tables();
    const Bytes seg = seal6(udp(1, 2, Bytes(32, 1)), 17, kHost6, kServer6);
    const Bytes in = ipv6({kHost6, kServer6, 44}, cat(frag_hdr(17, 0, true, 0x12345678), seg));
    const Bytes want = ipv4({kHost4, kServer4, 17, 63, 0, 0x5678, false, true, 0},
                            seal4(udp(1, 2, Bytes(32, 1)), 17, kHost4, kServer4));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want);
}

TEST_CASE("RFC 7915 §5.1: Hop-by-Hop and Destination Options headers are skipped", "[xlat][6to4]") {
    const auto t = default_tables();
    const Bytes hbh{60, 0, 1, 4, 0, 0, 0, 0};       // next: DestOpts, PadN
    const Bytes dst_opts{17, 0, 1, 4, 0, 0, 0, 0};  // next: UDP
    const Bytes seg = seal6(udp(7, 9, kData), 17, kHost6, kServer6);
    const Bytes in = ipv6({kHost6, kServer6, 0}, cat(cat(hbh, dst_opts), seg));
    const Bytes want = ipv4({kHost4, kServer4, 17, 63, 0, test_id()}, seal4(udp(7, 9, kData), 17, kHost4, kServer4));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, want);
}

TEST_CASE("RFC 7915 §4.5 §5.5: other protocols pass with headers translated and payload untouched", "[xlat]") {
    const auto t = default_tables();
    const Bytes gre{0, 0, 0x08, 0, 1, 2, 3, 4};
    auto o = run_xlat(t, ipv4({kServer4, kHost4, 47}, gre));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv6({kServer6, kHost6, 47, 63}, gre));
    o = run_xlat(t, ipv6({kHost6, kServer6, 50}, gre));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv4({kHost4, kServer4, 50, 63, 0, test_id()}, gre));
}

TEST_CASE("RFC 7757 §3.3: subnet map carries the host bits both ways", "[xlat][eam]") {
    const auto t = default_tables();
    const Ipv6Addr h6 = v6("2001:db8:1::85");
    const Ipv4Addr h4 = v4("198.51.100.133");
    const Bytes in = ipv6({h6, kServer6, 58}, seal6(icmp_echo(128, 9, 9, {}), 58, h6, kServer6));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv4({h4, kServer4, 1, 63, 0, test_id()}, seal4(icmp_echo(8, 9, 9, {}), 1, h4, kServer4)));
}

TEST_CASE("The translator answers echo at its own IPv6 address", "[xlat][local]") {
    const auto t = default_tables();
    const Bytes in = ipv6({kHost6, kXlat6, 58, 3}, seal6(icmp_echo(128, 5, 6, kData), 58, kHost6, kXlat6));
    const Bytes want = ipv6({kXlat6, kHost6, 58, 64}, seal6(icmp_echo(129, 5, 6, kData), 58, kXlat6, kHost6));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Local);
    require_bytes(o.out, want);
    CHECK(o.counters.local_replies == 1);
}

TEST_CASE("The translator answers echo at its own IPv4 address", "[xlat][local]") {
    const auto t = default_tables();
    const Bytes in = ipv4({kServer4, kXlat4, 1, 1, 0, 77}, seal4(icmp_echo(8, 5, 6, kData), 1, kServer4, kXlat4));
    // The reply is a new DF=0 datagram: its ID comes from the generator (RFC 6864 §4.3).
    const Bytes want =
        ipv4({kXlat4, kServer4, 1, 64, 0, test_id()}, seal4(icmp_echo(0, 5, 6, kData), 1, kXlat4, kServer4));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Local);
    require_bytes(o.out, want);
}

TEST_CASE("ICMP to the translator's own addresses that is not an echo request is dropped and counted",
          "[xlat][local]") {
    // (Other protocols get protocol unreachable: xlat_address_rules_test.cpp.)
    const auto t = default_tables();
    auto o = run_xlat(t, ipv6({kHost6, kXlat6, 58}, seal6(icmp_echo(129, 1, 1, {}), 58, kHost6, kXlat6)));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::LocalUnsupported) == 1);
    o = run_xlat(t, ipv4({kServer4, kXlat4, 1}, seal4(icmp_echo(0, 1, 1, {}), 1, kServer4, kXlat4)));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::LocalUnsupported) == 1);
}

struct DropCase {
    const char* name;
    Bytes in;
    Reason reason;
    Verdict verdict = Verdict::Drop;  // IcmpError: the translator answers (RFC 7915 §4.4, §5.4)
};

TEST_CASE("Malformed and untranslatable packets are dropped (or rejected) with their reason", "[xlat][drop]") {
    const Bytes echo6 = seal6(icmp_echo(128, 1, 1, {}), 58, kHost6, kServer6);
    const Bytes echo4 = seal4(icmp_echo(8, 1, 1, {}), 1, kServer4, kHost4);
    Bytes bad_csum = ipv4({kServer4, kHost4, 1}, echo4);
    bad_csum[10] ^= 1;
    Bytes short_payload6 = ipv6({kHost6, kServer6, 58}, echo6);
    short_payload6.resize(short_payload6.size() - 1);
    Bytes bad_ihl = ipv4({kServer4, kHost4, 1}, echo4);
    bad_ihl[0] = 0x44;
    const Bytes lsrr{131, 7, 4, 192, 0, 2, 99, 0};  // pointer 4 <= length 7: unexpired
    const Bytes rh{58, 0, 0, 1, 0, 0, 0, 0};        // routing header, segments left 1
    const std::vector<DropCase> cases{
        {"empty", {}, Reason::BadVersion},
        {"version 5", {0x50, 0, 0, 0}, Reason::BadVersion},
        {"IPv4 shorter than 20 bytes", {0x45, 0, 0, 10}, Reason::Truncated4},
        {"IPv4 IHL below 5", bad_ihl, Reason::BadIpv4Header},
        {"IPv4 header checksum wrong (RFC 1812 §5.2.2)", bad_csum, Reason::BadIpv4Checksum},
        {"IPv6 shorter than its payload length", short_payload6, Reason::Truncated6},
        {"RFC 7915 §4.1: TTL 1 is not forwarded", ipv4({kServer4, kHost4, 1, 1}, echo4), Reason::TtlExpired,
         Verdict::IcmpError},
        {"RFC 7915 §5.1: hop limit 1 is not forwarded", ipv6({kHost6, kServer6, 58, 1}, echo6), Reason::HopLimitExpired,
         Verdict::IcmpError},
        {"RFC 7915 §4.1: protocol 58 in IPv4", ipv4({kServer4, kHost4, 58}, echo4), Reason::Ipv6OnlyProtocol,
         Verdict::IcmpError},
        {"RFC 7915 §4.1: protocol 44 in IPv4", ipv4({kServer4, kHost4, 44}, echo4), Reason::Ipv6OnlyProtocol,
         Verdict::IcmpError},
        {"RFC 7915 §4.1: unexpired LSRR", ipv4({kServer4, kHost4, 1, 64, 0, 0, false, false, 0, lsrr}, echo4),
         Reason::SourceRoute, Verdict::IcmpError},
        {"RFC 7915 §5.1: routing header with segments left", ipv6({kHost6, kServer6, 43}, cat(rh, echo6)),
         Reason::RoutingHeader, Verdict::IcmpError},
        {"RFC 2675 §3: payload length 0 without a Jumbo Payload", ipv6({kHost6, kServer6, 0}, {}),
         Reason::BadJumbogram},
        {"RFC 1812 §5.3.7: IPv4 source 0.1.2.3 (this network)", ipv4({v4("0.1.2.3"), kHost4, 1}, echo4),
         Reason::IllegalSource},
        {"IPv6 source ::1", ipv6({v6("::1"), kServer6, 58}, echo6), Reason::IllegalSource},
        {"IPv6 source outside every mapping", ipv6({v6("2001:db8:ffff::1"), kServer6, 58}, echo6),
         Reason::SrcUnmappable6},
        {"IPv6 destination outside every mapping", ipv6({kHost6, v6("2001:db8:ffff::1"), 58}, echo6),
         Reason::DstUnmappable6},
        {"RFC 7915 §1.2: fragmented ICMPv4", ipv4({kServer4, kHost4, 1, 64, 0, 1, false, true}, echo4),
         Reason::FragmentedIcmp},
        {"RFC 7915 §1.2: fragmented ICMPv6", ipv6({kHost6, kServer6, 44}, cat(frag_hdr(58, 0, true, 1), echo6)),
         Reason::FragmentedIcmp},
        {"ICMPv4 header cut short", ipv4({kServer4, kHost4, 1}, {8, 0, 0}), Reason::IcmpTruncated},
        {"UDP header cut short", ipv6({kHost6, kServer6, 17}, {0, 1, 0, 2}), Reason::TransportTruncated},
        {"extension header runs past the packet", ipv6({kHost6, kServer6, 60}, {17, 9, 0, 0, 0, 0, 0, 0}),
         Reason::Truncated6},
        // The kernel's own MLDv2 report on the TUN link: hop limit 1, Hop-by-Hop
        // router alert, to ff02::16. Multicast, not an expired packet; no error.
        {"RFC 7915 §1.2: IPv6 multicast destination (an MLD report)",
         ipv6({v6("fe80::1"), v6("ff02::16"), 0, 1},
              cat(Bytes{58, 0, 5, 2, 0, 0, 1, 0}, Bytes{143, 0, 0, 0, 0, 0, 0, 0})),
         Reason::MulticastDestination},
    };
    const auto t = default_tables();
    for (const auto& c : cases) {
        INFO(c.name);
        const auto o = run_xlat(t, c.in);
        CHECK(o.verdict == c.verdict);
        CHECK(drops(o, c.reason) == 1);
    }
}

TEST_CASE("IPv4 destination with no mapping and no prefix is dropped", "[xlat][drop]") {
    Config cfg;
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("2001:db8::1");
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    const auto t = nat64d::daemon::build_tables(cfg).value();
    const auto o =
        run_xlat(t, ipv4({kHost4, v4("203.0.113.9"), 1}, seal4(icmp_echo(8, 1, 1, {}), 1, kHost4, v4("203.0.113.9"))));
    CHECK(drops(o, Reason::DstUnmappable4) == 1);
    const auto o2 =
        run_xlat(t, ipv4({v4("203.0.113.9"), kHost4, 1}, seal4(icmp_echo(8, 1, 1, {}), 1, v4("203.0.113.9"), kHost4)));
    CHECK(drops(o2, Reason::SrcUnmappable4) == 1);
}

TEST_CASE("RFC 6052 §3.1: the well-known prefix never carries non-global IPv4 (wkpf-strict)", "[xlat][wkp]") {
    Config cfg;
    cfg.prefix = *parse_prefix6("64:ff9b::/96");
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("2001:db8::1");
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    const Ipv6Addr doc_wkp = v6("64:ff9b::c000:221");  // 192.0.2.33: documentation, not global
    const Bytes in6 = ipv6({kHost6, doc_wkp, 58}, seal6(icmp_echo(128, 1, 1, {}), 58, kHost6, doc_wkp));
    const Bytes in4 = ipv4({kServer4, kHost4, 1}, seal4(icmp_echo(8, 1, 1, {}), 1, kServer4, kHost4));
    SECTION("strict: refused in both directions") {
        const auto t = nat64d::daemon::build_tables(cfg).value();
        CHECK(drops(run_xlat(t, in6), Reason::WkpNonGlobal) == 1);
        CHECK(drops(run_xlat(t, in4), Reason::WkpNonGlobal) == 1);
    }
    SECTION("wkpf-strict no: translated") {
        cfg.wkpf_strict = false;
        const auto t = nat64d::daemon::build_tables(cfg).value();
        CHECK(run_xlat(t, in6).verdict == Verdict::Forward);
        CHECK(run_xlat(t, in4).verdict == Verdict::Forward);
    }
    SECTION("RFC 8215: 64:ff9b:1::/48 is network-specific, no such rule") {
        cfg.prefix = *parse_prefix6("64:ff9b:1::/48");
        const auto t = nat64d::daemon::build_tables(cfg).value();
        const Ipv6Addr nsp = v6("64:ff9b:1:c000:2:2100::");
        const auto o = run_xlat(t, ipv6({kHost6, nsp, 58}, seal6(icmp_echo(128, 1, 1, {}), 58, kHost6, nsp)));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(
            o.out, ipv4({kHost4, kServer4, 1, 63, 0, test_id()}, seal4(icmp_echo(8, 1, 1, {}), 1, kHost4, kServer4)));
    }
}

TEST_CASE("Trailing bytes beyond the IP length are not forwarded", "[xlat]") {
    const auto t = default_tables();
    Bytes in = ipv4({kServer4, kHost4, 17}, seal4(udp(53, 40000, kData), 17, kServer4, kHost4));
    in.push_back(0xee);  // e.g. Ethernet padding
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv6({kServer6, kHost6, 17, 63}, seal6(udp(53, 40000, kData), 17, kServer6, kHost6)));
}
