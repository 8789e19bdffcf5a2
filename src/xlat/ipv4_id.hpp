// IPv4 Identification for the packets the translator originates with DF=0
// (RFC 7915 §5.1: "set according to a Fragment ID generation algorithm at
// the translator"). RFC 6864 §4.3: such an ID must not repeat within the
// datagram lifetime for the same source, destination and protocol; RFC 7739
// §5: and it should not be predictable by anyone off the path. DF=1 packets
// are atomic and carry 0 (RFC 6864 §4.1, §4.3); that choice is the
// caller's.
//
// The generator is a keyed permutation of a per-worker 16-bit counter: a
// six-round Feistel network on the two bytes of the counter whose round
// functions are tables filled from SipHash-2-4 under a secret 128-bit key,
// fresh for every cycle of the counter. So within one cycle (65535 IDs) no
// value repeats, whatever the flows (stronger than RFC 6864 §4.3 asks); the
// next value cannot be told from the ones seen; 0 is never handed out. No
// system call: the io layer seeds the key (getrandom) when a worker starts,
// tests seed it with a fixed key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace nat64d::xlat {

// SipHash-2-4 (Aumasson, Bernstein, 2012) of one 64-bit word, read as 8
// little-endian bytes, under the key k0 || k1 (each read little-endian).
[[nodiscard]] std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, std::uint64_t word) noexcept;

class Ipv4IdGenerator {
public:
    using Key = std::array<std::uint8_t, 16>;

    // A new key and the counter's start; the first next() follows.
    void seed(const Key& key, std::uint16_t counter = 0) noexcept;

    // The next Identification, never 0.
    [[nodiscard]] std::uint16_t next() noexcept;

private:
    static constexpr std::size_t kRounds = 6;
    void new_cycle() noexcept;  // round tables for cycle_

    std::uint64_t k0_ = 0, k1_ = 0;
    std::uint64_t cycle_ = 0;
    std::uint16_t counter_ = 0;
    std::uint32_t left_in_cycle_ = 0;  // counter values still unused in this cycle; 0: build the next one
    std::array<std::array<std::uint8_t, 256>, kRounds> round_{};
};

}  // namespace nat64d::xlat
