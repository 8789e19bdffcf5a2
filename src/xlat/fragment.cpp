// Fragmentation by the translator: RFC 7915 §4.1 (IPv4 with DF=0 larger
// than lowest-ipv6-mtu, cut into IPv6 fragments) and §5.1.1 (IPv6 packets
// whose IPv4 translation exceeds the IPv4 next-hop MTU). No reassembly: an
// input that is already a fragment is cut into sub-fragments whose offsets
// stay relative to the original datagram; only the last one keeps the
// original M/MF flag.
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/proto.hpp"
#include "xlat/stages.hpp"
#include "xlat/views.hpp"

namespace nat64d::xlat {
namespace {

// Cuts the payload after a `hdr_len`-byte header into chunks of `chunk`
// bytes (a multiple of 8, RFC 8200 §4.5 / RFC 791: offsets count 8-octet
// units), calling patch(header, payload_len, offset_bytes, more) on each
// fragment's header copy. The first fragment stays in place.
template <typename Patch>
[[nodiscard]] bool cut(Context& ctx, PacketBuf& pkt, std::size_t hdr_len, std::size_t chunk, std::size_t base_offset,
                       bool last_more, Patch patch) noexcept {
    std::uint8_t* p = pkt.data();
    const std::size_t payload = pkt.length - hdr_len;
    std::size_t used = 0;
    std::size_t n = 0;
    for (std::size_t off = chunk; off < payload; off += chunk) {
        const std::size_t len = payload - off < chunk ? payload - off : chunk;
        if (n == ctx.extra.size() || used + hdr_len + len > ctx.scratch.size()) return false;
        std::uint8_t* f = ctx.scratch.data() + used;
        std::memcpy(f, p, hdr_len);
        std::memcpy(f + hdr_len, p + hdr_len + off, len);
        const bool last = off + len == payload;
        patch(f, len, base_offset + off, last ? last_more : true);
        ctx.extra[n++] = OutPacket{f, hdr_len + len};
        used += hdr_len + len;
    }
    patch(p, chunk, base_offset, true);
    pkt.length = hdr_len + chunk;
    ctx.extra_count = n;
    ctx.counters.fragments_out += n;
    return true;
}

}  // namespace

bool fragment6(Context& ctx, PacketBuf& pkt, std::size_t mtu) noexcept {
    constexpr std::size_t kHdr = kIpv6HdrLen + kFragHdrLen;
    const std::size_t chunk = (mtu - kHdr) & ~std::size_t{7};
    if (mtu < kHdr + 8 || pkt.length <= kHdr + chunk) return true;  // nothing to cut
    const FragHdrView fh{pkt.data() + kIpv6HdrLen};
    const std::size_t base = std::size_t{fh.offset()} * 8;
    return cut(
        ctx, pkt, kHdr, chunk, base, fh.more_frags(),
        [](std::uint8_t* h, std::size_t len, std::size_t off, bool more) noexcept {
            Ipv6View{h}.set_payload_len(static_cast<std::uint16_t>(kFragHdrLen + len));
            FragHdrView{h + kIpv6HdrLen}.set_offset_word(static_cast<std::uint16_t>(((off / 8) << 3) | (more ? 1 : 0)));
        });
}

bool fragment4(Context& ctx, PacketBuf& pkt, std::size_t mtu) noexcept {
    const std::size_t chunk = (mtu - kIpv4HdrLen) & ~std::size_t{7};
    if (mtu < kIpv4HdrLen + 8 || pkt.length <= kIpv4HdrLen + chunk) return true;
    const Ipv4View ip{pkt.data()};
    const std::size_t base = std::size_t{ip.frag_offset()} * 8;
    return cut(ctx, pkt, kIpv4HdrLen, chunk, base, ip.more_frags(),
               [](std::uint8_t* h, std::size_t len, std::size_t off, bool more) noexcept {
                   const Ipv4View frag{h};
                   frag.set_total_len(static_cast<std::uint16_t>(kIpv4HdrLen + len));
                   // RFC 7915 §5.1.1: DF clear, so IPv4 routers may cut further.
                   frag.set_frag_word(static_cast<std::uint16_t>((more ? kIpv4FlagMf : 0) | (off / 8)));
                   frag.set_checksum(0);
                   frag.set_checksum(common::csum_finish(common::csum_partial(h, kIpv4HdrLen)));
               });
}

}  // namespace nat64d::xlat
