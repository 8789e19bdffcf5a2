// RFC 7915 §5: IPv6 -> IPv4 (headers, extension headers, TCP/UDP/ICMP
// transport adjustment). ICMPv6 message translation is in icmp_6to4.cpp.
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"
#include "xlat/stages.hpp"

namespace nat64d::xlat {
namespace {

using common::load16;
using common::load32;
using common::store16;
using common::store32;

// The result of walking the IPv6 extension header chain (RFC 7915 §5.1).
struct Ext6 {
    std::size_t l4_off = kIpv6HdrLen;  // first byte after the headers we strip
    std::uint8_t proto = 0;            // upper-layer protocol
    bool has_frag = false;
    std::uint16_t frag_offset = 0;     // in 8-octet units
    bool more_frags = false;
    std::uint32_t frag_id = 0;
};

[[nodiscard]] bool is_ext_header(std::uint8_t nh) noexcept {
    return nh == proto::kHopByHop || nh == proto::kRouting || nh == proto::kFragment || nh == proto::kDestOpts;
}

// RFC 7915 §5.1: Hop-by-Hop, Destination Options and Routing headers with
// Segments Left 0 are skipped; a Fragment Header is consumed (§5.1.1).
[[nodiscard]] bool walk_ext_headers(const std::uint8_t* p, std::size_t len, Ext6& e, Reason& why) noexcept {
    std::uint8_t nh = p[6];
    std::size_t off = kIpv6HdrLen;
    while (is_ext_header(nh)) {
        if (off + 8 > len) {
            why = Reason::Truncated6;
            return false;
        }
        const std::uint8_t* h = p + off;
        if (nh == proto::kFragment) {
            // RFC 8200 §4.5: only one Fragment Header; RFC 7915 §5.1.1: an
            // extension header after it (other than ESP) is not translated.
            if (e.has_frag || is_ext_header(h[0])) {
                why = Reason::BadExtHeader;
                return false;
            }
            e.has_frag = true;
            const std::uint16_t word = load16(h + 2);
            e.frag_offset = static_cast<std::uint16_t>(word >> 3);
            e.more_frags = (word & 1) != 0;
            e.frag_id = load32(h + 4);
            nh = h[0];
            off += kFragHdrLen;
            continue;
        }
        // RFC 7915 §5.1: a Routing header with Segments Left != 0 must not
        // be translated.
        if (nh == proto::kRouting && h[3] != 0) {
            why = Reason::RoutingHeader;
            return false;
        }
        // Only the first header may be Hop-by-Hop (RFC 8200 §4.3).
        if (nh == proto::kHopByHop && off != kIpv6HdrLen) {
            why = Reason::BadExtHeader;
            return false;
        }
        nh = h[0];
        off += (std::size_t{h[1]} + 1) * 8;
    }
    if (off > len) {
        why = Reason::Truncated6;
        return false;
    }
    e.l4_off = off;
    e.proto = nh;
    return true;
}

// The translator's own IPv6 address answers echo requests (TAYGA does too).
[[nodiscard]] Verdict reply_local6(Context& ctx, PacketBuf& pkt, std::size_t len) noexcept {
    std::uint8_t* p = pkt.data();
    std::uint8_t* icmp = p + kIpv6HdrLen;
    if (p[6] != proto::kIcmpv6 || len < kIpv6HdrLen + kIcmpHdrLen || icmp[0] != icmp6::kEchoRequest) {
        return drop(ctx, Reason::LocalUnsupported);
    }
    std::uint8_t tmp[16];
    std::memcpy(tmp, p + 8, 16);
    std::memcpy(p + 8, p + 24, 16);
    std::memcpy(p + 24, tmp, 16);
    p[7] = kOwnHopLimit;
    // Swapping the addresses leaves the pseudo-header sum unchanged; only
    // the type word changes (RFC 1624 incremental update).
    const std::uint16_t old_word = load16(icmp);
    icmp[0] = icmp6::kEchoReply;
    store16(icmp + kIcmpCsumOffset, common::csum_update(load16(icmp + kIcmpCsumOffset), old_word, load16(icmp)));
    pkt.length = len;
    ++ctx.counters.local_replies;
    return Verdict::Local;
}

}  // namespace

Verdict translate_6to4(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept {
    std::uint8_t* p = pkt.data();
    if (pkt.length < kIpv6HdrLen) return drop(ctx, Reason::Truncated6);
    const std::size_t payload_len = load16(p + 4);
    // RFC 2675: a jumbogram has payload length 0 and a Hop-by-Hop header;
    // it cannot be expressed in IPv4 (RFC 7915 §5.1).
    if (payload_len == 0 && p[6] == proto::kHopByHop) return drop(ctx, Reason::Jumbogram);
    if (kIpv6HdrLen + payload_len > pkt.length) return drop(ctx, Reason::Truncated6);
    const std::size_t len = kIpv6HdrLen + payload_len;  // trailing bytes past the payload are ignored

    Ipv6Addr src6, dst6;
    std::memcpy(src6.bytes.data(), p + 8, 16);
    std::memcpy(dst6.bytes.data(), p + 24, 16);
    if (dst6 == t.ipv6_addr) return reply_local6(ctx, pkt, len);

    const std::uint8_t hop_limit = p[7];
    const auto traffic_class = static_cast<std::uint8_t>(load16(p) >> 4);
    // RFC 7915 §5.1: decrement, and do not forward at zero.
    if (hop_limit <= 1) return drop(ctx, Reason::HopLimitExpired);

    Ext6 e;
    Reason why{};
    if (!walk_ext_headers(p, len, e, why)) return drop(ctx, why);
    if (is_illegal_source6(src6)) return drop(ctx, Reason::IllegalSource);

    MapMiss miss = MapMiss::None;
    const auto src4 = map_6to4(t, src6, miss);
    if (!src4) return drop(ctx, miss == MapMiss::WkpNonGlobal ? Reason::WkpNonGlobal : Reason::SrcUnmappable6);
    const auto dst4 = map_6to4(t, dst6, miss);
    if (!dst4) return drop(ctx, miss == MapMiss::WkpNonGlobal ? Reason::WkpNonGlobal : Reason::DstUnmappable6);

    std::uint8_t* l4 = p + e.l4_off;
    const std::size_t l4_len = len - e.l4_off;
    const bool fragmented = e.has_frag && (e.frag_offset != 0 || e.more_frags);
    const bool first_fragment = !e.has_frag || e.frag_offset == 0;
    std::uint8_t proto4 = e.proto;

    // RFC 7915 §5.5: the pseudo-header changed from IPv6 to IPv4 addresses;
    // only the first fragment carries the transport header.
    const std::uint32_t old_addrs = common::csum_addrs6(src6.bytes.data(), dst6.bytes.data());
    const std::uint32_t new_addrs = common::csum_addrs4(src4->bytes.data(), dst4->bytes.data());
    if (e.proto == proto::kIcmpv6) {
        proto4 = proto::kIcmp;
        // RFC 7915 §1.2: fragmented ICMP is not translated.
        if (fragmented) return drop(ctx, Reason::FragmentedIcmp);
        const std::uint32_t pseudo = common::csum_pseudo6(src6.bytes.data(), dst6.bytes.data(),
                                                          static_cast<std::uint32_t>(l4_len), proto::kIcmpv6);
        if (const auto r = icmp_6to4(l4, l4_len, pseudo)) return drop(ctx, *r);
    } else if (first_fragment && e.proto == proto::kTcp) {
        if (l4_len < kTcpCsumOffset + 2) return drop(ctx, Reason::TransportTruncated);
        std::uint8_t* c = l4 + kTcpCsumOffset;
        store16(c, common::csum_update(load16(c), old_addrs, new_addrs));
    } else if (first_fragment && e.proto == proto::kUdp) {
        if (l4_len < kUdpHdrLen) return drop(ctx, Reason::TransportTruncated);
        std::uint8_t* c = l4 + kUdpCsumOffset;
        // A zero UDP checksum is illegal in IPv6 (RFC 8200 §8.1) but means
        // "none" in IPv4: it is passed on unchanged (docs/rfc-compliance.md).
        if (const std::uint16_t old = load16(c); old != 0) {
            const std::uint16_t sum = common::csum_update(old, old_addrs, new_addrs);
            store16(c, sum == 0 ? 0xffff : sum);  // RFC 768: computed 0 is sent as all ones
        }
    }

    // RFC 7915 §5.1 / §5.1.1: the IPv4 header replaces the IPv6 header and
    // the skipped extension headers, ending where the payload begins.
    std::uint8_t* h = l4 - kIpv4HdrLen;
    const std::size_t total = kIpv4HdrLen + l4_len;
    std::uint16_t id = 0;
    std::uint16_t flags = 0;
    if (e.has_frag) {
        id = static_cast<std::uint16_t>(e.frag_id);  // low 16 bits (§5.1.1)
        flags = static_cast<std::uint16_t>((e.more_frags ? kIpv4FlagMf : 0) | e.frag_offset);
    } else {
        id = ctx.next_ipv4_id++;
        flags = total > kDfThreshold ? kIpv4FlagDf : 0;  // §5.1: DF by size, never atomic fragments
    }
    h[0] = 0x45;
    h[1] = traffic_class;
    store16(h + 2, static_cast<std::uint16_t>(total));
    store16(h + 4, id);
    store16(h + 6, flags);
    h[8] = static_cast<std::uint8_t>(hop_limit - 1);
    h[9] = proto4;
    store16(h + 10, 0);
    std::memcpy(h + 12, src4->bytes.data(), 4);
    std::memcpy(h + 16, dst4->bytes.data(), 4);
    store16(h + 10, common::csum_finish(common::csum_partial(h, kIpv4HdrLen)));

    pkt.offset += e.l4_off - kIpv4HdrLen;
    pkt.length = total;
    ++ctx.counters.packets_6to4;
    ctx.counters.bytes_6to4 += total;
    return Verdict::Forward;
}

}  // namespace nat64d::xlat
