#include "addr/route_view.hpp"

#include <fmt/format.h>

#include <map>

namespace nat64d::addr {
namespace {

// Bit `i` of a big-endian key, most significant first.
unsigned bit_at(const std::uint8_t* key, unsigned i) noexcept {
    return (unsigned{key[i / 8]} >> (7 - i % 8)) & 1u;
}

// The route the kernel would use of two to the same prefix: the local
// table is looked up first (ip rule priority 0), then the lower metric.
bool preferred(const KernelRoute& a, const KernelRoute& b) noexcept {
    if (a.local_table != b.local_table) return a.local_table;
    return a.priority < b.priority;
}

// The winning route per prefix of one family, sorted by prefix.
template <typename Prefix>
void keep_best(std::map<Prefix, KernelRoute>& best, const Prefix& p, const KernelRoute& r) {
    const auto [it, inserted] = best.try_emplace(p, r);
    if (!inserted && preferred(r, it->second)) it->second = r;
}

// Fills `out` with the routes of `best` that matter for the question
// "into the TUN device?": those into it, and those elsewhere inside one of
// them. `key`/`len` read a prefix's bytes and length.
template <typename Prefix>
void keep_relevant(const std::map<Prefix, KernelRoute>& best, PrefixTrie& out, std::vector<KernelRoute>& kept) {
    PrefixTrie tun;
    for (const auto& [p, r] : best) {
        if (r.into_tun) tun.insert(p.addr.bytes.data(), p.len, 1);
    }
    for (const auto& [p, r] : best) {
        // A route elsewhere matters only where a route into the device
        // would otherwise match: at its own prefix or a shorter one.
        if (!r.into_tun && tun.longest(p.addr.bytes.data(), p.len) <= 0) continue;
        out.insert(p.addr.bytes.data(), p.len, r.into_tun ? 1 : 0);
        kept.push_back(r);
    }
}

}  // namespace

PrefixTrie::PrefixTrie() : nodes_(1) {}

void PrefixTrie::insert(const std::uint8_t* key, unsigned len, std::int8_t value) {
    std::size_t n = 0;
    for (unsigned i = 0; i < len; ++i) {
        const unsigned b = bit_at(key, i);
        if (nodes_[n].child[b] < 0) {
            nodes_[n].child[b] = static_cast<std::int32_t>(nodes_.size());
            nodes_.push_back(Node{});
        }
        n = static_cast<std::size_t>(nodes_[n].child[b]);
    }
    if (nodes_[n].value < 0) ++entries_;
    nodes_[n].value = value;
}

std::int8_t PrefixTrie::longest(const std::uint8_t* key, unsigned bits) const noexcept {
    std::size_t n = 0;
    std::int8_t best = nodes_[0].value;
    for (unsigned i = 0; i < bits; ++i) {
        const std::int32_t next = nodes_[n].child[bit_at(key, i)];
        if (next < 0) break;
        n = static_cast<std::size_t>(next);
        if (nodes_[n].value >= 0) best = nodes_[n].value;
    }
    return best;
}

std::int8_t PrefixTrie::exact(const std::uint8_t* key, unsigned len) const noexcept {
    std::size_t n = 0;
    for (unsigned i = 0; i < len; ++i) {
        const std::int32_t next = nodes_[n].child[bit_at(key, i)];
        if (next < 0) return -1;
        n = static_cast<std::size_t>(next);
    }
    return nodes_[n].value;
}

RouteView RouteView::build(const std::vector<KernelRoute>& routes) {
    std::map<Prefix4, KernelRoute> best4;
    std::map<Prefix6, KernelRoute> best6;
    for (const auto& r : routes) {
        if (r.is_v6)
            keep_best(best6, r.v6, r);
        else
            keep_best(best4, r.v4, r);
    }
    RouteView view;
    keep_relevant(best4, view.v4_, view.kept_);
    keep_relevant(best6, view.v6_, view.kept_);
    return view;
}

std::string describe(const KernelRoute& r) {
    return fmt::format("{} {}{}", r.is_v6 ? to_string(r.v6) : to_string(r.v4),
                       r.into_tun ? "into the TUN device" : "elsewhere", r.local_table ? " (table local)" : "");
}

}  // namespace nat64d::addr
