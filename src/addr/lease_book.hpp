// The lease policy of the dynamic pool (tayga.conf `dynamic-pool`): which
// IPv4 address an IPv6 host gets, when its lease turns dormant, which
// dormant lease is reassigned, when it expires, and what a new set of
// static maps takes away. The rules and the address choice are TAYGA
// 0.9.2's (dynamic.c), so that a site switching from TAYGA keeps its hosts'
// addresses.
//
// Life of a lease (TAYGA's dyn_min_lease / dyn_max_lease):
//   active   until 124 minutes after the last packet in either direction;
//   dormant  then: no longer translated, but the address stays reserved for
//            the same IPv6 host (which gets it back on its next packet) for
//            up to 14 days after the last packet, unless the pool runs out,
//            in which case the oldest dormant lease is reassigned;
//   expired  after that: the address is free again.
//
// A LeaseBook is plain data and decisions: no lock, no snapshot, no file.
// addr::DynamicPool (addr/dynamic_pool.hpp) owns one under its lock,
// publishes what the packet path reads and keeps dynamic.map; every change
// the book makes is reported to a LeaseEvents, from which the pool queues
// its `log dyn` events and marks its snapshot stale.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "addr/free_runs.hpp"
#include "addr/pool_lookup.hpp"
#include "nat64d/ip.hpp"

namespace nat64d::addr {

// TAYGA's dyn_min_lease: "just over two hours" (124 minutes) after the last
// packet a lease turns dormant.
inline constexpr std::int64_t kDynMinLease = 124 * 60;
// TAYGA's dyn_max_lease: a dormant lease is kept for its host for 14 days
// after the last packet.
inline constexpr std::int64_t kDynMaxLease = 14 * 24 * 60 * 60;

// `log dyn` events: every change of a lease's state.
// Revoked: set_exclusions() took the address (or the host) for a static map.
enum class PoolEventKind { Assigned, Reactivated, Dormant, Reassigned, Expired, Revoked };

struct PoolEvent {
    PoolEventKind kind;
    Ipv4Addr v4;
    Ipv6Addr v6;           // the host that holds (or held) the address
    Ipv6Addr previous_v6;  // Reassigned: the dormant host that lost it; otherwise ::
    friend bool operator==(const PoolEvent&, const PoolEvent&) = default;
};

// One line for the log, in TAYGA's words where TAYGA has them ("assigned
// new", "reactivated dormant", "reassigned dormant" ... "pool address
// 192.0.2.80 (2001:db8::69)"); TAYGA logs no dormant/expired/revoked lines.
[[nodiscard]] std::string describe(const PoolEvent& e);

// TAYGA's choice of the first address to try for `a` in a pool with
// `host_bits` (1..31) host bits: the four 32-bit words of the address, each
// read little-endian (TAYGA adds s6_addr32[i] on x86), summed in 32 bits --
// the carry out of bit 31 is lost, as in TAYGA -- and after each addition
// folded into the host bits with an end-around carry. Exposed for tests.
[[nodiscard]] std::uint32_t tayga_pool_offset(const Ipv6Addr& a, unsigned host_bits) noexcept;

// TAYGA's validate_ip6_addr(): addresses a lease may never be made for
// (::/8 except the well-known prefix, ff00::/8, fe80::/10, fec0::/10).
[[nodiscard]] bool is_leasable_ipv6(const Ipv6Addr& a) noexcept;

// A lease as saved to / restored from dynamic.map.
struct LeaseRecord {
    Ipv4Addr v4;
    Ipv6Addr v6;
    std::int64_t last_use = 0;  // Unix seconds
    unsigned line = 0;          // line in the file it came from (0: not from a file)
    friend bool operator==(const LeaseRecord& a, const LeaseRecord& b) {
        return a.v4 == b.v4 && a.v6 == b.v6 && a.last_use == b.last_use;
    }
};

struct LeaseInfo {
    Ipv4Addr v4;
    Ipv6Addr v6;
    std::int64_t last_use = 0;
    bool active = false;
};

// For statistics: leases by state, and addresses still free (the pool less
// its lowest address, the excluded addresses and every lease).
struct PoolCounts {
    std::uint64_t active = 0;
    std::uint64_t dormant = 0;
    std::uint64_t free = 0;
    friend bool operator==(const PoolCounts&, const PoolCounts&) = default;
};

// What restore() did with a file's lines.
struct LoadReport {
    std::size_t loaded = 0;
    std::vector<std::string> messages;  // one per skipped line, "NAME:LINE: ...", plus notes
};

namespace detail {

struct Hash6 {
    std::size_t operator()(const Ipv6Addr& a) const noexcept;
};

// One lease's identity and clock. The addresses never change (a reassigned
// address gets a new cell), so a worker may read them through any snapshot
// that holds the cell; last_use is the one field hits write.
struct LeaseCell {
    LeaseCell(Ipv4Addr a4, Ipv6Addr a6, std::int64_t t) noexcept : v4(a4), v6(a6), last_use(t) {}
    // Refreshes the last use. Skips the store when the second has not
    // changed, so workers hitting the same lease do not bounce its cache line.
    void touch(std::int64_t now) noexcept {
        if (last_use.load(std::memory_order_relaxed) < now) last_use.store(now, std::memory_order_relaxed);
    }
    const Ipv4Addr v4;
    const Ipv6Addr v6;
    std::atomic<std::int64_t> last_use;  // Unix seconds; relaxed loads and stores
};

}  // namespace detail

// Told of every change a LeaseBook makes, right after it is made. Must not
// throw: the book has committed the change by then.
class LeaseEvents {
public:
    virtual void on_event(const PoolEvent& e) noexcept = 0;

protected:
    LeaseEvents() = default;
    LeaseEvents(const LeaseEvents&) = default;
    LeaseEvents& operator=(const LeaseEvents&) = default;
    ~LeaseEvents() = default;
};

// Offsets in the pool as sorted, disjoint [first, last] runs.
using OffsetRuns = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

// True when `offset` lies in one of `runs` (binary search).
[[nodiscard]] bool in_runs(const OffsetRuns& runs, std::uint32_t offset) noexcept;

class LeaseBook {
public:
    // The book's record of a lease. The cell is shared with the snapshots
    // the packet path reads; everything else is the book's alone.
    struct Lease {
        std::shared_ptr<detail::LeaseCell> cell;
        bool active = false;
        // Dormant: the last use when it went dormant, its place among the
        // dormant leases. Kept apart from the cell, which a worker still
        // reading an older snapshot may refresh after that.
        std::int64_t dormant_since = 0;
    };

    // `prefix` is the pool (its length 1..31: DynamicPool::create checks),
    // `excluded4` the addresses it never hands out (ipv4-addr and every
    // static map's IPv4 side, inside the pool or not), `excluded6` the
    // hosts it never leases to (every static map's IPv6 side and the NAT64
    // prefix). 0 <= min_lease <= max_lease.
    LeaseBook(Prefix4 prefix, std::int64_t min_lease, std::int64_t max_lease, const std::vector<Prefix4>& excluded4,
              std::vector<Prefix6> excluded6);

    [[nodiscard]] const Prefix4& prefix() const noexcept { return prefix_; }
    [[nodiscard]] std::int64_t min_lease() const noexcept { return min_lease_; }
    [[nodiscard]] std::int64_t max_lease() const noexcept { return max_lease_; }
    // An address of the pool and its offset from the pool's first address.
    [[nodiscard]] std::uint32_t offset_of(const Ipv4Addr& a) const noexcept { return a.to_u32() - base_; }
    [[nodiscard]] Ipv4Addr addr_at(std::uint32_t offset) const noexcept { return Ipv4Addr::from_u32(base_ + offset); }

    // A lease for IPv6 source `a` at time `now`: its active lease
    // (refreshed), else its dormant lease reactivated, else the first free
    // address at or above TAYGA's choice (tayga_pool_offset), wrapping
    // round and skipping the pool's lowest address, else the lease dormant
    // longest reassigned. Fails with NotLeasable (is_leasable_ipv6) or
    // Exhausted in `why`. A bad_alloc leaves the book as it was.
    std::optional<Ipv4Addr> assign(const Ipv6Addr& a, std::int64_t now, PoolMiss& why, LeaseEvents& events);

    // Aging, in two steps so that the caller can look first under a shared
    // lock: idle_active() lists the active leases unused for more than
    // min_lease at `now`, has_expired() says whether a dormant lease is
    // past max_lease; age() turns those of `candidates` still idle dormant
    // (Dormant) and drops every dormant lease unused for more than
    // max_lease (Expired), freeing its address.
    [[nodiscard]] std::vector<std::uint32_t> idle_active(std::int64_t now) const;
    [[nodiscard]] bool has_expired(std::int64_t now) const noexcept;
    void age(std::int64_t now, const std::vector<std::uint32_t>& candidates, LeaseEvents& events);

    // New exclusions (same meaning as the constructor's): leases on
    // addresses now excluded, and leases of hosts now inside an excluded
    // IPv6 prefix, are revoked (Revoked, in address order); addresses no
    // longer excluded become free. On bad_alloc nothing changed.
    void set_exclusions(const std::vector<Prefix4>& excluded4, std::vector<Prefix6> excluded6, LeaseEvents& events);

    // Adds leases read from dynamic.map (`name` is for the messages).
    // Skipped, each with a message in TAYGA's words plus the line:
    // addresses outside the pool or its reserved lowest address, addresses
    // excluded, IPv6 addresses not leasable or excluded, and duplicates. A
    // time after `now` is taken as now (with one note). Leases used within
    // min_lease of `now` are active, older ones dormant (those past
    // max_lease expire at the next age()). Reports no events: the file
    // already holds these leases.
    LoadReport restore(const std::vector<LeaseRecord>& records, std::string_view name, std::int64_t now);

    // Every lease by offset, for building the packet path's snapshot.
    [[nodiscard]] const std::unordered_map<std::uint32_t, Lease>& by_offset() const noexcept { return by_offset_; }
    // The excluded offsets inside the pool.
    [[nodiscard]] const OffsetRuns& excluded4() const noexcept { return excluded4_; }
    // The addresses no lease holds and no exclusion takes.
    [[nodiscard]] const FreeRuns& free() const noexcept { return free_; }
    // Every lease, active and dormant, most recently used first (the order
    // TAYGA writes them in); ties by address.
    [[nodiscard]] std::vector<LeaseInfo> leases() const;
    [[nodiscard]] PoolCounts counts() const noexcept;

private:
    [[nodiscard]] OffsetRuns make_runs(const std::vector<Prefix4>& excluded4) const;
    [[nodiscard]] FreeRuns make_free(const OffsetRuns& excluded, const std::vector<std::uint32_t>& leased) const;

    Prefix4 prefix_;
    unsigned host_bits_ = 0;
    std::uint32_t base_ = 0;  // the pool's first address, host order
    std::int64_t min_lease_ = kDynMinLease;
    std::int64_t max_lease_ = kDynMaxLease;
    std::unordered_map<std::uint32_t, Lease> by_offset_;  // the leases, keyed by pool offset
    std::unordered_map<Ipv6Addr, Lease*, detail::Hash6> by_v6_;
    std::set<std::pair<std::int64_t, std::uint32_t>> dormant_;  // (dormant_since, offset), oldest first
    FreeRuns free_;
    OffsetRuns excluded4_;
    std::vector<Prefix6> excluded6_;
};

}  // namespace nat64d::addr
