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

// Where the TCP header of a super-packet of family `v4` starts, or 0 when
// the packet is not an unfragmented TCP segment of that family. The
// virtio-net header's csum_start must name it: the partial checksum is
// carried through the translation only there (the translator rewrites
// everything in front of it), and only TCP is segmented (TSO).
std::size_t tcp_offset(const xlat::PacketBuf& pkt, bool v4) noexcept {
    const std::uint8_t* p = pkt.data();
    // The whole TCP header must lie inside the datagram, not merely inside
    // what was read (bytes behind the datagram are dropped by the translator).
    const std::size_t len = datagram_length(pkt);
    if (v4) {
        if (len < 20 || p[0] >> 4 != 4 || p[9] != 6 || (common::load16(p + 6) & 0x3fff) != 0) return 0;
        const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
        return ihl >= 20 && ihl + 20 <= len ? ihl : 0;
    }
    if (len < 40 || p[0] >> 4 != 6) return 0;
    std::uint8_t nh = p[6];
    std::size_t off = 40;
    while (nh == 0 || nh == 43 || nh == 60) {  // hop-by-hop, routing, destination options
        if (off + 8 > len) return 0;
        nh = p[off];
        off += (std::size_t{p[off + 1]} + 1) * 8;
    }
    return nh == 6 && off + 20 <= len ? off : 0;
}

}  // namespace

Offloaded translate_offloaded(const xlat::Tables& t, xlat::Context& ctx, xlat::PacketBuf& pkt,
                              const VnetHdr& in) noexcept {
    Offloaded r;
    const bool needs_csum = (in.flags & kVnetNeedsCsum) != 0;
    const std::uint8_t gso = in.gso_type & static_cast<std::uint8_t>(~kGsoEcn);
    if (gso != kGsoNone && gso != kGsoTcpV4 && gso != kGsoTcpV6) {
        r.offload_error = true;  // not offered (TUNSETOFFLOAD)
        return r;
    }
    // A super-packet is a TCP segment of the family its type names, with
    // its checksum left partial at the TCP checksum field (virtio 1.0
    // §5.1.6.2: GSO needs NEEDS_CSUM); anything else cannot be segmented
    // after translation and must not be rewritten as if it could.
    if (gso != kGsoNone) {
        const std::size_t tcp = tcp_offset(pkt, gso == kGsoTcpV4);
        if (!needs_csum || tcp == 0 || in.csum_start != tcp || in.csum_offset != 16) {
            r.offload_error = true;
            return r;
        }
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
        if (gso == kGsoNone) {
            const std::uint16_t sum =
                common::csum_finish(common::csum_partial(pkt.data() + in.csum_start, length - in.csum_start));
            common::store16(field, sum);
        } else {
            partial = field;
            common::store16(field, static_cast<std::uint16_t>(~common::load16(field)));
        }
    }
    pkt.gso = gso != kGsoNone;

    const std::size_t in_offset = pkt.offset;
    r.verdict = xlat::translate(t, ctx, pkt);
    if (r.verdict == Verdict::Forward && (partial != nullptr || gso != kGsoNone)) {
        const auto moved = static_cast<std::ptrdiff_t>(in_offset) - static_cast<std::ptrdiff_t>(pkt.offset);
        if (partial != nullptr) {
            common::store16(partial, static_cast<std::uint16_t>(~common::load16(partial)));
            r.out.flags = kVnetNeedsCsum;
            r.out.csum_start = static_cast<std::uint16_t>(in.csum_start + moved);
            r.out.csum_offset = in.csum_offset;
        }
        if (gso != kGsoNone) {
            const bool v4 = (pkt.data()[0] >> 4) == 4;
            r.out.gso_type = static_cast<std::uint8_t>((v4 ? kGsoTcpV4 : kGsoTcpV6) | (in.gso_type & kGsoEcn));
            // hdr_len is a hint that may cover the whole linear part; it
            // never points past the packet, bytes read behind it included.
            r.out.hdr_len = static_cast<std::uint16_t>(
                std::min<std::size_t>(static_cast<std::size_t>(in.hdr_len + moved), pkt.length));
            r.out.gso_size = in.gso_size;
        }
    }
    return r;
}

}  // namespace nat64d::io
