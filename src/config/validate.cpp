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

// Every pair of overlapping prefixes among `items`, reported at the later
// line and citing the earlier. Sorting by (address, length) puts every
// prefix right after the chain of prefixes that contain it, so one sweep
// with a stack of that chain finds all overlaps: O(n log n + overlaps)
// rather than comparing every pair.
template <typename Prefix, typename Get>
void report_overlaps(const std::vector<MapEntry>& maps, Get side, Problems& problems) {
    std::vector<std::size_t> order(maps.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return side(maps[a]) < side(maps[b]); });
    std::vector<std::pair<std::size_t, std::size_t>> pairs;  // (earlier, later) in file order
    std::vector<std::size_t> chain;
    for (const std::size_t i : order) {
        const Prefix& p = side(maps[i]);
        while (!chain.empty() && !side(maps[chain.back()]).overlaps(p)) chain.pop_back();
        for (const std::size_t j : chain) pairs.emplace_back(std::min(i, j), std::max(i, j));
        chain.push_back(i);
    }
    std::sort(pairs.begin(), pairs.end());
    for (const auto& [earlier, later] : pairs) {
        const MapEntry& a = maps[later];
        const MapEntry& b = maps[earlier];
        problems.add(a.pos, fmt::format("map {} overlaps map {} at {}:{}", host_or_prefix(side(a)),
                                        host_or_prefix(side(b)), b.pos.file, b.pos.line));
    }
}

}  // namespace

}  // namespace nat64d::config::detail

namespace nat64d::config {

std::vector<std::string> map_conflicts(const Config& cfg, const MapEntry& m) {
    using detail::host_or_prefix;
    std::vector<std::string> out;
    if (cfg.prefix && m.v6.overlaps(*cfg.prefix)) {
        out.push_back(fmt::format("map {} overlaps prefix {} at {}:{}", host_or_prefix(m.v6), to_string(*cfg.prefix),
                                  cfg.prefix_pos.file, cfg.prefix_pos.line));
    }
    // The translator's own addresses answer pings and source ICMP errors; a
    // map must not hand them to another host.
    if (cfg.ipv4_addr && m.v4.contains(*cfg.ipv4_addr)) {
        out.push_back(fmt::format("map {} contains ipv4-addr {} at {}:{}", host_or_prefix(m.v4),
                                  to_string(*cfg.ipv4_addr), cfg.ipv4_addr_pos.file, cfg.ipv4_addr_pos.line));
    }
    // (A defaulted ipv6-addr lies inside the prefix, reported above.)
    if (cfg.ipv6_addr && !cfg.ipv6_addr_defaulted && m.v6.contains(*cfg.ipv6_addr)) {
        out.push_back(fmt::format("map {} contains ipv6-addr {} at {}:{}", host_or_prefix(m.v6),
                                  to_string(*cfg.ipv6_addr), cfg.ipv6_addr_pos.file, cfg.ipv6_addr_pos.line));
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

    for (const MapEntry& m : cfg.maps) {
        for (auto& message : map_conflicts(cfg, m)) problems.add(m.pos, std::move(message));
    }
    report_overlaps<Prefix4>(
        cfg.maps, [](const MapEntry& m) -> const Prefix4& { return m.v4; }, problems);
    report_overlaps<Prefix6>(
        cfg.maps, [](const MapEntry& m) -> const Prefix6& { return m.v6; }, problems);

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
