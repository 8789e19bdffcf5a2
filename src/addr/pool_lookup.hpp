// What the translator asks of the dynamic pool (tayga.conf `dynamic-pool`),
// and nothing more: three lookups (find, lease, reverse) through a worker's
// own reader. No mutex, no allocator, no snapshot machinery here;
// addr/dynamic_pool.hpp implements it.
#pragma once

#include <optional>

#include "common/snapshot_reader.hpp"
#include "nat64d/ip.hpp"

namespace nat64d::addr {

// Why lease found no address.
enum class PoolMiss { None, Exhausted, NotLeasable };

// Result of an IPv4 lookup.
enum class Pool4 {
    Leased,      // an active lease: the IPv6 address is returned
    Unleased,    // a pool address with no active lease: unmappable
    NotManaged,  // outside the pool, or excluded from it: ask the next rule
};

namespace detail {
struct PoolSnapshot;  // addr/dynamic_pool.hpp
}  // namespace detail

// A worker's own view of the pool: its reference to the lease snapshot it
// reads, and which pool and which version that is. One per worker thread
// (xlat::Context holds it), never shared between threads; a default
// constructed reader picks up the current snapshot on first use, and a
// reader that moves to another pool notices it.
using PoolReader = common::SnapshotReader<detail::PoolSnapshot>;

// The pool as the packet path sees it. Every lookup reads the snapshot
// through the calling worker's `reader` and takes no lock on a hit.
class PoolLookup {
public:
    // The pool's range: an address inside it belongs to a lease or to
    // nobody (it never falls through to the prefix).
    [[nodiscard]] virtual const Prefix4& prefix() const noexcept = 0;

    // find: the host's active lease (refreshed), never a new one. For IPv6
    // destinations, e.g. the quoted packet of an ICMPv6 error on its way
    // back to a pool host.
    [[nodiscard]] virtual std::optional<Ipv4Addr> find_6to4(const Ipv6Addr& a, PoolReader& reader) noexcept = 0;

    // lease: for an IPv6 source with no other mapping, the host's active
    // lease, else its dormant one reactivated, else a new address, else the
    // oldest dormant lease reassigned (TAYGA's rules). Fails with Exhausted
    // or NotLeasable in `why`. A change is visible through `reader` when
    // this returns.
    [[nodiscard]] virtual std::optional<Ipv4Addr> map_6to4(const Ipv6Addr& a, PoolMiss& why,
                                                           PoolReader& reader) noexcept = 0;

    // reverse: an IPv4 address (either direction of use refreshes a
    // lease); Leased fills `out`.
    [[nodiscard]] virtual Pool4 map_4to6(const Ipv4Addr& a, Ipv6Addr& out, PoolReader& reader) noexcept = 0;

protected:
    PoolLookup() = default;
    PoolLookup(const PoolLookup&) = default;
    PoolLookup& operator=(const PoolLookup&) = default;
    ~PoolLookup() = default;  // never owned through this interface
};

}  // namespace nat64d::addr
