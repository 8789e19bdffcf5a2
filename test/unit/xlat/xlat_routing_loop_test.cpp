// Routing loops and deny4 (docs/rfc-compliance.md, "Routing loops"): a
// destination that no map, lease or own address claims, translated through
// the prefix, while the kernel routes the translation back into the TUN
// device, gets ICMPv4 3/1 / ICMPv6 1/3 and Reason::UnmappedDestination
// instead of a translation; the legitimate cases (CLAT, SIIT hosts with
// prefix-embedded addresses, RFC 7757 §4.2 hairpinning, the translator's
// own addresses) still translate. Expected packets are built from scratch.
#include <catch2/catch.hpp>

#include <memory>

#include "addr/dynamic_pool.hpp"
#include "addr/rfc6052.hpp"
#include "daemon/tables_builder.hpp"
#include "fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000;
const Ipv6Addr kXlat6Own = v6("2001:db8:64::1");  // ipv6-addr, outside the prefix
const Ipv4Addr kUnmapped4 = v4("198.51.100.50");  // inside the routed /24, no map, not in the pool
const Ipv6Addr kUnmapped6 = v6("3fff:6464::c633:6432");
const Ipv4Addr kPoolFree4 = v4("198.51.100.70");  // in the pool, no lease
const Ipv4Addr kClient4 = v4("203.0.113.5");      // an IPv4 host
const Ipv6Addr kClient4via6 = v6("3fff:6464::cb00:7105");

addr::KernelRoute route4(const char* prefix, bool into_tun) {
    addr::KernelRoute r;
    r.v4 = p4(prefix);
    r.into_tun = into_tun;
    return r;
}
addr::KernelRoute route6(const char* prefix, bool into_tun) {
    addr::KernelRoute r;
    r.is_v6 = true;
    r.v6 = p6(prefix);
    r.into_tun = into_tun;
    r.priority = 1024;
    return r;
}

// A NAT64 as deployed: 198.51.100.0/24 routed into the device, of which
// 198.51.100.10 is mapped (EAM) and 198.51.100.64/26 is the dynamic pool;
// the prefix and ipv4-addr routed into the device, ipv6-addr too.
std::vector<addr::KernelRoute> nat64_routes() {
    return {route4("0.0.0.0/0", false), route4("198.51.100.0/24", true), route4("192.0.2.1/32", true),
            route6("::/0", false),      route6("3fff:6464::/96", true),  route6("2001:db8:64::1/128", true)};
}

Config nat64_config() {
    Config cfg;
    cfg.prefix = p6("3fff:6464::/96");
    cfg.ipv4_addr = kXlat4;
    cfg.ipv6_addr = kXlat6Own;
    cfg.maps.push_back(MapEntry{p4("198.51.100.10/32"), p6("2001:db8::10/128"), {}});
    return cfg;
}

struct Fixture {
    std::unique_ptr<addr::DynamicPool> pool;
    xlat::Tables t;

    explicit Fixture(const Config& cfg, const std::vector<addr::KernelRoute>& routes, bool with_pool = true)
        : t(nat64d::daemon::build_tables(cfg).value()) {
        t.ipv4_mtu = t.ipv6_mtu = 1500;
        t.routes = std::make_shared<const addr::RouteView>(addr::RouteView::build(routes));
        if (with_pool) pool = attach_pool(t, cfg, p4("198.51.100.64/26"), kT0);
    }
};

Bytes udp4_to(const Ipv4Addr& s, const Ipv4Addr& d, std::uint8_t ttl = 64) {
    return ipv4({s, d, 17, ttl}, seal4(udp(40000, 53, kData), 17, s, d));
}
Bytes udp6_to(const Ipv6Addr& s, const Ipv6Addr& d, std::uint8_t hop = 64) {
    return ipv6({s, d, 17, hop}, seal6(udp(40000, 53, kData), 17, s, d));
}
// The translator's own errors: from ipv4-addr with the first generated ID,
// from ipv6-addr.
Bytes error4(std::uint8_t type, std::uint8_t code, const Bytes& quoted, const Ipv4Addr& to) {
    return ipv4({kXlat4, to, 1, 64, 0, test_id()}, seal4(icmp_msg(type, code, 0, quoted), 1, kXlat4, to));
}
Bytes error6(std::uint8_t type, std::uint8_t code, const Bytes& quoted, const Ipv6Addr& to) {
    return ipv6({kXlat6Own, to, 58, 64}, seal6(icmp_msg(type, code, 0, quoted), 58, kXlat6Own, to));
}

Ipv4Addr dst4_of(const Bytes& p) {
    return Ipv4Addr{{p[16], p[17], p[18], p[19]}};
}
Ipv6Addr dst6_of(const Bytes& p) {
    Ipv6Addr a;
    std::copy(p.begin() + 24, p.begin() + 40, a.bytes.begin());
    return a;
}

// The kernel's side of the loop: what the translator writes is routed back
// into the device while its destination is routed there. Returns how many
// times the packet was translated (at most `bound` passes).
int passes_through_device(const xlat::Tables& t, const addr::RouteView& kernel, const Bytes& first, int bound = 300) {
    auto ctx = test_context();
    Bytes pkt = first;
    int translations = 0;
    for (int i = 0; i < bound; ++i) {
        const auto o = run_xlat_ctx(t, *ctx, pkt);
        if (o.verdict != Verdict::Forward) break;
        ++translations;
        const bool v6 = (o.out[0] >> 4) == 6;
        if (v6 ? !kernel.into_tun(dst6_of(o.out)) : !kernel.into_tun(dst4_of(o.out))) break;
        pkt = o.out;
    }
    return translations;
}

}  // namespace

TEST_CASE("RFC 1812 §5.2.7.1: IPv4 to an unmapped address routed into the device -> ICMPv4 3/1, not translated",
          "[xlat][4to6][loop]") {
    Fixture f(nat64_config(), nat64_routes());
    const Bytes in = udp4_to(kClient4, kUnmapped4);
    const auto o = run_xlat(f.t, in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, error4(3, 1, in, kClient4));
    CHECK(drops(o, Reason::UnmappedDestination) == 1);
    CHECK(o.counters.packets_4to6 == 0);
    CHECK(o.counters.icmp_errors_sent == 1);
}

TEST_CASE("RFC 4443 §3.1: IPv6 to the prefix image of an unmapped address routed into the device -> ICMPv6 1/3",
          "[xlat][6to4][loop]") {
    Fixture f(nat64_config(), nat64_routes());
    const Bytes in = udp6_to(kHost6, kUnmapped6);
    const auto o = run_xlat(f.t, in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, error6(1, 3, in, kHost6));
    CHECK(drops(o, Reason::UnmappedDestination) == 1);
    CHECK(o.counters.packets_6to4 == 0);
    // The destination is refused before the source is mapped: no lease.
    const Bytes from_new_host = udp6_to(v6("2001:db8:99::1"), kUnmapped6);
    CHECK(run_xlat(f.t, from_new_host).verdict == Verdict::IcmpError);
    CHECK(f.pool->leases().empty());
}

TEST_CASE("RFC 4443 §3.1: an IPv6 packet to a pool address without a lease -> ICMPv6 1/3, not sent out as IPv4",
          "[xlat][6to4][loop][pool]") {
    Fixture f(nat64_config(), nat64_routes());
    const Bytes in = udp6_to(kHost6, addr::embed(p6("3fff:6464::/96"), kPoolFree4));
    const auto o = run_xlat(f.t, in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, error6(1, 3, in, kHost6));
    CHECK(drops(o, Reason::UnmappedDestination) == 1);
}

TEST_CASE("Routing loop: without the check the packet circles until its TTL runs out (TAYGA); with it, never",
          "[xlat][loop]") {
    const auto kernel = addr::RouteView::build(nat64_routes());
    Fixture checked(nat64_config(), nat64_routes());
    Fixture unchecked(nat64_config(), nat64_routes());
    unchecked.t.routes.reset();  // no route snapshot: the translator cannot tell
    // TTL 64: 4->6 and 6->4 take one each until TTL 1 draws Time Exceeded.
    CHECK(passes_through_device(unchecked.t, kernel, udp4_to(kClient4, kUnmapped4)) == 63);
    CHECK(passes_through_device(unchecked.t, kernel, udp6_to(kHost6, kUnmapped6)) == 63);
    CHECK(passes_through_device(checked.t, kernel, udp4_to(kClient4, kUnmapped4)) == 0);
    CHECK(passes_through_device(checked.t, kernel, udp6_to(kHost6, kUnmapped6)) == 0);
}

TEST_CASE("Routing loop: ICMP errors to an unmapped destination are dropped, counted, never answered",
          "[xlat][loop][errors]") {
    Fixture f(nat64_config(), nat64_routes());
    // RFC 1812 §4.3.2.7: no error about an ICMP error.
    const Bytes err4 = ipv4({kClient4, kUnmapped4, 1, 64},
                            seal4(icmp_msg(3, 3, 0, udp4_to(kUnmapped4, kClient4, 20)), 1, kClient4, kUnmapped4));
    const auto o = run_xlat(f.t, err4);
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::UnmappedDestination) == 1);
    CHECK(o.counters.icmp_errors_sent == 0);
}

TEST_CASE("Routing loop: the errors go through the per-destination rate limit (RFC 4443 §2.4(f))", "[xlat][loop]") {
    Fixture f(nat64_config(), nat64_routes());
    f.t.icmp_rate = 10;
    f.t.icmp_burst = 5;
    auto ctx = test_context();
    ctx->now_ms = 1000;
    int errors = 0;
    for (int i = 0; i < 50; ++i) {
        if (run_xlat_ctx(f.t, *ctx, udp4_to(kClient4, kUnmapped4)).verdict == Verdict::IcmpError) ++errors;
    }
    CHECK(errors == 5);
    CHECK(ctx->counters.drops[static_cast<std::size_t>(Reason::UnmappedDestination)] == 50);
    CHECK(ctx->counters.icmp_errors_rate_limited == 45);
    CHECK(ctx->counters.packets_4to6 == 0);
}

TEST_CASE("Routing loop, legitimate: 464XLAT CLAT (RFC 6877), IPv4 default into the device, PLAT prefix routed out",
          "[xlat][loop][clat]") {
    Config cfg;
    cfg.prefix = p6("3fff:6464::/96");  // the PLAT's prefix
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("2001:db8:464::1");
    cfg.maps.push_back(MapEntry{p4("192.0.2.0/28"), p6("2001:db8:464::100/124"), {}});  // the CLAT's LAN
    Fixture f(cfg,
              {route4("0.0.0.0/0", true), route4("192.0.2.0/28", false), route6("::/0", false),
               route6("2001:db8:464::100/124", true), route6("2001:db8:464::1/128", true)},
              /*with_pool=*/false);
    const Ipv4Addr lan = v4("192.0.2.5");
    const Ipv6Addr lan6 = v6("2001:db8:464::105");
    const auto out = run_xlat(f.t, udp4_to(lan, kClient4));
    REQUIRE(out.verdict == Verdict::Forward);
    require_bytes(out.out, udp6_to(lan6, kClient4via6, 63));
    const auto back = run_xlat(f.t, udp6_to(kClient4via6, lan6));
    REQUIRE(back.verdict == Verdict::Forward);
    require_bytes(back.out,
                  ipv4({kClient4, lan, 17, 63, 0, test_id()}, seal4(udp(40000, 53, kData), 17, kClient4, lan)));
}

TEST_CASE("Routing loop, legitimate: SIIT, IPv6 hosts holding prefix-embedded addresses behind a longer route",
          "[xlat][loop][siit]") {
    // The prefix is routed into the device; the data centre's IPv6 hosts
    // 3fff:6464::c633:6400/120 (IPv4-translatable, RFC 6052) elsewhere.
    Fixture f(
        nat64_config(),
        {route4("198.51.100.0/24", true), route6("3fff:6464::/96", true), route6("3fff:6464::c633:6400/120", false)},
        /*with_pool=*/false);
    const auto o = run_xlat(f.t, udp4_to(kClient4, kUnmapped4));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, udp6_to(kClient4via6, kUnmapped6, 63));
    // The reply from the IPv6 host goes out as IPv4 (203.0.113.5 is not routed in).
    const auto r = run_xlat(f.t, udp6_to(kUnmapped6, kClient4via6));
    REQUIRE(r.verdict == Verdict::Forward);
}

TEST_CASE("Routing loop, legitimate: RFC 7757 §4.2.2 hairpinning to a map and to a lease", "[xlat][loop][hairpin]") {
    Fixture f(nat64_config(), nat64_routes());
    const Ipv6Addr other = v6("2001:db8:99::1");
    // Lease for `other` (its first packet out).
    REQUIRE(run_xlat(f.t, udp6_to(other, kClient4via6)).verdict == Verdict::Forward);
    REQUIRE(f.pool->leases().size() == 1);
    const Ipv4Addr leased = f.pool->leases().front().v4;
    const auto to_map = run_xlat(f.t, udp6_to(other, v6("3fff:6464::c633:640a")));
    REQUIRE(to_map.verdict == Verdict::Forward);
    require_bytes(to_map.out, udp6_to(addr::embed(p6("3fff:6464::/96"), leased), kHost6, 63));
    const auto to_lease = run_xlat(f.t, udp6_to(kHost6, addr::embed(p6("3fff:6464::/96"), leased)));
    REQUIRE(to_lease.verdict == Verdict::Forward);
    require_bytes(to_lease.out, udp6_to(v6("3fff:6464::c633:640a"), other, 63));
    CHECK(to_lease.counters.hairpinned == 1);
}

TEST_CASE("Routing loop, legitimate: with hairpinning off, a mapped destination goes out as IPv4 (kernel hairpin)",
          "[xlat][loop][hairpin]") {
    Fixture f(nat64_config(), nat64_routes(), /*with_pool=*/false);
    f.t.hairpin = false;
    const Ipv6Addr other = v6("3fff:6464::cb00:7105");
    const auto o = run_xlat(f.t, udp6_to(other, v6("3fff:6464::c633:640a")));
    REQUIRE(o.verdict == Verdict::Forward);
    const Ipv4Addr mapped = v4("198.51.100.10");
    require_bytes(o.out,
                  ipv4({kClient4, mapped, 17, 63, 0, test_id()}, seal4(udp(40000, 53, kData), 17, kClient4, mapped)));
}

TEST_CASE("Routing loop, legitimate: the translator's own addresses answer", "[xlat][loop][self]") {
    Fixture f(nat64_config(), nat64_routes());
    // An IPv6 ping to the prefix image of ipv4-addr leaves as IPv4 to
    // 192.0.2.1 (routed into the device, answered on the next pass).
    const Bytes ping6 = ipv6({kHost6, v6("3fff:6464::c000:201"), 58, 64},
                             seal6(icmp_echo(128, 7, 1, kData), 58, kHost6, v6("3fff:6464::c000:201")));
    const auto o = run_xlat(f.t, ping6);
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(dst4_of(o.out) == kXlat4);
    const auto reply = run_xlat(f.t, o.out);
    CHECK(reply.verdict == Verdict::Local);
    // IPv4 ping to ipv4-addr (whose prefix image, the default ipv6-addr,
    // is routed into the device): answered, never translated.
    CHECK(
        run_xlat(f.t, ipv4({kClient4, kXlat4, 1, 64}, seal4(icmp_echo(8, 7, 1, kData), 1, kClient4, kXlat4))).verdict ==
        Verdict::Local);
}

TEST_CASE("Routing loop: what decides is where the translation is routed, not how the packet came in", "[xlat][loop]") {
    Fixture f(nat64_config(), nat64_routes());
    // 198.51.101.50 is outside the routed /24 (the packet came by policy
    // routing, say), but its prefix image is routed into the device: the
    // translator would only hand the packet back to itself. Refused.
    const Bytes in = udp4_to(kClient4, v4("198.51.101.50"));
    const auto o = run_xlat(f.t, in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    require_bytes(o.out, error4(3, 1, in, kClient4));
    // IPv6 to an IPv4 server on the Internet (routed out): the normal case.
    const auto s = run_xlat(f.t, udp6_to(kHost6, kClient4via6));
    REQUIRE(s.verdict == Verdict::Forward);
    require_bytes(s.out,
                  ipv4({kHost4, kClient4, 17, 63, 0, test_id()}, seal4(udp(40000, 53, kData), 17, kHost4, kClient4)));
    CHECK(drops(s, Reason::UnmappedDestination) == 0);
}

// ---- deny4 (Jool's denylist4) ----

TEST_CASE("deny4: a denied IPv4 destination -> ICMPv4 3/1 / ICMPv6 1/3, unmapped-destination, without routes",
          "[xlat][deny4]") {
    Config cfg = nat64_config();
    cfg.deny4 = {p4("203.0.113.8/29")};
    Fixture f(cfg, {}, false);
    f.t.routes.reset();
    const Ipv4Addr denied = v4("203.0.113.9");
    const Bytes in4 = udp4_to(kClient4, denied);
    const auto o4 = run_xlat(f.t, in4);
    REQUIRE(o4.verdict == Verdict::IcmpError);
    require_bytes(o4.out, error4(3, 1, in4, kClient4));
    CHECK(drops(o4, Reason::UnmappedDestination) == 1);
    const Bytes in6 = udp6_to(kHost6, v6("3fff:6464::cb00:7109"));
    const auto o6 = run_xlat(f.t, in6);
    REQUIRE(o6.verdict == Verdict::IcmpError);
    require_bytes(o6.out, error6(1, 3, in6, kHost6));
    CHECK(drops(o6, Reason::UnmappedDestination) == 1);
    // Next to it, not denied.
    CHECK(run_xlat(f.t, udp4_to(kClient4, v4("203.0.113.16"))).verdict == Verdict::Forward);
}

TEST_CASE("deny4: a denied source -> ICMPv4 3/13 / ICMPv6 1/5 (RFC 4443 §3.1 source policy)", "[xlat][deny4]") {
    Config cfg = nat64_config();
    cfg.deny4 = {p4("203.0.113.8/29")};
    Fixture f(cfg, {}, false);
    const Bytes in4 = udp4_to(v4("203.0.113.9"), kHost4);
    const auto o4 = run_xlat(f.t, in4);
    REQUIRE(o4.verdict == Verdict::IcmpError);
    require_bytes(o4.out, error4(3, 13, in4, v4("203.0.113.9")));
    CHECK(drops(o4, Reason::SrcUnmappable4) == 1);
    // An IPv6 source that stands for the denied 203.0.113.9.
    const Bytes in6 = udp6_to(v6("3fff:6464::cb00:7109"), kClient4via6);
    const auto o6 = run_xlat(f.t, in6);
    REQUIRE(o6.verdict == Verdict::IcmpError);
    require_bytes(o6.out, error6(1, 5, in6, v6("3fff:6464::cb00:7109")));
    CHECK(drops(o6, Reason::SrcUnmappable6) == 1);
}

TEST_CASE("deny4: maps and leases win over deny4; only prefix translation is denied", "[xlat][deny4]") {
    Config cfg = nat64_config();
    cfg.deny4 = {p4("198.51.100.0/24")};
    Fixture f(cfg, nat64_routes());
    // The EAM host is still reachable from IPv4 ...
    const auto o = run_xlat(f.t, udp4_to(kClient4, kHost4));
    REQUIRE(o.verdict == Verdict::Forward);
    require_bytes(o.out, udp6_to(kClient4via6, kHost6, 63));
    // ... but its prefix image is not a way in (the denied /24).
    const Bytes in = udp6_to(v6("2001:db8:99::1"), v6("3fff:6464::c633:640a"));
    const auto h = run_xlat(f.t, in);
    REQUIRE(h.verdict == Verdict::IcmpError);
    CHECK(drops(h, Reason::UnmappedDestination) == 1);
}

TEST_CASE("deny4: an ICMP error quoting a denied address is not translated (inner-unmappable)", "[xlat][deny4][icmp]") {
    Config cfg = nat64_config();
    cfg.deny4 = {p4("203.0.113.8/29")};
    Fixture f(cfg, {}, false);
    // A router 192.0.2.99 reports a packet 198.51.100.10 -> 203.0.113.9.
    const Bytes quoted = udp4_to(kHost4, v4("203.0.113.9"), 1);
    const Bytes in =
        ipv4({v4("192.0.2.99"), kHost4, 1, 64}, seal4(icmp_msg(11, 0, 0, quoted), 1, v4("192.0.2.99"), kHost4));
    const auto o = run_xlat(f.t, in);
    CHECK(o.verdict == Verdict::Drop);
    CHECK(drops(o, Reason::InnerUnmappable) == 1);
}
