#include "io/offload.hpp"

#include <algorithm>
#include <cstddef>

#include "common/bytes.hpp"
#include "common/checksum.hpp"

namespace nat64d::io {
namespace {

// The bytes of the IP datagram: its header's length when the read gave
// more (bytes behind it are not part of it, and the translator drops them;
// a checksum over them would be wrong), else what was read.
std::size_t datagram_length(const xlat::PacketBuf& pkt) noexcept {
    const std::uint8_t* p = pkt.data();
    std::size_t declared = pkt.length;
    if (pkt.length >= 20 && p[0] >> 4 == 4) declared = common::load16(p + 2);
    // IPv6 payload length 0: a jumbogram, translated by no one; keep it whole.
    if (pkt.length >= 40 && p[0] >> 4 == 6 && common::load16(p + 4) != 0)
        declared = 40 + std::size_t{common::load16(p + 4)};
    return std::min(declared, pkt.length);
}

// Where the TCP or UDP header of an unfragmented packet of family `v4`
// starts and which it is, or offset 0 when there is none. The virtio-net
// header's csum_start must name it for a partial checksum to be carried
// through the translation: the translator rewrites everything in front of
// it and, in it, only the checksum field (RFC 1624 updates).
struct Transport {
    std::size_t offset = 0;
    std::uint8_t proto = 0;
};
Transport transport_at(const xlat::PacketBuf& pkt, bool v4) noexcept {
    const std::uint8_t* p = pkt.data();
    // The whole transport header must lie inside the datagram, not merely
    // inside what was read (bytes behind the datagram are dropped by the
    // translator).
    const std::size_t len = datagram_length(pkt);
    std::uint8_t proto = 0;
    std::size_t off = 0;
    if (v4) {
        if (len < 20 || p[0] >> 4 != 4 || (common::load16(p + 6) & 0x3fff) != 0) return {};
        proto = p[9];
        off = std::size_t{p[0] & 0x0fu} * 4;
        if (off < 20) return {};
    } else {
        if (len < 40 || p[0] >> 4 != 6) return {};
        proto = p[6];
        off = 40;
        while (proto == 0 || proto == 43 || proto == 60) {  // hop-by-hop, routing, destination options
            if (off + 8 > len) return {};
            proto = p[off];
            off += (std::size_t{p[off + 1]} + 1) * 8;
        }
    }
    const std::size_t hdr = proto == 6 ? 20 : proto == 17 ? 8 : 0;
    if (hdr == 0 || off + hdr > len) return {};
    return {off, proto};
}

// The offset of the checksum field in a TCP or UDP header.
std::uint16_t csum_field_offset(std::uint8_t proto) noexcept {
    return proto == 6 ? 16 : 6;
}

// Whether an ordinary (not GSO) packet's partial checksum can stay partial:
// it sits in the TCP or UDP checksum field, the translated packet fits the
// MTU of the other side whole (a packet the translator must fragment, or
// refuse as too big, needs its real checksum first: fragments and quoted
// packets carry no partial checksum), and, for UDP, it cannot be taken
// for the zero checksum the translator treats specially (RFC 7915 §4.5:
// the complemented field is 0 only when the pseudo-header sum was 0xffff).
// Leaving it partial spares a sum over the whole payload per packet; the
// kernel (or the egress device) completes it.
bool keeps_partial(const xlat::Tables& t, const xlat::PacketBuf& pkt, const VnetHdr& in) noexcept {
    const bool v4 = pkt.length >= 1 && pkt.data()[0] >> 4 == 4;
    const Transport tr = transport_at(pkt, v4);
    if (tr.offset == 0 || in.csum_start != tr.offset || in.csum_offset != csum_field_offset(tr.proto)) return false;
    if (tr.proto == 17 && common::load16(pkt.data() + tr.offset + 6) == 0xffff) return false;
    const std::size_t l4_len = datagram_length(pkt) - tr.offset;
    if (v4) return 40 + l4_len <= std::min(t.lowest_ipv6_mtu, t.ipv6_mtu);
    return 20 + l4_len <= t.ipv4_mtu;
}

// Whether a super-packet's header describes what the packet is: a TCP
// segment of the family its type names, or a UDP datagram of either
// family (USO, no ECN), with its checksum left partial at the transport
// checksum field (virtio 1.0 §5.1.6.2: GSO needs NEEDS_CSUM); anything else
// cannot be segmented after translation and must not be rewritten as if
// it could.
bool super_packet_ok(const xlat::PacketBuf& pkt, const VnetHdr& in, std::uint8_t gso) noexcept {
    const bool udp = gso == kGsoUdpL4;
    const bool v4 = udp ? pkt.length >= 1 && pkt.data()[0] >> 4 == 4 : gso == kGsoTcpV4;
    const Transport tr = transport_at(pkt, v4);
    const bool ecn = (in.gso_type & kGsoEcn) != 0;
    return (in.flags & kVnetNeedsCsum) != 0 && tr.proto == (udp ? 17 : 6) && !(udp && ecn) &&
           in.csum_start == tr.offset && in.csum_offset == csum_field_offset(tr.proto);
}

// The header of the translated packet: the partial checksum and the
// segmentation carried to the new headers, `moved` bytes away (the payload
// stays where it was; only the headers in front of it change size).
VnetHdr header_out(const xlat::PacketBuf& pkt, const VnetHdr& in, std::uint8_t gso, bool partial,
                   std::ptrdiff_t moved) noexcept {
    VnetHdr out;
    if (partial) {
        out.flags = kVnetNeedsCsum;
        out.csum_start = static_cast<std::uint16_t>(in.csum_start + moved);
        out.csum_offset = in.csum_offset;
    }
    if (gso == kGsoNone) return out;
    if (gso == kGsoUdpL4) {
        out.gso_type = kGsoUdpL4;  // the same type for both families
    } else {
        const bool v4 = (pkt.data()[0] >> 4) == 4;
        out.gso_type = static_cast<std::uint8_t>((v4 ? kGsoTcpV4 : kGsoTcpV6) | (in.gso_type & kGsoEcn));
    }
    // hdr_len is a hint that may cover the whole linear part; it never
    // points past the packet, bytes read behind it included.
    out.hdr_len =
        static_cast<std::uint16_t>(std::min<std::size_t>(static_cast<std::size_t>(in.hdr_len + moved), pkt.length));
    out.gso_size = in.gso_size;
    return out;
}

}  // namespace

Offloaded translate_offloaded(const xlat::Tables& t, xlat::Context& ctx, xlat::PacketBuf& pkt,
                              const VnetHdr& in) noexcept {
    Offloaded r;
    const bool needs_csum = (in.flags & kVnetNeedsCsum) != 0;
    const std::uint8_t gso = in.gso_type & static_cast<std::uint8_t>(~kGsoEcn);
    if (gso != kGsoNone && gso != kGsoTcpV4 && gso != kGsoTcpV6 && gso != kGsoUdpL4) {
        r.offload_error = true;  // not offered (TUNSETOFFLOAD)
        return r;
    }
    if (gso != kGsoNone && !super_packet_ok(pkt, in, gso)) {
        r.offload_error = true;
        return r;
    }
    std::uint8_t* partial = nullptr;
    if (needs_csum) {
        const std::size_t at = std::size_t{in.csum_start} + in.csum_offset;
        const std::size_t length = datagram_length(pkt);
        if (in.csum_start > length || at + 2 > length) {
            r.offload_error = true;
            return r;
        }
        std::uint8_t* field = pkt.data() + at;
        if (gso == kGsoNone && !keeps_partial(t, pkt, in)) {
            const std::uint16_t sum =
                common::csum_finish(common::csum_partial(pkt.data() + in.csum_start, length - in.csum_start));
            common::store16(field, sum);
        } else {
            // Complemented around the translation: RFC 1624's update of a
            // checksum is then the same update of the partial sum.
            partial = field;
            common::store16(field, static_cast<std::uint16_t>(~common::load16(field)));
        }
    }
    pkt.gso = gso != kGsoNone;

    const std::size_t in_offset = pkt.offset;
    r.verdict = xlat::translate(t, ctx, pkt);
    if (r.verdict == Verdict::Forward && (partial != nullptr || gso != kGsoNone)) {
        if (partial != nullptr) common::store16(partial, static_cast<std::uint16_t>(~common::load16(partial)));
        const auto moved = static_cast<std::ptrdiff_t>(in_offset) - static_cast<std::ptrdiff_t>(pkt.offset);
        r.out = header_out(pkt, in, gso, partial != nullptr, moved);
    }
    return r;
}

}  // namespace nat64d::io
