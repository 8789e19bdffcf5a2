// RFC 7915 §4.1 / §5.1.1 and §1.4: fragmentation by the translator and the
// MTU decisions (lowest-ipv6-mtu, next-hop MTUs, DF), both directions.
#include <catch2/catch.hpp>

#include "daemon/tables_builder.hpp"
#include "fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

Bytes pattern(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return b;
}

}  // namespace

TEST_CASE("RFC 7915 §4.1: DF=0 larger than lowest-ipv6-mtu is fragmented to 1280", "[xlat][4to6][frag][mtu]") {
    const auto t = default_tables();  // lowest-ipv6-mtu 1280, ipv6 next hop 1500
    const Bytes data = pattern(1972);
    const Bytes in = ipv4({kServer4, kHost4, 17, 64, 0, 0xbeef}, seal4(udp(53, 40000, data), 17, kServer4, kHost4));
    REQUIRE(in.size() == 2000);
    const Bytes seg6 = seal6(udp(53, 40000, data), 17, kServer6, kHost6);  // 1980 bytes
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.extra.size() == 1);
    // 1280 - 40 - 8 = 1232 payload bytes per fragment, a multiple of 8.
    require_bytes(o.out, ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(17, 0, true, 0xbeef), head(seg6, 1232))));
    require_bytes(o.extra[0],
                  ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(17, 154, false, 0xbeef), tail(seg6, 1232))));
    CHECK(o.out.size() == 1280);
    CHECK(o.counters.fragments_out == 1);
}

TEST_CASE("RFC 7915 §4.1: offlink-mtu raises the fragment size (capped by the IPv6 next hop)",
          "[xlat][4to6][frag][mtu]") {
    auto t = default_tables();
    t.lowest_ipv6_mtu = 1500;
    const Bytes data = pattern(1972);
    const Bytes in = ipv4({kServer4, kHost4, 17, 64, 0, 7}, seal4(udp(53, 40000, data), 17, kServer4, kHost4));
    const Bytes seg6 = seal6(udp(53, 40000, data), 17, kServer6, kHost6);
    auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.extra.size() == 1);
    require_bytes(o.out, ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(17, 0, true, 7), head(seg6, 1448))));
    require_bytes(o.extra[0], ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(17, 181, false, 7), tail(seg6, 1448))));
    t.lowest_ipv6_mtu = 9000;  // larger than the device: the device wins
    o = run_xlat(t, in);
    REQUIRE(o.extra.size() == 1);
    CHECK(o.out.size() == 1496);
}

TEST_CASE("RFC 7915 §4.1: an IPv4 fragment is cut into sub-fragments with offsets of the original",
          "[xlat][4to6][frag]") {
    const auto t = default_tables();
    const Bytes body = pattern(2000);
    for (const bool mf : {true, false}) {
        INFO("MF " << mf);
        const Bytes in = ipv4({kServer4, kHost4, 17, 64, 0, 0x0102, false, mf, 100}, body);
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::Forward);
        REQUIRE(o.extra.size() == 1);
        require_bytes(o.out, ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(17, 100, true, 0x0102), head(body, 1232))));
        require_bytes(o.extra[0],
                      ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(17, 254, mf, 0x0102), tail(body, 1232))));
    }
}

TEST_CASE("RFC 7915 §4.1: a large ICMPv4 echo with DF=0 is fragmented after translation", "[xlat][4to6][frag][icmp]") {
    const auto t = default_tables();
    const Bytes data = pattern(3000);
    const Bytes in = ipv4({kServer4, kHost4, 1, 64, 0, 9}, seal4(icmp_echo(8, 1, 2, data), 1, kServer4, kHost4));
    const Bytes msg6 = seal6(icmp_echo(128, 1, 2, data), 58, kServer6, kHost6);  // 3008 bytes
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.extra.size() == 2);
    require_bytes(o.out, ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(58, 0, true, 9), head(msg6, 1232))));
    require_bytes(o.extra[0],
                  ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(58, 154, true, 9), head(tail(msg6, 1232), 1232))));
    require_bytes(o.extra[1], ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(58, 308, false, 9), tail(msg6, 2464))));
}

TEST_CASE("RFC 7915 §4 / RFC 8021: DF=0 that fits gets no Fragment Header (no atomic fragments)",
          "[xlat][4to6][frag]") {
    const auto t = default_tables();
    const Bytes data = pattern(1232);  // IPv4 1260 -> IPv6 1280
    const Bytes in = ipv4({kServer4, kHost4, 17, 64, 0, 3}, seal4(udp(53, 40000, data), 17, kServer4, kHost4));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(o.extra.empty());
    require_bytes(o.out, ipv6({kServer6, kHost6, 17, 63}, seal6(udp(53, 40000, data), 17, kServer6, kHost6)));
}

TEST_CASE("RFC 7915 §4: DF=1 above lowest-ipv6-mtu but within the next hop goes whole (PMTUD end to end)",
          "[xlat][4to6][mtu]") {
    const auto t = default_tables();
    const Bytes data = pattern(1372);  // IPv4 1400 -> IPv6 1420 <= 1500
    const Bytes in = ipv4({kServer4, kHost4, 17, 64, 0, 3, true}, seal4(udp(53, 40000, data), 17, kServer4, kHost4));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(o.extra.empty());
    require_bytes(o.out, ipv6({kServer6, kHost6, 17, 63}, seal6(udp(53, 40000, data), 17, kServer6, kHost6)));
}

TEST_CASE("RFC 7915 §4.1: DF=1 too big for the IPv6 next hop -> ICMPv4 3/4 with the MTU adjusted",
          "[xlat][4to6][mtu][errors]") {
    const auto t = default_tables();
    SECTION("20-byte header: 1500 - 20") {
        const Bytes in =
            ipv4({kServer4, kHost4, 17, 64, 0, 3, true}, seal4(udp(53, 40000, pattern(1462)), 17, kServer4, kHost4));
        REQUIRE(in.size() == 1490);  // -> 1510 in IPv6
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::IcmpError);
        require_bytes(o.out, ipv4({kXlat4, kServer4, 1, 64, 0, test_id()},
                                  seal4(icmp_msg(3, 4, 1480, head(in, 548)), 1, kXlat4, kServer4)));
        CHECK(drops(o, Reason::TooBig) == 1);
    }
    SECTION("IPv4 options count in the announced MTU: 1500 - 40 + 24") {
        const Bytes opts{1, 1, 1, 0};
        const Bytes in = ipv4({kServer4, kHost4, 17, 64, 0, 3, true, false, 0, opts},
                              seal4(udp(53, 40000, pattern(1458)), 17, kServer4, kHost4));
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::IcmpError);
        require_bytes(o.out, ipv4({kXlat4, kServer4, 1, 64, 0, test_id()},
                                  seal4(icmp_msg(3, 4, 1484, head(in, 548)), 1, kXlat4, kServer4)));
    }
}

TEST_CASE("RFC 7915 §5.1.1: IPv6 translation above the IPv4 next hop with DF=0 is fragmented in IPv4",
          "[xlat][6to4][frag][mtu]") {
    auto t = default_tables();
    t.ipv4_mtu = 1000;
    const Bytes data = pattern(1152);  // IPv6 1200 -> IPv4 1180 <= 1260: DF=0
    const Bytes in = ipv6({kHost6, kServer6, 17}, seal6(udp(40000, 53, data), 17, kHost6, kServer6));
    const Bytes seg4 = seal4(udp(40000, 53, data), 17, kHost4, kServer4);
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.extra.size() == 1);
    require_bytes(o.out, ipv4({kHost4, kServer4, 17, 63, 0, test_id(), false, true, 0}, head(seg4, 976)));
    require_bytes(o.extra[0], ipv4({kHost4, kServer4, 17, 63, 0, test_id(), false, false, 122}, tail(seg4, 976)));
}

TEST_CASE("RFC 7915 §5.1.1: an IPv6 fragment too big for the IPv4 next hop is cut, ID and offsets kept",
          "[xlat][6to4][frag][mtu]") {
    auto t = default_tables();
    t.ipv4_mtu = 1000;
    const Bytes body = pattern(1400);
    const Bytes in = ipv6({kHost6, kServer6, 44}, cat(frag_hdr(17, 50, true, 0xaabbccdd), body));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.extra.size() == 1);
    require_bytes(o.out, ipv4({kHost4, kServer4, 17, 63, 0, 0xccdd, false, true, 50}, head(body, 976)));
    require_bytes(o.extra[0], ipv4({kHost4, kServer4, 17, 63, 0, 0xccdd, false, true, 172}, tail(body, 976)));
}

TEST_CASE("RFC 7915 §1.4 §5.1: IPv6 translation above the IPv4 next hop with DF=1 -> Packet Too Big",
          "[xlat][6to4][mtu][errors]") {
    auto t = default_tables();
    const Bytes in =
        ipv6({kHost6, kServer6, 17}, seal6(udp(40000, 53, pattern(1352)), 17, kHost6, kServer6));  // IPv4 1380
    SECTION("announces the IPv4 next hop + 20") {
        t.ipv4_mtu = 1300;
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::IcmpError);
        require_bytes(o.out,
                      ipv6({kXlat6, kHost6, 58, 64}, seal6(icmp_msg(2, 0, 1320, head(in, 1232)), 58, kXlat6, kHost6)));
        CHECK(drops(o, Reason::TooBig) == 1);
    }
    SECTION("never below 1280 (RFC 8021): the 1280-byte retry is then fragmented") {
        t.ipv4_mtu = 1000;
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::IcmpError);
        require_bytes(o.out,
                      ipv6({kXlat6, kHost6, 58, 64}, seal6(icmp_msg(2, 0, 1280, head(in, 1232)), 58, kXlat6, kHost6)));
        const Bytes retry = ipv6({kHost6, kServer6, 17}, seal6(udp(40000, 53, pattern(1232)), 17, kHost6, kServer6));
        const auto o2 = run_xlat(t, retry);
        REQUIRE(o2.verdict == Verdict::Forward);
        CHECK(o2.extra.size() == 1);
    }
    SECTION("fits: forwarded with DF=1") {
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, ipv4({kHost4, kServer4, 17, 63, 0, 0, true},
                                  seal4(udp(40000, 53, pattern(1352)), 17, kHost4, kServer4)));
    }
}

TEST_CASE("GSO super-packets take no MTU decision (the kernel segments them after translation)", "[xlat][mtu][gso]") {
    auto t = default_tables();
    auto ctx = test_context();
    const Bytes data = pattern(20000);
    const Bytes in6 = ipv6({kHost6, kServer6, 6}, seal6(tcp(1, 2, 3, 0x10, data), 6, kHost6, kServer6));
    auto o = run_xlat_ctx(t, *ctx, in6, /*gso=*/true);
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(o.extra.empty());
    require_bytes(o.out,
                  ipv4({kHost4, kServer4, 6, 63, 0, 0, true}, seal4(tcp(1, 2, 3, 0x10, data), 6, kHost4, kServer4)));
    const Bytes in4 =
        ipv4({kServer4, kHost4, 17, 64, 0, 5}, seal4(udp(53, 40000, data), 17, kServer4, kHost4));  // DF=0
    o = run_xlat_ctx(t, *ctx, in4, /*gso=*/true);
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(o.extra.empty());
    require_bytes(o.out, ipv6({kServer6, kHost6, 17, 63}, seal6(udp(53, 40000, data), 17, kServer6, kHost6)));
    SECTION("the same packets without the flag") {
        CHECK(run_xlat_ctx(t, *ctx, in6).verdict == Verdict::IcmpError);  // Packet Too Big
        CHECK(run_xlat_ctx(t, *ctx, in4).extra.size() == 16);             // 17 fragments of <= 1280
    }
}

TEST_CASE("Next-hop MTUs not set by the worker (65535): only DF=0 fragmentation to offlink-mtu applies",
          "[xlat][mtu]") {
    Config cfg;
    cfg.prefix = *parse_prefix6("3fff:6464::/96");
    cfg.ipv4_addr = kXlat4;
    cfg.ipv6_addr = kXlat6;
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    const auto t = nat64d::daemon::build_tables(cfg).value();
    CHECK(t.ipv4_mtu == 65535);
    CHECK(t.ipv6_mtu == 65535);
    CHECK(t.lowest_ipv6_mtu == 1280);  // offlink-mtu default
    const Bytes in =
        ipv4({kServer4, kHost4, 17, 64, 0, 3, true}, seal4(udp(53, 40000, pattern(8000)), 17, kServer4, kHost4));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(o.out.size() == 40 + 8008);
}
