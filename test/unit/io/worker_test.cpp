// The worker loop over a fake TUN: one end of a SOCK_SEQPACKET socketpair
// keeps packet boundaries exactly like a TUN queue, without privileges.
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>

#include <catch2/catch.hpp>
#include <thread>

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
    std::atomic<bool> stop{false};
    std::thread th([&] { worker.run(stop); });

    const auto h6 = v6("2001:db8::10"), s6 = v6("3fff:6464::c000:221");
    const auto h4 = v4("198.51.100.10"), s4 = v4("192.0.2.33");
    tun.inject(ipv6({h6, s6, 58}, seal6(icmp_echo(128, 1, 2, {1, 2, 3}), 58, h6, s6)));
    const Bytes out = tun.receive();
    CHECK(out == ipv4({h4, s4, 1, 63, 0, 0x1000}, seal4(icmp_echo(8, 1, 2, {1, 2, 3}), 1, h4, s4)));

    tun.inject(ipv6({h6, s6, 58, 1}, seal6(icmp_echo(128, 1, 3, {}), 58, h6, s6)));  // hop limit 1: dropped
    tun.inject(ipv4({s4, h4, 1}, seal4(icmp_echo(0, 1, 2, {}), 1, s4, h4)));
    const Bytes back = tun.receive();
    CHECK(back == ipv6({s6, h6, 58, 63}, seal6(icmp_echo(129, 1, 2, {}), 58, s6, h6)));

    stop = true;
    th.join();
    const auto c = worker.counters();
    CHECK(c.packets_6to4 == 1);
    CHECK(c.packets_4to6 == 1);
    CHECK(c.drops[static_cast<std::size_t>(Reason::HopLimitExpired)] == 1);
}

TEST_CASE("Worker picks up newly published tables between batches", "[io][worker]") {
    FakeTun tun;
    io::TablesSource source(tables());
    io::Worker worker(tun.daemon_end(), source, 0);
    std::atomic<bool> stop{false};
    std::thread th([&] { worker.run(stop); });

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

    stop = true;
    th.join();
}
