// Address mapping with a dynamic pool, through xlat::translate with real
// packets: TAYGA's precedence (static map > RFC 6052 prefix > pool), leases
// only for IPv6 sources, and IPv4 addresses inside the pool answered by
// their lease or by nobody.
#include <catch2/catch.hpp>

#include "addr/dynamic_pool.hpp"
#include "harness.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

const Ipv4Addr kServer4 = v4("192.0.2.33");  // IPv4 host, reached as 3fff:6464::c000:221
const Ipv6Addr kServer6 = v6("3fff:6464::c000:221");
const Ipv6Addr kDynHost6 = v6("2001:db8::69");   // no static mapping: leases from the pool
const Ipv4Addr kDynHost4 = v4("198.51.100.80");  // its TAYGA address in 198.51.100.0/24
const Bytes kData{'p', 'o', 'o', 'l'};
constexpr std::int64_t kT0 = 1'800'000'000;

// default_tables() (prefix 3fff:6464::/96, ipv4-addr 192.0.2.1, maps
// 198.51.100.10 <-> 2001:db8::10 and 198.51.100.128/25 <-> 2001:db8:1::80/121)
// plus `dynamic-pool 198.51.100.0/24`, which loses the static maps' IPv4 sides.
struct PoolFixture {
    xlat::Tables t;  // before the pool: its constructor attaches the pool to t
    std::unique_ptr<addr::DynamicPool> pool;

    explicit PoolFixture(const char* pool_prefix = "198.51.100.0/24")
        : t(default_tables()), pool(attach_pool(t, default_tables_config(), *parse_prefix4(pool_prefix), kT0)) {}
};

Bytes echo6(const Ipv6Addr& src, const Ipv6Addr& dst) {
    return ipv6({src, dst, 58, 64}, seal6(icmp_echo(128, 0x77, 1, kData), 58, src, dst));
}
Bytes echo4_reply(const Ipv4Addr& src, const Ipv4Addr& dst) {
    return ipv4({src, dst, 1, 64}, seal4(icmp_echo(0, 0x77, 1, kData), 1, src, dst));
}
Bytes udp6(const Ipv6Addr& src, const Ipv6Addr& dst) {
    return ipv6({src, dst, 17, 64}, seal6(udp(40000, 53, kData), 17, src, dst));
}

void require_bytes(const Bytes& got, const Bytes& want) {
    INFO("got:\n" << hex(got) << "\nwant:\n" << hex(want));
    REQUIRE(got == want);
}

}  // namespace

TEST_CASE("dynamic-pool: an unmapped IPv6 source leases TAYGA's address; the IPv4 side reaches it", "[xlat][pool]") {
    PoolFixture f;
    auto o = run_xlat(f.t, echo6(kDynHost6, kServer6));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv4({kDynHost4, kServer4, 1, 63, 0, test_id()},
                              seal4(icmp_echo(8, 0x77, 1, kData), 1, kDynHost4, kServer4)));
    const auto events = f.pool->take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == addr::PoolEventKind::Assigned);

    o = run_xlat(f.t, echo4_reply(kServer4, kDynHost4));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out,
                  ipv6({kServer6, kDynHost6, 58, 63}, seal6(icmp_echo(129, 0x77, 1, kData), 58, kServer6, kDynHost6)));
}

TEST_CASE("dynamic-pool: a static map comes before the pool", "[xlat][pool]") {
    PoolFixture f;
    const auto o = run_xlat(f.t, echo6(v6("2001:db8::10"), kServer6));
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(Ipv4Addr{{o.out[12], o.out[13], o.out[14], o.out[15]}} == v4("198.51.100.10"));
    CHECK(f.pool->leases().empty());
}

TEST_CASE("dynamic-pool: the RFC 6052 prefix comes before the pool", "[xlat][pool]") {
    PoolFixture f;
    const auto o = run_xlat(f.t, echo6(v6("3fff:6464::c000:263"), kServer6));
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(Ipv4Addr{{o.out[12], o.out[13], o.out[14], o.out[15]}} == v4("192.0.2.99"));
    CHECK(f.pool->leases().empty());
}

TEST_CASE("dynamic-pool: an IPv6 destination never gets a lease", "[xlat][pool]") {
    PoolFixture f;
    const auto o = run_xlat(f.t, udp6(v6("2001:db8::10"), kDynHost6));
    CHECK(o.verdict != Verdict::Forward);
    CHECK(drops(o, Reason::DstUnmappable6) == 1);
    CHECK(f.pool->leases().empty());
}

TEST_CASE("dynamic-pool: an IPv4 destination in the pool without a lease is unmappable, not prefix-mapped",
          "[xlat][pool]") {
    PoolFixture f;
    const auto o = run_xlat(f.t, echo4_reply(kServer4, kDynHost4));
    CHECK(o.verdict != Verdict::Forward);
    CHECK(drops(o, Reason::DstUnmappable4) == 1);
    // Without the pool the same packet goes to 3fff:6464::c633:6450.
    const auto plain = run_xlat(default_tables(), echo4_reply(kServer4, kDynHost4));
    REQUIRE(plain.verdict == Verdict::Forward);
}

TEST_CASE("dynamic-pool: IPv4 traffic keeps a lease alive; a dormant lease is not reachable", "[xlat][pool]") {
    PoolFixture f;
    REQUIRE(run_xlat(f.t, echo6(kDynHost6, kServer6)).verdict == Verdict::Forward);
    f.pool->set_now(kT0 + 7000);
    REQUIRE(run_xlat(f.t, echo4_reply(kServer4, kDynHost4)).verdict == Verdict::Forward);
    f.pool->maintenance(kT0 + 7441);  // 124 min after the IPv6 packet, 441 s after the IPv4 one
    REQUIRE(run_xlat(f.t, echo4_reply(kServer4, kDynHost4)).verdict == Verdict::Forward);
    f.pool->maintenance(kT0 + 7441 + 7441);
    const auto o = run_xlat(f.t, echo4_reply(kServer4, kDynHost4));
    CHECK(o.verdict != Verdict::Forward);
    CHECK(drops(o, Reason::DstUnmappable4) == 1);
    // The host speaks again: same address, reachable again.
    auto back = run_xlat(f.t, echo6(kDynHost6, kServer6));
    REQUIRE(back.verdict == Verdict::Forward);
    CHECK(Ipv4Addr{{back.out[12], back.out[13], back.out[14], back.out[15]}} == kDynHost4);
    CHECK(run_xlat(f.t, echo4_reply(kServer4, kDynHost4)).verdict == Verdict::Forward);
}

TEST_CASE("dynamic-pool: an exhausted pool refuses a new host with ICMPv6 destination unreachable", "[xlat][pool]") {
    PoolFixture f("203.0.113.0/31");  // one address to give: 203.0.113.1
    auto o = run_xlat(f.t, udp6(kDynHost6, kServer6));
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(Ipv4Addr{{o.out[12], o.out[13], o.out[14], o.out[15]}} == v4("203.0.113.1"));

    o = run_xlat(f.t, udp6(v6("2001:db8::70"), kServer6));
    CHECK(drops(o, Reason::PoolExhausted) == 1);
    REQUIRE(o.verdict == Verdict::IcmpError);
    REQUIRE(o.out.size() > 48);
    CHECK(o.out[6] == 58);  // ICMPv6
    CHECK(o.out[40] == 1);  // Destination Unreachable (RFC 7915 §5.4)
}

TEST_CASE("dynamic-pool: an ICMPv6 error from an unmapped router takes no lease; its quoted pool host maps",
          "[xlat][pool][icmp]") {
    PoolFixture f;
    REQUIRE(run_xlat(f.t, echo6(kDynHost6, kServer6)).verdict == Verdict::Forward);  // lease .80
    // 192.0.2.33 sent UDP to 198.51.100.80, i.e. to 2001:db8::69; a router on
    // the IPv6 side answers with Destination Unreachable (address, 1/3).
    const Ipv6Addr router = v6("2001:db8:ffff::1");
    const Bytes quoted = ipv6({kServer6, kDynHost6, 17, 63}, seal6(udp(53, 40000, kData), 17, kServer6, kDynHost6));
    const Bytes err = cat(Bytes{1, 3, 0, 0, 0, 0, 0, 0}, quoted);
    const auto o = run_xlat(f.t, ipv6({router, kServer6, 58, 64}, seal6(err, 58, router, kServer6)));
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.out.size() >= 48);
    // RFC 7915 §5.1 / RFC 6791: from ipv4-addr, since the router has no mapping.
    CHECK(Ipv4Addr{{o.out[12], o.out[13], o.out[14], o.out[15]}} == v4("192.0.2.1"));
    // The quoted packet's destination is the pool host's IPv4 address.
    CHECK(Ipv4Addr{{o.out[28 + 12], o.out[28 + 13], o.out[28 + 14], o.out[28 + 15]}} == kServer4);
    CHECK(Ipv4Addr{{o.out[28 + 16], o.out[28 + 17], o.out[28 + 18], o.out[28 + 19]}} == kDynHost4);
    CHECK(f.pool->leases().size() == 1);
}
