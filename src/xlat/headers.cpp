// Header builders and the transport checksum stage shared by the outer
// packet and the packet quoted in an ICMP error (RFC 7915 §4.3, §5.3: "the
// same function as the outer header").
#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/proto.hpp"
#include "xlat/stages.hpp"
#include "xlat/views.hpp"

namespace nat64d::xlat {

using common::load16;
using common::store16;

void write_ipv6_header(std::uint8_t* h, std::uint8_t traffic_class, std::uint16_t payload_len, std::uint8_t next_header,
                       std::uint8_t hop_limit, const Ipv6Addr& src, const Ipv6Addr& dst) noexcept {
    const Ipv6View ip{h};
    ip.set_version_class_flow(traffic_class, 0);  // flow label 0 (RFC 7915 §4.1)
    ip.set_payload_len(payload_len);
    ip.set_next_header(next_header);
    ip.set_hop_limit(hop_limit);
    ip.set_src(src);
    ip.set_dst(dst);
}

void write_frag_header(std::uint8_t* fh, std::uint8_t next_header, std::uint16_t offset_units, bool more,
                       std::uint32_t id) noexcept {
    FragHdrView{fh}.set(next_header, static_cast<std::uint16_t>((offset_units << 3) | (more ? 1 : 0)), id);
}

void write_ipv4_header(std::uint8_t* h, std::uint8_t tos, std::uint16_t total_len, std::uint16_t id,
                       std::uint16_t flags_offset, std::uint8_t ttl, std::uint8_t protocol, const Ipv4Addr& src,
                       const Ipv4Addr& dst) noexcept {
    const Ipv4View ip{h};
    ip.set_version_ihl(kIpv4HdrLen);
    ip.set_tos(tos);
    ip.set_total_len(total_len);
    ip.set_id(id);
    ip.set_frag_word(flags_offset);
    ip.set_ttl(ttl);
    ip.set_proto(protocol);
    ip.set_checksum(0);
    ip.set_src(src);
    ip.set_dst(dst);
    ip.set_checksum(common::csum_finish(common::csum_partial(h, kIpv4HdrLen)));
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
