// netlink::Socket against the kernel, each case in its own fresh network
// namespace (support/netns.hpp), on a TUN device made with plain ioctls.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <unistd.h>

#include "netlink/netlink.hpp"
#include "support/netns.hpp"

namespace {

using nat64d::TunIp;
using nat64d::TunRoute;
using nat64d::netlink::Socket;
using nat64d::test::NetnsChecks;
using nat64d::test::raw_tun;
using nat64d::test::run_in_netns;

TunIp ip4(const char* addr, unsigned len) {
    TunIp ip;
    ip.v4 = *nat64d::parse_ipv4(addr);
    ip.prefix_len = len;
    return ip;
}

TunIp ip6(const char* addr, unsigned len) {
    TunIp ip;
    ip.is_v6 = true;
    ip.v6 = *nat64d::parse_ipv6(addr);
    ip.prefix_len = len;
    return ip;
}

TunRoute route4(const char* prefix) {
    TunRoute r;
    r.v4 = *nat64d::parse_prefix4(prefix);
    return r;
}

TunRoute route6(const char* prefix) {
    TunRoute r;
    r.is_v6 = true;
    r.v6 = *nat64d::parse_prefix6(prefix);
    return r;
}

bool has_address(const std::vector<TunIp>& list, const TunIp& ip) {
    return std::find(list.begin(), list.end(), ip) != list.end();
}

bool has_route(const std::vector<TunRoute>& list, const TunRoute& r) {
    return std::any_of(list.begin(), list.end(), [&](const TunRoute& x) {
        return x.is_v6 == r.is_v6 && (r.is_v6 ? x.v6 == r.v6 : x.v4 == r.v4);
    });
}

// A persistent multi-queue TUN device with no queue open, as --mktun leaves it.
void make_tun(NetnsChecks& c, const std::string& name) {
    const int fd = raw_tun(name, IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE, true);
    c.require(fd >= 0, "creating TUN " + name + ": " + std::strerror(errno));
    ::close(fd);
}

Socket open_socket(NetnsChecks& c) {
    auto sock = Socket::open();
    c.require_ok(sock, "Socket::open");
    return std::move(sock).value();
}

}  // namespace

TEST_CASE("netlink: ifindex of lo and of a missing interface", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        Socket sock = open_socket(c);
        auto lo = sock.ifindex("lo");
        // A new network namespace starts with lo alone, at index 1.
        if (c.expect_ok(lo, "ifindex(lo)")) c.expect(*lo == 1, "ifindex(lo) == 1");
        c.expect_error(sock.ifindex("nat64d-none"), "no such interface 'nat64d-none'", "ifindex(nat64d-none)");
        c.expect_error(sock.ifindex("abcdefghijklmnop"), "invalid interface name 'abcdefghijklmnop'",
                       "ifindex of a 16-character name");
        c.expect_error(sock.ifindex(""), "invalid interface name ''", "ifindex of an empty name");
    });
}

TEST_CASE("netlink: link_kind tells TUN devices from others", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64k");
        Socket sock = open_socket(c);
        auto tun = sock.link_kind("nat64k");
        if (c.expect_ok(tun, "link_kind(nat64k)")) c.expect(*tun == "tun", "kind of a TUN device is \"tun\": " + *tun);
        auto lo = sock.link_kind("lo");
        if (c.expect_ok(lo, "link_kind(lo)")) c.expect(lo->empty(), "kind of lo is empty: " + *lo);
        c.expect_error(sock.link_kind("nat64d-none"), "no such interface 'nat64d-none'", "link_kind(missing)");
    });
}

TEST_CASE("netlink: tun_info reports the TUN driver's IFLA_INFO_DATA", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64k");
        const int tayga = raw_tun("nat64g", IFF_TUN, true);  // TAYGA's --mktun: PI header, one queue
        c.require(tayga >= 0, std::string("TAYGA-style TUN: ") + std::strerror(errno));
        ::close(tayga);
        const int tap = raw_tun("nat64p", IFF_TAP | IFF_NO_PI, true);
        c.require(tap >= 0, std::string("TAP: ") + std::strerror(errno));
        ::close(tap);
        Socket sock = open_socket(c);

        auto mq = sock.tun_info("nat64k");
        if (c.expect_ok(mq, "tun_info(nat64k)")) {
            c.expect(!mq->tap && !mq->packet_info && mq->multi_queue && mq->persist, "nat64k: TUN, no PI, MQ, persist");
            c.expect(mq->queues == 0U && mq->disabled_queues == 0U, "nat64k: no queues attached");
        }
        // Two queues attached: the kernel counts them.
        const int q1 = raw_tun("nat64k", IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE, false);
        const int q2 = raw_tun("nat64k", IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE, false);
        c.require(q1 >= 0 && q2 >= 0, "attaching two queues");
        auto busy = sock.tun_info("nat64k");
        if (c.expect_ok(busy, "tun_info(nat64k) with queues")) c.expect(busy->queues == 2U, "2 queues attached");
        ::close(q1);
        ::close(q2);

        auto old = sock.tun_info("nat64g");
        if (c.expect_ok(old, "tun_info(nat64g)")) {
            c.expect(!old->tap && old->packet_info && !old->multi_queue && old->persist, "nat64g: TUN, PI, no MQ");
            c.expect(!old->queues && !old->disabled_queues, "no queue count for a single-queue device");
        }
        auto tapi = sock.tun_info("nat64p");
        if (c.expect_ok(tapi, "tun_info(nat64p)")) c.expect(tapi->tap, "nat64p is a TAP device");
        c.expect_error(sock.tun_info("lo"), "interface 'lo' is not a TUN/TAP device", "tun_info(lo)");
        c.expect_error(sock.tun_info("nat64d-none"), "no such interface 'nat64d-none'", "tun_info(missing)");

        // The raw request's trailing ACK is consumed: the next request gets
        // its own answer (a stale ACK would turn this refusal into success).
        c.expect_error_prefix(sock.set_mtu("nat64k", 10),
                              "interface 'nat64k': cannot set MTU 10: ", "set_mtu 10 right after tun_info");
        auto again = sock.tun_info("nat64k");
        c.expect_ok(again, "tun_info after an error");
        c.expect_ok(sock.set_mtu("nat64k", 1400), "set_mtu 1400 after tun_info");
        auto mtu = sock.mtu("nat64k");
        if (c.expect_ok(mtu, "mtu")) c.expect(*mtu == 1400, "MTU 1400");
    });
}

TEST_CASE("tun-up: set_up sets IFF_UP", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64u");
        Socket sock = open_socket(c);
        auto before = sock.is_up("nat64u");
        if (c.expect_ok(before, "is_up before")) c.expect(!*before, "a new TUN device is down");
        c.expect_ok(sock.set_up("nat64u"), "set_up");
        auto after = sock.is_up("nat64u");
        if (c.expect_ok(after, "is_up after")) c.expect(*after, "set_up made it up");
        c.expect_ok(sock.set_up("nat64u"), "set_up twice");
        c.expect_error(sock.set_up("nat64d-none"), "no such interface 'nat64d-none'", "set_up(missing)");
    });
}

TEST_CASE("netlink: mtu and set_mtu", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64m");
        Socket sock = open_socket(c);
        auto initial = sock.mtu("nat64m");
        // drivers/net/tun.c: a new TUN device has ETH_DATA_LEN.
        if (c.expect_ok(initial, "mtu")) c.expect(*initial == 1500, "new TUN MTU is 1500");
        c.expect_ok(sock.set_mtu("nat64m", 1280), "set_mtu 1280");
        auto changed = sock.mtu("nat64m");
        if (c.expect_ok(changed, "mtu after set")) c.expect(*changed == 1280, "MTU is now 1280");
        c.expect_ok(sock.set_mtu("nat64m", 9000), "set_mtu 9000");
        auto big = sock.mtu("nat64m");
        if (c.expect_ok(big, "mtu after 9000")) c.expect(*big == 9000, "MTU is now 9000");
        // The kernel refuses an MTU below the device minimum (68 for TUN).
        c.expect_error_prefix(sock.set_mtu("nat64m", 10), "interface 'nat64m': cannot set MTU 10: ", "set_mtu 10");
        c.expect_error(sock.mtu("nat64d-none"), "no such interface 'nat64d-none'", "mtu(missing)");
    });
}

TEST_CASE("tun-ip: add_address IPv4 and IPv6, adding twice succeeds", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64a");
        Socket sock = open_socket(c);
        const TunIp v4 = ip4("192.0.2.1", 24);
        const TunIp v6 = ip6("2001:db8::1", 64);
        c.expect_ok(sock.add_address("nat64a", v4), "add 192.0.2.1/24");
        c.expect_ok(sock.add_address("nat64a", v4), "add 192.0.2.1/24 again (restart)");
        c.expect_ok(sock.add_address("nat64a", v6), "add 2001:db8::1/64");
        c.expect_ok(sock.add_address("nat64a", v6), "add 2001:db8::1/64 again (restart)");
        c.expect_ok(sock.add_address("nat64a", ip4("192.0.2.2", 32)), "add 192.0.2.2/32");

        auto list = sock.addresses("nat64a");
        c.require_ok(list, "addresses");
        c.expect(has_address(*list, v4), "192.0.2.1/24 is on the link");
        c.expect(has_address(*list, v6), "2001:db8::1/64 is on the link");
        c.expect(has_address(*list, ip4("192.0.2.2", 32)), "192.0.2.2/32 is on the link");
        c.expect(std::count(list->begin(), list->end(), v4) == 1, "192.0.2.1/24 is there once");
        auto on_lo = sock.addresses("lo");
        if (c.expect_ok(on_lo, "addresses(lo)")) c.expect(!has_address(*on_lo, v4), "nothing was put on lo");

        c.expect_error(sock.add_address("nat64a", ip4("192.0.2.1", 33)),
                       "tun-ip 192.0.2.1/33: prefix length 33 out of range", "prefix length 33");
        c.expect_error(sock.add_address("nat64a", ip6("2001:db8::1", 129)),
                       "tun-ip 2001:db8::1/129: prefix length 129 out of range", "prefix length 129");
        // A kernel refusal carries libnl's text (and the kernel's reason).
        c.expect_error_prefix(sock.add_address("nat64a", ip6("ff02::1", 128)),
                              "tun-ip ff02::1/128: cannot add address: Invalid address for specified address family",
                              "a multicast address");
        c.expect_error(sock.add_address("nat64d-none", v4), "tun-ip 192.0.2.1/24: no such interface 'nat64d-none'",
                       "add_address on a missing interface");
    });
}

TEST_CASE("tun-route: add_route IPv4 and IPv6, adding twice succeeds", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64r");
        Socket sock = open_socket(c);
        c.require_ok(sock.set_up("nat64r"), "set_up");
        const TunRoute v4 = route4("198.51.100.0/24");
        const TunRoute v6 = route6("3fff:6464::/96");
        c.expect_ok(sock.add_route("nat64r", v4), "add 198.51.100.0/24");
        c.expect_ok(sock.add_route("nat64r", v4), "add 198.51.100.0/24 again (restart)");
        c.expect_ok(sock.add_route("nat64r", v6), "add 3fff:6464::/96");
        c.expect_ok(sock.add_route("nat64r", v6), "add 3fff:6464::/96 again (restart)");
        c.expect_ok(sock.add_route("nat64r", route4("0.0.0.0/0")), "add the IPv4 default route");

        auto list = sock.routes("nat64r");
        c.require_ok(list, "routes");
        c.expect(has_route(*list, v4), "198.51.100.0/24 points at nat64r");
        c.expect(has_route(*list, v6), "3fff:6464::/96 points at nat64r");
        c.expect(has_route(*list, route4("0.0.0.0/0")), "0.0.0.0/0 points at nat64r");
        c.expect(!has_route(*list, route4("203.0.113.0/24")), "no route that was not added");
        c.expect_error(sock.add_route("nat64d-none", v6), "tun-route 3fff:6464::/96: no such interface 'nat64d-none'",
                       "add_route on a missing interface");
    });
}

TEST_CASE("tun-route: a route over a link that is down fails with the kernel's reason", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64d");
        Socket sock = open_socket(c);
        // libnl 3.7 has no name for ENETDOWN ("Unspecific failure"); the
        // errno captured from the kernel's answer gives the real reason.
        c.expect_error_prefix(sock.add_route("nat64d", route4("203.0.113.0/24")),
                              "tun-route 203.0.113.0/24: cannot add route: Network is down", "IPv4 route, link down");
        c.expect_error_prefix(sock.add_route("nat64d", route6("64:ff9b::/96")),
                              "tun-route 64:ff9b::/96: cannot add route: Network is down", "IPv6 route, link down");
    });
}

TEST_CASE("tun-route: EEXIST from a route via another interface is an error", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64x");
        make_tun(c, "nat64y");
        Socket sock = open_socket(c);
        c.require_ok(sock.set_up("nat64x"), "set_up nat64x");
        c.require_ok(sock.set_up("nat64y"), "set_up nat64y");
        c.require_ok(sock.add_route("nat64x", route6("3fff:6464::/96")), "route on nat64x");
        c.require_ok(sock.add_route("nat64x", route4("198.51.100.0/24")), "route on nat64x");
        c.expect_error(sock.add_route("nat64y", route6("3fff:6464::/96")),
                       "tun-route 3fff:6464::/96: cannot add route: Object exists; the existing route does not use "
                       "'nat64y'",
                       "same IPv6 prefix on nat64y");
        c.expect_error(sock.add_route("nat64y", route4("198.51.100.0/24")),
                       "tun-route 198.51.100.0/24: cannot add route: Object exists; the existing route does not use "
                       "'nat64y'",
                       "same IPv4 prefix on nat64y");
    });
}

TEST_CASE("netlink: delete_link removes a persistent TUN device", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64z");
        Socket sock = open_socket(c);
        c.require_ok(sock.ifindex("nat64z"), "ifindex before delete");
        c.expect_ok(sock.delete_link("nat64z"), "delete_link");
        c.expect_error(sock.ifindex("nat64z"), "no such interface 'nat64z'", "ifindex after delete");
        c.expect_error(sock.delete_link("nat64z"), "no such interface 'nat64z'", "delete_link again");
    });
}

TEST_CASE("netlink: Socket is movable and keeps working after a move", "[netlink][root]") {
    run_in_netns([](NetnsChecks& c) {
        Socket first = open_socket(c);
        Socket second = std::move(first);
        // The error handler's state moved with the socket: an error still
        // gets the kernel's text.
        make_tun(c, "nat64v");
        c.expect_error_prefix(second.add_route("nat64v", route4("203.0.113.0/24")),
                              "tun-route 203.0.113.0/24: cannot add route: Network is down", "error after a move");
        auto lo = second.ifindex("lo");
        if (c.expect_ok(lo, "ifindex(lo) after a move")) c.expect(*lo == 1, "ifindex(lo) == 1");
    });
}

TEST_CASE("netlink: route_table marks the routes into the link; local table apart; RouteMonitor sees changes",
          "[netlink][route][root]") {
    run_in_netns([](NetnsChecks& c) {
        make_tun(c, "nat64k");
        Socket sock = open_socket(c);
        auto monitor = nat64d::netlink::RouteMonitor::open();
        c.require_ok(monitor, "RouteMonitor::open");
        c.require_ok(sock.set_up("nat64k"), "set_up");
        c.require_ok(sock.add_address("nat64k", ip4("192.0.2.1", 32)), "add_address");
        c.require_ok(sock.add_route("nat64k", route4("198.51.100.0/24")), "add_route v4");
        c.require_ok(sock.add_route("nat64k", route6("3fff:6464::/96")), "add_route v6");
        c.expect(monitor->changed(), "the link, address and routes were notified");
        c.expect(!monitor->changed(), "nothing more pending");

        auto table = sock.route_table("nat64k");
        c.require_ok(table, "route_table");
        const auto find = [&](const TunRoute& r) -> const nat64d::netlink::RouteEntry* {
            for (const auto& e : *table) {
                if (e.dst.is_v6 == r.is_v6 && (r.is_v6 ? e.dst.v6 == r.v6 : e.dst.v4 == r.v4)) return &e;
            }
            return nullptr;
        };
        const auto* v4 = find(route4("198.51.100.0/24"));
        const auto* v6 = find(route6("3fff:6464::/96"));
        const auto* local = find(route4("192.0.2.1/32"));  // the address's route in table local
        c.expect(v4 != nullptr && v4->via_link && !v4->local_table, "198.51.100.0/24 into nat64k, table main");
        c.expect(v6 != nullptr && v6->via_link && v6->priority == 1024, "3fff:6464::/96 into nat64k, metric 1024");
        c.expect(local != nullptr && !local->via_link && local->local_table, "192.0.2.1 local, not into the link");

        c.expect_error(sock.route_table("nat64d-none"), "no such interface 'nat64d-none'", "route_table(missing)");
    });
}
