// ICMP message translation (RFC 7915 §4.2, §5.2), internal to xlat.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "nat64d/verdict.hpp"

namespace nat64d::xlat {

// Rewrites the ICMPv6 message at `icmp` (length `len`, whole message
// present) into ICMPv4 in place: type/code, and the checksum, which loses
// the IPv6 pseudo-header whose partial sum is `pseudo6` (RFC 7915 §5.2).
// Returns the reason when the message is not translated.
[[nodiscard]] std::optional<Reason> icmp_6to4(std::uint8_t* icmp, std::size_t len, std::uint32_t pseudo6) noexcept;

// Rewrites the ICMPv4 message into ICMPv6 in place; the checksum gains the
// IPv6 pseudo-header whose partial sum is `pseudo6` (RFC 7915 §4.2).
[[nodiscard]] std::optional<Reason> icmp_4to6(std::uint8_t* icmp, std::size_t len, std::uint32_t pseudo6) noexcept;

}  // namespace nat64d::xlat
