#include "netlink/netlink.hpp"

#include <fmt/core.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace nat64d::netlink {

void SockDeleter::operator()(nl_sock* p) const noexcept {
    nl_socket_free(p);
}
void NlAddrDeleter::operator()(nl_addr* p) const noexcept {
    nl_addr_put(p);
}
void CacheDeleter::operator()(nl_cache* p) const noexcept {
    nl_cache_free(p);
}
void LinkDeleter::operator()(rtnl_link* p) const noexcept {
    rtnl_link_put(p);
}
void AddrDeleter::operator()(rtnl_addr* p) const noexcept {
    rtnl_addr_put(p);
}
void RouteDeleter::operator()(rtnl_route* p) const noexcept {
    rtnl_route_put(p);
}
void NexthopDeleter::operator()(rtnl_nexthop* p) const noexcept {
    rtnl_route_nh_free(p);
}

namespace {

using common::Error;
using common::Result;
using common::Status;

constexpr std::size_t kIfNameMax = IFNAMSIZ - 1;  // without the terminating NUL

// Owners of the libnl objects used only here, for the raw RTM_GETLINK.
struct MsgDeleter {
    void operator()(nl_msg* p) const noexcept { nlmsg_free(p); }
};
struct CbDeleter {
    void operator()(nl_cb* p) const noexcept { nl_cb_put(p); }
};
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;
using CbPtr = std::unique_ptr<nl_cb, CbDeleter>;

// Filled by on_link_info from the RTM_NEWLINK answer.
struct LinkInfoReply {
    bool seen = false;
    std::string kind;
    bool has_tun_data = false;
    TunInfo tun;
};

// Parses IFLA_LINKINFO { IFLA_INFO_KIND, IFLA_INFO_DATA { IFLA_TUN_* } }.
int on_link_info(nl_msg* msg, void* arg) {
    auto* out = static_cast<LinkInfoReply*>(arg);
    nlmsghdr* hdr = nlmsg_hdr(msg);
    if (hdr->nlmsg_type != RTM_NEWLINK) return NL_SKIP;
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return NL_SKIP;
    out->seen = true;
    if (tb[IFLA_LINKINFO] == nullptr) return NL_OK;
    nlattr* info[IFLA_INFO_MAX + 1] = {};
    if (nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) < 0) return NL_OK;
    if (info[IFLA_INFO_KIND] != nullptr) out->kind = nla_get_string(info[IFLA_INFO_KIND]);
    if (out->kind != "tun" || info[IFLA_INFO_DATA] == nullptr) return NL_OK;
    nlattr* tun[IFLA_TUN_MAX + 1] = {};
    if (nla_parse_nested(tun, IFLA_TUN_MAX, info[IFLA_INFO_DATA], nullptr) < 0) return NL_OK;
    if (tun[IFLA_TUN_TYPE] == nullptr) return NL_OK;
    auto flag = [&](int type) { return tun[type] != nullptr && nla_get_u8(tun[type]) != 0; };
    out->has_tun_data = true;
    out->tun.tap = nla_get_u8(tun[IFLA_TUN_TYPE]) == IFF_TAP;
    out->tun.packet_info = flag(IFLA_TUN_PI);
    out->tun.multi_queue = flag(IFLA_TUN_MULTI_QUEUE);
    out->tun.persist = flag(IFLA_TUN_PERSIST);
    if (tun[IFLA_TUN_NUM_QUEUES] != nullptr) out->tun.queues = nla_get_u32(tun[IFLA_TUN_NUM_QUEUES]);
    if (tun[IFLA_TUN_NUM_DISABLED_QUEUES] != nullptr)
        out->tun.disabled_queues = nla_get_u32(tun[IFLA_TUN_NUM_DISABLED_QUEUES]);
    return NL_OK;
}

// libnl calls this for every NLMSG_ERROR with a non-zero error. It records
// the errno and the extended-ACK message, then returns NL_STOP so that libnl
// still returns its own error code to the caller.
//
// Layout of the error message (netlink(7), "Netlink error messages"): the
// nlmsghdr, the nlmsgerr (error + the request's header), the request's
// payload unless NLM_F_CAPPED, then with NLM_F_ACK_TLVS the attributes, the
// message text being NLMSGERR_ATTR_MSG. libnl hands us nlmsg_data(hdr).
int on_kernel_error(sockaddr_nl* /*who*/, nlmsgerr* err, void* arg) {
    auto* out = static_cast<KernelError*>(arg);
    out->error = -err->error;
    out->message.clear();

    const auto* base = reinterpret_cast<const unsigned char*>(err) - NLMSG_HDRLEN;
    nlmsghdr hdr;
    std::memcpy(&hdr, base, sizeof hdr);
    if ((hdr.nlmsg_flags & NLM_F_ACK_TLVS) == 0) return NL_STOP;

    // NLA_HDRLEN, computed unsigned: the macro masks a size_t with the int
    // ~(NLA_ALIGNTO - 1).
    constexpr std::size_t kAttrHeader = (sizeof(nlattr) + NLA_ALIGNTO - 1) / NLA_ALIGNTO * NLA_ALIGNTO;
    std::size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nlmsgerr));
    if ((hdr.nlmsg_flags & NLM_F_CAPPED) == 0 && err->msg.nlmsg_len >= NLMSG_HDRLEN)
        offset += NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
    while (offset + kAttrHeader <= hdr.nlmsg_len) {
        nlattr attr;
        std::memcpy(&attr, base + offset, sizeof attr);
        if (attr.nla_len < kAttrHeader || offset + attr.nla_len > hdr.nlmsg_len) break;
        if ((attr.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
            const auto* text = reinterpret_cast<const char*>(base + offset + kAttrHeader);
            out->message.assign(text, strnlen(text, attr.nla_len - kAttrHeader));
            break;
        }
        offset += NLA_ALIGN(attr.nla_len);
    }
    return NL_STOP;
}

NlAddrPtr make_nl_addr(bool is_v6, const Ipv4Addr& v4, const Ipv6Addr& v6, unsigned prefix_len) {
    NlAddrPtr addr(is_v6 ? nl_addr_build(AF_INET6, v6.bytes.data(), v6.bytes.size())
                         : nl_addr_build(AF_INET, v4.bytes.data(), v4.bytes.size()));
    if (addr) nl_addr_set_prefixlen(addr.get(), static_cast<int>(prefix_len));
    return addr;
}

// Copies an nl_addr of family AF_INET/AF_INET6 into our vocabulary types. A
// default route's destination has length 0, which yields the zero address.
template <typename Bytes>
void copy_binary(nl_addr* from, Bytes& to) {
    to.fill(0);
    const auto len = std::min<std::size_t>(nl_addr_get_len(from), to.size());
    if (len > 0) std::memcpy(to.data(), nl_addr_get_binary_addr(from), len);
}

std::string describe(const TunIp& ip) {
    return fmt::format("tun-ip {}/{}", ip.is_v6 ? to_string(ip.v6) : to_string(ip.v4), ip.prefix_len);
}

// TunRoute carries both families; only the one in use is compared.
bool same_route(const TunRoute& a, const TunRoute& b) {
    return a.is_v6 == b.is_v6 && (a.is_v6 ? a.v6 == b.v6 : a.v4 == b.v4);
}

std::string describe(const TunRoute& route) {
    return fmt::format("tun-route {}", route.is_v6 ? to_string(route.v6) : to_string(route.v4));
}

}  // namespace

Result<Socket> Socket::open() {
    SockPtr sock(nl_socket_alloc());
    if (!sock) return Error{"netlink: cannot allocate a socket: out of memory"};
    if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
        return Error{fmt::format("netlink: cannot connect: {}", nl_geterror(err))};

    // Ask the kernel to explain its errors (Linux 4.12+) and not to echo our
    // whole request back. Older kernels refuse the options; we then simply
    // report errno texts without explanation.
    const int fd = nl_socket_get_fd(sock.get());
    const int one = 1;
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);

    auto kernel_error = std::make_unique<KernelError>();
    if (int err = nl_socket_modify_err_cb(sock.get(), NL_CB_CUSTOM, on_kernel_error, kernel_error.get()); err < 0)
        return Error{fmt::format("netlink: cannot install the error handler: {}", nl_geterror(err))};
    return Socket(std::move(sock), std::move(kernel_error));
}

std::string Socket::error_text(int nl_error) const {
    // libnl maps the errnos it knows (EEXIST → "Object exists"); for the rest
    // (ENETDOWN, EADDRNOTAVAIL on routes...) it says "Unspecific failure",
    // so the kernel's errno is the better text then.
    const int code = nl_error < 0 ? -nl_error : nl_error;
    std::string text =
        (code == NLE_FAILURE && kernel_error_->error > 0) ? std::strerror(kernel_error_->error) : nl_geterror(code);
    if (!kernel_error_->message.empty()) text += fmt::format(" ({})", kernel_error_->message);
    return text;
}

Result<LinkPtr> Socket::get_link(const std::string& ifname) {
    if (ifname.empty() || ifname.size() > kIfNameMax || ifname.find('\0') != std::string::npos)
        return Error{fmt::format("invalid interface name '{}'", ifname)};
    *kernel_error_ = {};
    rtnl_link* raw = nullptr;
    const int err = rtnl_link_get_kernel(sock_.get(), 0, ifname.c_str(), &raw);
    LinkPtr link(raw);
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return Error{fmt::format("no such interface '{}'", ifname)};
    if (err < 0) return Error{fmt::format("interface '{}': cannot look it up: {}", ifname, error_text(err))};
    if (!link) return Error{fmt::format("no such interface '{}'", ifname)};
    return link;
}

Result<int> Socket::ifindex(const std::string& ifname) {
    auto link = get_link(ifname);
    if (!link) return Error{link.error()};
    return rtnl_link_get_ifindex(link->get());
}

Result<std::string> Socket::link_kind(const std::string& ifname) {
    auto link = get_link(ifname);
    if (!link) return Error{link.error()};
    const char* kind = rtnl_link_get_type(link->get());
    return std::string(kind != nullptr ? kind : "");
}

Result<TunInfo> Socket::tun_info(const std::string& ifname) {
    if (ifname.empty() || ifname.size() > kIfNameMax || ifname.find('\0') != std::string::npos)
        return Error{fmt::format("invalid interface name '{}'", ifname)};
    MsgPtr msg(nlmsg_alloc_simple(RTM_GETLINK, 0));
    CbPtr cb(nl_cb_clone(CbPtr(nl_socket_get_cb(sock_.get())).get()));  // keeps our error handler
    if (!msg || !cb) return Error{"netlink: out of memory"};
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    if (nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 ||
        nla_put_string(msg.get(), IFLA_IFNAME, ifname.c_str()) < 0)
        return Error{"netlink: out of memory"};

    LinkInfoReply reply;
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_link_info, &reply);
    *kernel_error_ = {};
    int err = nl_send_auto(sock_.get(), msg.get());
    if (err >= 0) err = nl_recvmsgs(sock_.get(), cb.get());
    // nl_send_auto asked for an ACK (libnl's auto-ack mode); it follows the
    // answer as a message of its own. Leaving it queued would make it pass
    // for the ACK of the next request, as rtnl_link_get_kernel() knows too.
    if (err >= 0 && reply.seen) err = nl_wait_for_ack(sock_.get());
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return Error{fmt::format("no such interface '{}'", ifname)};
    if (err < 0) return Error{fmt::format("interface '{}': cannot look it up: {}", ifname, error_text(err))};
    if (!reply.seen) return Error{fmt::format("interface '{}': no answer from the kernel", ifname)};
    if (reply.kind != "tun") return Error{fmt::format("interface '{}' is not a TUN/TAP device", ifname)};
    if (!reply.has_tun_data)
        return Error{fmt::format("interface '{}': the kernel does not report TUN details (Linux 4.15+)", ifname)};
    return reply.tun;
}

Result<unsigned> Socket::mtu(const std::string& ifname) {
    auto link = get_link(ifname);
    if (!link) return Error{link.error()};
    return static_cast<unsigned>(rtnl_link_get_mtu(link->get()));
}

Result<bool> Socket::is_up(const std::string& ifname) {
    auto link = get_link(ifname);
    if (!link) return Error{link.error()};
    return (rtnl_link_get_flags(link->get()) & IFF_UP) != 0;
}

Status Socket::change_link(const std::string& ifname, rtnl_link* changes, const char* what) {
    auto link = get_link(ifname);
    if (!link) return Error{link.error()};
    *kernel_error_ = {};
    if (int err = rtnl_link_change(sock_.get(), link->get(), changes, 0); err < 0)
        return Error{fmt::format("interface '{}': cannot {}: {}", ifname, what, error_text(err))};
    return {};
}

Status Socket::set_up(const std::string& ifname) {
    LinkPtr changes(rtnl_link_alloc());
    if (!changes) return Error{"netlink: out of memory"};
    rtnl_link_set_flags(changes.get(), IFF_UP);
    return change_link(ifname, changes.get(), "set it up");
}

Status Socket::set_mtu(const std::string& ifname, unsigned mtu) {
    LinkPtr changes(rtnl_link_alloc());
    if (!changes) return Error{"netlink: out of memory"};
    rtnl_link_set_mtu(changes.get(), mtu);
    return change_link(ifname, changes.get(), fmt::format("set MTU {}", mtu).c_str());
}

Status Socket::add_address(const std::string& ifname, const TunIp& ip) {
    const std::string label = describe(ip);
    if (ip.prefix_len > (ip.is_v6 ? 128U : 32U))
        return Error{fmt::format("{}: prefix length {} out of range", label, ip.prefix_len)};
    auto index = ifindex(ifname);
    if (!index) return Error{fmt::format("{}: {}", label, index.error())};

    NlAddrPtr local = make_nl_addr(ip.is_v6, ip.v4, ip.v6, ip.prefix_len);
    AddrPtr addr(rtnl_addr_alloc());
    if (!local || !addr) return Error{fmt::format("{}: out of memory", label)};
    rtnl_addr_set_ifindex(addr.get(), *index);
    rtnl_addr_set_family(addr.get(), ip.is_v6 ? AF_INET6 : AF_INET);
    if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0)
        return Error{fmt::format("{}: cannot add address: {}", label, nl_geterror(err))};
    rtnl_addr_set_prefixlen(addr.get(), static_cast<int>(ip.prefix_len));

    // NLM_F_EXCL as `ip address add`: the kernel answers EEXIST when the
    // address is already on the interface (IPv4: same address and prefix
    // length; IPv6: same address), which is what a restart finds.
    *kernel_error_ = {};
    const int err = rtnl_addr_add(sock_.get(), addr.get(), NLM_F_EXCL);
    if (err == -NLE_EXIST) return {};
    if (err < 0) return Error{fmt::format("{}: cannot add address: {}", label, error_text(err))};
    return {};
}

Status Socket::add_route(const std::string& ifname, const TunRoute& route) {
    const std::string label = describe(route);
    auto index = ifindex(ifname);
    if (!index) return Error{fmt::format("{}: {}", label, index.error())};

    NlAddrPtr dst = make_nl_addr(route.is_v6, route.v4.addr, route.v6.addr, route.is_v6 ? route.v6.len : route.v4.len);
    RoutePtr rt(rtnl_route_alloc());
    NexthopPtr nh(rtnl_route_nh_alloc());
    if (!dst || !rt || !nh) return Error{fmt::format("{}: out of memory", label)};

    rtnl_route_set_family(rt.get(), route.is_v6 ? AF_INET6 : AF_INET);
    if (int err = rtnl_route_set_dst(rt.get(), dst.get()); err < 0)
        return Error{fmt::format("{}: cannot add route: {}", label, nl_geterror(err))};
    rtnl_route_set_table(rt.get(), RT_TABLE_MAIN);
    rtnl_route_set_type(rt.get(), RTN_UNICAST);
    rtnl_route_set_protocol(rt.get(), RTPROT_BOOT);
    // ip(8) picks scope link for an IPv4 route without gateway; IPv6 routes
    // are always scope universe.
    rtnl_route_set_scope(rt.get(), route.is_v6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
    rtnl_route_nh_set_ifindex(nh.get(), *index);
    rtnl_route_add_nexthop(rt.get(), nh.release());  // the route owns it now

    *kernel_error_ = {};
    const int err = rtnl_route_add(sock_.get(), rt.get(), NLM_F_EXCL);
    if (err == -NLE_EXIST) {
        // With NLM_F_EXCL the kernel also says EEXIST when the same prefix
        // (same metric) already points at another interface; only a route
        // through our interface makes this a harmless restart.
        const std::string exists_text = error_text(err);
        auto present = routes(ifname);
        if (!present) return Error{fmt::format("{}: {}", label, present.error())};
        if (std::any_of(present->begin(), present->end(), [&](const TunRoute& r) { return same_route(r, route); }))
            return {};
        return Error{
            fmt::format("{}: cannot add route: {}; the existing route does not use '{}'", label, exists_text, ifname)};
    }
    if (err < 0) return Error{fmt::format("{}: cannot add route: {}", label, error_text(err))};
    return {};
}

Status Socket::delete_link(const std::string& ifname) {
    auto link = get_link(ifname);
    if (!link) return Error{link.error()};
    *kernel_error_ = {};
    if (int err = rtnl_link_delete(sock_.get(), link->get()); err < 0)
        return Error{fmt::format("interface '{}': cannot delete it: {}", ifname, error_text(err))};
    return {};
}

Result<std::vector<TunIp>> Socket::addresses(const std::string& ifname) {
    auto index = ifindex(ifname);
    if (!index) return Error{index.error()};
    *kernel_error_ = {};
    nl_cache* raw = nullptr;
    const int err = rtnl_addr_alloc_cache(sock_.get(), &raw);
    CachePtr cache(raw);
    if (err < 0) return Error{fmt::format("interface '{}': cannot list addresses: {}", ifname, error_text(err))};

    std::vector<TunIp> out;
    for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
        auto* addr = reinterpret_cast<rtnl_addr*>(obj);  // libnl's documented downcast of a cache member
        if (rtnl_addr_get_ifindex(addr) != *index) continue;
        const int family = rtnl_addr_get_family(addr);
        nl_addr* local = rtnl_addr_get_local(addr);
        if (local == nullptr || (family != AF_INET && family != AF_INET6)) continue;
        TunIp ip;
        ip.is_v6 = family == AF_INET6;
        if (ip.is_v6)
            copy_binary(local, ip.v6.bytes);
        else
            copy_binary(local, ip.v4.bytes);
        ip.prefix_len = static_cast<unsigned>(rtnl_addr_get_prefixlen(addr));
        out.push_back(ip);
    }
    return out;
}

Result<std::vector<TunRoute>> Socket::routes(const std::string& ifname) {
    auto index = ifindex(ifname);
    if (!index) return Error{index.error()};
    *kernel_error_ = {};
    nl_cache* raw = nullptr;
    const int err = rtnl_route_alloc_cache(sock_.get(), AF_UNSPEC, 0, &raw);
    CachePtr cache(raw);
    if (err < 0) return Error{fmt::format("interface '{}': cannot list routes: {}", ifname, error_text(err))};

    std::vector<TunRoute> out;
    for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
        auto* rt = reinterpret_cast<rtnl_route*>(obj);
        const int family = rtnl_route_get_family(rt);
        if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || rtnl_route_get_type(rt) != RTN_UNICAST) continue;
        if (family != AF_INET && family != AF_INET6) continue;
        bool via_link = false;
        for (int i = 0; i < rtnl_route_get_nnexthops(rt); ++i)
            via_link = via_link || rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(rt, i)) == *index;
        nl_addr* dst = rtnl_route_get_dst(rt);
        if (!via_link || dst == nullptr) continue;
        TunRoute route;
        route.is_v6 = family == AF_INET6;
        const auto len = static_cast<unsigned>(nl_addr_get_prefixlen(dst));
        if (route.is_v6) {
            copy_binary(dst, route.v6.addr.bytes);
            route.v6 = Prefix6{mask(route.v6.addr, len), len};
        } else {
            copy_binary(dst, route.v4.addr.bytes);
            route.v4 = Prefix4{mask(route.v4.addr, len), len};
        }
        out.push_back(route);
    }
    return out;
}

Result<std::vector<RouteEntry>> Socket::route_table(const std::string& ifname) {
    auto index = ifindex(ifname);
    if (!index) return Error{index.error()};
    *kernel_error_ = {};
    nl_cache* raw = nullptr;
    const int err = rtnl_route_alloc_cache(sock_.get(), AF_UNSPEC, 0, &raw);
    CachePtr cache(raw);
    if (err < 0) return Error{fmt::format("cannot list routes: {}", error_text(err))};

    std::vector<RouteEntry> out;
    for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
        auto* rt = reinterpret_cast<rtnl_route*>(obj);
        const int family = rtnl_route_get_family(rt);
        const auto table = rtnl_route_get_table(rt);
        nl_addr* dst = rtnl_route_get_dst(rt);
        if ((family != AF_INET && family != AF_INET6) || dst == nullptr) continue;
        if (table != RT_TABLE_MAIN && table != RT_TABLE_LOCAL) continue;
        RouteEntry e;
        e.local_table = table == RT_TABLE_LOCAL;
        e.priority = rtnl_route_get_priority(rt);
        if (rtnl_route_get_type(rt) == RTN_UNICAST) {
            for (int i = 0; i < rtnl_route_get_nnexthops(rt); ++i)
                e.via_link = e.via_link || rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(rt, i)) == *index;
        }
        e.dst.is_v6 = family == AF_INET6;
        const auto len = static_cast<unsigned>(nl_addr_get_prefixlen(dst));
        if (e.dst.is_v6) {
            copy_binary(dst, e.dst.v6.addr.bytes);
            e.dst.v6 = Prefix6{mask(e.dst.v6.addr, len), len};
        } else {
            copy_binary(dst, e.dst.v4.addr.bytes);
            e.dst.v4 = Prefix4{mask(e.dst.v4.addr, len), len};
        }
        out.push_back(e);
    }
    return out;
}

Result<RouteMonitor> RouteMonitor::open() {
    common::UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return Error{fmt::format("netlink: cannot open a socket: {}", std::strerror(errno))};
    const int raw = fd.get();
    RouteMonitor m(std::move(fd));
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_LINK;
    if (::bind(raw, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0)
        return Error{fmt::format("netlink: cannot join the route notifications: {}", std::strerror(errno))};
    return m;
}

bool RouteMonitor::changed() {
    bool any = false;
    // Contents do not matter: any notification means "dump again". Bounded,
    // so that a storm of notifications cannot hold the caller.
    for (int i = 0; i < 1024; ++i) {
        char buf[8192];
        const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
        if (n > 0) {
            any = true;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == ENOBUFS) {
            any = true;  // notifications were lost: assume a change
            continue;
        }
        break;  // EAGAIN: nothing more
    }
    return any;
}

}  // namespace nat64d::netlink
