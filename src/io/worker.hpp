// The packet loop of one TUN queue: read a batch, translate each packet in
// place (xlat), write the result back to the same queue.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/snapshot.hpp"
#include "io/vnet.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::io {

// Publishes the current immutable tables to the workers. The writer (main
// thread, on start and reload) stores a new snapshot and bumps the
// generation; a worker compares generations between batches and takes a new
// reference only when it changed, so the hot path touches one atomic load.
// The reference itself is copied under a mutex, taken once per reload and
// worker: libstdc++ 12's std::atomic<std::shared_ptr> releases its internal
// lock after a load with relaxed order, so its pointer read is not ordered
// before a concurrent store (ThreadSanitizer reports it). Both are
// common::SnapshotPublisher's, as for the dynamic pool's lease snapshot.
class TablesSource {
public:
    using Reader = common::SnapshotReader<xlat::Tables>;
    explicit TablesSource(std::shared_ptr<const xlat::Tables> initial) : published_(std::move(initial)) {}
    void publish(std::shared_ptr<const xlat::Tables> next) noexcept { published_.publish(std::move(next)); }
    [[nodiscard]] std::uint64_t generation() const noexcept { return published_.version(); }
    [[nodiscard]] std::shared_ptr<const xlat::Tables> load() const { return published_.current(); }
    // The tables `reader` (one per worker) is to use: its own, or the
    // current ones when the generation moved.
    const xlat::Tables& view(Reader& reader) const noexcept { return published_.view(reader); }

private:
    common::SnapshotPublisher<xlat::Tables> published_;
};

class Worker {
public:
    // `fd` is one TUN queue (non-blocking, packet per read/write); the worker
    // does not own it. Tests pass one end of a SOCK_SEQPACKET socketpair.
    // With `vnet_hdr` every packet carries a virtio_net_hdr (io/vnet.hpp):
    // partial checksums and TCP super-packets (GSO) are translated as such.
    // The IPv4 ID generator gets a key from getrandom() and starts its
    // counter at `id_counter_start`; throws std::system_error without a key.
    Worker(int fd, const TablesSource& tables, std::uint16_t id_counter_start, bool vnet_hdr = false);

    // Runs until `stop` becomes true (checked at least every 200 ms).
    // Returns why it ended otherwise: the queue failed (the device was
    // deleted under it) or poll() did; empty when `stop` ended it.
    [[nodiscard]] std::string run(const std::atomic<bool>& stop);

    // Bumped at every wake-up of run(), a poll timeout included, so that an
    // idle worker shows progress as well as a busy one (systemd watchdog:
    // the main thread pings only while every worker's count moves).
    [[nodiscard]] std::uint64_t heartbeat() const noexcept { return heartbeat_.load(std::memory_order_relaxed); }

    // For a caller that polls the queue itself instead of run() (`workers 0`:
    // the main thread's event loop, as TAYGA translates): fd() to poll, and
    // on_readable() once it is readable, which translates one batch.
    [[nodiscard]] int fd() const noexcept { return fd_; }
    void on_readable();

    // A consistent copy of this worker's counters (published once per batch).
    [[nodiscard]] xlat::Counters counters() const;

    // Write failures (queue full, device gone): packets that were translated
    // but could not be sent.
    [[nodiscard]] std::uint64_t write_errors() const noexcept { return write_errors_.load(std::memory_order_relaxed); }

    // Packets whose offload header could not be honoured (malformed, or a
    // segmentation type we did not offer).
    [[nodiscard]] std::uint64_t offload_errors() const noexcept {
        return offload_errors_.load(std::memory_order_relaxed);
    }

private:
    void refresh_tables();
    void process_batch();
    void process_one(std::size_t got);
    void write_packet(const VnetHdr& hdr, const std::uint8_t* data, std::size_t length);
    void log_event();
    void publish_counters();

    int fd_;
    const TablesSource& source_;
    TablesSource::Reader tables_;
    xlat::Context ctx_;  // ~70 KiB (fragment scratch): one per worker, never per packet
    std::vector<std::uint8_t> buf_;
    mutable std::mutex snapshot_mutex_;
    xlat::Counters snapshot_;
    std::atomic<std::uint64_t> write_errors_{0};
    std::atomic<std::uint64_t> offload_errors_{0};
    bool vnet_hdr_ = false;
    std::atomic<std::uint64_t> heartbeat_{0};
    // `log drop|reject|icmp|self` lines: at most kLogPerSecond a second per
    // worker, the rest counted and reported with the next line that passes.
    std::uint64_t log_second_ = 0;
    unsigned logged_this_second_ = 0;
    std::uint64_t logs_suppressed_ = 0;
};

// Largest packet a TUN queue hands us (IPv4/IPv6 max without jumbograms).
inline constexpr std::size_t kMaxPacket = 65535;
// How long run() waits for a packet before it looks at `stop` (and bumps
// its heartbeat) again.
inline constexpr int kPollTimeoutMs = 200;
// Packets read per wake-up before counters are published and tables checked.
inline constexpr int kBatch = 64;
// Event log lines per second and worker (`log` directive).
inline constexpr unsigned kLogPerSecond = 10;

}  // namespace nat64d::io
