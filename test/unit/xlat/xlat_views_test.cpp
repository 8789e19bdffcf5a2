// The typed header views (src/xlat/views.hpp) and the one IPv6 extension
// header walker (src/xlat/ext6.cpp), byte by byte.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "xlat/stages.hpp"
#include "xlat/views.hpp"

using namespace nat64d;
using namespace nat64d::xlat;

namespace {

// RFC 791 §3.1 header: IHL 6 (one option word), TOS 0x2e, total 0x0123,
// ID 0xbeef, MF set, offset 0x0105, TTL 9, UDP, 192.0.2.1 -> 198.51.100.2.
std::vector<std::uint8_t> v4_header() {
    return {0x46, 0x2e, 0x01, 0x23, 0xbe, 0xef, 0x21, 0x05, 9, 17, 0xaa, 0xbb,
            192,  0,    2,    1,    198,  51,   100,  2,    1, 1,  1,    1};
}

// RFC 8200 §3 header: traffic class 0xa5, flow label 0x12345, payload 0x40,
// next header `nh`, hop limit 7, 2001:db8::1 -> 3fff:6464::c000:201.
std::vector<std::uint8_t> v6_header(std::uint8_t nh) {
    std::vector<std::uint8_t> h{0x6a, 0x51, 0x23, 0x45, 0x00, 0x40, nh, 7};
    const std::uint8_t src[16]{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const std::uint8_t dst[16]{0x3f, 0xff, 0x64, 0x64, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1};
    h.insert(h.end(), src, src + 16);
    h.insert(h.end(), dst, dst + 16);
    return h;
}

}  // namespace

TEST_CASE("RFC 791 §3.1: Ipv4View names the header fields", "[xlat][views]") {
    auto b = v4_header();
    const Ipv4View ip{b.data()};
    CHECK(ip.version() == 4);
    CHECK(ip.ihl() == 24);
    CHECK(ip.tos() == 0x2e);
    CHECK(ip.total_len() == 0x0123);
    CHECK(ip.id() == 0xbeef);
    CHECK(ip.more_frags());
    CHECK_FALSE(ip.df());
    CHECK(ip.frag_offset() == 0x0105);
    CHECK(ip.fragmented());
    CHECK(ip.ttl() == 9);
    CHECK(ip.proto() == 17);
    CHECK(ip.src() == Ipv4Addr{{192, 0, 2, 1}});
    CHECK(ip.dst() == Ipv4Addr{{198, 51, 100, 2}});
    CHECK(ip.options() == b.data() + 20);

    ip.set_src(Ipv4Addr{{203, 0, 113, 5}});
    ip.set_ttl(64);
    ip.set_frag_word(kIpv4FlagDf);
    CHECK(b[12] == 203);
    CHECK(b[15] == 5);
    CHECK(b[8] == 64);
    CHECK(ip.df());
    CHECK_FALSE(ip.fragmented());
}

TEST_CASE("RFC 8200 §3: Ipv6View names the header fields", "[xlat][views]") {
    auto b = v6_header(17);
    const Ipv6View ip{b.data()};
    CHECK(ip.version() == 6);
    CHECK(ip.traffic_class() == 0xa5);
    CHECK(ip.payload_len() == 0x40);
    CHECK(ip.next_header() == 17);
    CHECK(ip.hop_limit() == 7);
    CHECK(ip.src().bytes[15] == 1);
    CHECK(ip.dst().bytes[12] == 192);

    ip.set_version_class_flow(0x11, 0);
    CHECK(b[0] == 0x61);
    CHECK(b[1] == 0x10);
    CHECK(b[2] == 0);
    CHECK(b[3] == 0);
}

TEST_CASE("RFC 8200 §4.5: FragHdrView reads offset, M and the 32-bit ID", "[xlat][views]") {
    std::vector<std::uint8_t> fh{6, 0, 0x00, 0xb9, 0x01, 0x02, 0x03, 0x04};
    const FragHdrView f{fh.data()};
    CHECK(f.next_header() == 6);
    CHECK(f.offset() == 23);
    CHECK(f.more_frags());
    CHECK(f.id() == 0x01020304);
    f.set(17, static_cast<std::uint16_t>(5 << 3), 9);
    CHECK(fh == std::vector<std::uint8_t>{17, 0, 0x00, 0x28, 0, 0, 0, 9});
}

TEST_CASE("RFC 7915 §5.1: one extension header walker, three rule sets", "[xlat][ext6]") {
    // Routing header with Segments Left 1, then UDP.
    auto rh = v6_header(proto::kRouting);
    const std::uint8_t routing[8]{17, 0, 0, 1, 0, 0, 0, 0};
    rh.insert(rh.end(), routing, routing + 8);
    rh.resize(rh.size() + 8);
    Ext6 e;
    Reason why{};
    REQUIRE_FALSE(walk_ext_headers(rh.data(), rh.size(), ExtWalk::Outer, e, why));
    CHECK(why == Reason::RoutingHeader);
    CHECK(e.bad_off == 43);
    e = Ext6{};
    REQUIRE(walk_ext_headers(rh.data(), rh.size(), ExtWalk::Quoted, e, why));
    CHECK(e.proto == 17);
    CHECK(e.l4_off == 48);

    // Fragment Header (offset 2) followed by Destination Options: refused
    // by the translation rules, followed to the end by ExtWalk::Chain.
    auto fd = v6_header(proto::kFragment);
    const std::uint8_t frag[8]{proto::kDestOpts, 0, 0x00, 0x10, 0, 0, 0, 1};
    const std::uint8_t dopts[8]{58, 0, 1, 4, 0, 0, 0, 0};
    fd.insert(fd.end(), frag, frag + 8);
    fd.insert(fd.end(), dopts, dopts + 8);
    fd.resize(fd.size() + 8);
    e = Ext6{};
    REQUIRE_FALSE(walk_ext_headers(fd.data(), fd.size(), ExtWalk::Outer, e, why));
    CHECK(why == Reason::BadExtHeader);
    CHECK(e.ext_after_fragment);
    e = Ext6{};
    REQUIRE(walk_ext_headers(fd.data(), fd.size(), ExtWalk::Chain, e, why));
    CHECK(e.proto == 58);
    CHECK(e.l4_off == 56);
    CHECK(e.has_frag);
    CHECK(e.frag_offset == 2);

    // A chain cut short fails in every mode.
    e = Ext6{};
    REQUIRE_FALSE(walk_ext_headers(fd.data(), 50, ExtWalk::Chain, e, why));
    CHECK(why == Reason::Truncated6);
}

TEST_CASE("RFC 7915 §5.1 §5.4: one walk answers every rule set (Ext6::passes)", "[xlat][ext6]") {
    // Hop-by-Hop, Routing (Segments Left 2), Fragment (offset 1) followed by
    // Destination Options, then ICMPv6: a packet that breaks the routing
    // rule first, the fragment rule next, and whose chain still ends.
    auto b = v6_header(proto::kHopByHop);
    const std::uint8_t hbh[8]{proto::kRouting, 0, 1, 4, 0, 0, 0, 0};
    const std::uint8_t routing[8]{proto::kFragment, 0, 0, 2, 0, 0, 0, 0};
    const std::uint8_t frag[8]{proto::kDestOpts, 0, 0x00, 0x08, 0, 0, 0, 7};
    const std::uint8_t dopts[8]{58, 0, 1, 4, 0, 0, 0, 0};
    for (const auto* h : {hbh, routing, frag, dopts}) b.insert(b.end(), h, h + 8);
    b.resize(b.size() + 8);
    Ext6 e;
    Reason why{};
    REQUIRE_FALSE(walk_ext_headers(b.data(), b.size(), ExtWalk::Outer, e, why));
    CHECK(why == Reason::RoutingHeader);  // the first broken rule
    CHECK(e.bad_off == 40 + 8 + 3);
    CHECK_FALSE(e.ext_after_fragment);  // recorded for the first broken rule only
    REQUIRE_FALSE(e.passes(ExtWalk::Quoted, why));
    CHECK(why == Reason::BadExtHeader);  // the routing rule does not hold for a quoted packet
    REQUIRE(e.passes(ExtWalk::Chain, why));
    CHECK(e.proto == 58);
    CHECK(e.l4_off == 72);
    CHECK(e.proto_off == 64);
    CHECK(e.frag_offset == 1);
    CHECK(e.frag_id == 7);
}
