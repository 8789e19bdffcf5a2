// RFC 7915 §5: IPv6 -> IPv4 (headers, extension headers, TCP/UDP/ICMP
// transport adjustment). ICMPv6 message translation is in icmp_6to4.cpp.
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
using common::load32;
using common::store16;

// One IPv6 packet on its way through the 6->4 stages: the parsed summary,
// the decisions taken so far and, for Verdict::IcmpError, the error to send.
struct Flow6 {
    const Tables& t;
    Context& ctx;
    PacketBuf& pkt;
    // RFC 7915 §5.3: the packet quoted in an ICMPv6 error, `pkt` as far as
    // quoted ("translated like an ordinary one"): the stages look at this
    // flag where its rules differ.
    bool inner = false;
    Parsed6 in{};
    Refusal error{};
    Ipv4Addr src4{};
    Ipv4Addr dst4{};
    bool hairpin = false;   // RFC 7757 §4.2.2: back to IPv6 after translation
    bool cut = false;       // fragmented to the IPv4 MTU by the translator
    bool udp_zero = false;  // a first fragment's UDP checksum is 0
    std::uint8_t proto4 = 0;
    std::uint8_t* out = nullptr;  // the translated upper layer
    std::size_t out_len = 0;
};

// Records the error the packet gets (sent, or not, at the one exit point);
// a quoted packet only drops.
[[nodiscard]] Verdict refuse(Flow6& f, Reason why, IcmpError err, ErrorClass cls) noexcept {
    if (f.inner) return drop(f.ctx, why);
    f.error = Refusal{why, err, cls};
    return Verdict::IcmpError;
}

// RFC 1812-style router rule (RFC 7915 §1.4): the packet cannot be carried
// by the next hop, so it gets a Packet Too Big announcing what the IPv4
// side carries (never below 1280, RFC 8021).
[[nodiscard]] IcmpError too_big6(const Tables& t) noexcept {
    return {icmp6::kPacketTooBig, 0, std::max(t.ipv4_mtu + 20, kIpv6MinMtu)};
}

// RFC 7915 §5.4: a discarded packet gets ICMPv6 1/1 (administratively
// prohibited) unless a rule names another error.
inline constexpr IcmpError kProhibited6{icmp6::kDestUnreach, icmp6::kAdminProhibited, 0};

// RFC 2675 §2-§3: a jumbogram has payload length 0, a Hop-by-Hop header
// holding one Jumbo Payload option (type 0xC2, length 4, at 4n+2) whose
// length is above 65535, and at least that many bytes after the IPv6
// header. Anything else with payload length 0 is malformed or cut short.
bool well_formed_jumbogram(const std::uint8_t* p, std::size_t length) noexcept {
    if (ConstIpv6View{p}.next_header() != proto::kHopByHop || length < kIpv6HdrLen + 8) return false;
    const std::size_t end = kIpv6HdrLen + (std::size_t{p[kIpv6HdrLen + 1]} + 1) * 8;
    if (end > length) return false;
    std::size_t off = kIpv6HdrLen + 2;
    while (off < end) {
        if (p[off] == 0) {  // Pad1
            ++off;
            continue;
        }
        if (off + 2 > end || off + 2 + p[off + 1] > end) return false;
        if (p[off] == 0xc2) {
            if (p[off + 1] != 4 || (off - kIpv6HdrLen) % 4 != 2) return false;
            const std::uint64_t jumbo = load32(p + off + 2);
            return jumbo > 0xffff && kIpv6HdrLen + jumbo <= length;
        }
        off += 2 + std::size_t{p[off + 1]};
    }
    return false;
}

// The fields every later stage reads, of the packet `p` with `len` bytes
// present and IP length `total`, its chain walked with `mode`.
void parse_ipv6(std::uint8_t* p, std::size_t len, std::size_t total, ExtWalk mode, Parsed6& in) noexcept {
    const ConstIpv6View ip{p};
    in.len = len;
    in.src = ip.src();
    in.dst = ip.dst();
    in.hop_limit = ip.hop_limit();
    in.traffic_class = ip.traffic_class();
    in.ext_ok = walk_ext_headers(p, len, mode, in.ext, in.ext_why);
    const Ext6& e = in.ext;
    in.l4 = p + e.l4_off;
    in.l4_len = in.len - e.l4_off;
    in.l4_declared = total - e.l4_off;
    in.fragmented = e.has_frag && (e.frag_offset != 0 || e.more_frags);
    in.first_fragment = !e.has_frag || e.frag_offset == 0;
    in.icmp_error =
        e.proto == proto::kIcmpv6 && !in.fragmented && in.l4_len > 0 && is_icmp6_error(ConstIcmpView{in.l4}.type());
}

// Parse the quoted packet (RFC 7915 §5.3): a whole header and extension
// header chain (the quoted rules of §5.1), as far as the error quotes it,
// and its Payload Length as declared (the upper layer may be cut short).
[[nodiscard]] Verdict parse_quoted6(Flow6& f) noexcept {
    std::uint8_t* p = f.pkt.data();
    const std::size_t avail = f.pkt.length;
    const ConstIpv6View ip{p};
    if (avail < kIpv6HdrLen || ip.version() != 6) return drop(f.ctx, Reason::InnerPacketBad);
    const std::size_t total = kIpv6HdrLen + ip.payload_len();
    parse_ipv6(p, std::min(avail, total), total, ExtWalk::Quoted, f.in);
    if (!f.in.ext_ok) return drop(f.ctx, Reason::InnerPacketBad);
    return Verdict::Forward;
}

// Parse: lengths, addresses, the extension header chain (walked once, for
// every later stage and the translator's own error), the upper layer.
[[nodiscard]] Verdict parse6(Flow6& f) noexcept {
    if (f.inner) return parse_quoted6(f);
    if (f.pkt.offset < kMaxPrepend) return drop(f.ctx, Reason::NoBufferRoom);  // caller bug: see kHeadroom
    if (f.pkt.length < kIpv6HdrLen) return drop(f.ctx, Reason::Truncated6);
    std::uint8_t* p = f.pkt.data();
    const Ipv6View ip{p};
    Parsed6& in = f.in;
    f.ctx.current.is_v6 = true;
    f.ctx.current.proto = ip.next_header();
    f.ctx.current.src6 = ip.src();
    f.ctx.current.dst6 = ip.dst();
    // RFC 2675 §3: a payload length of 0 without a valid Jumbo Payload is
    // dropped silently: answering it would let any 48-byte packet draw an
    // error. Trailing bytes past the payload are ignored.
    const std::size_t payload_len = ip.payload_len();
    in.jumbogram = payload_len == 0;
    if (in.jumbogram && !well_formed_jumbogram(p, f.pkt.length)) return drop(f.ctx, Reason::BadJumbogram);
    if (!in.jumbogram && kIpv6HdrLen + payload_len > f.pkt.length) return drop(f.ctx, Reason::Truncated6);
    in.len = in.jumbogram ? f.pkt.length : kIpv6HdrLen + payload_len;
    parse_ipv6(p, in.len, in.len, ExtWalk::Outer, in);
    return Verdict::Forward;
}

// The translator's own IPv6 address answers echo requests (TAYGA does too).
[[nodiscard]] Verdict echo_reply6(Flow6& f) noexcept {
    std::uint8_t* p = f.pkt.data();
    const Ipv6View ip{p};
    ip.set_src(f.in.dst);
    ip.set_dst(f.in.src);
    ip.set_hop_limit(kOwnHopLimit);
    // Swapping the addresses leaves the pseudo-header sum unchanged; only
    // the type word changes (RFC 1624 incremental update).
    rewrite_icmp_type(p + kIpv6HdrLen, icmp6::kEchoReply);
    f.pkt.length = f.in.len;
    ++f.ctx.counters.local_replies;
    record_event(f.ctx, EventKind::Self, Reason::LocalUnsupported);
    return Verdict::Local;
}

// A packet to ipv6-addr. The translator is a node there only for ICMPv6:
// an echo request is answered, other ICMPv6 is dropped, and any other
// upper-layer protocol gets Parameter Problem, unrecognized Next Header,
// pointing at the field that names it (RFC 8200 §4, as TAYGA answers).
[[nodiscard]] Verdict to_self6(Flow6& f) noexcept {
    const std::uint8_t* p = f.pkt.data();
    if (ConstIpv6View{p}.next_header() == proto::kIcmpv6 && f.in.len >= kIpv6HdrLen + kIcmpHdrLen &&
        ConstIcmpView{p + kIpv6HdrLen}.type() == icmp6::kEchoRequest) {
        return echo_reply6(f);
    }
    const Ext6& e = f.in.ext;
    Reason why{};
    if (e.passes(ExtWalk::Quoted, why) && e.proto != proto::kIcmpv6) {
        const Verdict v =
            refuse(f, Reason::ProtocolUnreachable,
                   {icmp6::kParamProblem, icmp6::kUnrecognizedNextHeader, static_cast<std::uint32_t>(e.proto_off)},
                   ErrorClass::Router);
        f.error.to_self = true;
        return v;
    }
    return drop(f.ctx, Reason::LocalUnsupported, EventKind::Self);
}

// Decide what the outer header alone decides: a jumbogram, a packet to the
// translator, address classes, the hop limit.
[[nodiscard]] Verdict decide_header6(Flow6& f) noexcept {
    // RFC 7915 §5.3: the quoted packet has been forwarded already; its
    // addresses and hop limit are history, refused by none of these rules.
    if (f.inner) return Verdict::Forward;
    // RFC 2675 §3: IPv4 cannot carry a jumbogram, so a well-formed one gets
    // Packet Too Big, as from a link that cannot carry it.
    if (f.in.jumbogram) return refuse(f, Reason::Jumbogram, too_big6(f.t), ErrorClass::Router);
    if (f.in.dst == f.t.ipv6_addr) return to_self6(f);
    // RFC 7915 §1.2: multicast has no RFC 6052 image. Checked before the
    // hop limit: the kernel's own MLD reports on the TUN link (hop limit 1)
    // are not expired packets, and get no error (RFC 4443 §2.4(e.3)).
    if (f.in.dst.bytes[0] == 0xff) return drop(f.ctx, Reason::MulticastDestination);
    // Unspecified, loopback, IPv4-compatible/-mapped and link-local
    // addresses never cross a router (RFC 4291 §2.5; addr/special.hpp).
    if (addr::is_reserved_ipv6(f.in.src)) return drop(f.ctx, Reason::IllegalSource);
    if (addr::is_reserved_ipv6(f.in.dst)) return drop(f.ctx, Reason::ReservedDestination);
    // RFC 7915 §5.1: decrement, and at zero send Time Exceeded instead.
    if (f.in.hop_limit <= 1) {
        return refuse(f, Reason::HopLimitExpired, {icmp6::kTimeExceeded, icmp6::kHopLimitExceeded, 0},
                      ErrorClass::Router);
    }
    return Verdict::Forward;
}

// Decide what the extension headers and the upper layer decide. What the
// packet alone decides comes before any mapping, so that no pool lease is
// made for a packet that is refused anyway.
[[nodiscard]] Verdict decide_payload6(Flow6& f) noexcept {
    const Parsed6& in = f.in;
    if (!in.ext_ok) {
        if (in.ext_why == Reason::RoutingHeader) {
            return refuse(f, in.ext_why,
                          {icmp6::kParamProblem, icmp6::kErroneousField, static_cast<std::uint32_t>(in.ext.bad_off)},
                          ErrorClass::Router);
        }
        // RFC 7915 §5.1.1: not translated; §5.4: the sender is told.
        if (in.ext.ext_after_fragment) return refuse(f, in.ext_why, kProhibited6, ErrorClass::Policy);
        return drop(f.ctx, in.ext_why);
    }
    const std::uint8_t upper = in.ext.proto;
    // RFC 7915 §5.1 maps ICMPv6 to ICMPv4, never the other way: ICMPv4
    // inside IPv6 has no meaning on either side.
    if (upper == proto::kIcmp) return drop(f.ctx, Reason::Icmpv4InIpv6);
    // RFC 7915 §5.3: a quoted upper layer is carried as far as quoted (a
    // fragment of ICMPv6 or a zero UDP checksum included) under an IPv4
    // header that must hold its declared length.
    if (f.inner) return kIpv4HdrLen + in.l4_declared > 0xffff ? drop(f.ctx, Reason::InnerPacketBad) : Verdict::Forward;
    // RFC 7915 §1.2: fragmented ICMP is not translated.
    if (upper == proto::kIcmpv6 && in.fragmented) return drop(f.ctx, Reason::FragmentedIcmp);
    if (in.first_fragment && upper == proto::kTcp && in.l4_len < kTcpCsumOffset + 2) {
        return drop(f.ctx, Reason::TransportTruncated);
    }
    if (in.first_fragment && upper == proto::kUdp && in.l4_len < kUdpHdrLen) {
        return drop(f.ctx, Reason::TransportTruncated);
    }
    // A zero UDP checksum is illegal in IPv6 (RFC 8200 §8.1): udp-cksum-mode
    // decides, as in the other direction (RFC 7915 §4.5). A fragment
    // cannot be checksummed alone: only `fwd` passes it.
    f.udp_zero = in.first_fragment && upper == proto::kUdp && load16(in.l4 + kUdpCsumOffset) == 0;
    if (f.udp_zero && f.t.udp_cksum_mode == UdpCksumMode::Drop) return drop(f.ctx, Reason::UdpZeroChecksum);
    if (f.udp_zero && in.fragmented && f.t.udp_cksum_mode != UdpCksumMode::Forward) {
        return drop(f.ctx, Reason::UdpZeroChecksumFragment);
    }
    return Verdict::Forward;
}

// Decide the IPv4 destination first (it never leases): a refused
// destination must not cost a pool address for the sender. RFC 6052 §3.1
// (WKP, non-global IPv4): no route to it, 1/0 (as TAYGA answers). An
// unmapped destination that deny4 excludes, or whose IPv4 address would be
// routed straight back into the TUN device: address unreachable (RFC 4443
// §3.1 code 3, the counterpart of ICMPv4 host unreachable).
[[nodiscard]] Verdict decide_dst6(Flow6& f) noexcept {
    const IcmpError addr_unreachable{icmp6::kDestUnreach, icmp6::kAddrUnreach, 0};
    MapMiss miss = MapMiss::None;
    bool via_prefix = false;
    const auto dst4 = map_6to4(f.t, f.ctx, f.in.dst, miss, via_prefix);
    if (!dst4) {
        if (f.inner) return drop(f.ctx, Reason::InnerUnmappable);  // RFC 7915 §5.3: the error is dropped
        if (miss == MapMiss::Reserved) return drop(f.ctx, Reason::ReservedDestination);
        if (miss == MapMiss::Denied) {
            return refuse(f, Reason::UnmappedDestination, addr_unreachable, ErrorClass::Router);
        }
        const IcmpError err =
            miss == MapMiss::WkpNonGlobal ? IcmpError{icmp6::kDestUnreach, icmp6::kNoRoute, 0} : kProhibited6;
        return refuse(f, miss_reason(miss, Reason::DstUnmappable6), err, ErrorClass::Policy);
    }
    f.dst4 = *dst4;
    if (f.inner) return Verdict::Forward;  // the quoted packet is not routed: no hairpin, no loop
    // RFC 7757 §4.2.2 intrinsic hairpinning: the IPv4 destination stands
    // for an IPv6 host (EAM or pool), not for the address we were given.
    if (f.t.hairpin) {
        MapMiss back_miss = MapMiss::None;
        const auto back = map_4to6(f.t, f.ctx, f.dst4, back_miss);
        f.hairpin = back && *back != f.in.dst;
    }
    if (!f.hairpin && via_prefix && loops_back_6to4(f.t, f.ctx, f.dst4)) {
        return refuse(f, Reason::UnmappedDestination, addr_unreachable, ErrorClass::Router);
    }
    return Verdict::Forward;
}

// Then the IPv4 source (TAYGA's order). Only a source may lease from the
// dynamic pool; an ICMPv6 error from an unmapped router takes ipv4-addr. A
// quoted source (RFC 7915 §5.3) finds an existing mapping or drops the
// error: no lease, no anti-spoofing rule, no ipv4-addr.
[[nodiscard]] Verdict decide_src6(Flow6& f) noexcept {
    MapMiss miss = MapMiss::None;
    auto src4 =
        f.inner ? map_6to4(f.t, f.ctx, f.in.src, miss) : map_6to4_src(f.t, f.ctx, f.in.src, miss, !f.in.icmp_error);
    if (f.inner && !src4) return drop(f.ctx, Reason::InnerUnmappable);
    if (!src4 && f.in.icmp_error && f.t.ipv4_addr != Ipv4Addr{} && miss != MapMiss::Reserved &&
        miss != MapMiss::Spoofed && miss != MapMiss::Denied) {
        // RFC 6791 / RFC 7915 §6: an ICMPv6 error from an IPv6 router with
        // no IPv4 mapping leaves from the translator's own IPv4 address.
        src4 = f.t.ipv4_addr;
    }
    if (!src4) {
        if (miss == MapMiss::Reserved) return drop(f.ctx, Reason::IllegalSource);
        // RFC 4443 §3.1 code 5, "source address failed ingress/egress
        // policy": a spoofed source (RFC 6052 §5.1), a WKP source with a
        // non-global IPv4 address (RFC 6052 §3.1), or one in deny4.
        const bool policy = miss == MapMiss::Spoofed || miss == MapMiss::WkpNonGlobal || miss == MapMiss::Denied;
        const IcmpError err = policy ? IcmpError{icmp6::kDestUnreach, icmp6::kSourcePolicy, 0} : kProhibited6;
        return refuse(f, miss_reason(miss, Reason::SrcUnmappable6), err, ErrorClass::Policy);
    }
    f.src4 = *src4;
    return Verdict::Forward;
}

// Decide the size (RFC 7915 §5.1.1, §1.4) before anything is rewritten
// (after the source: a Packet Too Big names a flow that will need its
// lease); not for a hairpinned packet (it returns to IPv6), a GSO
// super-packet, nor a quoted packet (§5.3).
[[nodiscard]] Verdict decide_size6(Flow6& f) noexcept {
    const std::size_t total = kIpv4HdrLen + f.in.l4_len;
    if (f.hairpin || f.inner || f.in.icmp_error || f.pkt.gso || total <= f.t.ipv4_mtu) return Verdict::Forward;
    // A packet that came with a Fragment Header, or whose translation goes
    // out with DF=0 (<= 1260 bytes), is fragmented in IPv4; otherwise
    // (DF=1) the sender learns the MTU from a Packet Too Big.
    if (!f.in.ext.has_frag && total > kDfThreshold) {
        return refuse(f, Reason::TooBig, too_big6(f.t), ErrorClass::Router);
    }
    f.cut = true;
    return Verdict::Forward;
}

// Emit the upper layer. RFC 7915 §5.5: the pseudo-header changed from IPv6
// to IPv4 addresses; only the first fragment carries the transport header
// (fragmented ICMPv6 got here only quoted). A quoted packet keeps its
// declared length, its checksum adjusted where the quote reaches it
// (§5.3).
[[nodiscard]] Verdict emit_payload6(Flow6& f) noexcept {
    const Parsed6& in = f.in;
    const std::uint8_t upper = in.ext.proto;
    f.proto4 = upper == proto::kIcmpv6 ? proto::kIcmp : upper;
    f.out = in.l4;
    f.out_len = in.l4_declared;
    if (upper == proto::kIcmpv6 && in.first_fragment) {
        const std::uint32_t pseudo = common::csum_pseudo6(in.src.bytes.data(), in.dst.bytes.data(),
                                                          static_cast<std::uint32_t>(f.out_len), proto::kIcmpv6);
        if (f.inner) return quoted_icmp_6to4(f.ctx, in.l4, in.l4_len, pseudo);
        IcmpOut r;
        const Verdict v = icmp_6to4(f.t, f.ctx, f.pkt, in.l4, in.l4_len, pseudo, r);
        f.out = r.msg;
        f.out_len = r.len;
        return v;
    }
    if (f.udp_zero) {
        // udp-cksum-mode calc on a whole datagram (the others left above or
        // pass it on with checksum 0): RFC 768 over the IPv4 pseudo-header.
        if (f.t.udp_cksum_mode == UdpCksumMode::Calc) {
            const std::uint32_t pseudo = common::csum_pseudo4(f.src4.bytes.data(), f.dst4.bytes.data(),
                                                              static_cast<std::uint16_t>(in.l4_len), proto::kUdp);
            const std::uint16_t sum = common::csum_finish(common::csum_partial(in.l4, in.l4_len, pseudo));
            store16(in.l4 + kUdpCsumOffset, sum == 0 ? 0xffff : sum);
        }
    } else if (in.first_fragment) {
        adjust_l4_checksum(upper, in.l4, in.l4_len, common::csum_addrs6(in.src.bytes.data(), in.dst.bytes.data()),
                           common::csum_addrs4(f.src4.bytes.data(), f.dst4.bytes.data()));
    }
    return Verdict::Forward;
}

// Emit the IPv4 header (RFC 7915 §5.1 / §5.1.1), which replaces the IPv6
// header and the skipped extension headers, ending where the payload
// begins; then fragment, count, and hairpin. A quoted packet's header ends
// there too, its hop limit kept (§5.3); the ICMP error around it is laid
// out by icmp_6to4.
[[nodiscard]] Verdict emit_header6(Flow6& f) noexcept {
    const Ext6& e = f.in.ext;
    std::uint8_t* h = f.out - kIpv4HdrLen;
    const std::size_t out_total = kIpv4HdrLen + f.out_len;
    std::uint16_t id = 0;
    std::uint16_t flags = 0;
    if (e.has_frag) {
        id = static_cast<std::uint16_t>(e.frag_id);  // low 16 bits (§5.1.1), DF clear
        flags = static_cast<std::uint16_t>((e.more_frags ? kIpv4FlagMf : 0) | e.frag_offset);
    } else if (out_total > kDfThreshold) {
        flags = kIpv4FlagDf;  // §5.1: DF by size, never atomic fragments; ID 0 (RFC 6864 §4.1)
    } else if (!f.inner) {
        id = f.ctx.ipv4_ids.next();  // RFC 6864 §4.3: may be fragmented on the way
    }  // a quoted packet's own ID is not recoverable (ID 0): receivers match on the transport header
    write_ipv4_header(h, f.in.traffic_class, static_cast<std::uint16_t>(out_total), id, flags,
                      f.inner ? f.in.hop_limit : static_cast<std::uint8_t>(f.in.hop_limit - 1), f.proto4, f.src4,
                      f.dst4);
    if (f.inner) return Verdict::Forward;
    f.pkt.offset = static_cast<std::size_t>(h - f.pkt.base);
    f.pkt.length = out_total;
    if (f.cut && !fragment4(f.ctx, f.pkt, f.t.ipv4_mtu)) return drop(f.ctx, Reason::NoBufferRoom);
    ++f.ctx.counters.packets_6to4;
    f.ctx.counters.bytes_6to4 += out_total;
    if (f.proto4 == proto::kIcmp) ++f.ctx.counters.icmp_translated_6to4;
    Verdict v = Verdict::Forward;
    if (f.hairpin) {
        // RFC 7757 §4.2.2: straight back to IPv6 before any IPv4 forwarding.
        ++f.ctx.counters.hairpinned;
        v = translate_4to6_pass(f.t, f.ctx, f.pkt, Pass::Hairpin);
    }
    if (v == Verdict::Forward && f.in.icmp_error) record_event(f.ctx, EventKind::Icmp, f.ctx.current.reason);
    return v;
}

using Stage6 = Verdict (*)(Flow6&) noexcept;

// RFC 7915 §5, in order.
inline constexpr Stage6 kStages6[] = {parse6,      decide_header6, decide_payload6, decide_dst6,
                                      decide_src6, decide_size6,   emit_payload6,   emit_header6};

// Runs the stages in order until one does not pass the packet on.
[[nodiscard]] Verdict run_stages6(Flow6& f) noexcept {
    for (const Stage6 stage : kStages6) {
        if (const Verdict v = stage(f); v != Verdict::Forward) return v;
    }
    return Verdict::Forward;
}

}  // namespace

Verdict translate_6to4(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept {
    Flow6 f{t, ctx, pkt};
    const Verdict v = run_stages6(f);
    if (v != Verdict::IcmpError) return v;
    // The one exit point for the translator's own errors.
    const Verdict sent = reject6(t, ctx, pkt, f.in, f.error);
    if (f.error.to_self) ctx.last_event.kind = EventKind::Self;
    return sent;
}

Verdict translate_quoted_6to4(const Tables& t, Context& ctx, PacketBuf& quote, Quoted& q) noexcept {
    Flow6 f{t, ctx, quote, true};
    const Verdict v = run_stages6(f);
    q = Quoted{f.in.l4, f.in.l4_len, kIpv4HdrLen, f.in.ext.l4_off + f.in.l4_declared};
    return v;
}

}  // namespace nat64d::xlat
