// The worker loop over a fake TUN: one end of a SOCK_SEQPACKET socketpair
// keeps packet boundaries exactly like a TUN queue, without privileges.
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "io/vnet.hpp"
#include "io/worker.hpp"
#include "support/packet_builder.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

struct FakeTun {
    int fds[2] = {-1, -1};
    FakeTun() {
        REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    }
    ~FakeTun() {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    int daemon_end() const { return fds[0]; }
    void inject(const Bytes& pkt) const { REQUIRE(::write(fds[1], pkt.data(), pkt.size()) == static_cast<ssize_t>(pkt.size())); }
    // Waits up to 2 s for the next packet the worker wrote.
    Bytes receive() const {
        pollfd p{fds[1], POLLIN, 0};
        if (::poll(&p, 1, 2000) != 1) return {};
        Bytes b(70000);
        const ssize_t n = ::read(fds[1], b.data(), b.size());
        b.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        return b;
    }
};

// Runs a worker on its own thread and stops it on scope exit, also when a
// REQUIRE fails and unwinds.
struct RunningWorker {
    io::Worker& worker;
    std::atomic<bool> stop{false};
    std::string why;  // what run() returned, once the thread has ended
    std::thread thread;
    explicit RunningWorker(io::Worker& w) : worker(w), thread([this] { why = worker.run(stop); }) {}
    ~RunningWorker() { halt(); }
    void halt() {
        stop = true;
        if (thread.joinable()) thread.join();
    }
};

std::shared_ptr<const xlat::Tables> tables() {
    Config cfg;
    cfg.prefix = *parse_prefix6("3fff:6464::/96");
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    return std::make_shared<const xlat::Tables>(xlat::make_tables(cfg));
}

}  // namespace

TEST_CASE("Worker translates packets from its queue and writes them back; drops are counted", "[io][worker]") {
    FakeTun tun;
    io::TablesSource source(tables());
    io::Worker worker(tun.daemon_end(), source, 0x1000);
    RunningWorker running(worker);

    const auto h6 = v6("2001:db8::10"), s6 = v6("3fff:6464::c000:221");
    const auto h4 = v4("198.51.100.10"), s4 = v4("192.0.2.33");
    tun.inject(ipv6({h6, s6, 58}, seal6(icmp_echo(128, 1, 2, {1, 2, 3}), 58, h6, s6)));
    const Bytes out = tun.receive();
    REQUIRE(out.size() >= 20);
    // DF=0: the ID comes from the worker's keyed generator (RFC 6864 §4.3).
    const std::uint16_t id = get16(out, 4);
    CHECK(id != 0);
    CHECK(out == ipv4({h4, s4, 1, 63, 0, id}, seal4(icmp_echo(8, 1, 2, {1, 2, 3}), 1, h4, s4)));

    // Hop limit 1: not forwarded; RFC 7915 §5.1 Time Exceeded goes back
    // from the translator's own address, quoting the packet.
    const Bytes expiring = ipv6({h6, s6, 58, 1}, seal6(icmp_echo(128, 1, 3, {}), 58, h6, s6));
    tun.inject(expiring);
    const auto x6 = v6("3fff:6464::c000:201");
    CHECK(tun.receive() == ipv6({x6, h6, 58, 64}, seal6(cat(Bytes{3, 0, 0, 0, 0, 0, 0, 0}, expiring), 58, x6, h6)));
    tun.inject(ipv4({s4, h4, 1}, seal4(icmp_echo(0, 1, 2, {}), 1, s4, h4)));
    const Bytes back = tun.receive();
    CHECK(back == ipv6({s6, h6, 58, 63}, seal6(icmp_echo(129, 1, 2, {}), 58, s6, h6)));

    running.halt();
    const auto c = worker.counters();
    CHECK(c.packets_6to4 == 1);
    CHECK(c.packets_4to6 == 1);
    CHECK(c.drops[static_cast<std::size_t>(Reason::HopLimitExpired)] == 1);
    CHECK(c.icmp_errors_sent == 1);
    CHECK(c.icmp_errors_by_kind[static_cast<std::size_t>(xlat::IcmpErrorKind::TimeExceeded)] == 1);
    CHECK(c.icmp_translated_6to4 == 1);
    CHECK(c.icmp_translated_4to6 == 1);
}

TEST_CASE("RFC 6864 §4.3, RFC 7739 §5: each worker draws its own IPv4 ID key from the kernel", "[io][worker]") {
    // Two workers with the same counter start: with keys from getrandom()
    // their ID sequences differ (equal by chance: 2^-64 for four IDs).
    const auto h6 = v6("2001:db8::10"), s6 = v6("3fff:6464::c000:221");
    std::vector<std::uint16_t> ids[2];
    for (auto& seq : ids) {
        FakeTun tun;
        io::TablesSource source(tables());
        io::Worker worker(tun.daemon_end(), source, 0);
        RunningWorker running(worker);
        for (std::uint16_t i = 0; i < 4; ++i) {
            tun.inject(ipv6({h6, s6, 58}, seal6(icmp_echo(128, 1, i, {}), 58, h6, s6)));
            const Bytes out = tun.receive();
            REQUIRE(out.size() >= 20);
            seq.push_back(get16(out, 4));
            CHECK(seq.back() != 0);
        }
    }
    CHECK(ids[0] != ids[1]);
}

TEST_CASE("Worker picks up newly published tables between batches", "[io][worker]") {
    FakeTun tun;
    io::TablesSource source(tables());
    io::Worker worker(tun.daemon_end(), source, 0);
    RunningWorker running(worker);

    const auto h6 = v6("2001:db8::20"), s6 = v6("3fff:6464::c000:221");
    const Bytes ping = ipv6({h6, s6, 58}, seal6(icmp_echo(128, 1, 1, {}), 58, h6, s6));
    tun.inject(ping);  // 2001:db8::20 is not mapped yet
    CHECK(tun.receive().empty());

    Config cfg;
    cfg.prefix = *parse_prefix6("3fff:6464::/96");
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.20/32"), *parse_prefix6("2001:db8::20/128"), {}});
    source.publish(std::make_shared<const xlat::Tables>(xlat::make_tables(cfg)));
    // The worker sees the new generation at its next wake-up (poll timeout 200 ms at most).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    tun.inject(ping);
    CHECK_FALSE(tun.receive().empty());

    running.halt();
}

namespace {

// Reference: the folded pseudo-header sum the kernel leaves in the checksum
// field of a CHECKSUM_PARTIAL TCP segment (~tcp_v4_check / ~tcp_v6_check).
std::uint16_t partial_field(const Bytes& pseudo) { return static_cast<std::uint16_t>(~ref_checksum(pseudo)); }

Bytes with_vnet(const io::VnetHdr& h, const Bytes& pkt) {
    Bytes b(io::kVnetHdrLen);
    std::memcpy(b.data(), &h, io::kVnetHdrLen);
    return cat(b, pkt);
}

io::VnetHdr vnet_of(const Bytes& b) {
    io::VnetHdr h;
    std::memcpy(&h, b.data(), io::kVnetHdrLen);
    return h;
}

}  // namespace

TEST_CASE("Offload: a partial checksum of an ordinary packet is completed before translation", "[io][worker][offload]") {
    FakeTun tun;
    io::TablesSource source(tables());
    io::Worker worker(tun.daemon_end(), source, 0x2000, /*vnet_hdr=*/true);
    RunningWorker running(worker);

    const auto h6 = v6("2001:db8::10"), s6 = v6("3fff:6464::c000:221");
    const auto h4 = v4("198.51.100.10"), s4 = v4("192.0.2.33");
    Bytes seg = tcp(40000, 80, 1, 0x18, Bytes(100, 0x42));
    put16(seg, 16, partial_field(pseudo6(h6, s6, 6, seg.size())));
    io::VnetHdr in;
    in.flags = io::kVnetNeedsCsum;
    in.csum_start = 40;
    in.csum_offset = 16;
    tun.inject(with_vnet(in, ipv6({h6, s6, 6}, seg)));
    const Bytes out = tun.receive();
    REQUIRE(out.size() > io::kVnetHdrLen);
    const auto oh = vnet_of(out);
    CHECK(oh.flags == 0);
    CHECK(oh.gso_type == io::kGsoNone);
    const std::uint16_t id = get16(out, io::kVnetHdrLen + 4);  // DF=0: from the keyed generator
    CHECK(id != 0);
    CHECK(Bytes(out.begin() + io::kVnetHdrLen, out.end()) ==
          ipv4({h4, s4, 6, 63, 0, id}, seal4(tcp(40000, 80, 1, 0x18, Bytes(100, 0x42)), 6, h4, s4)));
    running.halt();
}

TEST_CASE("Offload: a TCP super-packet is translated once, its GSO header and partial sum follow", "[io][worker][offload]") {
    FakeTun tun;
    io::TablesSource source(tables());
    io::Worker worker(tun.daemon_end(), source, 0x3000, /*vnet_hdr=*/true);
    RunningWorker running(worker);

    const auto h6 = v6("2001:db8::10"), s6 = v6("3fff:6464::c000:221");
    const auto h4 = v4("198.51.100.10"), s4 = v4("192.0.2.33");
    const Bytes data(20000, 0x5a);  // far above every MTU: segmented later by the kernel
    Bytes seg6 = tcp(40000, 80, 7, 0x10, data);
    put16(seg6, 16, partial_field(pseudo6(h6, s6, 6, seg6.size())));
    io::VnetHdr in;
    in.flags = io::kVnetNeedsCsum;
    in.gso_type = io::kGsoTcpV6 | io::kGsoEcn;
    in.hdr_len = 60;
    in.gso_size = 1440;
    in.csum_start = 40;
    in.csum_offset = 16;
    tun.inject(with_vnet(in, ipv6({h6, s6, 6}, seg6)));
    Bytes out = tun.receive();
    REQUIRE(out.size() == io::kVnetHdrLen + 20 + seg6.size());
    auto oh = vnet_of(out);
    CHECK(oh.flags == io::kVnetNeedsCsum);
    CHECK(oh.gso_type == (io::kGsoTcpV4 | io::kGsoEcn));
    CHECK(oh.hdr_len == 40);
    CHECK(oh.gso_size == 1440);
    CHECK(oh.csum_start == 20);
    CHECK(oh.csum_offset == 16);
    Bytes seg4 = tcp(40000, 80, 7, 0x10, data);
    put16(seg4, 16, partial_field(pseudo4(h4, s4, 6, seg4.size())));
    CHECK(Bytes(out.begin() + io::kVnetHdrLen + 20, out.end()) == seg4);
    CHECK(out[io::kVnetHdrLen] == 0x45);

    // And back: an IPv4 super-packet becomes an IPv6 one.
    io::VnetHdr back;
    back.flags = io::kVnetNeedsCsum;
    back.gso_type = io::kGsoTcpV4;
    back.hdr_len = 40;
    back.gso_size = 1460;
    back.csum_start = 20;
    back.csum_offset = 16;
    Bytes r4 = tcp(80, 40000, 9, 0x10, data);
    put16(r4, 16, partial_field(pseudo4(s4, h4, 6, r4.size())));
    tun.inject(with_vnet(back, ipv4({s4, h4, 6, 64, 0, 1, true}, r4)));
    out = tun.receive();
    REQUIRE(out.size() == io::kVnetHdrLen + 40 + r4.size());
    oh = vnet_of(out);
    CHECK(oh.gso_type == io::kGsoTcpV6);
    CHECK(oh.hdr_len == 60);
    CHECK(oh.csum_start == 40);
    Bytes r6 = tcp(80, 40000, 9, 0x10, data);
    put16(r6, 16, partial_field(pseudo6(s6, h6, 6, r6.size())));
    CHECK(Bytes(out.begin() + io::kVnetHdrLen + 40, out.end()) == r6);

    running.halt();
    CHECK(worker.offload_errors() == 0);
}

TEST_CASE("Offload: segmentation types that were not offered are refused and counted", "[io][worker][offload]") {
    FakeTun tun;
    io::TablesSource source(tables());
    io::Worker worker(tun.daemon_end(), source, 0, /*vnet_hdr=*/true);
    RunningWorker running(worker);
    const auto h6 = v6("2001:db8::10"), s6 = v6("3fff:6464::c000:221");
    io::VnetHdr in;
    in.gso_type = io::kGsoUdp;
    in.gso_size = 1000;
    tun.inject(with_vnet(in, ipv6({h6, s6, 17}, seal6(udp(1, 2, Bytes(3000, 1)), 17, h6, s6))));
    io::VnetHdr bad;
    bad.flags = io::kVnetNeedsCsum;
    bad.csum_start = 40;
    bad.csum_offset = 5000;  // beyond the packet
    tun.inject(with_vnet(bad, ipv6({h6, s6, 17}, seal6(udp(1, 2, {}), 17, h6, s6))));
    CHECK(tun.receive().empty());
    running.halt();
    CHECK(worker.offload_errors() == 2);
}

TEST_CASE("Worker heartbeat moves while idle; run() says why it ended without being stopped", "[io][worker]") {
    auto source = io::TablesSource(tables());
    SECTION("stopped: an empty reason") {
        FakeTun tun;
        io::Worker worker(tun.daemon_end(), source, 0);
        RunningWorker running(worker);
        // No packet at all: the poll timeouts alone move the heartbeat.
        const auto before = worker.heartbeat();
        std::this_thread::sleep_for(std::chrono::milliseconds(3 * io::kPollTimeoutMs));
        CHECK(worker.heartbeat() >= before + 2);
        running.halt();
        CHECK(running.why.empty());
    }
    SECTION("the queue's other end goes (as `ip link del` does to a TUN queue): a reason, without stop") {
        FakeTun tun;
        io::Worker worker(tun.daemon_end(), source, 0);
        std::atomic<bool> stop{false};
        std::string why;
        std::atomic<bool> ended{false};
        std::thread t([&] {
            why = worker.run(stop);
            ended = true;
        });
        ::shutdown(tun.fds[1], SHUT_RDWR);
        for (int i = 0; i < 100 && !ended; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const bool ended_alone = ended;
        stop = true;
        t.join();
        CHECK(ended_alone);
        CHECK(why.find("queue failed") != std::string::npos);
    }
}
