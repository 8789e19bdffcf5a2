// What the daemon puts on the TUN device at start (`tun-ip`, `tun-route`),
// and how netlink reports addresses and routes back. Kept apart from
// config.hpp so that netlink does not depend on the configuration schema.
#pragma once

#include "nat64d/ip.hpp"

namespace nat64d {

// `tun-ip`: an address (with prefix length) put on the TUN device.
struct TunIp {
    bool is_v6 = false;
    Ipv4Addr v4;              // the host address, when !is_v6
    Ipv6Addr v6;              // the host address, when is_v6
    unsigned prefix_len = 0;  // on-link prefix length (default /32 or /128)
    friend bool operator==(const TunIp&, const TunIp&) = default;
};

// `tun-route`: a route pointed at the TUN device.
struct TunRoute {
    bool is_v6 = false;
    Prefix4 v4;
    Prefix6 v6;
    friend bool operator==(const TunRoute&, const TunRoute&) = default;
};

}  // namespace nat64d
