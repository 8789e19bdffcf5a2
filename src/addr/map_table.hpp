// RFC 7757 explicit address mappings: a table of IPv4 prefix <-> IPv6 prefix
// pairs with equal suffix lengths, looked up by longest-prefix match in both
// directions (never a linear scan). As in TAYGA, IPv4 sides may nest (a /32
// inside a /24 inside a /16, RFC 7757 §3.3: the longest match wins) but
// never repeat, and IPv6 sides never overlap.
//
// Lookup: per family, one hash index over (prefix length, prefix). A lookup
// tries the prefix lengths present in the table, longest first, with one
// exact probe each, so it costs as many probes as there are distinct
// lengths (usually one to three) instead of one step per address bit.
//
// The packet path reads only the pairs and the indexes. The entries as
// added, with their source positions, are kept beside them for the clash
// messages of add() and for find4/find6.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "nat64d/ip.hpp"
#include "nat64d/map_entry.hpp"
#include "nat64d/map_pair.hpp"

namespace nat64d::addr {

class MapTable {
public:
    // Adds an entry. Refused (with a message citing the earlier entry's
    // file:line) when the suffix lengths differ (32 - v4.len != 128 - v6.len),
    // when its IPv4 prefix is already in the table, or when its IPv6 prefix
    // overlaps one in the table. An IPv4 prefix inside or around another
    // one is accepted. The order of the adds does not change any lookup.
    common::Status add(const MapEntry& entry);

    // RFC 7757 §3.2/§3.3: longest-prefix match, then the host bits of the
    // address are carried over unchanged. nullopt when nothing matches.
    [[nodiscard]] std::optional<Ipv6Addr> map_4to6(const Ipv4Addr& a) const noexcept;
    [[nodiscard]] std::optional<Ipv4Addr> map_6to4(const Ipv6Addr& a) const noexcept;

    // The matching entry as added, with its position (longest match), or
    // nullptr.
    [[nodiscard]] const MapEntry* find4(const Ipv4Addr& a) const noexcept;
    [[nodiscard]] const MapEntry* find6(const Ipv6Addr& a) const noexcept;

    // The pairs, in the order they were added.
    [[nodiscard]] const std::vector<MapPair>& entries() const noexcept { return pairs_; }
    [[nodiscard]] bool empty() const noexcept { return pairs_.empty(); }

private:
    static constexpr std::uint32_t kNone = 0xffffffffu;

    // The prefix lengths present on one side, longest first.
    struct Lengths {
        std::array<std::uint8_t, 129> desc{};
        unsigned count = 0;
        void insert(unsigned len) noexcept;
    };

    // Indexes into pairs_ of the entry whose IPv4 (IPv6) side is exactly
    // key/len, or of the longest one containing an address; kNone if none.
    [[nodiscard]] std::uint32_t exact4(std::uint32_t key, unsigned len) const noexcept;
    [[nodiscard]] std::uint32_t exact6(std::uint64_t hi, std::uint64_t lo, unsigned len) const noexcept;
    [[nodiscard]] std::uint32_t longest4(const Ipv4Addr& a) const noexcept;
    [[nodiscard]] std::uint32_t longest6(const Ipv6Addr& a) const noexcept;
    // An entry whose IPv6 side overlaps p (the one containing p, else the
    // lowest one inside p, as the clash message cites it), or kNone.
    [[nodiscard]] std::uint32_t overlapping6(const Prefix6& p) const noexcept;
    // Puts `index` into the first free slot from `hash` on.
    static void place(std::vector<std::uint32_t>& slots, std::uint64_t hash, std::uint32_t index) noexcept;

    // Hot: read by every lookup.
    std::vector<MapPair> pairs_;
    // Open addressing with linear probing over indexes into pairs_ (kNone
    // marks a free slot); a power-of-two size, at most a quarter full, so
    // that every probe ends at a free slot within a few steps.
    std::vector<std::uint32_t> slots4_;
    std::vector<std::uint32_t> slots6_;
    Lengths lengths4_;
    Lengths lengths6_;

    // Cold: read by add() and find4/find6 only.
    std::vector<MapEntry> added_;       // index for index with pairs_
    std::vector<std::uint32_t> by_v6_;  // indexes into pairs_, by IPv6 prefix address (the sides are disjoint)
};

}  // namespace nat64d::addr
