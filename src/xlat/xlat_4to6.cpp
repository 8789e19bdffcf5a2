// RFC 7915 §4: IPv4 -> IPv6 (headers, options, TCP/UDP/ICMP transport
// adjustment). ICMPv4 message translation is in icmp_4to6.cpp.
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"
#include "xlat/stages.hpp"

namespace nat64d::xlat {
namespace {

using common::load16;
using common::store16;
using common::store32;

inline constexpr std::uint8_t kOptEnd = 0;    // RFC 791 §3.1
inline constexpr std::uint8_t kOptNop = 1;
inline constexpr std::uint8_t kOptLsrr = 131;
inline constexpr std::uint8_t kOptSsrr = 137;

// RFC 7915 §4.1: options are ignored, except an unexpired source route
// (LSRR/SSRR whose pointer has not run past the option), which must not be
// translated. Malformed options end the walk: they carry nothing we use.
[[nodiscard]] bool has_unexpired_source_route(const std::uint8_t* opt, std::size_t len) noexcept {
    std::size_t i = 0;
    while (i < len) {
        const std::uint8_t type = opt[i];
        if (type == kOptEnd) return false;
        if (type == kOptNop) {
            ++i;
            continue;
        }
        if (i + 1 >= len) return false;
        const std::uint8_t olen = opt[i + 1];
        if (olen < 2 || i + olen > len) return false;
        if ((type == kOptLsrr || type == kOptSsrr) && olen >= 3 && opt[i + 2] <= olen) return true;
        i += olen;
    }
    return false;
}

// RFC 7915 §4.1: protocol numbers that only make sense as IPv6 extension
// headers cannot be carried in the IPv6 Next Header field.
[[nodiscard]] bool is_ipv6_only_protocol(std::uint8_t p) noexcept {
    return p == proto::kHopByHop || p == proto::kRouting || p == proto::kFragment || p == proto::kIcmpv6 ||
           p == proto::kDestOpts;
}

// The translator's own IPv4 address answers echo requests (TAYGA does too).
[[nodiscard]] Verdict reply_local4(Context& ctx, PacketBuf& pkt, std::size_t ihl, std::size_t len) noexcept {
    std::uint8_t* p = pkt.data();
    std::uint8_t* icmp = p + ihl;
    const bool fragmented = (load16(p + 6) & (kIpv4FlagMf | kIpv4OffsetMask)) != 0;
    if (p[9] != proto::kIcmp || fragmented || len < ihl + kIcmpHdrLen || icmp[0] != icmp4::kEchoRequest) {
        return drop(ctx, Reason::LocalUnsupported);
    }
    std::uint8_t tmp[4];
    std::memcpy(tmp, p + 12, 4);
    std::memcpy(p + 12, p + 16, 4);
    std::memcpy(p + 16, tmp, 4);
    p[8] = kOwnHopLimit;
    store16(p + 10, 0);
    store16(p + 10, common::csum_finish(common::csum_partial(p, ihl)));
    const std::uint16_t old_word = load16(icmp);
    icmp[0] = icmp4::kEchoReply;
    store16(icmp + kIcmpCsumOffset, common::csum_update(load16(icmp + kIcmpCsumOffset), old_word, load16(icmp)));
    pkt.length = len;
    ++ctx.counters.local_replies;
    return Verdict::Local;
}

}  // namespace

Verdict translate_4to6(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept {
    std::uint8_t* p = pkt.data();
    if (pkt.length < kIpv4HdrLen) return drop(ctx, Reason::Truncated4);
    const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
    if (ihl < kIpv4HdrLen) return drop(ctx, Reason::BadIpv4Header);
    if (pkt.length < ihl) return drop(ctx, Reason::Truncated4);
    // RFC 1812 §5.2.2: a router verifies the header checksum.
    if (common::csum_fold(common::csum_partial(p, ihl)) != 0xffff) return drop(ctx, Reason::BadIpv4Checksum);
    const std::size_t len = load16(p + 2);
    if (len < ihl || len > pkt.length) return drop(ctx, Reason::Truncated4);

    Ipv4Addr src4, dst4;
    std::memcpy(src4.bytes.data(), p + 12, 4);
    std::memcpy(dst4.bytes.data(), p + 16, 4);
    if (dst4 == t.ipv4_addr) return reply_local4(ctx, pkt, ihl, len);

    const std::uint8_t tos = p[1];
    const std::uint16_t id = load16(p + 4);
    const std::uint16_t frag_word = load16(p + 6);
    const std::uint8_t ttl = p[8];
    const std::uint8_t proto4 = p[9];
    // RFC 7915 §4.1: decrement, and do not forward at zero.
    if (ttl <= 1) return drop(ctx, Reason::TtlExpired);
    if (is_ipv6_only_protocol(proto4)) return drop(ctx, Reason::Ipv6OnlyProtocol);
    if (has_unexpired_source_route(p + kIpv4HdrLen, ihl - kIpv4HdrLen)) return drop(ctx, Reason::SourceRoute);
    if (is_illegal_source4(src4)) return drop(ctx, Reason::IllegalSource);

    MapMiss miss = MapMiss::None;
    const auto src6 = map_4to6(t, src4, miss);
    if (!src6) return drop(ctx, miss == MapMiss::WkpNonGlobal ? Reason::WkpNonGlobal : Reason::SrcUnmappable4);
    const auto dst6 = map_4to6(t, dst4, miss);
    if (!dst6) return drop(ctx, miss == MapMiss::WkpNonGlobal ? Reason::WkpNonGlobal : Reason::DstUnmappable4);

    const std::uint16_t frag_offset = frag_word & kIpv4OffsetMask;
    const bool more_frags = (frag_word & kIpv4FlagMf) != 0;
    const bool fragmented = more_frags || frag_offset != 0;
    std::uint8_t* l4 = p + ihl;
    const std::size_t l4_len = len - ihl;
    const std::uint8_t proto6 = proto4 == proto::kIcmp ? proto::kIcmpv6 : proto4;

    // RFC 7915 §4.5: swap the pseudo-header's address terms; only the first
    // fragment carries the transport header.
    const std::uint32_t old_addrs = common::csum_addrs4(src4.bytes.data(), dst4.bytes.data());
    const std::uint32_t new_addrs = common::csum_addrs6(src6->bytes.data(), dst6->bytes.data());
    if (proto4 == proto::kIcmp) {
        // RFC 7915 §1.2: fragmented ICMP is not translated.
        if (fragmented) return drop(ctx, Reason::FragmentedIcmp);
        const std::uint32_t pseudo = common::csum_pseudo6(src6->bytes.data(), dst6->bytes.data(),
                                                          static_cast<std::uint32_t>(l4_len), proto::kIcmpv6);
        if (const auto r = icmp_4to6(l4, l4_len, pseudo)) return drop(ctx, *r);
    } else if (frag_offset == 0 && proto4 == proto::kTcp) {
        if (l4_len < kTcpCsumOffset + 2) return drop(ctx, Reason::TransportTruncated);
        std::uint8_t* c = l4 + kTcpCsumOffset;
        store16(c, common::csum_update(load16(c), old_addrs, new_addrs));
    } else if (frag_offset == 0 && proto4 == proto::kUdp) {
        if (l4_len < kUdpHdrLen) return drop(ctx, Reason::TransportTruncated);
        std::uint8_t* c = l4 + kUdpCsumOffset;
        if (const std::uint16_t old = load16(c); old != 0) {
            const std::uint16_t sum = common::csum_update(old, old_addrs, new_addrs);
            store16(c, sum == 0 ? 0xffff : sum);
        } else if (t.udp_cksum_mode == UdpCksumMode::Drop) {
            return drop(ctx, Reason::UdpZeroChecksum);  // RFC 7915 §4.5 option 1
        } else if (fragmented) {
            // §4.5: a stateless translator cannot checksum a fragmented
            // datagram; only "fwd" passes it on.
            if (t.udp_cksum_mode != UdpCksumMode::Forward) return drop(ctx, Reason::UdpZeroChecksumFragment);
        } else if (t.udp_cksum_mode == UdpCksumMode::Calc) {
            // §4.5 option 2 (erratum 6955): compute the UDP checksum.
            const std::uint32_t pseudo = common::csum_pseudo6(src6->bytes.data(), dst6->bytes.data(),
                                                              static_cast<std::uint32_t>(l4_len), proto::kUdp);
            const std::uint16_t sum = common::csum_finish(common::csum_partial(l4, l4_len, pseudo));
            store16(c, sum == 0 ? 0xffff : sum);
        }
        // UdpCksumMode::Forward on a whole datagram: passed on with checksum 0.
    }

    // RFC 7915 §4.1: the IPv6 header (plus a Fragment Header for a fragment)
    // replaces the IPv4 header and its options, ending where the payload begins.
    const std::size_t hdr6_len = kIpv6HdrLen + (fragmented ? kFragHdrLen : 0);
    if (pkt.offset + ihl < hdr6_len) return drop(ctx, Reason::TooBig);  // no headroom: caller bug
    std::uint8_t* h = l4 - hdr6_len;
    store32(h, (6u << 28) | (std::uint32_t{tos} << 20));  // flow label 0
    store16(h + 4, static_cast<std::uint16_t>(hdr6_len - kIpv6HdrLen + l4_len));
    h[6] = fragmented ? proto::kFragment : proto6;
    h[7] = static_cast<std::uint8_t>(ttl - 1);
    std::memcpy(h + 8, src6->bytes.data(), 16);
    std::memcpy(h + 24, dst6->bytes.data(), 16);
    if (fragmented) {
        // RFC 7915 §4.1: offset and M copied, ID = 0x0000 || IPv4 ID.
        std::uint8_t* fh = h + kIpv6HdrLen;
        fh[0] = proto6;
        fh[1] = 0;
        store16(fh + 2, static_cast<std::uint16_t>((frag_offset << 3) | (more_frags ? 1 : 0)));
        store32(fh + 4, id);
    }

    pkt.offset = static_cast<std::size_t>(h - pkt.base);
    pkt.length = hdr6_len + l4_len;
    ++ctx.counters.packets_4to6;
    ctx.counters.bytes_4to6 += pkt.length;
    return Verdict::Forward;
}

}  // namespace nat64d::xlat
