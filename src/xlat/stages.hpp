// Stages shared by both directions of the translator (internal to xlat).
#pragma once

#include <optional>

#include "common/bytes.hpp"
#include "common/checksum.hpp"

#include "nat64d/ip.hpp"
#include "nat64d/verdict.hpp"
#include "xlat/proto.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::xlat {

// Publishes the packet in progress (ctx.current) as the last event.
inline void record_event(Context& ctx, EventKind kind, Reason why) noexcept {
    ctx.last_event = ctx.current;
    ctx.last_event.kind = kind;
    ctx.last_event.reason = why;
    ++ctx.event_seq;
}

// The one place a Reason is counted: every refused packet passes here
// once, dropped or answered with an error, and is published as an event
// of `kind`.
inline void count_refusal(Context& ctx, Reason why, EventKind kind) noexcept {
    ++ctx.counters.drops[static_cast<std::size_t>(why)];
    record_event(ctx, kind, why);
}

// Every dropped packet goes through here so that it is counted; a packet
// to the translator itself that it does not answer is an EventKind::Self.
[[nodiscard]] inline Verdict drop(Context& ctx, Reason why, EventKind kind = EventKind::Drop) noexcept {
    count_refusal(ctx, why, kind);
    return Verdict::Drop;
}

// Address mapping, TAYGA's precedence (RFC 7915 §6): explicit address
// mappings (RFC 7757) first, then the RFC 6052 prefix, then the dynamic
// pool (t.pool). Only an IPv6 *source* gets a new lease (map_6to4_src with
// may_lease); map_6to4 (destinations, quoted packets) finds existing leases
// only. An IPv4 address inside the pool maps to its active lease or to
// nothing, never through the prefix (map_4to6, either role). Reserved IPv4
// addresses never map, IPv4 link-local never through the prefix
// (addr/special.hpp). On failure `why` tells the caller what refused it;
// miss_reason() picks the Reason. The pool is read through the worker's
// ctx.pool_reader.
// MapMiss::Denied: the prefix would translate the address, but deny4 lists
// its IPv4 side.
enum class MapMiss { None, NoMapping, WkpNonGlobal, PoolExhausted, Reserved, Spoofed, Denied };
[[nodiscard]] std::optional<Ipv4Addr> map_6to4(const Tables& t, Context& ctx, const Ipv6Addr& a, MapMiss& why) noexcept;
// The same, telling whether the RFC 6052 prefix (not a map or a lease) gave
// the address: the routing loop check applies to those only.
[[nodiscard]] std::optional<Ipv4Addr> map_6to4(const Tables& t, Context& ctx, const Ipv6Addr& a, MapMiss& why,
                                               bool& via_prefix) noexcept;
// The outer IPv6 source: as map_6to4, plus the anti-spoofing rule (an
// address inside the prefix that embeds an IPv4 address of ours, MapMiss::
// Spoofed) and, with `may_lease`, a new pool lease for an unmapped host.
[[nodiscard]] std::optional<Ipv4Addr> map_6to4_src(const Tables& t, Context& ctx, const Ipv6Addr& a, MapMiss& why,
                                                   bool may_lease) noexcept;
[[nodiscard]] std::optional<Ipv6Addr> map_4to6(const Tables& t, Context& ctx, const Ipv4Addr& a, MapMiss& why) noexcept;
[[nodiscard]] std::optional<Ipv6Addr> map_4to6(const Tables& t, Context& ctx, const Ipv4Addr& a, MapMiss& why,
                                               bool& via_prefix) noexcept;

// Routing loops (docs/rfc-compliance.md, "Routing loops"). A destination
// that no map, lease or own address claims reaches the translator only
// because the kernel routes it into the TUN device; translated through the
// prefix, it loops when its translation is routed back in too (it would
// come back translated to where it started, until the TTL runs out). The
// answer is ICMPv4 3/1 / ICMPv6 1/3 and Reason::UnmappedDestination.
// 4->6: `dst6` (made from the prefix) is routed into the device. (The one
// prefix address of the translator's own, a defaulted ipv6-addr, is the
// image of ipv4-addr, which is answered before any mapping.)
[[nodiscard]] bool loops_back_4to6(const Tables& t, const Ipv6Addr& dst6) noexcept;
// 6->4: `dst4` (taken from the prefix) is routed into the device and is
// neither ipv4-addr nor the IPv4 side of a map or of an active lease (those
// come back to an IPv6 host: hairpinning, RFC 7757 §4.2, is no loop).
[[nodiscard]] bool loops_back_6to4(const Tables& t, Context& ctx, const Ipv4Addr& dst4) noexcept;

// IPv4 addresses that belong to the IPv6 side or to the translator:
// ipv4-addr, the IPv4 side of any map entry (map-file included), the
// dynamic pool's range.
[[nodiscard]] bool is_owned_ipv4(const Tables& t, const Ipv4Addr& a) noexcept;

// The Reason to count for a failed mapping; `plain` is the caller's
// source/destination flavour of a miss (e.g. Reason::SrcUnmappable6),
// `reserved` the flavour of a reserved address.
[[nodiscard]] constexpr Reason miss_reason(MapMiss why, Reason plain,
                                           Reason reserved = Reason::IllegalSource) noexcept {
    switch (why) {
        case MapMiss::WkpNonGlobal: return Reason::WkpNonGlobal;
        case MapMiss::PoolExhausted: return Reason::PoolExhausted;
        case MapMiss::Reserved: return reserved;
        case MapMiss::Spoofed: return Reason::SpoofedSource;
        default: return plain;
    }
}

// ---- Everything below is the translation stages proper (not mapping). ----

// The RFC 6052 prefix alone (WKP and reserved-address rules included); also
// RFC 7757 §4.2.1 simple hairpinning, for an address that must not use the
// EAM table.
[[nodiscard]] std::optional<Ipv6Addr> map_4to6_prefix(const Tables& t, const Ipv4Addr& a, MapMiss& why) noexcept;

// Which pass of the translator runs: the normal one, or the second (4->6)
// pass of an intrinsically hairpinned packet (RFC 7757 §4.2.2), which
// neither decrements the TTL, nor checks the MTU, nor sends errors.
enum class Pass : std::uint8_t { Normal, Hairpin };

// RFC 7915 §4.2 / RFC 1812 §4.3.2.7: the ICMPv4 error types.
[[nodiscard]] constexpr bool is_icmp4_error(std::uint8_t type) noexcept {
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}
// RFC 7915 §4.1: protocol numbers that only make sense as IPv6 extension
// headers (and ICMPv6) cannot be carried in the IPv6 Next Header field.
[[nodiscard]] constexpr bool is_ipv6_only_protocol(std::uint8_t p) noexcept {
    return p == proto::kHopByHop || p == proto::kRouting || p == proto::kFragment || p == proto::kIcmpv6 ||
           p == proto::kDestOpts;
}
// RFC 4443 §2.1: types 0-127 are errors.
[[nodiscard]] constexpr bool is_icmp6_error(std::uint8_t type) noexcept {
    return type < 128;
}

// ---- IPv6 extension headers (ext6.cpp), RFC 7915 §5.1 ----

// What a walk enforces. Outer: the rules of RFC 7915 §5.1 for a packet
// to translate (a Routing header with Segments Left != 0 fails with
// Reason::RoutingHeader, an extension header after the Fragment Header or
// a late Hop-by-Hop header with Reason::BadExtHeader). Quoted: the same,
// except that such a Routing header is skipped (the packet quoted in an
// ICMPv6 error). Chain: no rules, only the headers' lengths (the
// translator's own errors, which need the upper layer of any packet).
enum class ExtWalk : std::uint8_t { Outer, Quoted, Chain };

// The result of walking the IPv6 extension header chain: where it ends
// (every header followed, whatever rule it breaks) and the first rule it
// breaks.
struct Ext6 {
    std::size_t l4_off = 40;        // first byte after the headers we strip
    std::uint8_t proto = 0;         // upper-layer protocol
    bool has_frag = false;          // fields of the last Fragment Header, as far as the walk got
    std::uint16_t frag_offset = 0;  // in 8-octet units
    bool more_frags = false;
    std::uint32_t frag_id = 0;
    std::size_t proto_off = 6;  // offset of the Next Header field that names `proto`
    bool complete = false;      // the chain ends within the packet
    bool broken = false;        // a rule of RFC 7915 §5.1 is broken; the first one:
    Reason broken_why{};
    std::size_t bad_off = 0;          // Reason::RoutingHeader: offset of Segments Left
    bool ext_after_fragment = false;  // an extension header follows the Fragment Header
    bool broken_quoted = false;       // a rule that holds for a quoted packet too is broken

    // Whether the chain passes `mode`'s rules; if not, `why`.
    [[nodiscard]] bool passes(ExtWalk mode, Reason& why) const noexcept;
};

// Walks the chain of the IPv6 packet `p` over `len` bytes into `e` (a
// fresh Ext6) and returns e.passes(mode, why).
[[nodiscard]] bool walk_ext_headers(const std::uint8_t* p, std::size_t len, ExtWalk mode, Ext6& e,
                                    Reason& why) noexcept;

// The 4->6 translator with its pass (xlat_4to6.cpp); translate_4to6 is
// the Normal pass, the 6->4 translator runs the Hairpin pass.
[[nodiscard]] Verdict translate_4to6_pass(const Tables& t, Context& ctx, PacketBuf& pkt, Pass pass) noexcept;

// The packet quoted in an ICMP error after its run through the stages of
// its direction with the inner flag (RFC 7915 §4.3, §5.3: "translated like
// an ordinary one"): its new header has been written in place, `hdr_len`
// bytes ending where its upper layer (`l4`, `l4_len` bytes as quoted)
// begins; `total_len` is its own IP length as its header declares it.
struct Quoted {
    std::uint8_t* l4 = nullptr;
    std::size_t l4_len = 0;
    std::size_t hdr_len = 0;
    std::size_t total_len = 0;
};
// `quote` holds the quoted packet as far as the error carries it, in the
// buffer of the outer packet (whose headroom the new header may use). The
// quoted packet is never answered: the result is Verdict::Forward, or the
// error is dropped (counted) and the result is Verdict::Drop.
[[nodiscard]] Verdict translate_quoted_4to6(const Tables& t, Context& ctx, PacketBuf& quote, Pass pass,
                                            Quoted& q) noexcept;
[[nodiscard]] Verdict translate_quoted_6to4(const Tables& t, Context& ctx, PacketBuf& quote, Quoted& q) noexcept;

// ---- Translator-generated ICMP errors (errors.cpp), RFC 7915 §4.4, §5.4 ----

struct IcmpError {
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::uint32_t rest = 0;  // bytes 4-7 of the ICMP header (MTU, pointer)
};

// Who may receive the error. Router errors (Time Exceeded, Packet Too Big,
// Parameter Problem, source route failed) follow RFC 1812 §4.3.2.7 and
// RFC 4443 §2.4(e): never for an ICMP error. Policy errors (RFC 7915 §4.4,
// §5.4 "the translator discarded it") are also never sent for any ICMPv6
// message (§5.4 is stricter than §4.4).
enum class ErrorClass : std::uint8_t { Router, Policy };

// The error a refused packet gets: its Reason, the ICMP message, who may
// receive it, and whether the packet was addressed to the translator.
struct Refusal {
    Reason why{};
    IcmpError err;
    ErrorClass cls = ErrorClass::Router;
    bool to_self = false;
};

// The parsed IPv4 packet (the 4->6 parse stage): what the later stages and
// the translator's own error read, instead of the bytes again.
struct Parsed4 {
    std::size_t len = 0;  // Total Length; a quoted packet: as far as quoted
    std::size_t ihl = 0;  // header length in bytes, options included
    Ipv4Addr src;
    Ipv4Addr dst;
    std::uint8_t tos = 0;
    std::uint16_t id = 0;
    std::uint8_t ttl = 0;
    std::uint8_t proto = 0;
    std::uint16_t frag_offset = 0;  // in 8-octet units
    bool more_frags = false;
    bool df = false;
    bool fragmented = false;
    bool source_route = false;   // an unexpired LSRR/SSRR option (RFC 7915 §4.1)
    std::uint8_t* l4 = nullptr;  // upper layer, l4_len bytes
    std::size_t l4_len = 0;
    std::size_t l4_declared = 0;  // as Total Length declares it (a quote may be cut shorter than that)
    bool icmp_error = false;      // an unfragmented ICMPv4 error message
};

// The parsed IPv6 packet (the 6->4 parse stage): what the later stages and
// the translator's own error read, instead of the bytes again.
struct Parsed6 {
    std::size_t len = 0;  // IP length: 40 + Payload Length (a jumbogram: every byte; a quote: as far as quoted)
    bool jumbogram = false;
    Ipv6Addr src;
    Ipv6Addr dst;
    std::uint8_t hop_limit = 0;
    std::uint8_t traffic_class = 0;
    Ext6 ext;             // the one walk of the chain
    bool ext_ok = false;  // the chain passes ExtWalk::Outer; if not, ext_why
    Reason ext_why{};
    std::uint8_t* l4 = nullptr;  // upper layer, l4_len bytes
    std::size_t l4_len = 0;
    std::size_t l4_declared = 0;  // as Payload Length declares it (a quote may be cut shorter than that)
    bool fragmented = false;
    bool first_fragment = true;
    bool icmp_error = false;  // an unfragmented ICMPv6 error message
};

// The one exit point for translator-generated errors. `pkt` holds the
// offending packet untouched. Counts the refusal's Reason, and either
// builds the error in place (quoting the packet, from ipv4-addr/ipv6-addr
// back to its source) and returns Verdict::IcmpError, or, when the rules
// forbid an error (ICMP error, non-first fragment, multicast/broadcast,
// invalid source, rate limit, errors disabled), returns Verdict::Drop.
// Both read the packet from its parse stage's summary `in`.
[[nodiscard]] Verdict reject4(const Tables& t, Context& ctx, PacketBuf& pkt, const Parsed4& in,
                              const Refusal& r) noexcept;
[[nodiscard]] Verdict reject6(const Tables& t, Context& ctx, PacketBuf& pkt, const Parsed6& in,
                              const Refusal& r) noexcept;

// RFC 4443 §2.4(f) token buckets: true when one more error to the
// destination `dst` (`dst_len` address bytes) may be sent from `lim` at
// `now_ms`; takes a token from the destination's bucket and from the
// worker-wide one.
[[nodiscard]] bool icmp_rate_allows(const Tables& t, IcmpLimiter& lim, std::uint64_t now_ms, const std::uint8_t* dst,
                                    std::size_t dst_len) noexcept;

// ---- Fragmentation (fragment.cpp), RFC 7915 §4.1 and §5.1.1 ----

// `pkt` holds a translated IPv6 packet whose first 48 bytes are the IPv6
// header and a Fragment Header; cuts it so that every fragment is at most
// `mtu` bytes. The first fragment stays in `pkt`, the others go to
// ctx.extra. Returns false when the scratch space is too small.
[[nodiscard]] bool fragment6(Context& ctx, PacketBuf& pkt, std::size_t mtu) noexcept;
// Same for a translated IPv4 packet (20-byte header) and the IPv4 MTU.
[[nodiscard]] bool fragment4(Context& ctx, PacketBuf& pkt, std::size_t mtu) noexcept;

// ---- Header builders shared by outer and inner packets ----

// RFC 7915 §4.1: IPv6 header, flow label 0.
void write_ipv6_header(std::uint8_t* h, std::uint8_t traffic_class, std::uint16_t payload_len, std::uint8_t next_header,
                       std::uint8_t hop_limit, const Ipv6Addr& src, const Ipv6Addr& dst) noexcept;
// RFC 7915 §4.1 / RFC 8200 §4.5: Fragment Header, ID = 0x0000 || IPv4 ID.
void write_frag_header(std::uint8_t* fh, std::uint8_t next_header, std::uint16_t offset_units, bool more,
                       std::uint32_t id) noexcept;
// RFC 7915 §5.1: IPv4 header without options, checksum computed.
void write_ipv4_header(std::uint8_t* h, std::uint8_t tos, std::uint16_t total_len, std::uint16_t id,
                       std::uint16_t flags_offset, std::uint8_t ttl, std::uint8_t protocol, const Ipv4Addr& src,
                       const Ipv4Addr& dst) noexcept;

// RFC 7915 §4.5, §5.5: TCP/UDP checksum adjusted for the pseudo-header
// address change, if the checksum field lies within `avail` bytes (inner
// packets are truncated). A zero UDP checksum is left alone (RFC 768:
// "no checksum"); an updated one never becomes 0 (it is sent as 0xFFFF).
void adjust_l4_checksum(std::uint8_t proto, std::uint8_t* l4, std::size_t avail, std::uint32_t old_addrs,
                        std::uint32_t new_addrs) noexcept;

// Sets the ICMP type byte and updates the checksum incrementally (RFC 1624
// eqn. 3): out go the old type word and the partial sum `removed`, in come
// the new type word and `added` (e.g. the IPv6 pseudo-header, which ICMPv6
// covers and ICMPv4 does not, RFC 4443 §2.3).
inline void rewrite_icmp_type(std::uint8_t* icmp, std::uint8_t type, std::uint32_t removed = 0,
                              std::uint32_t added = 0) noexcept {
    const std::uint16_t old_word = common::load16(icmp);
    icmp[0] = type;
    std::uint8_t* c = icmp + kIcmpCsumOffset;
    common::store16(c, common::csum_update(common::load16(c), common::csum_add(removed, old_word),
                                           common::csum_add(added, common::load16(icmp))));
}

// RFC 1624 §3 eqn. 3 gives 0x0000 when the words now covered sum to zero.
// For a message whose every word is zero that is wrong: the checksum must
// be 0xFFFF, else a receiver's sum is +0 and fails (a computed checksum is
// never +0 for such data, RFC 1071). Only ICMPv4 (no pseudo-header) can be
// all zeros: an echo reply with ID 0, sequence 0 and no data. In that rare
// case (field 0x0000) the checksum of the `len` bytes is computed anew.
inline void icmp4_checksum_zero_fix(std::uint8_t* icmp, std::size_t len) noexcept {
    std::uint8_t* c = icmp + kIcmpCsumOffset;
    if (common::load16(c) != 0) return;
    common::store16(c, common::csum_finish(common::csum_partial(icmp, len)));
}

}  // namespace nat64d::xlat
