// Addresses and message builders shared by the xlat fixture files.
#pragma once

#include <catch2/catch.hpp>

#include "harness.hpp"

namespace nat64d::test {

inline const Ipv6Addr kHost6 = v6("2001:db8::10");  // IPv6-only host, EAM 198.51.100.10
inline const Ipv4Addr kHost4 = v4("198.51.100.10");
inline const Ipv4Addr kServer4 = v4("192.0.2.33");  // IPv4 host, reached as 3fff:6464::c000:221
inline const Ipv6Addr kServer6 = v6("3fff:6464::c000:221");
inline const Ipv4Addr kRouter4 = v4("203.0.113.1");  // IPv4 router, seen as 3fff:6464::cb00:7101
inline const Ipv6Addr kRouter6 = v6("3fff:6464::cb00:7101");
inline const Ipv6Addr kRouter6Native = v6("2001:db8:ffff::1");  // IPv6 router with no IPv4 mapping
inline const Ipv4Addr kXlat4 = v4("192.0.2.1");
inline const Ipv6Addr kXlat6 = v6("3fff:6464::c000:201");
inline const Bytes kData{'n', 'a', 't', '6', '4', 'd', '!', 0x00, 0xff, 0x10, 0x20};

// An ICMP message with its checksum left 0 (seal4/seal6 fill it in):
// type, code, the 32-bit second word, body.
inline Bytes icmp_msg(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Bytes& body) {
    Bytes b{type,
            code,
            0,
            0,
            static_cast<std::uint8_t>(rest >> 24),
            static_cast<std::uint8_t>(rest >> 16),
            static_cast<std::uint8_t>(rest >> 8),
            static_cast<std::uint8_t>(rest)};
    return cat(b, body);
}

inline Bytes head(const Bytes& b, std::size_t n) {
    return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(std::min(n, b.size())));
}
inline Bytes tail(const Bytes& b, std::size_t from) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from), b.end());
}

inline void require_bytes(const Bytes& got, const Bytes& want) {
    INFO("got (" << got.size() << " bytes):\n" << hex(got) << "\nwant (" << want.size() << " bytes):\n" << hex(want));
    REQUIRE(got == want);
}

// The UDP datagram H6 -> S6 and its IPv4 translation, as quoted in errors.
inline Bytes quoted_udp6(std::uint8_t hop = 20, const Bytes& data = kData) {
    return ipv6({kHost6, kServer6, 17, hop}, seal6(udp(40000, 53, data), 17, kHost6, kServer6));
}
inline Bytes quoted_udp4(std::uint8_t ttl = 20, std::uint16_t id = 0, bool df = false, const Bytes& data = kData) {
    return ipv4({kHost4, kServer4, 17, ttl, 0, id, df}, seal4(udp(40000, 53, data), 17, kHost4, kServer4));
}

}  // namespace nat64d::test
