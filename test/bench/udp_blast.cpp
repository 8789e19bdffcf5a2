// udp_blast: the small-packet generator and counter of test/bench/bench.sh.
// iperf3's UDP sender spends most of its time per packet in its own
// bookkeeping and sends one datagram per system call, so on two CPUs it
// measures itself rather than the path. This sender hands the kernel 64
// datagrams per sendmmsg(2) call; the receiver drains them 64 at a time with
// recvmmsg(2). Both stop by themselves.
//
//   udp_blast send ADDRESS PORT SECONDS PAYLOAD   prints "sent N"
//   udp_blast recv PORT SECONDS                    prints "received N in T s"
//
// The receiver binds [::]:PORT (IPv4 too, as mapped addresses), counts what
// arrives until SECONDS have passed since its first datagram or nothing came
// for one second after it, whichever is first, and gives up after SECONDS+5
// seconds with nothing at all.
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
#include <vector>

namespace {

constexpr unsigned kBatch = 64;
// How long the receiver keeps asking after the last packet before it sleeps.
constexpr auto kSpin = std::chrono::microseconds(200);
using Clock = std::chrono::steady_clock;

int usage() {
    std::fprintf(stderr,
                 "usage: udp_blast send ADDRESS PORT SECONDS PAYLOAD\n"
                 "       udp_blast recv PORT SECONDS\n");
    return 2;
}

bool parse_uint(const char* s, unsigned long max, unsigned long& out) {
    char* end = nullptr;
    errno = 0;
    out = std::strtoul(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' && out <= max;
}

int send_mode(const char* address, unsigned long port, unsigned long seconds, unsigned long payload) {
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
        return 2;
    }
    const int fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&dst), dst_len) != 0) {
        std::perror("udp_blast: socket/connect");
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
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < end) {
        const int n = sendmmsg(fd, msgs.data(), kBatch, 0);
        if (n > 0) {
            sent += static_cast<unsigned>(n);
        } else if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED && errno != EINTR) {
            std::perror("udp_blast: sendmmsg");
            close(fd);
            return 1;
        }
    }
    close(fd);
    std::printf("sent %llu\n", sent);
    return 0;
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
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> msgs{};
    for (unsigned i = 0; i < kBatch; ++i) {
        iov[i] = {bufs[i].data(), bufs[i].size()};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    unsigned long long received = 0;
    const auto start = Clock::now();
    auto first = Clock::time_point{};
    auto last = Clock::time_point{};
    for (;;) {
        const auto now = Clock::now();
        if (received == 0 && now - start > std::chrono::seconds(seconds + 5)) break;
        if (received != 0 && (now - first > std::chrono::seconds(seconds) || now - last > std::chrono::seconds(1))) {
            break;
        }
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
        if (received == 0) first = Clock::now();
        received += static_cast<unsigned>(n);
        last = Clock::now();
    }
    close(fd);
    const double span = received == 0 ? 0.0 : std::chrono::duration<double>(last - first).count();
    std::printf("received %llu in %.3f s\n", received, span);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string mode = argv[1];
    unsigned long port = 0;
    unsigned long seconds = 0;
    unsigned long payload = 0;
    if (mode == "send" && argc == 6 && parse_uint(argv[3], 65535, port) && parse_uint(argv[4], 3600, seconds) &&
        parse_uint(argv[5], 1400, payload)) {
        return send_mode(argv[2], port, seconds, payload);
    }
    if (mode == "recv" && argc == 4 && parse_uint(argv[2], 65535, port) && parse_uint(argv[3], 3600, seconds)) {
        return recv_mode(port, seconds);
    }
    return usage();
}
