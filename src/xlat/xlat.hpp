// Pure packet translation (RFC 7915). No system calls, no allocation, no
// logging: every function takes bytes, returns a Verdict and counts a Reason.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "addr/map_table.hpp"
#include "nat64d/config.hpp"
#include "nat64d/ip.hpp"
#include "nat64d/verdict.hpp"

namespace nat64d::xlat {

// Bytes kept free in front of every packet so that 4->6 can grow the header
// (20 -> 40 bytes, 48 with a Fragment Header) without moving the payload.
inline constexpr std::size_t kHeadroom = 128;

// The read-only translation tables of one configuration generation.
// Workers share one immutable instance (std::shared_ptr<const Tables>).
struct Tables {
    std::optional<Prefix6> prefix;  // RFC 6052 prefix
    bool prefix_is_wkp = false;     // prefix == 64:ff9b::/96
    bool wkpf_strict = true;        // RFC 6052 §3.1 enforcement for the WKP
    Ipv4Addr ipv4_addr;             // the translator's own addresses
    Ipv6Addr ipv6_addr;
    addr::MapTable maps;            // RFC 7757 explicit address mappings
    UdpCksumMode udp_cksum_mode = UdpCksumMode::Drop;
};

// Builds the tables from a validated configuration (startup or reload; may
// allocate and fail only on a configuration the validator let through).
[[nodiscard]] Tables make_tables(const Config& cfg);

// Per-worker counters: only the owning worker writes them.
struct Counters {
    std::uint64_t packets_4to6 = 0;
    std::uint64_t bytes_4to6 = 0;
    std::uint64_t packets_6to4 = 0;
    std::uint64_t bytes_6to4 = 0;
    std::uint64_t local_replies = 0;
    std::array<std::uint64_t, kReasonCount> drops{};

    Counters& operator+=(const Counters& o) noexcept;
};

// Per-worker mutable translation state.
struct Context {
    Counters counters;
    std::uint16_t next_ipv4_id = 0;  // RFC 7915 §5.1 identification generator
};

// One packet in a buffer: bytes [offset, offset + length) of `base`, with
// `offset` >= kHeadroom on input. Translation rewrites it in place and moves
// offset/length to the bytes to send.
struct PacketBuf {
    std::uint8_t* base = nullptr;
    std::size_t capacity = 0;
    std::size_t offset = 0;
    std::size_t length = 0;

    [[nodiscard]] std::uint8_t* data() const noexcept { return base + offset; }
};

// Dispatches on the IP version nibble.
[[nodiscard]] Verdict translate(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept;
// RFC 7915 §4: IPv4 -> IPv6.
[[nodiscard]] Verdict translate_4to6(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept;
// RFC 7915 §5: IPv6 -> IPv4.
[[nodiscard]] Verdict translate_6to4(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept;

}  // namespace nat64d::xlat
