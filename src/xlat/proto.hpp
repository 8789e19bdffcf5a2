// Protocol numbers, header sizes and ICMP types/codes used by the
// translator, named once (never bare numbers in the translation code).
#pragma once

#include <cstddef>
#include <cstdint>

namespace nat64d::xlat {

inline constexpr std::size_t kIpv4HdrLen = 20;   // RFC 791, no options
inline constexpr std::size_t kIpv6HdrLen = 40;   // RFC 8200 §3
inline constexpr std::size_t kFragHdrLen = 8;    // RFC 8200 §4.5
inline constexpr std::size_t kIcmpHdrLen = 8;    // type, code, checksum, 4 bytes
inline constexpr std::size_t kUdpHdrLen = 8;
inline constexpr std::size_t kTcpCsumOffset = 16;  // RFC 9293 §3.1
inline constexpr std::size_t kUdpCsumOffset = 6;   // RFC 768
inline constexpr std::size_t kIcmpCsumOffset = 2;

// IP protocol / next header numbers (RFC 7915 §4.1, §5.1).
namespace proto {
inline constexpr std::uint8_t kHopByHop = 0;
inline constexpr std::uint8_t kIcmp = 1;
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

// ICMPv4 types (RFC 792).
namespace icmp4 {
inline constexpr std::uint8_t kEchoReply = 0;
inline constexpr std::uint8_t kDestUnreach = 3;
inline constexpr std::uint8_t kEchoRequest = 8;
inline constexpr std::uint8_t kTimeExceeded = 11;
inline constexpr std::uint8_t kParamProblem = 12;
}  // namespace icmp4

// ICMPv6 types (RFC 4443).
namespace icmp6 {
inline constexpr std::uint8_t kDestUnreach = 1;
inline constexpr std::uint8_t kPacketTooBig = 2;
inline constexpr std::uint8_t kTimeExceeded = 3;
inline constexpr std::uint8_t kParamProblem = 4;
inline constexpr std::uint8_t kEchoRequest = 128;
inline constexpr std::uint8_t kEchoReply = 129;
}  // namespace icmp6

// IPv4 flags/fragment-offset word (RFC 791 §3.1).
inline constexpr std::uint16_t kIpv4FlagDf = 0x4000;
inline constexpr std::uint16_t kIpv4FlagMf = 0x2000;
inline constexpr std::uint16_t kIpv4OffsetMask = 0x1fff;

// RFC 7915 §5.1: a translated IPv4 packet larger than this gets DF=1.
inline constexpr std::size_t kDfThreshold = 1260;

// TTL / hop limit of packets the translator originates (echo replies).
inline constexpr std::uint8_t kOwnHopLimit = 64;

}  // namespace nat64d::xlat
