#include "xlat/ipv4_id.hpp"

namespace nat64d::xlat {
namespace {

[[nodiscard]] constexpr std::uint64_t rotl(std::uint64_t x, int b) noexcept {
    return (x << b) | (x >> (64 - b));
}

struct SipState {
    std::uint64_t v0, v1, v2, v3;
    void round() noexcept {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    }
    void compress(std::uint64_t m) noexcept {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

[[nodiscard]] std::uint64_t load_le64(const std::uint8_t* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

}  // namespace

std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, std::uint64_t word) noexcept {
    SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
               k1 ^ 0x7465646279746573ULL};
    s.compress(word);
    s.compress(std::uint64_t{8} << 56);  // the final block: message length 8, no tail bytes
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

void Ipv4IdGenerator::seed(const Key& key, std::uint16_t counter) noexcept {
    k0_ = load_le64(key.data());
    k1_ = load_le64(key.data() + 8);
    cycle_ = 0;
    counter_ = counter;
    left_in_cycle_ = 0;
}

void Ipv4IdGenerator::new_cycle() noexcept {
    // Round r's table comes from the SipHash outputs of the words
    // (cycle, r, 0..31): 32 x 8 bytes = 256 table entries.
    for (std::size_t r = 0; r < kRounds; ++r) {
        for (std::uint64_t i = 0; i < 32; ++i) {
            const std::uint64_t h = siphash24(k0_, k1_, (cycle_ << 16) | (std::uint64_t(r) << 8) | i);
            for (std::size_t b = 0; b < 8; ++b) round_[r][i * 8 + b] = static_cast<std::uint8_t>(h >> (8 * b));
        }
    }
    ++cycle_;
    left_in_cycle_ = 65536;
}

std::uint16_t Ipv4IdGenerator::next() noexcept {
    for (;;) {
        if (left_in_cycle_ == 0) new_cycle();
        --left_in_cycle_;
        const std::uint16_t c = counter_++;
        std::uint8_t l = static_cast<std::uint8_t>(c >> 8);
        std::uint8_t r = static_cast<std::uint8_t>(c);
        for (std::size_t i = 0; i < kRounds; ++i) {
            const std::uint8_t t = static_cast<std::uint8_t>(l ^ round_[i][r]);
            l = r;
            r = t;
        }
        const auto id = static_cast<std::uint16_t>((l << 8) | r);
        if (id != 0) return id;  // the one counter value that maps to 0 is skipped
    }
}

}  // namespace nat64d::xlat
