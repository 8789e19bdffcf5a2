// Address literals for tests: v4("192.0.2.1"), v6("2001:db8::1"),
// p4("198.51.100.0/24"), p6("3fff:6464::/96"). A typo in a test throws
// (Catch reports it) instead of dereferencing an empty optional.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "nat64d/ip.hpp"

namespace nat64d::test {

template <typename T>
T must(const std::optional<T>& v, std::string_view what, std::string_view text) {
    if (!v) throw std::invalid_argument("test literal is not " + std::string(what) + ": " + std::string(text));
    return *v;
}

inline Ipv4Addr v4(std::string_view s) {
    return must(parse_ipv4(s), "an IPv4 address", s);
}
inline Ipv6Addr v6(std::string_view s) {
    return must(parse_ipv6(s), "an IPv6 address", s);
}
inline Prefix4 p4(std::string_view s) {
    return must(parse_prefix4(s), "an IPv4 prefix", s);
}
inline Prefix6 p6(std::string_view s) {
    return must(parse_prefix6(s), "an IPv6 prefix", s);
}

}  // namespace nat64d::test
