// RFC 7757 §4.2.2 intrinsic hairpinning with the §4.2.1 rules on the
// second pass, checked against the RFC's own vectors (App. B.1, Figures
// 8-11: EAMT #1 192.0.2.1 <-> 2001:db8:aaaa::, #2 192.0.2.2 <->
// 2001:db8:bbbb::b, prefix 64:ff9b::/96, RFC 6791 address 198.51.100.1).
#include <catch2/catch.hpp>

#include "daemon/tables_builder.hpp"
#include "fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

const Ipv6Addr kA = v6("2001:db8:aaaa::");
const Ipv6Addr kB = v6("2001:db8:bbbb::b");
const Ipv6Addr kAviaPrefix = v6("64:ff9b::192.0.2.1");
const Ipv6Addr kBviaPrefix = v6("64:ff9b::192.0.2.2");
const Ipv6Addr kRouter = v6("2001:db8::1234");
const Ipv6Addr kPoolViaPrefix = v6("64:ff9b::198.51.100.1");

xlat::Tables rfc7757_tables(bool hairpin = true) {
    Config cfg;
    cfg.prefix = *parse_prefix6("64:ff9b::/96");
    cfg.wkpf_strict = false;  // the vectors use documentation addresses under the WKP
    cfg.ipv4_addr = v4("198.51.100.1");
    cfg.ipv6_addr = v6("2001:db8::64");
    cfg.maps.push_back(MapEntry{*parse_prefix4("192.0.2.1/32"), *parse_prefix6("2001:db8:aaaa::/128"), {}});
    cfg.maps.push_back(MapEntry{*parse_prefix4("192.0.2.2/32"), *parse_prefix6("2001:db8:bbbb::b/128"), {}});
    auto t = nat64d::daemon::build_tables(cfg).value();
    t.hairpin = hairpin;
    return t;
}

Bytes udp6_pkt(const Ipv6Addr& s, const Ipv6Addr& d, std::uint8_t hop) {
    return ipv6({s, d, 17, hop}, seal6(udp(1000, 2000, kData), 17, s, d));
}
Bytes error6_pkt(const Ipv6Addr& s, const Ipv6Addr& d, std::uint8_t type, std::uint8_t code, const Bytes& quoted,
                 std::uint8_t hop) {
    return ipv6({s, d, 58, hop}, seal6(icmp_msg(type, code, 0, quoted), 58, s, d));
}

}  // namespace

TEST_CASE("RFC 7757 App. B.1 Figure 8: A -> B through the prefix is hairpinned, source by RFC 6052",
          "[xlat][hairpin]") {
    const auto o = run_xlat(rfc7757_tables(), udp6_pkt(kA, kBviaPrefix, 64));
    REQUIRE(o.verdict == Verdict::Forward);
    // One hop limit decrement only (RFC 7757 §4.2.2: not again on the second pass).
    require_bytes(o.out, udp6_pkt(kAviaPrefix, kB, 63));
    CHECK(o.counters.hairpinned == 1);
}

TEST_CASE("RFC 7757 App. B.1 Figure 11: B's reply to A's prefix address is hairpinned", "[xlat][hairpin]") {
    const auto o = run_xlat(rfc7757_tables(), udp6_pkt(kB, kAviaPrefix, 64));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, udp6_pkt(kBviaPrefix, kA, 63));
}

TEST_CASE("RFC 7757 App. B.1 Figure 9: router error about a hairpinned packet (RFC 6791 source)",
          "[xlat][hairpin][icmp]") {
    // The router on B's side reports the packet 64:ff9b::192.0.2.1 -> B.
    const Bytes in = error6_pkt(kRouter, kAviaPrefix, 3, 0, udp6_pkt(kAviaPrefix, kB, 1), 64);
    const auto o = run_xlat(rfc7757_tables(), in);
    REQUIRE(o.verdict == Verdict::Forward);
    // Intermediate 198.51.100.1 -> 192.0.2.1 | 192.0.2.1 -> 192.0.2.2; final:
    require_bytes(o.out, error6_pkt(kPoolViaPrefix, kA, 3, 0, udp6_pkt(kA, kBviaPrefix, 1), 63));
}

TEST_CASE("RFC 7757 App. B.1 Figure 10: host error about a hairpinned packet (rule 3)", "[xlat][hairpin][icmp]") {
    const Bytes in = error6_pkt(kB, kAviaPrefix, 1, 4, udp6_pkt(kAviaPrefix, kB, 60), 64);
    const auto o = run_xlat(rfc7757_tables(), in);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, error6_pkt(kBviaPrefix, kA, 1, 4, udp6_pkt(kA, kBviaPrefix, 60), 63));
}

TEST_CASE("RFC 7757 §4.2: with hairpinning off the packet leaves as IPv4 (TAYGA's behaviour)", "[xlat][hairpin]") {
    const auto o = run_xlat(rfc7757_tables(false), udp6_pkt(kA, kBviaPrefix, 64));
    REQUIRE(o.verdict == Verdict::Forward);
    const Ipv4Addr a4 = v4("192.0.2.1"), b4 = v4("192.0.2.2");
    require_bytes(o.out, ipv4({a4, b4, 17, 63, 0, test_id()}, seal4(udp(1000, 2000, kData), 17, a4, b4)));
}

TEST_CASE("RFC 7757 §4.2.2: a destination that maps back to itself is not hairpinned", "[xlat][hairpin]") {
    // To B's own EAM address: 2001:db8:bbbb::b -> 192.0.2.2 -> 2001:db8:bbbb::b.
    const auto o = run_xlat(rfc7757_tables(), udp6_pkt(kA, kB, 64));
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(o.out[0] >> 4 == 4);
    CHECK(o.counters.hairpinned == 0);
}
