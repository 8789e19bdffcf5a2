// io::translate_offloaded: the virtio-net header of one packet honoured
// around the translation (no socket). Cases found by fuzz_vnet.
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "common/checksum.hpp"
#include "daemon/tables_builder.hpp"
#include "io/offload.hpp"
#include "support/packet_builder.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

xlat::Tables tables() {
    Config cfg;
    cfg.prefix = *parse_prefix6("3fff:6464::/96");
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    return nat64d::daemon::build_tables(cfg).value();
}

struct Run {
    io::Offloaded r;
    Bytes out;
};

Run run(const io::VnetHdr& in, const Bytes& packet) {
    static xlat::Context ctx;
    std::vector<std::uint8_t> buf(xlat::kHeadroom + packet.size());
    std::memcpy(buf.data() + xlat::kHeadroom, packet.data(), packet.size());
    xlat::PacketBuf pkt{buf.data(), buf.size(), xlat::kHeadroom, packet.size()};
    const auto t = tables();
    Run out{io::translate_offloaded(t, ctx, pkt, in), {}};
    out.out.assign(pkt.data(), pkt.data() + pkt.length);
    return out;
}

io::VnetHdr gso_tcp6(std::uint16_t hdr_len, std::uint16_t csum_start) {
    io::VnetHdr in;
    in.flags = io::kVnetNeedsCsum;
    in.gso_type = io::kGsoTcpV6;
    in.hdr_len = hdr_len;
    in.gso_size = 1440;
    in.csum_start = csum_start;
    in.csum_offset = 16;
    return in;
}

const Ipv6Addr h6 = v6("2001:db8::10"), s6 = v6("3fff:6464::c000:221");

}  // namespace

TEST_CASE("offload: a GSO header's hdr_len never points past the packet, bytes read behind it included",
          "[io][offload][vnet]") {
    // 60-byte datagram (IPv6 + TCP) followed by 40 bytes that are not part
    // of it; hdr_len claims 121 bytes of headers.
    Bytes pkt = ipv6({h6, s6, 6}, tcp(40000, 80, 1, 0x10, {}));
    pkt.resize(pkt.size() + 40, 0xee);
    const auto o = run(gso_tcp6(121, 40), pkt);
    REQUIRE(!o.r.offload_error);
    REQUIRE(o.r.verdict == Verdict::Forward);
    CHECK(o.out.size() == 40);  // IPv4 + TCP, the bytes behind dropped
    CHECK(o.r.out.gso_type == io::kGsoTcpV4);
    CHECK(o.r.out.csum_start == 20);
    CHECK(o.r.out.hdr_len == 40);
}

TEST_CASE("offload: a GSO header whose csum_start does not name the TCP header is an offload error",
          "[io][offload][vnet]") {
    const Bytes pkt = ipv6({h6, s6, 6}, tcp(40000, 80, 1, 0x10, Bytes(100, 1)));
    CHECK(run(gso_tcp6(60, 40), pkt).r.offload_error == false);
    CHECK(run(gso_tcp6(60, 0), pkt).r.offload_error);  // into the IPv6 header the translator rewrites
    io::VnetHdr v4type = gso_tcp6(60, 40);
    v4type.gso_type = io::kGsoTcpV4;  // type of the other family
    CHECK(run(v4type, pkt).r.offload_error);
    io::VnetHdr no_csum = gso_tcp6(60, 40);
    no_csum.flags = 0;  // GSO without NEEDS_CSUM
    CHECK(run(no_csum, pkt).r.offload_error);
    const Bytes udp6 = ipv6({h6, s6, 17}, udp(1, 2, Bytes(100, 1)));
    io::VnetHdr on_udp = gso_tcp6(48, 40);
    on_udp.csum_offset = 6;  // a UDP datagram as a TCP super-packet
    CHECK(run(on_udp, udp6).r.offload_error);
}

// What the kernel does with a CHECKSUM_PARTIAL packet on its way out: the
// sum from csum_start to the end of the datagram, the field holding the
// pseudo-header sum, complemented into the field.
Bytes complete_partial(Bytes b, std::size_t csum_start, std::size_t csum_offset) {
    put16(b, csum_start + csum_offset,
          common::csum_finish(common::csum_partial(b.data() + csum_start, b.size() - csum_start)));
    return b;
}

io::VnetHdr needs_csum(std::uint16_t csum_start, std::uint16_t csum_offset) {
    io::VnetHdr in;
    in.flags = io::kVnetNeedsCsum;
    in.csum_start = csum_start;
    in.csum_offset = csum_offset;
    return in;
}

TEST_CASE("offload: an ordinary UDP packet's partial checksum stays partial, over the datagram only",
          "[io][offload][vnet]") {
    // RFC 8200 §8.1 checksum of the UDP datagram left to the kernel: the
    // pseudo-header sum in the field. 7 bytes read behind the datagram are
    // not part of it.
    Bytes seg = udp(1, 2, Bytes{'u'});
    Bytes pkt = ipv6({h6, s6, 17}, seg);
    const std::uint32_t pseudo = common::csum_pseudo6(h6.bytes.data(), s6.bytes.data(), 9, 17);
    put16(pkt, 40 + 6, common::csum_fold(pseudo));
    pkt.resize(pkt.size() + 7, 0x99);
    const auto o = run(needs_csum(40, 6), pkt);
    REQUIRE(o.r.verdict == Verdict::Forward);
    REQUIRE(o.r.out.flags == io::kVnetNeedsCsum);
    CHECK(o.r.out.csum_start == 20);
    CHECK(o.r.out.csum_offset == 6);
    // Translated 6->4 (29 bytes, the 7 behind dropped): the field is the
    // IPv4 pseudo-header sum, and completed as the kernel completes it the
    // checksum verifies over the 9-byte datagram.
    REQUIRE(o.out.size() == 29);
    CHECK(get16(o.out, 26) == common::csum_fold(common::csum_pseudo4(o.out.data() + 12, o.out.data() + 16, 9, 17)));
    const Bytes done = complete_partial(o.out, 20, 6);
    const std::uint32_t sum =
        common::csum_partial(done.data() + 20, 9, common::csum_pseudo4(done.data() + 12, done.data() + 16, 9, 17));
    CHECK(common::csum_fold(sum) == 0xffff);
}

TEST_CASE("offload: RFC 1624 on a partial TCP checksum gives the bytes of translating the completed packet",
          "[io][offload][vnet]") {
    // The same segment twice: once with its checksum left partial (kept
    // partial, completed afterwards as the kernel does), once completed
    // before it reached the translator. Both ways, the same bytes.
    const Ipv4Addr h4 = v4("198.51.100.10"), s4 = v4("192.0.2.33");
    const Bytes payload(300, 0x3c);
    for (const bool from_v6 : {true, false}) {
        Bytes pkt = from_v6 ? ipv6({h6, s6, 6}, seal6(tcp(40000, 80, 7, 0x18, payload), 6, h6, s6))
                            : ipv4({s4, h4, 6}, seal4(tcp(80, 40000, 7, 0x18, payload), 6, s4, h4));
        const std::size_t l3 = from_v6 ? 40 : 20;
        const std::size_t l4_len = pkt.size() - l3;
        Bytes partial = pkt;
        const std::uint32_t pseudo =
            from_v6 ? common::csum_pseudo6(h6.bytes.data(), s6.bytes.data(), static_cast<std::uint32_t>(l4_len), 6)
                    : common::csum_pseudo4(s4.bytes.data(), h4.bytes.data(), static_cast<std::uint16_t>(l4_len), 6);
        put16(partial, l3 + 16, common::csum_fold(pseudo));
        const auto kept = run(needs_csum(static_cast<std::uint16_t>(l3), 16), partial);
        const auto whole = run(io::VnetHdr{}, pkt);
        REQUIRE(kept.r.verdict == Verdict::Forward);
        REQUIRE(whole.r.verdict == Verdict::Forward);
        REQUIRE(kept.r.out.flags == io::kVnetNeedsCsum);
        const std::size_t out_l3 = from_v6 ? 20 : 40;
        CHECK(kept.r.out.csum_start == out_l3);
        // The IPv4 Identification comes from the generator (a new value per
        // packet): everything but it and the header checksum is compared.
        Bytes a = complete_partial(kept.out, out_l3, 16), b = whole.out;
        if (from_v6) {
            for (Bytes* x : {&a, &b}) put16(*x, 4, 0), put16(*x, 10, 0);
        }
        CHECK(a == b);
    }
}

TEST_CASE("offload: a partial checksum is completed when the translation must fragment (RFC 7915 §4)",
          "[io][offload][vnet]") {
    // 1400 bytes of UDP, DF clear: fragmented to lowest-ipv6-mtu (1280), so
    // each fragment needs the real checksum in the first one.
    const Ipv4Addr h4 = v4("198.51.100.10"), s4 = v4("192.0.2.33");
    Bytes pkt = ipv4({s4, h4, 17}, seal4(udp(53, 40000, Bytes(1400, 0x21)), 17, s4, h4));
    put16(pkt, 20 + 6, common::csum_fold(common::csum_pseudo4(s4.bytes.data(), h4.bytes.data(), 1408, 17)));
    static xlat::Context ctx;
    std::vector<std::uint8_t> buf(xlat::kHeadroom + pkt.size());
    std::memcpy(buf.data() + xlat::kHeadroom, pkt.data(), pkt.size());
    xlat::PacketBuf p{buf.data(), buf.size(), xlat::kHeadroom, pkt.size()};
    const auto t = tables();
    const auto r = io::translate_offloaded(t, ctx, p, needs_csum(20, 6));
    REQUIRE(r.verdict == Verdict::Forward);
    CHECK(r.out.flags == 0);
    REQUIRE(ctx.extra_count == 1);
    // The first fragment carries the UDP header: its checksum is the real
    // one, translated (RFC 1624) to the IPv6 pseudo-header of the whole
    // datagram.
    Bytes whole(p.data() + 48, p.data() + p.length);
    whole.insert(whole.end(), ctx.extra[0].data + 48, ctx.extra[0].data + ctx.extra[0].length);
    REQUIRE(whole.size() == 1408);
    const std::uint32_t sum = common::csum_partial(
        whole.data(), whole.size(),
        common::csum_pseudo6(p.data() + 8, p.data() + 24, static_cast<std::uint32_t>(whole.size()), 17));
    CHECK(common::csum_fold(sum) == 0xffff);
}

TEST_CASE("offload: a GSO super-packet whose TCP header ends behind the datagram is an offload error",
          "[io][offload][vnet]") {
    // IPv6 payload length 19: one byte short of a TCP header; the 41 bytes
    // read behind the datagram would complete it, but are not part of it.
    Bytes pkt = ipv6({h6, s6, 6}, tcp(40000, 80, 1, 0x10, {}));
    pkt[5] = 19;
    pkt.resize(pkt.size() + 40, 0xee);
    const auto o = run(gso_tcp6(121, 40), pkt);
    CHECK(o.r.offload_error);
}

TEST_CASE("offload: a UDP super-packet (USO) is translated once, its type and partial sum follow",
          "[io][offload][vnet]") {
    // Three 1000-byte segments in one IPv6 datagram, as a socket with
    // UDP_SEGMENT (QUIC on a CLAT host) or UDP GRO hands them over; the UDP
    // length covers the whole super-packet, the field holds its
    // pseudo-header sum.
    Bytes pkt = ipv6({h6, s6, 17}, udp(443, 40000, Bytes(3000, 0x17)));
    put16(pkt, 40 + 6, common::csum_fold(common::csum_pseudo6(h6.bytes.data(), s6.bytes.data(), 3008, 17)));
    io::VnetHdr in = needs_csum(40, 6);
    in.gso_type = io::kGsoUdpL4;
    in.gso_size = 1000;
    in.hdr_len = 48;
    const auto o = run(in, pkt);
    REQUIRE(!o.r.offload_error);
    REQUIRE(o.r.verdict == Verdict::Forward);
    REQUIRE(o.out.size() == 20 + 3008);
    CHECK(o.r.out.gso_type == io::kGsoUdpL4);
    CHECK(o.r.out.gso_size == 1000);
    CHECK(o.r.out.flags == io::kVnetNeedsCsum);
    CHECK(o.r.out.csum_start == 20);
    CHECK(o.r.out.csum_offset == 6);
    CHECK(o.r.out.hdr_len == 28);
    CHECK(get16(o.out, 20 + 4) == 3008);
    CHECK(get16(o.out, 26) == common::csum_fold(common::csum_pseudo4(o.out.data() + 12, o.out.data() + 16, 3008, 17)));

    io::VnetHdr ecn = in;
    ecn.gso_type = io::kGsoUdpL4 | io::kGsoEcn;  // ECN is TCP's (CWR), never UDP's
    CHECK(run(ecn, pkt).r.offload_error);
    io::VnetHdr on_tcp = in;
    on_tcp.csum_offset = 16;
    const Bytes tcp6 = ipv6({h6, s6, 6}, tcp(40000, 80, 1, 0x10, Bytes(3000, 1)));
    CHECK(run(on_tcp, tcp6).r.offload_error);  // a TCP segment as a UDP super-packet
}
