// Fuzz-style invariants with a fixed seed and bounded iterations: random
// and mutated packets through both directions never crash or write out of
// bounds, outputs stay within their size limits, every IPv4 header that
// comes out verifies, translator errors respect 576/1280, and a 4->6->4
// round trip returns the same addresses.
#include <catch2/catch.hpp>

#include <random>

#include "fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

namespace {

// Seeds: well-formed packets of every kind the fixtures use.
std::vector<Bytes> seeds() {
    const Bytes q4 = quoted_udp4();
    const Bytes q6 = ipv6({kServer6, kHost6, 17, 20}, seal6(udp(53, 40000, kData), 17, kServer6, kHost6));
    return {
        quoted_udp4(64),
        quoted_udp6(64),
        ipv4({kServer4, kXlat4, 1, 64}, seal4(icmp_echo(8, 1, 1, kData), 1, kServer4, kXlat4)),
        ipv6({kHost6, kXlat6, 58, 64}, seal6(icmp_echo(128, 1, 1, kData), 58, kHost6, kXlat6)),
        ipv4({kServer4, kHost4, 6, 64, 0, 1, true}, seal4(tcp(1, 2, 3, 0x10, kData), 6, kServer4, kHost4)),
        ipv6({kHost6, kServer6, 6, 64}, seal6(tcp(1, 2, 3, 0x10, kData), 6, kHost6, kServer6)),
        ipv4({kServer4, kHost4, 1, 64}, seal4(icmp_echo(8, 1, 1, kData), 1, kServer4, kHost4)),
        ipv6({kHost6, kServer6, 58, 64}, seal6(icmp_echo(128, 1, 1, kData), 58, kHost6, kServer6)),
        ipv4({kRouter4, kHost4, 1, 64}, seal4(icmp_msg(3, 4, 1400, q4), 1, kRouter4, kHost4)),
        ipv4({kRouter4, kHost4, 1, 64}, seal4(icmp_msg(12, 0, 9u << 24, q4), 1, kRouter4, kHost4)),
        ipv6({kRouter6Native, kServer6, 58, 64}, seal6(icmp_msg(2, 0, 1400, q6), 58, kRouter6Native, kServer6)),
        ipv6({kRouter6, kServer6, 58, 64}, seal6(icmp_msg(4, 0, 7, q6), 58, kRouter6, kServer6)),
        // RFC 4884 extensions behind 128-byte quoted fields.
        ipv4({kRouter4, kHost4, 1, 64},
             seal4(icmp_msg(11, 0, 32u << 16,
                            cat(cat(q4, Bytes(128 - q4.size(), 0)), Bytes{0x20, 0, 0, 0, 0, 8, 2, 1, 1, 2, 3, 4})),
                   1, kRouter4, kHost4)),
        ipv6({kRouter6, kServer6, 58, 64},
             seal6(icmp_msg(1, 4, 16u << 24,
                            cat(cat(q6, Bytes(128 - q6.size(), 0)), Bytes{0x20, 0, 0, 0, 0, 8, 2, 1, 1, 2, 3, 4})),
                   58, kRouter6, kServer6)),
        ipv6({kHost6, kServer6, 44},
             cat(frag_hdr(17, 0, true, 5), seal6(udp(1, 2, Bytes(64, 1)), 17, kHost6, kServer6))),
        ipv4({kServer4, kHost4, 17, 64, 0, 9, false, true, 0}, Bytes(3000, 9)),
        ipv6({kHost6, kServer6, 0},
             cat(Bytes{43, 0, 1, 4, 0, 0, 0, 0}, cat(Bytes{17, 0, 0, 1, 0, 0, 0, 0}, udp(1, 2, {})))),
    };
}

bool ipv4_header_ok(const Bytes& b) {
    if (b.size() < 20 || (b[0] >> 4) != 4) return false;
    const std::size_t ihl = std::size_t{b[0] & 15u} * 4;
    return ihl >= 20 && ihl <= b.size() && ref_checksum(head(b, ihl)) == 0 && get16(b, 2) == b.size();
}

void check_output(const Bytes& in, const Outcome& o) {
    if (o.verdict == Verdict::Drop) return;
    for (const Bytes* b : [&] {
             std::vector<const Bytes*> all{&o.out};
             for (const auto& e : o.extra) all.push_back(&e);
             return all;
         }()) {
        REQUIRE(!b->empty());
        const int version = (*b)[0] >> 4;
        REQUIRE((version == 4 || version == 6));
        if (version == 4) {
            REQUIRE(ipv4_header_ok(*b));
        } else {
            REQUIRE(b->size() >= 40);
            REQUIRE(get16(*b, 4) + 40u == b->size());
        }
        // Growth is bounded: 20 (header) + 8 (Fragment Header) + 28 (quoted header) at most.
        REQUIRE(b->size() <= std::max<std::size_t>(in.size() + 56, 1280));
    }
    if (o.verdict == Verdict::IcmpError) {
        const bool v4 = (o.out[0] >> 4) == 4;
        REQUIRE(o.out.size() <= (v4 ? 576u : 1280u));
    }
    if (o.verdict == Verdict::Forward && o.out.size() > 0 && (o.out[0] >> 4) == 6 && o.extra.empty()) {
        // A translated ICMPv6 error is never above 1280 bytes.
        if (o.out.size() > 40 && o.out[6] == 58 && o.out[40] < 128) REQUIRE(o.out.size() <= 1280);
    }
}

}  // namespace

TEST_CASE("Fuzz invariants: mutated packets through both directions (fixed seed)", "[xlat][fuzz]") {
    const auto t = default_tables(UdpCksumMode::Calc);
    std::mt19937 rng(20261122);
    const auto base = seeds();
    auto ctx = std::make_unique<xlat::Context>();
    std::array<int, 4> verdicts{};
    for (int i = 0; i < 20000; ++i) {
        Bytes in = base[rng() % base.size()];
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            switch (rng() % 4) {
                case 0: in[rng() % in.size()] = static_cast<std::uint8_t>(rng()); break;  // random byte
                case 1:
                    in[rng() % std::min<std::size_t>(in.size(), 48)] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
                    break;
                case 2: in.resize(rng() % (in.size() + 1)); break;  // truncate
                case 3: in.push_back(static_cast<std::uint8_t>(rng())); break;
            }
            if (in.empty()) in.push_back(0x45);
        }
        // Keep some IPv4 headers valid so that mutations reach deeper code.
        if (rng() % 2 && in.size() >= 20 && (in[0] >> 4) == 4 && (in[0] & 15) == 5) {
            put16(in, 10, 0);
            put16(in, 10, ref_checksum(head(in, 20)));
        }
        ctx->now_ms += 7;
        INFO("iteration " << i << "\n" << hex(in));
        const auto o = run_xlat_ctx(t, *ctx, in);
        check_output(in, o);
        ++verdicts[static_cast<std::size_t>(o.verdict)];
    }
    // The mutations reach every outcome, so the invariants were exercised.
    for (const int n : verdicts) CHECK(n > 100);
}

TEST_CASE("Fuzz invariants: random bytes never crash", "[xlat][fuzz]") {
    const auto t = default_tables();
    std::mt19937 rng(7915);
    auto ctx = std::make_unique<xlat::Context>();
    for (int i = 0; i < 20000; ++i) {
        Bytes in(rng() % 200);
        for (auto& b : in) b = static_cast<std::uint8_t>(rng());
        if (!in.empty()) in[0] = static_cast<std::uint8_t>((rng() % 2 ? 0x40 : 0x60) | (in[0] & 15));
        const auto o = run_xlat_ctx(t, *ctx, in);
        check_output(in, o);
    }
}

TEST_CASE("Fuzz invariants: 4to6 then 6to4 returns the same addresses and payload", "[xlat][fuzz]") {
    const auto t = default_tables(UdpCksumMode::Calc);
    std::mt19937 rng(6052);
    for (int i = 0; i < 2000; ++i) {
        // Random IPv4 server address (mapped by the prefix) and payload.
        Ipv4Addr s4 = Ipv4Addr::from_u32(static_cast<std::uint32_t>(rng()));
        s4.bytes[0] = static_cast<std::uint8_t>(1 + rng() % 223);
        if (s4.bytes[0] == 127) s4.bytes[0] = 128;
        if (s4.bytes[0] == 169 && s4.bytes[1] == 254) s4.bytes[1] = 253;  // link-local: not via the prefix
        Bytes data(rng() % 1200);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        const std::uint8_t proto = std::array<std::uint8_t, 4>{6, 17, 1, 47}[rng() % 4];
        Bytes l4 = proto == 6    ? tcp(1, 2, 3, 0x10, data)
                   : proto == 17 ? udp(1, 2, data)
                   : proto == 1  ? icmp_echo(8, 1, 2, data)
                                 : data;
        const Bytes in = ipv4({s4, kHost4, proto, 64, 0, 0, true}, proto == 47 ? l4 : seal4(l4, proto, s4, kHost4));
        const auto o6 = run_xlat(t, in);
        REQUIRE(o6.verdict == Verdict::Forward);
        // The IPv6 host answers with the same payload, addresses swapped.
        Bytes back = o6.out;
        std::vector<std::uint8_t> tmp(back.begin() + 8, back.begin() + 24);
        std::copy(back.begin() + 24, back.begin() + 40, back.begin() + 8);
        std::copy(tmp.begin(), tmp.end(), back.begin() + 24);
        const auto o4 = run_xlat(t, back);
        REQUIRE(o4.verdict == Verdict::Forward);
        REQUIRE(ipv4_header_ok(o4.out));
        CHECK(Bytes(o4.out.begin() + 12, o4.out.begin() + 16) == Bytes(kHost4.bytes.begin(), kHost4.bytes.end()));
        CHECK(Bytes(o4.out.begin() + 16, o4.out.begin() + 20) == Bytes(s4.bytes.begin(), s4.bytes.end()));
        // Same transport bytes, checksums included (address sums cancel out).
        // (ICMPv4 has no pseudo-header: the echo comes back byte for byte too.)
        CHECK(tail(o4.out, 20) == tail(in, 20));
    }
}
