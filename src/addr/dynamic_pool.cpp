#include "addr/dynamic_pool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <new>

#include "addr/persist.hpp"
#include "common/file.hpp"

namespace nat64d::addr {
namespace {

std::uint32_t load_le32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

// Refreshes a lease's last use. Skips the store when the second has not
// changed, so workers hitting the same lease do not bounce its cache line.
void touch(std::atomic<std::int64_t>& last_use, std::int64_t now) noexcept {
    if (last_use.load(std::memory_order_relaxed) < now) last_use.store(now, std::memory_order_relaxed);
}

// The cell under `key` in one of a snapshot's tables, or null.
template <typename Map, typename Key>
detail::LeaseCell* find(const Map& map, const Key& key) noexcept {
    const auto it = map.find(key);
    return it == map.end() ? nullptr : it->second.get();
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

common::Result<std::unique_ptr<DynamicPool>> DynamicPool::create(PoolOptions options) {
    // TAYGA: "Cannot use a prefix longer than /31 in dynamic-pool directive";
    // the lowest address is reserved, so a pool needs two addresses.
    if (options.prefix.len < 1 || options.prefix.len > 31)
        return common::Error{
            fmt::format("dynamic-pool {}: prefix length must be between /1 and /31", to_string(options.prefix))};
    if (options.min_lease < 0 || options.max_lease < options.min_lease)
        return common::Error{"dynamic-pool: lease times must satisfy 0 <= min_lease <= max_lease"};
    return std::unique_ptr<DynamicPool>(new DynamicPool(std::move(options)));
}

DynamicPool::DynamicPool(PoolOptions options) : options_(std::move(options)) {
    options_.prefix.addr = mask(options_.prefix.addr, options_.prefix.len);
    host_bits_ = 32 - options_.prefix.len;
    base_ = options_.prefix.addr.to_u32();
    state_.write([&](State& s) {
        s.excluded4 = make_runs(options_.excluded4);
        s.excluded6 = options_.excluded6;
        s.free = make_free(s.excluded4, {});
        s.events.reserve(kMaxQueuedEvents);
        publish_if_stale(s);
    });
    // Startup: a pool that cannot publish its first snapshot cannot serve.
    if (published_.version() == 0) throw std::bad_alloc();
}

DynamicPool::~DynamicPool() = default;

std::uint32_t DynamicPool::offset_of(const Ipv4Addr& a) const noexcept {
    return a.to_u32() - base_;
}

Ipv4Addr DynamicPool::addr_at(std::uint32_t offset) const noexcept {
    return Ipv4Addr::from_u32(base_ + offset);
}

DynamicPool::ExcludedRuns DynamicPool::make_runs(const std::vector<Prefix4>& excluded4) const {
    // The excluded addresses that fall inside the pool, as offset runs.
    const std::uint64_t pool_first = base_;
    const std::uint64_t pool_last = pool_first + ((std::uint64_t{1} << host_bits_) - 1);
    ExcludedRuns runs;
    for (const Prefix4& p : excluded4) {
        const std::uint64_t first = mask(p.addr, p.len).to_u32();
        const std::uint64_t last = first + ((std::uint64_t{1} << (32 - p.len)) - 1);
        if (last < pool_first || first > pool_last) continue;
        runs.emplace_back(static_cast<std::uint32_t>(std::max(first, pool_first) - pool_first),
                          static_cast<std::uint32_t>(std::min(last, pool_last) - pool_first));
    }
    std::sort(runs.begin(), runs.end());
    ExcludedRuns merged;
    for (const auto& run : runs) {
        if (!merged.empty() && std::uint64_t{run.first} <= std::uint64_t{merged.back().second} + 1)
            merged.back().second = std::max(merged.back().second, run.second);
        else
            merged.push_back(run);
    }
    return merged;
}

FreeRuns DynamicPool::make_free(const ExcludedRuns& excluded, const std::vector<std::uint32_t>& leased) const {
    // Offset 0, the pool's lowest address, is never handed out.
    FreeRuns free(1, (std::uint32_t{1} << host_bits_) - 1);
    for (const auto& run : excluded) free.remove_range(run.first, run.second);
    for (const std::uint32_t offset : leased) free.take(offset);
    return free;
}

bool DynamicPool::in_runs(const ExcludedRuns& runs, std::uint32_t offset) noexcept {
    // The run starting at or before `offset`, found by binary search.
    auto it = std::upper_bound(runs.begin(), runs.end(), offset,
                               [](std::uint32_t o, const auto& run) { return o < run.first; });
    if (it == runs.begin()) return false;
    return offset <= std::prev(it)->second;
}

bool DynamicPool::in_prefixes(const std::vector<Prefix6>& prefixes, const Ipv6Addr& a) noexcept {
    // Load and reload only, never the packet path: a handful of prefixes.
    return std::any_of(prefixes.begin(), prefixes.end(), [&](const Prefix6& p) { return p.contains(a); });
}

void DynamicPool::push_event(State& s, const PoolEvent& e) noexcept {
    // The capacity was reserved, so this never allocates on the packet path.
    if (s.events.size() < s.events.capacity()) {
        s.events.push_back(e);
    } else {
        events_lost_.fetch_add(1, std::memory_order_relaxed);
    }
}

// --- publication -------------------------------------------------------------
// Each change publishes a new snapshot, built under the exclusive lock from
// the tables. A change other than an addition (dormancy, expiry, revocation,
// new exclusions: maintenance ticks and reloads, at most about once a
// second) rebuilds every lease: O(leases). A new or reactivated lease (the
// miss path, on a worker) keeps the base and copies the small `recent`
// table plus one entry; `recent` is folded into a new base once it holds
// more than about sqrt(leases) entries, so a burst of new hosts costs
// O(sqrt(leases)) per lease, amortized, not O(leases). Leases are made at
// human pace anyway; hits, per packet, cost a hash lookup or two and no lock.

void DynamicPool::note_added(State& s, std::uint32_t offset) noexcept {
    s.stale = true;
    try {
        s.added.push_back(offset);
    } catch (const std::bad_alloc&) {
        s.rebuild = true;  // the list is incomplete: rebuild instead
    }
}

void DynamicPool::publish_if_stale(State& s) noexcept {
    if (!s.stale) return;
    std::shared_ptr<const detail::LeaseTable> base;
    bool full = s.rebuild;
    try {
        auto snap = std::make_shared<detail::PoolSnapshot>();
        if (!full) {
            // Only additions since s.base was built: keep it, unless
            // `recent` has grown past sqrt(base) (and a small floor).
            const std::size_t base_size = s.base->by_offset.size();
            full = s.added.size() > 32 && s.added.size() * s.added.size() > base_size;
        }
        auto fill = [](detail::LeaseTable& table, std::uint32_t offset, const Lease& l) {
            table.by_v6.emplace(l.cell->v6, l.cell);
            table.by_offset.emplace(offset, l.cell);
        };
        if (full) {
            auto base = std::make_shared<detail::LeaseTable>();
            std::size_t active = 0;
            for (const auto& [offset, l] : s.by_offset) active += l.active;
            base->by_v6.reserve(active);
            base->by_offset.reserve(active);
            for (const auto& [offset, l] : s.by_offset) {
                if (l.active) fill(*base, offset, l);
            }
            snap->base = std::move(base);
        } else {
            snap->base = s.base;
            snap->recent.by_v6.reserve(s.added.size());
            snap->recent.by_offset.reserve(s.added.size());
            for (const std::uint32_t offset : s.added) {
                // Every lease added since the base is still active: anything
                // else would have set `rebuild`.
                const auto it = s.by_offset.find(offset);
                if (it != s.by_offset.end() && it->second.active) fill(snap->recent, offset, it->second);
            }
        }
        snap->excluded4 = s.excluded4;
        base = snap->base;
        published_.publish(std::move(snap));
    } catch (const std::bad_alloc&) {
        return;  // still stale: retried by the next change or maintenance()
    }
    s.stale = false;
    s.base = std::move(base);
    if (full) {
        s.rebuild = false;
        s.added.clear();
    }
}

// --- packet path -------------------------------------------------------------

std::optional<Ipv4Addr> DynamicPool::find_6to4(const Ipv6Addr& a, PoolReader& reader) noexcept {
    // Hit path: no lock, an atomic store in the lease's own cell at most.
    const detail::PoolSnapshot& snap = published_.view(reader);
    detail::LeaseCell* cell = find(snap.recent.by_v6, a);
    if (cell == nullptr) cell = find(snap.base->by_v6, a);
    if (cell == nullptr) return std::nullopt;
    touch(cell->last_use, now());
    return cell->v4;
}

std::optional<Ipv4Addr> DynamicPool::map_6to4(const Ipv6Addr& a, PoolMiss& why, PoolReader& reader) noexcept {
    if (auto hit = find_6to4(a, reader)) return hit;
    const std::int64_t t = now();
    if (!is_leasable_ipv6(a)) {
        why = PoolMiss::NotLeasable;
        return std::nullopt;
    }
    try {
        auto got = state_.write([&](State& s) {
            auto v4 = assign_locked(s, a, t, why);
            publish_if_stale(s);
            return v4;
        });
        (void)published_.view(reader);  // the caller's next lookup sees its lease
        return got;
    } catch (const std::bad_alloc&) {
        // Nothing was changed (assign_locked allocates before it commits);
        // for the host this is the same as a full pool.
        why = PoolMiss::Exhausted;
        return std::nullopt;
    }
}

std::optional<Ipv4Addr> DynamicPool::assign_locked(State& s, const Ipv6Addr& a, std::int64_t now, PoolMiss& why) {
    if (const auto it = s.by_v6.find(a); it != s.by_v6.end()) {
        Lease& l = *it->second;
        if (l.active) {  // another worker made it while we waited for the lock
            touch(l.cell->last_use, now);
            return l.cell->v4;
        }
        // The host came back within max_lease: same address (and cell) as before.
        s.dormant.erase({l.dormant_since, offset_of(l.cell->v4)});
        l.active = true;
        l.cell->last_use.store(now, std::memory_order_relaxed);
        push_event(s, PoolEvent{PoolEventKind::Reactivated, l.cell->v4, l.cell->v6, {}});
        added(s, offset_of(l.cell->v4));
        return l.cell->v4;
    }

    if (const auto offset = s.free.find_from(tayga_pool_offset(a, host_bits_))) {
        auto cell = std::make_shared<detail::LeaseCell>(addr_at(*offset), a, now);
        const auto [lit, inserted] = s.by_offset.try_emplace(*offset);
        Lease& l = lit->second;
        try {
            s.by_v6.emplace(a, &l);
        } catch (...) {
            s.by_offset.erase(lit);
            throw;
        }
        try {
            s.free.take(*offset);
        } catch (...) {
            s.by_v6.erase(a);
            s.by_offset.erase(lit);
            throw;
        }
        l.cell = std::move(cell);
        l.active = true;
        push_event(s, PoolEvent{PoolEventKind::Assigned, l.cell->v4, l.cell->v6, {}});
        added(s, *offset);
        return l.cell->v4;
    }

    if (!s.dormant.empty()) {
        // Pool full: the dormant lease idle longest goes to the new host, in
        // a new cell: a worker still reading an older snapshot can refresh
        // only the previous host's cell, never see the address half moved.
        const std::uint32_t offset = s.dormant.begin()->second;
        Lease& l = s.by_offset.find(offset)->second;
        auto cell = std::make_shared<detail::LeaseCell>(l.cell->v4, a, now);
        s.by_v6.emplace(a, &l);  // the last allocation, before any change
        const Ipv6Addr previous = l.cell->v6;
        s.by_v6.erase(previous);
        s.dormant.erase(s.dormant.begin());
        l.cell = std::move(cell);
        l.active = true;
        push_event(s, PoolEvent{PoolEventKind::Reassigned, l.cell->v4, l.cell->v6, previous});
        // The dormant lease was not in the snapshot (its dormancy rebuilt
        // it): the new cell is an addition.
        added(s, offset);
        return l.cell->v4;
    }

    why = PoolMiss::Exhausted;
    return std::nullopt;
}

Pool4 DynamicPool::map_4to6(const Ipv4Addr& a, Ipv6Addr& out, PoolReader& reader) noexcept {
    if (!options_.prefix.contains(a)) return Pool4::NotManaged;
    const std::uint32_t offset = offset_of(a);
    // No lock, hit or miss: the snapshot holds the active leases and the
    // exclusions.
    const detail::PoolSnapshot& snap = published_.view(reader);
    detail::LeaseCell* cell = find(snap.recent.by_offset, offset);
    if (cell == nullptr) cell = find(snap.base->by_offset, offset);
    if (cell != nullptr) {
        // A packet in either direction keeps the lease alive (TAYGA too).
        touch(cell->last_use, now());
        out = cell->v6;
        return Pool4::Leased;
    }
    // The translator's own address and static maps inside the pool are
    // not the pool's to answer for.
    return in_runs(snap.excluded4, offset) ? Pool4::NotManaged : Pool4::Unleased;
}

// --- maintenance -------------------------------------------------------------

void DynamicPool::maintenance(std::int64_t now) {
    set_now(now);
    const std::int64_t min_lease = options_.min_lease;
    const std::int64_t max_lease = options_.max_lease;
    // Scan under the shared lock; most ticks change nothing and then never
    // block a worker.
    std::vector<std::uint32_t> going_dormant;
    bool expiring = false;
    bool stale = false;
    state_.read([&](const State& s) {
        for (const auto& [offset, l] : s.by_offset) {
            if (l.active && l.cell->last_use.load(std::memory_order_relaxed) + min_lease < now)
                going_dormant.push_back(offset);
        }
        expiring = !s.dormant.empty() && s.dormant.begin()->first + max_lease < now;
        stale = s.stale;
    });
    if (going_dormant.empty() && !expiring && !stale) return;

    state_.write([&](State& s) {
        for (const std::uint32_t offset : going_dormant) {
            const auto it = s.by_offset.find(offset);
            if (it == s.by_offset.end()) continue;
            Lease& l = it->second;
            const std::int64_t last_use = l.cell->last_use.load(std::memory_order_relaxed);
            if (!l.active || last_use + min_lease >= now) continue;  // used again since the scan
            // A worker still on the previous snapshot may refresh the cell
            // once more: that packet went through, the lease stays dormant
            // (the host's next packet reactivates it), and its place among
            // the dormant leases stays `dormant_since`.
            s.dormant.emplace(last_use, offset);
            l.dormant_since = last_use;
            l.active = false;
            push_event(s, PoolEvent{PoolEventKind::Dormant, l.cell->v4, l.cell->v6, {}});
            changed(s);
        }
        while (!s.dormant.empty() && s.dormant.begin()->first + max_lease < now) {
            const std::uint32_t offset = s.dormant.begin()->second;
            const auto it = s.by_offset.find(offset);
            const PoolEvent e{PoolEventKind::Expired, it->second.cell->v4, it->second.cell->v6, {}};
            s.free.give(offset);  // may allocate: before anything is erased
            s.by_v6.erase(e.v6);
            s.by_offset.erase(it);
            s.dormant.erase(s.dormant.begin());
            push_event(s, e);
            changed(s);
        }
        publish_if_stale(s);
    });
}

void DynamicPool::set_exclusions(const std::vector<Prefix4>& excluded4, std::vector<Prefix6> excluded6) {
    ExcludedRuns runs = make_runs(excluded4);
    state_.write([&](State& s) {
        // Everything that can fail (allocation) happens before the commit.
        std::vector<std::uint32_t> revoked;
        std::vector<std::uint32_t> kept;
        for (const auto& [offset, l] : s.by_offset) {
            if (in_runs(runs, offset) || in_prefixes(excluded6, l.cell->v6)) {
                revoked.push_back(offset);
            } else {
                kept.push_back(offset);
            }
        }
        std::sort(revoked.begin(), revoked.end());  // events in address order
        FreeRuns free = make_free(runs, kept);
        s.free.swap(free);
        s.excluded4.swap(runs);
        s.excluded6.swap(excluded6);
        for (const std::uint32_t offset : revoked) {
            const auto it = s.by_offset.find(offset);
            Lease& l = it->second;
            if (!l.active) s.dormant.erase({l.dormant_since, offset});
            push_event(s, PoolEvent{PoolEventKind::Revoked, l.cell->v4, l.cell->v6, {}});
            s.by_v6.erase(l.cell->v6);
            s.by_offset.erase(it);
            changed(s);
        }
        // The exclusions are part of the snapshot (map_4to6's NotManaged).
        s.stale = true;
        s.rebuild = true;
        publish_if_stale(s);
    });
}

std::vector<PoolEvent> DynamicPool::take_events() {
    // Most ticks have nothing: look under the shared lock first.
    if (state_.read([](const State& s) { return s.events.empty(); })) return {};
    std::vector<PoolEvent> fresh;
    fresh.reserve(kMaxQueuedEvents);
    state_.write([&](State& s) { s.events.swap(fresh); });
    return fresh;
}

std::vector<LeaseInfo> DynamicPool::leases() const {
    std::vector<LeaseInfo> out;
    state_.read([&](const State& s) {
        out.reserve(s.by_offset.size());
        for (const auto& [offset, l] : s.by_offset)
            out.push_back(
                LeaseInfo{l.cell->v4, l.cell->v6, l.cell->last_use.load(std::memory_order_relaxed), l.active});
    });
    std::sort(out.begin(), out.end(), [](const LeaseInfo& a, const LeaseInfo& b) {
        return a.last_use != b.last_use ? a.last_use > b.last_use : a.v4 < b.v4;
    });
    return out;
}

PoolCounts DynamicPool::counts() const {
    return state_.read([](const State& s) {
        PoolCounts c;
        c.dormant = s.dormant.size();
        c.active = s.by_offset.size() - s.dormant.size();
        c.free = s.free.count();
        return c;
    });
}

// --- persistence -------------------------------------------------------------

LoadReport DynamicPool::restore(const std::vector<LeaseRecord>& records, std::string_view name) {
    LoadReport report;
    const std::int64_t t = now();
    bool future = false;
    state_.write([&](State& s) {
        for (const LeaseRecord& r : records) {
            const std::string where = fmt::format("{}:{}", name, r.line);
            const std::string v4 = to_string(r.v4);
            auto skip = [&](std::string why) { report.messages.push_back(fmt::format("{}: {}", where, why)); };
            // The checks and their wording follow TAYGA's loader.
            if (!options_.prefix.contains(r.v4)) {
                skip(fmt::format("ignoring map for {} that lies outside dynamic pool prefix {}", v4,
                                 to_string(options_.prefix)));
                continue;
            }
            const std::uint32_t offset = offset_of(r.v4);
            if (offset == 0) {
                skip(fmt::format("ignoring map for {}, the lowest address of the pool, which is never assigned", v4));
                continue;
            }
            if (in_runs(s.excluded4, offset)) {
                skip(fmt::format("ignoring map for {} that conflicts with statically-configured map or ipv4-addr", v4));
                continue;
            }
            if (!is_leasable_ipv6(r.v6)) {
                skip(fmt::format("ignoring map for {} with invalid IPv6 address {}", v4, to_string(r.v6)));
                continue;
            }
            if (in_prefixes(s.excluded6, r.v6)) {
                skip(fmt::format("ignoring map for {} that conflicts with statically-configured map or prefix",
                                 to_string(r.v6)));
                continue;
            }
            // TAYGA catches a repeated IPv4 address; a repeated IPv6 address
            // would give one host two addresses, so we refuse that too.
            if (s.by_offset.count(offset) != 0) {
                skip(fmt::format("ignoring duplicate map for {}", v4));
                continue;
            }
            if (s.by_v6.count(r.v6) != 0) {
                skip(fmt::format("ignoring duplicate map for {}", to_string(r.v6)));
                continue;
            }
            std::int64_t last_use = r.last_use;
            if (last_use > t) {
                last_use = t;
                future = true;
            }
            auto cell = std::make_shared<detail::LeaseCell>(r.v4, r.v6, last_use);
            const auto [lit, inserted] = s.by_offset.try_emplace(offset);
            Lease& l = lit->second;
            l.cell = std::move(cell);
            l.active = last_use + options_.min_lease >= t;
            l.dormant_since = last_use;
            s.by_v6.emplace(r.v6, &l);
            s.free.take(offset);
            if (!l.active) s.dormant.emplace(last_use, offset);
            if (l.active) note_added(s, offset);  // not added(): the file already holds these leases
            ++report.loaded;
        }
        publish_if_stale(s);
    });
    if (future) {
        report.messages.push_back(fmt::format("{}: note: maps dated in the future were taken as used now", name));
    }
    return report;
}

common::Result<LoadReport> DynamicPool::load(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) return common::Error{text.error()};
    if (!text->has_value()) return LoadReport{};
    DynamicMapFile file = parse_dynamic_map(**text, path);
    LoadReport report = restore(file.records, path);
    file.messages.insert(file.messages.end(), std::make_move_iterator(report.messages.begin()),
                         std::make_move_iterator(report.messages.end()));
    report.messages = std::move(file.messages);
    return report;
}

common::Status DynamicPool::save(const std::string& path) {
    const std::uint64_t seen = change_count_.load(std::memory_order_acquire);
    std::vector<LeaseRecord> records;
    for (const LeaseInfo& l : leases()) records.push_back(LeaseRecord{l.v4, l.v6, l.last_use, 0});
    common::Status st = common::write_file_atomic(path, format_dynamic_map(records, now()));
    // Changes made while writing keep the pool dirty for the next save.
    if (st) saved_count_.store(seen, std::memory_order_release);
    return st;
}

}  // namespace nat64d::addr
