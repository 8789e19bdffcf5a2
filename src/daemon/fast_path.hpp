// The daemon's side of the kernel fast path (src/bpf, `fast-path`): owns
// the loaded program (bpf::FastPath) for the daemon's life, and keeps it
// in step with the daemon, which stays authoritative:
//  - start(): the start-up step, after the TUN device is up and the first
//    tables are built, before privileges are dropped. A stale clsact filter
//    of an earlier run is removed first. With `fast-path on` every reason
//    not to run it (no BPF in this build, no privileges, no BTF, no tcx or
//    clsact) is logged once and the daemon runs TUN-only: start never fails
//    for it. `fast-path direct` loads the program in direct mode (FIB
//    lookup, Ethernet header, redirect to the egress device); the tick
//    refreshes its list of Ethernet devices when links changed.
//  - publish(): every tables publication (reload, routes changed). When it
//    fails the caller detaches the program (TUN-only from then on) rather
//    than leave it translating with tables the daemon no longer uses.
//  - the dynamic pool's leases mirrored through its observer hook as they
//    are made and ended; sync_lease_uses() on the maintenance tick carries
//    the program's last-use stamps back into the pool (124-minute dormancy,
//    dynamic.map).
//  - counters(): the program's counters for stats and metrics (kept after a
//    detach, so that totals never go back).
//  - stop() / the destructor: detached at exit, on every path.
// Without BPF in the build (NAT64D_HAVE_BPF 0) it compiles to a component
// that reports "not built" and is never active.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "addr/dynamic_pool.hpp"
#include "common/result.hpp"
#include "daemon/stats.hpp"
#include "nat64d/config.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::bpf {
class FastPath;
}

namespace nat64d::daemon {

class KernelFastPath {
public:
    KernelFastPath();
    ~KernelFastPath();
    KernelFastPath(const KernelFastPath&) = delete;
    KernelFastPath& operator=(const KernelFastPath&) = delete;

    // The start-up step (see above). `pool` (may be null) gets the observer
    // and its active leases are mirrored; it must outlive this object or
    // stop() must run first. Never fails: a reason not to run is logged.
    [[nodiscard]] common::Status start(const Config& cfg, unsigned tun_ifindex, const xlat::Tables& first,
                                       addr::DynamicPool* pool);

    // True while the program is attached.
    [[nodiscard]] bool active() const noexcept { return active_.load(std::memory_order_acquire); }

    // Publishes `t` (deny4: the configuration's list that built t.deny4).
    // Not active: nothing. On a failure the caller detaches (stop()): the
    // program must not go on with tables the daemon no longer uses.
    [[nodiscard]] common::Status publish(const xlat::Tables& t, std::span<const Prefix4> deny4);

    // The maintenance tick (main thread): an ended lease the program could
    // not forget (flagged by a worker) detaches the program here; otherwise
    // the program's last-use stamps refresh the pool's leases. links_changed:
    // a link notification came (or none can: no route monitor), so direct
    // mode reads the namespace's Ethernet devices again.
    void tick(bool links_changed);

    // Detaches and unloads, logging `why` when not empty. Idempotent.
    void stop(std::string_view why) noexcept;

    // Thread-safe (the metrics-listen thread): state and counters; absent
    // with `fast-path off`.
    [[nodiscard]] std::optional<FastPathStats> stats() const;

private:
    void mirror(const addr::PoolEvent& e) noexcept;
    void read_counters_locked();

    mutable std::mutex mutex_;  // fp_, state_, last_ (not the observer: see fast_path.cpp)
    std::unique_ptr<bpf::FastPath> fp_;
    addr::DynamicPool* pool_ = nullptr;
    std::atomic<bool> active_{false};
    bool off_ = true;  // fast-path off (or not started): no stats
    std::string state_ = "off";
    std::vector<std::uint64_t> last_;  // counters when last read (kept after a detach)
    std::string devices_error_;        // the last failure to read the Ethernet devices, logged once
    // Removing an ended lease from the program failed: the next tick detaches.
    std::atomic<bool> mirror_failed_{false};
};

}  // namespace nat64d::daemon
