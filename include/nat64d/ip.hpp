// Address vocabulary shared by every module: IPv4/IPv6 addresses and prefixes
// as plain byte arrays (network order), with parsing and printing.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nat64d {

struct Ipv4Addr {
    std::array<std::uint8_t, 4> bytes{};

    // Host-order 32-bit value; handy for arithmetic on pools and masks.
    [[nodiscard]] constexpr std::uint32_t to_u32() const noexcept {
        return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
               std::uint32_t{bytes[3]};
    }
    [[nodiscard]] static constexpr Ipv4Addr from_u32(std::uint32_t v) noexcept {
        return Ipv4Addr{{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                         static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}};
    }
    friend constexpr auto operator<=>(const Ipv4Addr&, const Ipv4Addr&) = default;
};

struct Ipv6Addr {
    std::array<std::uint8_t, 16> bytes{};
    friend constexpr auto operator<=>(const Ipv6Addr&, const Ipv6Addr&) = default;
};

// A prefix is stored with its host bits cleared, so equal prefixes compare equal.
struct Prefix4 {
    Ipv4Addr addr{};
    unsigned len = 32;

    [[nodiscard]] bool contains(const Ipv4Addr& a) const noexcept;
    [[nodiscard]] bool overlaps(const Prefix4& o) const noexcept;
    friend constexpr auto operator<=>(const Prefix4&, const Prefix4&) = default;
};

struct Prefix6 {
    Ipv6Addr addr{};
    unsigned len = 128;

    [[nodiscard]] bool contains(const Ipv6Addr& a) const noexcept;
    [[nodiscard]] bool overlaps(const Prefix6& o) const noexcept;
    friend constexpr auto operator<=>(const Prefix6&, const Prefix6&) = default;
};

// Parsers accept exactly the textual forms of inet_pton(3) (dotted quad for
// IPv4, RFC 4291 §2.2 text for IPv6) and "/len" for prefixes. A prefix whose
// host bits are set is accepted only when `allow_host_bits` is true; the
// returned prefix has its host bits cleared either way.
[[nodiscard]] std::optional<Ipv4Addr> parse_ipv4(std::string_view text);
[[nodiscard]] std::optional<Ipv6Addr> parse_ipv6(std::string_view text);
[[nodiscard]] std::optional<Prefix4> parse_prefix4(std::string_view text, bool allow_host_bits = false);
[[nodiscard]] std::optional<Prefix6> parse_prefix6(std::string_view text, bool allow_host_bits = false);

[[nodiscard]] std::string to_string(const Ipv4Addr& a);
[[nodiscard]] std::string to_string(const Ipv6Addr& a);  // RFC 5952 canonical form
[[nodiscard]] std::string to_string(const Prefix4& p);
[[nodiscard]] std::string to_string(const Prefix6& p);

// Clears the bits of `a` after the first `len` bits.
[[nodiscard]] Ipv4Addr mask(const Ipv4Addr& a, unsigned len) noexcept;
[[nodiscard]] Ipv6Addr mask(const Ipv6Addr& a, unsigned len) noexcept;

}  // namespace nat64d
