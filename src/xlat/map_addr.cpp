#include "addr/rfc6052.hpp"
#include "xlat/stages.hpp"

namespace nat64d::xlat {

std::optional<Ipv4Addr> map_6to4(const Tables& t, const Ipv6Addr& a, MapMiss& why) noexcept {
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

std::optional<Ipv6Addr> map_4to6(const Tables& t, const Ipv4Addr& a, MapMiss& why) noexcept {
    if (auto v6 = t.maps.map_4to6(a)) return v6;
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
