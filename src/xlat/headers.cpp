// Header builders and the transport checksum stage shared by the outer
// packet and the packet quoted in an ICMP error (RFC 7915 §4.3, §5.3: "the
// same function as the outer header").
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/proto.hpp"
#include "xlat/stages.hpp"

namespace nat64d::xlat {

using common::load16;
using common::store16;
using common::store32;

void write_ipv6_header(std::uint8_t* h, std::uint8_t traffic_class, std::uint16_t payload_len, std::uint8_t next_header,
                       std::uint8_t hop_limit, const Ipv6Addr& src, const Ipv6Addr& dst) noexcept {
    store32(h, (6u << 28) | (std::uint32_t{traffic_class} << 20));  // flow label 0 (RFC 7915 §4.1)
    store16(h + 4, payload_len);
    h[6] = next_header;
    h[7] = hop_limit;
    std::memcpy(h + 8, src.bytes.data(), 16);
    std::memcpy(h + 24, dst.bytes.data(), 16);
}

void write_frag_header(std::uint8_t* fh, std::uint8_t next_header, std::uint16_t offset_units, bool more,
                       std::uint32_t id) noexcept {
    fh[0] = next_header;
    fh[1] = 0;  // reserved
    store16(fh + 2, static_cast<std::uint16_t>((offset_units << 3) | (more ? 1 : 0)));
    store32(fh + 4, id);
}

void write_ipv4_header(std::uint8_t* h, std::uint8_t tos, std::uint16_t total_len, std::uint16_t id,
                       std::uint16_t flags_offset, std::uint8_t ttl, std::uint8_t protocol, const Ipv4Addr& src,
                       const Ipv4Addr& dst) noexcept {
    h[0] = 0x45;
    h[1] = tos;
    store16(h + 2, total_len);
    store16(h + 4, id);
    store16(h + 6, flags_offset);
    h[8] = ttl;
    h[9] = protocol;
    store16(h + 10, 0);
    std::memcpy(h + 12, src.bytes.data(), 4);
    std::memcpy(h + 16, dst.bytes.data(), 4);
    store16(h + 10, common::csum_finish(common::csum_partial(h, kIpv4HdrLen)));
}

void adjust_l4_checksum(std::uint8_t proto, std::uint8_t* l4, std::size_t avail, std::uint32_t old_addrs,
                        std::uint32_t new_addrs) noexcept {
    if (proto == proto::kTcp && avail >= kTcpCsumOffset + 2) {
        std::uint8_t* c = l4 + kTcpCsumOffset;
        store16(c, common::csum_update(load16(c), old_addrs, new_addrs));
    } else if (proto == proto::kUdp && avail >= kUdpCsumOffset + 2) {
        std::uint8_t* c = l4 + kUdpCsumOffset;
        if (const std::uint16_t old = load16(c); old != 0) {
            const std::uint16_t sum = common::csum_update(old, old_addrs, new_addrs);
            store16(c, sum == 0 ? 0xffff : sum);  // RFC 768: computed 0 is sent as all ones
        }
    }
}

}  // namespace nat64d::xlat
