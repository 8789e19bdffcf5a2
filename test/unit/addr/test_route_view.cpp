// RouteView: which destinations the kernel routes into the TUN device (the
// routing loop check), and PrefixSet4 (deny4).
#include <catch2/catch.hpp>

#include "support/addrs.hpp"

#include <vector>

#include "addr/route_view.hpp"

using nat64d::addr::KernelRoute;
using nat64d::addr::PrefixSet4;
using nat64d::addr::RouteView;
using nat64d::test::p4;
using nat64d::test::p6;
using nat64d::test::v4;
using nat64d::test::v6;

namespace {

KernelRoute route4(const char* prefix, bool into_tun, std::uint32_t priority = 0, bool local = false) {
    KernelRoute r;
    r.v4 = p4(prefix);
    r.into_tun = into_tun;
    r.priority = priority;
    r.local_table = local;
    return r;
}

KernelRoute route6(const char* prefix, bool into_tun, std::uint32_t priority = 1024) {
    KernelRoute r;
    r.is_v6 = true;
    r.v6 = p6(prefix);
    r.into_tun = into_tun;
    r.priority = priority;
    return r;
}

}  // namespace

TEST_CASE("RouteView: NAT64, the pool's /24 and the prefix routed into the device", "[addr][route]") {
    const auto view =
        RouteView::build({route4("0.0.0.0/0", false), route4("198.51.100.0/24", true), route4("192.0.2.0/24", false),
                          route6("::/0", false), route6("3fff:6464::/96", true), route6("2001:db8::/64", false)});
    CHECK(view.into_tun(v4("198.51.100.50")));
    CHECK(view.into_tun(v4("198.51.100.255")));
    CHECK_FALSE(view.into_tun(v4("198.51.101.1")));
    CHECK_FALSE(view.into_tun(v4("192.0.2.1")));
    CHECK(view.into_tun(v6("3fff:6464::c633:6432")));
    CHECK_FALSE(view.into_tun(v6("3fff:6465::1")));
    CHECK_FALSE(view.into_tun(v6("2001:db8::1")));
    // Only the routes into the device and the holes in them are kept: the
    // default routes and 192.0.2.0/24 cannot change an answer.
    CHECK(view.size4() == 1);
    CHECK(view.size6() == 1);
}

TEST_CASE("RouteView: CLAT, IPv4 default into the device, the PLAT prefix out via the uplink", "[addr][route]") {
    // 464XLAT customer side (RFC 6877): every IPv4 destination enters the
    // device, the PLAT prefix leaves by the uplink's IPv6 default route,
    // the LAN's IPv4 subnet is a hole in the IPv4 default.
    const auto view = RouteView::build({route4("0.0.0.0/0", true), route4("192.0.2.0/24", false), route6("::/0", false),
                                        route6("2001:db8:464::/128", true)});
    CHECK(view.into_tun(v4("203.0.113.5")));
    CHECK_FALSE(view.into_tun(v4("192.0.2.10")));
    CHECK_FALSE(view.into_tun(v6("64:ff9b::cb00:7105")));
    CHECK(view.into_tun(v6("2001:db8:464::")));
    CHECK(view.size4() == 2);
}

TEST_CASE("RouteView: SIIT, IPv4-translatable hosts punch a hole in the prefix route", "[addr][route]") {
    const auto view = RouteView::build({route6("2001:db8:46::/96", true), route6("2001:db8:46::c633:6400/120", false),
                                        route6("2001:db8:46::c633:6480/128", true)});
    CHECK(view.into_tun(v6("2001:db8:46::cb00:7101")));
    CHECK_FALSE(view.into_tun(v6("2001:db8:46::c633:6401")));
    // A longer route inside the hole goes back into the device.
    CHECK(view.into_tun(v6("2001:db8:46::c633:6480")));
}

TEST_CASE("RouteView: the local table and the lower metric win among equal prefixes", "[addr][route]") {
    const auto view = RouteView::build({route4("198.51.100.0/24", true), route4("198.51.100.1/32", true, 0),
                                        route4("198.51.100.1/32", false, 0, /*local=*/true),
                                        route4("198.51.100.2/32", true, 200), route4("198.51.100.2/32", false, 100),
                                        route4("198.51.100.3/32", false, 200), route4("198.51.100.3/32", true, 100)});
    CHECK_FALSE(view.into_tun(v4("198.51.100.1")));  // a local address is delivered, never looped
    CHECK_FALSE(view.into_tun(v4("198.51.100.2")));
    CHECK(view.into_tun(v4("198.51.100.3")));
    CHECK(view.into_tun(v4("198.51.100.4")));
}

TEST_CASE("RouteView: no route into the device answers no everywhere", "[addr][route]") {
    const auto view = RouteView::build({route4("0.0.0.0/0", false), route6("::/0", false)});
    CHECK_FALSE(view.into_tun(v4("198.51.100.50")));
    CHECK_FALSE(view.into_tun(v6("3fff:6464::c633:6432")));
    CHECK(view.kept().empty());
    CHECK_FALSE(RouteView{}.into_tun(v4("0.0.0.0")));
}

TEST_CASE("RouteView: snapshots of the same routes compare equal whatever the dump order", "[addr][route]") {
    const auto a = RouteView::build({route4("198.51.100.0/24", true), route4("198.51.100.128/25", false)});
    const auto b = RouteView::build({route4("198.51.100.128/25", false), route4("198.51.100.0/24", true)});
    const auto c = RouteView::build({route4("198.51.100.0/24", true)});
    CHECK(a.kept() == b.kept());
    CHECK_FALSE(a.kept() == c.kept());
}

TEST_CASE("PrefixSet4: longest-prefix membership (deny4)", "[addr][route]") {
    PrefixSet4 s;
    CHECK(s.empty());
    CHECK_FALSE(s.contains(v4("198.51.100.1")));
    s.add(p4("198.51.100.128/25"));
    s.add(p4("203.0.113.7/32"));
    CHECK_FALSE(s.empty());
    CHECK(s.contains(v4("198.51.100.128")));
    CHECK(s.contains(v4("198.51.100.255")));
    CHECK_FALSE(s.contains(v4("198.51.100.127")));
    CHECK(s.contains(v4("203.0.113.7")));
    CHECK_FALSE(s.contains(v4("203.0.113.6")));
    PrefixSet4 all;
    all.add(p4("0.0.0.0/0"));
    CHECK(all.contains(v4("192.0.2.1")));
}
