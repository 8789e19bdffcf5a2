#include "addr/pool_lookup.hpp"
#include "addr/rfc6052.hpp"
#include "addr/special.hpp"
#include "xlat/stages.hpp"

namespace nat64d::xlat {
namespace {

// An IPv4 address that may not cross the RFC 6052 prefix: the reserved
// classes anywhere, and IPv4 link-local (RFC 3927 §2.6.2), which only an
// explicit map or the pool may carry (addr/special.hpp).
[[nodiscard]] bool barred_from_prefix(const Ipv4Addr& a) noexcept {
    return addr::is_reserved_ipv4(a) || addr::is_link_local_ipv4(a);
}

// Static map, then the RFC 6052 prefix. `why` is NoMapping when neither
// covers the address (the pool may still); `via_prefix` tells which one did.
std::optional<Ipv4Addr> map_6to4_static(const Tables& t, const Ipv6Addr& a, MapMiss& why, bool& via_prefix) noexcept {
    via_prefix = false;
    if (auto v4 = t.maps.map_6to4(a)) {
        if (addr::is_reserved_ipv4(*v4)) {
            why = MapMiss::Reserved;
            return std::nullopt;
        }
        return v4;
    }
    if (t.prefix && t.prefix->contains(a)) {
        const Ipv4Addr v4 = addr::extract(*t.prefix, a);
        if (barred_from_prefix(v4)) {
            why = MapMiss::Reserved;
            return std::nullopt;
        }
        // RFC 6052 §3.1: the WKP never carries non-global IPv4 addresses.
        if (t.prefix_is_wkp && t.wkpf_strict && !addr::is_global_ipv4(v4)) {
            why = MapMiss::WkpNonGlobal;
            return std::nullopt;
        }
        if (t.deny4.contains(v4)) {
            why = MapMiss::Denied;
            return std::nullopt;
        }
        via_prefix = true;
        return v4;
    }
    why = MapMiss::NoMapping;
    return std::nullopt;
}

}  // namespace

bool is_owned_ipv4(const Tables& t, const Ipv4Addr& a) noexcept {
    return a == t.ipv4_addr || t.maps.find4(a) != nullptr || (t.pool != nullptr && t.pool->prefix().contains(a));
}

std::optional<Ipv4Addr> map_6to4(const Tables& t, Context& ctx, const Ipv6Addr& a, MapMiss& why) noexcept {
    bool via_prefix = false;
    return map_6to4(t, ctx, a, why, via_prefix);
}

std::optional<Ipv4Addr> map_6to4(const Tables& t, Context& ctx, const Ipv6Addr& a, MapMiss& why,
                                 bool& via_prefix) noexcept {
    if (auto v4 = map_6to4_static(t, a, why, via_prefix)) return v4;
    if (why != MapMiss::NoMapping || t.pool == nullptr) return std::nullopt;
    // An existing lease answers for its host (TAYGA's map6 tree holds the
    // leases too), but a destination never makes one.
    if (auto v4 = t.pool->find_6to4(a, ctx.pool_reader)) {
        why = MapMiss::None;
        return v4;
    }
    return std::nullopt;
}

std::optional<Ipv4Addr> map_6to4_src(const Tables& t, Context& ctx, const Ipv6Addr& a, MapMiss& why,
                                     bool may_lease) noexcept {
    bool via_prefix = false;
    if (auto v4 = map_6to4_static(t, a, why, via_prefix)) {
        // RFC 6052 §5.1 / RFC 7915 §5.1: through the prefix, an IPv6 host
        // may only stand for an IPv4 address of the IPv4 side. One that
        // embeds our own, a mapped or a pool address would leave with a
        // source that belongs to the IPv6 side (RFC 1812 §5.3.7's rule
        // against forwarding packets from addresses that cannot be theirs).
        if (via_prefix && is_owned_ipv4(t, *v4)) {
            why = MapMiss::Spoofed;
            return std::nullopt;
        }
        return v4;
    }
    if (why != MapMiss::NoMapping || t.pool == nullptr) return std::nullopt;
    if (!may_lease) {
        if (auto v4 = t.pool->find_6to4(a, ctx.pool_reader)) {
            why = MapMiss::None;
            return v4;
        }
        return std::nullopt;
    }
    addr::PoolMiss pool_why = addr::PoolMiss::None;
    if (auto v4 = t.pool->map_6to4(a, pool_why, ctx.pool_reader)) {
        why = MapMiss::None;
        return v4;
    }
    why = pool_why == addr::PoolMiss::Exhausted ? MapMiss::PoolExhausted : MapMiss::NoMapping;
    return std::nullopt;
}

std::optional<Ipv6Addr> map_4to6(const Tables& t, Context& ctx, const Ipv4Addr& a, MapMiss& why) noexcept {
    bool via_prefix = false;
    return map_4to6(t, ctx, a, why, via_prefix);
}

std::optional<Ipv6Addr> map_4to6(const Tables& t, Context& ctx, const Ipv4Addr& a, MapMiss& why,
                                 bool& via_prefix) noexcept {
    via_prefix = false;
    // Never translated, whatever the mapping (RFC 1812 §5.3.7, RFC 7915 §1.2).
    if (addr::is_reserved_ipv4(a)) {
        why = MapMiss::Reserved;
        return std::nullopt;
    }
    if (auto v6 = t.maps.map_4to6(a)) return v6;
    if (t.pool != nullptr) {
        // TAYGA: a pool address belongs to its lease or to nobody; it never
        // falls through to the prefix (the IPv4 side routes the pool to us).
        Ipv6Addr v6;
        switch (t.pool->map_4to6(a, v6, ctx.pool_reader)) {
            case addr::Pool4::Leased: return v6;
            case addr::Pool4::Unleased: why = MapMiss::NoMapping; return std::nullopt;
            case addr::Pool4::NotManaged: break;
        }
    }
    auto v6 = map_4to6_prefix(t, a, why);
    via_prefix = v6.has_value();
    return v6;
}

bool loops_back_4to6(const Tables& t, const Ipv6Addr& dst6) noexcept {
    return t.routes != nullptr && t.routes->into_tun(dst6);
}

bool loops_back_6to4(const Tables& t, Context& ctx, const Ipv4Addr& dst4) noexcept {
    if (t.routes == nullptr || dst4 == t.ipv4_addr || !t.routes->into_tun(dst4)) return false;
    if (t.maps.find4(dst4) != nullptr) return false;
    Ipv6Addr leased;
    return t.pool == nullptr || t.pool->map_4to6(dst4, leased, ctx.pool_reader) != addr::Pool4::Leased;
}

}  // namespace nat64d::xlat
