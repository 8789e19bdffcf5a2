// RFC 7915 §4.2 (ICMPv4 -> ICMPv6) and §4.3 (the packet quoted in an
// ICMPv4 error).
#include <algorithm>
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"
#include "xlat/views.hpp"

namespace nat64d::xlat {
namespace {

// The translated header of the quoted packet, assembled apart because it
// overlaps the bytes it is made from.
struct Inner4to6 {
    std::uint8_t hdr6[kIpv6HdrLen + kFragHdrLen]{};
    std::size_t hdr6_len = 0;
    std::size_t ihl = 0;
    std::size_t total_len = 0;  // the quoted packet's own Total Length
};

// Echo Request/Reply: only the type changes; the checksum gains the IPv6
// pseudo-header (partial sum `pseudo6`) and the new type word (RFC 1624).
void echo_4to6(std::uint8_t* icmp, std::uint32_t pseudo6) noexcept {
    rewrite_icmp_type(icmp, IcmpView{icmp}.type() == icmp4::kEchoRequest ? icmp6::kEchoRequest : icmp6::kEchoReply, 0,
                      pseudo6);
}

// RFC 7915 §4.3: the quoted IPv4 packet is translated like an ordinary one
// (addresses by the same mapping, "illegal" ones included, §4.1; each one
// looked up on its own, RFC 7757 §3.2), except that its TTL is kept. Its
// transport checksum is adjusted when the quoted bytes reach it. In the
// hairpin pass its destination avoids the EAM table (RFC 7757 §4.2.1 rule 2).
[[nodiscard]] Verdict inner_4to6(const Tables& t, Context& ctx, std::uint8_t* in, std::size_t avail, Pass pass,
                                 Inner4to6& r) noexcept {
    const Ipv4View ip{in};
    if (avail < kIpv4HdrLen || ip.version() != 4) return drop(ctx, Reason::InnerPacketBad);
    r.ihl = ip.ihl();
    r.total_len = ip.total_len();
    if (r.ihl < kIpv4HdrLen || r.ihl > avail || r.total_len < r.ihl) return drop(ctx, Reason::InnerPacketBad);
    // §4.3 with §4.1: a quoted protocol that only exists as an IPv6
    // extension header cannot be written into the quoted Next Header.
    Parsed4 q;
    parse_ipv4(in, r.ihl, std::min(avail, r.total_len), q);
    if (is_ipv6_only_protocol(q.proto)) return drop(ctx, Reason::Ipv6OnlyProtocol);
    const Ipv4Addr& src4 = q.src;
    const Ipv4Addr& dst4 = q.dst;
    // Reserved addresses (and IPv4 link-local through the prefix) have no
    // mapping here either: the error is dropped (TAYGA's rule, stricter
    // than §4.1's "translated even when illegal").
    MapMiss miss = MapMiss::None;
    const auto src6 = map_4to6(t, ctx, src4, miss);
    const auto dst6 = pass == Pass::Hairpin ? map_4to6_prefix(t, dst4, miss) : map_4to6(t, ctx, dst4, miss);
    if (!src6 || !dst6) return drop(ctx, Reason::InnerUnmappable);

    const std::uint16_t frag_offset = q.frag_offset;
    const bool more = q.more_frags;
    const bool fragmented = q.fragmented;
    const std::uint8_t proto4 = q.proto;
    const std::uint8_t proto6 = proto4 == proto::kIcmp ? proto::kIcmpv6 : proto4;
    std::uint8_t* l4 = q.l4;
    const std::size_t l4_avail = q.l4_len;           // as quoted
    const std::size_t l4_len = r.total_len - r.ihl;  // as declared, not as quoted

    if (frag_offset == 0) {
        if (proto4 == proto::kIcmp) {
            if (l4_avail < kIcmpCsumOffset + 2) return drop(ctx, Reason::InnerPacketBad);
            // §4.3: one embedded header only; an error quoting an error is dropped.
            if (is_icmp4_error(IcmpView{l4}.type())) return drop(ctx, Reason::IcmpErrorInError);
            if (const std::uint8_t type = IcmpView{l4}.type(); type != icmp4::kEchoRequest && type != icmp4::kEchoReply)
                return drop(ctx, Reason::IcmpUntranslatable);
            echo_4to6(l4, common::csum_pseudo6(src6->bytes.data(), dst6->bytes.data(),
                                               static_cast<std::uint32_t>(l4_len), proto::kIcmpv6));
        } else {
            adjust_l4_checksum(proto4, l4, l4_avail, common::csum_addrs4(src4.bytes.data(), dst4.bytes.data()),
                               common::csum_addrs6(src6->bytes.data(), dst6->bytes.data()));
        }
    }
    r.hdr6_len = kIpv6HdrLen + (fragmented ? kFragHdrLen : 0);
    write_ipv6_header(r.hdr6, q.tos, static_cast<std::uint16_t>(r.hdr6_len - kIpv6HdrLen + l4_len),
                      fragmented ? proto::kFragment : proto6, q.ttl, *src6, *dst6);
    if (fragmented) write_frag_header(r.hdr6 + kIpv6HdrLen, proto6, frag_offset, more, q.id);
    return Verdict::Forward;
}

// RFC 1191 §7 Table 7-1 plateaus that are at least the IPv6 minimum MTU.
inline constexpr std::uint16_t kPlateaus[] = {65535, 32000, 17914, 8166, 4352, 2002, 1492};

}  // namespace

std::uint32_t ptb_mtu_4to6(const Tables& t, std::uint16_t mtu4, std::uint16_t quoted_total) noexcept {
    std::uint32_t m = mtu4;
    if (m == 0) {
        // §4.2: the greatest plateau below the quoted Total Length and at
        // least 1280; none (a short quoted packet) leaves 0, clamped below.
        for (const std::uint16_t p : kPlateaus) {
            if (p < quoted_total) {
                m = p;
                break;
            }
        }
    }
    // §4.2: min(MTU + 20, IPv6 next hop, IPv4 next hop + 20), never below 1280.
    const std::uint32_t v = std::min({m + 20, t.ipv6_mtu, t.ipv4_mtu + 20});
    return std::max(v, kIpv6MinMtu);
}

std::optional<std::uint8_t> param_pointer_4to6(std::uint8_t ptr4) noexcept {
    switch (ptr4) {
        case 0: return 0;  // Version/IHL -> Version/Traffic Class
        case 1: return 1;  // Type of Service -> Traffic Class/Flow Label
        case 2:
        case 3: return 4;  // Total Length -> Payload Length
        case 8: return 7;  // Time to Live -> Hop Limit
        case 9: return 6;  // Protocol -> Next Header
        case 12:
        case 13:
        case 14:
        case 15: return 8;  // Source Address
        case 16:
        case 17:
        case 18:
        case 19: return 24;            // Destination Address
        default: return std::nullopt;  // Identification, flags, checksum, options: n/a
    }
}

namespace {

// RFC 7915 §4.2: the type and code of an ICMP error, or the reason it is not
// translated.
[[nodiscard]] Verdict error_type_4to6(Context& ctx, const IcmpView& msg_in, IcmpError& e) noexcept {
    const std::uint8_t type = msg_in.type();
    const std::uint8_t code = msg_in.code();
    switch (type) {
        case icmp4::kDestUnreach:
            e.type = icmp6::kDestUnreach;
            switch (code) {
                case icmp4::kNetUnreach:
                case icmp4::kHostUnreach:
                case icmp4::kSourceRouteFailed:
                case icmp4::kNetUnknown:
                case icmp4::kHostUnknown:
                case icmp4::kSourceHostIsolated:
                case icmp4::kNetUnreachTos:
                case icmp4::kHostUnreachTos: e.code = icmp6::kNoRoute; break;
                case icmp4::kNetProhibited:
                case icmp4::kHostProhibited:
                case icmp4::kAdminProhibited:
                case icmp4::kPrecedenceCutoff: e.code = icmp6::kAdminProhibited; break;
                case icmp4::kPortUnreach: e.code = icmp6::kPortUnreach; break;
                case icmp4::kProtoUnreach:
                    // §4.2: Parameter Problem, unrecognized Next Header,
                    // pointing at the IPv6 Next Header field.
                    e = IcmpError{icmp6::kParamProblem, icmp6::kUnrecognizedNextHeader, 6};
                    break;
                case icmp4::kFragNeeded: e = IcmpError{icmp6::kPacketTooBig, 0, 0}; break;
                default: return drop(ctx, Reason::IcmpUntranslatable);  // 14 precedence violation, >= 16
            }
            break;
        case icmp4::kTimeExceeded:
            if (code > icmp4::kReassemblyExceeded) return drop(ctx, Reason::IcmpUntranslatable);
            e = IcmpError{icmp6::kTimeExceeded, code, 0};  // code unchanged
            break;
        case icmp4::kParamProblem: {
            if (code != icmp4::kPointerIndicatesError && code != icmp4::kBadLength) {
                return drop(ctx, Reason::IcmpUntranslatable);  // 1 missing option, others
            }
            const auto ptr = param_pointer_4to6(msg_in.pointer4());
            if (!ptr) return drop(ctx, Reason::IcmpPointer);
            e = IcmpError{icmp6::kParamProblem, icmp6::kErroneousField, *ptr};
            break;
        }
        case icmp4::kRedirect:
        case icmp4::kRouterAdvert:
        case icmp4::kRouterSolicit: return drop(ctx, Reason::IcmpSingleHop);
        case icmp4::kSourceQuench:
        case icmp4::kAltHostAddress:
        case icmp4::kTimestamp:
        case icmp4::kTimestampReply:
        case icmp4::kInfoRequest:
        case icmp4::kInfoReply:
        case icmp4::kAddrMaskRequest:
        case icmp4::kAddrMaskReply: return drop(ctx, Reason::IcmpObsolete);
        default: return drop(ctx, Reason::IcmpUntranslatable);
    }
    return Verdict::Forward;
}

}  // namespace

Verdict icmp_4to6(const Tables& t, Context& ctx, std::uint8_t* icmp, std::size_t len, const Ipv6Addr& src6,
                  const Ipv6Addr& dst6, Pass pass, const std::uint8_t* buf_end, IcmpOut& out) noexcept {
    if (len < kIcmpHdrLen) return drop(ctx, Reason::IcmpTruncated);
    const IcmpView msg_in{icmp};
    const std::uint8_t type = msg_in.type();
    if (type == icmp4::kEchoRequest || type == icmp4::kEchoReply) {
        // §4.2: Echo 8/0 -> 128/129; identifier, sequence, data kept.
        echo_4to6(icmp, common::csum_pseudo6(src6.bytes.data(), dst6.bytes.data(), static_cast<std::uint32_t>(len),
                                             proto::kIcmpv6));
        out = IcmpOut{icmp, len};
        return Verdict::Forward;
    }
    IcmpError e;
    if (const Verdict v = error_type_4to6(ctx, msg_in, e); v != Verdict::Forward) return v;

    // An error: it is rebuilt from scratch below, so a corrupted one must
    // not come out with a valid checksum.
    if (common::csum_fold(common::csum_partial(icmp, len)) != 0xffff) return drop(ctx, Reason::BadIcmpChecksum);
    // RFC 4884: a non-zero length attribute (32-bit words) bounds the
    // original datagram; an extension follows it. Only ICMPv6 Destination
    // Unreachable and Time Exceeded can carry one (RFC 4884 §4.6): for the
    // others it is dropped.
    const Rfc4884Body body = split_rfc4884(icmp, len, std::size_t{icmp[kIcmp4LengthAttr]} * 4,
                                           e.type == icmp6::kDestUnreach || e.type == icmp6::kTimeExceeded);
    const std::size_t avail = body.original;
    std::size_t ext_len = body.ext_len;

    std::uint8_t* inner = icmp + kIcmpHdrLen;
    Inner4to6 in;
    if (const Verdict v = inner_4to6(t, ctx, inner, avail, pass, in); v != Verdict::Forward) return v;
    if (e.type == icmp6::kPacketTooBig)
        e.rest = ptb_mtu_4to6(t, msg_in.mtu4(), static_cast<std::uint16_t>(in.total_len));

    // §4.3: the quoted packet ends at its own Total Length (dropping RFC
    // 4884 padding) and the ICMPv6 error at 1280 bytes (RFC 4443 §2.4(c)).
    const std::size_t hdr_len = kIcmpHdrLen + in.hdr6_len;
    const std::size_t max_msg = kIpv6MinMtu - kIpv6HdrLen;
    const std::size_t payload = std::min({avail, in.total_len}) - in.ihl;
    std::size_t keep = std::min(payload, max_msg - hdr_len);
    std::uint8_t* msg = inner + in.ihl - hdr_len;
    fit_rfc4884(msg, max_msg, in.hdr6_len, 8, buf_end, keep, ext_len);  // §4.2: the extension SHOULD be truncated
    const IcmpView msg_out{msg};
    msg_out.set_header(e.type, e.code, e.rest);
    std::memcpy(msg + kIcmpHdrLen, in.hdr6, in.hdr6_len);
    std::uint8_t words = 0;
    const std::size_t mlen = layout_rfc4884(msg, in.hdr6_len + keep, body.ext, ext_len, 8, words);
    if (words != 0) msg[kIcmp6LengthAttr] = words;  // 64-bit words (RFC 4884 §4.4, §4.5)
    const std::uint32_t pseudo =
        common::csum_pseudo6(src6.bytes.data(), dst6.bytes.data(), static_cast<std::uint32_t>(mlen), proto::kIcmpv6);
    msg_out.set_checksum(common::csum_finish(common::csum_partial(msg, mlen, pseudo)));
    out = IcmpOut{msg, mlen};
    return Verdict::Forward;
}

}  // namespace nat64d::xlat
