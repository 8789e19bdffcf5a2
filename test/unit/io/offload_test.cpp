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

TEST_CASE("offload: a partial checksum is completed over the IP datagram, not the bytes read behind it",
          "[io][offload][vnet]") {
    // RFC 8200 §8.1 checksum of the UDP datagram, as the kernel would have
    // completed it: the pseudo-header sum in the field, completed here.
    Bytes seg = udp(1, 2, Bytes{'u'});
    Bytes pkt = ipv6({h6, s6, 17}, seg);
    const std::uint32_t pseudo = common::csum_pseudo6(h6.bytes.data(), s6.bytes.data(), 9, 17);
    put16(pkt, 40 + 6, common::csum_fold(pseudo));
    pkt.resize(pkt.size() + 7, 0x99);
    io::VnetHdr in;
    in.flags = io::kVnetNeedsCsum;
    in.csum_start = 40;
    in.csum_offset = 6;
    const auto o = run(in, pkt);
    REQUIRE(o.r.verdict == Verdict::Forward);
    CHECK(o.r.out.flags == 0);
    // Translated 6->4: the completed checksum, updated for the IPv4
    // pseudo-header, verifies over the 9-byte datagram.
    REQUIRE(o.out.size() == 29);
    const std::uint32_t sum =
        common::csum_partial(o.out.data() + 20, 9, common::csum_pseudo4(o.out.data() + 12, o.out.data() + 16, 9, 17));
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
