#include "io/worker.hpp"

#include <poll.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "common/log.hpp"
#include "io/offload.hpp"
#include "io/vnet.hpp"

namespace nat64d::io {

Worker::Worker(int fd, const TablesSource& tables, std::uint16_t id_counter_start, bool vnet_hdr)
    : fd_(fd), source_(tables), buf_(xlat::kHeadroom + kMaxPacket), vnet_hdr_(vnet_hdr) {
    // The IPv4 ID generator's secret (xlat/ipv4_id.hpp): the translator
    // makes no system call, so the worker draws it from the kernel here.
    xlat::Ipv4IdGenerator::Key key{};
    std::size_t got = 0;
    while (got < key.size()) {
        const ssize_t n = ::getrandom(key.data() + got, key.size() - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::system_error(errno, std::generic_category(), "getrandom for the IPv4 ID key");
        got += static_cast<std::size_t>(n);
    }
    ctx_.ipv4_ids.seed(key, id_counter_start);
}

std::string Worker::run(const std::atomic<bool>& stop) {
    pollfd pfd{fd_, POLLIN, 0};
    std::string why;
    while (!stop.load(std::memory_order_relaxed)) {
        const int n = ::poll(&pfd, 1, kPollTimeoutMs);
        heartbeat_.fetch_add(1, std::memory_order_relaxed);
        if (n < 0 && errno != EINTR) {
            why = std::string("poll: ") + std::strerror(errno);
            break;
        }
        if (n > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
            // `ip link del` of the TUN device: its queues report an error
            // or hang-up and never become readable again.
            why = (pfd.revents & POLLNVAL) != 0 ? "the queue's descriptor is invalid"
                                                : "the queue failed (the TUN device was deleted?)";
            break;
        }
        refresh_tables();
        if (n > 0) process_batch();
    }
    publish_counters();
    return why;
}

void Worker::on_readable() {
    refresh_tables();
    process_batch();
}

// A new table generation is picked up between batches, never inside one,
// and after the wait: a packet that arrives after a reload answered is
// translated with the new tables.
void Worker::refresh_tables() {
    (void)source_.view(tables_);
}

void Worker::process_batch() {
    const std::size_t hdr = vnet_hdr_ ? kVnetHdrLen : 0;
    // One clock read per batch: the ICMP error token bucket runs on it.
    ctx_.now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
    for (int i = 0; i < kBatch; ++i) {
        // The vnet header lands just in front of the packet, inside the headroom.
        const ssize_t got = ::read(fd_, buf_.data() + xlat::kHeadroom - hdr, kMaxPacket + hdr);
        if (got <= 0) break;  // EAGAIN: queue drained
        process_one(static_cast<std::size_t>(got));
    }
    publish_counters();
}

void Worker::process_one(std::size_t got) {
    const std::size_t hdr = vnet_hdr_ ? kVnetHdrLen : 0;
    if (got < hdr) return;
    xlat::PacketBuf pkt{buf_.data(), buf_.size(), xlat::kHeadroom, got - hdr};
    VnetHdr in;
    if (vnet_hdr_) std::memcpy(&in, buf_.data() + xlat::kHeadroom - hdr, hdr);

    const std::uint64_t seq = ctx_.event_seq;
    const Offloaded r = translate_offloaded(*tables_.snap, ctx_, pkt, in);
    if (r.offload_error) {
        offload_errors_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (ctx_.event_seq != seq) log_event();
    const Verdict v = r.verdict;
    if (v == Verdict::Drop) return;
    const VnetHdr& out = r.out;
    // Forward, Local and IcmpError all go back into the TUN: the kernel
    // routes the result. Fragments made by the translator follow in order.
    write_packet(out, pkt.data(), pkt.length);
    if (v != Verdict::Forward) return;
    for (std::size_t i = 0; i < ctx_.extra_count; ++i)
        write_packet(VnetHdr{}, ctx_.extra[i].data, ctx_.extra[i].length);
}

void Worker::write_packet(const VnetHdr& hdr, const std::uint8_t* data, std::size_t length) {
    iovec iov[2] = {{const_cast<VnetHdr*>(&hdr), kVnetHdrLen}, {const_cast<std::uint8_t*>(data), length}};
    const bool with_hdr = vnet_hdr_;
    const ssize_t want = static_cast<ssize_t>((with_hdr ? kVnetHdrLen : 0) + length);
    if (::writev(fd_, with_hdr ? iov : iov + 1, with_hdr ? 2 : 1) != want) {
        write_errors_.fetch_add(1, std::memory_order_relaxed);
    }
}

// `log drop|reject|icmp|self`: the translator recorded an event; log it if
// the configuration wants it, at most kLogPerSecond lines a second. In the
// journal the line carries NAT64D_* fields, so that events can be selected
// by reason, direction or address (journalctl NAT64D_REASON=spoofed-source).
void Worker::log_event() {
    const xlat::Event& e = ctx_.last_event;
    if (!xlat::wanted(tables_.snap->log, e)) return;
    const std::uint64_t second = ctx_.now_ms / 1000;
    if (second != log_second_) {
        log_second_ = second;
        logged_this_second_ = 0;
    }
    if (logged_this_second_ >= kLogPerSecond) {
        ++logs_suppressed_;
        return;
    }
    ++logged_this_second_;
    if (!common::log_enabled(common::LogLevel::Info)) {
        logs_suppressed_ = 0;
        return;
    }
    std::string message = xlat::describe(e);
    const std::string suppressed = std::to_string(logs_suppressed_);
    if (logs_suppressed_ != 0) message += " (" + suppressed + " more events not logged)";
    const std::string src = e.is_v6 ? to_string(e.src6) : to_string(e.src4);
    const std::string dst = e.is_v6 ? to_string(e.dst6) : to_string(e.dst4);
    const std::string proto = std::to_string(e.proto);
    std::array<common::LogField, 7> fields{};
    std::size_t n = 0;
    fields[n++] = {"NAT64D_EVENT", xlat::event_kind_name(e.kind)};
    if (xlat::event_has_reason(e)) fields[n++] = {"NAT64D_REASON", reason_info(e.reason).name};
    fields[n++] = {"NAT64D_DIRECTION", e.is_v6 ? "6to4" : "4to6"};
    fields[n++] = {"NAT64D_SRC", src};
    fields[n++] = {"NAT64D_DST", dst};
    fields[n++] = {"NAT64D_PROTO", proto};
    if (logs_suppressed_ != 0) fields[n++] = {"NAT64D_SUPPRESSED", suppressed};
    common::log_write(common::LogLevel::Info, message, std::span<const common::LogField>(fields.data(), n));
    logs_suppressed_ = 0;
}

void Worker::publish_counters() {
    const std::lock_guard lock(snapshot_mutex_);
    snapshot_ = ctx_.counters;
}

xlat::Counters Worker::counters() const {
    const std::lock_guard lock(snapshot_mutex_);
    return snapshot_;
}

}  // namespace nat64d::io
