// What the packet fuzz targets (fuzz_xlat4to6, fuzz_xlat6to4, fuzz_vnet)
// check about a packet, written independently of src/xlat so that a bug
// there is not repeated here: where the transport header is, whether its
// checksum verifies, and how to repair an input's checksums so that
// mutations reach the code behind the checksum checks.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "common/bytes.hpp"
#include "common/checksum.hpp"

namespace nat64d::fuzz {

[[noreturn]] inline void violated(const char* what) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
}

// The transport header of an unfragmented packet: its offset, its
// protocol and the length the IP header gives it (bounded by `len`).
struct L4 {
    std::size_t off = 0;
    std::size_t len = 0;
    std::uint8_t proto = 0;
    bool v6 = false;
};

// Nullopt for a fragment, a truncated header chain, or a packet that is
// neither IPv4 nor IPv6. IPv6 extension headers are walked (hop-by-hop,
// routing, destination options).
inline std::optional<L4> find_l4(const std::uint8_t* p, std::size_t len) {
    if (len < 1) return std::nullopt;
    if (p[0] >> 4 == 4) {
        if (len < 20) return std::nullopt;
        const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
        const std::size_t total = common::load16(p + 2);
        if (ihl < 20 || total < ihl || total > len) return std::nullopt;
        if ((common::load16(p + 6) & 0x3fff) != 0) return std::nullopt;  // MF or an offset: a fragment
        return L4{ihl, total - ihl, p[9], false};
    }
    if (p[0] >> 4 == 6) {
        if (len < 40) return std::nullopt;
        const std::size_t total = 40 + std::size_t{common::load16(p + 4)};
        if (total > len) return std::nullopt;
        std::uint8_t nh = p[6];
        std::size_t off = 40;
        while (nh == 0 || nh == 43 || nh == 60) {
            if (off + 8 > total) return std::nullopt;
            const std::size_t hlen = (std::size_t{p[off + 1]} + 1) * 8;
            nh = p[off];
            off += hlen;
        }
        if (nh == 44 || off > total) return std::nullopt;
        return L4{off, total - off, nh, true};
    }
    return std::nullopt;
}

// The offset of the checksum field in a transport header, or 0 when the
// protocol has none we check (or the header is too short to hold it).
inline std::size_t csum_field(const L4& l4) {
    std::size_t at = 0;
    if (l4.proto == 6) at = 16;
    if (l4.proto == 17) at = 6;
    if ((l4.proto == 1 && !l4.v6) || (l4.proto == 58 && l4.v6)) at = 2;
    if (at == 0 || l4.len < at + 2 || (l4.proto == 6 && l4.len < 20) || (l4.proto == 17 && l4.len < 8) ||
        (at == 2 && l4.len < 4))
        return 0;
    return at;
}

// The sum a transport checksum covers besides the header itself (the
// pseudo-header; none for ICMPv4).
inline std::uint32_t pseudo_sum(const std::uint8_t* p, const L4& l4) {
    if (l4.v6) return common::csum_pseudo6(p + 8, p + 24, static_cast<std::uint32_t>(l4.len), l4.proto);
    if (l4.proto == 1) return 0;
    return common::csum_pseudo4(p + 12, p + 16, static_cast<std::uint16_t>(l4.len), l4.proto);
}

// 1: the transport checksum verifies; 0: it does not; -1: nothing to
// check (fragment, other protocol, IPv4 UDP without a checksum).
inline int l4_checksum_state(const std::uint8_t* p, std::size_t len) {
    const auto l4 = find_l4(p, len);
    if (!l4) return -1;
    const std::size_t at = csum_field(*l4);
    if (at == 0) return -1;
    if (l4->proto == 17 && !l4->v6 && common::load16(p + l4->off + at) == 0) return -1;
    const std::uint32_t sum = common::csum_partial(p + l4->off, l4->len, pseudo_sum(p, *l4));
    return common::csum_fold(sum) == 0xffff ? 1 : 0;
}

// Writes a correct IPv4 header checksum (when the header is there).
inline void repair_ipv4_header(std::uint8_t* p, std::size_t len) {
    if (len < 20 || p[0] >> 4 != 4) return;
    const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
    if (ihl < 20 || ihl > len) return;
    common::store16(p + 10, 0);
    common::store16(p + 10, common::csum_finish(common::csum_partial(p, ihl)));
}

// Writes a correct transport checksum (IPv4 UDP keeps a zero one).
inline void repair_l4(std::uint8_t* p, std::size_t len) {
    const auto l4 = find_l4(p, len);
    if (!l4) return;
    const std::size_t at = csum_field(*l4);
    if (at == 0) return;
    std::uint8_t* field = p + l4->off + at;
    if (l4->proto == 17 && !l4->v6 && common::load16(field) == 0) return;
    common::store16(field, 0);
    std::uint16_t sum = common::csum_finish(common::csum_partial(p + l4->off, l4->len, pseudo_sum(p, *l4)));
    if (sum == 0 && l4->proto == 17) sum = 0xffff;
    common::store16(field, sum);
}

// A packet as it leaves the translator: a whole IPv4 or IPv6 header whose
// length fields match the bytes, a valid IPv4 header checksum.
inline void check_well_formed(const std::uint8_t* p, std::size_t len) {
    if (len == 0) violated("empty output");
    if (p[0] >> 4 == 4) {
        if (len < 20) violated("IPv4 output shorter than a header");
        const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
        if (ihl < 20 || ihl > len) violated("IPv4 output IHL");
        if (common::csum_fold(common::csum_partial(p, ihl)) != 0xffff) violated("IPv4 header checksum");
        if (common::load16(p + 2) != len) violated("IPv4 total length");
    } else if (p[0] >> 4 == 6) {
        if (len < 40) violated("IPv6 output shorter than a header");
        if (common::load16(p + 4) + 40u != len) violated("IPv6 payload length");
    } else {
        violated("output is neither IPv4 nor IPv6");
    }
}

}  // namespace nat64d::fuzz
