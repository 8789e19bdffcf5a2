#include "nat64d/ip.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace nat64d {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> mask_bytes(const std::array<std::uint8_t, N>& in, unsigned len) noexcept {
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
        const unsigned bit = static_cast<unsigned>(i) * 8;
        if (len >= bit + 8) {
            out[i] = in[i];
        } else if (len > bit) {
            out[i] = static_cast<std::uint8_t>(in[i] & (0xffu << (8 - (len - bit))));
        }
    }
    return out;
}

// Splits "addr/len" and parses len in [0, max_len]; no length means max_len.
bool split_prefix(std::string_view text, unsigned max_len, std::string_view& addr, unsigned& len) {
    const auto slash = text.find('/');
    addr = text.substr(0, slash);
    len = max_len;
    if (slash == std::string_view::npos) return true;
    const auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return false;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    return ec == std::errc{} && ptr == digits.data() + digits.size() && len <= max_len;
}

}  // namespace

Ipv4Addr mask(const Ipv4Addr& a, unsigned len) noexcept {
    return Ipv4Addr{mask_bytes(a.bytes, len)};
}
Ipv6Addr mask(const Ipv6Addr& a, unsigned len) noexcept {
    return Ipv6Addr{mask_bytes(a.bytes, len)};
}

bool Prefix4::contains(const Ipv4Addr& a) const noexcept {
    return mask(a, len) == addr;
}
bool Prefix6::contains(const Ipv6Addr& a) const noexcept {
    return mask(a, len) == addr;
}
bool Prefix4::overlaps(const Prefix4& o) const noexcept {
    return len <= o.len ? contains(o.addr) : o.contains(addr);
}
bool Prefix6::overlaps(const Prefix6& o) const noexcept {
    return len <= o.len ? contains(o.addr) : o.contains(addr);
}

std::optional<Ipv4Addr> parse_ipv4(std::string_view text) {
    if (text.size() >= INET_ADDRSTRLEN) return std::nullopt;
    const std::string s{text};
    Ipv4Addr a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
}

std::optional<Ipv6Addr> parse_ipv6(std::string_view text) {
    if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    const std::string s{text};
    Ipv6Addr a;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
}

std::optional<Prefix4> parse_prefix4(std::string_view text, bool allow_host_bits) {
    std::string_view addr_text;
    unsigned len = 0;
    if (!split_prefix(text, 32, addr_text, len)) return std::nullopt;
    const auto a = parse_ipv4(addr_text);
    if (!a) return std::nullopt;
    const Prefix4 p{mask(*a, len), len};
    if (!allow_host_bits && p.addr != *a) return std::nullopt;
    return p;
}

std::optional<Prefix6> parse_prefix6(std::string_view text, bool allow_host_bits) {
    std::string_view addr_text;
    unsigned len = 0;
    if (!split_prefix(text, 128, addr_text, len)) return std::nullopt;
    const auto a = parse_ipv6(addr_text);
    if (!a) return std::nullopt;
    const Prefix6 p{mask(*a, len), len};
    if (!allow_host_bits && p.addr != *a) return std::nullopt;
    return p;
}

std::string to_string(const Ipv4Addr& a) {
    char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, a.bytes.data(), buf, sizeof buf);
}

std::string to_string(const Ipv6Addr& a) {
    // glibc's inet_ntop follows RFC 5952 (longest zero run, lower case).
    char buf[INET6_ADDRSTRLEN];
    return inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf);
}

std::string to_string(const Prefix4& p) {
    return to_string(p.addr) + "/" + std::to_string(p.len);
}
std::string to_string(const Prefix6& p) {
    return to_string(p.addr) + "/" + std::to_string(p.len);
}

}  // namespace nat64d
