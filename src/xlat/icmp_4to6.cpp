// RFC 7915 §4.2 (ICMPv4 -> ICMPv6) and §4.3 (the ICMPv4 error around its
// quoted packet, which the 4->6 stages translate with their inner flag).
#include <algorithm>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"
#include "xlat/views.hpp"

namespace nat64d::xlat {
namespace {

// Echo Request/Reply: only the type changes; the checksum gains the IPv6
// pseudo-header (partial sum `pseudo6`) and the new type word (RFC 1624).
void echo_4to6(std::uint8_t* icmp, std::uint32_t pseudo6) noexcept {
    rewrite_icmp_type(icmp, IcmpView{icmp}.type() == icmp4::kEchoRequest ? icmp6::kEchoRequest : icmp6::kEchoReply, 0,
                      pseudo6);
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

// RFC 7915 §4.2: the ICMPv6 message for an ICMPv4 Destination Unreachable
// of `code`, or the reason it is not translated.
[[nodiscard]] Verdict dest_unreach_4to6(Context& ctx, std::uint8_t code, IcmpError& e) noexcept {
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
            // §4.2: Parameter Problem, unrecognized Next Header, pointing
            // at the IPv6 Next Header field.
            e = IcmpError{icmp6::kParamProblem, icmp6::kUnrecognizedNextHeader, 6};
            break;
        case icmp4::kFragNeeded: e = IcmpError{icmp6::kPacketTooBig, 0, 0}; break;
        default: return drop(ctx, Reason::IcmpUntranslatable);  // 14 precedence violation, >= 16
    }
    return Verdict::Forward;
}

// RFC 7915 §4.2: the type and code of an ICMP error, or the reason it is not
// translated.
[[nodiscard]] Verdict error_type_4to6(Context& ctx, const IcmpView& msg_in, IcmpError& e) noexcept {
    const std::uint8_t type = msg_in.type();
    const std::uint8_t code = msg_in.code();
    switch (type) {
        case icmp4::kDestUnreach: return dest_unreach_4to6(ctx, code, e);
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

// The ICMPv6 error `e` around the quoted packet `q`, whose new header
// already stands in front of its upper layer, followed by the RFC 4884
// extension of `body` (if it fits). §4.3: the quoted packet ends at its own
// Total Length (dropping RFC 4884 padding) and the ICMPv6 error at 1280
// bytes (RFC 4443 §2.4(c)).
[[nodiscard]] IcmpOut finish_error_4to6(const IcmpError& e, const Quoted& q, const Rfc4884Body& body,
                                        const Ipv6Addr& src6, const Ipv6Addr& dst6,
                                        const std::uint8_t* buf_end) noexcept {
    const std::size_t max_msg = kIpv6MinMtu - kIpv6HdrLen;
    std::size_t keep = std::min(q.l4_len, max_msg - kIcmpHdrLen - q.hdr_len);
    std::size_t ext_len = body.ext_len;
    std::uint8_t* msg = q.l4 - q.hdr_len - kIcmpHdrLen;
    fit_rfc4884(msg, max_msg, q.hdr_len, 8, buf_end, keep, ext_len);  // §4.2: the extension SHOULD be truncated
    const IcmpView msg_out{msg};
    msg_out.set_header(e.type, e.code, e.rest);
    std::uint8_t words = 0;
    const std::size_t mlen = layout_rfc4884(msg, q.hdr_len + keep, body.ext, ext_len, 8, words);
    if (words != 0) msg[kIcmp6LengthAttr] = words;  // 64-bit words (RFC 4884 §4.4, §4.5)
    const std::uint32_t pseudo =
        common::csum_pseudo6(src6.bytes.data(), dst6.bytes.data(), static_cast<std::uint32_t>(mlen), proto::kIcmpv6);
    msg_out.set_checksum(common::csum_finish(common::csum_partial(msg, mlen, pseudo)));
    return IcmpOut{msg, mlen};
}

}  // namespace

Verdict quoted_icmp_4to6(Context& ctx, std::uint8_t* icmp, std::size_t len, std::uint32_t pseudo6) noexcept {
    if (len < kIcmpCsumOffset + 2) return drop(ctx, Reason::InnerPacketBad);
    const std::uint8_t type = IcmpView{icmp}.type();
    if (is_icmp4_error(type)) return drop(ctx, Reason::IcmpErrorInError);
    if (type != icmp4::kEchoRequest && type != icmp4::kEchoReply) return drop(ctx, Reason::IcmpUntranslatable);
    echo_4to6(icmp, pseudo6);
    return Verdict::Forward;
}

Verdict icmp_4to6(const Tables& t, Context& ctx, const PacketBuf& pkt, std::uint8_t* icmp, std::size_t len,
                  const Ipv6Addr& src6, const Ipv6Addr& dst6, Pass pass, IcmpOut& out) noexcept {
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
    const std::uint16_t mtu4 = msg_in.mtu4();  // the quoted packet's new header may cover the ICMPv4 header
    PacketBuf quote{pkt.base, pkt.capacity, static_cast<std::size_t>(icmp + kIcmpHdrLen - pkt.base), body.original};
    Quoted q;
    if (const Verdict v = translate_quoted_4to6(t, ctx, quote, pass, q); v != Verdict::Forward) return v;
    if (e.type == icmp6::kPacketTooBig) e.rest = ptb_mtu_4to6(t, mtu4, static_cast<std::uint16_t>(q.total_len));
    out = finish_error_4to6(e, q, body, src6, dst6, pkt.base + pkt.capacity);
    return Verdict::Forward;
}

}  // namespace nat64d::xlat
