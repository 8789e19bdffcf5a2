// ICMP errors about the fixtures' flows as each side sees them, and their
// expected translations: shared by the ICMP and quoted-packet tests.
#pragma once

#include "fixtures.hpp"

namespace nat64d::test {

// An ICMPv4 error from the IPv4 router about the packet H -> S (as the
// IPv4 side saw it), and its expected ICMPv6 translation to H.
inline Bytes error4(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Bytes& quoted = quoted_udp4()) {
    return ipv4({kRouter4, kHost4, 1, 64}, seal4(icmp_msg(type, code, rest, quoted), 1, kRouter4, kHost4));
}
inline Bytes want6(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Bytes& quoted = quoted_udp6()) {
    return ipv6({kRouter6, kHost6, 58, 63}, seal6(icmp_msg(type, code, rest, quoted), 58, kRouter6, kHost6));
}

// An ICMPv6 error from an IPv6 router (no IPv4 mapping: RFC 6791 source
// 192.0.2.1) about the packet S -> H as the IPv6 side saw it, and its
// expected ICMPv4 translation to S.
inline Bytes quoted_back6(const Bytes& data = kData) {
    return ipv6({kServer6, kHost6, 17, 20}, seal6(udp(53, 40000, data), 17, kServer6, kHost6));
}
inline Bytes quoted_back4(const Bytes& data = kData) {
    return ipv4({kServer4, kHost4, 17, 20, 0, 0}, seal4(udp(53, 40000, data), 17, kServer4, kHost4));
}
inline Bytes error6(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Bytes& quoted = quoted_back6()) {
    return ipv6({kRouter6Native, kServer6, 58, 64},
                seal6(icmp_msg(type, code, rest, quoted), 58, kRouter6Native, kServer6));
}
inline Bytes want4(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Bytes& quoted = quoted_back4()) {
    return ipv4({kXlat4, kServer4, 1, 63, 0, test_id()},
                seal4(icmp_msg(type, code, rest, quoted), 1, kXlat4, kServer4));
}

}  // namespace nat64d::test
