// `nat64dctl mappings [ADDRESS] [--json]`: the static mappings (tayga.conf
// and map-file) and the dynamic leases, optionally only those that concern
// one address.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/dynamic_pool.hpp"
#include "nat64d/config.hpp"

namespace nat64d::daemon {

// An IPv4 or IPv6 address to filter by.
struct AddressFilter {
    bool is_v6 = false;
    Ipv4Addr v4;
    Ipv6Addr v6;
};

// The argument of `mappings ADDRESS`; nullopt when it is no address.
[[nodiscard]] std::optional<AddressFilter> parse_address_filter(std::string_view text);

// The dynamic pool as `mappings` shows it: its leases and the clock and
// lease times they are judged by (addr::PoolOptions::min_lease, max_lease).
struct LeaseView {
    std::vector<addr::LeaseInfo> leases;
    std::int64_t now = 0;  // Unix seconds
    std::int64_t min_lease = addr::kDynMinLease;
    std::int64_t max_lease = addr::kDynMaxLease;
};

// One line per mapping ("static ..." then "dynamic ..."), or JSON with
// "static" and "dynamic" arrays. A static mapping is shown when its IPv4 or
// IPv6 side contains `filter`, a lease when either of its addresses is
// `filter`. A lease shows its last-use age and, if nothing uses it again,
// when it turns dormant (active ones) and when it expires; a dormant lease
// may be given to another host sooner when the pool runs out.
[[nodiscard]] std::string format_mappings(const Config& cfg, const std::optional<LeaseView>& pool,
                                          const std::optional<AddressFilter>& filter, bool json);

// Unix seconds as "2024-05-01T12:00:00Z" (ISO 8601, UTC).
[[nodiscard]] std::string utc_time(std::int64_t unix_seconds);

// A duration in seconds as "2h04m", "13d23h", "42s" (two units at most).
[[nodiscard]] std::string short_duration(std::int64_t seconds);

}  // namespace nat64d::daemon
