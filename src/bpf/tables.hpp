// What the kernel fast path needs of one generation of xlat::Tables, in the
// byte layout of its maps (fastpath_maps.h): a pure conversion, so that the
// loader (fastpath.hpp) only copies its result into the kernel, and so that
// it can be tested without privileges.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "bpf/fastpath_maps.h"
#include "nat64d/ip.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::bpf {

// One static map entry in both directions (LPM trie keys and values).
struct MapPair {
    nat64d_bpf_key4 key4{};
    nat64d_bpf_map4_val val4{};
    nat64d_bpf_key6 key6{};
    nat64d_bpf_map6_val val6{};
};

// One generation of the program's tables.
struct TableSet {
    nat64d_bpf_settings settings{};
    std::vector<MapPair> maps;
    std::vector<nat64d_bpf_key4> deny4;  // with settings.deny4 == NAT64D_BPF_DENY4_LISTED
};

// Converts `t` for the program. `route_check`: the daemon checks routing
// loops (t.routes set): the program then resolves every destination made
// from the prefix in the FIB and passes it to the daemon unless it leaves
// through another device. t.deny4 cannot be listed: `deny4` is the
// configuration's list (Config::deny4) that built it. Without that list
// (or with one that t.deny4 does not contain) every prefix translation goes
// to the daemon while t.deny4 has entries.
[[nodiscard]] TableSet make_table_set(const xlat::Tables& t, std::span<const Prefix4> deny4 = {});

// The counters of the program (fastpath_maps.h, NAT64D_BPF_COUNTERS).
inline constexpr std::size_t kCounterCount = NAT64D_BPF_COUNTER_COUNT;
struct CounterInfo {
    std::string_view name;
    std::string_view description;
};
inline constexpr std::array<CounterInfo, kCounterCount> kCounterInfo{{
#define NAT64D_BPF_COUNTER_INFO(name, desc) {#name, desc},
    NAT64D_BPF_COUNTERS(NAT64D_BPF_COUNTER_INFO)
#undef NAT64D_BPF_COUNTER_INFO
}};
using CounterValues = std::array<std::uint64_t, kCounterCount>;

}  // namespace nat64d::bpf
