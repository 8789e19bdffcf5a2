// RFC 7915 §4: IPv4 -> IPv6 (headers, options, TCP/UDP/ICMP transport
// adjustment). ICMPv4 message translation is in icmp_4to6.cpp.
#include <algorithm>

#include "addr/special.hpp"
#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"
#include "xlat/stages.hpp"
#include "xlat/views.hpp"

namespace nat64d::xlat {
namespace {

using common::load16;
using common::store16;

inline constexpr std::uint8_t kOptEnd = 0;  // RFC 791 §3.1
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

// The translator's own IPv4 address answers echo requests (TAYGA does too).
// The reply keeps the request's DF; its ID follows the translator's policy
// (RFC 6864: 0 when atomic, else from the generator).
[[nodiscard]] Verdict echo_reply4(Context& ctx, PacketBuf& pkt, std::size_t ihl, std::size_t len) noexcept {
    std::uint8_t* p = pkt.data();
    const Ipv4View ip{p};
    const Ipv4Addr src = ip.src();
    ip.set_src(ip.dst());
    ip.set_dst(src);
    ip.set_ttl(kOwnHopLimit);
    ip.set_id(ip.df() ? 0 : ctx.ipv4_ids.next());
    ip.set_checksum(0);
    ip.set_checksum(common::csum_finish(common::csum_partial(p, ihl)));
    rewrite_icmp_type(p + ihl, icmp4::kEchoReply);
    icmp4_checksum_zero_fix(p + ihl, len - ihl);
    pkt.length = len;
    ++ctx.counters.local_replies;
    record_event(ctx, EventKind::Self, Reason::LocalUnsupported);
    return Verdict::Local;
}

// A packet to ipv4-addr. The translator is a host there only for ICMP: an
// echo request is answered, other ICMP is dropped, any other protocol gets
// Protocol Unreachable (RFC 1122 §3.2.2.1, as TAYGA answers).
[[nodiscard]] Verdict to_self4(const Tables& t, Context& ctx, PacketBuf& pkt, std::size_t ihl,
                               std::size_t len) noexcept {
    const Ipv4View ip{pkt.data()};
    if (ip.proto() != proto::kIcmp) {
        const Verdict v = reject4(t, ctx, pkt, len, Reason::ProtocolUnreachable,
                                  {icmp4::kDestUnreach, icmp4::kProtoUnreach, 0}, ErrorClass::Router);
        ctx.last_event.kind = EventKind::Self;
        return v;
    }
    if (!ip.fragmented() && len >= ihl + kIcmpHdrLen && IcmpView{ip.data() + ihl}.type() == icmp4::kEchoRequest)
        return echo_reply4(ctx, pkt, ihl, len);
    return drop(ctx, Reason::LocalUnsupported, EventKind::Self);
}

}  // namespace

Verdict translate_4to6(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept {
    return translate_4to6_pass(t, ctx, pkt, Pass::Normal);
}

Verdict translate_4to6_pass(const Tables& t, Context& ctx, PacketBuf& pkt, Pass pass) noexcept {
    std::uint8_t* p = pkt.data();
    if (pkt.offset < kMaxPrepend) return drop(ctx, Reason::NoBufferRoom);  // caller bug: see kHeadroom
    if (pkt.length < kIpv4HdrLen) return drop(ctx, Reason::Truncated4);
    const Ipv4View ip{p};
    const std::size_t ihl = ip.ihl();
    if (ihl < kIpv4HdrLen) return drop(ctx, Reason::BadIpv4Header);
    if (pkt.length < ihl) return drop(ctx, Reason::Truncated4);
    // RFC 1812 §5.2.2: a router verifies the header checksum.
    if (common::csum_fold(common::csum_partial(p, ihl)) != 0xffff) return drop(ctx, Reason::BadIpv4Checksum);
    const std::size_t len = ip.total_len();
    if (len < ihl || len > pkt.length) return drop(ctx, Reason::Truncated4);

    const Ipv4Addr src4 = ip.src();
    const Ipv4Addr dst4 = ip.dst();
    const bool hairpin = pass == Pass::Hairpin;
    if (!hairpin) {
        ctx.current.is_v6 = false;
        ctx.current.proto = ip.proto();
        ctx.current.src4 = src4;
        ctx.current.dst4 = dst4;
        if (dst4 == t.ipv4_addr) return to_self4(t, ctx, pkt, ihl, len);
    }

    const std::uint8_t tos = ip.tos();
    const std::uint16_t id = ip.id();
    const std::uint8_t ttl = ip.ttl();
    const std::uint8_t proto4 = ip.proto();
    const std::uint16_t frag_offset = ip.frag_offset();
    const bool more_frags = ip.more_frags();
    const bool df = ip.df();
    const bool fragmented = ip.fragmented();
    std::uint8_t* l4 = p + ihl;
    const std::size_t l4_len = len - ihl;
    const bool icmp_error = proto4 == proto::kIcmp && !fragmented && l4_len > 0 && is_icmp4_error(l4[0]);

    // RFC 7915 §4.4: a discarded packet gets ICMPv4 3/13 unless a rule
    // names another error; the hairpin pass (whose sender is on the IPv6
    // side) only drops.
    const auto refuse = [&](Reason why, IcmpError err, ErrorClass cls) noexcept {
        return hairpin ? drop(ctx, why) : reject4(t, ctx, pkt, len, why, err, cls);
    };
    const IcmpError prohibited{icmp4::kDestUnreach, icmp4::kAdminProhibited, 0};

    // Address classes first, as TAYGA (addr/special.hpp). RFC 7915 §1.2:
    // IPv4 multicast has no unicast (RFC 6052) image; nor has broadcast. No
    // error either (RFC 1812 §4.3.2.7). 240/4 is an ordinary address.
    static constexpr Ipv4Addr kBroadcast{{255, 255, 255, 255}};
    if ((dst4.bytes[0] & 0xf0) == 0xe0 || dst4 == kBroadcast) return drop(ctx, Reason::MulticastDestination);
    if (addr::is_reserved_ipv4(dst4)) return drop(ctx, Reason::ReservedDestination);
    // RFC 7915 §4.1: illegal sources are discarded silently; but an ICMPv4
    // error from a router that has no address of its own to give (0/8,
    // 127/8) is still translated, from ipv6-addr, so that traceroute shows
    // the hop (RFC 7915 §4.1's troubleshooting rule; RFC 6791's idea).
    const bool unaddressed_error = icmp_error && (src4.bytes[0] == 0 || src4.bytes[0] == 127) && !hairpin;
    if (addr::is_reserved_ipv4(src4) && !unaddressed_error) return drop(ctx, Reason::IllegalSource);

    // RFC 7915 §4.1: decrement, and at zero send Time Exceeded instead.
    // RFC 7757 §4.2.2: the hairpin pass does not decrement again.
    if (!hairpin && ttl <= 1) {
        return refuse(Reason::TtlExpired, {icmp4::kTimeExceeded, icmp4::kTtlExceeded, 0}, ErrorClass::Router);
    }
    if (is_ipv6_only_protocol(proto4)) return refuse(Reason::Ipv6OnlyProtocol, prohibited, ErrorClass::Policy);
    // RFC 7915 §4.1: unexpired source route -> 3/5 (source route failed).
    if (has_unexpired_source_route(ip.options(), ihl - kIpv4HdrLen)) {
        return refuse(Reason::SourceRoute, {icmp4::kDestUnreach, icmp4::kSourceRouteFailed, 0}, ErrorClass::Router);
    }
    // RFC 7915 §4.2: IGMP is single-hop; SHOULD be silently dropped.
    if (proto4 == proto::kIgmp) return drop(ctx, Reason::Igmp);

    // RFC 7757 §4.2.1 simple hairpinning, in the hairpin pass: the outer
    // source avoids the EAM table unless the packet is an ICMPv4 error
    // (rule 1), or when an error's source is its quoted destination (rule 3).
    bool src_by_prefix = false;
    if (hairpin) {
        src_by_prefix =
            !icmp_error || (l4_len >= kIcmpHdrLen + kIpv4HdrLen && src4 == Ipv4View{l4 + kIcmpHdrLen}.dst());
    }
    MapMiss miss = MapMiss::None;
    std::optional<Ipv6Addr> src6;
    if (unaddressed_error) {
        if (t.ipv6_addr != Ipv6Addr{})
            src6 = t.ipv6_addr;
        else
            miss = MapMiss::Reserved;
    } else {
        src6 = src_by_prefix ? map_4to6_prefix(t, src4, miss) : map_4to6(t, ctx, src4, miss);
    }
    if (!src6) {
        // IPv4 link-local through the prefix: as reserved, silently.
        if (miss == MapMiss::Reserved) return drop(ctx, Reason::IllegalSource);
        return refuse(miss_reason(miss, Reason::SrcUnmappable4), prohibited, ErrorClass::Policy);
    }
    // An unmapped destination that only the prefix would translate, but
    // that deny4 excludes or whose translation the kernel would route
    // straight back into the TUN device (a loop until the TTL runs out):
    // host unreachable (RFC 1812 §5.2.7.1), never translated.
    const IcmpError host_unreachable{icmp4::kDestUnreach, icmp4::kHostUnreach, 0};
    bool dst_via_prefix = false;
    const auto dst6 = map_4to6(t, ctx, dst4, miss, dst_via_prefix);
    if (!dst6) {
        if (miss == MapMiss::Reserved) return drop(ctx, Reason::ReservedDestination);
        if (miss == MapMiss::Denied) return refuse(Reason::UnmappedDestination, host_unreachable, ErrorClass::Router);
        return refuse(miss_reason(miss, Reason::DstUnmappable4), prohibited, ErrorClass::Policy);
    }
    if (dst_via_prefix && loops_back_4to6(t, *dst6)) {
        return refuse(Reason::UnmappedDestination, host_unreachable, ErrorClass::Router);
    }
    // RFC 7915 §1.2: fragmented ICMP is not translated.
    if (proto4 == proto::kIcmp && fragmented) return drop(ctx, Reason::FragmentedIcmp);
    if (frag_offset == 0 && proto4 == proto::kTcp && l4_len < kTcpCsumOffset + 2) {
        return drop(ctx, Reason::TransportTruncated);
    }
    if (frag_offset == 0 && proto4 == proto::kUdp && l4_len < kUdpHdrLen) return drop(ctx, Reason::TransportTruncated);

    // RFC 7915 §4.1 size decisions, before anything is rewritten (an error
    // quotes the packet as received). Translated ICMP errors are cut to
    // 1280 bytes instead; the hairpin pass returns to the side it came from;
    // a GSO super-packet is segmented by the kernel afterwards.
    std::size_t hdr6_len = kIpv6HdrLen + (fragmented ? kFragHdrLen : 0);
    bool cut = false;
    const std::size_t frag_mtu = std::min(t.lowest_ipv6_mtu, t.ipv6_mtu);
    if (!hairpin && !icmp_error && !pkt.gso && hdr6_len + l4_len > frag_mtu) {
        if (df && hdr6_len + l4_len > t.ipv6_mtu) {
            // DF set: Fragmentation Needed, announcing the largest IPv4
            // datagram (options included) whose translation fits.
            const std::size_t mtu4 = std::max<std::size_t>(t.ipv6_mtu - hdr6_len + ihl, kIpv4MinMtu);
            return refuse(Reason::TooBig,
                          {icmp4::kDestUnreach, icmp4::kFragNeeded,
                           static_cast<std::uint32_t>(std::min<std::size_t>(mtu4, 0xffff))},
                          ErrorClass::Router);
        }
        if (!df) {
            // DF clear: the translator fragments to lowest-ipv6-mtu, adding
            // a Fragment Header (RFC 7915 §4, never for a packet that fits).
            cut = true;
            hdr6_len = kIpv6HdrLen + kFragHdrLen;
        }
    }
    const bool with_fh = fragmented || cut;
    const std::uint8_t proto6 = proto4 == proto::kIcmp ? proto::kIcmpv6 : proto4;

    // RFC 7915 §4.5: swap the pseudo-header's address terms; only the first
    // fragment carries the transport header.
    const std::uint32_t old_addrs = common::csum_addrs4(src4.bytes.data(), dst4.bytes.data());
    const std::uint32_t new_addrs = common::csum_addrs6(src6->bytes.data(), dst6->bytes.data());
    std::uint8_t* out = l4;
    std::size_t out_len = l4_len;
    if (proto4 == proto::kIcmp) {
        IcmpOut r;
        const Verdict v = icmp_4to6(t, ctx, l4, l4_len, *src6, *dst6, pass, pkt.base + pkt.capacity, r);
        if (v != Verdict::Forward) return v;
        out = r.msg;
        out_len = r.len;
    } else if (frag_offset == 0 && proto4 == proto::kUdp && load16(l4 + kUdpCsumOffset) == 0) {
        if (t.udp_cksum_mode == UdpCksumMode::Drop) {
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
            store16(l4 + kUdpCsumOffset, sum == 0 ? 0xffff : sum);
        }
        // UdpCksumMode::Forward on a whole datagram: passed on with checksum 0.
    } else if (frag_offset == 0) {
        adjust_l4_checksum(proto4, l4, l4_len, old_addrs, new_addrs);
    }

    // RFC 7915 §4.1: the IPv6 header (plus a Fragment Header) replaces the
    // IPv4 header and its options, ending where the payload begins.
    if (static_cast<std::size_t>(out - pkt.base) < hdr6_len) return drop(ctx, Reason::NoBufferRoom);
    std::uint8_t* h = out - hdr6_len;
    write_ipv6_header(h, tos, static_cast<std::uint16_t>(hdr6_len - kIpv6HdrLen + out_len),
                      with_fh ? proto::kFragment : proto6, hairpin ? ttl : static_cast<std::uint8_t>(ttl - 1), *src6,
                      *dst6);
    // RFC 7915 §4.1: offset and M copied, ID = 0x0000 || IPv4 ID.
    if (with_fh) write_frag_header(h + kIpv6HdrLen, proto6, frag_offset, more_frags, id);

    pkt.offset = static_cast<std::size_t>(h - pkt.base);
    pkt.length = hdr6_len + out_len;
    if (cut && !fragment6(ctx, pkt, frag_mtu)) return drop(ctx, Reason::NoBufferRoom);
    ++ctx.counters.packets_4to6;
    ctx.counters.bytes_4to6 += hdr6_len + out_len;
    if (proto4 == proto::kIcmp) ++ctx.counters.icmp_translated_4to6;
    if (icmp_error && !hairpin) record_event(ctx, EventKind::Icmp, ctx.current.reason);
    return Verdict::Forward;
}

}  // namespace nat64d::xlat
