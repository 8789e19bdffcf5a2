// What the kernel does with a destination address, as far as the routing
// loop check needs it (docs/rfc-compliance.md, "Routing loops"): is it
// routed into the translator's own TUN device? A snapshot of the routes
// into the device and of the more specific routes elsewhere that punch
// holes in them, looked up by longest-prefix match (binary tries). The
// daemon builds one from a netlink route dump; the translator only reads
// it, so it never makes a system call per packet.
//
// PrefixSet is the same longest-prefix match for a set of IPv4 prefixes
// (the deny4 directive).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nat64d/ip.hpp"

namespace nat64d::addr {

// A binary trie over address bits (most significant first) whose entries
// carry a small value. Shared by RouteView and PrefixSet.
class PrefixTrie {
public:
    PrefixTrie();
    // Stores `value` at key/len, replacing what was there.
    void insert(const std::uint8_t* key, unsigned len, std::int8_t value);
    // The value of the longest entry that contains the `bits`-bit key, or -1.
    [[nodiscard]] std::int8_t longest(const std::uint8_t* key, unsigned bits) const noexcept;
    // The value stored at exactly key/len, or -1.
    [[nodiscard]] std::int8_t exact(const std::uint8_t* key, unsigned len) const noexcept;
    [[nodiscard]] std::size_t entries() const noexcept { return entries_; }

private:
    struct Node {
        std::int32_t child[2] = {-1, -1};
        std::int8_t value = -1;
    };
    std::vector<Node> nodes_;
    std::size_t entries_ = 0;
};

// A set of IPv4 prefixes: is an address inside any of them?
class PrefixSet4 {
public:
    void add(const Prefix4& p) { trie_.insert(p.addr.bytes.data(), p.len, 1); }
    [[nodiscard]] bool contains(const Ipv4Addr& a) const noexcept { return trie_.longest(a.bytes.data(), 32) > 0; }
    [[nodiscard]] bool empty() const noexcept { return trie_.entries() == 0; }

private:
    PrefixTrie trie_;
};

// One route as the kernel reported it: its destination prefix (one
// family), whether it sends packets into the TUN device, and how it ranks
// against another route to the same prefix.
struct KernelRoute {
    bool is_v6 = false;
    Prefix4 v4;
    Prefix6 v6;
    bool into_tun = false;       // unicast, a nexthop on the TUN device
    bool local_table = false;    // table local: consulted before main (rule 0)
    std::uint32_t priority = 0;  // metric: the lower wins among equal prefixes
    friend bool operator==(const KernelRoute&, const KernelRoute&) = default;
};

class RouteView {
public:
    // Keeps the routes into the TUN device and the routes elsewhere that
    // lie inside one of them (equal or longer prefix); the others cannot
    // change a lookup's answer. Among routes to the same prefix the local
    // table wins, then the lower metric (the kernel's choice).
    static RouteView build(const std::vector<KernelRoute>& routes);

    // Whether the longest matching route sends `a` into the TUN device.
    [[nodiscard]] bool into_tun(const Ipv4Addr& a) const noexcept { return v4_.longest(a.bytes.data(), 32) > 0; }
    [[nodiscard]] bool into_tun(const Ipv6Addr& a) const noexcept { return v6_.longest(a.bytes.data(), 128) > 0; }

    // Routes kept, per family (into the TUN device and holes in them).
    [[nodiscard]] std::size_t size4() const noexcept { return v4_.entries(); }
    [[nodiscard]] std::size_t size6() const noexcept { return v6_.entries(); }
    // The kept routes, for comparing two snapshots and for `-d` logging.
    [[nodiscard]] const std::vector<KernelRoute>& kept() const noexcept { return kept_; }

private:
    PrefixTrie v4_;
    PrefixTrie v6_;
    std::vector<KernelRoute> kept_;
};

// "198.51.100.0/24 into the TUN device" / "... elsewhere", for logs.
[[nodiscard]] std::string describe(const KernelRoute& r);

}  // namespace nat64d::addr
