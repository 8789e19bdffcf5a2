// RFC 7915 §4.1 / §5.1 / §5.1.1 header rules not covered by the first
// slice: flow label, extension headers after a Fragment Header, ESP.
#include <catch2/catch.hpp>

#include "fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

TEST_CASE("RFC 7915 §5.1: the flow label is dropped, the traffic class kept", "[xlat][6to4]") {
    const Bytes in = ipv6({kHost6, kServer6, 17, 64, 0x2e, 0xabcde}, seal6(udp(1, 2, kData), 17, kHost6, kServer6));
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out,
                  ipv4({kHost4, kServer4, 17, 63, 0x2e, test_id()}, seal4(udp(1, 2, kData), 17, kHost4, kServer4)));
}

TEST_CASE("RFC 7915 §5.1.1 §5.4: an extension header after the Fragment Header is not translated; ICMPv6 1/1",
          "[xlat][6to4][frag]") {
    const Bytes dst_opts{17, 0, 1, 4, 0, 0, 0, 0};
    const Bytes in = ipv6({kHost6, kServer6, 44}, cat(cat(frag_hdr(60, 0, true, 1), dst_opts), udp(1, 2, {})));
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, ipv6({kXlat6, kHost6, 58, 64}, seal6(icmp_msg(1, 1, 0, in), 58, kXlat6, kHost6)));
    CHECK(drops(o, Reason::BadExtHeader) == 1);
}

TEST_CASE("RFC 7915 §5.1.1: ESP after the Fragment Header is translated (ESP excepted)", "[xlat][6to4][frag]") {
    const Bytes esp{0, 0, 1, 0, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0};
    const Bytes in = ipv6({kHost6, kServer6, 44}, cat(frag_hdr(50, 0, true, 0x10002), esp));
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv4({kHost4, kServer4, 50, 63, 0, 0x0002, false, true, 0}, esp));
}

TEST_CASE("RFC 7915 §4.1: TTL 2 is decremented to hop limit 1 and forwarded", "[xlat][4to6]") {
    const Bytes in = ipv4({kServer4, kHost4, 17, 2}, seal4(udp(1, 2, kData), 17, kServer4, kHost4));
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv6({kServer6, kHost6, 17, 1}, seal6(udp(1, 2, kData), 17, kServer6, kHost6)));
}
