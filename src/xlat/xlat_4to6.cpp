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

// One IPv4 packet on its way through the 4->6 stages: the parsed summary,
// the decisions taken so far and, for Verdict::IcmpError, the error to send.
struct Flow4 {
    const Tables& t;
    Context& ctx;
    PacketBuf& pkt;
    bool hairpin;  // RFC 7757 §4.2.2 second pass: no TTL decrement, MTU check or error
    // RFC 7915 §4.3: the packet quoted in an ICMPv4 error, `pkt` as far as
    // quoted ("translated like an ordinary one"): the stages look at this
    // flag where its rules differ.
    bool inner = false;
    Parsed4 in{};
    Refusal error{};
    bool unaddressed_error = false;  // an ICMPv4 error from 0/8 or 127/8 (see decide_header4)
    Ipv6Addr src6{};
    Ipv6Addr dst6{};
    bool cut = false;  // fragmented to lowest-ipv6-mtu by the translator
    std::size_t hdr6_len = kIpv6HdrLen;
    std::uint8_t* out = nullptr;  // the translated upper layer
    std::size_t out_len = 0;
};

// RFC 7915 §4.4: a discarded packet gets ICMPv4 3/13 unless a rule names
// another error; the hairpin pass (whose sender is on the IPv6 side) and
// a quoted packet only drop. The error is sent, or not, at the one exit
// point.
[[nodiscard]] Verdict refuse(Flow4& f, Reason why, IcmpError err, ErrorClass cls) noexcept {
    if (f.hairpin || f.inner) return drop(f.ctx, why);
    f.error = Refusal{why, err, cls};
    return Verdict::IcmpError;
}
inline constexpr IcmpError kProhibited4{icmp4::kDestUnreach, icmp4::kAdminProhibited, 0};

// The fields every later stage reads, of the packet `p` with header length
// `ihl` (checked), `len` bytes present and Total Length `total`.
void parse_ipv4(std::uint8_t* p, std::size_t ihl, std::size_t len, std::size_t total, Parsed4& in) noexcept {
    const ConstIpv4View ip{p};
    in.ihl = ihl;
    in.len = len;
    in.src = ip.src();
    in.dst = ip.dst();
    in.tos = ip.tos();
    in.id = ip.id();
    in.ttl = ip.ttl();
    in.proto = ip.proto();
    in.frag_offset = ip.frag_offset();
    in.more_frags = ip.more_frags();
    in.df = ip.df();
    in.fragmented = ip.fragmented();
    in.source_route = has_unexpired_source_route(ip.options(), in.ihl - kIpv4HdrLen);
    in.l4 = p + in.ihl;
    in.l4_len = in.len - in.ihl;
    in.l4_declared = total - in.ihl;
    in.icmp_error =
        in.proto == proto::kIcmp && !in.fragmented && in.l4_len > 0 && is_icmp4_error(ConstIcmpView{in.l4}.type());
}

// Parse the quoted packet (RFC 7915 §4.3): a whole header, as far as the
// error quotes it, and its Total Length as declared (the upper layer may be
// cut short). Its header checksum is not checked: the packet is history.
[[nodiscard]] Verdict parse_quoted4(Flow4& f) noexcept {
    std::uint8_t* p = f.pkt.data();
    const std::size_t avail = f.pkt.length;
    const ConstIpv4View ip{p};
    if (avail < kIpv4HdrLen || ip.version() != 4) return drop(f.ctx, Reason::InnerPacketBad);
    const std::size_t ihl = ip.ihl();
    const std::size_t total = ip.total_len();
    if (ihl < kIpv4HdrLen || ihl > avail || total < ihl) return drop(f.ctx, Reason::InnerPacketBad);
    parse_ipv4(p, ihl, std::min(avail, total), total, f.in);
    return Verdict::Forward;
}

// Parse: header length and checksum, total length, addresses and fields.
[[nodiscard]] Verdict parse4(Flow4& f) noexcept {
    if (f.inner) return parse_quoted4(f);
    if (f.pkt.offset < kMaxPrepend) return drop(f.ctx, Reason::NoBufferRoom);  // caller bug: see kHeadroom
    if (f.pkt.length < kIpv4HdrLen) return drop(f.ctx, Reason::Truncated4);
    std::uint8_t* p = f.pkt.data();
    const Ipv4View ip{p};
    Parsed4& in = f.in;
    in.ihl = ip.ihl();
    if (in.ihl < kIpv4HdrLen) return drop(f.ctx, Reason::BadIpv4Header);
    if (f.pkt.length < in.ihl) return drop(f.ctx, Reason::Truncated4);
    // RFC 1812 §5.2.2: a router verifies the header checksum.
    if (common::csum_fold(common::csum_partial(p, in.ihl)) != 0xffff) return drop(f.ctx, Reason::BadIpv4Checksum);
    in.len = ip.total_len();
    if (in.len < in.ihl || in.len > f.pkt.length) return drop(f.ctx, Reason::Truncated4);
    parse_ipv4(p, in.ihl, in.len, in.len, in);
    if (!f.hairpin) {
        f.ctx.current.is_v6 = false;
        f.ctx.current.proto = in.proto;
        f.ctx.current.src4 = in.src;
        f.ctx.current.dst4 = in.dst;
    }
    return Verdict::Forward;
}

// The translator's own IPv4 address answers echo requests (TAYGA does too).
// The reply keeps the request's DF; its ID follows the translator's policy
// (RFC 6864: 0 when atomic, else from the generator).
[[nodiscard]] Verdict echo_reply4(Flow4& f) noexcept {
    std::uint8_t* p = f.pkt.data();
    const Ipv4View ip{p};
    ip.set_src(f.in.dst);
    ip.set_dst(f.in.src);
    ip.set_ttl(kOwnHopLimit);
    ip.set_id(f.in.df ? 0 : f.ctx.ipv4_ids.next());
    ip.set_checksum(0);
    ip.set_checksum(common::csum_finish(common::csum_partial(p, f.in.ihl)));
    rewrite_icmp_type(f.in.l4, icmp4::kEchoReply);
    icmp4_checksum_zero_fix(f.in.l4, f.in.l4_len);
    f.pkt.length = f.in.len;
    ++f.ctx.counters.local_replies;
    record_event(f.ctx, EventKind::Self, Reason::LocalUnsupported);
    return Verdict::Local;
}

// A packet to ipv4-addr. The translator is a host there only for ICMP: an
// echo request is answered, other ICMP is dropped, any other protocol gets
// Protocol Unreachable (RFC 1122 §3.2.2.1, as TAYGA answers).
[[nodiscard]] Verdict to_self4(Flow4& f) noexcept {
    const Parsed4& in = f.in;
    if (in.proto != proto::kIcmp) {
        const Verdict v =
            refuse(f, Reason::ProtocolUnreachable, {icmp4::kDestUnreach, icmp4::kProtoUnreach, 0}, ErrorClass::Router);
        f.error.to_self = true;
        return v;
    }
    if (!in.fragmented && in.l4_len >= kIcmpHdrLen && ConstIcmpView{in.l4}.type() == icmp4::kEchoRequest) {
        return echo_reply4(f);
    }
    return drop(f.ctx, Reason::LocalUnsupported, EventKind::Self);
}

// Decide what the header alone decides: a packet to the translator,
// address classes, the TTL, protocol and options.
[[nodiscard]] Verdict decide_header4(Flow4& f) noexcept {
    const Parsed4& in = f.in;
    // RFC 7915 §4.3: the quoted packet has been forwarded already; its
    // addresses, TTL and options are history, refused by none of the rules
    // below. Only a protocol that the IPv6 Next Header cannot name (§4.1)
    // stops its translation.
    if (f.inner) return is_ipv6_only_protocol(in.proto) ? drop(f.ctx, Reason::Ipv6OnlyProtocol) : Verdict::Forward;
    if (!f.hairpin && in.dst == f.t.ipv4_addr) return to_self4(f);
    // Address classes first, as TAYGA (addr/special.hpp). RFC 7915 §1.2:
    // IPv4 multicast has no unicast (RFC 6052) image; nor has broadcast. No
    // error either (RFC 1812 §4.3.2.7). 240/4 is an ordinary address.
    static constexpr Ipv4Addr kBroadcast{{255, 255, 255, 255}};
    if ((in.dst.bytes[0] & 0xf0) == 0xe0 || in.dst == kBroadcast) return drop(f.ctx, Reason::MulticastDestination);
    if (addr::is_reserved_ipv4(in.dst)) return drop(f.ctx, Reason::ReservedDestination);
    // RFC 7915 §4.1: illegal sources are discarded silently; but an ICMPv4
    // error from a router that has no address of its own to give (0/8,
    // 127/8) is still translated, from ipv6-addr, so that traceroute shows
    // the hop (RFC 7915 §4.1's troubleshooting rule; RFC 6791's idea).
    f.unaddressed_error = in.icmp_error && (in.src.bytes[0] == 0 || in.src.bytes[0] == 127) && !f.hairpin;
    if (addr::is_reserved_ipv4(in.src) && !f.unaddressed_error) return drop(f.ctx, Reason::IllegalSource);
    // RFC 7915 §4.1: decrement, and at zero send Time Exceeded instead.
    // RFC 7757 §4.2.2: the hairpin pass does not decrement again.
    if (!f.hairpin && in.ttl <= 1) {
        return refuse(f, Reason::TtlExpired, {icmp4::kTimeExceeded, icmp4::kTtlExceeded, 0}, ErrorClass::Router);
    }
    if (is_ipv6_only_protocol(in.proto)) return refuse(f, Reason::Ipv6OnlyProtocol, kProhibited4, ErrorClass::Policy);
    // RFC 7915 §4.1: unexpired source route -> 3/5 (source route failed).
    if (in.source_route) {
        return refuse(f, Reason::SourceRoute, {icmp4::kDestUnreach, icmp4::kSourceRouteFailed, 0}, ErrorClass::Router);
    }
    // RFC 7915 §4.2: IGMP is single-hop; SHOULD be silently dropped.
    if (in.proto == proto::kIgmp) return drop(f.ctx, Reason::Igmp);
    return Verdict::Forward;
}

// Decide the IPv6 source.
[[nodiscard]] Verdict decide_src4(Flow4& f) noexcept {
    const Parsed4& in = f.in;
    // RFC 7757 §4.2.1 simple hairpinning, in the hairpin pass: the outer
    // source avoids the EAM table unless the packet is an ICMPv4 error
    // (rule 1), or when an error's source is its quoted destination (rule 3).
    bool src_by_prefix = false;
    if (f.hairpin && !f.inner) {
        src_by_prefix = !in.icmp_error ||
                        (in.l4_len >= kIcmpHdrLen + kIpv4HdrLen && in.src == ConstIpv4View{in.l4 + kIcmpHdrLen}.dst());
    }
    MapMiss miss = MapMiss::None;
    std::optional<Ipv6Addr> src6;
    if (f.unaddressed_error) {
        if (f.t.ipv6_addr != Ipv6Addr{})
            src6 = f.t.ipv6_addr;
        else
            miss = MapMiss::Reserved;
    } else {
        src6 = src_by_prefix ? map_4to6_prefix(f.t, in.src, miss) : map_4to6(f.t, f.ctx, in.src, miss);
    }
    if (!src6) {
        // RFC 7915 §4.3 with TAYGA's address rules: a quoted address without
        // a mapping (reserved ones included, stricter than §4.1) drops the
        // error.
        if (f.inner) return drop(f.ctx, Reason::InnerUnmappable);
        // IPv4 link-local through the prefix: as reserved, silently.
        if (miss == MapMiss::Reserved) return drop(f.ctx, Reason::IllegalSource);
        return refuse(f, miss_reason(miss, Reason::SrcUnmappable4), kProhibited4, ErrorClass::Policy);
    }
    f.src6 = *src6;
    return Verdict::Forward;
}

// Decide the IPv6 destination. An unmapped destination that only the
// prefix would translate, but that deny4 excludes or whose translation the
// kernel would route straight back into the TUN device (a loop until the
// TTL runs out): host unreachable (RFC 1812 §5.2.7.1), never translated.
// The quoted packet is not routed: a miss drops the error, no loop check.
[[nodiscard]] Verdict decide_dst4(Flow4& f) noexcept {
    const IcmpError host_unreachable{icmp4::kDestUnreach, icmp4::kHostUnreach, 0};
    MapMiss miss = MapMiss::None;
    bool via_prefix = false;
    // RFC 7757 §4.2.1 rule 2, in the hairpin pass: the quoted destination
    // (the reverse role of the outer source) avoids the EAM table.
    const auto dst6 =
        f.inner && f.hairpin ? map_4to6_prefix(f.t, f.in.dst, miss) : map_4to6(f.t, f.ctx, f.in.dst, miss, via_prefix);
    if (!dst6) {
        if (f.inner) return drop(f.ctx, Reason::InnerUnmappable);
        if (miss == MapMiss::Reserved) return drop(f.ctx, Reason::ReservedDestination);
        if (miss == MapMiss::Denied)
            return refuse(f, Reason::UnmappedDestination, host_unreachable, ErrorClass::Router);
        return refuse(f, miss_reason(miss, Reason::DstUnmappable4), kProhibited4, ErrorClass::Policy);
    }
    if (!f.inner && via_prefix && loops_back_4to6(f.t, *dst6)) {
        return refuse(f, Reason::UnmappedDestination, host_unreachable, ErrorClass::Router);
    }
    f.dst6 = *dst6;
    return Verdict::Forward;
}

// Decide what the upper layer decides.
[[nodiscard]] Verdict decide_payload4(Flow4& f) noexcept {
    const Parsed4& in = f.in;
    // RFC 7915 §4.3: a quoted upper layer is carried as far as quoted, a
    // fragment of ICMP included.
    if (f.inner) return Verdict::Forward;
    // RFC 7915 §1.2: fragmented ICMP is not translated.
    if (in.proto == proto::kIcmp && in.fragmented) return drop(f.ctx, Reason::FragmentedIcmp);
    if (in.frag_offset == 0 && in.proto == proto::kTcp && in.l4_len < kTcpCsumOffset + 2) {
        return drop(f.ctx, Reason::TransportTruncated);
    }
    if (in.frag_offset == 0 && in.proto == proto::kUdp && in.l4_len < kUdpHdrLen) {
        return drop(f.ctx, Reason::TransportTruncated);
    }
    return Verdict::Forward;
}

// Decide the size (RFC 7915 §4.1) before anything is rewritten (an error
// quotes the packet as received). Translated ICMP errors are cut to 1280
// bytes instead; the hairpin pass returns to the side it came from; a GSO
// super-packet is segmented by the kernel afterwards; a quoted packet is
// never fragmented (§4.3).
[[nodiscard]] Verdict decide_size4(Flow4& f) noexcept {
    const Parsed4& in = f.in;
    f.hdr6_len = kIpv6HdrLen + (in.fragmented ? kFragHdrLen : 0);
    const std::size_t frag_mtu = std::min(f.t.lowest_ipv6_mtu, f.t.ipv6_mtu);
    if (f.hairpin || f.inner || in.icmp_error || f.pkt.gso || f.hdr6_len + in.l4_len <= frag_mtu)
        return Verdict::Forward;
    if (in.df && f.hdr6_len + in.l4_len > f.t.ipv6_mtu) {
        // DF set: Fragmentation Needed, announcing the largest IPv4
        // datagram (options included) whose translation fits.
        const std::size_t mtu4 = std::max<std::size_t>(f.t.ipv6_mtu - f.hdr6_len + in.ihl, kIpv4MinMtu);
        return refuse(
            f, Reason::TooBig,
            {icmp4::kDestUnreach, icmp4::kFragNeeded, static_cast<std::uint32_t>(std::min<std::size_t>(mtu4, 0xffff))},
            ErrorClass::Router);
    }
    if (!in.df) {
        // DF clear: the translator fragments to lowest-ipv6-mtu, adding a
        // Fragment Header (RFC 7915 §4, never for a packet that fits).
        f.cut = true;
        f.hdr6_len = kIpv6HdrLen + kFragHdrLen;
    }
    return Verdict::Forward;
}

// RFC 7915 §4.2: the ICMPv4 message as ICMPv6; an error is rebuilt
// around its quoted packet (icmp_4to6), which may move its start.
[[nodiscard]] Verdict emit_icmp4(Flow4& f) noexcept {
    const Parsed4& in = f.in;
    if (f.inner) {
        return quoted_icmp_4to6(f.ctx, in.l4, in.l4_len,
                                common::csum_pseudo6(f.src6.bytes.data(), f.dst6.bytes.data(),
                                                     static_cast<std::uint32_t>(in.l4_declared), proto::kIcmpv6));
    }
    IcmpOut r;
    const Verdict v =
        icmp_4to6(f.t, f.ctx, f.pkt, in.l4, in.l4_len, f.src6, f.dst6, f.hairpin ? Pass::Hairpin : Pass::Normal, r);
    f.out = r.msg;
    f.out_len = r.len;
    return v;
}

// RFC 7915 §4.5: a UDP datagram with checksum 0, as udp-cksum-mode says.
[[nodiscard]] Verdict emit_udp_zero4(Flow4& f) noexcept {
    const Parsed4& in = f.in;
    if (f.t.udp_cksum_mode == UdpCksumMode::Drop) return drop(f.ctx, Reason::UdpZeroChecksum);  // §4.5 option 1
    // §4.5: a stateless translator cannot checksum a fragmented datagram;
    // only "fwd" passes it on.
    if (in.fragmented) {
        if (f.t.udp_cksum_mode != UdpCksumMode::Forward) return drop(f.ctx, Reason::UdpZeroChecksumFragment);
    } else if (f.t.udp_cksum_mode == UdpCksumMode::Calc) {
        // §4.5 option 2 (erratum 6955): compute the UDP checksum.
        const std::uint32_t pseudo = common::csum_pseudo6(f.src6.bytes.data(), f.dst6.bytes.data(),
                                                          static_cast<std::uint32_t>(in.l4_len), proto::kUdp);
        const std::uint16_t sum = common::csum_finish(common::csum_partial(in.l4, in.l4_len, pseudo));
        store16(in.l4 + kUdpCsumOffset, sum == 0 ? 0xffff : sum);
    }
    // UdpCksumMode::Forward on a whole datagram: passed on with checksum 0.
    return Verdict::Forward;
}

// Emit the upper layer. RFC 7915 §4.5: swap the pseudo-header's address
// terms; only the first fragment carries the transport header (fragmented
// ICMP got here only quoted). A quoted packet keeps its declared length,
// its checksum adjusted where the quote reaches it, a zero UDP checksum
// left alone (§4.3).
[[nodiscard]] Verdict emit_payload4(Flow4& f) noexcept {
    const Parsed4& in = f.in;
    f.out = in.l4;
    f.out_len = in.l4_declared;
    if (in.frag_offset != 0) return Verdict::Forward;
    if (in.proto == proto::kIcmp) return emit_icmp4(f);
    if (!f.inner && in.proto == proto::kUdp && load16(in.l4 + kUdpCsumOffset) == 0) return emit_udp_zero4(f);
    adjust_l4_checksum(in.proto, in.l4, in.l4_len, common::csum_addrs4(in.src.bytes.data(), in.dst.bytes.data()),
                       common::csum_addrs6(f.src6.bytes.data(), f.dst6.bytes.data()));
    return Verdict::Forward;
}

// Emit the IPv6 header (plus a Fragment Header), which replaces the IPv4
// header and its options, ending where the payload begins (RFC 7915 §4.1);
// then fragment and count. A quoted packet's header ends there too; the
// ICMP error around it is laid out by icmp_4to6.
[[nodiscard]] Verdict emit_header4(Flow4& f) noexcept {
    const Parsed4& in = f.in;
    const bool with_fh = in.fragmented || f.cut;
    const std::uint8_t proto6 = in.proto == proto::kIcmp ? proto::kIcmpv6 : in.proto;
    if (static_cast<std::size_t>(f.out - f.pkt.base) < f.hdr6_len) return drop(f.ctx, Reason::NoBufferRoom);
    std::uint8_t* h = f.out - f.hdr6_len;
    // RFC 7915 §4.1: the TTL is decremented; not in the hairpin pass (RFC
    // 7757 §4.2.2), nor in a quoted packet (§4.3).
    const bool keep_ttl = f.hairpin || f.inner;
    write_ipv6_header(h, in.tos, static_cast<std::uint16_t>(f.hdr6_len - kIpv6HdrLen + f.out_len),
                      with_fh ? proto::kFragment : proto6, keep_ttl ? in.ttl : static_cast<std::uint8_t>(in.ttl - 1),
                      f.src6, f.dst6);
    // RFC 7915 §4.1: offset and M copied, ID = 0x0000 || IPv4 ID.
    if (with_fh) write_frag_header(h + kIpv6HdrLen, proto6, in.frag_offset, in.more_frags, in.id);
    if (f.inner) return Verdict::Forward;
    f.pkt.offset = static_cast<std::size_t>(h - f.pkt.base);
    f.pkt.length = f.hdr6_len + f.out_len;
    if (f.cut && !fragment6(f.ctx, f.pkt, std::min(f.t.lowest_ipv6_mtu, f.t.ipv6_mtu))) {
        return drop(f.ctx, Reason::NoBufferRoom);
    }
    ++f.ctx.counters.packets_4to6;
    f.ctx.counters.bytes_4to6 += f.hdr6_len + f.out_len;
    if (in.proto == proto::kIcmp) ++f.ctx.counters.icmp_translated_4to6;
    if (in.icmp_error && !f.hairpin) record_event(f.ctx, EventKind::Icmp, f.ctx.current.reason);
    return Verdict::Forward;
}

using Stage4 = Verdict (*)(Flow4&) noexcept;

// RFC 7915 §4, in order.
inline constexpr Stage4 kStages4[] = {parse4,          decide_header4, decide_src4,   decide_dst4,
                                      decide_payload4, decide_size4,   emit_payload4, emit_header4};

// Runs the stages in order until one does not pass the packet on.
[[nodiscard]] Verdict run_stages4(Flow4& f) noexcept {
    for (const Stage4 stage : kStages4) {
        if (const Verdict v = stage(f); v != Verdict::Forward) return v;
    }
    return Verdict::Forward;
}

}  // namespace

Verdict translate_4to6(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept {
    return translate_4to6_pass(t, ctx, pkt, Pass::Normal);
}

Verdict translate_4to6_pass(const Tables& t, Context& ctx, PacketBuf& pkt, Pass pass) noexcept {
    Flow4 f{t, ctx, pkt, pass == Pass::Hairpin};
    const Verdict v = run_stages4(f);
    if (v != Verdict::IcmpError) return v;
    // The one exit point for the translator's own errors.
    const Verdict sent = reject4(t, ctx, pkt, f.in, f.error);
    if (f.error.to_self) ctx.last_event.kind = EventKind::Self;
    return sent;
}

Verdict translate_quoted_4to6(const Tables& t, Context& ctx, PacketBuf& quote, Pass pass, Quoted& q) noexcept {
    Flow4 f{t, ctx, quote, pass == Pass::Hairpin, true};
    const Verdict v = run_stages4(f);
    q = Quoted{f.in.l4, f.in.l4_len, f.hdr6_len, f.in.ihl + f.in.l4_declared};
    return v;
}

}  // namespace nat64d::xlat
