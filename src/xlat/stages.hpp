// Stages shared by both directions of the translator (internal to xlat).
#pragma once

#include <optional>

#include "nat64d/ip.hpp"
#include "nat64d/verdict.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::xlat {

// Every non-forward outcome goes through here so that it is counted.
[[nodiscard]] inline Verdict drop(Context& ctx, Reason why) noexcept {
    ++ctx.counters.drops[static_cast<std::size_t>(why)];
    return Verdict::Drop;
}

// Address mapping, TAYGA's precedence (RFC 7915 §6): explicit address
// mappings (RFC 7757) first, then the RFC 6052 prefix. On failure `why`
// tells the caller whether the WKP rule (RFC 6052 §3.1) or a plain miss
// refused it; the caller picks the source/destination flavour of a miss.
enum class MapMiss { None, NoMapping, WkpNonGlobal };
[[nodiscard]] std::optional<Ipv4Addr> map_6to4(const Tables& t, const Ipv6Addr& a, MapMiss& why) noexcept;
[[nodiscard]] std::optional<Ipv6Addr> map_4to6(const Tables& t, const Ipv4Addr& a, MapMiss& why) noexcept;

// RFC 1812 §5.3.7 / RFC 7915 §4.1, §5.1: sources that must not be forwarded.
[[nodiscard]] bool is_illegal_source4(const Ipv4Addr& a) noexcept;
[[nodiscard]] bool is_illegal_source6(const Ipv6Addr& a) noexcept;

}  // namespace nat64d::xlat
