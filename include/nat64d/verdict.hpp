// What the translator decided about a packet (Verdict) and why it did not
// translate it (Reason). One enum of reasons, with a parallel table of names
// and one-line descriptions, serves counters, logs and the control tool.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nat64d {

enum class Verdict : std::uint8_t {
    Forward,    // translated; the buffer holds the packet to write
    Drop,       // dropped; a Reason was counted
    Local,      // addressed to the translator itself; the buffer holds its reply
    IcmpError,  // not translated; the buffer holds the ICMP error to send back
};

// X-macro so the enum and its name/description table cannot drift apart.
#define NAT64D_REASONS(X)                                                                                              \
    X(Truncated4, "truncated-ipv4", "IPv4 packet shorter than its headers or total length")                            \
    X(BadIpv4Header, "bad-ipv4-header", "IPv4 header length or version invalid")                                       \
    X(BadIpv4Checksum, "bad-ipv4-checksum", "IPv4 header checksum does not verify")                                    \
    X(Truncated6, "truncated-ipv6", "IPv6 packet shorter than its headers or payload length")                          \
    X(BadVersion, "bad-version", "packet is neither IPv4 nor IPv6")                                                    \
    X(Jumbogram, "ipv6-jumbogram", "IPv6 jumbogram (payload length 0) cannot be translated")                           \
    X(BadJumbogram, "bad-jumbogram", "IPv6 payload length 0 without a valid, complete Jumbo Payload")                  \
    X(TtlExpired, "ttl-expired", "IPv4 TTL would reach zero")                                                          \
    X(HopLimitExpired, "hop-limit-expired", "IPv6 hop limit would reach zero")                                         \
    X(SourceRoute, "ipv4-source-route", "IPv4 packet carries an unexpired source route")                               \
    X(RoutingHeader, "ipv6-routing-header", "IPv6 routing header with segments left")                                  \
    X(BadExtHeader, "bad-ext-header", "IPv6 extension header chain malformed or not translatable")                     \
    X(Ipv6OnlyProtocol, "ipv6-only-protocol", "IPv4 protocol number is an IPv6 extension header")                      \
    X(Icmpv4InIpv6, "icmpv4-in-ipv6", "IPv6 packet with Next Header 1 (ICMPv4; RFC 7915 §5.1, §5.3)")                  \
    X(SrcUnmappable4, "src-unmappable-4to6", "IPv4 source has no IPv6 mapping (deny4 included)")                       \
    X(DstUnmappable4, "dst-unmappable-4to6",                                                                           \
      "IPv4 destination has no IPv6 mapping (no map, lease or prefix translates it)")                                  \
    X(SrcUnmappable6, "src-unmappable-6to4", "IPv6 source has no IPv4 mapping (deny4 included)")                       \
    X(DstUnmappable6, "dst-unmappable-6to4",                                                                           \
      "IPv6 destination has no IPv4 mapping (no map, lease or prefix translates it)")                                  \
    X(UnmappedDestination, "unmapped-destination",                                                                     \
      "destination not mapped, leased nor the translator's own, refused through the prefix: in deny4, or "             \
      "its translation is routed back into the translator (a routing loop)")                                           \
    X(WkpNonGlobal, "wkp-non-global", "well-known prefix with a non-global IPv4 address (RFC 6052 §3.1)")              \
    X(IllegalSource, "illegal-source",                                                                                 \
      "reserved source: 0/8, 127/8, 224/4, 255.255.255.255, ::/8, fe80::/10, ff00::/8, or 169.254/16 "                 \
      "through the prefix (RFC 1812 §5.3.7)")                                                                          \
    X(ReservedDestination, "reserved-destination",                                                                     \
      "reserved destination: 0/8, 127/8, ::/8, fe80::/10, or 169.254/16 through the prefix")                           \
    X(SpoofedSource, "spoofed-source",                                                                                 \
      "IPv6 source in the prefix embeds ipv4-addr, a mapped or a pool IPv4 address (RFC 6052 §5.1)")                   \
    X(FragmentedIcmp, "fragmented-icmp", "fragmented ICMP is not translated (RFC 7915 §1.2)")                          \
    X(IcmpTruncated, "icmp-truncated", "ICMP message shorter than its header")                                         \
    X(IcmpUntranslatable, "icmp-untranslatable", "ICMP type or code with no translation")                              \
    X(TransportTruncated, "transport-truncated", "TCP or UDP header cut short")                                        \
    X(UdpZeroChecksum, "udp-zero-checksum", "UDP without checksum dropped (udp-cksum-mode drop)")                      \
    X(UdpZeroChecksumFragment, "udp-zero-checksum-fragment",                                                           \
      "fragmented UDP without checksum cannot be checksummed (RFC 7915 §4.5)")                                         \
    X(LocalUnsupported, "local-unsupported", "ICMP to the translator's own address that is not an echo request")       \
    X(ProtocolUnreachable, "protocol-unreachable",                                                                     \
      "non-ICMP packet to the translator's own address (RFC 1122 §3.2.2.1, RFC 8200 §4)")                              \
    X(TooBig, "too-big", "packet larger than the next-hop MTU and may not be fragmented (RFC 7915 §4.1, §5.1.1)")      \
    X(NoBufferRoom, "no-buffer-room", "buffer lacks the headroom or scratch space the translation needs")              \
    X(BadIcmpChecksum, "bad-icmp-checksum", "ICMP error whose checksum does not verify")                               \
    X(IcmpSingleHop, "icmp-single-hop", "single-link ICMP (ND, MLD, redirect, router discovery; RFC 7915 §4.2, §5.2)") \
    X(IcmpObsolete, "icmp-obsolete", "ICMPv4 type with no ICMPv6 counterpart (RFC 7915 §4.2)")                         \
    X(IcmpPointer, "icmp-pointer", "Parameter Problem pointer with no counterpart (RFC 7915 Figures 3, 6)")            \
    X(IcmpErrorInError, "icmp-error-in-error", "ICMP error quoting an ICMP error (RFC 7915 §4.3, §5.3)")               \
    X(InnerPacketBad, "inner-packet-bad", "packet quoted in an ICMP error truncated or malformed")                     \
    X(Igmp, "igmp", "IGMP is single-hop and not translated (RFC 7915 §4.2)")                                           \
    X(MulticastDestination, "multicast-destination", "multicast or broadcast destination (RFC 7915 §1.2)")             \
    X(InnerUnmappable, "inner-unmappable", "address of the packet quoted in an ICMP error has no mapping")             \
    X(PoolExhausted, "pool-exhausted", "dynamic pool has no free or dormant address for a new IPv6 host")

enum class Reason : std::uint8_t {
#define NAT64D_REASON_ENUM(id, name, desc) id,
    NAT64D_REASONS(NAT64D_REASON_ENUM)
#undef NAT64D_REASON_ENUM
};

inline constexpr std::size_t kReasonCount = 0
#define NAT64D_REASON_COUNT(id, name, desc) +1
    NAT64D_REASONS(NAT64D_REASON_COUNT)
#undef NAT64D_REASON_COUNT
    ;

struct ReasonInfo {
    std::string_view name;
    std::string_view description;
};

inline constexpr std::array<ReasonInfo, kReasonCount> kReasonInfo{{
#define NAT64D_REASON_INFO(id, name, desc) {name, desc},
    NAT64D_REASONS(NAT64D_REASON_INFO)
#undef NAT64D_REASON_INFO
}};

[[nodiscard]] constexpr const ReasonInfo& reason_info(Reason r) noexcept {
    return kReasonInfo[static_cast<std::size_t>(r)];
}

}  // namespace nat64d
