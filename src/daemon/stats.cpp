#include "daemon/stats.hpp"

#include <fmt/core.h>

namespace nat64d::daemon {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += fmt::format("\\u{:04x}", u);
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string format_stats_table(const StatsSnapshot& s) {
    const auto& c = s.counters;
    std::string out;
    const auto row = [&out](std::string_view name, auto value) { out += fmt::format("{:<34} {:>16}\n", name, value); };
    out += fmt::format("nat64d on {}, {} worker{}, up {:.0f} s\n\n", s.tun_device, s.workers, s.workers == 1 ? "" : "s",
                       s.uptime_seconds);
    row("packets translated 4to6", c.packets_4to6);
    row("bytes translated 4to6", c.bytes_4to6);
    row("packets translated 6to4", c.packets_6to4);
    row("bytes translated 6to4", c.bytes_6to4);
    row("echo replies from the translator", c.local_replies);
    row("ICMP translated 4to6", c.icmp_translated_4to6);
    row("ICMP translated 6to4", c.icmp_translated_6to4);
    row("ICMP errors sent by the translator", c.icmp_errors_sent);
    for (std::size_t k = 0; k < xlat::kIcmpErrorKinds; ++k) {
        if (c.icmp_errors_by_kind[k] != 0)
            row(fmt::format("  {}", xlat::kIcmpErrorKindNames[k]), c.icmp_errors_by_kind[k]);
    }
    row("ICMP errors held back (rate limit)", c.icmp_errors_rate_limited);
    for (std::size_t k = 0; k < xlat::kIcmpErrorKinds; ++k) {
        if (c.icmp_errors_held_back_by_kind[k] != 0) {
            row(fmt::format("  {}", xlat::kIcmpErrorKindNames[k]), c.icmp_errors_held_back_by_kind[k]);
        }
    }
    row("fragments made by the translator", c.fragments_out);
    row("packets hairpinned 6to4to6", c.hairpinned);
    row("write errors", s.write_errors);
    row("offload errors", s.offload_errors);
    row("reloads ok (config and map-file)", s.reloads_ok);
    row("reloads failed", s.reloads_failed);
    if (s.pool) {
        row("dynamic leases active", s.pool->active);
        row("dynamic leases dormant", s.pool->dormant);
        row("dynamic addresses free", s.pool->free);
        row("dynamic leases revoked", s.pool->revoked);
        row("dynamic.map saves failed", s.pool->saves_failed);
    }
    if (s.fast_path) {
        const auto& f = *s.fast_path;
        out += fmt::format("\nkernel fast path: {}\n", f.state);
        row("  packets translated 4to6", f.packets_4to6);
        row("  bytes translated 4to6", f.bytes_4to6);
        row("  packets translated 6to4", f.packets_6to4);
        row("  bytes translated 6to4", f.bytes_6to4);
        for (const auto& pc : f.counters) {
            if (pc.name.substr(0, 5) != "pass_" && pc.name.substr(0, 8) != "dropped_" &&
                pc.name.substr(0, 7) != "direct_")
                continue;
            if (pc.value != 0) out += fmt::format("  {:<32} {:>16}  {}\n", pc.name, pc.value, pc.description);
        }
    }
    out += "\ndrops by reason:\n";
    bool any = false;
    for (std::size_t i = 0; i < kReasonCount; ++i) {
        if (c.drops[i] == 0) continue;
        any = true;
        out += fmt::format("  {:<32} {:>16}  {}\n", kReasonInfo[i].name, c.drops[i], kReasonInfo[i].description);
    }
    if (!any) out += "  (none)\n";
    return out;
}

std::string format_stats_json(const StatsSnapshot& s) {
    const auto& c = s.counters;
    std::string out = "{";
    out += fmt::format("\"tun_device\":{},\"workers\":{},\"uptime_seconds\":{:.3f},", json_string(s.tun_device),
                       s.workers, s.uptime_seconds);
    out += fmt::format(
        "\"packets\":{{\"4to6\":{},\"6to4\":{}}},\"bytes\":{{\"4to6\":{},\"6to4\":{}}},\"local_replies\":{},"
        "\"icmp_translated\":{{\"4to6\":{},\"6to4\":{}}},"
        "\"icmp_errors\":{{\"sent\":{},\"rate_limited\":{}}},\"fragments_out\":{},\"hairpinned\":{},"
        "\"write_errors\":{},\"offload_errors\":{},\"reloads\":{{\"ok\":{},\"failed\":{}}},",
        c.packets_4to6, c.packets_6to4, c.bytes_4to6, c.bytes_6to4, c.local_replies, c.icmp_translated_4to6,
        c.icmp_translated_6to4, c.icmp_errors_sent, c.icmp_errors_rate_limited, c.fragments_out, c.hairpinned,
        s.write_errors, s.offload_errors, s.reloads_ok, s.reloads_failed);
    if (s.pool) {
        out += fmt::format("\"dynamic_leases\":{{\"active\":{},\"dormant\":{},\"free\":{}}},", s.pool->active,
                           s.pool->dormant, s.pool->free);
        out += fmt::format("\"dynamic_leases_revoked\":{},\"dynamic_map_saves_failed\":{},", s.pool->revoked,
                           s.pool->saves_failed);
    }
    if (s.fast_path) {
        const auto& f = *s.fast_path;
        out += fmt::format(
            "\"fast_path\":{{\"state\":{},\"attached\":{},\"packets\":{{\"4to6\":{},\"6to4\":{}}},"
            "\"bytes\":{{\"4to6\":{},\"6to4\":{}}},\"counters\":{{",
            json_string(f.state), f.attached ? "true" : "false", f.packets_4to6, f.packets_6to4, f.bytes_4to6,
            f.bytes_6to4);
        for (std::size_t i = 0; i < f.counters.size(); ++i) {
            out += fmt::format("{}{}:{}", i ? "," : "", json_string(f.counters[i].name), f.counters[i].value);
        }
        out += "}},";
    }
    out += "\"icmp_errors_by_kind\":{";
    for (std::size_t k = 0; k < xlat::kIcmpErrorKinds; ++k) {
        out +=
            fmt::format("{}{}:{}", k ? "," : "", json_string(xlat::kIcmpErrorKindNames[k]), c.icmp_errors_by_kind[k]);
    }
    out += "},\"icmp_errors_held_back_by_kind\":{";
    for (std::size_t k = 0; k < xlat::kIcmpErrorKinds; ++k) {
        out += fmt::format("{}{}:{}", k ? "," : "", json_string(xlat::kIcmpErrorKindNames[k]),
                           c.icmp_errors_held_back_by_kind[k]);
    }
    out += "},\"drops\":{";
    for (std::size_t i = 0; i < kReasonCount; ++i) {
        out += fmt::format("{}{}:{}", i ? "," : "", json_string(kReasonInfo[i].name), c.drops[i]);
    }
    return out + "}}\n";
}

std::string prometheus_label_value(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

namespace {

// The Prometheus text format, one family at a time; every sample carries
// the instance label first.
class MetricsText {
public:
    explicit MetricsText(std::string_view instance)
        : instance_("instance=\"" + prometheus_label_value(instance) + "\"") {}
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    // `labels`: already formatted, may be empty.
    template <typename V>
    void sample(std::string_view name, std::string_view labels, const V& value) {
        out_ += fmt::format("{}{{{}{}{}}} {}\n", name, instance_, labels.empty() ? "" : ",", labels, value);
    }
    // One sample per direction, `extra` labels in front of it.
    void by_direction(std::string_view name, std::string_view extra, std::uint64_t v4to6, std::uint64_t v6to4) {
        const std::string sep = extra.empty() ? "" : ",";
        sample(name, fmt::format("{}{}direction=\"4to6\"", extra, sep), v4to6);
        sample(name, fmt::format("{}{}direction=\"6to4\"", extra, sep), v6to4);
    }
    [[nodiscard]] std::string take() { return std::move(out_); }

private:
    std::string instance_;
    std::string out_;
};

void metrics_translated(MetricsText& m, const xlat::Counters& c) {
    m.family("nat64d_translated_packets_total", "counter", "Packets translated, by direction.");
    m.by_direction("nat64d_translated_packets_total", "", c.packets_4to6, c.packets_6to4);
    m.family("nat64d_translated_bytes_total", "counter", "Bytes of translated packets as sent, by direction.");
    m.by_direction("nat64d_translated_bytes_total", "", c.bytes_4to6, c.bytes_6to4);
    m.family("nat64d_local_replies_total", "counter", "Echo replies sent from the translator's own addresses.");
    m.sample("nat64d_local_replies_total", "", c.local_replies);
}

void metrics_outcomes(MetricsText& m, const StatsSnapshot& s) {
    const auto& c = s.counters;
    m.family("nat64d_fragments_out_total", "counter", "Extra packets made by the translator's fragmentation.");
    m.sample("nat64d_fragments_out_total", "", c.fragments_out);
    m.family("nat64d_hairpinned_packets_total", "counter",
             "Packets translated 6to4 and back to 6 (RFC 7757 hairpinning).");
    m.sample("nat64d_hairpinned_packets_total", "", c.hairpinned);
    m.family("nat64d_dropped_packets_total", "counter", "Packets not translated, by reason.");
    for (std::size_t i = 0; i < kReasonCount; ++i) {
        m.sample("nat64d_dropped_packets_total", fmt::format("reason=\"{}\"", kReasonInfo[i].name), c.drops[i]);
    }
    m.family("nat64d_write_errors_total", "counter", "Translated packets the TUN queue did not take.");
    m.sample("nat64d_write_errors_total", "", s.write_errors);
    m.family("nat64d_offload_errors_total", "counter", "Offload headers from the TUN that could not be honoured.");
    m.sample("nat64d_offload_errors_total", "", s.offload_errors);
}

void metrics_icmp(MetricsText& m, const xlat::Counters& c) {
    m.family("nat64d_icmp_errors_total", "counter",
             "ICMP errors the translator built, sent or held back by the rate limit.");
    m.sample("nat64d_icmp_errors_total", "result=\"sent\"", c.icmp_errors_sent);
    m.sample("nat64d_icmp_errors_total", "result=\"rate_limited\"", c.icmp_errors_rate_limited);
    m.family("nat64d_icmp_translated_total", "counter", "ICMP messages translated, by direction.");
    m.by_direction("nat64d_icmp_translated_total", "", c.icmp_translated_4to6, c.icmp_translated_6to4);
    m.family("nat64d_icmp_errors_generated_total", "counter", "ICMP errors the translator sent, by kind.");
    for (std::size_t k = 0; k < xlat::kIcmpErrorKinds; ++k) {
        m.sample("nat64d_icmp_errors_generated_total", fmt::format("kind=\"{}\"", xlat::kIcmpErrorKindNames[k]),
                 c.icmp_errors_by_kind[k]);
    }
    m.family("nat64d_icmp_errors_held_back_total", "counter",
             "ICMP errors the translator wanted to send but held back by the rate limit, by kind.");
    for (std::size_t k = 0; k < xlat::kIcmpErrorKinds; ++k) {
        m.sample("nat64d_icmp_errors_held_back_total", fmt::format("kind=\"{}\"", xlat::kIcmpErrorKindNames[k]),
                 c.icmp_errors_held_back_by_kind[k]);
    }
}

void metrics_pool(MetricsText& m, const PoolStats& p) {
    m.family("nat64d_dynamic_leases", "gauge", "Dynamic pool addresses, by state.");
    m.sample("nat64d_dynamic_leases", "state=\"active\"", p.active);
    m.sample("nat64d_dynamic_leases", "state=\"dormant\"", p.dormant);
    m.sample("nat64d_dynamic_leases", "state=\"free\"", p.free);
    m.family("nat64d_dynamic_leases_revoked_total", "counter",
             "Dynamic leases taken back because a static map (reload, map-file) now covers them.");
    m.sample("nat64d_dynamic_leases_revoked_total", "", p.revoked);
    m.family("nat64d_dynamic_map_save_failures_total", "counter",
             "Writes of dynamic.map that failed; the previous file was kept.");
    m.sample("nat64d_dynamic_map_save_failures_total", "", p.saves_failed);
}

// The program's counters whose name starts with `prefix`, as one family
// labelled `label` (the rest of the name); no family when there are none.
void metrics_fast_path_counters(MetricsText& m, const FastPathStats& f, std::string_view prefix,
                                std::string_view family, std::string_view label, std::string_view help) {
    bool first = true;
    for (const auto& pc : f.counters) {
        if (pc.name.substr(0, prefix.size()) != prefix) continue;
        if (first) m.family(family, "counter", help);
        first = false;
        m.sample(family, fmt::format("{}=\"{}\"", label, pc.name.substr(prefix.size())), pc.value);
    }
}

// The kernel fast path beside the daemon (the slow path): always present,
// zeros when it does not run, so that sums over both paths work whatever
// the setting.
void metrics_fast_path(MetricsText& m, const StatsSnapshot& s) {
    const auto& c = s.counters;
    const FastPathStats none{};
    const FastPathStats& f = s.fast_path ? *s.fast_path : none;
    m.family("nat64d_fast_path_attached", "gauge",
             "1 while the kernel fast path (eBPF on the TUN device) is attached.");
    m.sample("nat64d_fast_path_attached", "", f.attached ? 1 : 0);
    m.family("nat64d_fast_path_packets_total", "counter",
             "Packets translated, by path (fast: the kernel fast path; slow: the daemon) and direction.");
    m.by_direction("nat64d_fast_path_packets_total", "path=\"fast\"", f.packets_4to6, f.packets_6to4);
    m.by_direction("nat64d_fast_path_packets_total", "path=\"slow\"", c.packets_4to6, c.packets_6to4);
    m.family(
        "nat64d_fast_path_bytes_total", "counter",
        "Bytes of translated packets as sent, by path (fast: the kernel fast path; slow: the daemon) and direction.");
    m.by_direction("nat64d_fast_path_bytes_total", "path=\"fast\"", f.bytes_4to6, f.bytes_6to4);
    m.by_direction("nat64d_fast_path_bytes_total", "path=\"slow\"", c.bytes_4to6, c.bytes_6to4);
    metrics_fast_path_counters(m, f, "pass_", "nat64d_fast_path_passed_packets_total", "reason",
                               "Packets the kernel fast path passed to the daemon, by reason.");
    for (const auto& pc : f.counters) {
        if (pc.name != "dropped_error") continue;
        m.family("nat64d_fast_path_dropped_packets_total", "counter",
                 "Packets the kernel fast path dropped: a kernel helper failed after the packet was changed.");
        m.sample("nat64d_fast_path_dropped_packets_total", "", pc.value);
    }
    metrics_fast_path_counters(m, f, "direct_", "nat64d_fast_path_direct_packets_total", "result",
                               "fast-path direct: packets sent straight to the egress device (4to6, 6to4) or, by "
                               "reason, redirected to the TUN device's ingress instead (fallback_*).");
}

}  // namespace

std::string format_metrics(const StatsSnapshot& s) {
    MetricsText m(s.instance);
    m.family("nat64d_build_info", "gauge", "Always 1; the version of the running nat64d in a label.");
    m.sample("nat64d_build_info", fmt::format("version=\"{}\"", prometheus_label_value(NAT64D_VERSION)), 1);
    m.family("nat64d_start_time_seconds", "gauge", "When the daemon started, in seconds since the Unix epoch.");
    m.sample("nat64d_start_time_seconds", "", s.start_time);
    metrics_translated(m, s.counters);
    metrics_icmp(m, s.counters);
    metrics_outcomes(m, s);
    m.family("nat64d_reloads_total", "counter", "Configuration and map-file reloads, by result.");
    m.sample("nat64d_reloads_total", "result=\"ok\"", s.reloads_ok);
    m.sample("nat64d_reloads_total", "result=\"failed\"", s.reloads_failed);
    if (s.pool) metrics_pool(m, *s.pool);
    metrics_fast_path(m, s);
    m.family("nat64d_workers", "gauge", "Worker threads, one per TUN queue.");
    m.sample("nat64d_workers", "", s.workers);
    m.family("nat64d_uptime_seconds", "gauge", "Seconds since the daemon started.");
    m.sample("nat64d_uptime_seconds", "", fmt::format("{:.3f}", s.uptime_seconds));
    return m.take();
}

}  // namespace nat64d::daemon
