// RFC 7757 explicit address mappings: a table of IPv4 prefix <-> IPv6 prefix
// pairs with equal suffix lengths, looked up by longest-prefix match in both
// directions through two binary tries (never a linear scan). As in TAYGA,
// IPv4 sides may nest (a /32 inside a /24 inside a /16, RFC 7757 §3.3: the
// longest match wins) but never repeat, and IPv6 sides never overlap.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "nat64d/ip.hpp"
#include "nat64d/map_entry.hpp"

namespace nat64d::addr {

class MapTable {
public:
    MapTable();

    // Adds an entry. Refused (with a message citing the earlier entry's
    // file:line) when the suffix lengths differ (32 - v4.len != 128 - v6.len),
    // when its IPv4 prefix is already in the table, or when its IPv6 prefix
    // overlaps one in the table. An IPv4 prefix inside or around another
    // one is accepted.
    common::Status add(const MapEntry& entry);

    // RFC 7757 §3.2/§3.3: longest-prefix match, then the host bits of the
    // address are carried over unchanged. nullopt when nothing matches.
    [[nodiscard]] std::optional<Ipv6Addr> map_4to6(const Ipv4Addr& a) const noexcept;
    [[nodiscard]] std::optional<Ipv4Addr> map_6to4(const Ipv6Addr& a) const noexcept;

    // The matching entry itself (longest match), or nullptr.
    [[nodiscard]] const MapEntry* find4(const Ipv4Addr& a) const noexcept;
    [[nodiscard]] const MapEntry* find6(const Ipv6Addr& a) const noexcept;

    [[nodiscard]] const std::vector<MapEntry>& entries() const noexcept { return entries_; }
    [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }

private:
    struct Node {
        std::int32_t child[2] = {-1, -1};
        std::int32_t entry = -1;  // index into entries_, or -1
    };
    // A binary trie keyed on address bits, most significant first.
    struct Trie {
        std::vector<Node> nodes{Node{}};
        void insert(const std::uint8_t* key, unsigned len, std::int32_t entry);
        [[nodiscard]] std::int32_t longest(const std::uint8_t* key, unsigned bits) const noexcept;
        // The entry stored at exactly key/len, or -1.
        [[nodiscard]] std::int32_t exact(const std::uint8_t* key, unsigned len) const noexcept;
        // Any entry on the path to key/len or below it (an overlap).
        [[nodiscard]] std::int32_t overlapping(const std::uint8_t* key, unsigned len) const noexcept;
    };

    std::vector<MapEntry> entries_;
    Trie trie4_;
    Trie trie6_;
};

}  // namespace nat64d::addr
