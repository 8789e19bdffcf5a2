// Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//
// Sums are kept as 32-bit accumulators of 16-bit big-endian words and folded
// at the end; "partial" sums may be added together freely (one's-complement
// addition is associative and commutative).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"

namespace nat64d::common {

// Adds the bytes to a running partial sum; an odd trailing byte is padded
// with zero as RFC 1071 §4.1 does.
[[nodiscard]] std::uint32_t csum_partial(const std::uint8_t* data, std::size_t len, std::uint32_t sum = 0) noexcept;

// One's-complement addition of two partial sums (end-around carry).
[[nodiscard]] inline std::uint32_t csum_add(std::uint32_t a, std::uint32_t b) noexcept {
    const std::uint64_t s = std::uint64_t{a} + b;
    return static_cast<std::uint32_t>((s & 0xffffffffu) + (s >> 32));
}

// Folds a partial sum to 16 bits with end-around carry (not complemented).
[[nodiscard]] std::uint16_t csum_fold(std::uint32_t sum) noexcept;

// The checksum field value for data whose partial sum is `sum`: ~fold(sum).
[[nodiscard]] inline std::uint16_t csum_finish(std::uint32_t sum) noexcept {
    return static_cast<std::uint16_t>(~csum_fold(sum));
}

// RFC 1624 §3 eqn. 3: HC' = ~(~HC + ~m + m'), where the old words m sum to
// `old_sum` and the new words m' to `new_sum` (both partial sums). Unlike the
// RFC 1141 form this never turns a correct 0x0000 into 0xFFFF.
[[nodiscard]] std::uint16_t csum_update(std::uint16_t old_csum, std::uint32_t old_sum, std::uint32_t new_sum) noexcept;

// Partial sums of the pseudo-header address parts, the only terms that
// differ between the IPv4 (RFC 768) and IPv6 (RFC 8200 §8.1) pseudo-headers
// of the same segment.
[[nodiscard]] std::uint32_t csum_addrs4(const std::uint8_t* src, const std::uint8_t* dst) noexcept;
[[nodiscard]] std::uint32_t csum_addrs6(const std::uint8_t* src, const std::uint8_t* dst) noexcept;

// Full IPv6 pseudo-header partial sum (RFC 8200 §8.1).
[[nodiscard]] std::uint32_t csum_pseudo6(const std::uint8_t* src, const std::uint8_t* dst, std::uint32_t upper_len,
                                         std::uint8_t next_header) noexcept;
// Full IPv4 pseudo-header partial sum (RFC 768).
[[nodiscard]] std::uint32_t csum_pseudo4(const std::uint8_t* src, const std::uint8_t* dst, std::uint16_t upper_len,
                                         std::uint8_t protocol) noexcept;

}  // namespace nat64d::common
