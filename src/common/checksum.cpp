#include "common/checksum.hpp"

namespace nat64d::common {

std::uint32_t csum_partial(const std::uint8_t* data, std::size_t len, std::uint32_t sum) noexcept {
    // 64-bit accumulator: 2^48 16-bit words before it could overflow.
    std::uint64_t acc = sum;
    std::size_t i = 0;
    for (; i + 1 < len; i += 2) acc += load16(data + i);
    if (i < len) acc += std::uint32_t{data[i]} << 8;
    while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
    return static_cast<std::uint32_t>(acc);
}

std::uint16_t csum_fold(std::uint32_t sum) noexcept {
    while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

std::uint16_t csum_update(std::uint16_t old_csum, std::uint32_t old_sum, std::uint32_t new_sum) noexcept {
    // ~HC + ~m + m' (RFC 1624 §3, eqn. 3), with ~m taken on the folded sum of m.
    std::uint32_t acc = static_cast<std::uint16_t>(~old_csum);
    acc += static_cast<std::uint16_t>(~csum_fold(old_sum));
    acc += csum_fold(new_sum);
    return static_cast<std::uint16_t>(~csum_fold(acc));
}

std::uint32_t csum_addrs4(const std::uint8_t* src, const std::uint8_t* dst) noexcept {
    return csum_partial(dst, 4, csum_partial(src, 4));
}

std::uint32_t csum_addrs6(const std::uint8_t* src, const std::uint8_t* dst) noexcept {
    return csum_partial(dst, 16, csum_partial(src, 16));
}

std::uint32_t csum_pseudo6(const std::uint8_t* src, const std::uint8_t* dst, std::uint32_t upper_len,
                           std::uint8_t next_header) noexcept {
    std::uint64_t acc = csum_addrs6(src, dst);
    acc += upper_len >> 16;
    acc += upper_len & 0xffffu;
    acc += next_header;
    while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
    return static_cast<std::uint32_t>(acc);
}

std::uint32_t csum_pseudo4(const std::uint8_t* src, const std::uint8_t* dst, std::uint16_t upper_len,
                           std::uint8_t protocol) noexcept {
    return csum_add(csum_addrs4(src, dst), std::uint32_t{upper_len} + protocol);
}

}  // namespace nat64d::common
