#include "addr/rfc6052.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace nat64d::addr {
namespace {

// RFC 6052 §2.2: bits 64-71 (byte 8) are the "u" octet, never used for the
// IPv4 address.
constexpr std::size_t kUOctet = 8;

// Byte where the IPv4 address starts: right after the prefix. The clamp only
// keeps an invalid length (a caller bug) inside the 16 bytes.
constexpr std::size_t v4_start(unsigned prefix_len) noexcept {
    const std::size_t start = prefix_len / 8;
    return start < 4 ? 4 : (start > 12 ? 12 : start);
}

// One block of IPv4 addresses the well-known prefix must not carry.
struct NonGlobalBlock {
    std::uint32_t addr;
    unsigned len;
};

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) noexcept {
    return (std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | std::uint32_t{d};
}

// RFC 6052 §3.1 forbids the WKP for "non-global" IPv4 addresses. The list is
// TAYGA's (private, shared, documentation and benchmarking space), so that a
// site keeps its behaviour after the switch; the rest of RFC 6890's registry
// (192.0.0.0/24 with the 464XLAT CLAT range 192.0.0.0/29, 192.88.99.0/24) is
// translated. 0/8, 127/8, 169.254/16, 224/4 and 255.255.255.255 are refused
// by the address rules whatever the prefix (addr/special.hpp).
// docs/rfc-compliance.md records the choice.
constexpr std::array<NonGlobalBlock, 8> kNonGlobalBlocks{{
    {v4(10, 0, 0, 0), 8},       // Private-Use, RFC 1918
    {v4(100, 64, 0, 0), 10},    // Shared Address Space, RFC 6598
    {v4(172, 16, 0, 0), 12},    // Private-Use, RFC 1918
    {v4(192, 0, 2, 0), 24},     // TEST-NET-1, RFC 5737
    {v4(192, 168, 0, 0), 16},   // Private-Use, RFC 1918
    {v4(198, 18, 0, 0), 15},    // Benchmarking, RFC 2544
    {v4(198, 51, 100, 0), 24},  // TEST-NET-2, RFC 5737
    {v4(203, 0, 113, 0), 24},   // TEST-NET-3, RFC 5737
}};

constexpr std::uint32_t prefix_mask(unsigned len) noexcept {
    return len == 0 ? 0 : ~std::uint32_t{0} << (32 - len);
}

}  // namespace

bool is_valid_rfc6052_len(unsigned len) noexcept {
    switch (len) {
        case 32:
        case 40:
        case 48:
        case 56:
        case 64:
        case 96: return true;
        default: return false;
    }
}

bool is_well_known_prefix(const Prefix6& p) noexcept {
    // RFC 6052 §2.1: 64:ff9b::/96. RFC 8215's 64:ff9b:1::/48 is a
    // network-specific prefix (RFC 8215 §5), so it does not match here.
    static constexpr Ipv6Addr kWkp{{0x00, 0x64, 0xff, 0x9b}};
    return p.len == 96 && p.addr == kWkp;
}

Ipv6Addr embed(const Prefix6& prefix, const Ipv4Addr& v4addr) noexcept {
    // RFC 6052 §2.2: prefix, then the IPv4 address with the u octet skipped;
    // u octet and suffix are zero.
    Ipv6Addr out{};
    std::size_t pos = v4_start(prefix.len);
    for (std::size_t i = 0; i < pos; ++i) out.bytes[i] = prefix.addr.bytes[i];
    for (const std::uint8_t b : v4addr.bytes) {
        if (pos == kUOctet) ++pos;
        out.bytes[pos++] = b;
    }
    return out;
}

Ipv4Addr extract(const Prefix6& prefix, const Ipv6Addr& v6) noexcept {
    // RFC 6052 §2.3: the 32 bits after the prefix, skipping the u octet.
    // The u octet and suffix are not looked at (§2.2: suffix "SHOULD ignore").
    Ipv4Addr out{};
    std::size_t pos = v4_start(prefix.len);
    for (std::uint8_t& b : out.bytes) {
        if (pos == kUOctet) ++pos;
        b = v6.bytes[pos++];
    }
    return out;
}

bool is_global_ipv4(const Ipv4Addr& a) noexcept {
    const std::uint32_t x = a.to_u32();
    for (const NonGlobalBlock& blk : kNonGlobalBlocks) {
        if ((x & prefix_mask(blk.len)) == blk.addr) return false;
    }
    return true;
}

}  // namespace nat64d::addr
