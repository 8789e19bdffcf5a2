// RFC 7915 §5.2 (ICMPv6 -> ICMPv4) and §5.3 (the ICMPv6 error around its
// quoted packet, which the 6->4 stages translate with their inner flag).
#include <algorithm>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"
#include "xlat/views.hpp"

namespace nat64d::xlat {
namespace {

// RFC 1812 §4.3.2.3: an ICMPv4 error datagram is at most 576 bytes.
inline constexpr std::size_t kIcmp4ErrorMax = 576;

// Echo Request/Reply: the checksum loses the IPv6 pseudo-header (partial
// sum `pseudo6`) and the old type word, and gains the new one.
void echo_6to4(std::uint8_t* icmp, std::uint32_t pseudo6) noexcept {
    rewrite_icmp_type(icmp, IcmpView{icmp}.type() == icmp6::kEchoRequest ? icmp4::kEchoRequest : icmp4::kEchoReply,
                      pseudo6, 0);
}

[[nodiscard]] bool is_single_hop6(std::uint8_t type) noexcept {
    // MLD 130-132, ND 133-137 (RFC 7915 §5.2), MLDv2 report 143.
    return (type >= icmp6::kMldQuery && type <= icmp6::kRedirect) || type == icmp6::kMldv2Report;
}

}  // namespace

std::uint16_t frag_needed_mtu_6to4(const Tables& t, std::uint32_t mtu6) noexcept {
    // §5.2: min(MTU - 20, IPv4 next hop, IPv6 next hop - 20). The result is
    // kept within the 16-bit field and at least the IPv4 minimum, 68.
    const std::uint32_t from_ptb = mtu6 > 20 ? mtu6 - 20 : 0;
    const std::uint32_t v6_hop = t.ipv6_mtu > 20 ? t.ipv6_mtu - 20 : 0;
    const std::uint32_t v = std::min({from_ptb, t.ipv4_mtu, v6_hop, std::uint32_t{0xffff}});
    return static_cast<std::uint16_t>(std::max(v, kIpv4MinMtu));
}

std::optional<std::uint8_t> param_pointer_6to4(std::uint32_t ptr6) noexcept {
    if (ptr6 == 0) return 0;                  // Version/Traffic Class -> Version/IHL
    if (ptr6 == 1) return 1;                  // Traffic Class/Flow Label -> Type of Service
    if (ptr6 == 4 || ptr6 == 5) return 2;     // Payload Length -> Total Length
    if (ptr6 == 6) return 9;                  // Next Header -> Protocol
    if (ptr6 == 7) return 8;                  // Hop Limit -> Time to Live
    if (ptr6 >= 8 && ptr6 <= 23) return 12;   // Source Address
    if (ptr6 >= 24 && ptr6 <= 39) return 16;  // Destination Address
    return std::nullopt;                      // Flow Label (2, 3), extension headers (>= 40)
}

namespace {

// RFC 7915 §5.2: the type and code of an ICMP error, or the reason it is not
// translated.
[[nodiscard]] Verdict error_type_6to4(Context& ctx, const IcmpView& msg_in, IcmpError& e) noexcept {
    const std::uint8_t type = msg_in.type();
    const std::uint8_t code = msg_in.code();
    switch (type) {
        case icmp6::kDestUnreach:
            e.type = icmp4::kDestUnreach;
            switch (code) {
                // §5.2: 0, 2, 3 -> host unreachable (not net unreachable).
                case icmp6::kNoRoute:
                case icmp6::kBeyondScope:
                case icmp6::kAddrUnreach: e.code = icmp4::kHostUnreach; break;
                case icmp6::kAdminProhibited: e.code = icmp4::kHostProhibited; break;  // 10, not 13
                case icmp6::kPortUnreach: e.code = icmp4::kPortUnreach; break;
                default: return drop(ctx, Reason::IcmpUntranslatable);
            }
            break;
        case icmp6::kPacketTooBig: e = IcmpError{icmp4::kDestUnreach, icmp4::kFragNeeded, 0}; break;
        case icmp6::kTimeExceeded:
            if (code > icmp6::kReassemblyExceeded) return drop(ctx, Reason::IcmpUntranslatable);
            e = IcmpError{icmp4::kTimeExceeded, code, 0};
            break;
        case icmp6::kParamProblem:
            if (code == icmp6::kUnrecognizedNextHeader) {
                e = IcmpError{icmp4::kDestUnreach, icmp4::kProtoUnreach, 0};  // §5.2: crosses types
            } else if (code == icmp6::kErroneousField) {
                const auto ptr = param_pointer_6to4(msg_in.rest());
                if (!ptr) return drop(ctx, Reason::IcmpPointer);
                e = IcmpError{icmp4::kParamProblem, icmp4::kPointerIndicatesError, std::uint32_t{*ptr} << 24};
            } else {
                return drop(ctx, Reason::IcmpUntranslatable);  // 2 unrecognized option, unlisted codes
            }
            break;
        default:
            if (is_single_hop6(type)) return drop(ctx, Reason::IcmpSingleHop);
            return drop(ctx, Reason::IcmpUntranslatable);  // unknown informational or error type
    }
    return Verdict::Forward;
}

// The ICMPv4 error `e` around the quoted packet `q`, whose new header
// already stands in front of its upper layer, followed by the RFC 4884
// extension of `body` (if it fits). §5.3: the quoted packet ends at its own
// length; the ICMPv4 datagram at 576 bytes (and the IPv4 next-hop MTU).
[[nodiscard]] IcmpOut finish_error_6to4(const Tables& t, const IcmpError& e, const Quoted& q, const Rfc4884Body& body,
                                        const std::uint8_t* buf_end) noexcept {
    constexpr std::size_t kHdr = kIcmpHdrLen + kIpv4HdrLen;
    const std::size_t max_msg = std::min<std::size_t>(kIcmp4ErrorMax, t.ipv4_mtu) - kIpv4HdrLen;
    std::size_t keep = max_msg > kHdr ? std::min(q.l4_len, max_msg - kHdr) : 0;
    std::size_t ext_len = body.ext_len;
    std::uint8_t* msg = q.l4 - kHdr;
    fit_rfc4884(msg, max_msg, kIpv4HdrLen, 4, buf_end, keep, ext_len);  // §5.2 / RFC 4884 §5.3
    const IcmpView msg_out{msg};
    msg_out.set_header(e.type, e.code, e.rest);
    std::uint8_t words = 0;
    const std::size_t mlen = layout_rfc4884(msg, kIpv4HdrLen + keep, body.ext, ext_len, 4, words);
    if (words != 0) msg[kIcmp4LengthAttr] = words;                               // 32-bit words (RFC 4884 §4.1-§4.3)
    msg_out.set_checksum(common::csum_finish(common::csum_partial(msg, mlen)));  // no pseudo-header in ICMPv4
    return IcmpOut{msg, mlen};
}

}  // namespace

Verdict quoted_icmp_6to4(Context& ctx, std::uint8_t* icmp, std::size_t len, std::uint32_t pseudo6) noexcept {
    if (len < kIcmpCsumOffset + 2) return drop(ctx, Reason::InnerPacketBad);
    const std::uint8_t type = IcmpView{icmp}.type();
    if (is_icmp6_error(type)) return drop(ctx, Reason::IcmpErrorInError);
    if (type != icmp6::kEchoRequest && type != icmp6::kEchoReply) return drop(ctx, Reason::IcmpUntranslatable);
    echo_6to4(icmp, pseudo6);
    return Verdict::Forward;
}

Verdict icmp_6to4(const Tables& t, Context& ctx, const PacketBuf& pkt, std::uint8_t* icmp, std::size_t len,
                  std::uint32_t pseudo6, IcmpOut& out) noexcept {
    if (len < kIcmpHdrLen) return drop(ctx, Reason::IcmpTruncated);
    const IcmpView msg_in{icmp};
    const std::uint8_t type = msg_in.type();
    if (type == icmp6::kEchoRequest || type == icmp6::kEchoReply) {
        // §5.2: 128/129 -> 8/0; code, identifier, sequence, data kept.
        echo_6to4(icmp, pseudo6);
        icmp4_checksum_zero_fix(icmp, len);
        out = IcmpOut{icmp, len};
        return Verdict::Forward;
    }
    IcmpError e;
    if (const Verdict v = error_type_6to4(ctx, msg_in, e); v != Verdict::Forward) return v;

    if (common::csum_fold(common::csum_partial(icmp, len, pseudo6)) != 0xffff)
        return drop(ctx, Reason::BadIcmpChecksum);
    // RFC 4884: a non-zero length attribute (64-bit words) of a Destination
    // Unreachable or Time Exceeded bounds the original datagram; the
    // extension after it is carried over (ICMPv4 Destination Unreachable
    // and Time Exceeded can hold one too).
    const bool multipart = type == icmp6::kDestUnreach || type == icmp6::kTimeExceeded;
    const Rfc4884Body body =
        split_rfc4884(icmp, len, multipart ? std::size_t{icmp[kIcmp6LengthAttr]} * 8 : 0, multipart);
    PacketBuf quote{pkt.base, pkt.capacity, static_cast<std::size_t>(icmp + kIcmpHdrLen - pkt.base), body.original};
    Quoted q;
    if (const Verdict v = translate_quoted_6to4(t, ctx, quote, q); v != Verdict::Forward) return v;
    if (type == icmp6::kPacketTooBig) e.rest = frag_needed_mtu_6to4(t, msg_in.mtu6());  // bytes 6-7, RFC 1191 §4
    out = finish_error_6to4(t, e, q, body, pkt.base + pkt.capacity);
    return Verdict::Forward;
}

}  // namespace nat64d::xlat
