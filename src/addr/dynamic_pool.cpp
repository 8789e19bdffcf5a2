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

// The cell under `key` in one of a snapshot's tables, or null.
template <typename Map, typename Key>
detail::LeaseCell* find(const Map& map, const Key& key) noexcept {
    const auto it = map.find(key);
    return it == map.end() ? nullptr : it->second.get();
}

}  // namespace

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

namespace {

PoolOptions masked(PoolOptions options) {
    options.prefix.addr = mask(options.prefix.addr, options.prefix.len);
    return options;
}

}  // namespace

// Every change the book makes: queued as an event, and the snapshot marked
// stale (an addition, or a rebuild).
class DynamicPool::Recorder final : public LeaseEvents {
public:
    Recorder(DynamicPool& pool, State& s) noexcept : pool_(pool), s_(s) {}
    void on_event(const PoolEvent& e) noexcept override {
        pool_.push_event(s_, e);
        if (s_.observer) s_.observer(e);
        switch (e.kind) {
            case PoolEventKind::Assigned:
            case PoolEventKind::Reactivated:
            case PoolEventKind::Reassigned:
                // A reassigned lease was dormant, so not in the snapshot
                // (its dormancy rebuilt it): its new cell is an addition.
                pool_.added(s_, s_.book.offset_of(e.v4));
                break;
            case PoolEventKind::Dormant:
            case PoolEventKind::Expired:
            case PoolEventKind::Revoked: pool_.changed(s_); break;
        }
    }

private:
    DynamicPool& pool_;
    State& s_;
};

DynamicPool::DynamicPool(PoolOptions options)
    : options_(masked(std::move(options))),
      base_(options_.prefix.addr.to_u32()),
      state_(
          LeaseBook(options_.prefix, options_.min_lease, options_.max_lease, options_.excluded4, options_.excluded6)) {
    state_.write([&](State& s) {
        s.events.reserve(kMaxQueuedEvents);
        publish_if_stale(s);
    });
    // Startup: a pool that cannot publish its first snapshot cannot serve.
    if (published_.version() == 0) throw std::bad_alloc();
}

DynamicPool::~DynamicPool() = default;

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

void DynamicPool::added(State& s, std::uint32_t offset) noexcept {
    s.stale = true;
    try {
        s.added.push_back(offset);
    } catch (const std::bad_alloc&) {
        s.rebuild = true;  // the list is incomplete: rebuild instead
    }
    change_count_.fetch_add(1, std::memory_order_acq_rel);
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
        auto fill = [](detail::LeaseTable& table, std::uint32_t offset, const LeaseBook::Lease& l) {
            table.by_v6.emplace(l.cell->v6, l.cell);
            table.by_offset.emplace(offset, l.cell);
        };
        if (full) {
            auto table = std::make_shared<detail::LeaseTable>();
            std::size_t active = 0;
            for (const auto& [offset, l] : s.book.by_offset()) active += l.active;
            table->by_v6.reserve(active);
            table->by_offset.reserve(active);
            for (const auto& [offset, l] : s.book.by_offset()) {
                if (l.active) fill(*table, offset, l);
            }
            snap->base = std::move(table);
        } else {
            snap->base = s.base;
            snap->recent.by_v6.reserve(s.added.size());
            snap->recent.by_offset.reserve(s.added.size());
            for (const std::uint32_t offset : s.added) {
                // Every lease added since the base is still active: anything
                // else would have set `rebuild`.
                const auto it = s.book.by_offset().find(offset);
                if (it != s.book.by_offset().end() && it->second.active) fill(snap->recent, offset, it->second);
            }
        }
        snap->excluded4 = s.book.excluded4();
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
    cell->touch(now());
    return cell->v4;
}

std::optional<Ipv4Addr> DynamicPool::map_6to4(const Ipv6Addr& a, PoolMiss& why, PoolReader& reader) noexcept {
    if (auto hit = find_6to4(a, reader)) return hit;
    const std::int64_t t = now();
    // The book refuses these too; asked here, they never take the lock.
    if (!is_leasable_ipv6(a)) {
        why = PoolMiss::NotLeasable;
        return std::nullopt;
    }
    try {
        auto got = state_.write([&](State& s) {
            Recorder recorder(*this, s);
            auto v4 = s.book.assign(a, t, why, recorder);
            publish_if_stale(s);
            return v4;
        });
        (void)published_.view(reader);  // the caller's next lookup sees its lease
        return got;
    } catch (const std::bad_alloc&) {
        // Nothing was changed (the book allocates before it commits);
        // for the host this is the same as a full pool.
        why = PoolMiss::Exhausted;
        return std::nullopt;
    }
}

Pool4 DynamicPool::map_4to6(const Ipv4Addr& a, Ipv6Addr& out, PoolReader& reader) noexcept {
    if (!options_.prefix.contains(a)) return Pool4::NotManaged;
    const std::uint32_t offset = a.to_u32() - base_;
    // No lock, hit or miss: the snapshot holds the active leases and the
    // exclusions.
    const detail::PoolSnapshot& snap = published_.view(reader);
    detail::LeaseCell* cell = find(snap.recent.by_offset, offset);
    if (cell == nullptr) cell = find(snap.base->by_offset, offset);
    if (cell != nullptr) {
        // A packet in either direction keeps the lease alive (TAYGA too).
        cell->touch(now());
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
    // Scan under the shared lock; most ticks change nothing and then never
    // block a worker.
    std::vector<std::uint32_t> going_dormant;
    bool expiring = false;
    bool stale = false;
    state_.read([&](const State& s) {
        going_dormant = s.book.idle_active(now);
        expiring = s.book.has_expired(now);
        stale = s.stale;
    });
    if (going_dormant.empty() && !expiring && !stale) return;

    state_.write([&](State& s) {
        Recorder recorder(*this, s);
        s.book.age(now, going_dormant, recorder);
        publish_if_stale(s);
    });
}

void DynamicPool::set_exclusions(const std::vector<Prefix4>& excluded4, std::vector<Prefix6> excluded6) {
    state_.write([&](State& s) {
        Recorder recorder(*this, s);
        s.book.set_exclusions(excluded4, std::move(excluded6), recorder);
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

void DynamicPool::set_observer(LeaseObserver observer) {
    state_.write([&](State& s) { s.observer = std::move(observer); });
}

bool DynamicPool::note_use(const Ipv6Addr& v6, const Ipv4Addr& v4, std::int64_t when) noexcept {
    if (!options_.prefix.contains(v4)) return false;
    const std::uint32_t offset = v4.to_u32() - base_;
    return state_.read([&](const State& s) {
        const auto it = s.book.by_offset().find(offset);
        if (it == s.book.by_offset().end() || !it->second.active || it->second.cell->v6 != v6) return false;
        it->second.cell->touch(when);
        return true;
    });
}

std::vector<LeaseInfo> DynamicPool::leases() const {
    return state_.read([](const State& s) { return s.book.leases(); });
}

PoolCounts DynamicPool::counts() const {
    return state_.read([](const State& s) { return s.book.counts(); });
}

// --- persistence -------------------------------------------------------------

LoadReport DynamicPool::restore(const std::vector<LeaseRecord>& records, std::string_view name) {
    const std::int64_t t = now();
    return state_.write([&](State& s) {
        LoadReport report = s.book.restore(records, name, t);
        // Not changed(): the file already holds these leases, so dirty()
        // stays as it was; the snapshot is rebuilt with them.
        s.stale = true;
        s.rebuild = true;
        publish_if_stale(s);
        return report;
    });
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
