#include "addr/map_table.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "common/bytes.hpp"

namespace nat64d::addr {
namespace {

// Bit `i` of a big-endian key, most significant first.
unsigned bit_at(const std::uint8_t* key, unsigned i) noexcept {
    return (key[i / 8] >> (7 - i % 8)) & 1u;
}

// Mask of the low `host_bits` bits (0..32) of a 32-bit word.
std::uint32_t host_mask(unsigned host_bits) noexcept {
    return host_bits >= 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << host_bits) - 1;
}

// Grows `v` so that `needed` elements fit, keeping growth geometric.
template <typename T>
void ensure_capacity(std::vector<T>& v, std::size_t needed) {
    if (v.capacity() < needed) v.reserve(needed > 2 * v.capacity() ? needed : 2 * v.capacity());
}

std::string describe(const MapEntry& e) {
    return fmt::format("map {} {}", to_string(e.v4), to_string(e.v6));
}

}  // namespace

// Each trie starts with its root node. Built as vector(1) rather than through
// the header's `{Node{}}` default: g++ 12 -O2 reports a false
// -Wmaybe-uninitialized on that initializer_list copy.
MapTable::MapTable() : trie4_{std::vector<Node>(1)}, trie6_{std::vector<Node>(1)} {}

void MapTable::Trie::insert(const std::uint8_t* key, unsigned len, std::int32_t entry) {
    std::int32_t n = 0;
    for (unsigned i = 0; i < len; ++i) {
        const unsigned b = bit_at(key, i);
        if (nodes[static_cast<std::size_t>(n)].child[b] < 0) {
            const auto next = static_cast<std::int32_t>(nodes.size());
            nodes.push_back(Node{});
            nodes[static_cast<std::size_t>(n)].child[b] = next;
        }
        n = nodes[static_cast<std::size_t>(n)].child[b];
    }
    nodes[static_cast<std::size_t>(n)].entry = entry;
}

std::int32_t MapTable::Trie::longest(const std::uint8_t* key, unsigned bits) const noexcept {
    std::int32_t n = 0;
    std::int32_t best = nodes[0].entry;
    for (unsigned i = 0; i < bits; ++i) {
        n = nodes[static_cast<std::size_t>(n)].child[bit_at(key, i)];
        if (n < 0) break;
        if (nodes[static_cast<std::size_t>(n)].entry >= 0) best = nodes[static_cast<std::size_t>(n)].entry;
    }
    return best;
}

std::int32_t MapTable::Trie::exact(const std::uint8_t* key, unsigned len) const noexcept {
    std::int32_t n = 0;
    for (unsigned i = 0; i < len && n >= 0; ++i) n = nodes[static_cast<std::size_t>(n)].child[bit_at(key, i)];
    return n < 0 ? -1 : nodes[static_cast<std::size_t>(n)].entry;
}

std::int32_t MapTable::Trie::overlapping(const std::uint8_t* key, unsigned len) const noexcept {
    // An entry on the path contains key/len.
    std::int32_t n = 0;
    for (unsigned i = 0;; ++i) {
        const Node& node = nodes[static_cast<std::size_t>(n)];
        if (node.entry >= 0) return node.entry;
        if (i == len) break;
        n = node.child[bit_at(key, i)];
        if (n < 0) return -1;
    }
    // The node for key/len exists. Nodes are only ever created on the way to
    // an entry and never removed, so some entry lies below it: follow any
    // child (0 first) down to it. That entry is contained in key/len.
    for (;;) {
        const Node& node = nodes[static_cast<std::size_t>(n)];
        if (node.entry >= 0) return node.entry;
        n = node.child[0] >= 0 ? node.child[0] : node.child[1];
        if (n < 0) return -1;  // unreachable while the invariant above holds
    }
}

common::Status MapTable::add(const MapEntry& entry) {
    // RFC 7757 §3.2 only requires (32 - len4) <= (128 - len6); we require
    // equality, as TAYGA does, so the mapping is one-to-one in both directions.
    const unsigned host4 = 32 - entry.v4.len;
    const unsigned host6 = 128 - entry.v6.len;
    if (host4 != host6) {
        return common::Error{fmt::format("{}: suffix lengths differ (/{} leaves {} host bits, /{} leaves {})",
                                         describe(entry), entry.v4.len, host4, entry.v6.len, host6)};
    }
    // RFC 7757 §3.3 picks the longest matching IPv4 prefix, so nested IPv4
    // sides are well defined (TAYGA accepts them); the same IPv4 prefix twice
    // is not. Overlapping IPv6 sides would make the 6->4 direction ambiguous
    // for the addresses they share (RFC 7757 §5): refused, as in TAYGA.
    const auto clash = [this, &entry](std::int32_t index, std::string_view how) {
        const MapEntry& old = entries_[static_cast<std::size_t>(index)];
        std::string msg = fmt::format("{} {} {}", describe(entry), how, describe(old));
        if (!old.pos.file.empty()) msg += fmt::format(" at {}:{}", old.pos.file, old.pos.line);
        return common::Error{std::move(msg)};
    };
    if (const auto same = trie4_.exact(entry.v4.addr.bytes.data(), entry.v4.len); same >= 0)
        return clash(same, "conflicts with");
    if (const auto over = trie6_.overlapping(entry.v6.addr.bytes.data(), entry.v6.len); over >= 0)
        return clash(over, "overlaps");
    // Allocate everything first so that a bad_alloc leaves the table as it was.
    MapEntry copy = entry;
    ensure_capacity(entries_, entries_.size() + 1);
    ensure_capacity(trie4_.nodes, trie4_.nodes.size() + entry.v4.len);
    ensure_capacity(trie6_.nodes, trie6_.nodes.size() + entry.v6.len);
    const auto index = static_cast<std::int32_t>(entries_.size());
    entries_.push_back(std::move(copy));
    trie4_.insert(entry.v4.addr.bytes.data(), entry.v4.len, index);
    trie6_.insert(entry.v6.addr.bytes.data(), entry.v6.len, index);
    return {};
}

const MapEntry* MapTable::find4(const Ipv4Addr& a) const noexcept {
    const std::int32_t i = trie4_.longest(a.bytes.data(), 32);
    return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)];
}

const MapEntry* MapTable::find6(const Ipv6Addr& a) const noexcept {
    const std::int32_t i = trie6_.longest(a.bytes.data(), 128);
    return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)];
}

std::optional<Ipv6Addr> MapTable::map_4to6(const Ipv4Addr& a) const noexcept {
    // RFC 7757 §3.3: keep the IPv4 suffix, put the IPv6 prefix in front. The
    // suffix lengths are equal (add()), so the suffix fills the low bits.
    const MapEntry* e = find4(a);
    if (e == nullptr) return std::nullopt;
    const std::uint32_t hm = host_mask(32 - e->v4.len);
    Ipv6Addr out = e->v6.addr;
    common::store32(out.bytes.data() + 12, (common::load32(out.bytes.data() + 12) & ~hm) | (a.to_u32() & hm));
    return out;
}

std::optional<Ipv4Addr> MapTable::map_6to4(const Ipv6Addr& a) const noexcept {
    // RFC 7757 §3.3, the other way: the IPv6 suffix is at most 32 bits.
    const MapEntry* e = find6(a);
    if (e == nullptr) return std::nullopt;
    const std::uint32_t hm = host_mask(128 - e->v6.len);
    return Ipv4Addr::from_u32((e->v4.addr.to_u32() & ~hm) | (common::load32(a.bytes.data() + 12) & hm));
}

}  // namespace nat64d::addr
