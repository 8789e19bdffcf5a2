// Validation pass: the rules that involve more than one directive, and the
// defaults that depend on other settings. Runs after either parse pass; a
// directive that was present but refused is not reported again here.
#include <fmt/core.h>

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

#include "addr/rfc6052.hpp"
#include "config/front_ends.hpp"

namespace nat64d::config::detail {
namespace {

constexpr unsigned kMinMtu = 1280;  // RFC 7915 §4.1: IPv6 minimum MTU (RFC 8200 §5)
constexpr unsigned kMaxMtu = 65535;

// Errors with the line they cite, sorted by line at the end so that the
// report reads top to bottom ("FILE: ..." ones, line 0, first).
class Problems {
public:
    void add(const SourcePos& pos, std::string message) { items_.emplace_back(pos.line, at(pos, message)); }

    void flush(Diagnostics& diag) {
        std::stable_sort(items_.begin(), items_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& item : items_) diag.errors.push_back(std::move(item.second));
    }

private:
    std::vector<std::pair<unsigned, std::string>> items_;
};

}  // namespace

std::string map_clash_message(const MapEntry& later, const MapEntry& earlier) {
    const std::string where = fmt::format("{}:{}", earlier.pos.file, earlier.pos.line);
    if (later.v4 == earlier.v4) {
        return fmt::format("IPv4 address in map directive conflicts with earlier definition of {} at {}",
                           to_string(earlier.v4), where);
    }
    return fmt::format("IPv6 address in map directive overlaps with earlier definition of {} at {}",
                       to_string(earlier.v6), where);
}

namespace {

// Map against map, as TAYGA inserts them (RFC 7757 §3.3): IPv4 sides may
// nest (the longest match wins) but the same IPv4 prefix twice is refused,
// and IPv6 sides must not overlap at all, since the 6->4 direction could not
// tell them apart. Reported at the later line, citing the earlier one.
void report_map_clashes(const std::vector<MapEntry>& maps, Problems& problems) {
    std::vector<std::size_t> order(maps.size());
    std::iota(order.begin(), order.end(), std::size_t{0});

    // The same IPv4 prefix: equal neighbours once sorted (stable, so the
    // first of a run is the earliest line).
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return maps[a].v4 < maps[b].v4; });
    std::vector<std::pair<std::size_t, std::size_t>> same4;  // (earlier, later)
    for (std::size_t k = 1, run = 0; k < order.size(); ++k) {
        if (maps[order[k]].v4 == maps[order[run]].v4) {
            same4.emplace_back(order[run], order[k]);
        } else {
            run = k;
        }
    }

    // Overlapping IPv6 sides. Sorting by (address, length) puts every prefix
    // right after the chain of prefixes that contain it, so one sweep with a
    // stack of that chain finds all overlaps: O(n log n + overlaps) rather
    // than comparing every pair.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return maps[a].v6 < maps[b].v6; });
    std::vector<std::pair<std::size_t, std::size_t>> over6;
    std::vector<std::size_t> chain;
    for (const std::size_t i : order) {
        const Prefix6& p = maps[i].v6;
        while (!chain.empty() && !maps[chain.back()].v6.overlaps(p)) chain.pop_back();
        for (const std::size_t j : chain) over6.emplace_back(std::min(i, j), std::max(i, j));
        chain.push_back(i);
    }

    std::sort(same4.begin(), same4.end());
    std::sort(over6.begin(), over6.end());
    for (const auto& [earlier, later] : same4) {
        problems.add(maps[later].pos, map_clash_message(maps[later], maps[earlier]));
    }
    for (const auto& [earlier, later] : over6) {
        if (maps[earlier].v4 == maps[later].v4) continue;  // reported above, once per pair
        problems.add(maps[later].pos, map_clash_message(maps[later], maps[earlier]));
    }
}

}  // namespace

}  // namespace nat64d::config::detail

namespace nat64d::config {

std::vector<std::string> map_conflicts(const Config& cfg, const MapEntry& m) {
    std::vector<std::string> out;
    const auto cite = [](const SourcePos& pos) { return fmt::format("{}:{}", pos.file, pos.line); };
    // TAYGA keeps the prefix, ipv4-addr, ipv6-addr and the pool in the same
    // tables as the maps, so a map clashes with them by the same rules.
    if (cfg.prefix && m.v6.overlaps(*cfg.prefix)) {
        out.push_back(fmt::format("IPv6 address in map directive overlaps with NAT64 prefix {} at {}",
                                  to_string(*cfg.prefix), cite(cfg.prefix_pos)));
    }
    // The translator's own IPv4 address answers pings and sources ICMP
    // errors: a map of exactly that address would hand it to another host.
    // A map subnet around it is fine: the own address is looked at first.
    if (cfg.ipv4_addr && m.v4 == Prefix4{*cfg.ipv4_addr, 32}) {
        out.push_back(fmt::format("IPv4 address in map directive conflicts with ipv4-addr {} at {}",
                                  to_string(*cfg.ipv4_addr), cite(cfg.ipv4_addr_pos)));
    }
    // (A defaulted ipv6-addr lies inside the prefix, reported above.)
    if (cfg.ipv6_addr && !cfg.ipv6_addr_defaulted && m.v6.contains(*cfg.ipv6_addr)) {
        out.push_back(fmt::format("IPv6 address in map directive overlaps with ipv6-addr {} at {}",
                                  to_string(*cfg.ipv6_addr), cite(cfg.ipv6_addr_pos)));
    }
    if (cfg.dynamic_pool && m.v4 == *cfg.dynamic_pool) {
        out.push_back(fmt::format("IPv4 address in map directive conflicts with dynamic-pool {} at {}",
                                  to_string(*cfg.dynamic_pool), cite(cfg.dynamic_pool_pos)));
    }
    return out;
}

}  // namespace nat64d::config

namespace nat64d::config::detail {

void validate(Draft& draft, const Environment& env, Diagnostics& diag) {
    Config& cfg = draft.cfg;
    const SourcePos file{cfg.source_file, 0};
    const auto pos_of = [&](std::string_view name) {
        const SourcePos* p = draft.seen(name);
        return p != nullptr ? *p : file;
    };
    Problems problems;

    cfg.ipv4_addr_pos = pos_of("ipv4-addr");
    cfg.ipv6_addr_pos = pos_of("ipv6-addr");
    cfg.prefix_pos = pos_of("prefix");
    cfg.dynamic_pool_pos = pos_of("dynamic-pool");

    if (!draft.seen("tun-device")) problems.add(file, "no tun-device directive found");
    if (!draft.seen("ipv4-addr")) problems.add(file, "no ipv4-addr directive found");
    // map-file counts as maps: its lines are map directives kept elsewhere.
    if (!draft.seen("prefix") && !draft.seen("map") && !draft.seen("map-file"))
        problems.add(file, "no translation maps or NAT64 prefix configured");

    // ipv6-addr default: RFC 6052 §2.2 embedding of ipv4-addr in the prefix.
    if (!draft.seen("ipv6-addr")) {
        if (!draft.seen("prefix")) {
            problems.add(file, "ipv6-addr directive must be specified if no NAT64 prefix is configured");
        } else if (cfg.prefix && cfg.ipv4_addr) {
            const Ipv6Addr def = addr::embed(*cfg.prefix, *cfg.ipv4_addr);
            if (cfg.wkpf_strict && addr::is_well_known_prefix(*cfg.prefix) && !addr::is_global_ipv4(*cfg.ipv4_addr)) {
                // RFC 6052 §3.1: the WKP must not carry a non-global IPv4
                // address, so the default address would be one we must drop.
                problems.add(cfg.prefix_pos,
                             fmt::format("ipv6-addr directive must be specified if prefix is 64:ff9b::/96 and "
                                         "ipv4-addr is a non-global address: the default {} would be an illegal "
                                         "well-known-prefix address (RFC 6052 §3.1)",
                                         to_string(def)));
            } else {
                cfg.ipv6_addr = def;
                cfg.ipv6_addr_defaulted = true;
            }
        }
    }

    if (cfg.offlink_mtu < kMinMtu || cfg.offlink_mtu > kMaxMtu) {
        problems.add(pos_of("offlink-mtu"),
                     fmt::format("offlink-mtu: {} is out of range ({} to {})", cfg.offlink_mtu, kMinMtu, kMaxMtu));
    }

    // An explicit ipv6-addr (TAYGA's config_validate): not in the
    // well-known prefix while wkpf-strict is on (RFC 6052 §3.1), and not
    // inside the translation prefix, whose addresses stand for IPv4 hosts.
    if (cfg.ipv6_addr && !cfg.ipv6_addr_defaulted) {
        if (cfg.wkpf_strict && addr::is_well_known_prefix(Prefix6{mask(*cfg.ipv6_addr, 96), 96})) {
            problems.add(cfg.ipv6_addr_pos,
                         "ipv6-addr directive cannot contain an address in the Well-Known Prefix (64:ff9b::/96)");
        } else if (cfg.prefix && cfg.prefix->contains(*cfg.ipv6_addr)) {
            problems.add(cfg.ipv6_addr_pos,
                         fmt::format("ipv6-addr cannot reside within configured prefix {} at {}:{}",
                                     to_string(*cfg.prefix), cfg.prefix_pos.file, cfg.prefix_pos.line));
        }
    }

    for (const MapEntry& m : cfg.maps) {
        for (auto& message : map_conflicts(cfg, m)) problems.add(m.pos, std::move(message));
    }
    report_map_clashes(cfg.maps, problems);

    // data-dir default: systemd's StateDirectory= (the first one if several).
    if (!draft.seen("data-dir")) {
        const std::string_view state = env.state_directory;
        cfg.data_dir = std::string(state.substr(0, state.find(':')));
    }

    if (!cfg.map_file.empty() && cfg.map_file.front() != '/') {
        if (!cfg.data_dir.empty()) {
            cfg.map_file = cfg.data_dir + (cfg.data_dir.back() == '/' ? "" : "/") + cfg.map_file;
        } else if (!draft.seen("data-dir")) {  // a refused data-dir was reported already
            problems.add(
                pos_of("map-file"),
                fmt::format("map-file: relative path {} needs data-dir (or $STATE_DIRECTORY)", quote(cfg.map_file)));
        }
    }

    problems.flush(diag);
}

}  // namespace nat64d::config::detail
