// Address classes that decide, before any mapping, whether an address may
// cross the translator at all. TAYGA's rules, which nat64d keeps so that a
// site behaves the same after the switch (docs/rfc-compliance.md, "Address
// rules"):
//   - reserved IPv4 (0/8, 127/8, 224/4, 255.255.255.255): never translated,
//     in either direction, whatever the mapping (RFC 1812 §5.3.7, RFC 7915
//     §4.1 "illegal" sources, RFC 7915 §1.2 multicast);
//   - IPv4 link-local 169.254/16 (RFC 3927 §2.6.2: never forwarded): not
//     through the RFC 6052 prefix, but allowed through an explicit `map`
//     or the dynamic pool, where the operator chose it;
//   - reserved IPv6 (::/8 except the 64:ff9b::/32 translation prefixes,
//     fe80::/10, ff00::/8): never translated.
// 240/4 is none of these: it is translated, identically in both directions.
#pragma once

#include "nat64d/ip.hpp"

namespace nat64d::addr {

[[nodiscard]] bool is_reserved_ipv4(const Ipv4Addr& a) noexcept;
[[nodiscard]] bool is_link_local_ipv4(const Ipv4Addr& a) noexcept;
[[nodiscard]] bool is_reserved_ipv6(const Ipv6Addr& a) noexcept;

}  // namespace nat64d::addr
