// libnl-3 (NETLINK_ROUTE) wrappers for the interface set-up the daemon does
// at start: look a link up, bring it up, set its MTU, put the tun-ip
// addresses and tun-route routes on it, delete it. The daemon never runs
// ip(8); everything except the TUN ioctls (src/io/tun.hpp) goes through here.
//
// Every libnl object is owned by a unique_ptr with a deleter, so no error
// path leaks one. A Socket is used by one thread at a time (libnl sockets are
// not thread-safe); the daemon uses one at start-up and closes it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "nat64d/tun_setup.hpp"

struct nl_sock;
struct nl_addr;
struct nl_cache;
struct rtnl_link;
struct rtnl_addr;
struct rtnl_route;
struct rtnl_nexthop;

namespace nat64d::netlink {

// Deleters drop one reference (libnl objects are reference counted) or free
// the socket. They accept nullptr like free(3).
struct SockDeleter {
    void operator()(nl_sock* p) const noexcept;
};
struct NlAddrDeleter {
    void operator()(nl_addr* p) const noexcept;
};
struct CacheDeleter {
    void operator()(nl_cache* p) const noexcept;
};
struct LinkDeleter {
    void operator()(rtnl_link* p) const noexcept;
};
struct AddrDeleter {
    void operator()(rtnl_addr* p) const noexcept;
};
struct RouteDeleter {
    void operator()(rtnl_route* p) const noexcept;
};
struct NexthopDeleter {
    void operator()(rtnl_nexthop* p) const noexcept;
};

using SockPtr = std::unique_ptr<nl_sock, SockDeleter>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrDeleter>;
using CachePtr = std::unique_ptr<nl_cache, CacheDeleter>;
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;
using AddrPtr = std::unique_ptr<rtnl_addr, AddrDeleter>;
using RoutePtr = std::unique_ptr<rtnl_route, RouteDeleter>;
using NexthopPtr = std::unique_ptr<rtnl_nexthop, NexthopDeleter>;

// What the kernel reported for the last failed request: errno and the
// extended-ACK text (NETLINK_EXT_ACK), which libnl 3.7 neither maps (most
// errnos become "Unspecific failure") nor returns. Kept behind a pointer so
// that its address, registered with libnl as callback argument, survives a
// move of the Socket.
struct KernelError {
    int error = 0;        // positive errno, 0 = none
    std::string message;  // extack NLMSGERR_ATTR_MSG, may be empty
};

// What the kernel reports about a TUN/TAP device: the IFLA_INFO_DATA of link
// kind "tun" (drivers/net/tun.c tun_fill_info, Linux 4.15+). libnl 3.7 does
// not parse it, so Socket::tun_info() does.
struct TunInfo {
    bool tap = false;          // IFF_TAP rather than IFF_TUN
    bool packet_info = false;  // queues see a struct tun_pi header (no IFF_NO_PI)
    bool multi_queue = false;  // created with IFF_MULTI_QUEUE
    bool persist = false;      // IFF_PERSIST
    // Queues attached now, by any process, and how many of those are
    // disabled (TUNSETQUEUE). The kernel reports them for multi-queue
    // devices only; a plain device has one queue at most, and attaching a
    // second one fails with EBUSY.
    std::optional<unsigned> queues;
    std::optional<unsigned> disabled_queues;
};

// One route of the main or the local table, as the routing loop check
// needs it (the daemon turns these into an addr::RouteView).
struct RouteEntry {
    TunRoute dst;                // the destination prefix, either family
    bool via_link = false;       // unicast, with a nexthop on the link asked about
    bool local_table = false;    // table local (looked up before main)
    std::uint32_t priority = 0;  // metric
};

// A connected NETLINK_ROUTE socket. Move-only.
class Socket {
public:
    static common::Result<Socket> open();

    // Interface index; Error "no such interface 'x'" when there is none.
    common::Result<int> ifindex(const std::string& ifname);
    // IFLA_INFO_KIND of the link ("tun" for TUN and TAP devices, "" for
    // links without one such as lo or a physical NIC).
    common::Result<std::string> link_kind(const std::string& ifname);
    // Error "interface 'x' is not a TUN/TAP device" for other links, and an
    // error on kernels that do not report TUN details.
    common::Result<TunInfo> tun_info(const std::string& ifname);
    common::Result<unsigned> mtu(const std::string& ifname);
    common::Result<bool> is_up(const std::string& ifname);  // IFF_UP (administratively up)

    // Sets IFF_UP (rtnl_link_change); routes over the link can only be added
    // once it is up (the kernel answers ENETDOWN otherwise).
    common::Status set_up(const std::string& ifname);
    common::Status set_mtu(const std::string& ifname, unsigned mtu);

    // `tun-ip`: adds the address with its prefix length. An address that is
    // already there (EEXIST) counts as success, so that a restarted daemon
    // re-applies its configuration to a persistent device without failing.
    // The kernel matches an IPv6 address without its prefix length, so an
    // IPv6 address already there with another length is left as it is.
    common::Status add_address(const std::string& ifname, const TunIp& ip);
    // `tun-route`: adds a device route (no gateway) in the main table with
    // protocol "boot" and scope link for IPv4 / universe for IPv6, as
    // `ip route add PREFIX dev IFNAME` does. EEXIST is success only when the
    // existing route to that prefix uses this interface; a route via another
    // interface in the way is an error (ours would silently not exist).
    common::Status add_route(const std::string& ifname, const TunRoute& route);
    // Removes the link (RTM_DELLINK); for a TUN device this also ends its
    // persistence.
    common::Status delete_link(const std::string& ifname);

    // The addresses on the link (both families, including kernel-made ones
    // such as the IPv6 link-local address), as TunIp values.
    common::Result<std::vector<TunIp>> addresses(const std::string& ifname);
    // The unicast routes of the main table whose nexthop is the link,
    // including kernel-made prefix routes.
    common::Result<std::vector<TunRoute>> routes(const std::string& ifname);
    // Every route of the main and the local table, both families, each
    // marked whether it sends packets into the link: unicast with a
    // nexthop (one of several will do) on it. Routes of other types
    // (local, broadcast, blackhole, unreachable...) never do.
    common::Result<std::vector<RouteEntry>> route_table(const std::string& ifname);

private:
    Socket(SockPtr sock, std::unique_ptr<KernelError> kernel_error)
        : sock_(std::move(sock)), kernel_error_(std::move(kernel_error)) {}

    common::Result<LinkPtr> get_link(const std::string& ifname);
    common::Status change_link(const std::string& ifname, rtnl_link* changes, const char* what);
    // Text for a libnl error code of the last request, preferring the
    // kernel's errno and extack text when libnl had no name for it.
    std::string error_text(int nl_error) const;

    SockPtr sock_;
    std::unique_ptr<KernelError> kernel_error_;
};

// Tells that routes or links changed: a netlink socket subscribed to the
// IPv4 and IPv6 route and the link notifications (a link going down takes
// its IPv4 routes without a route notification), read without blocking.
// Kept open for the daemon's life; joining these groups needs no privilege.
class RouteMonitor {
public:
    static common::Result<RouteMonitor> open();
    RouteMonitor(RouteMonitor&& o) noexcept = default;
    RouteMonitor& operator=(RouteMonitor&& o) noexcept = default;
    RouteMonitor(const RouteMonitor&) = delete;
    RouteMonitor& operator=(const RouteMonitor&) = delete;
    ~RouteMonitor() = default;

    // Reads every pending notification; true when there was one, or when
    // the kernel dropped some (ENOBUFS: the socket buffer overflowed).
    [[nodiscard]] bool changed();

private:
    explicit RouteMonitor(common::UniqueFd fd) : fd_(std::move(fd)) {}
    common::UniqueFd fd_;
};

}  // namespace nat64d::netlink
