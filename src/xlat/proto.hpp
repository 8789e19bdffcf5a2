// Protocol numbers, header sizes and ICMP types/codes used by the
// translator, named once (never bare numbers in the translation code).
#pragma once

#include <cstddef>
#include <cstdint>

namespace nat64d::xlat {

inline constexpr std::size_t kIpv4HdrLen = 20;  // RFC 791, no options
inline constexpr std::size_t kIpv6HdrLen = 40;  // RFC 8200 §3
inline constexpr std::size_t kFragHdrLen = 8;   // RFC 8200 §4.5
inline constexpr std::size_t kIcmpHdrLen = 8;   // type, code, checksum, 4 bytes
inline constexpr std::size_t kUdpHdrLen = 8;
inline constexpr std::size_t kTcpCsumOffset = 16;  // RFC 9293 §3.1
inline constexpr std::size_t kUdpCsumOffset = 6;   // RFC 768
inline constexpr std::size_t kIcmpCsumOffset = 2;

// IP protocol / next header numbers (RFC 7915 §4.1, §5.1).
namespace proto {
inline constexpr std::uint8_t kHopByHop = 0;
inline constexpr std::uint8_t kIcmp = 1;
inline constexpr std::uint8_t kIgmp = 2;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
inline constexpr std::uint8_t kRouting = 43;
inline constexpr std::uint8_t kFragment = 44;
inline constexpr std::uint8_t kEsp = 50;
inline constexpr std::uint8_t kAh = 51;
inline constexpr std::uint8_t kIcmpv6 = 58;
inline constexpr std::uint8_t kNoNext = 59;
inline constexpr std::uint8_t kDestOpts = 60;
}  // namespace proto

// ICMPv4 types (RFC 792, RFC 950, RFC 1256) and codes (RFC 792, RFC 1122
// §3.2.2.1, RFC 1812 §5.2.7.1).
namespace icmp4 {
inline constexpr std::uint8_t kEchoReply = 0;
inline constexpr std::uint8_t kDestUnreach = 3;
inline constexpr std::uint8_t kSourceQuench = 4;
inline constexpr std::uint8_t kRedirect = 5;
inline constexpr std::uint8_t kAltHostAddress = 6;
inline constexpr std::uint8_t kEchoRequest = 8;
inline constexpr std::uint8_t kRouterAdvert = 9;
inline constexpr std::uint8_t kRouterSolicit = 10;
inline constexpr std::uint8_t kTimeExceeded = 11;
inline constexpr std::uint8_t kParamProblem = 12;
inline constexpr std::uint8_t kTimestamp = 13;
inline constexpr std::uint8_t kTimestampReply = 14;
inline constexpr std::uint8_t kInfoRequest = 15;
inline constexpr std::uint8_t kInfoReply = 16;
inline constexpr std::uint8_t kAddrMaskRequest = 17;
inline constexpr std::uint8_t kAddrMaskReply = 18;

// Destination Unreachable codes.
inline constexpr std::uint8_t kNetUnreach = 0;
inline constexpr std::uint8_t kHostUnreach = 1;
inline constexpr std::uint8_t kProtoUnreach = 2;
inline constexpr std::uint8_t kPortUnreach = 3;
inline constexpr std::uint8_t kFragNeeded = 4;
inline constexpr std::uint8_t kSourceRouteFailed = 5;
inline constexpr std::uint8_t kNetUnknown = 6;
inline constexpr std::uint8_t kHostUnknown = 7;
inline constexpr std::uint8_t kSourceHostIsolated = 8;
inline constexpr std::uint8_t kNetProhibited = 9;
inline constexpr std::uint8_t kHostProhibited = 10;
inline constexpr std::uint8_t kNetUnreachTos = 11;
inline constexpr std::uint8_t kHostUnreachTos = 12;
inline constexpr std::uint8_t kAdminProhibited = 13;
inline constexpr std::uint8_t kPrecedenceViolation = 14;
inline constexpr std::uint8_t kPrecedenceCutoff = 15;

// Time Exceeded codes.
inline constexpr std::uint8_t kTtlExceeded = 0;
inline constexpr std::uint8_t kReassemblyExceeded = 1;

// Parameter Problem codes.
inline constexpr std::uint8_t kPointerIndicatesError = 0;
inline constexpr std::uint8_t kMissingOption = 1;
inline constexpr std::uint8_t kBadLength = 2;
}  // namespace icmp4

// ICMPv6 types and codes (RFC 4443, RFC 4861, RFC 2710, RFC 3810).
namespace icmp6 {
inline constexpr std::uint8_t kDestUnreach = 1;
inline constexpr std::uint8_t kPacketTooBig = 2;
inline constexpr std::uint8_t kTimeExceeded = 3;
inline constexpr std::uint8_t kParamProblem = 4;
inline constexpr std::uint8_t kEchoRequest = 128;
inline constexpr std::uint8_t kEchoReply = 129;
inline constexpr std::uint8_t kMldQuery = 130;     // 130-132 MLD (RFC 2710)
inline constexpr std::uint8_t kRedirect = 137;     // 133-137 ND (RFC 4861)
inline constexpr std::uint8_t kMldv2Report = 143;  // RFC 3810

// Destination Unreachable codes.
inline constexpr std::uint8_t kNoRoute = 0;
inline constexpr std::uint8_t kAdminProhibited = 1;
inline constexpr std::uint8_t kBeyondScope = 2;
inline constexpr std::uint8_t kAddrUnreach = 3;
inline constexpr std::uint8_t kPortUnreach = 4;
inline constexpr std::uint8_t kSourcePolicy = 5;  // source address failed ingress/egress policy

// Time Exceeded codes.
inline constexpr std::uint8_t kHopLimitExceeded = 0;
inline constexpr std::uint8_t kReassemblyExceeded = 1;

// Parameter Problem codes.
inline constexpr std::uint8_t kErroneousField = 0;
inline constexpr std::uint8_t kUnrecognizedNextHeader = 1;
inline constexpr std::uint8_t kUnrecognizedOption = 2;
}  // namespace icmp6

inline constexpr std::uint8_t kIcmp6Redirect = icmp6::kRedirect;

// RFC 4884 §4: the length attribute (original datagram length) sits in
// byte 5 of an ICMPv4 header, in 32-bit words, and in byte 4 of an ICMPv6
// header, in 64-bit words.
inline constexpr std::size_t kIcmp4LengthAttr = 5;
inline constexpr std::size_t kIcmp6LengthAttr = 4;
// RFC 4884 §4: with an extension, the original datagram field is padded
// to at least 128 bytes.
inline constexpr std::size_t kRfc4884MinOriginal = 128;

// IPv6 minimum link MTU (RFC 8200 §5): the floor of every translated PTB.
inline constexpr std::uint32_t kIpv6MinMtu = 1280;
// IPv4 minimum MTU (RFC 791): the floor of the MTUs we work with.
inline constexpr std::uint32_t kIpv4MinMtu = 68;

// IPv4 flags/fragment-offset word (RFC 791 §3.1).
inline constexpr std::uint16_t kIpv4FlagDf = 0x4000;
inline constexpr std::uint16_t kIpv4FlagMf = 0x2000;
inline constexpr std::uint16_t kIpv4OffsetMask = 0x1fff;

// RFC 7915 §5.1: a translated IPv4 packet larger than this gets DF=1.
inline constexpr std::size_t kDfThreshold = 1260;

// The most a translation prepends to a packet: 4->6 ICMP error, outer
// 20 -> 40 and quoted 20 -> 48 bytes; a translator error, 48 bytes.
inline constexpr std::size_t kMaxPrepend = 48;

// TTL / hop limit of packets the translator originates (echo replies).
inline constexpr std::uint8_t kOwnHopLimit = 64;

}  // namespace nat64d::xlat
