// udp_blast: the small-packet generator and counter of test/bench/bench.sh.
// iperf3's UDP sender spends most of its time per packet in its own
// bookkeeping and sends one datagram per system call, so on two CPUs it
// measures itself rather than the path. This sender hands the kernel 64
// datagrams per sendmmsg(2) call; the receiver drains them 64 at a time with
// recvmmsg(2). Both stop by themselves.
//
//   udp_blast send ADDRESS PORT SECONDS PAYLOAD [OTHER]   prints "sent N"
//   udp_blast recv PORT SECONDS       prints "received N in T s", then
//                                     "received-ipv4 N in T s" and
//                                     "received-ipv6 N in T s"
//
// The receiver binds [::]:PORT (IPv4 too, as mapped addresses), counts what
// arrives until SECONDS have passed since its first datagram or nothing came
// for one second after it, whichever is first, and gives up after SECONDS+5
// seconds with nothing at all.
//
// Paired runs: with OTHER (an address of the same family), the sender
// alternates between the two destinations, 100 ms each with a 10 ms pause
// between (queues on the slower path drain in it). When one path arrives as
// IPv4 and the other as IPv6 (a translator beside plain forwarding), the
// receiver's per-family lines give each path's rate over the time it was
// busy: both measured in the same seconds, so a host that speeds up or
// slows down during the run moves both alike and their ratio holds still.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr unsigned kBatch = 64;
// How long the receiver keeps asking after the last packet before it sleeps.
constexpr auto kSpin = std::chrono::microseconds(200);
// Paired runs: the sender's slice per destination and the pause between.
constexpr auto kSlice = std::chrono::milliseconds(100);
constexpr auto kPause = std::chrono::milliseconds(10);
// Receiver: a gap this long between two batches is idle time (a pause or
// the end), counted for neither family.
constexpr auto kIdleGap = std::chrono::milliseconds(2);
using Clock = std::chrono::steady_clock;

int usage() {
    std::fprintf(stderr,
                 "usage: udp_blast send ADDRESS PORT SECONDS PAYLOAD [OTHER]\n"
                 "       udp_blast recv PORT SECONDS\n");
    return 2;
}

bool parse_uint(const char* s, unsigned long max, unsigned long& out) {
    char* end = nullptr;
    errno = 0;
    out = std::strtoul(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' && out <= max;
}

// A UDP socket connected to ADDRESS:PORT (IPv6 or IPv4), or -1.
int connected_socket(const char* address, unsigned long port) {
    sockaddr_storage dst{};
    socklen_t dst_len = 0;
    auto* d6 = reinterpret_cast<sockaddr_in6*>(&dst);
    auto* d4 = reinterpret_cast<sockaddr_in*>(&dst);
    if (inet_pton(AF_INET6, address, &d6->sin6_addr) == 1) {
        d6->sin6_family = AF_INET6;
        d6->sin6_port = htons(static_cast<std::uint16_t>(port));
        dst_len = sizeof(sockaddr_in6);
    } else if (inet_pton(AF_INET, address, &d4->sin_addr) == 1) {
        d4->sin_family = AF_INET;
        d4->sin_port = htons(static_cast<std::uint16_t>(port));
        dst_len = sizeof(sockaddr_in);
    } else {
        std::fprintf(stderr, "udp_blast: not an address: %s\n", address);
        return -1;
    }
    const int fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&dst), dst_len) != 0) {
        std::perror("udp_blast: socket/connect");
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

int send_mode(const char* address, const char* other, unsigned long port, unsigned long seconds,
              unsigned long payload) {
    std::array<int, 2> fds{connected_socket(address, port), -1};
    if (fds[0] < 0) return 1;
    if (other != nullptr && (fds[1] = connected_socket(other, port)) < 0) {
        close(fds[0]);
        return 1;
    }
    std::vector<std::uint8_t> data(payload, 0x5a);
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> msgs{};
    for (unsigned i = 0; i < kBatch; ++i) {
        iov[i] = {data.data(), data.size()};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    unsigned long long sent = 0;
    int rc = 0;
    std::size_t which = 0;
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    auto slice_end = Clock::now() + kSlice;
    for (auto now = Clock::now(); now < end; now = Clock::now()) {
        if (fds[1] >= 0 && now >= slice_end) {
            which ^= 1;
            std::this_thread::sleep_for(kPause);
            slice_end = Clock::now() + kSlice;
        }
        const int n = sendmmsg(fds[which], msgs.data(), kBatch, 0);
        if (n > 0) {
            sent += static_cast<unsigned>(n);
        } else if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED && errno != EINTR) {
            std::perror("udp_blast: sendmmsg");
            rc = 1;
            break;
        }
    }
    for (const int fd : fds)
        if (fd >= 0) close(fd);
    if (rc == 0) std::printf("sent %llu\n", sent);
    return rc;
}

int recv_mode(unsigned long port, unsigned long seconds) {
    const int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const int off = 0;
    const int buf = 32 << 20;
    sockaddr_in6 any{};
    any.sin6_family = AF_INET6;
    any.sin6_port = htons(static_cast<std::uint16_t>(port));
    any.sin6_addr = in6addr_any;
    if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0 ||
        bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) {
        std::perror("udp_blast: socket/bind");
        return 1;
    }
    // A large receive buffer (SO_RCVBUFFORCE as root) so that what is
    // counted as lost was lost on the path, not in this socket.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0) {
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    }
    std::printf("ready\n");
    std::fflush(stdout);
    std::array<std::array<std::uint8_t, 2048>, kBatch> bufs{};
    std::array<sockaddr_in6, kBatch> from{};
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> msgs{};
    for (unsigned i = 0; i < kBatch; ++i) {
        iov[i] = {bufs[i].data(), bufs[i].size()};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
    }
    unsigned long long received = 0;
    // Per family of the sender's address (0: IPv4, as a mapped address;
    // 1: IPv6): packets, and the time they took. A batch's packets count
    // with the time since the batch before, both for the batch's majority
    // family; after an idle gap neither counts (the gap is not busy time).
    std::array<unsigned long long, 2> busy_packets{};
    std::array<Clock::duration, 2> busy_time{};
    const auto start = Clock::now();
    auto first = Clock::time_point{};
    auto last = Clock::time_point{};
    for (;;) {
        const auto now = Clock::now();
        if (received == 0 && now - start > std::chrono::seconds(seconds + 5)) break;
        if (received != 0 && (now - first > std::chrono::seconds(seconds) || now - last > std::chrono::seconds(1))) {
            break;
        }
        for (unsigned i = 0; i < kBatch; ++i) msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in6);
        const int n = recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) {
            // Nothing queued: keep asking for a while after the last packet
            // before sleeping. A receiver that sleeps between bursts makes
            // the sender's CPU pay a wake-up (an inter-processor interrupt,
            // costly in a VM) every few packets, and the slower the path the
            // more often: that would stretch the gaps between the rows.
            if (received != 0 && now - last < kSpin) continue;
            pollfd p{fd, POLLIN, 0};
            (void)poll(&p, 1, 100);
            continue;
        }
        const auto at = Clock::now();
        unsigned ipv4 = 0;
        for (int i = 0; i < n; ++i)
            if (IN6_IS_ADDR_V4MAPPED(&from[static_cast<unsigned>(i)].sin6_addr)) ++ipv4;
        const std::size_t family = 2 * ipv4 >= static_cast<unsigned>(n) ? 0 : 1;
        if (received != 0 && at - last < kIdleGap) {
            busy_packets[family] += static_cast<unsigned>(n);
            busy_time[family] += at - last;
        }
        if (received == 0) first = at;
        received += static_cast<unsigned>(n);
        last = at;
    }
    close(fd);
    const double span = received == 0 ? 0.0 : std::chrono::duration<double>(last - first).count();
    std::printf("received %llu in %.3f s\n", received, span);
    std::printf("received-ipv4 %llu in %.3f s\n", busy_packets[0], std::chrono::duration<double>(busy_time[0]).count());
    std::printf("received-ipv6 %llu in %.3f s\n", busy_packets[1], std::chrono::duration<double>(busy_time[1]).count());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string mode = argv[1];
    unsigned long port = 0;
    unsigned long seconds = 0;
    unsigned long payload = 0;
    if (mode == "send" && (argc == 6 || argc == 7) && parse_uint(argv[3], 65535, port) &&
        parse_uint(argv[4], 3600, seconds) && parse_uint(argv[5], 1400, payload)) {
        return send_mode(argv[2], argc == 7 ? argv[6] : nullptr, port, seconds, payload);
    }
    if (mode == "recv" && argc == 4 && parse_uint(argv[2], 65535, port) && parse_uint(argv[3], 3600, seconds)) {
        return recv_mode(port, seconds);
    }
    return usage();
}
