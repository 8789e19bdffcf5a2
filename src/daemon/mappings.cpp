#include "daemon/mappings.hpp"

#include <fmt/core.h>

#include <ctime>

#include "daemon/stats.hpp"

namespace nat64d::daemon {
namespace {

bool matches(const MapEntry& m, const AddressFilter& f) {
    return f.is_v6 ? m.v6.contains(f.v6) : m.v4.contains(f.v4);
}

bool matches(const addr::LeaseInfo& l, const AddressFilter& f) {
    return f.is_v6 ? l.v6 == f.v6 : l.v4 == f.v4;
}

std::string filter_text(const AddressFilter& f) {
    return f.is_v6 ? to_string(f.v6) : to_string(f.v4);
}

}  // namespace

std::optional<AddressFilter> parse_address_filter(std::string_view text) {
    AddressFilter f;
    if (const auto v4 = parse_ipv4(text)) {
        f.v4 = *v4;
        return f;
    }
    if (const auto v6 = parse_ipv6(text)) {
        f.is_v6 = true;
        f.v6 = *v6;
        return f;
    }
    return std::nullopt;
}

std::string utc_time(std::int64_t unix_seconds) {
    const auto t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    if (::gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

std::string short_duration(std::int64_t seconds) {
    if (seconds < 0) seconds = 0;
    const std::int64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
    if (d > 0) return fmt::format("{}d{:02}h", d, h);
    if (h > 0) return fmt::format("{}h{:02}m", h, m);
    if (m > 0) return fmt::format("{}m{:02}s", m, s);
    return fmt::format("{}s", s);
}

std::string format_mappings(const Config& cfg, const std::optional<LeaseView>& pool,
                            const std::optional<AddressFilter>& filter, bool json) {
    std::string out = json ? "{\"static\":[" : "";
    bool first = true;
    for (const auto& m : cfg.maps) {
        if (filter && !matches(m, *filter)) continue;
        const std::string where = m.pos.file.empty() ? "" : m.pos.file + ":" + std::to_string(m.pos.line);
        if (json) {
            out += fmt::format("{}{{\"ipv4\":{},\"ipv6\":{},\"source\":{}}}", first ? "" : ",",
                               json_string(to_string(m.v4)), json_string(to_string(m.v6)), json_string(where));
        } else {
            out += fmt::format("static  {:<20} {:<44} {}\n", to_string(m.v4), to_string(m.v6), where);
        }
        first = false;
    }
    if (json) out += "],\"dynamic\":[";
    first = true;
    if (pool) {
        for (const auto& l : pool->leases) {
            if (filter && !matches(l, *filter)) continue;
            // RFC 7757 leaves lease lifetimes to the implementation; these are
            // TAYGA's (addr/dynamic_pool.hpp): dormant min_lease after the
            // last use, expired max_lease after it.
            const std::int64_t age = pool->now - l.last_use;
            const std::int64_t dormant_at = l.last_use + pool->min_lease;
            const std::int64_t expires = l.last_use + pool->max_lease;
            if (json) {
                out += fmt::format(
                    "{}{{\"ipv4\":{},\"ipv6\":{},\"state\":\"{}\",\"last_use\":{},\"last_use_age\":{},"
                    "{}\"expires\":{}}}",
                    first ? "" : ",", json_string(to_string(l.v4)), json_string(to_string(l.v6)),
                    l.active ? "active" : "dormant", l.last_use, age,
                    l.active ? fmt::format("\"dormant_at\":{},", dormant_at) : std::string{}, expires);
            } else {
                std::string when = fmt::format("last use {} ago", short_duration(age));
                if (l.active) {
                    when += fmt::format(", dormant {} (in {})", utc_time(dormant_at),
                                        short_duration(dormant_at - pool->now));
                }
                when += fmt::format(", expires {} (in {})", utc_time(expires), short_duration(expires - pool->now));
                out += fmt::format("dynamic {:<20} {:<44} {}, {}\n", to_string(l.v4), to_string(l.v6),
                                   l.active ? "active" : "dormant", when);
            }
            first = false;
        }
    }
    if (json) return out + "]}\n";
    if (!out.empty()) return out;
    return filter ? "no mapping for " + filter_text(*filter) + "\n" : "no mappings\n";
}

}  // namespace nat64d::daemon
