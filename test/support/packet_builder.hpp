// PacketBuilder for tests: builds IPv4/IPv6 packets with TCP, UDP and ICMP
// payloads, computing every checksum from scratch with its own reference sum
// (independent of src/common/checksum.cpp, which the translator uses).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "nat64d/ip.hpp"
#include "support/addrs.hpp"

namespace nat64d::test {

using Bytes = std::vector<std::uint8_t>;

// RFC 1071 checksum, the plain way: sum 16-bit words, fold, complement.
inline std::uint16_t ref_checksum(const Bytes& data) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < data.size(); i += 2) {
        sum += (std::uint32_t{data[i]} << 8) | (i + 1 < data.size() ? data[i + 1] : 0u);
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

inline void put16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}
inline std::uint16_t get16(const Bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

inline Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

inline Bytes pseudo4(const Ipv4Addr& s, const Ipv4Addr& d, std::uint8_t proto, std::size_t len) {
    Bytes p(s.bytes.begin(), s.bytes.end());
    p.insert(p.end(), d.bytes.begin(), d.bytes.end());
    p.push_back(0);
    p.push_back(proto);
    p.push_back(static_cast<std::uint8_t>(len >> 8));
    p.push_back(static_cast<std::uint8_t>(len));
    return p;
}

inline Bytes pseudo6(const Ipv6Addr& s, const Ipv6Addr& d, std::uint8_t nh, std::size_t len) {
    Bytes p(s.bytes.begin(), s.bytes.end());
    p.insert(p.end(), d.bytes.begin(), d.bytes.end());
    p.insert(p.end(), {static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                       static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len), 0, 0, 0, nh});
    return p;
}

// L4 segments with their checksum left zero; seal4/seal6 fill it in.
inline Bytes icmp_echo(std::uint8_t type, std::uint16_t id, std::uint16_t seq, const Bytes& data) {
    Bytes b{type,
            0,
            0,
            0,
            static_cast<std::uint8_t>(id >> 8),
            static_cast<std::uint8_t>(id),
            static_cast<std::uint8_t>(seq >> 8),
            static_cast<std::uint8_t>(seq)};
    return cat(b, data);
}
inline Bytes udp(std::uint16_t sport, std::uint16_t dport, const Bytes& data) {
    Bytes b(8, 0);
    put16(b, 0, sport);
    put16(b, 2, dport);
    put16(b, 4, static_cast<std::uint16_t>(8 + data.size()));
    return cat(b, data);
}
inline Bytes tcp(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint8_t flags, const Bytes& data) {
    Bytes b(20, 0);
    put16(b, 0, sport);
    put16(b, 2, dport);
    put16(b, 4, static_cast<std::uint16_t>(seq >> 16));
    put16(b, 6, static_cast<std::uint16_t>(seq));
    b[12] = 5 << 4;
    b[13] = flags;
    put16(b, 14, 65535);
    return cat(b, data);
}

inline std::size_t csum_offset(std::uint8_t proto) {
    switch (proto) {
        case 6: return 16;
        case 17: return 6;
        default: return 2;  // ICMP, ICMPv6
    }
}

// Fills in the transport checksum. ICMPv4 has no pseudo-header (RFC 792).
inline Bytes seal4(Bytes l4, std::uint8_t proto, const Ipv4Addr& s, const Ipv4Addr& d) {
    const auto off = csum_offset(proto);
    put16(l4, off, 0);
    const Bytes sum_over = proto == 1 ? l4 : cat(pseudo4(s, d, proto, l4.size()), l4);
    std::uint16_t c = ref_checksum(sum_over);
    if (proto == 17 && c == 0) c = 0xffff;
    put16(l4, off, c);
    return l4;
}
inline Bytes seal6(Bytes l4, std::uint8_t nh, const Ipv6Addr& s, const Ipv6Addr& d) {
    const auto off = csum_offset(nh);
    put16(l4, off, 0);
    std::uint16_t c = ref_checksum(cat(pseudo6(s, d, nh, l4.size()), l4));
    if (nh == 17 && c == 0) c = 0xffff;
    put16(l4, off, c);
    return l4;
}

struct Ip4Hdr {
    Ipv4Addr src, dst;
    std::uint8_t proto = 1;
    std::uint8_t ttl = 64;
    std::uint8_t tos = 0;
    std::uint16_t id = 0;
    bool df = false;
    bool mf = false;
    std::uint16_t frag_offset = 0;  // 8-octet units
    Bytes options;                  // multiple of 4 bytes
};

inline Bytes ipv4(const Ip4Hdr& h, const Bytes& payload) {
    const std::size_t ihl = 20 + h.options.size();
    Bytes b(ihl, 0);
    b[0] = static_cast<std::uint8_t>(0x40 | (ihl / 4));
    b[1] = h.tos;
    put16(b, 2, static_cast<std::uint16_t>(ihl + payload.size()));
    put16(b, 4, h.id);
    put16(b, 6, static_cast<std::uint16_t>((h.df ? 0x4000 : 0) | (h.mf ? 0x2000 : 0) | h.frag_offset));
    b[8] = h.ttl;
    b[9] = h.proto;
    std::copy(h.src.bytes.begin(), h.src.bytes.end(), b.begin() + 12);
    std::copy(h.dst.bytes.begin(), h.dst.bytes.end(), b.begin() + 16);
    std::copy(h.options.begin(), h.options.end(), b.begin() + 20);
    put16(b, 10, ref_checksum(b));
    return cat(b, payload);
}

struct Ip6Hdr {
    Ipv6Addr src, dst;
    std::uint8_t nh = 58;
    std::uint8_t hop = 64;
    std::uint8_t tc = 0;
    std::uint32_t flow = 0;
};

// `payload` includes any extension headers; nh is the first header's number.
inline Bytes ipv6(const Ip6Hdr& h, const Bytes& payload) {
    Bytes b(40, 0);
    const std::uint32_t w = (6u << 28) | (std::uint32_t{h.tc} << 20) | (h.flow & 0xfffff);
    b[0] = static_cast<std::uint8_t>(w >> 24);
    b[1] = static_cast<std::uint8_t>(w >> 16);
    b[2] = static_cast<std::uint8_t>(w >> 8);
    b[3] = static_cast<std::uint8_t>(w);
    put16(b, 4, static_cast<std::uint16_t>(payload.size()));
    b[6] = h.nh;
    b[7] = h.hop;
    std::copy(h.src.bytes.begin(), h.src.bytes.end(), b.begin() + 8);
    std::copy(h.dst.bytes.begin(), h.dst.bytes.end(), b.begin() + 24);
    return cat(b, payload);
}

// RFC 8200 §4.5 Fragment Header.
inline Bytes frag_hdr(std::uint8_t nh, std::uint16_t offset, bool more, std::uint32_t id) {
    Bytes b(8, 0);
    b[0] = nh;
    put16(b, 2, static_cast<std::uint16_t>((offset << 3) | (more ? 1 : 0)));
    b[4] = static_cast<std::uint8_t>(id >> 24);
    b[5] = static_cast<std::uint8_t>(id >> 16);
    b[6] = static_cast<std::uint8_t>(id >> 8);
    b[7] = static_cast<std::uint8_t>(id);
    return b;
}

// Hex dump for readable failure messages.
inline std::string hex(const Bytes& b) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i && i % 16 == 0)
            s += '\n';
        else if (i)
            s += ' ';
        s += digits[b[i] >> 4];
        s += digits[b[i] & 15];
    }
    return s;
}

inline Bytes from_hex(const std::string& text) {
    Bytes b;
    int hi = -1;
    for (char c : text) {
        int v = -1;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        if (v < 0) continue;
        if (hi < 0)
            hi = v;
        else {
            b.push_back(static_cast<std::uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    return b;
}

}  // namespace nat64d::test
