#include "bpf/tables.hpp"

#include <algorithm>
#include <cstring>

#include "addr/rfc6052.hpp"

namespace nat64d::bpf {

namespace {

// The last address of addr/len: the bits after the prefix set (mask()
// gives the first).
template <class Addr>
Addr last_address(const Addr& a, unsigned len) {
    Addr ones;
    ones.bytes.fill(0xff);
    const Addr prefix_bits = mask(ones, len);
    Addr last = a;
    for (std::size_t i = 0; i < last.bytes.size(); ++i)
        last.bytes[i] = static_cast<std::uint8_t>(a.bytes[i] | ~prefix_bits.bytes[i]);
    return last;
}

}  // namespace

TableSet make_table_set(const xlat::Tables& t, std::span<const Prefix4> deny4) {
    TableSet out;
    nat64d_bpf_settings& s = out.settings;
    s.valid = 1;
    if (t.prefix && addr::is_valid_rfc6052_len(t.prefix->len)) {
        s.has_prefix = 1;
        s.prefix_len = static_cast<std::uint8_t>(t.prefix->len);
        // the bits after the prefix zero: the program copies the whole
        // prefix into an address and compares it without a byte count
        std::memcpy(s.prefix, mask(t.prefix->addr, t.prefix->len).bytes.data(), 16);
    }
    s.wkp_strict = t.prefix_is_wkp && t.wkpf_strict ? 1 : 0;
    std::memcpy(s.own4, t.ipv4_addr.bytes.data(), 4);
    std::memcpy(s.own6, t.ipv6_addr.bytes.data(), 16);
    if (t.pool != nullptr) {
        s.has_pool = 1;
        s.pool_len = static_cast<std::uint8_t>(t.pool->prefix().len);
        std::memcpy(s.pool4, t.pool->prefix().addr.bytes.data(), 4);
    }
    s.hairpin = t.hairpin ? 1 : 0;
    s.route_check = t.routes != nullptr ? 1 : 0;
    s.deny4 = NAT64D_BPF_DENY4_NONE;
    if (!t.deny4.empty()) {
        const bool listed = !deny4.empty() && std::all_of(deny4.begin(), deny4.end(),
                                                          [&t](const Prefix4& p) { return t.deny4.contains(p.addr); });
        s.deny4 = listed ? NAT64D_BPF_DENY4_LISTED : NAT64D_BPF_DENY4_UNKNOWN;
        if (listed) {
            for (const Prefix4& p : deny4) {
                nat64d_bpf_key4 k{};
                k.prefixlen = p.len;
                std::memcpy(k.addr, p.addr.bytes.data(), 4);
                out.deny4.push_back(k);
            }
        }
    }
    s.has_maps = t.maps.empty() ? 0 : 1;
    s.ipv4_mtu = t.ipv4_mtu;
    s.ipv6_mtu = t.ipv6_mtu;
    s.frag_mtu6 = std::min(t.lowest_ipv6_mtu, t.ipv6_mtu);

    // The span of the entries, per side: first and last address covered.
    std::array<std::uint8_t, 4> lo4{0xff, 0xff, 0xff, 0xff}, hi4{};
    std::array<std::uint8_t, 16> lo6{}, hi6{};
    lo6.fill(0xff);
    out.maps.reserve(t.maps.entries().size());
    for (const nat64d::MapPair& e : t.maps.entries()) {
        lo4 = std::min(lo4, mask(e.v4.addr, e.v4.len).bytes);
        hi4 = std::max(hi4, last_address(e.v4.addr, e.v4.len).bytes);
        lo6 = std::min(lo6, mask(e.v6.addr, e.v6.len).bytes);
        hi6 = std::max(hi6, last_address(e.v6.addr, e.v6.len).bytes);
        MapPair p;
        p.key4.prefixlen = e.v4.len;
        std::memcpy(p.key4.addr, e.v4.addr.bytes.data(), 4);
        std::memcpy(p.val4.v6, e.v6.addr.bytes.data(), 16);
        p.val4.len4 = e.v4.len;
        p.key6.prefixlen = e.v6.len;
        std::memcpy(p.key6.addr, e.v6.addr.bytes.data(), 16);
        std::memcpy(p.val6.v4, e.v4.addr.bytes.data(), 4);
        p.val6.len6 = e.v6.len;
        out.maps.push_back(p);
    }
    if (!out.maps.empty()) {
        std::memcpy(s.map4_lo, lo4.data(), 4);
        std::memcpy(s.map4_hi, hi4.data(), 4);
        std::memcpy(s.map6_lo, lo6.data(), 16);
        std::memcpy(s.map6_hi, hi6.data(), 16);
    }
    return out;
}

}  // namespace nat64d::bpf
