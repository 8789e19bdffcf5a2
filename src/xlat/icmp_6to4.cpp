// RFC 7915 §5.2 (ICMPv6 -> ICMPv4) and §5.3 (the packet quoted in an
// ICMPv6 error).
#include <algorithm>
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"
#include "xlat/views.hpp"

namespace nat64d::xlat {
namespace {

// RFC 1812 §4.3.2.3: an ICMPv4 error datagram is at most 576 bytes.
inline constexpr std::size_t kIcmp4ErrorMax = 576;

struct Inner6to4 {
    std::uint8_t hdr4[kIpv4HdrLen]{};
    std::size_t l4_off = 0;  // quoted IPv6 header + extension headers
    std::size_t end = 0;     // 40 + the quoted packet's own Payload Length
};

// Echo Request/Reply: the checksum loses the IPv6 pseudo-header (partial
// sum `pseudo6`) and the old type word, and gains the new one.
void echo_6to4(std::uint8_t* icmp, std::uint32_t pseudo6) noexcept {
    rewrite_icmp_type(icmp, IcmpView{icmp}.type() == icmp6::kEchoRequest ? icmp4::kEchoRequest : icmp4::kEchoReply,
                      pseudo6, 0);
}

// RFC 7915 §5.3: the quoted IPv6 packet is translated like an ordinary
// one, except that its hop limit is kept; its extension headers are
// skipped as in §5.1 and its transport checksum adjusted when the quoted
// bytes reach it.
[[nodiscard]] Verdict inner_6to4(const Tables& t, Context& ctx, std::uint8_t* in, std::size_t avail,
                                 Inner6to4& r) noexcept {
    const Ipv6View ip{in};
    if (avail < kIpv6HdrLen || ip.version() != 6) return drop(ctx, Reason::InnerPacketBad);
    r.end = kIpv6HdrLen + ip.payload_len();
    Parsed6 q;
    parse_ipv6(in, std::min(avail, r.end), ExtWalk::Quoted, q);
    if (!q.ext_ok) return drop(ctx, Reason::InnerPacketBad);
    const Ext6& e = q.ext;
    r.l4_off = e.l4_off;
    // §5.3 with §5.1: ICMPv4 inside IPv6 has no translation (nor meaning).
    if (e.proto == proto::kIcmp) return drop(ctx, Reason::Icmpv4InIpv6);
    const std::size_t upper_len = r.end - e.l4_off;
    if (kIpv4HdrLen + upper_len > 0xffff) return drop(ctx, Reason::InnerPacketBad);
    const Ipv6Addr& src6 = q.src;
    const Ipv6Addr& dst6 = q.dst;
    MapMiss miss = MapMiss::None;
    const auto src4 = map_6to4(t, ctx, src6, miss);
    const auto dst4 = map_6to4(t, ctx, dst6, miss);
    if (!src4 || !dst4) return drop(ctx, Reason::InnerUnmappable);

    std::uint8_t* l4 = q.l4;
    const std::size_t l4_avail = q.l4_len;  // as quoted
    std::uint8_t proto4 = e.proto;
    if (e.proto == proto::kIcmpv6) proto4 = proto::kIcmp;
    if (e.frag_offset == 0) {
        if (e.proto == proto::kIcmpv6) {
            if (l4_avail < kIcmpCsumOffset + 2) return drop(ctx, Reason::InnerPacketBad);
            if (is_icmp6_error(IcmpView{l4}.type()))
                return drop(ctx, Reason::IcmpErrorInError);  // §5.3: one embedded header only
            if (const std::uint8_t type = IcmpView{l4}.type(); type != icmp6::kEchoRequest && type != icmp6::kEchoReply)
                return drop(ctx, Reason::IcmpUntranslatable);
            echo_6to4(l4, common::csum_pseudo6(src6.bytes.data(), dst6.bytes.data(),
                                               static_cast<std::uint32_t>(upper_len), proto::kIcmpv6));
        } else {
            adjust_l4_checksum(e.proto, l4, l4_avail, common::csum_addrs6(src6.bytes.data(), dst6.bytes.data()),
                               common::csum_addrs4(src4->bytes.data(), dst4->bytes.data()));
        }
    }
    const std::size_t total = kIpv4HdrLen + upper_len;
    std::uint16_t flags = 0;
    std::uint16_t id = 0;  // the original IPv4 ID is not recoverable; receivers match on the transport header
    if (e.has_frag) {
        id = static_cast<std::uint16_t>(e.frag_id);
        flags = static_cast<std::uint16_t>((e.more_frags ? kIpv4FlagMf : 0) | e.frag_offset);
    } else if (total > kDfThreshold) {
        flags = kIpv4FlagDf;
    }
    write_ipv4_header(r.hdr4, q.traffic_class, static_cast<std::uint16_t>(total), id, flags, q.hop_limit, proto4, *src4,
                      *dst4);
    return Verdict::Forward;
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

}  // namespace

Verdict icmp_6to4(const Tables& t, Context& ctx, std::uint8_t* icmp, std::size_t len, std::uint32_t pseudo6,
                  const std::uint8_t* buf_end, IcmpOut& out) noexcept {
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
    const std::size_t avail = body.original;
    std::size_t ext_len = body.ext_len;
    std::uint8_t* inner = icmp + kIcmpHdrLen;
    Inner6to4 in;
    if (const Verdict v = inner_6to4(t, ctx, inner, avail, in); v != Verdict::Forward) return v;
    if (type == icmp6::kPacketTooBig) e.rest = frag_needed_mtu_6to4(t, msg_in.mtu6());  // bytes 6-7, RFC 1191 §4

    // §5.3: the quoted packet ends at its own length; the ICMPv4 datagram
    // at 576 bytes (and the IPv4 next-hop MTU).
    constexpr std::size_t kHdr = kIcmpHdrLen + kIpv4HdrLen;
    const std::size_t max_msg = std::min<std::size_t>(kIcmp4ErrorMax, t.ipv4_mtu) - kIpv4HdrLen;
    const std::size_t payload = std::min(avail, in.end) - in.l4_off;
    std::size_t keep = max_msg > kHdr ? std::min(payload, max_msg - kHdr) : 0;
    std::uint8_t* msg = inner + in.l4_off - kHdr;
    fit_rfc4884(msg, max_msg, kIpv4HdrLen, 4, buf_end, keep, ext_len);  // §5.2 / RFC 4884 §5.3
    const IcmpView msg_out{msg};
    msg_out.set_header(e.type, e.code, e.rest);
    std::memcpy(msg + kIcmpHdrLen, in.hdr4, kIpv4HdrLen);
    std::uint8_t words = 0;
    const std::size_t mlen = layout_rfc4884(msg, kIpv4HdrLen + keep, body.ext, ext_len, 4, words);
    if (words != 0) msg[kIcmp4LengthAttr] = words;                               // 32-bit words (RFC 4884 §4.1-§4.3)
    msg_out.set_checksum(common::csum_finish(common::csum_partial(msg, mlen)));  // no pseudo-header in ICMPv4
    out = IcmpOut{msg, mlen};
    return Verdict::Forward;
}

}  // namespace nat64d::xlat
