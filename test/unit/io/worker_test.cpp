// The worker loop over a fake TUN: one end of a SOCK_SEQPACKET socketpair
// keeps packet boundaries exactly like a TUN queue, without privileges.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "addr/dynamic_pool.hpp"
#include "common/checksum.hpp"
#include "daemon/tables_builder.hpp"
#include "io/vnet.hpp"
#include "io/worker.hpp"
#include "support/packet_builder.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

struct FakeTun {
    int fds[2] = {-1, -1};
    FakeTun() { REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0); }
    ~FakeTun() {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    int daemon_end() const { return fds[0]; }
    void inject(const Bytes& pkt) const {
        REQUIRE(::write(fds[1], pkt.data(), pkt.size()) == static_cast<ssize_t>(pkt.size()));
    }
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
    return std::make_shared<const xlat::Tables>(nat64d::daemon::build_tables(cfg).value());
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
    source.publish(std::make_shared<const xlat::Tables>(nat64d::daemon::build_tables(cfg).value()));
    // The worker sees the new generation at its next wake-up (poll timeout 200 ms at most).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    tun.inject(ping);
    CHECK_FALSE(tun.receive().empty());

    running.halt();
}

namespace {

// Reference: the folded pseudo-header sum the kernel leaves in the checksum
// field of a CHECKSUM_PARTIAL TCP segment (~tcp_v4_check / ~tcp_v6_check).
std::uint16_t partial_field(const Bytes& pseudo) {
    return static_cast<std::uint16_t>(~ref_checksum(pseudo));
}

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

TEST_CASE("Offload: a partial checksum of an ordinary packet that fits stays partial, the kernel completes it",
          "[io][worker][offload]") {
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
    REQUIRE(oh.flags == io::kVnetNeedsCsum);
    CHECK(oh.gso_type == io::kGsoNone);
    CHECK(oh.csum_start == 20);
    CHECK(oh.csum_offset == 16);
    const std::uint16_t id = get16(out, io::kVnetHdrLen + 4);  // DF=0: from the keyed generator
    CHECK(id != 0);
    // Completed as the kernel completes it: the translated checksum.
    Bytes done(out.begin() + io::kVnetHdrLen, out.end());
    put16(done, 20 + 16, common::csum_finish(common::csum_partial(done.data() + 20, done.size() - 20)));
    CHECK(done == ipv4({h4, s4, 6, 63, 0, id}, seal4(tcp(40000, 80, 1, 0x18, Bytes(100, 0x42)), 6, h4, s4)));
    running.halt();
}

TEST_CASE("Offload: a TCP super-packet is translated once, its GSO header and partial sum follow",
          "[io][worker][offload]") {
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

namespace {

// The configuration of the concurrency test below: `with_map` adds a static
// map for a host that sends nothing, so that republishing changes the map
// table and the pool's exclusions as a reload does.
Config reload_config(bool with_map) {
    Config cfg;
    cfg.prefix = *parse_prefix6("3fff:6464::/96");
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    if (with_map)
        cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.20/32"), *parse_prefix6("2001:db8::20/128"), {}});
    return cfg;
}

addr::PoolOptions reload_pool_options(const Config& cfg) {
    addr::PoolOptions o;
    o.prefix = *parse_prefix4("198.51.100.128/25");
    o.excluded4.push_back(Prefix4{*cfg.ipv4_addr, 32});
    for (const auto& m : cfg.maps) {
        o.excluded4.push_back(m.v4);
        o.excluded6.push_back(m.v6);
    }
    o.excluded6.push_back(*cfg.prefix);
    return o;
}

}  // namespace

// Worker threads, the tables' publication and the dynamic pool at once, as
// in the daemon during a reload under traffic: two workers translate (6to4
// from unmapped hosts, which lease pool addresses, and 4to6 back to those
// leases) while the main thread republishes the tables with the pool's
// exclusions changed, and another thread reads counters and pool state and
// runs the pool's maintenance (the metrics thread and the one-second tick).
// Each packet must come out as if nothing else happened; the ThreadSanitizer
// build (scripts/test.sh) runs it to find races between them.
TEST_CASE("Workers translate and lease while tables are republished and counters read (threads)",
          "[io][worker][threads]") {
    constexpr int kHosts = 16;
    constexpr int kRounds = 60;
    auto pool = addr::DynamicPool::create(reload_pool_options(reload_config(false)));
    REQUIRE(pool);
    addr::DynamicPool* const p = pool->get();
    p->set_now(1'700'000'000);
    const auto make = [p](bool with_map) {
        auto t = std::make_shared<xlat::Tables>(nat64d::daemon::build_tables(reload_config(with_map)).value());
        t->pool = p;
        return std::shared_ptr<const xlat::Tables>(std::move(t));
    };
    io::TablesSource source(make(false));

    const Ipv4Addr s4 = v4("192.0.2.33");
    const Ipv6Addr s6 = v6("3fff:6464::c000:221");
    std::vector<Ipv6Addr> hosts;  // unmapped: they lease from the pool
    for (int i = 0; i < kHosts; ++i) hosts.push_back(v6("2001:db8:1::" + std::to_string(i + 1)));
    const auto host = [&hosts](int i) { return hosts[static_cast<std::size_t>(i)]; };

    // What one injector saw, checked on the main thread after the join
    // (Catch2 assertions are not thread-safe).
    struct Seen {
        int sent = 0, received = 0, wrong = 0, write_failed = 0;
        std::vector<Ipv4Addr> lease = std::vector<Ipv4Addr>(kHosts);
    };
    FakeTun tuns[2];
    std::unique_ptr<io::Worker> workers[2];
    std::unique_ptr<RunningWorker> running[2];
    for (int w = 0; w < 2; ++w) {
        workers[w] = std::make_unique<io::Worker>(tuns[w].daemon_end(), source, static_cast<std::uint16_t>(w));
        running[w] = std::make_unique<RunningWorker>(*workers[w]);
    }
    Seen seen[2];
    std::atomic<int> injectors_done{0};
    const auto inject = [&](int w) {
        Seen& s = seen[w];
        const FakeTun& tun = tuns[w];
        const auto send = [&](const Bytes& pkt) {
            ++s.sent;
            if (::write(tun.fds[1], pkt.data(), pkt.size()) != static_cast<ssize_t>(pkt.size())) ++s.write_failed;
        };
        for (int round = 0; round < kRounds; ++round) {
            const auto seq = static_cast<std::uint16_t>(round);
            // Both workers see every host, in opposite orders: they race to lease.
            for (int k = 0; k < kHosts; ++k) {
                const int i = w == 0 ? k : kHosts - 1 - k;
                const auto slot = static_cast<std::size_t>(i);
                const Ipv6Addr h = host(i);
                send(ipv6({h, s6, 58}, seal6(icmp_echo(128, static_cast<std::uint16_t>(i), seq, {}), 58, h, s6)));
                if (round > 0) {
                    const Ipv4Addr l = s.lease[slot];
                    send(ipv4({s4, l, 1}, seal4(icmp_echo(0, static_cast<std::uint16_t>(i), seq, {}), 1, s4, l)));
                }
            }
            for (int n = round > 0 ? 2 * kHosts : kHosts; n > 0; --n) {
                const Bytes out = tun.receive();
                if (out.empty()) break;  // counted as missing below
                ++s.received;
                const int i = get16(out, (out[0] >> 4) == 4 ? 24 : 44);  // the echo identifier
                const auto slot = static_cast<std::size_t>(i);
                if (i >= kHosts) {
                    ++s.wrong;
                } else if ((out[0] >> 4) == 4) {
                    // 6to4: from the host's lease; the first one sets it.
                    Ipv4Addr src;
                    std::copy(out.begin() + 12, out.begin() + 16, src.bytes.begin());
                    if (s.lease[slot] == Ipv4Addr{}) s.lease[slot] = src;
                    if (src != s.lease[slot] || Ipv4Addr{{out[16], out[17], out[18], out[19]}} != s4) ++s.wrong;
                } else {
                    // 4to6: back to the host that holds the lease.
                    Ipv6Addr dst;
                    std::copy(out.begin() + 24, out.begin() + 40, dst.bytes.begin());
                    if (dst != host(i)) ++s.wrong;
                }
            }
        }
        ++injectors_done;
    };
    std::thread injector0(inject, 0), injector1(inject, 1);

    // As the metrics-listen thread and the maintenance tick do.
    std::atomic<bool> stop_reader{false};
    std::uint64_t reads = 0;
    std::thread reader([&] {
        while (!stop_reader) {
            xlat::Counters sum;
            for (const auto& w : workers) sum += w->counters();
            (void)p->counts();
            (void)p->leases();
            p->maintenance(1'700'000'000);
            (void)p->take_events();
            ++reads;
            std::this_thread::yield();
        }
    });

    // The reload: the pool's exclusions first, then the new tables (as
    // Runtime::reload_config does), until the traffic is through.
    int publications = 0;
    while (injectors_done < 2) {
        const Config cfg = reload_config(publications % 2 == 0);
        const auto o = reload_pool_options(cfg);
        p->set_exclusions(o.excluded4, o.excluded6);
        source.publish(make(publications % 2 == 0));
        ++publications;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    injector0.join();
    injector1.join();
    stop_reader = true;
    reader.join();
    for (auto& r : running) r->halt();

    const int expected = kHosts + 2 * kHosts * (kRounds - 1);
    for (const Seen& s : seen) {
        CHECK(s.write_failed == 0);
        CHECK(s.sent == expected);
        CHECK(s.received == expected);
        CHECK(s.wrong == 0);
    }
    CHECK(publications > 1);
    CHECK(reads > 0);
    // One lease per host, the same through both workers, all different.
    const auto leases = p->leases();
    CHECK(leases.size() == static_cast<std::size_t>(kHosts));
    std::set<Ipv4Addr> distinct;
    for (int i = 0; i < kHosts; ++i) {
        const auto slot = static_cast<std::size_t>(i);
        CHECK(seen[0].lease[slot] == seen[1].lease[slot]);
        distinct.insert(seen[0].lease[slot]);
        const bool listed = std::any_of(leases.begin(), leases.end(), [&](const addr::LeaseInfo& l) {
            return l.v6 == host(i) && l.v4 == seen[0].lease[slot] && l.active;
        });
        CHECK(listed);
    }
    CHECK(distinct.size() == static_cast<std::size_t>(kHosts));
    const xlat::Counters c0 = workers[0]->counters(), c1 = workers[1]->counters();
    CHECK(c0.packets_6to4 + c1.packets_6to4 == static_cast<std::uint64_t>(2 * kHosts * kRounds));
    CHECK(c0.packets_4to6 + c1.packets_4to6 == static_cast<std::uint64_t>(2 * kHosts * (kRounds - 1)));
}
