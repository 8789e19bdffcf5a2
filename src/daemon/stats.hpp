// Counters as an operator reads them: a table (nat64dctl stats), JSON
// (--json) and the Prometheus text exposition format (nat64dctl metrics,
// metrics-file). One snapshot struct feeds all three.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xlat/xlat.hpp"

namespace nat64d::daemon {

struct PoolStats {
    std::uint64_t active = 0;
    std::uint64_t dormant = 0;
    std::uint64_t free = 0;
    // Since start: dynamic.map writes that failed (the previous file was
    // kept), and leases taken back because a static map now covers them.
    std::uint64_t saves_failed = 0;
    std::uint64_t revoked = 0;
};

// The program's counters for stats and metrics (bpf/fastpath_maps.h): the
// packets and bytes it translated, and those it passed to the daemon by
// cause.
struct FastPathCounter {
    std::string_view name;  // e.g. "translated_4to6", "pass_fragment"
    std::string_view description;
    std::uint64_t value = 0;
};

struct FastPathStats {
    std::string state;  // "attached (tcx)", "off", "not running: ..." (one line)
    bool attached = false;
    std::uint64_t packets_4to6 = 0;
    std::uint64_t packets_6to4 = 0;
    std::uint64_t bytes_4to6 = 0;
    std::uint64_t bytes_6to4 = 0;
    std::vector<FastPathCounter> counters;  // every counter of the program, in its order
};

struct StatsSnapshot {
    std::string tun_device;
    // The `instance` label of every metric: metrics-instance, else tun-device,
    // so that two daemons' samples never collide in one Prometheus or in one
    // node_exporter textfile directory.
    std::string instance;
    unsigned workers = 0;
    double uptime_seconds = 0;
    std::int64_t start_time = 0;       // Unix seconds: when the daemon started
    xlat::Counters counters;           // summed over the workers
    std::uint64_t write_errors = 0;    // translated but not written (queue full)
    std::uint64_t offload_errors = 0;  // offload headers that could not be honoured
    std::uint64_t reloads_ok = 0;
    std::uint64_t reloads_failed = 0;
    std::optional<PoolStats> pool;  // present when dynamic-pool is set
    // The kernel fast path (fast-path on): its state and counters. The
    // counters above are the daemon's own, the slow path's.
    std::optional<FastPathStats> fast_path;
};

[[nodiscard]] std::string format_stats_table(const StatsSnapshot& s);
[[nodiscard]] std::string format_stats_json(const StatsSnapshot& s);
// Prometheus text exposition format 0.0.4: names nat64d_..., units in the
// name, HELP and TYPE lines, every drop reason present (zeros included) so
// that rate() works from the first scrape. Every sample carries
// instance="<StatsSnapshot::instance>" as its first label.
[[nodiscard]] std::string format_metrics(const StatsSnapshot& s);

// The content type of that format, for the metrics-listen HTTP reply.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value in the text exposition format: backslash, double quote and
// line feed escaped as \\, \" and \n.
[[nodiscard]] std::string prometheus_label_value(std::string_view s);

// JSON string literal with escaping (RFC 8259 §7).
[[nodiscard]] std::string json_string(std::string_view s);

}  // namespace nat64d::daemon
