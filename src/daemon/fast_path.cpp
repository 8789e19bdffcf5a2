#include "daemon/fast_path.hpp"

#include <fmt/core.h>
#include <time.h>

#include <algorithm>
#include <utility>

#include "common/log.hpp"

#if NAT64D_HAVE_BPF
#include <bpf/libbpf.h>

#include "bpf/fastpath.hpp"
#include "bpf/tables.hpp"
#else
// Never made without BPF: only its destruction must compile.
namespace nat64d::bpf {
class FastPath {};
}  // namespace nat64d::bpf
#endif

namespace nat64d::daemon {

using common::log;
using common::LogLevel;

KernelFastPath::KernelFastPath() = default;

KernelFastPath::~KernelFastPath() {
    stop("");
}

#if NAT64D_HAVE_BPF

namespace {

// The lease maps are preallocated hash maps: as large as the pool, but no
// larger than this (a bigger pool's further leases stay on the slow path).
constexpr std::uint64_t kMaxLeaseMap = 1u << 20;

std::uint32_t lease_map_size(const Config& cfg) {
    if (!cfg.dynamic_pool) return 1;
    const std::uint64_t size = std::uint64_t{1} << (32 - cfg.dynamic_pool->len);
    return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(size, 1, kMaxLeaseMap));
}

std::int64_t clock_ns(clockid_t clock) {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

common::Status KernelFastPath::start(const Config& cfg, unsigned tun_ifindex, const xlat::Tables& first,
                                     addr::DynamicPool* pool) {
    // A filter an earlier run left (a killed daemon, a persistent device)
    // would translate with its old tables, whatever this run's setting.
    if (auto removed = bpf::FastPath::remove_stale(tun_ifindex); removed && *removed)
        log(LogLevel::Notice, "fast path: removed the filter an earlier run left on the TUN device");
    if (cfg.fast_path == FastPathMode::Off) {
        log(LogLevel::Debug, "fast-path off: every packet goes through the TUN device");
        return {};
    }
    std::lock_guard lock(mutex_);
    off_ = false;
    const auto not_running = [this](const std::string& why) {
        state_ = "not running: " + why;
        log(LogLevel::Notice, "fast path not running ({}); translating through the TUN device only", why);
        return common::Status{};
    };
    // libbpf reports a refused load at length (the verifier's log) on
    // stderr: kept for -d; otherwise the one line below says why.
    const bool quiet = !common::log_enabled(LogLevel::Debug);
    const libbpf_print_fn_t old_print = quiet ? libbpf_set_print(nullptr) : nullptr;
    auto loaded = bpf::FastPath::load(bpf::LoadOptions{.tun_ifindex = tun_ifindex,
                                                       .l2_len = 0,
                                                       .max_leases = lease_map_size(cfg),
                                                       .direct = cfg.fast_path == FastPathMode::Direct});
    if (quiet) libbpf_set_print(old_print);
    if (!loaded) return not_running(loaded.error());
    auto fp = std::move(loaded).value();
    if (auto st = fp->publish(first, cfg.deny4); !st) return not_running(st.error());
    if (auto st = fp->attach(tun_ifindex); !st) return not_running(st.error());
    fp_ = std::move(fp);
    pool_ = pool;
    if (pool_ != nullptr) {
        // The observer first, then the leases already active (restored from
        // dynamic.map): no worker runs yet, so none is made in between.
        pool_->set_observer([this](const addr::PoolEvent& e) { mirror(e); });
        for (const auto& l : pool_->leases()) {
            // A lease the maps cannot take stays on the slow path.
            if (l.active) (void)fp_->add_lease(l.v6, l.v4);
        }
    }
    state_ = fmt::format("attached ({}{})", fp_->attachment() == bpf::Attachment::Tcx ? "tcx" : "clsact",
                         fp_->direct() ? ", direct" : "");
    active_.store(true, std::memory_order_release);
    read_counters_locked();
    log(LogLevel::Info, "fast path {} on the TUN device", state_);
    return {};
}

// Called by the pool under its exclusive lock (a worker's miss path, the
// maintenance tick, a reload), never while fp_ changes: stop() removes the
// observer (which waits for that lock) before it lets fp_ go. No log line
// here (the packet path must not log): a failure is flagged for the tick.
// A failed add leaves that lease on the slow path only; a failed removal
// would leave the program translating for a lease the pool ended, so the
// tick detaches the program.
void KernelFastPath::mirror(const addr::PoolEvent& e) noexcept {
    using K = addr::PoolEventKind;
    bool removed = true;
    switch (e.kind) {
        case K::Assigned:
        case K::Reactivated: (void)fp_->add_lease(e.v6, e.v4); break;
        case K::Reassigned:
            removed = fp_->remove_lease(e.previous_v6, e.v4).ok();
            (void)fp_->add_lease(e.v6, e.v4);
            break;
        // A dormant lease translates nothing in the daemon (a packet of its
        // host reactivates it on the miss path): the program forgets it too.
        case K::Dormant:
        case K::Expired:
        case K::Revoked: removed = fp_->remove_lease(e.v6, e.v4).ok(); break;
    }
    if (!removed) mirror_failed_.store(true, std::memory_order_relaxed);
}

common::Status KernelFastPath::publish(const xlat::Tables& t, std::span<const Prefix4> deny4) {
    std::lock_guard lock(mutex_);
    if (!fp_) return {};
    return fp_->publish(t, deny4);
}

void KernelFastPath::tick(bool links_changed) {
    if (!active()) return;
    if (mirror_failed_.load(std::memory_order_relaxed)) {
        stop("removing an ended dynamic-pool lease from the program failed");
        return;
    }
    std::vector<bpf::LeaseUse> uses;
    {
        std::lock_guard lock(mutex_);
        if (!fp_) return;
        read_counters_locked();
        // Direct mode sends only to the Ethernet devices the program knows:
        // one made since (a veth, a VLAN) is learnt within a tick of its
        // link notification. A failure is said once, and retried every tick
        // until a read succeeds.
        if (fp_->direct() && (links_changed || !devices_error_.empty())) {
            auto r = fp_->refresh_direct_devices();
            const std::string why = r ? std::string{} : r.error();
            if (!why.empty() && why != devices_error_) log(LogLevel::Warning, "fast path: direct devices: {}", why);
            if (why.empty() && !devices_error_.empty()) log(LogLevel::Notice, "fast path: direct devices read again");
            devices_error_ = why;
        }
        if (pool_ == nullptr) return;
        auto read = fp_->lease_uses();
        if (!read) {
            log(LogLevel::Warning, "fast path: {}", read.error());
            return;
        }
        uses = std::move(read).value();
    }
    // Not under mutex_: the pool's lock is taken after mutex_ nowhere, and
    // the observer runs under the pool's lock.
    // The program stamps CLOCK_MONOTONIC; the pool keeps Unix seconds.
    // Converted in nanoseconds and only then truncated, so that a stamp
    // gives the same second at every tick (as a daemon hit at that moment
    // would have written), not one that wobbles with the tick's phase.
    const std::int64_t mono = clock_ns(CLOCK_MONOTONIC);
    const std::int64_t wall = clock_ns(CLOCK_REALTIME);
    for (const auto& u : uses) {
        if (u.last_use_ns == 0) continue;
        const std::int64_t ago = std::max<std::int64_t>(0, mono - static_cast<std::int64_t>(u.last_use_ns));
        pool_->note_use(u.v6, u.v4, (wall - ago) / 1'000'000'000);
    }
}

void KernelFastPath::stop(std::string_view why) noexcept {
    // The observer goes first (set_observer waits for the pool's lock, so
    // no mirror() runs on after it), then the program.
    if (pool_ != nullptr) {
        pool_->set_observer({});
        pool_ = nullptr;
    }
    std::lock_guard lock(mutex_);
    if (!fp_) return;
    read_counters_locked();
    fp_.reset();  // detaches
    active_.store(false, std::memory_order_release);
    if (!why.empty()) {
        state_ = fmt::format("detached: {}", why);
        log(LogLevel::Err, "fast path detached ({}); translating through the TUN device only", why);
    } else {
        state_ = "detached";
    }
}

void KernelFastPath::read_counters_locked() {
    if (!fp_) return;
    if (auto c = fp_->counters()) last_.assign(c->begin(), c->end());
}

std::optional<FastPathStats> KernelFastPath::stats() const {
    std::lock_guard lock(mutex_);
    if (off_) return std::nullopt;
    FastPathStats s;
    s.state = state_;
    s.attached = fp_ != nullptr;
    std::vector<std::uint64_t> values = last_;
    if (fp_) {
        if (auto c = fp_->counters()) values.assign(c->begin(), c->end());
    }
    values.resize(bpf::kCounterCount);
    for (std::size_t i = 0; i < bpf::kCounterCount; ++i) {
        s.counters.push_back(FastPathCounter{bpf::kCounterInfo[i].name, bpf::kCounterInfo[i].description, values[i]});
    }
    s.packets_4to6 = values[NAT64D_BPF_C_translated_4to6];
    s.packets_6to4 = values[NAT64D_BPF_C_translated_6to4];
    s.bytes_4to6 = values[NAT64D_BPF_C_bytes_4to6];
    s.bytes_6to4 = values[NAT64D_BPF_C_bytes_6to4];
    return s;
}

#else  // !NAT64D_HAVE_BPF

common::Status KernelFastPath::start(const Config& cfg, unsigned, const xlat::Tables&, addr::DynamicPool*) {
    if (cfg.fast_path == FastPathMode::Off) return {};
    std::lock_guard lock(mutex_);
    off_ = false;
    state_ = std::string("not running: not built: ") + NAT64D_BPF_NOT_BUILT;
    log(LogLevel::Notice, "fast path not running (not built: {}); translating through the TUN device only",
        NAT64D_BPF_NOT_BUILT);
    return {};
}

void KernelFastPath::mirror(const addr::PoolEvent&) noexcept {}
common::Status KernelFastPath::publish(const xlat::Tables&, std::span<const Prefix4>) {
    return {};
}
void KernelFastPath::tick(bool) {}
void KernelFastPath::stop(std::string_view) noexcept {}
void KernelFastPath::read_counters_locked() {}

std::optional<FastPathStats> KernelFastPath::stats() const {
    std::lock_guard lock(mutex_);
    if (off_) return std::nullopt;
    FastPathStats s;
    s.state = state_;
    return s;
}

#endif

}  // namespace nat64d::daemon
