// The one place where a configuration becomes translation tables
// (xlat::Tables) and the dynamic pool's exclusions: at start-up and on
// every reload, off the packet path. xlat itself reads no configuration.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "addr/dynamic_pool.hpp"
#include "addr/route_view.hpp"
#include "common/result.hpp"
#include "nat64d/config.hpp"
#include "nat64d/ip.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::daemon {

// What the tables hold besides the configuration: the process-wide pool
// (null without dynamic-pool), the TUN device's MTU (nullopt: not known,
// no limit) and the routes the loop check reads (null: no check).
struct TablesEnv {
    addr::DynamicPool* pool = nullptr;
    std::optional<unsigned> tun_mtu;
    std::shared_ptr<const addr::RouteView> routes;
};

// One generation of translation tables for a validated `cfg`. An error
// only for a configuration the validator should have refused (overlapping
// maps).
[[nodiscard]] common::Result<xlat::Tables> build_tables(const Config& cfg, const TablesEnv& env = {});

// The same, shared as workers take it (io::TablesSource).
[[nodiscard]] common::Result<std::shared_ptr<const xlat::Tables>> build_shared_tables(const Config& cfg,
                                                                                      const TablesEnv& env);

// What leaves the dynamic pool (TAYGA; RFC 7757 §3.2 one-to-one): the
// translator's own IPv4 address, both sides of every map, the NAT64
// prefix.
struct PoolExclusions {
    std::vector<Prefix4> excluded4;
    std::vector<Prefix6> excluded6;
};
[[nodiscard]] PoolExclusions pool_exclusions(const Config& cfg);

// dynamic-pool's creation options: its prefix and pool_exclusions().
// `cfg.dynamic_pool` must be set.
[[nodiscard]] addr::PoolOptions pool_options(const Config& cfg);

}  // namespace nat64d::daemon
