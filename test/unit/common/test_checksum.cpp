// src/common/checksum.hpp: RFC 1071 sums and the RFC 1624 incremental update,
// checked against a plain byte-pair reference.
#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "common/checksum.hpp"

using namespace nat64d::common;

namespace {

// RFC 1071 §4.1 written out the obvious way, folded to 16 bits.
std::uint16_t reference_sum(const std::vector<std::uint8_t>& d) {
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < d.size(); i += 2) {
        const std::uint64_t hi = d[i];
        const std::uint64_t lo = i + 1 < d.size() ? d[i + 1] : 0;
        acc += (hi << 8) | lo;
    }
    while (acc > 0xffff) acc = (acc & 0xffff) + (acc >> 16);
    return static_cast<std::uint16_t>(acc);
}

std::vector<std::uint8_t> random_bytes(std::mt19937& rng, std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng());
    return v;
}

}  // namespace

TEST_CASE("RFC 1624 §4: incremental update gives 0x0000, not 0xFFFF", "[common][checksum]") {
    // Other words sum to 0xCD7A; the changing word m = 0x5555.
    const std::array<std::uint8_t, 4> before{0xcd, 0x7a, 0x55, 0x55};
    CHECK(csum_finish(csum_partial(before.data(), before.size())) == 0xDD2F);
    const std::array<std::uint8_t, 2> m{0x55, 0x55};
    const std::array<std::uint8_t, 2> m_new{0x32, 0x85};
    CHECK(csum_update(0xDD2F, csum_partial(m.data(), 2), csum_partial(m_new.data(), 2)) == 0x0000);
    // Recomputed from scratch the same packet also gives 0x0000.
    const std::array<std::uint8_t, 4> after{0xcd, 0x7a, 0x32, 0x85};
    CHECK(csum_finish(csum_partial(after.data(), after.size())) == 0x0000);
}

TEST_CASE("RFC 1071 §4.1: csum_partial matches a plain reference, odd and even lengths", "[common][checksum]") {
    std::mt19937 rng(1071);
    for (std::size_t len = 0; len < 300; ++len) {
        INFO("len " << len);
        const auto d = random_bytes(rng, len);
        CHECK(csum_fold(csum_partial(d.data(), d.size())) == reference_sum(d));
        // Splitting at an even offset and chaining the partial sum is the same.
        const std::size_t cut = (len / 3) & ~std::size_t{1};
        const std::uint32_t chained = csum_partial(d.data() + cut, len - cut, csum_partial(d.data(), cut));
        CHECK(csum_fold(chained) == reference_sum(d));
    }
    // Long all-0xff buffer: exercises the carries.
    const std::vector<std::uint8_t> ff(65537, 0xff);
    CHECK(csum_fold(csum_partial(ff.data(), ff.size())) == reference_sum(ff));
    // Odd trailing byte is padded with zero on the right (RFC 1071 §4.1).
    const std::array<std::uint8_t, 3> odd{0x00, 0x01, 0xf2};
    CHECK(csum_fold(csum_partial(odd.data(), odd.size())) == 0xf201);
}

TEST_CASE("RFC 1624 §3 eqn. 3: incremental update equals recomputation", "[common][checksum]") {
    std::mt19937 rng(1624);
    for (int i = 0; i < 2000; ++i) {
        const std::size_t len = 2 * (1 + rng() % 40);
        auto d = random_bytes(rng, len);
        d[0] |= 0x01;  // never all zero: then +0/-0 cannot differ
        const std::size_t off = 2 * (1 + rng() % (len / 2)) - 2;
        const std::size_t n = std::min<std::size_t>(len - off, 2 * (1 + rng() % 8));
        const std::uint16_t old_csum = csum_finish(csum_partial(d.data(), d.size()));
        const std::uint32_t old_sum = csum_partial(d.data() + off, n);
        for (std::size_t k = 0; k < n; ++k) {
            // Zero words too, where ~m is -0.
            d[off + k] = (i % 5 == 0) ? 0 : static_cast<std::uint8_t>(rng());
        }
        if (off == 0) d[0] |= 0x01;
        const std::uint32_t new_sum = csum_partial(d.data() + off, n);
        INFO("i " << i << " len " << len << " off " << off << " n " << n);
        CHECK(csum_update(old_csum, old_sum, new_sum) == csum_finish(csum_partial(d.data(), d.size())));
    }
}

TEST_CASE("RFC 768 / RFC 8200 §8.1: pseudo-header sums match the laid-out header", "[common][checksum]") {
    std::mt19937 rng(8200);
    for (int i = 0; i < 200; ++i) {
        const auto src6 = random_bytes(rng, 16);
        const auto dst6 = random_bytes(rng, 16);
        const auto len6 = static_cast<std::uint32_t>(rng());
        const auto nh = static_cast<std::uint8_t>(rng());
        // RFC 8200 §8.1: src, dst, 32-bit length, 3 zero bytes, next header.
        std::vector<std::uint8_t> ph6(src6);
        ph6.insert(ph6.end(), dst6.begin(), dst6.end());
        for (int s = 24; s >= 0; s -= 8) ph6.push_back(static_cast<std::uint8_t>(len6 >> s));
        ph6.insert(ph6.end(), {0, 0, 0, nh});
        CHECK(csum_fold(csum_pseudo6(src6.data(), dst6.data(), len6, nh)) == reference_sum(ph6));

        const auto src4 = random_bytes(rng, 4);
        const auto dst4 = random_bytes(rng, 4);
        const auto len4 = static_cast<std::uint16_t>(rng());
        const auto proto = static_cast<std::uint8_t>(rng());
        // RFC 768: src, dst, zero, protocol, 16-bit length.
        std::vector<std::uint8_t> ph4(src4);
        ph4.insert(ph4.end(), dst4.begin(), dst4.end());
        ph4.insert(ph4.end(), {0, proto, static_cast<std::uint8_t>(len4 >> 8), static_cast<std::uint8_t>(len4)});
        CHECK(csum_fold(csum_pseudo4(src4.data(), dst4.data(), len4, proto)) == reference_sum(ph4));

        std::vector<std::uint8_t> a6(src6);
        a6.insert(a6.end(), dst6.begin(), dst6.end());
        CHECK(csum_fold(csum_addrs6(src6.data(), dst6.data())) == reference_sum(a6));
        std::vector<std::uint8_t> a4(src4);
        a4.insert(a4.end(), dst4.begin(), dst4.end());
        CHECK(csum_fold(csum_addrs4(src4.data(), dst4.data())) == reference_sum(a4));
    }
}
