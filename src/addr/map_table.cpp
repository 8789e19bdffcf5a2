#include "addr/map_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "common/bytes.hpp"

namespace nat64d::addr {
namespace {

// Mask of the low `host_bits` bits (0..32) of a 32-bit word.
std::uint32_t host_mask(unsigned host_bits) noexcept {
    return host_bits >= 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << host_bits) - 1;
}

// Mask of the high `len` bits (0..64) of a 64-bit word.
std::uint64_t prefix_mask64(unsigned len) noexcept {
    return len == 0 ? 0 : ~std::uint64_t{0} << (64 - len);
}

std::uint32_t prefix_mask32(unsigned len) noexcept {
    return ~host_mask(32 - len);
}

std::uint64_t load64(const std::uint8_t* p) noexcept {
    return (std::uint64_t{common::load32(p)} << 32) | common::load32(p + 4);
}

// Grows `v` so that `needed` elements fit, keeping growth geometric.
template <typename T>
void ensure_capacity(std::vector<T>& v, std::size_t needed) {
    if (v.capacity() < needed) v.reserve(needed > 2 * v.capacity() ? needed : 2 * v.capacity());
}

// An IPv6 address (or prefix) as two big-endian 64-bit halves.
struct Halves {
    std::uint64_t hi;
    std::uint64_t lo;
};

Halves halves(const Ipv6Addr& a) noexcept {
    return {load64(a.bytes.data()), load64(a.bytes.data() + 8)};
}

Halves masked(Halves h, unsigned len) noexcept {
    return len <= 64 ? Halves{h.hi & prefix_mask64(len), 0} : Halves{h.hi, h.lo & prefix_mask64(len - 64)};
}

// splitmix64's finalizer: every input bit reaches every slot bit.
std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

std::uint64_t hash4(std::uint32_t key, unsigned len) noexcept {
    return mix((std::uint64_t{len} << 32) | key);
}

std::uint64_t hash6(std::uint64_t hi, std::uint64_t lo, unsigned len) noexcept {
    return mix(hi ^ mix(lo + len));
}

// The slot count for `entries` entries: a power of two, at most a quarter full.
std::size_t slot_count(std::size_t entries) {
    std::size_t n = 16;
    while (n < 4 * entries) n *= 2;
    return n;
}

std::string describe(const MapPair& e) {
    return fmt::format("map {} {}", to_string(e.v4), to_string(e.v6));
}

}  // namespace

void MapTable::place(std::vector<std::uint32_t>& slots, std::uint64_t hash, std::uint32_t index) noexcept {
    const std::size_t m = slots.size() - 1;
    std::size_t s = static_cast<std::size_t>(hash) & m;
    while (slots[s] != kNone) s = (s + 1) & m;
    slots[s] = index;
}

void MapTable::Lengths::insert(unsigned len) noexcept {
    unsigned i = 0;
    while (i < count && desc[i] > len) ++i;
    if (i < count && desc[i] == len) return;
    for (unsigned j = count; j > i; --j) desc[j] = desc[j - 1];
    desc[i] = static_cast<std::uint8_t>(len);
    ++count;
}

std::uint32_t MapTable::exact4(std::uint32_t key, unsigned len) const noexcept {
    if (slots4_.empty()) return kNone;
    const std::size_t m = slots4_.size() - 1;
    for (std::size_t s = static_cast<std::size_t>(hash4(key, len)) & m;; s = (s + 1) & m) {
        const std::uint32_t i = slots4_[s];
        if (i == kNone) return kNone;
        const Prefix4& p = pairs_[i].v4;
        if (p.len == len && p.addr.to_u32() == key) return i;
    }
}

std::uint32_t MapTable::exact6(std::uint64_t hi, std::uint64_t lo, unsigned len) const noexcept {
    if (slots6_.empty()) return kNone;
    const std::size_t m = slots6_.size() - 1;
    for (std::size_t s = static_cast<std::size_t>(hash6(hi, lo, len)) & m;; s = (s + 1) & m) {
        const std::uint32_t i = slots6_[s];
        if (i == kNone) return kNone;
        const Prefix6& p = pairs_[i].v6;
        if (p.len != len) continue;
        const Halves h = halves(p.addr);
        if (h.hi == hi && h.lo == lo) return i;
    }
}

std::uint32_t MapTable::longest4(const Ipv4Addr& a) const noexcept {
    const std::uint32_t a32 = a.to_u32();
    for (unsigned k = 0; k < lengths4_.count; ++k) {
        const unsigned len = lengths4_.desc[k];
        if (const std::uint32_t i = exact4(a32 & prefix_mask32(len), len); i != kNone) return i;
    }
    return kNone;
}

std::uint32_t MapTable::longest6(const Ipv6Addr& a) const noexcept {
    const Halves whole = halves(a);
    for (unsigned k = 0; k < lengths6_.count; ++k) {
        const unsigned len = lengths6_.desc[k];
        const Halves key = masked(whole, len);
        if (const std::uint32_t i = exact6(key.hi, key.lo, len); i != kNone) return i;
    }
    return kNone;
}

std::uint32_t MapTable::overlapping6(const Prefix6& p) const noexcept {
    // The IPv6 sides are disjoint prefixes, sorted by address. One that
    // overlaps p either contains p's first address (the last one starting
    // at or before it) or starts inside p (the first one after it).
    const auto after = std::upper_bound(by_v6_.begin(), by_v6_.end(), p.addr,
                                        [this](const Ipv6Addr& a, std::uint32_t i) { return a < pairs_[i].v6.addr; });
    if (after != by_v6_.begin() && pairs_[*(after - 1)].v6.contains(p.addr)) return *(after - 1);
    if (after != by_v6_.end() && p.contains(pairs_[*after].v6.addr)) return *after;
    return kNone;
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
    const auto clash = [this, &entry](std::uint32_t index, std::string_view how) {
        const MapEntry& old = added_[index];
        std::string msg = fmt::format("{} {} {}", describe(entry), how, describe(old));
        if (!old.pos.file.empty()) msg += fmt::format(" at {}:{}", old.pos.file, old.pos.line);
        return common::Error{std::move(msg)};
    };
    // The lookups compare whole prefixes: keep them with their host bits
    // clear even if a caller left some set (only the first len bits count).
    const MapPair pair{Prefix4{mask(entry.v4.addr, entry.v4.len), entry.v4.len},
                       Prefix6{mask(entry.v6.addr, entry.v6.len), entry.v6.len}};
    if (const auto same = exact4(pair.v4.addr.to_u32(), pair.v4.len); same != kNone)
        return clash(same, "conflicts with");
    if (const auto over = overlapping6(pair.v6); over != kNone) return clash(over, "overlaps");

    // Allocate everything first so that a bad_alloc leaves the table as it was.
    MapEntry copy = entry;
    const std::size_t n = pairs_.size() + 1;
    ensure_capacity(pairs_, n);
    ensure_capacity(added_, n);
    ensure_capacity(by_v6_, n);
    std::vector<std::uint32_t> grown4;
    std::vector<std::uint32_t> grown6;
    if (slots4_.size() < slot_count(n)) {
        grown4.assign(slot_count(n), kNone);
        grown6.assign(slot_count(n), kNone);
        for (std::uint32_t i = 0; i < pairs_.size(); ++i) {
            place(grown4, hash4(pairs_[i].v4.addr.to_u32(), pairs_[i].v4.len), i);
            const Halves h = halves(pairs_[i].v6.addr);
            place(grown6, hash6(h.hi, h.lo, pairs_[i].v6.len), i);
        }
    }

    // From here on nothing throws.
    if (!grown4.empty()) {
        slots4_.swap(grown4);
        slots6_.swap(grown6);
    }
    const auto index = static_cast<std::uint32_t>(pairs_.size());
    pairs_.push_back(pair);
    added_.push_back(std::move(copy));
    const auto at = std::upper_bound(by_v6_.begin(), by_v6_.end(), pair.v6.addr,
                                     [this](const Ipv6Addr& a, std::uint32_t i) { return a < pairs_[i].v6.addr; });
    by_v6_.insert(at, index);
    place(slots4_, hash4(pair.v4.addr.to_u32(), pair.v4.len), index);
    const Halves h = halves(pair.v6.addr);
    place(slots6_, hash6(h.hi, h.lo, pair.v6.len), index);
    lengths4_.insert(pair.v4.len);
    lengths6_.insert(pair.v6.len);
    return {};
}

const MapEntry* MapTable::find4(const Ipv4Addr& a) const noexcept {
    const std::uint32_t i = longest4(a);
    return i == kNone ? nullptr : &added_[i];
}

const MapEntry* MapTable::find6(const Ipv6Addr& a) const noexcept {
    const std::uint32_t i = longest6(a);
    return i == kNone ? nullptr : &added_[i];
}

std::optional<Ipv6Addr> MapTable::map_4to6(const Ipv4Addr& a) const noexcept {
    // RFC 7757 §3.3: keep the IPv4 suffix, put the IPv6 prefix in front. The
    // suffix lengths are equal (add()), so the suffix fills the low bits.
    const std::uint32_t i = longest4(a);
    if (i == kNone) return std::nullopt;
    const MapPair& e = pairs_[i];
    const std::uint32_t hm = host_mask(32 - e.v4.len);
    Ipv6Addr out = e.v6.addr;
    common::store32(out.bytes.data() + 12, (common::load32(out.bytes.data() + 12) & ~hm) | (a.to_u32() & hm));
    return out;
}

std::optional<Ipv4Addr> MapTable::map_6to4(const Ipv6Addr& a) const noexcept {
    // RFC 7757 §3.3, the other way: the IPv6 suffix is at most 32 bits.
    const std::uint32_t i = longest6(a);
    if (i == kNone) return std::nullopt;
    const MapPair& e = pairs_[i];
    const std::uint32_t hm = host_mask(128 - e.v6.len);
    return Ipv4Addr::from_u32((e.v4.addr.to_u32() & ~hm) | (common::load32(a.bytes.data() + 12) & hm));
}

}  // namespace nat64d::addr
