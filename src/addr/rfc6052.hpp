// RFC 6052 IPv4-embedded IPv6 addresses: the prefix codec and the
// well-known-prefix rules of §3.1 (with RFC 8215's local-use prefix, which
// is network-specific and so not subject to them).
#pragma once

#include "nat64d/ip.hpp"

namespace nat64d::addr {

// RFC 6052 §2.2: the only legal prefix lengths are 32, 40, 48, 56, 64, 96.
[[nodiscard]] bool is_valid_rfc6052_len(unsigned len) noexcept;

// The well-known prefix 64:ff9b::/96 (RFC 6052 §2.1), exactly.
[[nodiscard]] bool is_well_known_prefix(const Prefix6& p) noexcept;

// RFC 6052 §2.2/§2.3: prefix + IPv4 address, skipping the u octet (bits
// 64-71, written as zero), suffix zero. `prefix.len` must be valid.
[[nodiscard]] Ipv6Addr embed(const Prefix6& prefix, const Ipv4Addr& v4) noexcept;

// RFC 6052 §2.3 decoding. The caller has checked prefix.contains(v6). The u
// octet and the suffix are ignored, not checked (§2.2: "SHOULD ignore").
[[nodiscard]] Ipv4Addr extract(const Prefix6& prefix, const Ipv6Addr& v6) noexcept;

// RFC 6052 §3.1 with TAYGA's list of non-global blocks: false for addresses
// the well-known prefix must not carry (wkpf-strict). See
// docs/rfc-compliance.md for the list and why it is TAYGA's.
[[nodiscard]] bool is_global_ipv4(const Ipv4Addr& a) noexcept;

}  // namespace nat64d::addr
