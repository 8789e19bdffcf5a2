// Address rules as TAYGA applies them (docs/rfc-compliance.md, "Address
// rules"): spoofed IPv6 sources (RFC 6052 §5.1, RFC 7915 §5.1, RFC 1812
// §5.3.7), reserved and link-local addresses, the well-known prefix's
// non-global list, protocol rules for outer and quoted packets, packets to
// the translator's own addresses, the IPv4 Identification policy (RFC 6864)
// and udp-cksum-mode from IPv6 to IPv4. Expected packets are built from
// scratch with the PacketBuilder.
#include <catch2/catch.hpp>

#include <set>

#include "addr/dynamic_pool.hpp"
#include "addr/rfc6052.hpp"
#include "daemon/tables_builder.hpp"
#include "fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000;
const Ipv6Addr kXlat6Own = v6("2001:db8:64::1");  // an ipv6-addr outside the prefix

// default_tables() with ipv6-addr outside the prefix (so that an error to
// prefix::ipv4-addr is not one to the translator itself) and, optionally,
// `dynamic-pool 203.0.113.128/25`; or any configuration.
struct Fixture {
    std::unique_ptr<addr::DynamicPool> pool;
    xlat::Tables t;

    explicit Fixture(Config cfg, const char* pool_prefix = nullptr) : t(nat64d::daemon::build_tables(cfg).value()) {
        t.ipv4_mtu = t.ipv6_mtu = 1500;
        if (pool_prefix != nullptr) pool = attach_pool(t, cfg, p4(pool_prefix), kT0);
    }
};

Config default_config() {
    Config cfg;
    cfg.prefix = p6("3fff:6464::/96");
    cfg.ipv4_addr = kXlat4;
    cfg.ipv6_addr = kXlat6Own;
    cfg.maps.push_back(MapEntry{p4("198.51.100.10/32"), p6("2001:db8::10/128"), {}});
    cfg.maps.push_back(MapEntry{p4("198.51.100.128/25"), p6("2001:db8:1::80/121"), {}});
    return cfg;
}

Config wkp_config() {
    Config cfg;
    cfg.prefix = p6("64:ff9b::/96");
    cfg.ipv4_addr = kXlat4;
    cfg.ipv6_addr = kXlat6Own;
    cfg.maps.push_back(MapEntry{p4("198.51.100.10/32"), p6("2001:db8::10/128"), {}});
    return cfg;
}

Ipv6Addr addr_embed_wkp(const Ipv4Addr& a) {
    return addr::embed(p6("64:ff9b::/96"), a);
}

Bytes udp6_from(const Ipv6Addr& s, const Ipv6Addr& d, const Bytes& data = kData) {
    return ipv6({s, d, 17}, seal6(udp(40000, 53, data), 17, s, d));
}
Bytes udp4_from(const Ipv4Addr& s, const Ipv4Addr& d, const Bytes& data = kData) {
    return ipv4({s, d, 17}, seal4(udp(53, 40000, data), 17, s, d));
}
// The translator's own ICMPv6 error, from ipv6-addr `from`, quoting `in`.
Bytes reply6(const Ipv6Addr& from, const Ipv6Addr& to, std::uint8_t type, std::uint8_t code, std::uint32_t rest,
             const Bytes& in) {
    return ipv6({from, to, 58, 64}, seal6(icmp_msg(type, code, rest, in), 58, from, to));
}

}  // namespace

// ---- Spoofed sources ----

TEST_CASE("RFC 6052 §5.1 RFC 7915 §5.1: an IPv6 source embedding ipv4-addr, a mapped or a pool address -> ICMPv6 1/5",
          "[xlat][6to4][spoof]") {
    Fixture f(default_config(), "203.0.113.128/25");
    struct Case {
        const char* what;
        Ipv6Addr src;
    };
    for (const Case& c : {Case{"(a) ipv4-addr 192.0.2.1", v6("3fff:6464::c000:201")},
                          Case{"(b) map 198.51.100.10/32", v6("3fff:6464::c633:640a")},
                          Case{"(b) inside map 198.51.100.128/25", v6("3fff:6464::c633:6485")},
                          Case{"(c) dynamic-pool 203.0.113.128/25", v6("3fff:6464::cb00:71c8")}}) {
        INFO(c.what);
        const Bytes in = udp6_from(c.src, kServer6);
        const auto o = run_xlat(f.t, in);
        REQUIRE(o.verdict == Verdict::IcmpError);
        require_bytes(o.out, reply6(kXlat6Own, c.src, 1, 5, 0, in));
        CHECK(drops(o, Reason::SpoofedSource) == 1);
        CHECK(o.counters.packets_6to4 == 0);
        CHECK(o.event.kind == xlat::EventKind::Reject);
        CHECK(o.event.reason == Reason::SpoofedSource);
    }
    CHECK(f.pool->leases().empty());
}

TEST_CASE("RFC 6052 §5.1: legitimate sources still pass (an IPv4-side address in the prefix, a mapped host)",
          "[xlat][6to4][spoof]") {
    Fixture f(default_config(), "203.0.113.128/25");
    const Ipv6Addr outside = v6("3fff:6464::cb00:7101");  // 203.0.113.1: outside the pool
    auto o = run_xlat(f.t, udp6_from(outside, kServer6));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(
        o.out, ipv4({kRouter4, kServer4, 17, 63, 0, test_id()}, seal4(udp(40000, 53, kData), 17, kRouter4, kServer4)));
    o = run_xlat(f.t, udp6_from(kHost6, kServer6));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out,
                  ipv4({kHost4, kServer4, 17, 63, 0, test_id()}, seal4(udp(40000, 53, kData), 17, kHost4, kServer4)));
}

TEST_CASE("RFC 6052 §5.1 RFC 7915 §5.4: a spoofed ICMPv6 message is counted, and answered by nothing",
          "[xlat][6to4][spoof]") {
    Fixture f(default_config());
    const Ipv6Addr src = v6("3fff:6464::c633:640a");
    const auto o = run_xlat(f.t, ipv6({src, kServer6, 58}, seal6(icmp_echo(128, 1, 1, {}), 58, src, kServer6)));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::SpoofedSource) == 1);
    CHECK(o.counters.icmp_errors_sent == 0);
    CHECK(o.event.kind == xlat::EventKind::Drop);
}

TEST_CASE("RFC 6052 §5.1: spoofing the translator's own IPv6 address gets no error sent to the translator itself",
          "[xlat][6to4][spoof]") {
    // default_tables(): ipv6-addr is the prefix + ipv4-addr default.
    const auto o = run_xlat(default_tables(), udp6_from(kXlat6, kServer6));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::SpoofedSource) == 1);
    CHECK(o.counters.icmp_errors_sent == 0);
}

TEST_CASE("RFC 6052 §5.1: log drop shows a spoofed source even though it is answered", "[xlat][log][spoof]") {
    Fixture f(default_config());
    const auto o = run_xlat(f.t, udp6_from(v6("3fff:6464::c000:201"), kServer6));
    REQUIRE(o.event.kind == xlat::EventKind::Reject);
    LogFlags flags;
    flags.drop = true;
    CHECK(xlat::wanted(flags, o.event));
    flags = LogFlags{};
    flags.reject = true;
    CHECK(xlat::wanted(flags, o.event));
}

TEST_CASE("RFC 1812 §5.3.7: an IPv6 source embedding a reserved IPv4 address is dropped silently",
          "[xlat][6to4][spoof]") {
    Fixture f(default_config());
    for (const char* a :
         {"3fff:6464::1", "3fff:6464::7f00:1", "3fff:6464::a9fe:1", "3fff:6464::e000:1", "3fff:6464::ffff:ffff"}) {
        INFO(a);
        const auto o = run_xlat(f.t, udp6_from(v6(a), kServer6));
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, Reason::IllegalSource) == 1);
        CHECK(o.counters.icmp_errors_sent == 0);
    }
}

// ---- Reserved, link-local and class E addresses ----

TEST_CASE("RFC 1812 §5.3.7 RFC 7915 §1.2: reserved IPv4 addresses are dropped silently in both directions",
          "[xlat][address]") {
    Fixture f(default_config());
    struct Case {
        const char* what;
        Bytes in;
        Reason reason;
    };
    const std::vector<Case> cases{
        {"4to6 source 0.0.0.1", udp4_from(v4("0.0.0.1"), kHost4), Reason::IllegalSource},
        {"4to6 source 127.0.0.1", udp4_from(v4("127.0.0.1"), kHost4), Reason::IllegalSource},
        {"4to6 source 224.0.0.1", udp4_from(v4("224.0.0.1"), kHost4), Reason::IllegalSource},
        {"4to6 source 255.255.255.255", udp4_from(v4("255.255.255.255"), kHost4), Reason::IllegalSource},
        {"4to6 destination 0.0.0.1", udp4_from(kServer4, v4("0.0.0.1")), Reason::ReservedDestination},
        {"4to6 destination 127.0.0.1", udp4_from(kServer4, v4("127.0.0.1")), Reason::ReservedDestination},
        {"4to6 destination 224.0.0.1", udp4_from(kServer4, v4("224.0.0.1")), Reason::MulticastDestination},
        {"4to6 destination 255.255.255.255", udp4_from(kServer4, v4("255.255.255.255")), Reason::MulticastDestination},
        {"6to4 destination embedding 0.0.0.1", udp6_from(kHost6, v6("3fff:6464::1")), Reason::ReservedDestination},
        {"6to4 destination embedding 127.0.0.1", udp6_from(kHost6, v6("3fff:6464::7f00:1")),
         Reason::ReservedDestination},
        {"6to4 destination embedding 224.0.0.1", udp6_from(kHost6, v6("3fff:6464::e000:1")),
         Reason::ReservedDestination},
        {"6to4 destination embedding 255.255.255.255", udp6_from(kHost6, v6("3fff:6464::ffff:ffff")),
         Reason::ReservedDestination},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const auto o = run_xlat(f.t, c.in);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, c.reason) == 1);
        CHECK(o.counters.icmp_errors_sent == 0);
    }
}

TEST_CASE("RFC 4291 §2.5: IPv6 sources and destinations in ::/8, fe80::/10, ff00::/8 are dropped silently",
          "[xlat][6to4][address]") {
    Fixture f(default_config());
    struct Case {
        const char* what;
        Bytes in;
        Reason reason;
    };
    const std::vector<Case> cases{
        {"source ::1", udp6_from(v6("::1"), kServer6), Reason::IllegalSource},
        {"source ::ffff:192.0.2.33", udp6_from(v6("::ffff:c000:221"), kServer6), Reason::IllegalSource},
        {"source fe80::1", udp6_from(v6("fe80::1"), kServer6), Reason::IllegalSource},
        {"source ff02::1", udp6_from(v6("ff02::1"), kServer6), Reason::IllegalSource},
        {"destination ::1", udp6_from(kHost6, v6("::1")), Reason::ReservedDestination},
        {"destination fe80::1", udp6_from(kHost6, v6("fe80::1")), Reason::ReservedDestination},
        {"destination ff0e::1", udp6_from(kHost6, v6("ff0e::1")), Reason::MulticastDestination},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const auto o = run_xlat(f.t, c.in);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, c.reason) == 1);
        CHECK(o.counters.icmp_errors_sent == 0);
    }
}

TEST_CASE("RFC 6052 §2.2: 240/4 is translated, identically in both directions", "[xlat][address]") {
    Fixture f(default_config());
    const Ipv4Addr e4 = v4("240.0.0.1");
    const Ipv6Addr e6 = v6("3fff:6464::f000:1");
    auto o = run_xlat(f.t, udp4_from(e4, kHost4));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv6({e6, kHost6, 17, 63}, seal6(udp(53, 40000, kData), 17, e6, kHost6)));
    o = run_xlat(f.t, udp6_from(kHost6, e6));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv4({kHost4, e4, 17, 63, 0, test_id()}, seal4(udp(40000, 53, kData), 17, kHost4, e4)));
}

TEST_CASE("RFC 3927 §2.6.2: 169.254/16 does not cross the prefix, but an explicit map carries it", "[xlat][address]") {
    Config cfg = default_config();
    const Ipv4Addr ll4 = v4("169.254.1.1");
    const Ipv6Addr ll6 = v6("2001:db8::a9fe");
    cfg.maps.push_back(MapEntry{Prefix4{ll4, 32}, Prefix6{ll6, 128}, {}});
    Fixture f(cfg);
    auto o = run_xlat(f.t, udp4_from(kServer4, ll4));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv6({kServer6, ll6, 17, 63}, seal6(udp(53, 40000, kData), 17, kServer6, ll6)));
    o = run_xlat(f.t, udp6_from(ll6, kServer6));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv4({ll4, kServer4, 17, 63, 0, test_id()}, seal4(udp(40000, 53, kData), 17, ll4, kServer4)));

    const Ipv4Addr other = v4("169.254.2.2");
    o = run_xlat(f.t, udp4_from(kServer4, other));
    CHECK(drops(o, Reason::ReservedDestination) == 1);
    o = run_xlat(f.t, udp4_from(other, kHost4));
    CHECK(drops(o, Reason::IllegalSource) == 1);
    o = run_xlat(f.t, udp6_from(kHost6, v6("3fff:6464::a9fe:202")));
    CHECK(drops(o, Reason::ReservedDestination) == 1);
    CHECK(o.counters.icmp_errors_sent == 0);
}

// ---- The well-known prefix ----

TEST_CASE("RFC 6052 §3.1: WKP destination with a non-global IPv4 address -> ICMPv6 1/0, source -> 1/5", "[xlat][wkp]") {
    Fixture f(wkp_config());
    const Ipv6Addr private6 = v6("64:ff9b::a00:1");     // 10.0.0.1
    const Ipv6Addr global6 = v6("64:ff9b::c058:6301");  // 192.88.99.1: global
    Bytes in = udp6_from(kHost6, private6);
    auto o = run_xlat(f.t, in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, reply6(kXlat6Own, kHost6, 1, 0, 0, in));
    CHECK(drops(o, Reason::WkpNonGlobal) == 1);
    in = udp6_from(private6, global6);
    o = run_xlat(f.t, in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, reply6(kXlat6Own, private6, 1, 5, 0, in));
    CHECK(drops(o, Reason::WkpNonGlobal) == 1);
}

TEST_CASE("RFC 6052 §3.1: TAYGA's non-global list; 192.0.0.0/29 (RFC 7335) and 192.88.99.0/24 are translated",
          "[xlat][wkp]") {
    Fixture f(wkp_config());
    for (const char* a : {"192.0.0.2", "192.88.99.1", "100.63.255.255", "172.32.0.1"}) {
        INFO(a);
        const Ipv4Addr d4 = v4(a);
        const Ipv6Addr d6 = addr_embed_wkp(d4);
        const auto o = run_xlat(f.t, udp6_from(kHost6, d6));
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, ipv4({kHost4, d4, 17, 63, 0, test_id()}, seal4(udp(40000, 53, kData), 17, kHost4, d4)));
    }
    for (const char* a : {"10.1.2.3", "100.64.0.1", "172.16.0.1", "192.0.2.33", "192.168.1.1", "198.18.0.1",
                          "198.51.100.1", "203.0.113.1"}) {
        INFO(a);
        CHECK(drops(run_xlat(f.t, udp6_from(kHost6, addr_embed_wkp(v4(a)))), Reason::WkpNonGlobal) == 1);
    }
}

TEST_CASE("RFC 6052 §3.1: a refused WKP destination costs the sender no pool lease (destination mapped first)",
          "[xlat][wkp][pool]") {
    Fixture f(wkp_config(), "203.0.113.128/25");
    const Ipv6Addr unmapped = v6("2001:db8::69");
    const auto o = run_xlat(f.t, udp6_from(unmapped, v6("64:ff9b::a00:1")));
    REQUIRE(o.verdict == Verdict::IcmpError);
    CHECK(drops(o, Reason::WkpNonGlobal) == 1);
    CHECK(f.pool->leases().empty());
    // A destination that maps does lease.
    REQUIRE(run_xlat(f.t, udp6_from(unmapped, v6("64:ff9b::c058:6301"))).verdict == Verdict::Forward);
    CHECK(f.pool->leases().size() == 1);
}

// ---- Protocols of outer and quoted packets ----

TEST_CASE("RFC 7915 §5.1: an IPv6 packet with Next Header 1 (ICMPv4) is dropped", "[xlat][6to4]") {
    const Bytes echo4 = seal4(icmp_echo(8, 1, 1, kData), 1, kHost4, kServer4);
    const auto o = run_xlat(default_tables(), ipv6({kHost6, kServer6, 1}, echo4));
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::Icmpv4InIpv6) == 1);
    CHECK(o.counters.icmp_errors_sent == 0);
}

TEST_CASE("RFC 7915 §5.3: an ICMPv6 error quoting an IPv6 packet with Next Header 1 is dropped",
          "[xlat][6to4][icmp][inner]") {
    const Bytes echo4 = seal4(icmp_echo(8, 1, 1, kData), 1, kServer4, kHost4);
    const Bytes quoted = ipv6({kServer6, kHost6, 1, 20}, echo4);
    const Bytes err =
        ipv6({kRouter6Native, kServer6, 58}, seal6(icmp_msg(1, 3, 0, quoted), 58, kRouter6Native, kServer6));
    const auto o = run_xlat(default_tables(), err);
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::Icmpv4InIpv6) == 1);
}

TEST_CASE("RFC 7915 §4.3: an ICMPv4 error quoting an IPv6-only protocol (0, 43, 44, 58, 60) is dropped",
          "[xlat][4to6][icmp][inner]") {
    for (const std::uint8_t proto : std::initializer_list<std::uint8_t>{0, 43, 44, 58, 60}) {
        INFO(int{proto});
        const Bytes quoted = ipv4({kHost4, kServer4, proto, 20}, Bytes(8, 0x11));
        const Bytes err = ipv4({kRouter4, kHost4, 1}, seal4(icmp_msg(3, 1, 0, quoted), 1, kRouter4, kHost4));
        const auto o = run_xlat(default_tables(), err);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, Reason::Ipv6OnlyProtocol) == 1);
    }
}

TEST_CASE("RFC 7915 §4.1: an ICMPv4 error from 0/8 or 127/8 is still translated, from ipv6-addr (traceroute)",
          "[xlat][4to6][icmp]") {
    for (const char* a : {"127.0.0.1", "0.0.0.0"}) {
        INFO(a);
        const Ipv4Addr r4 = v4(a);
        const Bytes in = ipv4({r4, kHost4, 1, 64}, seal4(icmp_msg(11, 0, 0, quoted_udp4()), 1, r4, kHost4));
        const auto o = run_xlat(default_tables(), in);
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out,
                      ipv6({kXlat6, kHost6, 58, 63}, seal6(icmp_msg(3, 0, 0, quoted_udp6()), 58, kXlat6, kHost6)));
    }
    // Not a multicast or broadcast source, nor anything but an ICMP error.
    const Ipv4Addr m4 = v4("224.0.0.1");
    auto o =
        run_xlat(default_tables(), ipv4({m4, kHost4, 1, 64}, seal4(icmp_msg(11, 0, 0, quoted_udp4()), 1, m4, kHost4)));
    CHECK(drops(o, Reason::IllegalSource) == 1);
    o = run_xlat(default_tables(), udp4_from(v4("127.0.0.1"), kHost4));
    CHECK(drops(o, Reason::IllegalSource) == 1);
}

// ---- The translator's own addresses ----

TEST_CASE("RFC 1122 §3.2.2.1: a non-ICMP packet to ipv4-addr gets ICMPv4 3/2 (protocol unreachable)", "[xlat][local]") {
    const Bytes in = udp4_from(kServer4, kXlat4);
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out,
                  ipv4({kXlat4, kServer4, 1, 64, 0, test_id()}, seal4(icmp_msg(3, 2, 0, in), 1, kXlat4, kServer4)));
    CHECK(drops(o, Reason::ProtocolUnreachable) == 1);
    CHECK(o.event.kind == xlat::EventKind::Self);
}

TEST_CASE("RFC 8200 §4: a non-ICMPv6 packet to ipv6-addr gets ICMPv6 4/1 pointing at its Next Header field",
          "[xlat][local]") {
    Bytes in = udp6_from(kHost6, kXlat6);
    auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, reply6(kXlat6, kHost6, 4, 1, 6, in));
    CHECK(drops(o, Reason::ProtocolUnreachable) == 1);
    // Behind a Destination Options header, the field is that header's first byte.
    const Bytes dst_opts{6, 0, 1, 4, 0, 0, 0, 0};
    in = ipv6({kHost6, kXlat6, 60}, cat(dst_opts, seal6(tcp(1, 2, 3, 2, {}), 6, kHost6, kXlat6)));
    o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, reply6(kXlat6, kHost6, 4, 1, 40, in));
}

// ---- IPv4 Identification (RFC 6864) ----

TEST_CASE("SipHash-2-4 reference vector (key 00..0f, message 00..07)", "[xlat][id]") {
    CHECK(xlat::siphash24(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, 0x0706050403020100ULL) ==
          0x93f5f5799a932462ULL);
}

TEST_CASE("RFC 6864 §4.3 RFC 7739 §5: the keyed generator's first IDs under the test key", "[xlat][id]") {
    // Computed independently (a Python model of the Feistel network over
    // the same SipHash-2-4 tables), not with the code under test.
    xlat::Ipv4IdGenerator g;
    g.seed(kTestIdKey);
    CHECK(g.next() == 0xf61f);
    CHECK(g.next() == 0x6a80);
    CHECK(g.next() == 0x83b2);
    CHECK(g.next() == 0x2d9e);
}

TEST_CASE("RFC 6864 §4.3: within a cycle of the counter no ID repeats, and 0 never appears", "[xlat][id]") {
    xlat::Ipv4IdGenerator g;
    g.seed(kTestIdKey, 0x8000);
    std::vector<bool> seen(65536, false);
    for (int i = 0; i < 65535; ++i) {
        const std::uint16_t id = g.next();
        REQUIRE(id != 0);
        REQUIRE_FALSE(seen[id]);
        seen[id] = true;
    }
    // The next cycle is another permutation (fresh round tables).
    xlat::Ipv4IdGenerator first;
    first.seed(kTestIdKey, 0x8000);
    std::vector<std::uint16_t> a, b;
    for (int i = 0; i < 8; ++i) a.push_back(first.next());
    for (int i = 0; i < 8; ++i) b.push_back(g.next());
    CHECK(a != b);
}

TEST_CASE("RFC 7739 §5: another key gives another sequence", "[xlat][id]") {
    xlat::Ipv4IdGenerator g1, g2;
    xlat::Ipv4IdGenerator::Key other = kTestIdKey;
    other[15] ^= 1;
    g1.seed(kTestIdKey);
    g2.seed(other);
    std::vector<std::uint16_t> a, b;
    for (int i = 0; i < 4; ++i) {
        a.push_back(g1.next());
        b.push_back(g2.next());
    }
    CHECK(a != b);
}

TEST_CASE("RFC 6864 §4.1 §4.3 RFC 7915 §5.1: DF=1 translations carry ID 0, DF=0 ones take the generator's next",
          "[xlat][6to4][id]") {
    const auto t = default_tables();
    auto ctx = test_context();
    auto o = run_xlat_ctx(t, *ctx, udp6_from(kHost6, kServer6));
    require_bytes(o.out,
                  ipv4({kHost4, kServer4, 17, 63, 0, 0xf61f}, seal4(udp(40000, 53, kData), 17, kHost4, kServer4)));
    o = run_xlat_ctx(t, *ctx, udp6_from(kHost6, kServer6));
    require_bytes(o.out,
                  ipv4({kHost4, kServer4, 17, 63, 0, 0x6a80}, seal4(udp(40000, 53, kData), 17, kHost4, kServer4)));
    const Bytes big(1300, 0x42);  // 20 + 8 + 1300 > 1260: DF=1
    o = run_xlat_ctx(t, *ctx, udp6_from(kHost6, kServer6, big));
    require_bytes(o.out,
                  ipv4({kHost4, kServer4, 17, 63, 0, 0, true}, seal4(udp(40000, 53, big), 17, kHost4, kServer4)));
    o = run_xlat_ctx(t, *ctx, udp6_from(kHost6, kServer6));
    require_bytes(o.out,
                  ipv4({kHost4, kServer4, 17, 63, 0, 0x83b2}, seal4(udp(40000, 53, kData), 17, kHost4, kServer4)));
}

// ---- udp-cksum-mode from IPv6 to IPv4 ----

TEST_CASE("RFC 7915 §4.5 RFC 8200 §8.1: IPv6 UDP with checksum 0 per udp-cksum-mode, 6to4", "[xlat][6to4][udp]") {
    const Bytes seg = udp(40000, 53, kData);  // checksum left 0: illegal in IPv6
    const Bytes in = ipv6({kHost6, kServer6, 17}, seg);
    SECTION("drop (default)") {
        const auto o = run_xlat(default_tables(UdpCksumMode::Drop), in);
        CHECK(o.verdict == Verdict::Drop);
        CHECK(drops(o, Reason::UdpZeroChecksum) == 1);
    }
    SECTION("fwd passes it with checksum 0") {
        const auto o = run_xlat(default_tables(UdpCksumMode::Forward), in);
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, ipv4({kHost4, kServer4, 17, 63, 0, test_id()}, seg));
    }
    SECTION("calc computes the IPv4 UDP checksum") {
        const auto o = run_xlat(default_tables(UdpCksumMode::Calc), in);
        REQUIRE(o.verdict == Verdict::Forward);
        require_bytes(o.out, ipv4({kHost4, kServer4, 17, 63, 0, test_id()}, seal4(seg, 17, kHost4, kServer4)));
    }
}

TEST_CASE("RFC 7915 §4.5: a zero-checksum first fragment is never checksummed from the fragment alone, both ways",
          "[xlat][udp][frag]") {
    const Bytes seg = udp(40000, 53, Bytes(16, 0x33));  // checksum 0, the datagram continues in another fragment
    const Bytes in6 = ipv6({kHost6, kServer6, 44}, cat(frag_hdr(17, 0, true, 0xabcd0042), seg));
    const Bytes in4 = ipv4({kServer4, kHost4, 17, 64, 0, 0x42, false, true}, seg);
    for (const auto mode : {UdpCksumMode::Drop, UdpCksumMode::Calc}) {
        const auto o6 = run_xlat(default_tables(mode), in6);
        CHECK(o6.verdict == Verdict::Drop);
        CHECK(drops(o6, mode == UdpCksumMode::Drop ? Reason::UdpZeroChecksum : Reason::UdpZeroChecksumFragment) == 1);
        const auto o4 = run_xlat(default_tables(mode), in4);
        CHECK(o4.verdict == Verdict::Drop);
        CHECK(drops(o4, mode == UdpCksumMode::Drop ? Reason::UdpZeroChecksum : Reason::UdpZeroChecksumFragment) == 1);
    }
    auto o = run_xlat(default_tables(UdpCksumMode::Forward), in6);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv4({kHost4, kServer4, 17, 63, 0, 0x0042, false, true, 0}, seg));
    o = run_xlat(default_tables(UdpCksumMode::Forward), in4);
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, ipv6({kServer6, kHost6, 44, 63}, cat(frag_hdr(17, 0, true, 0x42), seg)));
}
