// Test helper for the kernel fast path's root tests against a real kernel
// (test/unit/bpf: bpf_loader.cpp, bpf_direct.cpp). They are plain programs,
// not Catch2: each check prints "ok: ..." or "FAILED: ...", and a test that
// cannot run here prints "SKIPPED: why" and exits 77. The process moves into
// a network namespace of its own (unshare), so nothing it sets up leaves it
// and nothing needs cleaning up after it.
//
// Here: the checks, the namespace and TUN device set-up, UDP sockets and a
// checksum check of what arrives, and a TCP exchange both ways in one
// thread.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bpf/fastpath.hpp"
#include "support/packet_builder.hpp"
#include "support/skip.hpp"

namespace nat64d::test {

// How many checks failed so far in this process.
inline int& lab_failures() {
    static int count = 0;
    return count;
}

// Prints "ok: what" or "FAILED: what"; a failure makes lab_exit_code() 1.
inline void expect(bool ok, const std::string& what) {
    std::printf("%s: %s\n", ok ? "ok" : "FAILED", what.c_str());
    if (!ok) ++lab_failures();
}

inline int lab_exit_code() {
    return lab_failures() == 0 ? 0 : 1;
}

// Runs a command through the shell, its output discarded; true on exit 0.
inline bool sh(const std::string& cmd) {
    return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

// The program's per-CPU counter `which` (NAT64D_BPF_C_...) summed, or all
// ones when the counters cannot be read.
inline std::uint64_t counter(const bpf::FastPath& fp, int which) {
    auto c = fp.counters();
    return c ? (*c)[static_cast<std::size_t>(which)] : ~std::uint64_t{0};
}

// Moves this process into a network namespace of its own. 0, or
// kSkipExitCode after "SKIPPED: why" when it cannot (not root: `needs` says
// what for).
inline int enter_own_netns(const std::string& needs) {
    if (::geteuid() != 0) {
        std::printf("SKIPPED: needs root (%s)\n", needs.c_str());
        return kSkipExitCode;
    }
    if (::unshare(CLONE_NEWNET) != 0) {
        std::printf("SKIPPED: unshare(CLONE_NEWNET): %s\n", std::strerror(errno));
        return kSkipExitCode;
    }
    return 0;
}

// A device name unique to this process: `prefix` and the PID (short enough
// for IFNAMSIZ with a prefix of up to 10 characters).
inline std::string lab_dev_name(const std::string& prefix) {
    return prefix + std::to_string(::getpid() % 100000);
}

// A TUN device of this namespace (no packet information header,
// non-blocking), or -1 with errno set. `opened`, when given, tells whether
// /dev/net/tun itself could be opened (the device could not be made
// otherwise).
inline int open_tun(const std::string& name, bool* opened = nullptr) {
    const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (opened != nullptr) *opened = fd >= 0;
    if (fd < 0) return -1;
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name.c_str());
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

// The test's TUN device `dev` in `tun`: what the daemon would read. 0, or
// the exit code after saying why: kSkipExitCode without /dev/net/tun, 1
// when the device cannot be made.
inline int open_lab_tun(const std::string& dev, int& tun) {
    bool opened = false;
    tun = open_tun(dev, &opened);
    if (tun >= 0) return 0;
    if (!opened) {
        std::printf("SKIPPED: /dev/net/tun: %s\n", std::strerror(errno));
        return kSkipExitCode;
    }
    std::printf("FAILED: TUNSETIFF: %s\n", std::strerror(errno));
    return 1;
}

// lo and the TUN device `dev` up, the prefix 3fff:6464::/96 and
// 198.51.100.0/24 (the IPv6 hosts' IPv4 images) routed into `dev`,
// forwarding on: the part of the namespace both tests share.
inline bool route_into_tun(const std::string& dev) {
    return sh("ip link set lo up") && sh("ip link set " + dev + " up") &&
           sh("ip route add 198.51.100.0/24 dev " + dev) && sh("ip -6 route add 3fff:6464::/96 dev " + dev) &&
           sh("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1");
}

// addr:port of `family` in `ss`; returns its length.
inline socklen_t make_sockaddr(int family, const char* addr, std::uint16_t port, sockaddr_storage& ss) {
    if (family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        ::inet_pton(AF_INET6, addr, &a->sin6_addr);
        return sizeof *a;
    }
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    ::inet_pton(AF_INET, addr, &a->sin_addr);
    return sizeof *a;
}

// A UDP socket bound to addr:port that waits at most a second for a
// datagram, sending with TTL/hop limit `ttl` (0: the system's default).
inline int udp_socket(int family, const char* addr, std::uint16_t port, int ttl = 0) {
    const int s = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    const timeval one_second{1, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &one_second, sizeof one_second);
    if (ttl > 0 && family == AF_INET6) ::setsockopt(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
    if (ttl > 0 && family == AF_INET) ::setsockopt(s, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    sockaddr_storage ss{};
    const socklen_t len = make_sockaddr(family, addr, port, ss);
    if (::bind(s, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        ::close(s);
        return -1;
    }
    return s;
}

inline bool send_to(int s, int family, const char* addr, std::uint16_t port, const std::string& text) {
    sockaddr_storage ss{};
    const socklen_t len = make_sockaddr(family, addr, port, ss);
    return ::sendto(s, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) ==
           static_cast<ssize_t>(text.size());
}

// Whether a whole IPv4/IPv6 UDP datagram's checksums verify (RFC 768, RFC 8200 §8.1).
inline bool checksums_valid(const Bytes& p) {
    if (p.size() >= 28 && p[0] == 0x45) {
        if (ref_checksum(Bytes(p.begin(), p.begin() + 20)) != 0) return false;
        Ipv4Addr s, d;
        std::copy(p.begin() + 12, p.begin() + 16, s.bytes.begin());
        std::copy(p.begin() + 16, p.begin() + 20, d.bytes.begin());
        const Bytes l4(p.begin() + 20, p.end());
        return ref_checksum(cat(pseudo4(s, d, 17, l4.size()), l4)) == 0;
    }
    if (p.size() >= 48 && p[0] >> 4 == 6) {
        Ipv6Addr s, d;
        std::copy(p.begin() + 8, p.begin() + 24, s.bytes.begin());
        std::copy(p.begin() + 24, p.begin() + 40, d.bytes.begin());
        const Bytes l4(p.begin() + 40, p.end());
        return ref_checksum(cat(pseudo6(s, d, 17, l4.size()), l4)) == 0;
    }
    return false;
}

// A TCP socket listening on IPv4 addr:port (one connection), or -1.
inline int tcp_listener(const char* addr, std::uint16_t port) {
    const int ls = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0) return -1;
    sockaddr_in la{};
    la.sin_family = AF_INET;
    la.sin_port = htons(port);
    ::inet_pton(AF_INET, addr, &la.sin_addr);
    const int one = 1;
    ::setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(ls, reinterpret_cast<sockaddr*>(&la), sizeof la) != 0 || ::listen(ls, 1) != 0) {
        ::close(ls);
        return -1;
    }
    return ls;
}

// `size` bytes each way over a TCP connection from [from6] to [to6]:port,
// which the listening socket `ls` accepts (after translation), interleaved
// in one thread, at most 10 s. "ok" or what went wrong.
inline std::string tcp_exchange(int ls, const char* from6, const char* to6, std::uint16_t port, std::size_t size) {
    const int c = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 ca{};
    ca.sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, from6, &ca.sin6_addr);
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    ::inet_pton(AF_INET6, to6, &sa.sin6_addr);
    const timeval two_seconds{2, 0};
    ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &two_seconds, sizeof two_seconds);
    ::setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof two_seconds);
    if (::bind(c, reinterpret_cast<sockaddr*>(&ca), sizeof ca) != 0 ||
        ::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        const int saved = errno;
        ::close(c);
        return std::string("connect: ") + std::strerror(saved);
    }
    const int a = ::accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
    if (a < 0) {
        ::close(c);
        return "accept failed";
    }
    ::fcntl(a, F_SETFL, O_NONBLOCK);
    ::fcntl(c, F_SETFL, O_NONBLOCK);
    Bytes data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 131 + (i >> 9));
    // Both ends send `data` and read the other's, interleaved.
    struct End {
        int fd;
        std::size_t sent = 0;
        Bytes got;
    };
    End ends[2] = {{c}, {a}};
    std::uint8_t buf[65536];
    for (int round = 0; round < 10000; ++round) {  // 1 ms each at most: 10 s
        bool done = true;
        for (End& e : ends) {
            if (e.sent < size) {
                const ssize_t n = ::send(e.fd, data.data() + e.sent, size - e.sent, MSG_NOSIGNAL);
                if (n > 0) e.sent += static_cast<std::size_t>(n);
            }
            const ssize_t r = ::recv(e.fd, buf, sizeof buf, 0);
            if (r > 0) e.got.insert(e.got.end(), buf, buf + r);
            done = done && e.sent == size && e.got.size() >= size;
        }
        if (done) break;
        ::usleep(1000);
    }
    ::close(a);
    ::close(c);
    for (const End& e : ends) {
        if (e.got != data) return "received " + std::to_string(e.got.size()) + " bytes, not the ones sent";
    }
    return "ok";
}

}  // namespace nat64d::test
