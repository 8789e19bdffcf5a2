// TunDevice, make_persistent, remove_persistent, tun_exists against the
// kernel's TUN driver, each case in a fresh network namespace (support/netns.hpp).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "io/tun.hpp"
#include "netlink/netlink.hpp"
#include "support/netns.hpp"

namespace {

using nat64d::io::make_persistent;
using nat64d::io::remove_persistent;
using nat64d::io::tun_exists;
using nat64d::io::TunDevice;
using nat64d::test::NetnsChecks;
using nat64d::test::raw_tun;
using nat64d::test::run_in_netns;

// The kernel's own account of the device (IFLA_INFO_DATA), independent of
// what TunDevice believes.
std::optional<nat64d::netlink::TunInfo> kernel_view(NetnsChecks& c, const std::string& name) {
    auto sock = nat64d::netlink::Socket::open();
    if (!c.expect_ok(sock, "netlink socket")) return std::nullopt;
    auto info = sock->tun_info(name);
    if (!c.expect_ok(info, "tun_info(" + name + ")")) return std::nullopt;
    return *info;
}

// The flags the kernel reports for the device behind a queue fd.
int device_flags(int fd) {
    ifreq ifr{};
    if (::ioctl(fd, TUNGETIFF, &ifr) < 0) return -1;
    return ifr.ifr_flags;
}

}  // namespace

TEST_CASE("tun-device: invalid names and queue counts are refused before any system call", "[tun]") {
    auto empty = TunDevice::open("", 1);
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error() == "tun-device : invalid interface name (1 to 15 characters, none of / : % or blanks)");
    auto too_long = TunDevice::open("abcdefghijklmnop", 1);
    REQUIRE_FALSE(too_long.ok());
    CHECK(too_long.error() ==
          "tun-device abcdefghijklmnop: invalid interface name (1 to 15 characters, none of / : % or blanks)");
    auto pattern = TunDevice::open("tun%d", 1);
    REQUIRE_FALSE(pattern.ok());
    CHECK(pattern.error() == "tun-device tun%d: invalid interface name (1 to 15 characters, none of / : % or blanks)");
    CHECK_FALSE(TunDevice::open("a b", 1).ok());
    CHECK_FALSE(TunDevice::open("a/b", 1).ok());
    CHECK_FALSE(TunDevice::open("..", 1).ok());
    auto none = TunDevice::open("nat64q", 0);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error() == "tun-device nat64q: 0 queues asked for, 1 to 256 possible");
    auto many = TunDevice::open("nat64q", 257);
    REQUIRE_FALSE(many.ok());
    CHECK(many.error() == "tun-device nat64q: 257 queues asked for, 1 to 256 possible");
    CHECK_FALSE(make_persistent("tun%d").ok());
    CHECK_FALSE(remove_persistent("").ok());
}

TEST_CASE("tun-device: open creates a non-persistent multi-queue device with N non-blocking queues", "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        c.expect(!tun_exists("nat64t"), "no nat64t before open");
        {
            auto dev = TunDevice::open("nat64t", 3);
            c.require_ok(dev, "open nat64t with 3 queues");
            c.expect(dev->created(), "created() is true for a new device");
            c.expect(dev->multi_queue(), "multi_queue() is true");
            c.expect(dev->name() == "nat64t", "name()");
            c.require(dev->fds().size() == 3, "3 queue fds");
            c.expect(tun_exists("nat64t"), "tun_exists while open");
            if (auto k = kernel_view(c, "nat64t")) {
                c.expect(k->queues == 3U, "the kernel counts 3 queues: " + std::to_string(k->queues.value_or(0)));
                c.expect(k->multi_queue && !k->persist && !k->packet_info && !k->tap,
                         "kernel: multi-queue, not persistent, no PI, TUN");
            }
            for (int fd : dev->fds()) {
                const int fl = ::fcntl(fd, F_GETFL);
                c.expect(fl >= 0 && (fl & O_NONBLOCK) != 0, "queue is O_NONBLOCK");
                c.expect((fl & O_ACCMODE) == O_RDWR, "queue is O_RDWR");
                c.expect((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "queue is close-on-exec");
                const int flags = device_flags(fd);
                c.expect(flags >= 0, "TUNGETIFF works on every queue");
                c.expect((flags & IFF_TUN) != 0 && (flags & IFF_NO_PI) != 0 && (flags & IFF_MULTI_QUEUE) != 0,
                         "IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE");
                c.expect((flags & IFF_PERSIST) == 0, "not persistent");
                char byte = 0;
                errno = 0;
                c.expect(::read(fd, &byte, 1) < 0 && errno == EAGAIN, "read on an idle queue returns EAGAIN");
            }
        }
        // Non-persistent: the device went away with its last queue.
        c.expect(!tun_exists("nat64t"), "nat64t is gone after the TunDevice is destroyed");
    });
}

TEST_CASE("tun-device: one queue is still a multi-queue device", "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        // So that a persistent device made this way takes more queues later.
        auto one = TunDevice::open("nat64o", 1);
        c.require_ok(one, "open with 1 queue");
        c.require(one->fds().size() == 1, "1 fd");
        c.expect(one->multi_queue(), "multi_queue()");
        c.expect((device_flags(one->fds()[0]) & IFF_MULTI_QUEUE) != 0, "IFF_MULTI_QUEUE with one queue");
        if (auto k = kernel_view(c, "nat64o"))
            c.expect(k->multi_queue && k->queues == 1U, "kernel: 1 queue, multi-queue");
    });
}

TEST_CASE("tun-device: open refuses a device another process has queues on", "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        c.require_ok(make_persistent("nat64w"), "make_persistent");
        {
            auto running = TunDevice::open("nat64w", 2);
            c.require_ok(running, "first daemon");
            c.expect_error(TunDevice::open("nat64w", 1),
                           "tun-device nat64w: in use by another process (2 queues attached)",
                           "second daemon on the same persistent device");
        }
        auto next = TunDevice::open("nat64w", 4);
        c.require_ok(next, "open after the first daemon exited");
        c.expect(!next->created() && next->fds().size() == 4, "4 queues on the existing device");

        // A non-persistent multi-queue device exists only while its creator runs.
        const int other = raw_tun("nat64e", IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE, false);
        c.require(other >= 0, std::string("raw multi-queue TUN: ") + std::strerror(errno));
        c.expect_error(TunDevice::open("nat64e", 2), "tun-device nat64e: in use by another process (1 queue attached)",
                       "device of a running process");
        ::close(other);
    });
}

TEST_CASE("--mktun: a persistent device survives 5 open/close cycles (restart safety)", "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        c.require_ok(make_persistent("nat64p"), "make_persistent");
        c.expect(tun_exists("nat64p"), "exists after --mktun");
        c.expect_ok(make_persistent("nat64p"), "make_persistent again is fine");
        for (int round = 1; round <= 5; ++round) {
            const std::string r = " (round " + std::to_string(round) + ")";
            {
                auto dev = TunDevice::open("nat64p", round % 2 == 0 ? 1 : 2);  // restarts may change `workers`
                c.require_ok(dev, "open" + r);
                c.expect(!dev->created(), "created() is false for the persistent device" + r);
                c.expect(dev->fds().size() == (round % 2 == 0 ? 1U : 2U), "fd count" + r);
                c.expect((device_flags(dev->fds()[0]) & IFF_PERSIST) != 0, "IFF_PERSIST still set" + r);
                if (auto k = kernel_view(c, "nat64p"))
                    c.expect(k->queues == (round % 2 == 0 ? 1U : 2U), "kernel queue count" + r);
            }
            c.expect(tun_exists("nat64p"), "exists after close" + r);
        }
        c.expect(tun_exists("nat64p"), "still exists after 5 open/close cycles");
        if (auto k = kernel_view(c, "nat64p")) c.expect(k->persist && k->queues == 0U, "kernel: persistent, no queues");
    });
}

TEST_CASE("--rmtun: remove_persistent removes the device; a missing one is an error", "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        c.require_ok(make_persistent("nat64p"), "make_persistent");
        c.expect_ok(remove_persistent("nat64p"), "remove_persistent");
        c.expect(!tun_exists("nat64p"), "gone after --rmtun");
        c.expect_error(remove_persistent("nat64p"), "tun-device nat64p: no such TUN device", "--rmtun again");
        c.expect_error(remove_persistent("lo"), "tun-device lo: no such TUN device", "--rmtun of lo");
    });
}

TEST_CASE("--rmtun: a device in use stays until its last queue closes", "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        c.require_ok(make_persistent("nat64b"), "make_persistent");
        std::optional<TunDevice> running;
        {
            auto dev = TunDevice::open("nat64b", 2);
            c.require_ok(dev, "open");
            running.emplace(std::move(dev).value());
        }
        c.expect_ok(remove_persistent("nat64b"), "remove_persistent while a daemon runs");
        c.expect(tun_exists("nat64b"), "still there while queues are open");
        c.expect((device_flags(running->fds()[0]) & IFF_PERSIST) == 0, "IFF_PERSIST cleared");
        running.reset();
        c.expect(!tun_exists("nat64b"), "gone with the last queue");
    });
}

TEST_CASE("tun-device: a persistent device without IFF_MULTI_QUEUE (TAYGA --mktun) gets one plain queue",
          "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        // TAYGA's --mktun: IFF_TUN only (it reads struct tun_pi), persistent.
        const int tayga = raw_tun("nat64g", IFF_TUN, true);
        c.require(tayga >= 0, std::string("TAYGA-style mktun: ") + std::strerror(errno));
        ::close(tayga);
        for (int round = 1; round <= 2; ++round) {
            auto dev = TunDevice::open("nat64g", 4);
            c.require_ok(dev, "open a TAYGA device");
            c.expect(!dev->created(), "created() is false");
            c.expect(!dev->multi_queue(), "multi_queue() is false");
            c.require(dev->fds().size() == 1, "one fd instead of 4");
            const int flags = device_flags(dev->fds()[0]);
            c.expect((flags & IFF_NO_PI) != 0, "IFF_NO_PI in effect although TAYGA made it with PI");
            c.expect((flags & IFF_MULTI_QUEUE) == 0, "still no IFF_MULTI_QUEUE");
            c.expect((::fcntl(dev->fds()[0], F_GETFL) & O_NONBLOCK) != 0, "fallback queue is O_NONBLOCK");
            if (auto k = kernel_view(c, "nat64g"))
                c.expect(!k->multi_queue && !k->packet_info, "kernel: a plain queue without PI");
        }
        c.expect(tun_exists("nat64g"), "TAYGA's device stays after we close");
        c.expect_ok(make_persistent("nat64g"), "--mktun on TAYGA's device is a no-op");
        c.expect_ok(remove_persistent("nat64g"), "--rmtun on TAYGA's device");
        c.expect(!tun_exists("nat64g"), "gone after --rmtun");
    });
}

TEST_CASE("tun-device: a single-queue device in use by another process is refused", "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        // `ip tuntap add mode tun` flags, held open as TAYGA would.
        const int other = raw_tun("nat64i", IFF_TUN | IFF_NO_PI, false);
        c.require(other >= 0, std::string("plain TUN: ") + std::strerror(errno));
        c.expect_error(TunDevice::open("nat64i", 2),
                       "tun-device nat64i: in use by another process (a device without multi-queue support takes "
                       "a single queue)",
                       "open while in use");
        ::close(other);
        c.expect(!tun_exists("nat64i"), "non-persistent plain device gone with its fd");
    });
}

TEST_CASE("tun-device: the name of an interface that is not a TUN device is refused", "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        c.expect(!tun_exists("lo"), "lo is not a TUN device");
        c.expect(!tun_exists("nat64d-none"), "a missing device does not exist");
        c.expect_error(TunDevice::open("lo", 1),
                       "tun-device lo: cannot attach: Invalid argument (is it a TAP device or an interface of "
                       "another kind?)",
                       "open lo");
        const int tap = raw_tun("nat64tap", IFF_TAP | IFF_NO_PI, true);
        c.require(tap >= 0, std::string("TAP: ") + std::strerror(errno));
        ::close(tap);
        c.expect(!tun_exists("nat64tap"), "a TAP device is not a TUN device");
        c.expect_error(TunDevice::open("nat64tap", 1),
                       "tun-device nat64tap: cannot attach: Invalid argument (is it a TAP device or an interface "
                       "of another kind?)",
                       "open a TAP device");
    });
}

TEST_CASE("tun-device: TunDevice is move-only and the moved-to object owns the queues", "[tun][root]") {
    run_in_netns([](NetnsChecks& c) {
        auto opened = TunDevice::open("nat64mv", 2);
        c.require_ok(opened, "open");
        TunDevice a = std::move(opened).value();
        const int first = a.fds()[0];
        TunDevice b = std::move(a);
        c.expect(a.fds().empty(), "moved-from has no fds");  // NOLINT(bugprone-use-after-move)
        c.expect(b.fds().size() == 2 && b.fds()[0] == first, "moved-to has the fds");
        c.expect(b.created(), "created() moved along");
        c.expect(::fcntl(first, F_GETFD) >= 0, "fd still open after the moves");
        c.expect(tun_exists("nat64mv"), "device still there");

        auto other = TunDevice::open("nat64mw", 1);
        c.require_ok(other, "open a second device");
        b = std::move(other).value();  // move-assignment closes b's old queues
        c.expect(!tun_exists("nat64mv"), "non-persistent nat64mv gone after move-assignment");
        c.expect(b.name() == "nat64mw" && b.fds().size() == 1, "b is now nat64mw");
    });
}

TEST_CASE("tun-device: a multi-queue device steers a packet without flow hash to the queue of its CPU", "[tun][root]") {
    // The steering program (TUNSETSTEERINGEBPF) picks the queue from the
    // packet's flow hash or, without one, from the CPU that routed it. An
    // unconnected UDP socket's datagrams carry no hash: sent from CPU 0 they
    // land on queue 0, from CPU 1 on queue 1. The kernel's own choice
    // (automq) would hash the one flow to one queue both times.
    if (::sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        nat64d::test::skip("one CPU: a packet cannot be routed on a second one");
        return;
    }
    run_in_netns([](NetnsChecks& c) {
        auto dev = TunDevice::open("nat64st", 2);
        c.require_ok(dev, "open nat64st with 2 queues");
        c.require(dev->steering(), "the steering program is attached");
        auto sock = nat64d::netlink::Socket::open();
        c.require_ok(sock, "netlink socket");
        c.require_ok(sock->set_up("nat64st"), "link up");
        nat64d::TunIp ip;
        ip.v4 = nat64d::Ipv4Addr{{192, 0, 2, 1}};
        ip.prefix_len = 24;
        c.require_ok(sock->add_address("nat64st", ip), "address 192.0.2.1/24");
        const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        c.require(udp >= 0, "UDP socket");
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(9);
        to.sin_addr.s_addr = htonl(0xc0000207);  // 192.0.2.7, on the TUN's link
        for (std::size_t cpu = 0; cpu < 2; ++cpu) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            c.require(::sched_setaffinity(0, sizeof set, &set) == 0, "pinned to CPU " + std::to_string(cpu));
            for (int i = 0; i < 4; ++i)
                (void)::sendto(udp, "x", 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
            // 192.0.2.7 needs no neighbour on a TUN (no L2): the datagrams
            // are on the queues at once.
            int on_own = 0, on_other = 0;
            std::uint8_t buf[2048];
            for (std::size_t q = 0; q < 2; ++q) {
                while (::read(dev->fds()[q], buf, sizeof buf) > 0) {
                    if (buf[0] >> 4 != 4 || buf[9] != 17) continue;  // not ours (none expected)
                    (q == cpu ? on_own : on_other) += 1;
                }
            }
            c.expect(on_own == 4 && on_other == 0, "CPU " + std::to_string(cpu) + ": " + std::to_string(on_own) +
                                                       " datagrams on queue " + std::to_string(cpu) + ", " +
                                                       std::to_string(on_other) + " on the other");
        }
        ::close(udp);
    });
}
