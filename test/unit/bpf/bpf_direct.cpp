// The kernel fast path's direct mode against a real kernel: a network
// namespace of its own (unshare) holds the TUN device and a veth pair whose
// other end lies in a second namespace (a child process that only waits),
// the "peer". Datagrams sent into the TUN device are translated and sent
// straight out of the veth device; the peer captures the frames and the
// test checks addresses, TTL/hop limit, MAC addresses and checksums. Also:
// the first packet to an unresolved neighbour goes the ingress way (and
// still arrives), a TTL that the output leg would expire goes the ingress
// way, a packet too big for the egress route is left untouched to the
// daemon (read back from the TUN device), a next hop on a device without
// Ethernet header goes the ingress way, and a TCP stream of GSO
// super-packets goes direct. Needs root: otherwise
// "SKIPPED: why", exit 77.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "bpf/fastpath.hpp"
#include "daemon/tables_builder.hpp"
#include "support/bpf_lab.hpp"
#include "support/packet_builder.hpp"

namespace {

using namespace nat64d;
using test::Bytes;
using Mac = std::array<std::uint8_t, 6>;

using test::checksums_valid;
using test::counter;
using test::expect;
using test::open_tun;
using test::sh;
using test::udp_socket;

Mac mac_of(const std::string& dev) {
    Mac m{};
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dev.c_str());
    if (s >= 0 && ::ioctl(s, SIOCGIFHWADDR, &ifr) == 0) std::memcpy(m.data(), ifr.ifr_hwaddr.sa_data, 6);
    if (s >= 0) ::close(s);
    return m;
}

// `size` bytes of filler to addr:port.
bool send_to(int s, int family, const char* addr, std::uint16_t port, std::size_t size) {
    return test::send_to(s, family, addr, port, std::string(size, 'd'));
}

// The UDP destination port of an IP packet, or 0.
std::uint16_t udp_dport(const std::uint8_t* p, std::size_t n) {
    if (n >= 28 && p[0] == 0x45 && p[9] == 17) return static_cast<std::uint16_t>(p[22] << 8 | p[23]);
    if (n >= 48 && p[0] >> 4 == 6 && p[6] == 17) return static_cast<std::uint16_t>(p[42] << 8 | p[43]);
    return 0;
}

// The next frame the peer receives on d1 (not one it sends) carrying UDP to
// `port`, within `ms` milliseconds; empty if none.
Bytes next_frame(int pkt, std::uint16_t port, int ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
        std::uint8_t f[2048];
        sockaddr_ll from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(pkt, f, sizeof f, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) {
            ::usleep(5000);
            continue;
        }
        if (from.sll_pkttype == PACKET_OUTGOING || n < 14) continue;
        if (udp_dport(f + 14, static_cast<std::size_t>(n) - 14) == port) return Bytes(f, f + n);
    }
    return {};
}

// The next UDP packet to `port` read from a TUN device within `ms`.
Bytes next_tun(int fd, std::uint16_t port, int ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
        std::uint8_t p[2048];
        const ssize_t n = ::read(fd, p, sizeof p);
        if (n < 0) {
            ::usleep(5000);
            continue;
        }
        if (udp_dport(p, static_cast<std::size_t>(n)) == port) return Bytes(p, p + n);
    }
    return {};
}

bool addr_is(const Bytes& p, std::size_t at, int family, const char* text) {
    std::uint8_t want[16];
    const std::size_t n = family == AF_INET6 ? 16 : 4;
    return ::inet_pton(family, text, want) == 1 && p.size() >= at + n && std::memcmp(p.data() + at, want, n) == 0;
}

// The checks on a frame the peer received from the translator: Ethernet
// header from d0 to d1, the translated addresses, TTL/hop limit and
// checksums.
void check_frame(const Bytes& f, bool v6, const Mac& from, const Mac& to, int ttl, const std::string& name) {
    expect(!f.empty(), name + ": frame received by the peer");
    if (f.empty()) return;
    const Bytes ip(f.begin() + 14, f.end());
    expect(std::equal(to.begin(), to.end(), f.begin()) && std::equal(from.begin(), from.end(), f.begin() + 6),
           name + ": MAC addresses d0 -> d1");
    expect(f[12] == (v6 ? 0x86 : 0x08) && f[13] == (v6 ? 0xdd : 0x00), name + ": ethertype");
    if (v6) {
        expect(ip[7] == ttl, name + ": hop limit " + std::to_string(ttl) + " (got " + std::to_string(ip[7]) + ")");
        expect(addr_is(ip, 8, AF_INET6, "3fff:6464::c000:201") && addr_is(ip, 24, AF_INET6, "2001:db8:1::2"),
               name + ": addresses");
    } else {
        expect(ip[8] == ttl, name + ": TTL " + std::to_string(ttl) + " (got " + std::to_string(ip[8]) + ")");
        expect(addr_is(ip, 12, AF_INET, "198.51.100.10") && addr_is(ip, 16, AF_INET, "192.0.2.2"),
               name + ": addresses");
    }
    const bool valid = checksums_valid(ip);
    expect(valid, name + ": checksums valid" + (valid ? "" : ":\n" + test::hex(ip)));
}

}  // namespace

int main() {
    if (const int rc = test::enter_own_netns("network namespaces, CAP_BPF, CAP_NET_ADMIN"); rc != 0) return rc;
    // The peer: a child in a namespace of its own that waits until killed
    // (also when this process dies first).
    int ready[2];
    if (::pipe(ready) != 0) return 1;
    const pid_t peer = ::fork();
    if (peer == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const char ok = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
        (void)::write(ready[1], &ok, 1);
        for (;;) ::pause();
    }
    char ok = '0';
    (void)::read(ready[0], &ok, 1);
    struct Reap {
        pid_t pid;
        ~Reap() {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    } reap{peer};
    if (ok != '1') {
        std::printf("FAILED: the peer namespace\n");
        return 1;
    }
    const int own_ns = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    const int peer_ns = ::open(("/proc/" + std::to_string(peer) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    if (own_ns < 0 || peer_ns < 0) {
        std::printf("FAILED: namespace files: %s\n", std::strerror(errno));
        return 1;
    }

    const std::string dev = test::lab_dev_name("n64dir");
    int tun = -1;
    if (const int rc = test::open_lab_tun(dev, tun); rc != 0) return rc;
    const unsigned ifindex = ::if_nametoindex(dev.c_str());
    // This namespace: the TUN device (the prefix and 198.51.100.0/24, the
    // IPv6 hosts' IPv4 images, are routed into it), d0 on 192.0.2.0/24 and
    // 2001:db8:1::/64, the IPv6 host 2001:db8::10 on lo. The peer: d1,
    // 192.0.2.2 and 2001:db8:1::2.
    const std::string dad = "sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0";
    bool net_ok = test::route_into_tun(dev) && sh(dad) &&
                  sh("ip link add d0 type veth peer name d1 netns " + std::to_string(peer)) &&
                  sh("ip link set d0 up") && sh("ip addr add 192.0.2.1/24 dev d0") &&
                  sh("ip addr add 2001:db8:1::1/64 dev d0 nodad") && sh("ip addr add 2001:db8::10/128 dev lo");
    const Mac mac0 = mac_of("d0");
    // In the peer: its end of the link and a packet socket that sees what
    // arrives there.
    int pkt = -1;
    int listener = -1;
    Mac mac1{};
    if (net_ok && ::setns(peer_ns, CLONE_NEWNET) == 0) {
        net_ok = sh("ip link set lo up") && sh(dad) && sh("ip link set d1 up") &&
                 sh("ip addr add 192.0.2.2/24 dev d1") && sh("ip addr add 2001:db8:1::2/64 dev d1 nodad") &&
                 sh("ip route add 198.51.100.0/24 via 192.0.2.1");
        mac1 = mac_of("d1");
        pkt = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
        sockaddr_ll ll{};
        ll.sll_family = AF_PACKET;
        ll.sll_protocol = htons(ETH_P_ALL);
        ll.sll_ifindex = static_cast<int>(::if_nametoindex("d1"));
        net_ok = net_ok && pkt >= 0 && ::bind(pkt, reinterpret_cast<sockaddr*>(&ll), sizeof ll) == 0;
        // The peer's TCP server (part 6).
        listener = test::tcp_listener("192.0.2.2", 5001);
        net_ok = net_ok && listener >= 0;
        net_ok = ::setns(own_ns, CLONE_NEWNET) == 0 && net_ok;
    } else {
        net_ok = false;
    }
    if (!net_ok) {
        std::printf("FAILED: setting up the namespaces with ip(8)\n");
        return 1;
    }

    Config cfg;
    cfg.prefix = test::p6("3fff:6464::/96");
    cfg.ipv4_addr = test::v4("198.51.100.1");
    cfg.ipv6_addr = test::v6("3fff:6464::c633:6401");
    cfg.maps.push_back(MapEntry{{test::p4("198.51.100.10/32"), test::p6("2001:db8::10/128")}, {}});
    cfg.maps.push_back(MapEntry{{test::p4("198.51.100.20/32"), test::p6("2001:db8:1::2/128")}, {}});
    cfg.udp_cksum_mode = UdpCksumMode::Calc;
    xlat::Tables t = daemon::build_tables(cfg).value();
    t.ipv4_mtu = t.ipv6_mtu = 1500;

    bpf::LoadOptions lo;
    lo.tun_ifindex = ifindex;
    lo.max_leases = 64;
    lo.direct = true;
    auto loaded = bpf::FastPath::load(lo);
    if (!loaded) {
        std::printf("FAILED: load: %s\n", loaded.error().c_str());
        return 1;
    }
    bpf::FastPath& fp = **loaded;
    expect(fp.direct(), "loaded in direct mode");
    auto devices = fp.refresh_direct_devices();
    expect(devices && *devices == 1, "one Ethernet device (d0; lo and the TUN device have none)");
    expect(fp.publish(t).ok(), "tables published");
    const auto a = fp.attach(ifindex);
    expect(a.ok(), "attached " + (a.ok() ? std::string() : a.error()));
    expect(!bpf::FastPath::load({ifindex, bpf::kTestRunL2Len, 64, true}),
           "direct mode refused with an L2 header in front (BPF_PROG_TEST_RUN)");

    const int s6 = udp_socket(AF_INET6, "2001:db8::10", 40000, 64);
    const int s4 = udp_socket(AF_INET, "192.0.2.1", 40001, 64);
    expect(s6 >= 0 && s4 >= 0, "sockets");
    sh("ip -4 neigh flush dev d0");
    sh("ip -6 neigh flush dev d0");

    // 1. 6->4. The first datagram finds no neighbour for 192.0.2.2: it goes
    // the ingress way, the kernel resolves the neighbour and forwards it;
    // the second is sent straight out of d0. Both the same on the wire:
    // TTL 64 - 1 (translation) - 1 (the forwarding hop).
    expect(send_to(s6, AF_INET6, "3fff:6464::c000:202", 7000, 100), "6->4 datagram 1 sent");
    check_frame(next_frame(pkt, 7000, 2000), false, mac0, mac1, 62, "6->4 via ingress (no neighbour)");
    expect(counter(fp, NAT64D_BPF_C_direct_fallback_no_neigh) == 1 && counter(fp, NAT64D_BPF_C_direct_6to4) == 0,
           "counted as direct_fallback_no_neigh");
    expect(send_to(s6, AF_INET6, "3fff:6464::c000:202", 7000, 100), "6->4 datagram 2 sent");
    check_frame(next_frame(pkt, 7000, 2000), false, mac0, mac1, 62, "6->4 direct");
    expect(counter(fp, NAT64D_BPF_C_direct_6to4) == 1 && counter(fp, NAT64D_BPF_C_translated_6to4) == 2,
           "counted as direct_6to4");

    // 2. 4->6, the same: 198.51.100.20 is the peer's 2001:db8:1::2.
    expect(send_to(s4, AF_INET, "198.51.100.20", 7001, 100), "4->6 datagram 1 sent");
    check_frame(next_frame(pkt, 7001, 2000), true, mac0, mac1, 62, "4->6 via ingress (no neighbour)");
    expect(counter(fp, NAT64D_BPF_C_direct_fallback_no_neigh) == 2 && counter(fp, NAT64D_BPF_C_direct_4to6) == 0,
           "counted as direct_fallback_no_neigh");
    expect(send_to(s4, AF_INET, "198.51.100.20", 7001, 100), "4->6 datagram 2 sent");
    check_frame(next_frame(pkt, 7001, 2000), true, mac0, mac1, 62, "4->6 direct");
    expect(counter(fp, NAT64D_BPF_C_direct_4to6) == 1 && counter(fp, NAT64D_BPF_C_translated_4to6) == 2,
           "counted as direct_4to6");

    // 3. Hop limit 2: translated to TTL 1, which the forwarding hop expires
    // (Time Exceeded from the kernel): the ingress way, nothing arrives.
    const int low = udp_socket(AF_INET6, "2001:db8::10", 40002, 2);
    expect(low >= 0 && send_to(low, AF_INET6, "3fff:6464::c000:202", 7002, 100), "6->4 with hop limit 2 sent");
    expect(next_frame(pkt, 7002, 500).empty(), "TTL expired on the forwarding hop: nothing arrives");
    expect(counter(fp, NAT64D_BPF_C_direct_fallback_ttl) == 1 && counter(fp, NAT64D_BPF_C_direct_6to4) == 1,
           "counted as direct_fallback_ttl");
    if (low >= 0) ::close(low);

    // 4. Bigger than the route MTU of the egress (d0 at 1400): left to the
    // daemon untouched, read back from the TUN device as it was sent.
    for (std::uint8_t drain[2048]; ::read(tun, drain, sizeof drain) > 0;) {
    }
    expect(sh("ip link set d0 mtu 1400"), "d0 MTU 1400");
    const std::uint64_t too_big = counter(fp, NAT64D_BPF_C_pass_too_big);
    expect(send_to(s6, AF_INET6, "3fff:6464::c000:202", 7003, 1400), "6->4 datagram of 1448 bytes sent");
    const Bytes big = next_tun(tun, 7003, 2000);
    expect(big.size() == 1448 && big[0] >> 4 == 6 && big[7] == 64 && addr_is(big, 24, AF_INET6, "3fff:6464::c000:202"),
           "the daemon reads it untranslated from the TUN device");
    expect(next_frame(pkt, 7003, 300).empty(), "and nothing arrives at the peer");
    expect(counter(fp, NAT64D_BPF_C_pass_too_big) == too_big + 1, "counted as pass_too_big");
    expect(send_to(s6, AF_INET6, "3fff:6464::c000:202", 7004, 1300), "6->4 datagram of 1348 bytes sent");
    const Bytes fits = next_frame(pkt, 7004, 2000);
    expect(fits.size() == 14 + 1328 && counter(fp, NAT64D_BPF_C_direct_6to4) == 2, "one that fits goes direct");

    // 5. A next hop on a device without Ethernet header (a second TUN
    // device): the ingress way; the kernel forwards it there.
    const std::string out_dev = test::lab_dev_name("n64dio");
    const int out = open_tun(out_dev);
    expect(out >= 0 && sh("ip link set " + out_dev + " up") && sh("ip route add 203.0.113.0/24 dev " + out_dev),
           "a second TUN device for 203.0.113.0/24");
    devices = fp.refresh_direct_devices();
    expect(devices && *devices == 1, "still one Ethernet device");
    const std::uint64_t not_ether = counter(fp, NAT64D_BPF_C_direct_fallback_not_ether);
    const std::uint64_t no_neigh = counter(fp, NAT64D_BPF_C_direct_fallback_no_neigh);
    for (int i = 0; i < 2; ++i) {
        expect(send_to(s6, AF_INET6, "3fff:6464::cb00:7105", 7005, 100), "6->4 to 203.0.113.5 sent");
        const Bytes p = out >= 0 ? next_tun(out, 7005, 2000) : Bytes{};
        expect(p.size() == 128 && p[0] == 0x45 && p[8] == 62 && checksums_valid(p),
               "forwarded into the second TUN device, TTL 62");
    }
    // The first may find no neighbour entry yet (one is made for any device).
    expect(
        counter(fp, NAT64D_BPF_C_direct_fallback_not_ether) >= not_ether + 1 &&
            counter(fp, NAT64D_BPF_C_direct_fallback_not_ether) + counter(fp, NAT64D_BPF_C_direct_fallback_no_neigh) ==
                not_ether + no_neigh + 2,
        "counted as direct_fallback_not_ether");

    // 6. TCP super-packets (segmentation offload on the TUN device): sent
    // direct with their GSO state, the route MTU checked per segment; the
    // peer's replies come back into the TUN device for a local host (not
    // forwarded: the ingress way).
    {
        const bool offload =
            ::ioctl(tun, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) == 0 && sh("ip link set d0 mtu 1500");
        expect(offload, "segmentation offload on the TUN device, d0 MTU 1500");
        const std::uint64_t n6 = counter(fp, NAT64D_BPF_C_translated_6to4);
        const std::uint64_t b6 = counter(fp, NAT64D_BPF_C_bytes_6to4);
        const std::uint64_t d6 = counter(fp, NAT64D_BPF_C_direct_6to4);
        const std::string got = test::tcp_exchange(listener, "2001:db8::10", "3fff:6464::c000:202", 5001, 512 * 1024);
        expect(got == "ok", "TCP: 512 KiB each way, 6->4 direct: " + got);
        const std::uint64_t n = counter(fp, NAT64D_BPF_C_translated_6to4) - n6;
        const std::uint64_t b = counter(fp, NAT64D_BPF_C_bytes_6to4) - b6;
        const std::uint64_t d = counter(fp, NAT64D_BPF_C_direct_6to4) - d6;
        expect(n > 0 && d + 2 >= n && b / n > 1500, "TCP: super-packets sent direct (" + std::to_string(n) +
                                                        " translated, " + std::to_string(d) + " direct, " +
                                                        std::to_string(b) + " bytes)");
    }
    expect(counter(fp, NAT64D_BPF_C_dropped_error) == 0, "nothing dropped");

    if (s6 >= 0) ::close(s6);
    if (s4 >= 0) ::close(s4);
    if (out >= 0) ::close(out);
    ::close(pkt);
    ::close(listener);
    ::close(tun);
    return test::lab_exit_code();
}
