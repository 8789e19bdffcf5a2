// Runs the translator over bytes, the way a worker does.
#pragma once

#include <cstring>

#include "support/packet_builder.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::test {

struct Outcome {
    Verdict verdict;
    Bytes out;  // the bytes the worker would write (empty on Drop)
    xlat::Counters counters;
};

inline Outcome run_xlat(const xlat::Tables& t, const Bytes& in, std::uint16_t next_id = 0x1234) {
    std::vector<std::uint8_t> buf(xlat::kHeadroom + 65535 + 64);
    std::memcpy(buf.data() + xlat::kHeadroom, in.data(), in.size());
    xlat::PacketBuf pkt{buf.data(), buf.size(), xlat::kHeadroom, in.size()};
    xlat::Context ctx;
    ctx.next_ipv4_id = next_id;
    const Verdict v = xlat::translate(t, ctx, pkt);
    Outcome o{v, {}, ctx.counters};
    if (v != Verdict::Drop) o.out.assign(pkt.data(), pkt.data() + pkt.length);
    return o;
}

inline std::uint64_t drops(const Outcome& o, Reason r) { return o.counters.drops[static_cast<std::size_t>(r)]; }

// The tables of most fixtures: NSP 3fff:6464::/96, translator 192.0.2.1 /
// 3fff:6464::c000:201, and an explicit host mapping
// 198.51.100.10 <-> 2001:db8::10 for the IPv6-only host.
inline xlat::Tables default_tables(UdpCksumMode mode = UdpCksumMode::Drop) {
    Config cfg;
    cfg.prefix = *parse_prefix6("3fff:6464::/96");
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.128/25"), *parse_prefix6("2001:db8:1::80/121"), {}});
    cfg.udp_cksum_mode = mode;
    return xlat::make_tables(cfg);
}

}  // namespace nat64d::test
