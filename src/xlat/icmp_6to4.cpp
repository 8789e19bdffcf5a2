// RFC 7915 §5.2: ICMPv6 -> ICMPv4.
#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"

namespace nat64d::xlat {

std::optional<Reason> icmp_6to4(std::uint8_t* icmp, std::size_t len, std::uint32_t pseudo6) noexcept {
    if (len < kIcmpHdrLen) return Reason::IcmpTruncated;
    std::uint8_t type = 0;
    switch (icmp[0]) {
        // §5.2: Echo Request/Reply (128/129) -> 8/0; code, identifier,
        // sequence and data unchanged.
        case icmp6::kEchoRequest: type = icmp4::kEchoRequest; break;
        case icmp6::kEchoReply: type = icmp4::kEchoReply; break;
        default: return Reason::IcmpUntranslatable;
    }
    const std::uint16_t old_word = common::load16(icmp);
    icmp[0] = type;
    const std::uint16_t new_word = common::load16(icmp);
    std::uint8_t* c = icmp + kIcmpCsumOffset;
    // Out: the pseudo-header and the old type word; in: the new type word.
    common::store16(c, common::csum_update(common::load16(c), common::csum_add(pseudo6, old_word), new_word));
    return std::nullopt;
}

}  // namespace nat64d::xlat
