// The kernel fast path's loader against a real kernel, in a network
// namespace of its own (unshare) with a TUN device (nothing leaves it):
// attach as a tcx link and as a clsact filter, translate a packet sent
// into the device without any daemon reading it, remove a filter a killed
// process left behind, mirror a lease and read its use back, and the
// routing loop check through the FIB. Needs root: otherwise
// "SKIPPED: why", exit 77.
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "addr/dynamic_pool.hpp"
#include "addr/route_view.hpp"
#include "bpf/fastpath.hpp"
#include "daemon/tables_builder.hpp"
#include "support/bpf_lab.hpp"
#include "support/packet_builder.hpp"

namespace {

using namespace nat64d;
using test::Bytes;
using test::checksums_valid;
using test::counter;
using test::expect;
using test::open_tun;
using test::send_to;
using test::sh;
using test::udp_socket;

Bytes udp6(const char* src, const char* dst) {
    const Ipv6Addr s = test::v6(src), d = test::v6(dst);
    return test::ipv6({s, d, 17, 64}, test::seal6(test::udp(40000, 53, Bytes(12, 0x61)), 17, s, d));
}

Bytes udp4(const char* src, const char* dst) {
    const Ipv4Addr s = test::v4(src), d = test::v4(dst);
    return test::ipv4({s, d, 17, 64, 0, 0, true}, test::seal4(test::udp(53, 40000, Bytes(12, 0x62)), 17, s, d));
}

// Reads every packet queued on the TUN device; true when one of them is
// the test's datagram (UDP to port 53), untranslated or translated.
bool drain(int tun) {
    bool ours = false;
    std::uint8_t p[2048];
    for (int i = 0; i < 100; ++i) {
        const ssize_t n = ::read(tun, p, sizeof p);
        if (n <= 0) break;
        if (n >= 44 && p[0] >> 4 == 6 && p[6] == 17 && p[42] == 0 && p[43] == 53) ours = true;
        if (n >= 24 && p[0] == 0x45 && p[9] == 17 && p[22] == 0 && p[23] == 53) ours = true;
    }
    return ours;
}

// "<text> from <address>:<port>", or "" after a second without a datagram.
std::string receive(int s) {
    if (s < 0) return "";
    char buf[64];
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(s, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return "";
    char text[INET6_ADDRSTRLEN] = "";
    std::uint16_t port = 0;
    if (from.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&from);
        ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
    } else {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&from);
        ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
    }
    return std::string(buf, static_cast<std::size_t>(n)) + " from " + text + ":" + std::to_string(port);
}

// The next UDP datagram read from a TUN device within a second (other
// packets, the kernel's own, are skipped); empty if none.
Bytes next_udp(int fd) {
    for (int i = 0; i < 100; ++i) {
        std::uint8_t p[2048];
        const ssize_t n = ::read(fd, p, sizeof p);
        if (n < 0) {
            ::usleep(10000);
            continue;
        }
        if ((n >= 28 && p[0] == 0x45 && p[9] == 17) || (n >= 48 && p[0] >> 4 == 6 && p[6] == 17))
            return Bytes(p, p + n);
    }
    return {};
}

// A TCP connection from [2001:db8::10] to [3fff:6464::cb00:7105]:5001
// (203.0.113.5, local): `size` bytes each way, at most 10 s. "ok" or what
// went wrong.
std::string tcp_exchange(std::size_t size) {
    const int ls = test::tcp_listener("203.0.113.5", 5001);
    if (ls < 0) return "listen failed";
    std::string got = test::tcp_exchange(ls, "2001:db8::10", "3fff:6464::cb00:7105", 5001, size);
    ::close(ls);
    return got;
}

std::uint32_t run(const bpf::FastPath& fp, const Bytes& pkt) {
    Bytes frame(14, 0);
    frame[12] = pkt[0] >> 4 == 6 ? 0x86 : 0x08;
    frame[13] = pkt[0] >> 4 == 6 ? 0xdd : 0x00;
    frame.insert(frame.end(), pkt.begin(), pkt.end());
    auto r = fp.test_run(frame);
    return r ? r->retval : 0xffffffffu;
}

}  // namespace

int main() {
    if (const int rc = test::enter_own_netns("a network namespace, CAP_BPF, CAP_NET_ADMIN"); rc != 0) return rc;
    // The TUN device: its file descriptor is what the daemon would read.
    const std::string dev = test::lab_dev_name("n64bpf");
    int tun = -1;
    if (const int rc = test::open_lab_tun(dev, tun); rc != 0) return rc;
    const unsigned ifindex = ::if_nametoindex(dev.c_str());
    // d0 (a veth pair with d1) is "the rest of the network": 203.0.113.0/24
    // lies behind it, and the namespace's own hosts 2001:db8::10 and
    // 203.0.113.5 are on it; the prefix, 198.51.100.0/24 (the IPv6 host's
    // IPv4 image) and 192.0.2.128/25 are routed into the TUN device.
    const bool net_ok = test::route_into_tun(dev) && sh("ip link add d0 type veth peer name d1") &&
                        sh("ip link set d0 up") && sh("ip link set d1 up") &&
                        sh("ip addr add 2001:db8::10/128 dev d0 nodad") && sh("ip addr add 203.0.113.5/32 dev d0") &&
                        sh("ip route add 203.0.113.0/24 dev d0") && sh("ip route add 192.0.2.128/25 dev " + dev);
    if (!net_ok) {
        std::printf("FAILED: setting up the namespace with ip(8)\n");
        return 1;
    }

    Config cfg;
    cfg.prefix = test::p6("3fff:6464::/96");
    cfg.ipv4_addr = test::v4("192.0.2.1");
    cfg.ipv6_addr = test::v6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{test::p4("198.51.100.10/32"), test::p6("2001:db8::10/128"), {}});
    cfg.udp_cksum_mode = UdpCksumMode::Calc;
    xlat::Tables t = daemon::build_tables(cfg).value();
    t.ipv4_mtu = t.ipv6_mtu = 1500;
    Config pool_cfg = cfg;
    pool_cfg.dynamic_pool = test::p4("192.0.2.64/28");
    auto pool = addr::DynamicPool::create(daemon::pool_options(pool_cfg));
    if (!pool) {
        std::printf("FAILED: pool: %s\n", pool.error().c_str());
        return 1;
    }
    t.pool = pool->get();

    // 1. Attached to the device: datagrams the kernel routes into the TUN
    // device are translated on the way, both ways, and the daemon's queue
    // stays empty.
    for (const bpf::AttachMode mode : {bpf::AttachMode::Auto, bpf::AttachMode::Clsact}) {
        const char* name = mode == bpf::AttachMode::Auto ? "tcx" : "clsact";
        auto loaded = bpf::FastPath::load({ifindex, 0, 64});
        if (!loaded) {
            std::printf("FAILED: load: %s\n", loaded.error().c_str());
            return 1;
        }
        bpf::FastPath& fp = **loaded;
        expect(fp.publish(t).ok(), std::string(name) + ": tables published");
        const auto a = fp.attach(ifindex, mode);
        expect(a.ok(), std::string(name) + ": attached " + (a.ok() ? "" : a.error()));
        expect(fp.attachment() == (mode == bpf::AttachMode::Auto ? bpf::Attachment::Tcx : bpf::Attachment::Clsact),
               std::string(name) + ": attachment kind");
        drain(tun);  // the kernel's own packets on the link (MLD, router solicitations)
        // An IPv6 host (2001:db8::10, mapped to 198.51.100.10) and an IPv4
        // one (203.0.113.5), both local to the namespace: each datagram
        // crosses the TUN device's egress, is translated and delivered
        // (the kernel verifies its checksums: no offload on this device).
        const int s6 = udp_socket(AF_INET6, "2001:db8::10", 40000);
        const int s4 = udp_socket(AF_INET, "203.0.113.5", 53);
        const bool sent = s6 >= 0 && s4 >= 0 && send_to(s6, AF_INET6, "3fff:6464::cb00:7105", 53, "fast");
        expect(sent, std::string(name) + ": datagram sent to 3fff:6464::cb00:7105");
        expect(receive(s4) == "fast from 198.51.100.10:40000", std::string(name) + ": delivered over IPv4");
        expect(send_to(s4, AF_INET, "198.51.100.10", 40000, "back"), std::string(name) + ": reply sent");
        expect(receive(s6) == "back from 3fff:6464::cb00:7105:53", std::string(name) + ": reply delivered over IPv6");
        if (s6 >= 0) ::close(s6);
        if (s4 >= 0) ::close(s4);
        expect(counter(fp, NAT64D_BPF_C_translated_6to4) == 1 && counter(fp, NAT64D_BPF_C_translated_4to6) == 1,
               std::string(name) + ": one datagram translated each way by the program");
        expect(!drain(tun), std::string(name) + ": the datagram did not reach the daemon's queue");
        fp.detach();
        expect(fp.attachment() == bpf::Attachment::None, std::string(name) + ": detached");
        auto stale = bpf::FastPath::remove_stale(ifindex);
        expect(stale && !*stale, std::string(name) + ": no filter left after detach");
    }

    // 1b. Partial checksums (RFC 1624 update of the pseudo-header sum): with
    // checksum offload on the TUN device, local datagrams reach the program
    // with CHECKSUM_PARTIAL; translated, they are forwarded out of a second
    // TUN device without offload, where the kernel completes the checksum
    // from what the program left (csum_start, the partial sum).
    {
        const std::string out_dev = test::lab_dev_name("n64bpfo");
        const int out = open_tun(out_dev);
        const bool ok = out >= 0 && ::ioctl(tun, TUNSETOFFLOAD, TUN_F_CSUM) == 0 &&
                        sh("ip link set " + out_dev + " up") && sh("ip route add 203.0.113.64/26 dev " + out_dev) &&
                        sh("ip -6 route add 2001:db8:2::/64 dev " + out_dev);
        expect(ok, "checksum offload on the TUN device, a second device out");
        xlat::Tables t2 =
            daemon::build_tables([&cfg] {
                Config c = cfg;
                c.maps.push_back(MapEntry{test::p4("198.51.100.20/32"), test::p6("2001:db8:2::20/128"), {}});
                return c;
            }())
                .value();
        t2.ipv4_mtu = t2.ipv6_mtu = 1500;
        auto loaded = bpf::FastPath::load({ifindex, 0, 64});
        const bool attached = loaded && (*loaded)->publish(t2).ok() && (*loaded)->attach(ifindex).ok();
        expect(attached, "partial checksums: loaded and attached");
        const int s6 = udp_socket(AF_INET6, "2001:db8::10", 40001);
        const int s4 = udp_socket(AF_INET, "203.0.113.5", 54);
        expect(send_to(s6, AF_INET6, "3fff:6464::cb00:7141", 9, std::string(100, 'x')), "6->4 datagram sent");
        const Bytes v4 = next_udp(out);
        expect(v4.size() == 128 && v4[0] == 0x45 && checksums_valid(v4),
               "6->4: forwarded with valid checksums:\n" + test::hex(v4));
        expect(send_to(s4, AF_INET, "198.51.100.20", 9, std::string(100, 'y')), "4->6 datagram sent");
        const Bytes v6 = next_udp(out);
        expect(v6.size() == 148 && v6[0] >> 4 == 6 && checksums_valid(v6),
               "4->6: forwarded with valid checksums:\n" + test::hex(v6));
        if (attached) {
            expect(counter(**loaded, NAT64D_BPF_C_translated_6to4) == 1 &&
                       counter(**loaded, NAT64D_BPF_C_translated_4to6) == 1,
                   "partial checksums: translated by the program");
        }
        if (s6 >= 0) ::close(s6);
        if (s4 >= 0) ::close(s4);
        if (out >= 0) ::close(out);
    }

    // 1c. TCP super-packets: with segmentation offload on the TUN device, a
    // TCP stream through the program both ways arrives whole, and the
    // program's average translated packet is larger than the MTU (it
    // translated GSO super-packets, which the kernel segments later).
    {
        const bool offload = ::ioctl(tun, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) == 0 &&
                             sh("ip link set " + dev + " mtu 1500");
        expect(offload, "segmentation offload on the TUN device");
        auto loaded = bpf::FastPath::load({ifindex, 0, 64});
        const bool attached = loaded && (*loaded)->publish(t).ok() && (*loaded)->attach(ifindex).ok();
        expect(attached, "TCP: loaded and attached");
        const std::string got = tcp_exchange(512 * 1024);
        expect(got == "ok", "TCP: 512 KiB each way through the program: " + got);
        if (attached) {
            const std::uint64_t n6 = counter(**loaded, NAT64D_BPF_C_translated_6to4);
            const std::uint64_t b6 = counter(**loaded, NAT64D_BPF_C_bytes_6to4);
            const std::uint64_t n4 = counter(**loaded, NAT64D_BPF_C_translated_4to6);
            const std::uint64_t b4 = counter(**loaded, NAT64D_BPF_C_bytes_4to6);
            expect(n6 > 0 && n4 > 0 && b6 / n6 > 1500 && b4 / n4 > 1500,
                   "TCP: super-packets translated (6->4 " + std::to_string(n6) + " packets, " + std::to_string(b6) +
                       " bytes; 4->6 " + std::to_string(n4) + " packets, " + std::to_string(b4) + " bytes)");
        }
    }

    // 2. A filter left by a process that died attached is found and removed.
    const pid_t child = ::fork();
    if (child == 0) {
        auto loaded = bpf::FastPath::load({ifindex, 0, 64});
        const bool ok = loaded && (*loaded)->attach(ifindex, bpf::AttachMode::Clsact).ok();
        ::_exit(ok ? 0 : 1);  // no destructor: the filter stays behind
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a child attached a clsact filter and died");
    auto stale = bpf::FastPath::remove_stale(ifindex);
    expect(stale && *stale, "remove_stale found the filter left behind");
    stale = bpf::FastPath::remove_stale(ifindex);
    expect(stale && !*stale, "and it is gone");

    // 3. Leases and the routing loop check, through BPF_PROG_TEST_RUN.
    auto loaded = bpf::FastPath::load({ifindex, bpf::kTestRunL2Len, 64});
    if (!loaded) {
        std::printf("FAILED: load: %s\n", loaded.error().c_str());
        return 1;
    }
    bpf::FastPath& fp = **loaded;
    expect(run(fp, udp6("2001:db8::10", "3fff:6464::cb00:7105")) == 0, "no tables yet: passed on");
    expect(counter(fp, NAT64D_BPF_C_pass_no_tables) == 1, "counted as pass_no_tables");
    expect(fp.publish(t).ok(), "tables published");
    const Ipv6Addr host = test::v6("2001:db8:5::5");
    const Ipv4Addr leased = test::v4("192.0.2.69");
    expect(run(fp, udp6("2001:db8:5::5", "3fff:6464::cb00:7105")) == 0, "no lease: the daemon's (a new lease)");
    expect(counter(fp, NAT64D_BPF_C_pass_unmapped) == 1, "counted as pass_unmapped");
    expect(fp.add_lease(host, leased).ok(), "lease mirrored");
    auto uses = fp.lease_uses();
    expect(uses && uses->size() == 1 && (*uses)[0].v4 == leased && (*uses)[0].last_use_ns == 0,
           "lease listed, not used yet");
    expect(run(fp, udp6("2001:db8:5::5", "3fff:6464::cb00:7105")) == 7, "6->4 from the leased host: translated");
    expect(run(fp, udp4("203.0.113.5", "192.0.2.69")) == 7, "4->6 to the leased address: translated");
    uses = fp.lease_uses();
    expect(uses && uses->size() == 1 && (*uses)[0].last_use_ns > 0, "lease use stamped");
    expect(fp.remove_lease(host, leased).ok(), "lease removed");
    expect(run(fp, udp4("203.0.113.5", "192.0.2.69")) == 0, "4->6 to a pool address without lease: passed on");
    uses = fp.lease_uses();
    expect(uses && uses->empty(), "no lease listed");

    t.routes = std::make_shared<const addr::RouteView>(addr::RouteView::build({}));
    expect(fp.publish(t).ok(), "tables with the routing loop check published");
    expect(run(fp, udp6("2001:db8::10", "3fff:6464::cb00:7106")) == 7, "FIB: 203.0.113.6 leaves through d0");
    const std::uint64_t before = counter(fp, NAT64D_BPF_C_pass_route_check);
    expect(run(fp, udp6("2001:db8::10", "3fff:6464::c000:2c8")) == 0, "FIB: 192.0.2.200 is routed into the TUN");
    expect(run(fp, udp6("2001:db8::10", "3fff:6464::c633:644d")) == 0, "FIB: no route to 198.51.100.77");
    expect(counter(fp, NAT64D_BPF_C_pass_route_check) == before + 2, "counted as pass_route_check");
    expect(run(fp, udp4("203.0.113.5", "198.51.100.10")) == 7, "4->6 to a mapped host: no FIB lookup needed");
    ::close(tun);
    return test::lab_exit_code();
}
