// The one walker of the IPv6 extension header chain (RFC 7915 §5.1), used
// by the outer packet, the packet quoted in an ICMPv6 error and the
// translator's own errors (which only need the upper layer).
#include "common/bytes.hpp"
#include "xlat/proto.hpp"
#include "xlat/stages.hpp"
#include "xlat/views.hpp"

namespace nat64d::xlat {
namespace {

[[nodiscard]] bool is_ext_header(std::uint8_t nh) noexcept {
    return nh == proto::kHopByHop || nh == proto::kRouting || nh == proto::kFragment || nh == proto::kDestOpts;
}

}  // namespace

// RFC 7915 §5.1: Hop-by-Hop, Destination Options and Routing headers with
// Segments Left 0 are skipped; a Fragment Header is consumed (§5.1.1).
// ExtWalk::Chain only follows the chain: the rules below are for packets
// to translate, not for packets the translator answers.
bool walk_ext_headers(const std::uint8_t* p, std::size_t len, ExtWalk mode, Ext6& e, Reason& why) noexcept {
    const bool rules = mode != ExtWalk::Chain;
    std::uint8_t nh = ConstIpv6View{p}.next_header();
    std::size_t off = kIpv6HdrLen;
    while (is_ext_header(nh)) {
        if (off + 8 > len) {
            why = Reason::Truncated6;
            return false;
        }
        const ExtHdrView h{p + off};
        if (nh == proto::kFragment) {
            // RFC 8200 §4.5: only one Fragment Header; RFC 7915 §5.1.1: an
            // extension header after it (other than ESP) is not translated.
            if (rules && (e.has_frag || is_ext_header(h.next_header()))) {
                e.ext_after_fragment = !e.has_frag;  // a second Fragment Header is only malformed
                why = Reason::BadExtHeader;
                return false;
            }
            const ConstFragHdrView fh{p + off};
            e.has_frag = true;
            e.frag_offset = fh.offset();
            e.more_frags = fh.more_frags();
            e.frag_id = fh.id();
            nh = fh.next_header();
            e.proto_off = off;
            off += kFragHdrLen;
            continue;
        }
        // RFC 7915 §5.1: a Routing header with Segments Left != 0 must not
        // be translated; the error points at Segments Left.
        if (mode == ExtWalk::Outer && nh == proto::kRouting && h.segments_left() != 0) {
            e.bad_off = off + ExtHdrView::kSegmentsLeftOffset;
            why = Reason::RoutingHeader;
            return false;
        }
        // Only the first header may be Hop-by-Hop (RFC 8200 §4.3).
        if (rules && nh == proto::kHopByHop && off != kIpv6HdrLen) {
            why = Reason::BadExtHeader;
            return false;
        }
        nh = h.next_header();
        e.proto_off = off;
        off += h.length();
    }
    if (off > len) {
        why = Reason::Truncated6;
        return false;
    }
    e.l4_off = off;
    e.proto = nh;
    return true;
}

}  // namespace nat64d::xlat
