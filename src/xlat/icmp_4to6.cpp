// RFC 7915 §4.2: ICMPv4 -> ICMPv6.
#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"

namespace nat64d::xlat {

std::optional<Reason> icmp_4to6(std::uint8_t* icmp, std::size_t len, std::uint32_t pseudo6) noexcept {
    if (len < kIcmpHdrLen) return Reason::IcmpTruncated;
    std::uint8_t type = 0;
    switch (icmp[0]) {
        // §4.2: Echo and Echo Reply (8/0) -> 128/129.
        case icmp4::kEchoRequest: type = icmp6::kEchoRequest; break;
        case icmp4::kEchoReply: type = icmp6::kEchoReply; break;
        default: return Reason::IcmpUntranslatable;
    }
    const std::uint16_t old_word = common::load16(icmp);
    icmp[0] = type;
    const std::uint16_t new_word = common::load16(icmp);
    std::uint8_t* c = icmp + kIcmpCsumOffset;
    // ICMPv6 covers the pseudo-header, ICMPv4 does not (RFC 4443 §2.3).
    common::store16(c, common::csum_update(common::load16(c), old_word, common::csum_add(pseudo6, new_word)));
    return std::nullopt;
}

}  // namespace nat64d::xlat
