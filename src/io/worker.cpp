#include "io/worker.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace nat64d::io {

TablesSource::TablesSource(std::shared_ptr<const xlat::Tables> initial) : tables_(std::move(initial)) {}

void TablesSource::publish(std::shared_ptr<const xlat::Tables> next) {
    tables_.store(std::move(next), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<const xlat::Tables> TablesSource::load() const { return tables_.load(std::memory_order_acquire); }

Worker::Worker(int fd, const TablesSource& tables, std::uint16_t first_ipv4_id)
    : fd_(fd), source_(tables), buf_(xlat::kHeadroom + kMaxPacket) {
    ctx_.next_ipv4_id = first_ipv4_id;
}

void Worker::run(const std::atomic<bool>& stop) {
    pollfd pfd{fd_, POLLIN, 0};
    while (!stop.load(std::memory_order_relaxed)) {
        // Pick up a new table generation between batches, never inside one.
        if (const auto gen = source_.generation(); gen != generation_) {
            tables_ = source_.load();
            generation_ = gen;
        }
        const int n = ::poll(&pfd, 1, 200);
        if (n < 0 && errno != EINTR) break;
        if (n > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) break;
        if (n > 0) process_batch();
    }
    publish_counters();
}

void Worker::process_batch() {
    for (int i = 0; i < kBatch; ++i) {
        xlat::PacketBuf pkt{buf_.data(), buf_.size(), xlat::kHeadroom, 0};
        const ssize_t got = ::read(fd_, buf_.data() + xlat::kHeadroom, kMaxPacket);
        if (got <= 0) break;  // EAGAIN: queue drained
        pkt.length = static_cast<std::size_t>(got);
        if (xlat::translate(*tables_, ctx_, pkt) == Verdict::Drop) continue;
        // Forward, Local and IcmpError all go back into the TUN: the kernel
        // routes the result.
        if (::write(fd_, pkt.data(), pkt.length) != static_cast<ssize_t>(pkt.length)) {
            write_errors_.fetch_add(1, std::memory_order_relaxed);
        }
    }
    publish_counters();
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
