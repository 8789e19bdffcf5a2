// One RFC 7757 explicit address mapping as the translator uses it: an IPv4
// prefix and an IPv6 prefix with equal suffix lengths. No source position:
// the table the packet path reads (addr::MapTable) stores only these.
#pragma once

#include "nat64d/ip.hpp"

namespace nat64d {

struct MapPair {
    Prefix4 v4;
    Prefix6 v6;
    friend bool operator==(const MapPair&, const MapPair&) = default;
};

}  // namespace nat64d
