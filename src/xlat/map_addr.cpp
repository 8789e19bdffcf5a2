#include "addr/dynamic_pool.hpp"
#include "addr/rfc6052.hpp"
#include "xlat/stages.hpp"

namespace nat64d::xlat {
namespace {

// Static map, then the RFC 6052 prefix. `why` is NoMapping when neither
// covers the address (the pool may still).
std::optional<Ipv4Addr> map_6to4_static(const Tables& t, const Ipv6Addr& a, MapMiss& why) noexcept {
    if (auto v4 = t.maps.map_6to4(a)) return v4;
    if (t.prefix && t.prefix->contains(a)) {
        const Ipv4Addr v4 = addr::extract(*t.prefix, a);
        // RFC 6052 §3.1: the WKP never carries non-global IPv4 addresses.
        if (t.prefix_is_wkp && t.wkpf_strict && !addr::is_global_ipv4(v4)) {
            why = MapMiss::WkpNonGlobal;
            return std::nullopt;
        }
        return v4;
    }
    why = MapMiss::NoMapping;
    return std::nullopt;
}

}  // namespace

std::optional<Ipv4Addr> map_6to4(const Tables& t, Context& ctx, const Ipv6Addr& a, MapMiss& why) noexcept {
    if (auto v4 = map_6to4_static(t, a, why)) return v4;
    if (why != MapMiss::NoMapping || t.pool == nullptr) return std::nullopt;
    // An existing lease answers for its host (TAYGA's map6 tree holds the
    // leases too), but a destination never makes one.
    if (auto v4 = t.pool->find_6to4(a, ctx.pool_reader)) {
        why = MapMiss::None;
        return v4;
    }
    return std::nullopt;
}

std::optional<Ipv4Addr> map_6to4_src(const Tables& t, Context& ctx, const Ipv6Addr& a, MapMiss& why) noexcept {
    if (auto v4 = map_6to4_static(t, a, why)) return v4;
    if (why != MapMiss::NoMapping || t.pool == nullptr) return std::nullopt;
    addr::PoolMiss pool_why = addr::PoolMiss::None;
    if (auto v4 = t.pool->map_6to4(a, pool_why, ctx.pool_reader)) {
        why = MapMiss::None;
        return v4;
    }
    why = pool_why == addr::PoolMiss::Exhausted ? MapMiss::PoolExhausted : MapMiss::NoMapping;
    return std::nullopt;
}

std::optional<Ipv6Addr> map_4to6(const Tables& t, Context& ctx, const Ipv4Addr& a, MapMiss& why) noexcept {
    if (auto v6 = t.maps.map_4to6(a)) return v6;
    if (t.pool != nullptr) {
        // TAYGA: a pool address belongs to its lease or to nobody; it never
        // falls through to the prefix (the IPv4 side routes the pool to us).
        Ipv6Addr v6;
        switch (t.pool->map_4to6(a, v6, ctx.pool_reader)) {
            case addr::Pool4::Leased:
                return v6;
            case addr::Pool4::Unleased:
                why = MapMiss::NoMapping;
                return std::nullopt;
            case addr::Pool4::NotManaged:
                break;
        }
    }
    if (t.prefix) {
        if (t.prefix_is_wkp && t.wkpf_strict && !addr::is_global_ipv4(a)) {
            why = MapMiss::WkpNonGlobal;
            return std::nullopt;
        }
        return addr::embed(*t.prefix, a);
    }
    why = MapMiss::NoMapping;
    return std::nullopt;
}

bool is_illegal_source4(const Ipv4Addr& a) noexcept {
    const auto first = a.bytes[0];
    return first == 0 || first == 127 || first >= 224;  // this-net, loopback, multicast/reserved/broadcast
}

bool is_illegal_source6(const Ipv6Addr& a) noexcept {
    static constexpr Ipv6Addr kUnspecified{};
    static constexpr Ipv6Addr kLoopback{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    return a == kUnspecified || a == kLoopback || a.bytes[0] == 0xff;  // RFC 4291 §2.5.2, §2.5.3, §2.7
}

}  // namespace nat64d::xlat
