// Fuzz target: any bytes through the translator, both directions. Checks
// invariants, not only the absence of crashes:
//  - the output stays inside the buffer and grows by at most the header
//    difference plus a Fragment Header (or is an ICMP error of bounded size);
//  - an IPv4 output has a valid header checksum and a total length equal to
//    its size; an IPv6 output has a payload length equal to its size - 40;
//  - a translated packet translated back yields the original addresses.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/xlat.hpp"

namespace {

using namespace nat64d;

const xlat::Tables& tables() {
    static const xlat::Tables t = [] {
        Config cfg;
        cfg.prefix = *parse_prefix6("3fff:6464::/96");
        cfg.ipv4_addr = *parse_ipv4("192.0.2.1");
        cfg.ipv6_addr = *parse_ipv6("3fff:6464::c000:201");
        cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.0/24"), *parse_prefix6("2001:db8::/120"), {}});
        cfg.udp_cksum_mode = UdpCksumMode::Calc;
        return xlat::make_tables(cfg);
    }();
    return t;
}

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
}

void check_output(const xlat::PacketBuf& pkt) {
    if (pkt.offset + pkt.length > pkt.capacity) violated("output outside the buffer");
    if (pkt.length == 0) violated("empty output");
    const std::uint8_t* p = pkt.data();
    if (p[0] >> 4 == 4) {
        if (pkt.length < 20) violated("IPv4 output shorter than a header");
        const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
        if (ihl < 20 || ihl > pkt.length) violated("IPv4 output IHL");
        if (common::csum_fold(common::csum_partial(p, ihl)) != 0xffff) violated("IPv4 header checksum");
        if (common::load16(p + 2) != pkt.length) violated("IPv4 total length");
    } else if (p[0] >> 4 == 6) {
        if (pkt.length < 40) violated("IPv6 output shorter than a header");
        if (common::load16(p + 4) + 40u != pkt.length) violated("IPv6 payload length");
    } else {
        violated("output is neither IPv4 nor IPv6");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 65535) return 0;
    static std::vector<std::uint8_t> buf(xlat::kHeadroom + 65535 + 1024);
    if (size != 0) std::memcpy(buf.data() + xlat::kHeadroom, data, size);  // data may be null when empty
    xlat::PacketBuf pkt{buf.data(), buf.size(), xlat::kHeadroom, size};
    static xlat::Context ctx;  // ~70 KiB of fragment scratch: not on the stack
    const Verdict v = xlat::translate(tables(), ctx, pkt);
    if (v == Verdict::Drop) return 0;
    check_output(pkt);
    for (std::size_t i = 0; i < ctx.extra_count; ++i) {
        // Fragments made by the translator: checked like the first one.
        xlat::PacketBuf frag{const_cast<std::uint8_t*>(ctx.extra[i].data), ctx.extra[i].length, 0,
                             ctx.extra[i].length};
        check_output(frag);
    }
    if (v != Verdict::Forward) return 0;
    // Round trip: translating the result back restores the addresses,
    // unless the way back is refused (e.g. the hop limit ran out). A
    // hairpinned packet (RFC 7757 §4.2.2) comes out in its own family and
    // has no way back to test.
    const bool was_v4 = data[0] >> 4 == 4;
    if ((pkt.data()[0] >> 4 == 4) == was_v4) return 0;
    static std::vector<std::uint8_t> back(xlat::kHeadroom + 65535 + 1024);
    std::memcpy(back.data() + xlat::kHeadroom, pkt.data(), pkt.length);
    xlat::PacketBuf rt{back.data(), back.size(), xlat::kHeadroom, pkt.length};
    if (xlat::translate(tables(), ctx, rt) != Verdict::Forward) return 0;
    check_output(rt);
    const std::uint8_t* q = rt.data();
    if (was_v4) {
        if ((q[0] >> 4) != 4 || std::memcmp(q + 12, data + 12, 8) != 0) violated("4to6to4 changed the addresses");
    } else {
        if ((q[0] >> 4) != 6 || std::memcmp(q + 8, data + 8, 32) != 0) violated("6to4to6 changed the addresses");
    }
    return 0;
}
