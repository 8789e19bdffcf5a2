// ICMP message translation (RFC 7915 §4.2-§4.3, §5.2-§5.3), internal to xlat.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "nat64d/ip.hpp"
#include "nat64d/verdict.hpp"
#include "xlat/stages.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::xlat {

// Where the translated ICMP message ended up. An error message is rebuilt
// around its quoted packet, whose header changes size, so the message may
// start before or after the original one; it never extends past it.
struct IcmpOut {
    std::uint8_t* msg = nullptr;
    std::size_t len = 0;
};

// Rewrites the ICMPv4 message at `icmp` (`len` bytes, the whole message:
// fragmented ICMP never gets here) of the packet in `pkt` as ICMPv6 for
// the outer addresses src6 -> dst6: type/code (§4.2), the quoted packet
// (§4.3, through translate_quoted_4to6 with `pass`'s hairpinning rules),
// an RFC 4884 extension carried over with its length attribute converted,
// trimmed so that the IPv6 packet stays within 1280 bytes, checksum with
// the pseudo-header. Needs up to 56 bytes in front of `icmp`; may write up
// to the end of `pkt`'s buffer (an extension can move back by a few bytes
// of padding). Returns Verdict::Forward, or drops the message (drop(),
// counted) and returns Verdict::Drop.
[[nodiscard]] Verdict icmp_4to6(const Tables& t, Context& ctx, const PacketBuf& pkt, std::uint8_t* icmp,
                                std::size_t len, const Ipv6Addr& src6, const Ipv6Addr& dst6, Pass pass,
                                IcmpOut& out) noexcept;

// Rewrites the ICMPv6 message as ICMPv4 (§5.2, §5.3); `pseudo6` is the
// partial sum of the IPv6 pseudo-header the message's checksum covers. The
// result fits in an IPv4 datagram of 576 bytes (RFC 1812 §4.3.2.3).
// Returns as icmp_4to6.
[[nodiscard]] Verdict icmp_6to4(const Tables& t, Context& ctx, const PacketBuf& pkt, std::uint8_t* icmp,
                                std::size_t len, std::uint32_t pseudo6, IcmpOut& out) noexcept;

// RFC 7915 §4.3, §5.3: the ICMP message of a quoted packet (its first
// fragment, `len` bytes as quoted). One embedded header only: an error
// quoting an error is not translated, nor is an informational message
// other than echo; an echo gets its new type, and its checksum the IPv6
// pseudo-header `pseudo6` of the whole message as declared. Returns
// Verdict::Forward, or drops the error (counted) and returns Verdict::Drop.
[[nodiscard]] Verdict quoted_icmp_4to6(Context& ctx, std::uint8_t* icmp, std::size_t len,
                                       std::uint32_t pseudo6) noexcept;
[[nodiscard]] Verdict quoted_icmp_6to4(Context& ctx, std::uint8_t* icmp, std::size_t len,
                                       std::uint32_t pseudo6) noexcept;

// RFC 7915 §4.2: the PTB MTU for an ICMPv4 "fragmentation needed" that
// carried `mtu4` (0: pre-RFC 1191 router, use the plateau below the quoted
// packet's Total Length `quoted_total`).
[[nodiscard]] std::uint32_t ptb_mtu_4to6(const Tables& t, std::uint16_t mtu4, std::uint16_t quoted_total) noexcept;
// RFC 7915 §5.2: the "fragmentation needed" MTU for an ICMPv6 PTB's `mtu6`.
[[nodiscard]] std::uint16_t frag_needed_mtu_6to4(const Tables& t, std::uint32_t mtu6) noexcept;

// ---- RFC 4884 multi-part messages (rfc4884.cpp) ----

// The body of an ICMP error: the original datagram's bytes and the
// extension structure after them (none: ext_len 0).
struct Rfc4884Body {
    std::size_t original = 0;
    const std::uint8_t* ext = nullptr;
    std::size_t ext_len = 0;
};
// Splits the body of the `len`-byte message at `icmp` by its length
// attribute `attr` (in bytes; 0 = none). `keep_ext`: the translated type
// can carry an extension (RFC 4884 §4.6); otherwise it is dropped, but the
// attribute still bounds the original datagram.
[[nodiscard]] Rfc4884Body split_rfc4884(std::uint8_t* icmp, std::size_t len, std::size_t attr, bool keep_ext) noexcept;
// Fits the translated message at `msg` into `max_msg` bytes: `keep` (the
// quoted payload after its `quoted_hdr`-byte header) is shortened to leave
// room for the extension, or `ext_len` becomes 0 when the extension cannot
// fit whole, within `max_msg` or before `buf_end`. `word`: 4 (ICMPv4) or
// 8 (ICMPv6).
void fit_rfc4884(const std::uint8_t* msg, std::size_t max_msg, std::size_t quoted_hdr, std::size_t word,
                 const std::uint8_t* buf_end, std::size_t& keep, std::size_t& ext_len) noexcept;
// RFC 4884 §4: lays out an ICMP error body whose quoted datagram has been
// rebuilt at msg + 8 (`quoted` bytes: translated header plus kept payload),
// followed by the extension structure `ext` (`ext_len` bytes, 0 = none)
// that still sits at its old place. The quoted field is zero-padded to a
// multiple of `word` (4 for ICMPv4, 8 for ICMPv6) and to 128 bytes, the
// extension moved behind it. Returns the message length and sets
// `length_words` (the length attribute; 0 without extension).
[[nodiscard]] std::size_t layout_rfc4884(std::uint8_t* msg, std::size_t quoted, const std::uint8_t* ext,
                                         std::size_t ext_len, std::size_t word, std::uint8_t& length_words) noexcept;

// RFC 7915 §4.2 Figure 3 and §5.2 Figure 6: Parameter Problem pointers.
// nullopt for a pointer with no counterpart (the message is dropped).
[[nodiscard]] std::optional<std::uint8_t> param_pointer_4to6(std::uint8_t ptr4) noexcept;
[[nodiscard]] std::optional<std::uint8_t> param_pointer_6to4(std::uint32_t ptr6) noexcept;

}  // namespace nat64d::xlat
