// RFC 7915 §4.4 / §5.4 and the router rules of §4.1 / §5.1: ICMP errors
// the translator generates itself, when it must not, and their rate limit
// (RFC 4443 §2.4(f)).
#include <catch2/catch.hpp>
#include <cstring>
#include <utility>
#include <vector>

#include "daemon/tables_builder.hpp"
#include "fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

Bytes udp4_in(std::uint8_t ttl = 64, const Bytes& data = kData) {
    return ipv4({kServer4, kHost4, 17, ttl, 0, 0x4444}, seal4(udp(53, 40000, data), 17, kServer4, kHost4));
}
Bytes udp6_in(std::uint8_t hop = 64, const Bytes& data = kData) {
    return ipv6({kHost6, kServer6, 17, hop}, seal6(udp(40000, 53, data), 17, kHost6, kServer6));
}
// The error the translator sends back: from ipv4-addr / ipv6-addr, fresh
// TTL 64, quoting the packet as received.
Bytes reply4(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Bytes& quoted,
             const Ipv4Addr& to = kServer4) {
    return ipv4({kXlat4, to, 1, 64, 0, test_id()}, seal4(icmp_msg(type, code, rest, quoted), 1, kXlat4, to));
}
Bytes reply6(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Bytes& quoted,
             const Ipv6Addr& to = kHost6) {
    return ipv6({kXlat6, to, 58, 64}, seal6(icmp_msg(type, code, rest, quoted), 58, kXlat6, to));
}

xlat::Tables tables_without_prefix() {
    Config cfg;
    cfg.ipv4_addr = kXlat4;
    cfg.ipv6_addr = kXlat6;
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    cfg.maps.push_back(MapEntry{*parse_prefix4("192.0.2.33/32"), *parse_prefix6("3fff:6464::c000:221/128"), {}});
    return nat64d::daemon::build_tables(cfg).value();
}

}  // namespace

TEST_CASE("RFC 7915 §4.1: TTL expiry -> ICMPv4 Time Exceeded 11/0 from ipv4-addr", "[xlat][4to6][errors]") {
    const Bytes in = udp4_in(1);
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, reply4(11, 0, 0, in));
    CHECK(drops(o, Reason::TtlExpired) == 1);
    CHECK(o.counters.icmp_errors_sent == 1);
    CHECK(run_xlat(default_tables(), udp4_in(0)).verdict == Verdict::IcmpError);
}

TEST_CASE("RFC 7915 §5.1: hop limit expiry -> ICMPv6 Time Exceeded 3/0 from ipv6-addr", "[xlat][6to4][errors]") {
    const Bytes in = udp6_in(1);
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, reply6(3, 0, 0, in));
    CHECK(drops(o, Reason::HopLimitExpired) == 1);
    SECTION("an echo request still gets it (RFC 4443 §2.4(e) exempts only errors): traceroute -I") {
        const Bytes ping = ipv6({kHost6, kServer6, 58, 1}, seal6(icmp_echo(128, 1, 2, {}), 58, kHost6, kServer6));
        const auto o2 = run_xlat(default_tables(), ping);
        REQUIRE(o2.verdict == Verdict::IcmpError);
        require_bytes(o2.out, reply6(3, 0, 0, ping));
    }
}

TEST_CASE("RFC 7915 §4.1: unexpired source route -> ICMPv4 3/5", "[xlat][4to6][errors]") {
    const Bytes ssrr{137, 7, 4, 192, 0, 2, 99, 0};
    const Bytes in =
        ipv4({kServer4, kHost4, 17, 64, 0, 1, false, false, 0, ssrr}, seal4(udp(1, 2, kData), 17, kServer4, kHost4));
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, reply4(3, 5, 0, in));
    SECTION("an expired one (pointer past the option) is ignored like any option") {
        const Bytes expired{131, 7, 8, 192, 0, 2, 99, 0};
        const Bytes in2 = ipv4({kServer4, kHost4, 17, 64, 0, 1, false, false, 0, expired},
                               seal4(udp(1, 2, kData), 17, kServer4, kHost4));
        const auto o2 = run_xlat(default_tables(), in2);
        REQUIRE(o2.verdict == Verdict::Forward);
        require_bytes(o2.out, ipv6({kServer6, kHost6, 17, 63}, seal6(udp(1, 2, kData), 17, kServer6, kHost6)));
    }
}

TEST_CASE("RFC 7915 §5.1: Routing header with Segments Left -> Parameter Problem pointing at it",
          "[xlat][6to4][errors]") {
    const Bytes hbh{43, 0, 1, 4, 0, 0, 0, 0};  // Hop-by-Hop, then the Routing header at offset 48
    const Bytes rh{17, 0, 0, 2, 0, 0, 0, 0};   // segments left 2 at byte 3
    const Bytes in = ipv6({kHost6, kServer6, 0}, cat(cat(hbh, rh), seal6(udp(1, 2, kData), 17, kHost6, kServer6)));
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, reply6(4, 0, 48 + 3, in));
    SECTION("Segments Left 0: skipped, translated") {
        Bytes rh0 = rh;
        rh0[3] = 0;
        const auto o2 = run_xlat(default_tables(),
                                 ipv6({kHost6, kServer6, 43}, cat(rh0, seal6(udp(1, 2, kData), 17, kHost6, kServer6))));
        REQUIRE(o2.verdict == Verdict::Forward);
        require_bytes(o2.out,
                      ipv4({kHost4, kServer4, 17, 63, 0, test_id()}, seal4(udp(1, 2, kData), 17, kHost4, kServer4)));
    }
}

TEST_CASE("RFC 2675 §3 via RFC 7915 §1.4: a well-formed jumbogram gets Packet Too Big", "[xlat][6to4][errors]") {
    // 40 + 8 (Hop-by-Hop with the Jumbo Payload at offset 2, RFC 2675 §2's
    // 4n+2) + 8 (UDP) + 65528 data bytes: Jumbo Payload Length 65544.
    const Bytes hbh{17, 0, 0xc2, 4, 0, 1, 0, 8};
    // UDP ports 1 -> 2 with length 0 (RFC 2675 §4); never translated.
    const Bytes body = cat(Bytes{0, 1, 0, 2, 0, 0, 0, 0}, Bytes(65528, 0x5a));
    Bytes jumbo = ipv6({kHost6, kServer6, 0}, cat(hbh, body));
    REQUIRE(jumbo.size() == 40 + 65544);
    put16(jumbo, 4, 0);
    // The usual harness buffer stops at 65535 bytes: a bigger one here.
    auto ctx = test_context();
    std::vector<std::uint8_t> buf(xlat::kHeadroom + jumbo.size() + 64);
    std::memcpy(buf.data() + xlat::kHeadroom, jumbo.data(), jumbo.size());
    xlat::PacketBuf pkt{buf.data(), buf.size(), xlat::kHeadroom, jumbo.size()};
    REQUIRE(xlat::translate(default_tables(), *ctx, pkt) == Verdict::IcmpError);
    CHECK(ctx->counters.drops[static_cast<std::size_t>(Reason::Jumbogram)] == 1);
    // RFC 4443 §2.4(c): as much of the packet as fits in 1280 bytes.
    require_bytes(Bytes(pkt.data(), pkt.data() + pkt.length), reply6(2, 0, 1520, head(jumbo, 1280 - 48)));
}

TEST_CASE("RFC 2675 §3: malformed or truncated jumbograms are dropped, not answered", "[xlat][6to4][errors]") {
    const Bytes udp6 = seal6(udp(1, 2, kData), 17, kHost6, kServer6);
    auto with_hbh = [&](const Bytes& hbh) {
        Bytes in = ipv6({kHost6, kServer6, 0}, cat(hbh, udp6));
        put16(in, 4, 0);
        return in;
    };
    Bytes no_hbh = ipv6({kHost6, kServer6, 17}, udp6);
    put16(no_hbh, 4, 0);
    const std::vector<std::pair<const char*, Bytes>> cases{
        {"no Hop-by-Hop header", no_hbh},
        {"Hop-by-Hop with PadN only", with_hbh({17, 0, 1, 4, 0, 0, 0, 0})},
        {"Jumbo Payload Length 65535 (RFC 2675 §2: must exceed it)", with_hbh({17, 0, 0xc2, 4, 0, 0, 0xff, 0xff})},
        {"Jumbo Payload misaligned (not 4n+2)", with_hbh({17, 0, 0, 0xc2, 4, 0, 1, 0})},
        {"Jumbo Payload option length 3", with_hbh({17, 0, 0xc2, 3, 0, 1, 0, 0})},
        {"option runs past the header", with_hbh({17, 0, 1, 4, 0, 0, 0xc2, 4})},
        {"truncated: 65536 announced, 68 present", with_hbh({17, 0, 0xc2, 4, 0, 1, 0, 0})},
        {"Hop-by-Hop past the packet",
         [&] {
             Bytes in = ipv6({kHost6, kServer6, 0}, Bytes{17, 2, 0xc2, 4, 0, 1, 0, 0});
             put16(in, 4, 0);
             return in;
         }()},
    };
    for (const auto& [name, in] : cases) {
        INFO(name);
        const auto o = run_xlat(default_tables(), in);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(o.out.empty());
        CHECK(drops(o, Reason::BadJumbogram) == 1);
        CHECK(o.counters.icmp_errors_sent == 0);
    }
}

TEST_CASE("RFC 7915 §4.4: discarded IPv4 packets get ICMPv4 3/13 (administratively prohibited)",
          "[xlat][4to6][errors]") {
    const auto t = tables_without_prefix();
    const Ipv4Addr nowhere = v4("203.0.113.9");
    SECTION("unmappable destination") {
        const Bytes in = ipv4({kServer4, nowhere, 17, 64}, seal4(udp(1, 2, kData), 17, kServer4, nowhere));
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::IcmpError);
        require_bytes(o.out, reply4(3, 13, 0, in));
        CHECK(drops(o, Reason::DstUnmappable4) == 1);
    }
    SECTION("unmappable source") {
        const Bytes in = ipv4({nowhere, kHost4, 17, 64}, seal4(udp(1, 2, kData), 17, nowhere, kHost4));
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::IcmpError);
        require_bytes(o.out, reply4(3, 13, 0, in, nowhere));
    }
    SECTION("an IPv6-only protocol number") {
        const Bytes in = ipv4({kServer4, kHost4, 60}, kData);
        const auto o = run_xlat(t, in);
        REQUIRE(o.verdict == Verdict::IcmpError);
        require_bytes(o.out, reply4(3, 13, 0, in));
    }
    SECTION("an ICMPv4 echo request is not an error: it gets one") {
        const Bytes in = ipv4({kServer4, nowhere, 1, 64}, seal4(icmp_echo(8, 1, 1, {}), 1, kServer4, nowhere));
        CHECK(run_xlat(t, in).verdict == Verdict::IcmpError);
    }
}

TEST_CASE("RFC 7915 §5.4: discarded IPv6 packets get ICMPv6 1/1, never for any ICMPv6 message",
          "[xlat][6to4][errors]") {
    const auto t = tables_without_prefix();
    const Ipv6Addr nowhere = v6("2001:db8:ffff::9");
    const Bytes in = ipv6({kHost6, nowhere, 17, 64}, seal6(udp(1, 2, kData), 17, kHost6, nowhere));
    const auto o = run_xlat(t, in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, reply6(1, 1, 0, in));
    CHECK(drops(o, Reason::DstUnmappable6) == 1);
    const Bytes ping = ipv6({kHost6, nowhere, 58, 64}, seal6(icmp_echo(128, 1, 1, {}), 58, kHost6, nowhere));
    const auto o2 = run_xlat(t, ping);
    CHECK(o2.verdict == Verdict::Drop);
    CHECK(drops(o2, Reason::DstUnmappable6) == 1);
    CHECK(o2.counters.icmp_errors_sent == 0);
}

TEST_CASE("RFC 1812 §4.3.2.7 / RFC 4443 §2.4(e): when the translator sends no error", "[xlat][errors]") {
    const auto t = default_tables();
    struct Case {
        const char* name;
        Bytes in;
        Reason reason;
    };
    const Bytes quoted = ipv4({kHost4, kServer4, 17, 9}, seal4(udp(1, 2, {}), 17, kHost4, kServer4));
    const Bytes err4 = seal4(icmp_msg(3, 3, 0, quoted), 1, kServer4, kHost4);
    const Bytes err6 = seal6(icmp_msg(1, 4, 0, quoted_udp6()), 58, kHost6, kServer6);
    const std::vector<Case> cases{
        {"ICMPv4 error with TTL 1", ipv4({kServer4, kHost4, 1, 1}, err4), Reason::TtlExpired},
        {"non-first IPv4 fragment with TTL 1", ipv4({kServer4, kHost4, 17, 1, 0, 5, false, false, 10}, Bytes(16, 1)),
         Reason::TtlExpired},
        // Address classes are refused before the TTL is looked at (TAYGA's order).
        {"IPv4 multicast destination", ipv4({kServer4, v4("224.0.0.9"), 17, 1}, udp(1, 2, {})),
         Reason::MulticastDestination},
        {"IPv4 limited broadcast destination", ipv4({kServer4, v4("255.255.255.255"), 17, 1}, udp(1, 2, {})),
         Reason::MulticastDestination},
        {"IPv4 source 127.0.0.1 (invalid)", ipv4({v4("127.0.0.1"), kHost4, 17, 1}, udp(1, 2, {})),
         Reason::IllegalSource},
        {"ICMPv6 error with hop limit 1", ipv6({kHost6, kServer6, 58, 1}, err6), Reason::HopLimitExpired},
        {"non-first IPv6 fragment with hop limit 1",
         ipv6({kHost6, kServer6, 44, 1}, cat(frag_hdr(17, 10, false, 1), Bytes(16, 1))), Reason::HopLimitExpired},
        // Multicast is refused before the hop limit is looked at (xlat_6to4.cpp).
        {"IPv6 multicast destination", ipv6({kHost6, v6("ff0e::1"), 17, 1}, udp(1, 2, {})),
         Reason::MulticastDestination},
        {"IPv6 unspecified source", ipv6({v6("::"), kServer6, 17, 1}, udp(1, 2, {})), Reason::IllegalSource},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto o = run_xlat(t, c.in);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, c.reason) == 1);
        CHECK(o.counters.icmp_errors_sent == 0);
    }
}

TEST_CASE("RFC 7915 §4.4 §5.4: the administrator can turn translator errors off", "[xlat][errors]") {
    auto t = default_tables();
    t.icmp_errors = false;
    CHECK(run_xlat(t, udp4_in(1)).verdict == Verdict::Drop);
    CHECK(run_xlat(t, udp6_in(1)).verdict == Verdict::Drop);
    CHECK(drops(run_xlat(t, udp6_in(1)), Reason::HopLimitExpired) == 1);
}

TEST_CASE("RFC 1812 §4.3.2.3 / RFC 4443 §2.4(c): generated errors quote at most 576 / 1280 bytes", "[xlat][errors]") {
    const auto t = default_tables();
    const Bytes in4 = udp4_in(1, Bytes(1000, 7));
    auto o = run_xlat(t, in4);
    REQUIRE(o.verdict == Verdict::IcmpError);
    REQUIRE(o.out.size() == 576);
    require_bytes(o.out, reply4(11, 0, 0, head(in4, 548)));
    const Bytes in6 = udp6_in(1, Bytes(1400, 7));
    o = run_xlat(t, in6);
    REQUIRE(o.verdict == Verdict::IcmpError);
    REQUIRE(o.out.size() == 1280);
    require_bytes(o.out, reply6(3, 0, 0, head(in6, 1232)));
}

TEST_CASE("RFC 4443 §2.4(f): translator errors are rate-limited per destination by a token bucket",
          "[xlat][errors][ratelimit]") {
    auto t = default_tables();
    t.icmp_rate = 2;   // 2 per second
    t.icmp_burst = 3;  // bursts of 3
    auto ctx = std::make_unique<xlat::Context>();
    ctx->now_ms = 5000;
    std::vector<Verdict> got;
    for (int i = 0; i < 5; ++i) got.push_back(run_xlat_ctx(t, *ctx, udp6_in(1)).verdict);
    CHECK(got == std::vector<Verdict>{Verdict::IcmpError, Verdict::IcmpError, Verdict::IcmpError, Verdict::Drop,
                                      Verdict::Drop});
    CHECK(ctx->counters.icmp_errors_rate_limited == 2);
    CHECK(ctx->counters.icmp_errors_held_back_by_kind[static_cast<std::size_t>(xlat::IcmpErrorKind::TimeExceeded)] ==
          2);
    CHECK(ctx->counters.drops[static_cast<std::size_t>(Reason::HopLimitExpired)] == 5);
    // Another destination (the IPv4 server) has a bucket of its own.
    for (int i = 0; i < 3; ++i) CHECK(run_xlat_ctx(t, *ctx, udp4_in(1)).verdict == Verdict::IcmpError);
    CHECK(run_xlat_ctx(t, *ctx, udp4_in(1)).verdict == Verdict::Drop);
    ctx->now_ms += 499;  // not yet a whole token
    CHECK(run_xlat_ctx(t, *ctx, udp4_in(1)).verdict == Verdict::Drop);
    ctx->now_ms += 1;  // 500 ms at 2/s: one token
    CHECK(run_xlat_ctx(t, *ctx, udp4_in(1)).verdict == Verdict::IcmpError);
    CHECK(run_xlat_ctx(t, *ctx, udp4_in(1)).verdict == Verdict::Drop);
    ctx->now_ms += 60000;  // refill is capped at the burst
    for (int i = 0; i < 3; ++i) CHECK(run_xlat_ctx(t, *ctx, udp4_in(1)).verdict == Verdict::IcmpError);
    CHECK(run_xlat_ctx(t, *ctx, udp4_in(1)).verdict == Verdict::Drop);
    SECTION("icmp_rate 0: no limit") {
        t.icmp_rate = 0;
        for (int i = 0; i < 50; ++i) CHECK(run_xlat_ctx(t, *ctx, udp4_in(1)).verdict == Verdict::IcmpError);
    }
}

TEST_CASE(
    "RFC 4443 §2.4(f) RFC 1191: a storm of Time Exceeded does not take Fragmentation Needed / Packet Too Big away",
    "[xlat][errors][ratelimit][mtu]") {
    auto t = default_tables();
    t.icmp_rate = 1;
    t.icmp_burst = 2;
    auto ctx = std::make_unique<xlat::Context>();
    ctx->now_ms = 1000;
    // The server's Time Exceeded budget is spent...
    for (int i = 0; i < 50; ++i) (void)run_xlat_ctx(t, *ctx, udp4_in(1));
    CHECK(ctx->counters.icmp_errors_held_back_by_kind[static_cast<std::size_t>(xlat::IcmpErrorKind::TimeExceeded)] ==
          48);
    // ...and its oversized DF datagrams still get Fragmentation Needed
    // (RFC 7915 §4.1), from a budget of their own.
    const Bytes big4 =
        ipv4({kServer4, kHost4, 17, 64, 0, 3, true}, seal4(udp(53, 40000, Bytes(1462, 0x5a)), 17, kServer4, kHost4));
    CHECK(run_xlat_ctx(t, *ctx, big4).verdict == Verdict::IcmpError);
    CHECK(run_xlat_ctx(t, *ctx, big4).verdict == Verdict::IcmpError);
    CHECK(run_xlat_ctx(t, *ctx, big4).verdict == Verdict::Drop);  // the Too Big budget is limited too
    CHECK(ctx->counters.icmp_errors_by_kind[static_cast<std::size_t>(xlat::IcmpErrorKind::TooBig)] == 2);
    CHECK(ctx->counters.icmp_errors_held_back_by_kind[static_cast<std::size_t>(xlat::IcmpErrorKind::TooBig)] == 1);
    // The same for IPv6: Packet Too Big (RFC 7915 §5.1) after a Time Exceeded storm.
    t.ipv4_mtu = 1280;
    for (int i = 0; i < 50; ++i) (void)run_xlat_ctx(t, *ctx, udp6_in(1));
    const Bytes big6 = ipv6({kHost6, kServer6, 17, 64}, seal6(udp(40000, 53, Bytes(1400, 0x5a)), 17, kHost6, kServer6));
    const auto o = run_xlat_ctx(t, *ctx, big6);
    REQUIRE(o.verdict == Verdict::IcmpError);
    CHECK(o.out[40] == 2);  // ICMPv6 Packet Too Big
}

TEST_CASE("RFC 4443 §2.4(f): a worker-wide bucket bounds the errors to many (spoofed) sources",
          "[xlat][errors][ratelimit]") {
    auto t = default_tables();
    t.icmp_rate = 1;
    t.icmp_burst = 2;
    auto ctx = std::make_unique<xlat::Context>();
    ctx->now_ms = 1000;
    int sent = 0;
    for (int i = 1; i <= 200; ++i) {
        Ipv4Addr s2 = v4("203.0.113.0");
        s2.bytes[3] = static_cast<std::uint8_t>(i);
        const Bytes in = ipv4({s2, kHost4, 17, 1, 0, 0x4444}, seal4(udp(53, 40000, kData), 17, s2, kHost4));
        if (run_xlat_ctx(t, *ctx, in).verdict == Verdict::IcmpError) ++sent;
    }
    // Each new source would get its burst of 2; the worker's bucket allows
    // kIcmpGlobalFactor x icmp_burst in all.
    CHECK(sent == static_cast<int>(xlat::kIcmpGlobalFactor * 2));
    CHECK(ctx->counters.icmp_errors_rate_limited == 200u - xlat::kIcmpGlobalFactor * 2);
    // A refusal by the worker's bucket leaves the destination its token:
    // one second later (8 worker tokens) the first of them gets one again.
    ctx->now_ms += 1000;
    Ipv4Addr s1 = v4("203.0.113.1");
    CHECK(run_xlat_ctx(t, *ctx, ipv4({s1, kHost4, 17, 1, 0, 0x4444}, seal4(udp(53, 40000, kData), 17, s1, kHost4)))
              .verdict == Verdict::IcmpError);
}

TEST_CASE("RFC 7915 §1.2 §4.2: IPv4 multicast/broadcast destinations and IGMP are dropped silently",
          "[xlat][4to6][drop]") {
    const auto t = default_tables();
    auto o = run_xlat(t, ipv4({kServer4, v4("239.1.2.3"), 17}, seal4(udp(1, 2, kData), 17, kServer4, v4("239.1.2.3"))));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::MulticastDestination) == 1);
    o = run_xlat(t, ipv4({kServer4, v4("255.255.255.255"), 17}, udp(1, 2, {})));
    CHECK(drops(o, Reason::MulticastDestination) == 1);
    o = run_xlat(t, ipv4({kServer4, kHost4, 2}, Bytes{0x16, 0, 0xfa, 0x04, 198, 51, 100, 10}));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::Igmp) == 1);
}

TEST_CASE("A buffer without the documented headroom is refused, never overrun", "[xlat][drop]") {
    const auto t = default_tables();
    for (const Bytes& in : {quoted_udp4(64), quoted_udp6(64)}) {
        std::vector<std::uint8_t> buf(16 + in.size());
        std::copy(in.begin(), in.end(), buf.begin() + 16);
        xlat::PacketBuf pkt{buf.data(), buf.size(), 16, in.size()};
        auto ctx = std::make_unique<xlat::Context>();
        CHECK(xlat::translate(t, *ctx, pkt) == Verdict::Drop);
        CHECK(ctx->counters.drops[static_cast<std::size_t>(Reason::NoBufferRoom)] == 1);
    }
}
