#include "addr/special.hpp"

namespace nat64d::addr {

bool is_reserved_ipv4(const Ipv4Addr& a) noexcept {
    const unsigned first = a.bytes[0];
    return first == 0                     // "this network", RFC 1122 §3.2.1.3
           || first == 127                // loopback, RFC 1122 §3.2.1.3
           || (first & 0xf0u) == 0xe0u    // multicast 224/4, RFC 5771
           || a.to_u32() == 0xffffffffu;  // limited broadcast, RFC 919
}

bool is_link_local_ipv4(const Ipv4Addr& a) noexcept {
    return a.bytes[0] == 169 && a.bytes[1] == 254;
}

bool is_reserved_ipv6(const Ipv6Addr& a) noexcept {
    const auto& b = a.bytes;
    // ::/8 (RFC 4291 §2.4: unspecified, loopback, IPv4-compatible/-mapped),
    // except 64:ff9b::/32, home of RFC 6052's well-known prefix and of
    // RFC 8215's local-use 64:ff9b:1::/48.
    if (b[0] == 0x00) return !(b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b);
    if (b[0] == 0xfe && (b[1] & 0xc0u) == 0x80u) return true;  // link-local fe80::/10, RFC 4291 §2.5.6
    return b[0] == 0xff;                                       // multicast ff00::/8, RFC 4291 §2.7
}

}  // namespace nat64d::addr
