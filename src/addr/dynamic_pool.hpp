// The dynamic IPv4 pool (tayga.conf `dynamic-pool`): IPv6 hosts with no
// static or RFC 6052 mapping lease an IPv4 address from it. The pool is the
// plumbing around the lease policy (addr::LeaseBook, addr/lease_book.hpp,
// which decides as TAYGA 0.9.2 does): the lock, the snapshot the packet
// path reads, the queue of `log dyn` events, and dynamic.map, read and
// written in TAYGA's format (addr/persist.hpp).
//
// Threads (docs/architecture.md, "Threads and tables"): the pool is the one
// piece of shared mutable state on the packet path. Its LeaseBook is
// reachable only through SharedGuarded and changes only under its exclusive
// lock: to make, reactivate or reassign a lease (the miss path), in
// maintenance when a lease changes state, on restore and on set_exclusions.
// After each change the writer publishes an immutable snapshot of the
// active leases (RCU style: a new std::shared_ptr and a version number).
// Hits take no lock: a worker compares the version with its own
// PoolReader's, follows its own reference to the snapshot, and refreshes
// the lease's last-use time with a relaxed atomic store in the lease's own
// cell. Only when the version moved does it take a short mutex, to copy the
// new snapshot's pointer. A lookup that began just before a change may
// still answer from the previous snapshot: that packet is translated as if
// it had come a moment earlier (its refresh lands in a cell the writer no
// longer counts on: see LeaseBook::Lease::dormant_since and the new cell of
// a reassigned address). An old snapshot dies with its last reader.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "addr/lease_book.hpp"
#include "addr/pool_lookup.hpp"
#include "common/result.hpp"
#include "common/snapshot.hpp"
#include "nat64d/ip.hpp"

namespace nat64d::addr {

struct PoolOptions {
    Prefix4 prefix;                  // dynamic-pool A/n, 1 <= n <= 31
    std::vector<Prefix4> excluded4;  // ipv4-addr/32 and every static map's IPv4 side
    std::vector<Prefix6> excluded6;  // every static map's IPv6 side and the NAT64 prefix
    std::int64_t min_lease = kDynMinLease;
    std::int64_t max_lease = kDynMaxLease;
};

namespace detail {

// Active leases by host and by pool offset.
struct LeaseTable {
    std::unordered_map<Ipv6Addr, std::shared_ptr<LeaseCell>, Hash6> by_v6;
    std::unordered_map<std::uint32_t, std::shared_ptr<LeaseCell>> by_offset;
};

// What the packet path reads, immutable once published: the ACTIVE leases
// only (a dormant lease is answered by the miss path under the lock), and
// the excluded offsets (which make an IPv4 address NotManaged). The active
// leases are `base`, shared by successive snapshots, plus `recent`, the
// leases made or reactivated since `base` was built (a lease is in one or
// the other), so that a new lease copies a small table, not every lease.
struct PoolSnapshot {
    std::shared_ptr<const LeaseTable> base;
    LeaseTable recent;
    OffsetRuns excluded4;
};

// A value reachable only under its lock: read() under a shared lock, write()
// under the exclusive one. No manual lock/unlock pairs.
template <typename T>
class SharedGuarded {
public:
    template <typename... Args>
    explicit SharedGuarded(Args&&... args) : value_(std::forward<Args>(args)...) {}

    template <typename F>
    decltype(auto) read(F&& f) const {
        std::shared_lock lock(mutex_);
        return std::forward<F>(f)(static_cast<const T&>(value_));
    }
    template <typename F>
    decltype(auto) write(F&& f) {
        std::unique_lock lock(mutex_);
        return std::forward<F>(f)(value_);
    }

private:
    mutable std::shared_mutex mutex_;
    T value_;
};
}  // namespace detail

class DynamicPool final : public PoolLookup {
public:
    // Fails on a prefix length outside 1..31 or an inverted lease timing.
    // Excluded prefixes may lie partly or wholly outside the pool.
    [[nodiscard]] static common::Result<std::unique_ptr<DynamicPool>> create(PoolOptions options);

    DynamicPool(const DynamicPool&) = delete;
    DynamicPool& operator=(const DynamicPool&) = delete;
    ~DynamicPool();

    // The clock, in Unix seconds (dynamic.map stores wall-clock times). The
    // daemon sets it once a second; the packet path only reads it.
    void set_now(std::int64_t now) noexcept { now_.store(now, std::memory_order_relaxed); }
    [[nodiscard]] std::int64_t now() const noexcept { return now_.load(std::memory_order_relaxed); }

    // The three lookups below read the snapshot through the calling
    // worker's `reader` (see PoolReader) and take no lock on a hit.

    // Packet path, IPv6 source with no other mapping: the host's active lease
    // (refreshed), else its dormant lease reactivated, else a new address
    // chosen as TAYGA does, else the oldest dormant lease reassigned. Fails
    // with Exhausted when nothing is free or dormant, with NotLeasable for
    // addresses TAYGA would not lease (is_leasable_ipv6). Everything but the
    // hit takes the exclusive lock; a change is visible through `reader`
    // when this returns.
    [[nodiscard]] std::optional<Ipv4Addr> map_6to4(const Ipv6Addr& a, PoolMiss& why,
                                                   PoolReader& reader) noexcept override;

    // Packet path, lookup only: the host's active lease (refreshed), never a
    // new one. For IPv6 destinations, e.g. the quoted packet of an ICMPv6
    // error on its way back to a pool host. Never locks (but to pick up a
    // new snapshot).
    [[nodiscard]] std::optional<Ipv4Addr> find_6to4(const Ipv6Addr& a, PoolReader& reader) noexcept override;

    // Packet path, IPv4 address (either direction of use refreshes a lease):
    // Leased fills `out` and refreshes the lease. Never locks (but to pick
    // up a new snapshot).
    [[nodiscard]] Pool4 map_4to6(const Ipv4Addr& a, Ipv6Addr& out, PoolReader& reader) noexcept override;

    // Turns active leases idle for more than min_lease dormant and dormant
    // leases idle for more than max_lease expired; sets the clock to `now`.
    // Called by the daemon about once a second.
    void maintenance(std::int64_t now);

    // `log dyn` events (PoolEvent): the pool queues what its LeaseBook
    // reports (it never logs: the packet path must not); the daemon drains
    // the queue on its maintenance tick.
    // The queued events, oldest first, and how many were lost
    // because the queue was full (kMaxQueuedEvents between two drains).
    static constexpr std::size_t kMaxQueuedEvents = 4096;
    [[nodiscard]] std::vector<PoolEvent> take_events();
    [[nodiscard]] std::uint64_t events_lost() const noexcept { return events_lost_.load(std::memory_order_relaxed); }

    // A narrow hook for a mirror of the active leases (the kernel fast
    // path), so that addr needs nothing of it: `observer` is called with
    // every lease event (the same PoolEvent as `log dyn`) right after the
    // book made the change, under the pool's exclusive lock, on whatever
    // thread made it (a worker on the miss path, the daemon's maintenance
    // or reload). It must be quick and must not throw or call back into
    // the pool. Assigned and Reactivated make a lease active; Dormant,
    // Expired and Revoked end it; Reassigned ends previous_v6's and makes
    // v6's. An empty function removes the observer. Leases restored from
    // dynamic.map report no events: read them with leases().
    using LeaseObserver = std::function<void(const PoolEvent&)>;
    void set_observer(LeaseObserver observer);

    // A use of the active lease of `v6` on `v4` seen outside the pool (the
    // kernel fast path translates without asking it) at `when` (Unix
    // seconds): refreshes its last use as a packet-path hit would, so that
    // it turns dormant min_lease after its last use, whichever path used
    // it. False (nothing done) when that lease is not active.
    bool note_use(const Ipv6Addr& v6, const Ipv4Addr& v4, std::int64_t when) noexcept;

    // True when leases were made, changed or dropped since the last
    // successful save(); last-use refreshes alone do not count (they are
    // caught by the periodic save).
    [[nodiscard]] bool dirty() const noexcept {
        return change_count_.load(std::memory_order_acquire) != saved_count_.load(std::memory_order_acquire);
    }

    // Every lease, active and dormant, most recently used first (the order
    // TAYGA writes them in).
    [[nodiscard]] std::vector<LeaseInfo> leases() const;
    [[nodiscard]] PoolCounts counts() const;

    // Startup: adds leases read from dynamic.map. Skipped, each with a
    // message in TAYGA's words plus the line: addresses outside the pool or
    // its reserved lowest address, addresses excluded by a static map or
    // the translator's own address, IPv6 addresses not leasable or inside a
    // static map / the NAT64 prefix, and duplicates. A time in the future is
    // taken as now (with one note). Leases used within min_lease are active
    // (so a restart keeps hosts reachable from IPv4), older ones dormant,
    // and those past max_lease expire at the next maintenance(). Judged
    // against now(): call set_now() first.
    LoadReport restore(const std::vector<LeaseRecord>& records, std::string_view name);

    // Reads and restores `path` (dynamic.map). A missing file is not an
    // error (first start). Malformed lines are skipped with their line number.
    [[nodiscard]] common::Result<LoadReport> load(const std::string& path);

    // Writes every lease to `path` in TAYGA's format, atomically (temp file,
    // fsync, rename, fsync of the directory): on any failure the previous
    // file is left as it was and the error is returned. Clears dirty() when
    // nothing changed while writing.
    [[nodiscard]] common::Status save(const std::string& path);

    // Reload (map-file, SIGHUP): the static maps changed, and with them the
    // excluded addresses (same meaning as PoolOptions). Leases on addresses
    // now excluded, and leases of hosts whose IPv6 address a static map or
    // the prefix now covers, are revoked (event Revoked); addresses no
    // longer excluded become free.
    void set_exclusions(const std::vector<Prefix4>& excluded4, std::vector<Prefix6> excluded6);

    [[nodiscard]] const Prefix4& prefix() const noexcept override { return options_.prefix; }
    // The lease times (PoolOptions), for showing when a lease turns dormant
    // and when it expires.
    [[nodiscard]] std::int64_t min_lease() const noexcept { return options_.min_lease; }
    [[nodiscard]] std::int64_t max_lease() const noexcept { return options_.max_lease; }

private:
    // What the exclusive lock guards: the lease policy and the pool's
    // bookkeeping around it.
    struct State {
        explicit State(LeaseBook b) : book(std::move(b)) {}
        LeaseBook book;
        std::vector<PoolEvent> events;  // capacity reserved: push never allocates
        // Publication (publish_if_stale): `stale` when the snapshot no
        // longer shows the book; `rebuild` when more than additions
        // happened since the snapshot's base was built (a lease dropped,
        // turned dormant, or the exclusions changed); `added`: the offsets
        // of the leases made or reactivated since then.
        bool stale = true;
        bool rebuild = true;
        std::vector<std::uint32_t> added;
        // The base of the snapshot last published (the writer's copy of
        // the reference, so that building the next one needs no lock).
        std::shared_ptr<const detail::LeaseTable> base;
        LeaseObserver observer;  // set_observer
    };
    // What the book's changes mean for the pool (Recorder::on_event).
    class Recorder;

    explicit DynamicPool(PoolOptions options);

    void push_event(State& s, const PoolEvent& e) noexcept;
    // A lease turned dormant, expired or was revoked: dirty() and a new
    // snapshot, rebuilt from scratch.
    void changed(State& s) noexcept {
        s.stale = true;
        s.rebuild = true;
        change_count_.fetch_add(1, std::memory_order_acq_rel);
    }
    // The lease at `offset` was made or reactivated (is active now): dirty()
    // and a new snapshot, which adds it to `recent`.
    void added(State& s, std::uint32_t offset) noexcept;
    // Under the exclusive lock: publishes a snapshot built from `s` if it is
    // stale. On bad_alloc the old snapshot stays and `s` stays stale, for
    // the next change or maintenance() to publish.
    void publish_if_stale(State& s) noexcept;

    PoolOptions options_;     // the prefix masked
    std::uint32_t base_ = 0;  // the pool's first address, host order
    std::atomic<std::int64_t> now_{0};
    std::atomic<std::uint64_t> change_count_{0};
    std::atomic<std::uint64_t> saved_count_{0};
    std::atomic<std::uint64_t> events_lost_{0};
    detail::SharedGuarded<State> state_;

    // RCU-style publication of the snapshot the packet path reads (one
    // version check per lookup; common/snapshot.hpp).
    common::SnapshotPublisher<detail::PoolSnapshot> published_;
};

}  // namespace nat64d::addr
