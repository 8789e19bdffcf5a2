#include "lab/ra.hpp"

#include <algorithm>
#include <string>

#include "common/bytes.hpp"

namespace nat64d::lab {

using common::store16;
using common::store32;

namespace {

constexpr unsigned kPref64MaxScaledLifetime = 0x1fff;  // 13 bits, RFC 8781 §4

// Appends `len8` units of 8 octets, zeroed, with the type and length filled
// in (RFC 4861 §4.6: option length in units of 8 octets); returns the offset.
std::size_t add_option(std::vector<std::uint8_t>& out, std::uint8_t type, std::uint8_t len8) {
    const std::size_t at = out.size();
    out.resize(at + std::size_t{len8} * 8, 0);
    out[at] = type;
    out[at + 1] = len8;
    return at;
}

// RFC 4861 §4.6.2: Prefix Information, flags L (on-link) and A (autonomous).
void add_prefix_info(std::vector<std::uint8_t>& out, const RaSettings& s, bool final) {
    const std::size_t at = add_option(out, kNdOptPrefixInfo, 4);
    out[at + 2] = static_cast<std::uint8_t>(s.prefix.len);
    out[at + 3] = 0xc0;  // L | A
    store32(&out[at + 4], s.valid_lifetime);
    store32(&out[at + 8], final ? 0 : s.preferred_lifetime);
    std::copy(s.prefix.addr.bytes.begin(), s.prefix.addr.bytes.end(), out.begin() + static_cast<long>(at + 16));
}

// RFC 8106 §5.1: Recursive DNS Server option, 1 + 2 * N units.
void add_rdnss(std::vector<std::uint8_t>& out, const RaSettings& s, bool final) {
    const std::size_t at = add_option(out, kNdOptRdnss, static_cast<std::uint8_t>(1 + 2 * s.rdnss.size()));
    store32(&out[at + 4], final ? 0 : s.rdnss_lifetime);
    std::size_t pos = at + 8;
    for (const auto& a : s.rdnss) {
        std::copy(a.bytes.begin(), a.bytes.end(), out.begin() + static_cast<long>(pos));
        pos += 16;
    }
}

// RFC 8781 §4: Scaled Lifetime in units of 8 seconds (rounded up, so that
// the prefix is not dropped before the next advertisement) and PLC in one
// 16-bit word, then the highest 96 bits of the prefix.
void add_pref64(std::vector<std::uint8_t>& out, const Prefix6& p, std::uint32_t lifetime) {
    const std::size_t at = add_option(out, kNdOptPref64, 2);
    const std::uint32_t scaled = (lifetime + 7) / 8;
    const std::uint16_t word = static_cast<std::uint16_t>((scaled << 3) | *pref64_plc(p.len));
    store16(&out[at + 2], word);
    std::copy(p.addr.bytes.begin(), p.addr.bytes.begin() + 12, out.begin() + static_cast<long>(at + 4));
}

}  // namespace

std::optional<std::uint8_t> pref64_plc(unsigned prefix_len) noexcept {
    switch (prefix_len) {
        case 96: return 0;
        case 64: return 1;
        case 56: return 2;
        case 48: return 3;
        case 40: return 4;
        case 32: return 5;
        default: return std::nullopt;
    }
}

std::optional<std::string> check(const RaSettings& s) {
    if (s.prefix.len != 64) return "the advertised prefix must be a /64 (SLAAC, RFC 4862 §5.5.3)";
    if (s.rdnss.empty()) return "at least one RDNSS address is needed";
    if (s.rdnss.size() > 127) return "too many RDNSS addresses for one option";
    if (s.pref64 && !pref64_plc(s.pref64->len)) return "the NAT64 prefix length must be 32, 40, 48, 56, 64 or 96";
    if (s.pref64 && (s.pref64_lifetime + 7) / 8 > kPref64MaxScaledLifetime) {
        return "the PREF64 lifetime must be at most 65528 s";
    }
    if (s.preferred_lifetime > s.valid_lifetime) return "the preferred lifetime exceeds the valid lifetime";
    return std::nullopt;
}

std::vector<std::uint8_t> build_router_advert(const RaSettings& s, bool final) {
    // RFC 4861 §4.2: type, code, checksum, cur hop limit (0: unspecified),
    // flags M and O clear (no DHCPv6: everything is in the options), router
    // lifetime, reachable time and retrans timer unspecified.
    std::vector<std::uint8_t> out(16, 0);
    out[0] = kIcmp6RouterAdvert;
    store16(&out[6], final ? 0 : s.router_lifetime);
    if (s.link_addr) {
        const std::size_t at = add_option(out, kNdOptSourceLinkAddr, 1);
        std::copy(s.link_addr->begin(), s.link_addr->end(), out.begin() + static_cast<long>(at + 2));
    }
    if (s.mtu != 0) {
        const std::size_t at = add_option(out, kNdOptMtu, 1);
        store32(&out[at + 4], s.mtu);
    }
    add_prefix_info(out, s, final);
    add_rdnss(out, s, final);
    if (s.pref64) add_pref64(out, *s.pref64, final ? 0 : s.pref64_lifetime);
    return out;
}

}  // namespace nat64d::lab
