#include "daemon/tables_builder.hpp"

#include <algorithm>

#include "addr/rfc6052.hpp"

namespace nat64d::daemon {

common::Result<xlat::Tables> build_tables(const Config& cfg, const TablesEnv& env) {
    xlat::Tables t;
    t.prefix = cfg.prefix;
    t.prefix_is_wkp = cfg.prefix && addr::is_well_known_prefix(*cfg.prefix);
    t.wkpf_strict = cfg.wkpf_strict;
    t.ipv4_addr = cfg.ipv4_addr.value_or(Ipv4Addr{});
    t.ipv6_addr = cfg.ipv6_addr.value_or(Ipv6Addr{});
    t.udp_cksum_mode = cfg.udp_cksum_mode;
    t.lowest_ipv6_mtu = cfg.offlink_mtu;
    t.log = cfg.log;
    t.icmp_rate = cfg.icmp_rate;
    t.icmp_burst = cfg.icmp_burst;
    for (const auto& p : cfg.deny4) t.deny4.add(p);
    for (const auto& m : cfg.maps) {
        // The validator refuses overlaps; a failure here is a validator bug.
        if (auto st = t.maps.add(m); !st) return common::Error{st.error()};
    }
    t.routes = env.routes;
    t.pool = env.pool;
    if (env.tun_mtu) {
        // Both sides leave through the one TUN device (RFC 7915 §1.4: the
        // translator is a router); offlink-mtu is capped by it (§4.1).
        t.ipv4_mtu = *env.tun_mtu;
        t.ipv6_mtu = *env.tun_mtu;
        t.lowest_ipv6_mtu = std::min(cfg.offlink_mtu, *env.tun_mtu);
    }
    return t;
}

common::Result<std::shared_ptr<const xlat::Tables>> build_shared_tables(const Config& cfg, const TablesEnv& env) {
    auto t = build_tables(cfg, env);
    if (!t) return common::Error{t.error()};
    return std::shared_ptr<const xlat::Tables>(std::make_shared<xlat::Tables>(std::move(t).value()));
}

PoolExclusions pool_exclusions(const Config& cfg) {
    PoolExclusions e;
    if (cfg.ipv4_addr) e.excluded4.push_back(Prefix4{*cfg.ipv4_addr, 32});
    for (const auto& m : cfg.maps) {
        e.excluded4.push_back(m.v4);
        e.excluded6.push_back(m.v6);
    }
    if (cfg.prefix) e.excluded6.push_back(*cfg.prefix);
    return e;
}

addr::PoolOptions pool_options(const Config& cfg) {
    addr::PoolOptions o;
    o.prefix = *cfg.dynamic_pool;
    auto e = pool_exclusions(cfg);
    o.excluded4 = std::move(e.excluded4);
    o.excluded6 = std::move(e.excluded6);
    return o;
}

}  // namespace nat64d::daemon
