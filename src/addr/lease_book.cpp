#include "addr/lease_book.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iterator>

namespace nat64d::addr {
namespace {

std::uint32_t load_le32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

// Load and reload only, never the packet path: a handful of prefixes.
bool any_contains(const std::vector<Prefix6>& prefixes, const Ipv6Addr& a) noexcept {
    return std::any_of(prefixes.begin(), prefixes.end(), [&](const Prefix6& p) { return p.contains(a); });
}

}  // namespace

std::string describe(const PoolEvent& e) {
    // TAYGA logs "%s pool address %s (%s)" with "assigned new", "reactivated
    // dormant" and "reassigned dormant"; it does not log the other two.
    switch (e.kind) {
        case PoolEventKind::Assigned:
            return fmt::format("assigned new pool address {} ({})", to_string(e.v4), to_string(e.v6));
        case PoolEventKind::Reactivated:
            return fmt::format("reactivated dormant pool address {} ({})", to_string(e.v4), to_string(e.v6));
        case PoolEventKind::Reassigned:
            return fmt::format("reassigned dormant pool address {} ({}, was {})", to_string(e.v4), to_string(e.v6),
                               to_string(e.previous_v6));
        case PoolEventKind::Dormant:
            return fmt::format("pool address {} ({}) is now dormant", to_string(e.v4), to_string(e.v6));
        case PoolEventKind::Expired:
            return fmt::format("expired dormant pool address {} ({})", to_string(e.v4), to_string(e.v6));
        case PoolEventKind::Revoked:
            return fmt::format("revoked pool address {} ({}): now taken by a static map", to_string(e.v4),
                               to_string(e.v6));
    }
    return {};
}

std::uint32_t tayga_pool_offset(const Ipv6Addr& a, unsigned host_bits) noexcept {
    const std::uint32_t mask = (std::uint32_t{1} << host_bits) - 1;
    std::uint32_t sum = 0;
    for (unsigned i = 0; i < 4; ++i) {
        // TAYGA: `base += addr6->s6_addr32[i]` in a uint32_t on a
        // little-endian host. The wrap-around is part of the result: TAYGA
        // gives 2001:db8::ffff:ffff .229 in a /24, not .230.
        sum += load_le32(a.bytes.data() + 4 * i);
        while ((sum & ~mask) != 0) sum = (sum & mask) + (sum >> host_bits);
    }
    return sum;
}

bool is_leasable_ipv6(const Ipv6Addr& a) noexcept {
    // TAYGA 0.9.2 validate_ip6_addr(), checked against its dynamic.map
    // loader: 64:ff9b::/96 passes, then ::/8, ff00::/8 and fe80::/10 fail;
    // fec0::/10 (deprecated site-local) passes.
    static constexpr std::uint8_t kWkp[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (std::memcmp(a.bytes.data(), kWkp, sizeof kWkp) == 0) return true;
    if (a.bytes[0] == 0x00 || a.bytes[0] == 0xff) return false;
    if (a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80) return false;
    return true;
}

std::size_t detail::Hash6::operator()(const Ipv6Addr& a) const noexcept {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    std::memcpy(&hi, a.bytes.data(), 8);
    std::memcpy(&lo, a.bytes.data() + 8, 8);
    // Hosts of one site differ in the low half: mix it well (splitmix64).
    std::uint64_t x = lo ^ (hi * 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>(x ^ (x >> 31));
}

bool in_runs(const OffsetRuns& runs, std::uint32_t offset) noexcept {
    // The run starting at or before `offset`, found by binary search.
    auto it = std::upper_bound(runs.begin(), runs.end(), offset,
                               [](std::uint32_t o, const auto& run) { return o < run.first; });
    if (it == runs.begin()) return false;
    return offset <= std::prev(it)->second;
}

LeaseBook::LeaseBook(Prefix4 prefix, std::int64_t min_lease, std::int64_t max_lease,
                     const std::vector<Prefix4>& excluded4, std::vector<Prefix6> excluded6)
    : prefix_{mask(prefix.addr, prefix.len), prefix.len},
      host_bits_(32 - prefix.len),
      base_(prefix_.addr.to_u32()),
      min_lease_(min_lease),
      max_lease_(max_lease),
      excluded6_(std::move(excluded6)) {
    excluded4_ = make_runs(excluded4);
    free_ = make_free(excluded4_, {});
}

OffsetRuns LeaseBook::make_runs(const std::vector<Prefix4>& excluded4) const {
    // The excluded addresses that fall inside the pool, as offset runs.
    const std::uint64_t pool_first = base_;
    const std::uint64_t pool_last = pool_first + ((std::uint64_t{1} << host_bits_) - 1);
    OffsetRuns runs;
    for (const Prefix4& p : excluded4) {
        const std::uint64_t first = mask(p.addr, p.len).to_u32();
        const std::uint64_t last = first + ((std::uint64_t{1} << (32 - p.len)) - 1);
        if (last < pool_first || first > pool_last) continue;
        runs.emplace_back(static_cast<std::uint32_t>(std::max(first, pool_first) - pool_first),
                          static_cast<std::uint32_t>(std::min(last, pool_last) - pool_first));
    }
    std::sort(runs.begin(), runs.end());
    OffsetRuns merged;
    for (const auto& run : runs) {
        if (!merged.empty() && std::uint64_t{run.first} <= std::uint64_t{merged.back().second} + 1)
            merged.back().second = std::max(merged.back().second, run.second);
        else
            merged.push_back(run);
    }
    return merged;
}

FreeRuns LeaseBook::make_free(const OffsetRuns& excluded, const std::vector<std::uint32_t>& leased) const {
    // Offset 0, the pool's lowest address, is never handed out.
    FreeRuns free(1, (std::uint32_t{1} << host_bits_) - 1);
    for (const auto& run : excluded) free.remove_range(run.first, run.second);
    for (const std::uint32_t offset : leased) free.take(offset);
    return free;
}

// --- assignment --------------------------------------------------------------

std::optional<Ipv4Addr> LeaseBook::assign(const Ipv6Addr& a, std::int64_t now, PoolMiss& why, LeaseEvents& events) {
    if (!is_leasable_ipv6(a)) {
        why = PoolMiss::NotLeasable;
        return std::nullopt;
    }
    if (const auto it = by_v6_.find(a); it != by_v6_.end()) {
        Lease& l = *it->second;
        if (l.active) {  // e.g. another worker made it while this one waited for the pool's lock
            l.cell->touch(now);
            return l.cell->v4;
        }
        // The host came back within max_lease: same address (and cell) as before.
        dormant_.erase({l.dormant_since, offset_of(l.cell->v4)});
        l.active = true;
        l.cell->last_use.store(now, std::memory_order_relaxed);
        events.on_event(PoolEvent{PoolEventKind::Reactivated, l.cell->v4, l.cell->v6, {}});
        return l.cell->v4;
    }

    if (const auto offset = free_.find_from(tayga_pool_offset(a, host_bits_))) {
        // Every allocation comes before the commit, undone if a later one fails.
        auto cell = std::make_shared<detail::LeaseCell>(addr_at(*offset), a, now);
        const auto [lit, inserted] = by_offset_.try_emplace(*offset);
        Lease& l = lit->second;
        try {
            by_v6_.emplace(a, &l);
        } catch (...) {
            by_offset_.erase(lit);
            throw;
        }
        try {
            free_.take(*offset);
        } catch (...) {
            by_v6_.erase(a);
            by_offset_.erase(lit);
            throw;
        }
        l.cell = std::move(cell);
        l.active = true;
        events.on_event(PoolEvent{PoolEventKind::Assigned, l.cell->v4, l.cell->v6, {}});
        return l.cell->v4;
    }

    if (!dormant_.empty()) {
        // Pool full: the dormant lease idle longest goes to the new host, in
        // a new cell: a worker still reading an older snapshot can refresh
        // only the previous host's cell, never see the address half moved.
        const std::uint32_t offset = dormant_.begin()->second;
        Lease& l = by_offset_.find(offset)->second;
        auto cell = std::make_shared<detail::LeaseCell>(l.cell->v4, a, now);
        by_v6_.emplace(a, &l);  // the last allocation, before any change
        const Ipv6Addr previous = l.cell->v6;
        by_v6_.erase(previous);
        dormant_.erase(dormant_.begin());
        l.cell = std::move(cell);
        l.active = true;
        events.on_event(PoolEvent{PoolEventKind::Reassigned, l.cell->v4, l.cell->v6, previous});
        return l.cell->v4;
    }

    why = PoolMiss::Exhausted;
    return std::nullopt;
}

// --- aging -------------------------------------------------------------------

std::vector<std::uint32_t> LeaseBook::idle_active(std::int64_t now) const {
    std::vector<std::uint32_t> out;
    for (const auto& [offset, l] : by_offset_) {
        if (l.active && l.cell->last_use.load(std::memory_order_relaxed) + min_lease_ < now) out.push_back(offset);
    }
    return out;
}

bool LeaseBook::has_expired(std::int64_t now) const noexcept {
    return !dormant_.empty() && dormant_.begin()->first + max_lease_ < now;
}

void LeaseBook::age(std::int64_t now, const std::vector<std::uint32_t>& candidates, LeaseEvents& events) {
    for (const std::uint32_t offset : candidates) {
        const auto it = by_offset_.find(offset);
        if (it == by_offset_.end()) continue;
        Lease& l = it->second;
        const std::int64_t last_use = l.cell->last_use.load(std::memory_order_relaxed);
        if (!l.active || last_use + min_lease_ >= now) continue;  // used again since the candidates were listed
        // A worker still on an older snapshot may refresh the cell once
        // more: that packet went through, the lease stays dormant (the
        // host's next packet reactivates it), and its place among the
        // dormant leases stays `dormant_since`.
        dormant_.emplace(last_use, offset);
        l.dormant_since = last_use;
        l.active = false;
        events.on_event(PoolEvent{PoolEventKind::Dormant, l.cell->v4, l.cell->v6, {}});
    }
    while (has_expired(now)) {
        const std::uint32_t offset = dormant_.begin()->second;
        const auto it = by_offset_.find(offset);
        const PoolEvent e{PoolEventKind::Expired, it->second.cell->v4, it->second.cell->v6, {}};
        free_.give(offset);  // may allocate: before anything is erased
        by_v6_.erase(e.v6);
        by_offset_.erase(it);
        dormant_.erase(dormant_.begin());
        events.on_event(e);
    }
}

// --- exclusions --------------------------------------------------------------

void LeaseBook::set_exclusions(const std::vector<Prefix4>& excluded4, std::vector<Prefix6> excluded6,
                               LeaseEvents& events) {
    // Everything that can fail (allocation) happens before the commit.
    OffsetRuns runs = make_runs(excluded4);
    std::vector<std::uint32_t> revoked;
    std::vector<std::uint32_t> kept;
    for (const auto& [offset, l] : by_offset_) {
        if (in_runs(runs, offset) || any_contains(excluded6, l.cell->v6)) {
            revoked.push_back(offset);
        } else {
            kept.push_back(offset);
        }
    }
    std::sort(revoked.begin(), revoked.end());  // events in address order
    FreeRuns free = make_free(runs, kept);
    free_.swap(free);
    excluded6_.swap(excluded6);
    excluded4_.swap(runs);
    for (const std::uint32_t offset : revoked) {
        const auto it = by_offset_.find(offset);
        Lease& l = it->second;
        if (!l.active) dormant_.erase({l.dormant_since, offset});
        const PoolEvent e{PoolEventKind::Revoked, l.cell->v4, l.cell->v6, {}};
        by_v6_.erase(e.v6);
        by_offset_.erase(it);
        events.on_event(e);
    }
}

// --- dynamic.map -------------------------------------------------------------

LoadReport LeaseBook::restore(const std::vector<LeaseRecord>& records, std::string_view name, std::int64_t now) {
    LoadReport report;
    bool future = false;
    for (const LeaseRecord& r : records) {
        const std::string where = fmt::format("{}:{}", name, r.line);
        const std::string v4 = to_string(r.v4);
        auto skip = [&](std::string why) { report.messages.push_back(fmt::format("{}: {}", where, why)); };
        // The checks and their wording follow TAYGA's loader.
        if (!prefix_.contains(r.v4)) {
            skip(fmt::format("ignoring map for {} that lies outside dynamic pool prefix {}", v4, to_string(prefix_)));
            continue;
        }
        const std::uint32_t offset = offset_of(r.v4);
        if (offset == 0) {
            skip(fmt::format("ignoring map for {}, the lowest address of the pool, which is never assigned", v4));
            continue;
        }
        if (in_runs(excluded4_, offset)) {
            skip(fmt::format("ignoring map for {} that conflicts with statically-configured map or ipv4-addr", v4));
            continue;
        }
        if (!is_leasable_ipv6(r.v6)) {
            skip(fmt::format("ignoring map for {} with invalid IPv6 address {}", v4, to_string(r.v6)));
            continue;
        }
        if (any_contains(excluded6_, r.v6)) {
            skip(fmt::format("ignoring map for {} that conflicts with statically-configured map or prefix",
                             to_string(r.v6)));
            continue;
        }
        // TAYGA catches a repeated IPv4 address; a repeated IPv6 address
        // would give one host two addresses, so we refuse that too.
        if (by_offset_.count(offset) != 0) {
            skip(fmt::format("ignoring duplicate map for {}", v4));
            continue;
        }
        if (by_v6_.count(r.v6) != 0) {
            skip(fmt::format("ignoring duplicate map for {}", to_string(r.v6)));
            continue;
        }
        std::int64_t last_use = r.last_use;
        if (last_use > now) {
            last_use = now;
            future = true;
        }
        auto cell = std::make_shared<detail::LeaseCell>(r.v4, r.v6, last_use);
        const auto [lit, inserted] = by_offset_.try_emplace(offset);
        Lease& l = lit->second;
        l.cell = std::move(cell);
        l.active = last_use + min_lease_ >= now;
        l.dormant_since = last_use;
        by_v6_.emplace(r.v6, &l);
        free_.take(offset);
        if (!l.active) dormant_.emplace(last_use, offset);
        ++report.loaded;
    }
    if (future) {
        report.messages.push_back(fmt::format("{}: note: maps dated in the future were taken as used now", name));
    }
    return report;
}

// --- views -------------------------------------------------------------------

std::vector<LeaseInfo> LeaseBook::leases() const {
    std::vector<LeaseInfo> out;
    out.reserve(by_offset_.size());
    for (const auto& [offset, l] : by_offset_)
        out.push_back(LeaseInfo{l.cell->v4, l.cell->v6, l.cell->last_use.load(std::memory_order_relaxed), l.active});
    std::sort(out.begin(), out.end(), [](const LeaseInfo& a, const LeaseInfo& b) {
        return a.last_use != b.last_use ? a.last_use > b.last_use : a.v4 < b.v4;
    });
    return out;
}

PoolCounts LeaseBook::counts() const noexcept {
    PoolCounts c;
    c.dormant = dormant_.size();
    c.active = by_offset_.size() - dormant_.size();
    c.free = free_.count();
    return c;
}

}  // namespace nat64d::addr
