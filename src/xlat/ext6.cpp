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

// Records a broken rule: the first one names the Reason; `quoted_too`
// tells whether the rule holds for a quoted packet as well.
void note_broken(Ext6& e, Reason r, bool quoted_too) noexcept {
    if (!e.broken) {
        e.broken = true;
        e.broken_why = r;
    }
    e.broken_quoted = e.broken_quoted || quoted_too;
}

// RFC 8200 §4.5: the Fragment Header at `off` of `p` into `e`; returns the
// Next Header it names.
[[nodiscard]] std::uint8_t take_fragment_header(const std::uint8_t* p, std::size_t off, Ext6& e) noexcept {
    const ConstFragHdrView fh{p + off};
    // Only one Fragment Header; RFC 7915 §5.1.1: an extension header after
    // it (other than ESP) is not translated.
    if (e.has_frag || is_ext_header(fh.next_header())) {
        if (!e.broken) e.ext_after_fragment = !e.has_frag;  // a second one is only malformed
        note_broken(e, Reason::BadExtHeader, true);
    }
    e.has_frag = true;  // with several, the last one's fields are kept
    e.frag_offset = fh.offset();
    e.more_frags = fh.more_frags();
    e.frag_id = fh.id();
    e.proto_off = off;
    return fh.next_header();
}

}  // namespace

// RFC 7915 §5.1: Hop-by-Hop, Destination Options and Routing headers are
// skipped; a Fragment Header is consumed (§5.1.1). The whole chain is
// followed even past a broken rule, so that one walk answers for every
// rule set (Ext6::passes); the first broken rule is recorded.
bool walk_ext_headers(const std::uint8_t* p, std::size_t len, ExtWalk mode, Ext6& e, Reason& why) noexcept {
    std::uint8_t nh = ConstIpv6View{p}.next_header();
    std::size_t off = kIpv6HdrLen;
    while (is_ext_header(nh)) {
        if (off + 8 > len) return e.passes(mode, why);
        if (nh == proto::kFragment) {
            nh = take_fragment_header(p, off, e);
            off += kFragHdrLen;
            continue;
        }
        const ExtHdrView h{p + off};
        // RFC 7915 §5.1: a Routing header with Segments Left != 0 must not
        // be translated; the error points at Segments Left.
        if (nh == proto::kRouting && h.segments_left() != 0) {
            if (!e.broken) e.bad_off = off + ExtHdrView::kSegmentsLeftOffset;
            note_broken(e, Reason::RoutingHeader, false);
        }
        // Only the first header may be Hop-by-Hop (RFC 8200 §4.3).
        if (nh == proto::kHopByHop && off != kIpv6HdrLen) note_broken(e, Reason::BadExtHeader, true);
        nh = h.next_header();
        e.proto_off = off;
        off += h.length();
    }
    if (off <= len) {
        e.complete = true;
        e.l4_off = off;
        e.proto = nh;
    }
    return e.passes(mode, why);
}

bool Ext6::passes(ExtWalk mode, Reason& why) const noexcept {
    // A broken rule is met before the walk could end short: it wins.
    if (mode == ExtWalk::Outer && broken) {
        why = broken_why;
        return false;
    }
    if (mode == ExtWalk::Quoted && broken_quoted) {
        why = Reason::BadExtHeader;
        return false;
    }
    if (!complete) {
        why = Reason::Truncated6;
        return false;
    }
    return true;
}

}  // namespace nat64d::xlat
