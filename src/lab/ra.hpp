// Router Advertisements of nat64d-lab's IPv6-only network: the message bytes,
// built by a pure function so that they can be tested as bytes. What the lab
// announces (docs/ipv6-only-lab.md): its /64 for SLAAC, the DNS64 server
// (RDNSS) and the NAT64 prefix (PREF64), so that a host or VM on the link
// configures itself without DHCP and without IPv4.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nat64d/ip.hpp"

namespace nat64d::lab {

// ICMPv6 types and Neighbor Discovery option types (RFC 4861 §4.1, §4.2,
// §4.6; RFC 8106 §5.1; RFC 8781 §4).
inline constexpr std::uint8_t kIcmp6RouterSolicit = 133;
inline constexpr std::uint8_t kIcmp6RouterAdvert = 134;
inline constexpr std::uint8_t kNdOptSourceLinkAddr = 1;
inline constexpr std::uint8_t kNdOptPrefixInfo = 3;
inline constexpr std::uint8_t kNdOptMtu = 5;
inline constexpr std::uint8_t kNdOptRdnss = 25;
inline constexpr std::uint8_t kNdOptPref64 = 38;

struct RaSettings {
    Prefix6 prefix;                                        // the link's /64, on-link and autonomous (SLAAC)
    std::vector<Ipv6Addr> rdnss;                           // recursive DNS servers, at least one
    std::optional<Prefix6> pref64;                         // NAT64 prefix: /32, /40, /48, /56, /64 or /96
    std::optional<std::array<std::uint8_t, 6>> link_addr;  // the router's MAC (option 1)
    std::uint32_t mtu = 0;                                 // 0: no MTU option
    std::uint16_t router_lifetime = 1800;                  // seconds; RFC 4861 §6.2.1: 3 * MaxRtrAdvInterval
    std::uint32_t valid_lifetime = 86400;                  // prefix, RFC 4861 §6.2.1 default 30 days; a lab day
    std::uint32_t preferred_lifetime = 14400;
    std::uint32_t rdnss_lifetime = 1800;   // RFC 8106 §5.1: at least 3 * MaxRtrAdvInterval
    std::uint32_t pref64_lifetime = 1800;  // RFC 8781 §4.1: at least 3 * MaxRtrAdvInterval
};

// RFC 8781 §4: the Prefix Length Code of a NAT64 prefix length, or nothing
// for a length RFC 6052 does not define.
[[nodiscard]] std::optional<std::uint8_t> pref64_plc(unsigned prefix_len) noexcept;

// Whether the settings can be announced: a /64, at least one RDNSS, a PREF64
// of an RFC 6052 length, lifetimes that fit their fields. Empty when valid,
// else what is wrong.
[[nodiscard]] std::optional<std::string> check(const RaSettings& s);

// The ICMPv6 Router Advertisement (type 134) with its options, checksum
// left zero: the kernel fills it in for raw ICMPv6 sockets (RFC 3542 §3.1).
// `final` builds the last advertisement of RFC 4861 §6.2.5 (router lifetime
// zero), which also withdraws what the lab announced: prefix deprecated,
// RDNSS and PREF64 lifetimes zero (RFC 8106 §5.1, RFC 8781 §4).
// Precondition: check(s) is empty.
[[nodiscard]] std::vector<std::uint8_t> build_router_advert(const RaSettings& s, bool final);

}  // namespace nat64d::lab
