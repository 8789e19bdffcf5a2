// RFC 4884 multi-part ICMP messages, shared by both directions of ICMP
// error translation (RFC 7915 §4.2, §5.2): where the original datagram
// ends and the extension structure begins, what fits of both in the
// translated message, and the translated message's layout.
#include <algorithm>
#include <cstring>

#include "xlat/icmp.hpp"
#include "xlat/proto.hpp"

namespace nat64d::xlat {

Rfc4884Body split_rfc4884(std::uint8_t* icmp, std::size_t len, std::size_t attr, bool keep_ext) noexcept {
    Rfc4884Body b{len - kIcmpHdrLen, nullptr, 0};
    // Length 0: no extension (RFC 4884 §5.4); a length beyond the message
    // cannot be right and is ignored too.
    if (attr == 0 || attr > b.original) return b;
    if (keep_ext) {
        b.ext = icmp + kIcmpHdrLen + attr;
        b.ext_len = b.original - attr;
    }
    b.original = attr;
    return b;
}

void fit_rfc4884(const std::uint8_t* msg, std::size_t max_msg, std::size_t quoted_hdr, std::size_t word,
                 const std::uint8_t* buf_end, std::size_t& keep, std::size_t& ext_len) noexcept {
    if (ext_len == 0) return;
    // The quoted field (>= 128 bytes, RFC 4884 §4) and the extension must
    // both fit; if not, the extension goes whole (RFC 7915 §4.2 / RFC 4884
    // §5.3: a cut extension would not parse).
    if (kIcmpHdrLen + kRfc4884MinOriginal + ext_len > max_msg) {
        ext_len = 0;
        return;
    }
    const std::size_t mask = ~(word - 1);
    const std::size_t field_max = (max_msg - kIcmpHdrLen - ext_len) & mask;
    keep = std::min(keep, field_max - quoted_hdr);
    const std::size_t field = std::max(kRfc4884MinOriginal, (quoted_hdr + keep + word - 1) & mask);
    if (msg + kIcmpHdrLen + field + ext_len > buf_end) ext_len = 0;
}

std::size_t layout_rfc4884(std::uint8_t* msg, std::size_t quoted, const std::uint8_t* ext, std::size_t ext_len,
                           std::size_t word, std::uint8_t& length_words) noexcept {
    if (ext_len == 0) {
        length_words = 0;
        return kIcmpHdrLen + quoted;
    }
    const std::size_t field = std::max(kRfc4884MinOriginal, (quoted + word - 1) / word * word);
    // Move first (the regions may overlap), then pad the gap with zeros.
    std::memmove(msg + kIcmpHdrLen + field, ext, ext_len);
    std::memset(msg + kIcmpHdrLen + quoted, 0, field - quoted);
    length_words = static_cast<std::uint8_t>(field / word);
    return kIcmpHdrLen + field + ext_len;
}

}  // namespace nat64d::xlat
