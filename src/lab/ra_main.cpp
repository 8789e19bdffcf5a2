// nat64d-lab-ra: the router advertisement sender of nat64d-lab. It announces
// the lab's /64, its DNS64 (RDNSS, RFC 8106) and its NAT64 prefix (PREF64,
// RFC 8781) on one interface, unsolicited and in answer to Router
// Solicitations, with the timing rules of RFC 4861 §6.2.4 and §6.2.6, and
// withdraws them with a final advertisement when stopped (§6.2.5).
//
// It exists because Debian 12's radvd (2.19) has no PREF64 option; it is a
// helper of nat64d-lab (installed in libexec), not a general RA daemon.
//
//   nat64d-lab-ra -i IFACE -p PREFIX/64 -r DNS [-r DNS...] [-n PREF64/N]
//                 [--mtu N] [--interval SECONDS] [--pidfile FILE]
#include <fcntl.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "common/unique_fd.hpp"
#include "lab/ra.hpp"

namespace {

using nat64d::common::log;
using nat64d::common::LogLevel;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

// RFC 4861 §10 router constants.
constexpr int kMaxInitialAdverts = 3;
constexpr Ms kMaxInitialAdvertInterval{16'000};
constexpr Ms kMinDelayBetweenRas{3'000};
constexpr Ms kMaxRaDelayTime{500};

struct Options {
    std::string iface;
    nat64d::lab::RaSettings ra;
    unsigned max_interval = 60;  // MaxRtrAdvInterval, seconds (RFC 4861 §6.2.1: 4..1800)
    std::string pidfile;
};

[[noreturn]] void usage_error(const std::string& what) {
    std::fprintf(stderr,
                 "nat64d-lab-ra: %s\n"
                 "usage: nat64d-lab-ra -i IFACE -p PREFIX/64 -r DNS [-r DNS...] [-n PREF64/N]\n"
                 "                     [--mtu N] [--interval SECONDS] [--pidfile FILE]\n",
                 what.c_str());
    std::exit(2);
}

unsigned parse_number(std::string_view what, const std::string& text, unsigned lo, unsigned hi) {
    unsigned long v = 0;
    std::size_t used = 0;
    try {
        v = std::stoul(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || v < lo || v > hi) {
        usage_error(std::string(what) + " must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    return static_cast<unsigned>(v);
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) usage_error(std::string(arg) + " needs a value");
        const std::string value = argv[++i];
        if (arg == "-i" || arg == "--interface") {
            o.iface = value;
        } else if (arg == "-p" || arg == "--prefix") {
            auto p = nat64d::parse_prefix6(value);
            if (!p) usage_error("bad prefix " + value);
            o.ra.prefix = *p;
        } else if (arg == "-r" || arg == "--rdnss") {
            auto a = nat64d::parse_ipv6(value);
            if (!a) usage_error("bad RDNSS address " + value);
            o.ra.rdnss.push_back(*a);
        } else if (arg == "-n" || arg == "--pref64") {
            auto p = nat64d::parse_prefix6(value);
            if (!p) usage_error("bad NAT64 prefix " + value);
            o.ra.pref64 = *p;
        } else if (arg == "--mtu") {
            o.ra.mtu = parse_number("--mtu", value, 1280, 65535);
        } else if (arg == "--interval") {
            o.max_interval = parse_number("--interval", value, 4, 1800);
        } else if (arg == "--pidfile") {
            o.pidfile = value;
        } else {
            usage_error("unknown option " + std::string(arg));
        }
    }
    if (o.iface.empty()) usage_error("-i IFACE is required");
    if (auto bad = nat64d::lab::check(o.ra)) usage_error(*bad);
    // RFC 4861 §6.2.1: AdvDefaultLifetime at least MaxRtrAdvInterval,
    // default 3 times it; RFC 8106 §5.1 and RFC 8781 §4.1 ask the same of
    // the RDNSS and PREF64 lifetimes.
    const auto lifetime = static_cast<std::uint16_t>(3 * o.max_interval);
    o.ra.router_lifetime = lifetime;
    o.ra.rdnss_lifetime = lifetime;
    o.ra.pref64_lifetime = lifetime;
    return o;
}

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::optional<std::array<std::uint8_t, 6>> link_address(int fd, const std::string& iface) {
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface.c_str());
    if (::ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) return std::nullopt;
    std::array<std::uint8_t, 6> mac{};
    std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, mac.size());
    return mac;
}

// A raw ICMPv6 socket on one interface: Router Solicitations in, Router
// Advertisements out with hop limit 255 (RFC 4861 §6.1.1, §6.1.2: receivers
// discard ND messages with any other hop limit).
int open_socket(const std::string& iface, unsigned ifindex) {
    nat64d::common::UniqueFd sock(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
    if (!sock) fail("socket");
    const int fd = sock.get();
    icmp6_filter filter{};
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(nat64d::lab::kIcmp6RouterSolicit, &filter);
    const int hops = 255;
    const int off = 0;
    const int on = 1;
    const int index = static_cast<int>(ifindex);
    ipv6_mreq all_routers{};
    all_routers.ipv6mr_interface = ifindex;
    all_routers.ipv6mr_multiaddr.s6_addr[0] = 0xff;  // ff02::2, RFC 4291 §2.7.1
    all_routers.ipv6mr_multiaddr.s6_addr[1] = 0x02;
    all_routers.ipv6mr_multiaddr.s6_addr[15] = 0x02;
    if (::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface.c_str(), static_cast<socklen_t>(iface.size())) != 0 ||
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) != 0 ||
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) != 0 ||
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof off) != 0 ||
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index) != 0 ||
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on) != 0 ||
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &all_routers, sizeof all_routers) != 0) {
        const int saved = errno;
        sock.reset();
        errno = saved;
        fail("setting up the ICMPv6 socket on " + iface);
    }
    return sock.release();
}

// RFC 4861 §6.1.1: a Router Solicitation counts only with hop limit 255
// and ICMP code 0.
bool read_solicitation(int fd) {
    std::uint8_t buf[1500];
    alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(int))];
    sockaddr_in6 from{};
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 8 || buf[0] != nat64d::lab::kIcmp6RouterSolicit || buf[1] != 0) return false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
            int hop_limit = 0;
            std::memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
            return hop_limit == 255;
        }
    }
    return false;
}

bool send_advert(int fd, unsigned ifindex, const std::vector<std::uint8_t>& ra) {
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_addr.s6_addr[0] = 0xff;  // ff02::1, all nodes (RFC 4861 §6.2.4)
    to.sin6_addr.s6_addr[1] = 0x02;
    to.sin6_addr.s6_addr[15] = 0x01;
    to.sin6_scope_id = ifindex;
    if (::sendto(fd, ra.data(), ra.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
        // No link-local address yet (the link is still coming up): the next
        // scheduled advertisement tries again.
        log(LogLevel::Warning, "sending the router advertisement: {}", std::strerror(errno));
        return false;
    }
    return true;
}

void write_pidfile(const std::string& path) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp);
        out << ::getpid() << '\n';
        if (!out.flush()) throw std::runtime_error(tmp + ": cannot write");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(path);
}

int run(const Options& o) {
    const unsigned ifindex = ::if_nametoindex(o.iface.c_str());
    if (ifindex == 0) fail(o.iface);
    const nat64d::common::UniqueFd sock(open_socket(o.iface, ifindex));
    nat64d::lab::RaSettings ra = o.ra;
    ra.link_addr = link_address(sock.get(), o.iface);

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    if (::sigprocmask(SIG_BLOCK, &stop, nullptr) != 0) fail("sigprocmask");
    const nat64d::common::UniqueFd sigfd(::signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sigfd) fail("signalfd");
    if (!o.pidfile.empty()) write_pidfile(o.pidfile);

    const auto advert = nat64d::lab::build_router_advert(ra, false);
    std::mt19937 rng{std::random_device{}()};
    // RFC 4861 §6.2.4: unsolicited advertisements at a uniformly random
    // interval between MinRtrAdvInterval (a third of the maximum) and
    // MaxRtrAdvInterval; the first few no more than 16 s apart.
    const Ms max_interval{o.max_interval * 1000};
    const Ms min_interval = max_interval / 3;
    auto next_interval = [&](int sent) {
        Ms hi = max_interval;
        if (sent < kMaxInitialAdverts && hi > kMaxInitialAdvertInterval) hi = kMaxInitialAdvertInterval;
        const Ms lo = std::min(min_interval, hi);
        return Ms{std::uniform_int_distribution<long>(lo.count(), hi.count())(rng)};
    };
    int sent = 0;
    auto last_sent = Clock::now() - kMinDelayBetweenRas;
    auto next = Clock::now();  // the first one at once: the lab waits for it
    log(LogLevel::Info, "advertising {} on {}", nat64d::to_string(ra.prefix), o.iface);
    for (;;) {
        const auto now = Clock::now();
        if (now >= next) {
            if (send_advert(sock.get(), ifindex, advert)) {
                ++sent;
                last_sent = now;
            }
            next = now + (sent == 0 ? Ms{1000} : next_interval(sent));
        }
        const auto wait = std::chrono::duration_cast<Ms>(next - Clock::now()).count();
        pollfd fds[2] = {{sock.get(), POLLIN, 0}, {sigfd.get(), POLLIN, 0}};
        if (::poll(fds, 2, static_cast<int>(std::max<long>(wait, 0))) < 0 && errno != EINTR) fail("poll");
        if (fds[1].revents & POLLIN) break;
        if ((fds[0].revents & POLLIN) && read_solicitation(sock.get())) {
            // RFC 4861 §6.2.6: answer after a random delay of at most
            // MAX_RA_DELAY_TIME, multicast, and no sooner than
            // MIN_DELAY_BETWEEN_RAS after the previous one.
            auto at = Clock::now() + Ms{std::uniform_int_distribution<long>(0, kMaxRaDelayTime.count())(rng)};
            if (at < last_sent + kMinDelayBetweenRas) at = last_sent + kMinDelayBetweenRas;
            if (at < next) next = at;
        }
    }
    // RFC 4861 §6.2.5: stop being a router with a final advertisement whose
    // router lifetime is zero.
    send_advert(sock.get(), ifindex, nat64d::lab::build_router_advert(ra, true));
    log(LogLevel::Info, "stopped; final advertisement sent on {}", o.iface);
    if (!o.pidfile.empty()) ::unlink(o.pidfile.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    nat64d::common::log_init(nat64d::common::LogSink::Stderr, LogLevel::Info, "nat64d-lab-ra");
    const Options o = parse_options(argc, argv);
    try {
        return run(o);
    } catch (const std::exception& e) {
        log(LogLevel::Err, "{}", e.what());
        return 1;
    }
}
