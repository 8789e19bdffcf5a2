// Typed views over packet headers (internal to xlat). A view names the
// fields of a header that starts at a byte pointer; it reads and writes
// through common/bytes.hpp (never a cast onto packet bytes) and does no
// bounds checking: the caller has checked that the header is present.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"
#include "nat64d/ip.hpp"
#include "xlat/proto.hpp"

namespace nat64d::xlat {

// RFC 791 §3.1: the IPv4 header.
template <typename Byte>
class BasicIpv4View {
public:
    explicit BasicIpv4View(Byte* p) noexcept : p_(p) {}

    [[nodiscard]] Byte* data() const noexcept { return p_; }
    [[nodiscard]] std::uint8_t version() const noexcept { return static_cast<std::uint8_t>(p_[0] >> 4); }
    [[nodiscard]] std::size_t ihl() const noexcept { return std::size_t{p_[0] & 0x0fu} * 4; }  // in bytes
    [[nodiscard]] std::uint8_t tos() const noexcept { return p_[1]; }
    [[nodiscard]] std::uint16_t total_len() const noexcept { return common::load16(p_ + 2); }
    [[nodiscard]] std::uint16_t id() const noexcept { return common::load16(p_ + 4); }
    [[nodiscard]] std::uint16_t frag_word() const noexcept { return common::load16(p_ + 6); }  // flags + offset
    [[nodiscard]] bool df() const noexcept { return (frag_word() & kIpv4FlagDf) != 0; }
    [[nodiscard]] bool more_frags() const noexcept { return (frag_word() & kIpv4FlagMf) != 0; }
    [[nodiscard]] std::uint16_t frag_offset() const noexcept {  // in 8-octet units
        return static_cast<std::uint16_t>(frag_word() & kIpv4OffsetMask);
    }
    [[nodiscard]] bool fragmented() const noexcept { return more_frags() || frag_offset() != 0; }
    [[nodiscard]] std::uint8_t ttl() const noexcept { return p_[8]; }
    [[nodiscard]] std::uint8_t proto() const noexcept { return p_[9]; }
    [[nodiscard]] Ipv4Addr src() const noexcept { return addr_at(12); }
    [[nodiscard]] Ipv4Addr dst() const noexcept { return addr_at(16); }
    [[nodiscard]] Byte* options() const noexcept { return p_ + kIpv4HdrLen; }

    // RFC 791: version 4, header length in 32-bit words.
    void set_version_ihl(std::size_t ihl_bytes) const noexcept {
        p_[0] = static_cast<std::uint8_t>(0x40 | (ihl_bytes / 4));
    }
    void set_tos(std::uint8_t v) const noexcept { p_[1] = v; }
    void set_id(std::uint16_t v) const noexcept { common::store16(p_ + 4, v); }
    void set_proto(std::uint8_t v) const noexcept { p_[9] = v; }
    void set_ttl(std::uint8_t v) const noexcept { p_[8] = v; }
    void set_src(const Ipv4Addr& a) const noexcept { std::copy(a.bytes.begin(), a.bytes.end(), p_ + 12); }
    void set_dst(const Ipv4Addr& a) const noexcept { std::copy(a.bytes.begin(), a.bytes.end(), p_ + 16); }
    void set_checksum(std::uint16_t v) const noexcept { common::store16(p_ + 10, v); }
    void set_total_len(std::uint16_t v) const noexcept { common::store16(p_ + 2, v); }
    void set_frag_word(std::uint16_t v) const noexcept { common::store16(p_ + 6, v); }

private:
    [[nodiscard]] Ipv4Addr addr_at(std::size_t off) const noexcept {
        Ipv4Addr a;
        std::copy(p_ + off, p_ + off + a.bytes.size(), a.bytes.begin());
        return a;
    }
    Byte* p_;
};
using Ipv4View = BasicIpv4View<std::uint8_t>;
using ConstIpv4View = BasicIpv4View<const std::uint8_t>;

// RFC 8200 §3: the IPv6 header.
template <typename Byte>
class BasicIpv6View {
public:
    explicit BasicIpv6View(Byte* p) noexcept : p_(p) {}

    [[nodiscard]] Byte* data() const noexcept { return p_; }
    [[nodiscard]] std::uint8_t version() const noexcept { return static_cast<std::uint8_t>(p_[0] >> 4); }
    [[nodiscard]] std::uint8_t traffic_class() const noexcept {
        return static_cast<std::uint8_t>(common::load16(p_) >> 4);
    }
    [[nodiscard]] std::uint16_t payload_len() const noexcept { return common::load16(p_ + 4); }
    [[nodiscard]] std::uint8_t next_header() const noexcept { return p_[6]; }
    [[nodiscard]] std::uint8_t hop_limit() const noexcept { return p_[7]; }
    [[nodiscard]] Ipv6Addr src() const noexcept { return addr_at(8); }
    [[nodiscard]] Ipv6Addr dst() const noexcept { return addr_at(24); }

    // Version 6, the traffic class and the flow label.
    void set_version_class_flow(std::uint8_t traffic_class, std::uint32_t flow_label) const noexcept {
        common::store32(p_, (6u << 28) | (std::uint32_t{traffic_class} << 20) | (flow_label & 0xfffff));
    }
    void set_next_header(std::uint8_t v) const noexcept { p_[6] = v; }
    void set_hop_limit(std::uint8_t v) const noexcept { p_[7] = v; }
    void set_payload_len(std::uint16_t v) const noexcept { common::store16(p_ + 4, v); }
    void set_src(const Ipv6Addr& a) const noexcept { std::copy(a.bytes.begin(), a.bytes.end(), p_ + 8); }
    void set_dst(const Ipv6Addr& a) const noexcept { std::copy(a.bytes.begin(), a.bytes.end(), p_ + 24); }

private:
    [[nodiscard]] Ipv6Addr addr_at(std::size_t off) const noexcept {
        Ipv6Addr a;
        std::copy(p_ + off, p_ + off + a.bytes.size(), a.bytes.begin());
        return a;
    }
    Byte* p_;
};
using Ipv6View = BasicIpv6View<std::uint8_t>;
using ConstIpv6View = BasicIpv6View<const std::uint8_t>;

// RFC 8200 §4.5: the Fragment Header.
template <typename Byte>
class BasicFragHdrView {
public:
    explicit BasicFragHdrView(Byte* p) noexcept : p_(p) {}

    [[nodiscard]] std::uint8_t next_header() const noexcept { return p_[0]; }
    [[nodiscard]] std::uint16_t offset_word() const noexcept { return common::load16(p_ + 2); }  // offset + M
    [[nodiscard]] std::uint16_t offset() const noexcept {                                        // in 8-octet units
        return static_cast<std::uint16_t>(offset_word() >> 3);
    }
    [[nodiscard]] bool more_frags() const noexcept { return (offset_word() & 1) != 0; }
    [[nodiscard]] std::uint32_t id() const noexcept { return common::load32(p_ + 4); }

    // Next Header, the reserved byte 0, offset + M and the ID.
    void set(std::uint8_t next_header, std::uint16_t offset_word, std::uint32_t id) const noexcept {
        p_[0] = next_header;
        p_[1] = 0;
        set_offset_word(offset_word);
        common::store32(p_ + 4, id);
    }
    void set_offset_word(std::uint16_t v) const noexcept { common::store16(p_ + 2, v); }

private:
    Byte* p_;
};
using FragHdrView = BasicFragHdrView<std::uint8_t>;
using ConstFragHdrView = BasicFragHdrView<const std::uint8_t>;

// RFC 8200 §4.3-§4.6: the common start of the Hop-by-Hop, Routing and
// Destination Options headers.
class ExtHdrView {
public:
    explicit ExtHdrView(const std::uint8_t* p) noexcept : p_(p) {}

    [[nodiscard]] std::uint8_t next_header() const noexcept { return p_[0]; }
    [[nodiscard]] std::size_t length() const noexcept { return (std::size_t{p_[1]} + 1) * 8; }  // in bytes
    // Routing header only (RFC 8200 §4.4).
    [[nodiscard]] std::uint8_t segments_left() const noexcept { return p_[kSegmentsLeftOffset]; }
    static constexpr std::size_t kSegmentsLeftOffset = 3;

private:
    const std::uint8_t* p_;
};

// RFC 792 / RFC 4443 §2.1: the ICMP header common to both versions.
template <typename Byte>
class BasicIcmpView {
public:
    explicit BasicIcmpView(Byte* p) noexcept : p_(p) {}

    [[nodiscard]] Byte* data() const noexcept { return p_; }
    [[nodiscard]] std::uint8_t type() const noexcept { return p_[0]; }
    [[nodiscard]] std::uint8_t code() const noexcept { return p_[1]; }
    [[nodiscard]] std::uint32_t rest() const noexcept { return common::load32(p_ + 4); }  // bytes 4-7
    // RFC 1191 §4 / RFC 4443 §3.2: the MTU field.
    [[nodiscard]] std::uint16_t mtu4() const noexcept { return common::load16(p_ + 6); }
    [[nodiscard]] std::uint32_t mtu6() const noexcept { return rest(); }
    // RFC 792: the Parameter Problem pointer (byte 4).
    [[nodiscard]] std::uint8_t pointer4() const noexcept { return p_[4]; }

    // Writes type, code and bytes 4-7, checksum field 0.
    void set_header(std::uint8_t type, std::uint8_t code, std::uint32_t rest) const noexcept {
        p_[0] = type;
        p_[1] = code;
        common::store16(p_ + kIcmpCsumOffset, 0);
        common::store32(p_ + 4, rest);
    }
    void set_checksum(std::uint16_t v) const noexcept { common::store16(p_ + kIcmpCsumOffset, v); }

private:
    Byte* p_;
};
using IcmpView = BasicIcmpView<std::uint8_t>;
using ConstIcmpView = BasicIcmpView<const std::uint8_t>;

}  // namespace nat64d::xlat
