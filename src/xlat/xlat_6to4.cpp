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

// The translator's own IPv6 address answers echo requests (TAYGA does too).
[[nodiscard]] Verdict echo_reply6(Context& ctx, PacketBuf& pkt, std::size_t len) noexcept {
    std::uint8_t* p = pkt.data();
    const Ipv6View ip{p};
    const Ipv6Addr src = ip.src();
    ip.set_src(ip.dst());
    ip.set_dst(src);
    ip.set_hop_limit(kOwnHopLimit);
    // Swapping the addresses leaves the pseudo-header sum unchanged; only
    // the type word changes (RFC 1624 incremental update).
    rewrite_icmp_type(p + kIpv6HdrLen, icmp6::kEchoReply);
    pkt.length = len;
    ++ctx.counters.local_replies;
    record_event(ctx, EventKind::Self, Reason::LocalUnsupported);
    return Verdict::Local;
}

// A packet to ipv6-addr. The translator is a node there only for ICMPv6:
// an echo request is answered, other ICMPv6 is dropped, and any other
// upper-layer protocol gets Parameter Problem, unrecognized Next Header,
// pointing at the field that names it (RFC 8200 §4, as TAYGA answers).
[[nodiscard]] Verdict to_self6(const Tables& t, Context& ctx, PacketBuf& pkt, std::size_t len) noexcept {
    std::uint8_t* p = pkt.data();
    if (Ipv6View{p}.next_header() == proto::kIcmpv6 && len >= kIpv6HdrLen + kIcmpHdrLen &&
        IcmpView{p + kIpv6HdrLen}.type() == icmp6::kEchoRequest) {
        return echo_reply6(ctx, pkt, len);
    }
    Ext6 e;
    Reason why{};
    if (walk_ext_headers(p, len, ExtWalk::Quoted, e, why) && e.proto != proto::kIcmpv6) {
        const Verdict v =
            reject6(t, ctx, pkt, len, Reason::ProtocolUnreachable,
                    {icmp6::kParamProblem, icmp6::kUnrecognizedNextHeader, static_cast<std::uint32_t>(e.proto_off)},
                    ErrorClass::Router);
        ctx.last_event.kind = EventKind::Self;
        return v;
    }
    return drop(ctx, Reason::LocalUnsupported, EventKind::Self);
}

}  // namespace

namespace {

// RFC 2675 §2-§3: a jumbogram has payload length 0, a Hop-by-Hop header
// holding one Jumbo Payload option (type 0xC2, length 4, at 4n+2) whose
// length is above 65535, and at least that many bytes after the IPv6
// header. Anything else with payload length 0 is malformed or cut short.
bool well_formed_jumbogram(const std::uint8_t* p, std::size_t length) noexcept {
    if (p[6] != proto::kHopByHop || length < kIpv6HdrLen + 8) return false;
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

}  // namespace

Verdict translate_6to4(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept {
    std::uint8_t* p = pkt.data();
    if (pkt.offset < kMaxPrepend) return drop(ctx, Reason::NoBufferRoom);  // caller bug: see kHeadroom
    if (pkt.length < kIpv6HdrLen) return drop(ctx, Reason::Truncated6);
    const Ipv6View ip{p};
    const Ipv6Addr src6 = ip.src();
    const Ipv6Addr dst6 = ip.dst();
    ctx.current.is_v6 = true;
    ctx.current.proto = ip.next_header();
    ctx.current.src6 = src6;
    ctx.current.dst6 = dst6;

    // RFC 1812-style router rule (RFC 7915 §1.4): the packet cannot be
    // carried by the next hop, so it gets a Packet Too Big announcing what
    // the IPv4 side carries (never below 1280, RFC 8021).
    const IcmpError too_big{icmp6::kPacketTooBig, 0, std::max(t.ipv4_mtu + 20, kIpv6MinMtu)};
    const std::size_t payload_len = ip.payload_len();
    // RFC 2675 §3: IPv4 cannot carry a jumbogram, so a well-formed one gets
    // Packet Too Big, as from a link that cannot carry it. A payload length
    // of 0 without a valid Jumbo Payload, or one cut short, is dropped
    // silently: answering it would let any 48-byte packet draw an error.
    if (payload_len == 0) {
        if (!well_formed_jumbogram(p, pkt.length)) return drop(ctx, Reason::BadJumbogram);
        return reject6(t, ctx, pkt, pkt.length, Reason::Jumbogram, too_big, ErrorClass::Router);
    }
    if (kIpv6HdrLen + payload_len > pkt.length) return drop(ctx, Reason::Truncated6);
    const std::size_t len = kIpv6HdrLen + payload_len;  // trailing bytes past the payload are ignored
    if (dst6 == t.ipv6_addr) return to_self6(t, ctx, pkt, len);

    // RFC 7915 §1.2: multicast has no RFC 6052 image. Checked before the
    // hop limit: the kernel's own MLD reports on the TUN link (hop limit 1)
    // are not expired packets, and get no error (RFC 4443 §2.4(e.3)).
    if (dst6.bytes[0] == 0xff) return drop(ctx, Reason::MulticastDestination);
    // Unspecified, loopback, IPv4-compatible/-mapped and link-local
    // addresses never cross a router (RFC 4291 §2.5; addr/special.hpp).
    if (addr::is_reserved_ipv6(src6)) return drop(ctx, Reason::IllegalSource);
    if (addr::is_reserved_ipv6(dst6)) return drop(ctx, Reason::ReservedDestination);

    const std::uint8_t hop_limit = ip.hop_limit();
    const std::uint8_t traffic_class = ip.traffic_class();
    // RFC 7915 §5.1: decrement, and at zero send Time Exceeded instead.
    if (hop_limit <= 1) {
        return reject6(t, ctx, pkt, len, Reason::HopLimitExpired, {icmp6::kTimeExceeded, icmp6::kHopLimitExceeded, 0},
                       ErrorClass::Router);
    }
    // RFC 7915 §5.4: a discarded packet gets ICMPv6 1/1 (administratively
    // prohibited) unless a rule names another error.
    const IcmpError prohibited{icmp6::kDestUnreach, icmp6::kAdminProhibited, 0};

    Ext6 e;
    Reason why{};
    if (!walk_ext_headers(p, len, ExtWalk::Outer, e, why)) {
        if (why == Reason::RoutingHeader) {
            return reject6(t, ctx, pkt, len, why,
                           {icmp6::kParamProblem, icmp6::kErroneousField, static_cast<std::uint32_t>(e.bad_off)},
                           ErrorClass::Router);
        }
        // RFC 7915 §5.1.1: not translated; §5.4: the sender is told.
        if (e.ext_after_fragment) return reject6(t, ctx, pkt, len, why, prohibited, ErrorClass::Policy);
        return drop(ctx, why);
    }
    // RFC 7915 §5.1 maps ICMPv6 to ICMPv4, never the other way: ICMPv4
    // inside IPv6 has no meaning on either side.
    if (e.proto == proto::kIcmp) return drop(ctx, Reason::Icmpv4InIpv6);

    std::uint8_t* l4 = p + e.l4_off;
    const std::size_t l4_len = len - e.l4_off;
    const bool fragmented = e.has_frag && (e.frag_offset != 0 || e.more_frags);
    const bool first_fragment = !e.has_frag || e.frag_offset == 0;
    const bool icmp_error = e.proto == proto::kIcmpv6 && !fragmented && l4_len > 0 && is_icmp6_error(l4[0]);

    // What the packet alone decides comes before any mapping, so that no
    // pool lease is made for a packet that is refused anyway.
    // RFC 7915 §1.2: fragmented ICMP is not translated.
    if (e.proto == proto::kIcmpv6 && fragmented) return drop(ctx, Reason::FragmentedIcmp);
    if (first_fragment && e.proto == proto::kTcp && l4_len < kTcpCsumOffset + 2) {
        return drop(ctx, Reason::TransportTruncated);
    }
    if (first_fragment && e.proto == proto::kUdp && l4_len < kUdpHdrLen) return drop(ctx, Reason::TransportTruncated);
    // A zero UDP checksum is illegal in IPv6 (RFC 8200 §8.1): udp-cksum-mode
    // decides, as in the other direction (RFC 7915 §4.5). A fragment
    // cannot be checksummed alone: only `fwd` passes it.
    const bool udp_zero = first_fragment && e.proto == proto::kUdp && load16(l4 + kUdpCsumOffset) == 0;
    if (udp_zero && t.udp_cksum_mode == UdpCksumMode::Drop) return drop(ctx, Reason::UdpZeroChecksum);
    if (udp_zero && fragmented && t.udp_cksum_mode != UdpCksumMode::Forward) {
        return drop(ctx, Reason::UdpZeroChecksumFragment);
    }

    // The destination first (it never leases): a refused destination must
    // not cost a pool address for the sender. RFC 6052 §3.1 (WKP, non-global
    // IPv4): no route to it, 1/0 (as TAYGA answers).
    // An unmapped destination that deny4 excludes, or whose IPv4 address
    // would be routed straight back into the TUN device (below): address
    // unreachable (RFC 4443 §3.1 code 3, the counterpart of ICMPv4 host
    // unreachable), never translated.
    const IcmpError addr_unreachable{icmp6::kDestUnreach, icmp6::kAddrUnreach, 0};
    MapMiss miss = MapMiss::None;
    bool dst_via_prefix = false;
    const auto dst4 = map_6to4(t, ctx, dst6, miss, dst_via_prefix);
    if (!dst4) {
        if (miss == MapMiss::Reserved) return drop(ctx, Reason::ReservedDestination);
        if (miss == MapMiss::Denied) {
            return reject6(t, ctx, pkt, len, Reason::UnmappedDestination, addr_unreachable, ErrorClass::Router);
        }
        const IcmpError err =
            miss == MapMiss::WkpNonGlobal ? IcmpError{icmp6::kDestUnreach, icmp6::kNoRoute, 0} : prohibited;
        return reject6(t, ctx, pkt, len, miss_reason(miss, Reason::DstUnmappable6), err, ErrorClass::Policy);
    }
    // RFC 7757 §4.2.2 intrinsic hairpinning: the IPv4 destination stands
    // for an IPv6 host (EAM or pool), not for the address we were given.
    bool hairpin = false;
    if (t.hairpin) {
        MapMiss back_miss = MapMiss::None;
        const auto back = map_4to6(t, ctx, *dst4, back_miss);
        hairpin = back && *back != dst6;
    }
    if (!hairpin && dst_via_prefix && loops_back_6to4(t, ctx, *dst4)) {
        return reject6(t, ctx, pkt, len, Reason::UnmappedDestination, addr_unreachable, ErrorClass::Router);
    }

    // Then the source (TAYGA's order). Only a source may lease from the
    // dynamic pool; an ICMPv6 error from an unmapped router takes ipv4-addr
    // below instead.
    auto src4 = map_6to4_src(t, ctx, src6, miss, !icmp_error);
    if (!src4 && icmp_error && t.ipv4_addr != Ipv4Addr{} && miss != MapMiss::Reserved && miss != MapMiss::Spoofed &&
        miss != MapMiss::Denied) {
        // RFC 6791 / RFC 7915 §6: an ICMPv6 error from an IPv6 router with
        // no IPv4 mapping leaves from the translator's own IPv4 address.
        src4 = t.ipv4_addr;
    }
    if (!src4) {
        if (miss == MapMiss::Reserved) return drop(ctx, Reason::IllegalSource);
        // RFC 4443 §3.1 code 5, "source address failed ingress/egress
        // policy": a spoofed source (RFC 6052 §5.1), a WKP source with a
        // non-global IPv4 address (RFC 6052 §3.1), or one in deny4.
        const bool policy = miss == MapMiss::Spoofed || miss == MapMiss::WkpNonGlobal || miss == MapMiss::Denied;
        const IcmpError err = policy ? IcmpError{icmp6::kDestUnreach, icmp6::kSourcePolicy, 0} : prohibited;
        return reject6(t, ctx, pkt, len, miss_reason(miss, Reason::SrcUnmappable6), err, ErrorClass::Policy);
    }

    // Size (RFC 7915 §5.1.1, §1.4), decided before anything is rewritten
    // (after the source: a Packet Too Big names a flow that will need its
    // lease); not for a hairpinned packet (it returns to IPv6) nor a GSO
    // super-packet.
    const std::size_t total = kIpv4HdrLen + l4_len;
    bool cut = false;
    if (!hairpin && !icmp_error && !pkt.gso && total > t.ipv4_mtu) {
        // A packet that came with a Fragment Header, or whose translation
        // goes out with DF=0 (<= 1260 bytes), is fragmented in IPv4;
        // otherwise (DF=1) the sender learns the MTU from a Packet Too Big.
        if (e.has_frag || total <= kDfThreshold) {
            cut = true;
        } else {
            return reject6(t, ctx, pkt, len, Reason::TooBig, too_big, ErrorClass::Router);
        }
    }

    // RFC 7915 §5.5: the pseudo-header changed from IPv6 to IPv4 addresses;
    // only the first fragment carries the transport header.
    std::uint8_t proto4 = e.proto;
    std::uint8_t* out = l4;
    std::size_t out_len = l4_len;
    if (e.proto == proto::kIcmpv6) {
        proto4 = proto::kIcmp;
        const std::uint32_t pseudo = common::csum_pseudo6(src6.bytes.data(), dst6.bytes.data(),
                                                          static_cast<std::uint32_t>(l4_len), proto::kIcmpv6);
        IcmpOut r;
        const Verdict v = icmp_6to4(t, ctx, l4, l4_len, pseudo, pkt.base + pkt.capacity, r);
        if (v != Verdict::Forward) return v;
        out = r.msg;
        out_len = r.len;
    } else if (udp_zero) {
        // udp-cksum-mode calc on a whole datagram (the others left above or
        // pass it on with checksum 0): RFC 768 over the IPv4 pseudo-header.
        if (t.udp_cksum_mode == UdpCksumMode::Calc) {
            const std::uint32_t pseudo = common::csum_pseudo4(src4->bytes.data(), dst4->bytes.data(),
                                                              static_cast<std::uint16_t>(l4_len), proto::kUdp);
            const std::uint16_t sum = common::csum_finish(common::csum_partial(l4, l4_len, pseudo));
            store16(l4 + kUdpCsumOffset, sum == 0 ? 0xffff : sum);
        }
    } else if (first_fragment) {
        adjust_l4_checksum(e.proto, l4, l4_len, common::csum_addrs6(src6.bytes.data(), dst6.bytes.data()),
                           common::csum_addrs4(src4->bytes.data(), dst4->bytes.data()));
    }

    // RFC 7915 §5.1 / §5.1.1: the IPv4 header replaces the IPv6 header and
    // the skipped extension headers, ending where the payload begins.
    std::uint8_t* h = out - kIpv4HdrLen;
    const std::size_t out_total = kIpv4HdrLen + out_len;
    std::uint16_t id = 0;
    std::uint16_t flags = 0;
    if (e.has_frag) {
        id = static_cast<std::uint16_t>(e.frag_id);  // low 16 bits (§5.1.1), DF clear
        flags = static_cast<std::uint16_t>((e.more_frags ? kIpv4FlagMf : 0) | e.frag_offset);
    } else if (out_total > kDfThreshold) {
        flags = kIpv4FlagDf;  // §5.1: DF by size, never atomic fragments; ID 0 (RFC 6864 §4.1)
    } else {
        id = ctx.ipv4_ids.next();  // RFC 6864 §4.3: may be fragmented on the way
    }
    write_ipv4_header(h, traffic_class, static_cast<std::uint16_t>(out_total), id, flags,
                      static_cast<std::uint8_t>(hop_limit - 1), proto4, *src4, *dst4);

    pkt.offset = static_cast<std::size_t>(h - pkt.base);
    pkt.length = out_total;
    if (cut && !fragment4(ctx, pkt, t.ipv4_mtu)) return drop(ctx, Reason::NoBufferRoom);
    ++ctx.counters.packets_6to4;
    ctx.counters.bytes_6to4 += out_total;
    if (proto4 == proto::kIcmp) ++ctx.counters.icmp_translated_6to4;
    if (hairpin) {
        // RFC 7757 §4.2.2: straight back to IPv6 before any IPv4 forwarding.
        ++ctx.counters.hairpinned;
        const Verdict v = translate_4to6_pass(t, ctx, pkt, Pass::Hairpin);
        if (v == Verdict::Forward && icmp_error) record_event(ctx, EventKind::Icmp, ctx.current.reason);
        return v;
    }
    if (icmp_error) record_event(ctx, EventKind::Icmp, ctx.current.reason);
    return Verdict::Forward;
}

}  // namespace nat64d::xlat
