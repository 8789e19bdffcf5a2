// Runs the translator over bytes, the way a worker does.
#pragma once

#include <cstring>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/tables_builder.hpp"
#include "support/packet_builder.hpp"
#include "support/vector_dump.hpp"  // NAT64D_XLAT_DUMP, for the kernel fast path's parity test
#include "xlat/xlat.hpp"

namespace nat64d::test {

struct Outcome {
    Verdict verdict;
    Bytes out;                 // the bytes the worker would write (empty on Drop)
    std::vector<Bytes> extra;  // further packets (fragments), in order
    xlat::Counters counters;
    xlat::Event event;         // ctx.last_event
    std::uint64_t events = 0;  // events recorded by this call
};

// One packet through an existing context (rate limiter, ID generator and
// clock persist across calls, as in a worker).
inline Outcome run_xlat_ctx(const xlat::Tables& t, xlat::Context& ctx, const Bytes& in, bool gso = false) {
    dump_vector(t, in, gso);
    std::vector<std::uint8_t> buf(xlat::kHeadroom + 65535 + 64);
    if (!in.empty()) std::memcpy(buf.data() + xlat::kHeadroom, in.data(), in.size());  // data() may be null
    xlat::PacketBuf pkt{buf.data(), buf.size(), xlat::kHeadroom, in.size()};
    pkt.gso = gso;
    const std::uint64_t seq = ctx.event_seq;
    const xlat::Counters before = ctx.counters;
    const Verdict v = xlat::translate(t, ctx, pkt);
    Outcome o{v, {}, {}, ctx.counters, ctx.last_event, ctx.event_seq - seq};
    // Counters of this call only.
    o.counters = ctx.counters;
    for (std::size_t i = 0; i < o.counters.drops.size(); ++i) o.counters.drops[i] -= before.drops[i];
    o.counters.packets_4to6 -= before.packets_4to6;
    o.counters.packets_6to4 -= before.packets_6to4;
    o.counters.icmp_errors_sent -= before.icmp_errors_sent;
    o.counters.icmp_errors_rate_limited -= before.icmp_errors_rate_limited;
    if (v != Verdict::Drop) {
        REQUIRE(pkt.offset + pkt.length <= pkt.capacity);
        o.out.assign(pkt.data(), pkt.data() + pkt.length);
        for (std::size_t i = 0; i < ctx.extra_count; ++i) {
            o.extra.emplace_back(ctx.extra[i].data, ctx.extra[i].data + ctx.extra[i].length);
        }
    }
    return o;
}

// The IPv4 ID generator's key in tests (a worker draws one from getrandom):
// the SipHash reference key 00 01 .. 0f, counter from 0.
inline const xlat::Ipv4IdGenerator::Key kTestIdKey{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

inline std::unique_ptr<xlat::Context> test_context() {
    auto ctx = std::make_unique<xlat::Context>();  // ~70 KiB: not on the stack
    ctx->ipv4_ids.seed(kTestIdKey);
    return ctx;
}

// The n-th (from 0) IPv4 Identification a test context hands out: the ID
// of the n-th DF=0 IPv4 packet it sends. Pinned to literal values by
// "RFC 6864 §4.3: ..." in xlat_headers_test.cpp.
inline std::uint16_t test_id(std::size_t n = 0) {
    xlat::Ipv4IdGenerator g;
    g.seed(kTestIdKey);
    std::uint16_t id = 0;
    for (std::size_t i = 0; i <= n; ++i) id = g.next();
    return id;
}

inline Outcome run_xlat(const xlat::Tables& t, const Bytes& in) {
    auto ctx = test_context();
    return run_xlat_ctx(t, *ctx, in);
}

inline std::uint64_t drops(const Outcome& o, Reason r) {
    return o.counters.drops[static_cast<std::size_t>(r)];
}

// The configuration of most fixtures (default_tables(), the tables built
// from it): NSP 3fff:6464::/96, translator 192.0.2.1 /
// 3fff:6464::c000:201, and an explicit host mapping
// 198.51.100.10 <-> 2001:db8::10 for the IPv6-only host.
inline Config default_tables_config(UdpCksumMode mode = UdpCksumMode::Drop) {
    Config cfg;
    cfg.prefix = *parse_prefix6("3fff:6464::/96");
    cfg.ipv4_addr = v4("192.0.2.1");
    cfg.ipv6_addr = v6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.10/32"), *parse_prefix6("2001:db8::10/128"), {}});
    cfg.maps.push_back(MapEntry{*parse_prefix4("198.51.100.128/25"), *parse_prefix6("2001:db8:1::80/121"), {}});
    cfg.udp_cksum_mode = mode;
    return cfg;
}

inline xlat::Tables default_tables(UdpCksumMode mode = UdpCksumMode::Drop) {
    auto t = nat64d::daemon::build_tables(default_tables_config(mode)).value();
    t.ipv4_mtu = t.ipv6_mtu = 1500;  // what the worker sets from the TUN device
    return t;
}

// `dynamic-pool prefix` for the tables `t` built from `cfg`: a pool with the
// exclusions the daemon derives from `cfg` (daemon::pool_options), its
// clock at `now`, attached to `t`. The caller keeps it alive.
inline std::unique_ptr<addr::DynamicPool> attach_pool(xlat::Tables& t, Config cfg, Prefix4 prefix, std::int64_t now) {
    cfg.dynamic_pool = prefix;
    auto r = addr::DynamicPool::create(nat64d::daemon::pool_options(cfg));
    REQUIRE(r.ok());
    auto pool = std::move(r.value());
    pool->set_now(now);
    t.pool = pool.get();
    return pool;
}

}  // namespace nat64d::test
