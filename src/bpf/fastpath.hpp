// The loader of the kernel fast path (fastpath.bpf.c): loads the program,
// publishes the tables, mirrors the dynamic pool's leases, reads counters
// and lease use back, attaches the program to the TUN device's egress, and
// replays packets through it (BPF_PROG_TEST_RUN) for the parity test.
//
// Lifecycle for the daemon: FastPath::load() after the TUN device exists
// and before privileges are dropped (it needs CAP_BPF and CAP_NET_ADMIN, and
// loads quicker with CAP_PERFMON);
// remove_stale() + attach(); publish() the tables before any packet is
// worth translating (until then every packet goes to the daemon) and on
// every reload; add_lease()/remove_lease() whenever the pool makes or
// revokes one; lease_uses() and counters() from the maintenance tick. The
// object keeps the map and program descriptors: updates through them need
// no capability. Destroying it detaches the program.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "bpf/tables.hpp"
#include "common/result.hpp"
#include "nat64d/ip.hpp"
#include "xlat/xlat.hpp"

struct fastpath_bpf;  // the generated skeleton (build tree)

namespace nat64d::bpf {

// BPF_PROG_TEST_RUN hands a SCHED_CLS program an Ethernet frame; on the
// TUN device the program sees the IP header first.
inline constexpr unsigned kTestRunL2Len = 14;

struct LoadOptions {
    unsigned tun_ifindex = 0;                          // where translated packets re-enter (redirect to ingress)
    unsigned l2_len = 0;                               // 0 on the TUN device, kTestRunL2Len for test_run()
    std::uint32_t max_leases = NAT64D_BPF_MAX_LEASES;  // size of the lease maps (the pool's size)
    // Direct mode (`fast-path direct`): a translated packet whose next hop
    // the FIB resolves on an Ethernet device gets its Ethernet header and
    // goes straight to that device, skipping the second pass through the
    // IP stack (docs/fast-path.md, "Direct mode"). Needs l2_len 0.
    bool direct = false;
};

// A mirrored lease and when the fast path last used it (CLOCK_MONOTONIC
// nanoseconds, 0: not since it was mirrored).
struct LeaseUse {
    Ipv6Addr v6;
    Ipv4Addr v4;
    std::uint64_t last_use_ns = 0;
};

enum class Attachment : std::uint8_t { None, Tcx, Clsact };
// Auto: a tcx link where the kernel has them, else a clsact filter.
enum class AttachMode : std::uint8_t { Auto, Clsact };

struct TestRunResult {
    std::uint32_t retval = 0;        // TC_ACT_OK (0): passed on; TC_ACT_REDIRECT (7): translated
    std::vector<std::uint8_t> data;  // the frame after the program
};

class FastPath {
public:
    // Opens and loads the skeleton with the restart-only constants of `o`,
    // and seeds the per-CPU IPv4 Identification keys (getrandom).
    [[nodiscard]] static common::Result<std::unique_ptr<FastPath>> load(const LoadOptions& o);
    ~FastPath();
    FastPath(const FastPath&) = delete;
    FastPath& operator=(const FastPath&) = delete;

    // Fills the idle table set from `t`, then makes it the active one: a
    // packet sees the old generation or the new one, never a mixture. The
    // set written next time is the one just retired; every program run that
    // read it has ended long before (a run is bounded, reloads are not
    // back to back). `deny4`: the configuration's deny4 list, which built
    // t.deny4 (make_table_set).
    [[nodiscard]] common::Status publish(const xlat::Tables& t, std::span<const Prefix4> deny4 = {});
    // Mirrors a lease of the dynamic pool (both directions), or removes it.
    [[nodiscard]] common::Status add_lease(const Ipv6Addr& v6, const Ipv4Addr& v4);
    [[nodiscard]] common::Status remove_lease(const Ipv6Addr& v6, const Ipv4Addr& v4);
    // Every mirrored lease with the later of its two last-use stamps.
    [[nodiscard]] common::Result<std::vector<LeaseUse>> lease_uses() const;
    // The program's counters, summed over the CPUs.
    [[nodiscard]] common::Result<CounterValues> counters() const;
    // Direct mode: tells the program which devices of the namespace have an
    // Ethernet header (ARPHRD_ETHER), the only ones it sends to directly.
    // load() does it once; a device created later gets the ingress path
    // until the next call (the maintenance tick's), and so does one whose
    // ifindex is past NAT64D_BPF_ETHER_WORDS * 64. Returns how many it set.
    [[nodiscard]] common::Result<std::size_t> refresh_direct_devices();
    [[nodiscard]] bool direct() const noexcept { return direct_; }

    // Attaches to the egress of `ifindex`: a tcx link (kernel >= 6.6; it
    // goes away with the process), else (or with AttachMode::Clsact) a
    // clsact filter (removed by detach(), or by remove_stale() at the next
    // start).
    [[nodiscard]] common::Status attach(unsigned ifindex, AttachMode mode = AttachMode::Auto);
    void detach() noexcept;
    [[nodiscard]] Attachment attachment() const noexcept { return attached_; }
    // Removes the clsact filter an earlier run left on `ifindex` (a killed
    // daemon, a persistent TUN device). True when there was one.
    [[nodiscard]] static common::Result<bool> remove_stale(unsigned ifindex);

    // Gives every CPU's IPv4 Identification generator `key` and restarts
    // it: the program's IDs are then those of an xlat::Ipv4IdGenerator
    // seeded with `key` (per CPU). For the parity test; load() draws a
    // random key per CPU.
    [[nodiscard]] common::Status set_id_key(const xlat::Ipv4IdGenerator::Key& key);

    // Runs the program once over `frame` (an Ethernet frame when loaded
    // with kTestRunL2Len), as the parity test does.
    [[nodiscard]] common::Result<TestRunResult> test_run(std::span<const std::uint8_t> frame) const;

private:
    FastPath() = default;
    [[nodiscard]] common::Status seed_ids(const xlat::Ipv4IdGenerator::Key* same_key);

    fastpath_bpf* skel_ = nullptr;
    Attachment attached_ = Attachment::None;
    int link_fd_ = -1;
    unsigned ifindex_ = 0;
    bool direct_ = false;
};

}  // namespace nat64d::bpf
