// Fuzz targets fuzz_xlat4to6 and fuzz_xlat6to4 (NAT64D_FUZZ_FAMILY 4 or 6):
// any bytes through the translator, as the worker hands them over.
//
// Input: one control byte, then the packet (its version nibble forced to
// the target's family). Control bits:
//   0x01  repair the IPv4 header checksum first
//   0x02  repair the transport checksum (TCP, UDP, ICMP, ICMPv6) first
//   0x04  room behind the packet as the worker has it (up to 64 KiB);
//         without it the buffer ends right after the packet
//   0x08  a GSO super-packet (PacketBuf::gso)
//   0x10  the second configuration: 1280-byte MTUs both ways, a dynamic
//         pool, udp-cksum-mode fwd, no hairpinning
// The packet sits in a buffer of exactly xlat::kHeadroom + its size (plus
// the room of 0x04): the translator's documented promise, so that ASan
// sees any read or write outside it.
//
// Invariants, besides the absence of memory and UB errors:
//  - Drop counts a Reason; IcmpError counts an error sent;
//  - every output packet (and fragment) stays inside the buffer and is
//    well formed: header lengths match, IPv4 header checksum valid; an ICMP
//    error from the translator has a valid checksum and RFC 1812 / RFC 4443
//    size limits;
//  - a translated packet whose transport checksum verified still verifies;
//  - translated back, a packet gets its addresses back, except a source
//    that RFC 6791 (ICMPv6 error from an unmapped router) or RFC 7915 §4.1
//    (ICMPv4 error from 0/8 or 127/8) replaced by the translator's own.
//
// Seeds named NAME@OUTCOME (test/fuzz/corpus/xlat*/) state the outcome
// they reach (nat64d_fuzz_outcome(), checked by the replay driver).
#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "addr/dynamic_pool.hpp"
#include "daemon/tables_builder.hpp"
#include "packet_check.hpp"
#include "xlat/xlat.hpp"

#ifndef NAT64D_FUZZ_FAMILY
#error "NAT64D_FUZZ_FAMILY must be 4 or 6"
#endif

namespace {

using namespace nat64d;
using fuzz::violated;

constexpr std::uint8_t kRepairHeader = 0x01;
constexpr std::uint8_t kRepairL4 = 0x02;
constexpr std::uint8_t kTailroom = 0x04;
constexpr std::uint8_t kGso = 0x08;
constexpr std::uint8_t kSecondConfig = 0x10;

Config base_config() {
    Config cfg;
    cfg.prefix = *parse_prefix6("3fff:6464::/96");
    cfg.ipv4_addr = *parse_ipv4("192.0.2.1");
    cfg.ipv6_addr = *parse_ipv6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{{*parse_prefix4("198.51.100.0/24"), *parse_prefix6("2001:db8::/120")}, {}});
    cfg.maps.push_back(MapEntry{{*parse_prefix4("192.0.2.77/32"), *parse_prefix6("2001:db8:77::77/128")}, {}});
    return cfg;
}

const xlat::Tables& first_tables() {
    static const xlat::Tables t = [] {
        Config cfg = base_config();
        cfg.udp_cksum_mode = UdpCksumMode::Calc;
        return nat64d::daemon::build_tables(cfg).value();
    }();
    return t;
}

const xlat::Tables& second_tables() {
    static std::unique_ptr<addr::DynamicPool> pool = [] {
        addr::PoolOptions o;
        o.prefix = *parse_prefix4("203.0.113.0/28");
        o.excluded4 = {*parse_prefix4("192.0.2.1/32"), *parse_prefix4("198.51.100.0/24"),
                       *parse_prefix4("192.0.2.77/32")};
        o.excluded6 = {*parse_prefix6("2001:db8::/120"), *parse_prefix6("2001:db8:77::77/128"),
                       *parse_prefix6("3fff:6464::/96")};
        auto p = addr::DynamicPool::create(std::move(o));
        if (!p) violated("pool refused");
        (*p)->set_now(1700000000);
        return std::move(*p);
    }();
    static const xlat::Tables t = [] {
        Config cfg = base_config();
        cfg.udp_cksum_mode = UdpCksumMode::Forward;
        xlat::Tables tables = nat64d::daemon::build_tables(cfg).value();
        tables.ipv4_mtu = 1280;
        tables.ipv6_mtu = 1280;
        tables.hairpin = false;
        tables.pool = pool.get();
        return tables;
    }();
    return t;
}

// RFC 7757 §4.2: an IPv6 destination in the prefix that embeds an IPv4
// address with an explicit mapping (or a pool address, leased to an IPv6
// host) translates through the prefix, and back through the mapping: the
// round trip does not restore it (hairpinning, when on, keeps such
// packets in IPv6 instead).
bool mapped_otherwise(const xlat::Tables& t, const std::uint8_t* v4) {
    Ipv4Addr a;
    std::memcpy(a.bytes.data(), v4, 4);
    for (const auto& m : base_config().maps) {
        if (m.v4.contains(a)) return true;
    }
    return t.pool != nullptr && t.pool->prefix().contains(a);
}

std::uint64_t total_drops(const xlat::Counters& c) {
    return std::accumulate(c.drops.begin(), c.drops.end(), std::uint64_t{0});
}

std::string outcome;

void check_output(const std::uint8_t* buf_begin, std::size_t buf_size, const xlat::PacketBuf& pkt) {
    if (pkt.base != buf_begin || pkt.offset + pkt.length > buf_size) violated("output outside the buffer");
    fuzz::check_well_formed(pkt.data(), pkt.length);
}

bool same_source_substituted(const xlat::Tables& t, const std::uint8_t* in, const std::uint8_t* out) {
    // RFC 6791: an ICMPv6 error from an unmapped router leaves from ipv4-addr;
    // RFC 7915 §4.1: an ICMPv4 error from 0/8 or 127/8 from ipv6-addr.
    if (out[0] >> 4 == 4) {
        return std::memcmp(out + 12, t.ipv4_addr.bytes.data(), 4) == 0 &&
               std::memcmp(in + 8, t.ipv6_addr.bytes.data(), 16) != 0;
    }
    return std::memcmp(out + 8, t.ipv6_addr.bytes.data(), 16) == 0 &&
           std::memcmp(in + 12, t.ipv4_addr.bytes.data(), 4) != 0;
}

}  // namespace

extern "C" const char* nat64d_fuzz_outcome() {
    return outcome.c_str();
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    outcome = "none";
    if (size < 2 || size - 1 > 65535) return 0;
    const std::uint8_t control = data[0];
    const std::size_t len = size - 1;
    const std::size_t tail = (control & kTailroom) != 0 ? 65535 - len : 0;
    // Exactly the headroom the API asks for, the packet, and the tail room
    // asked for: nothing else for an over-read to hit unnoticed.
    std::vector<std::uint8_t> buf(xlat::kHeadroom + len + tail);
    std::uint8_t* p = buf.data() + xlat::kHeadroom;
    std::memcpy(p, data + 1, len);
    p[0] = static_cast<std::uint8_t>((NAT64D_FUZZ_FAMILY << 4) | (p[0] & 0x0f));
    if ((control & kRepairHeader) != 0) fuzz::repair_ipv4_header(p, len);
    if ((control & kRepairL4) != 0) fuzz::repair_l4(p, len);
    const std::vector<std::uint8_t> input(p, p + len);
    const int in_csum = fuzz::l4_checksum_state(p, len);

    const xlat::Tables& t = (control & kSecondConfig) != 0 ? second_tables() : first_tables();
    static xlat::Context ctx;  // ~82 KiB: not on the stack
    ctx.now_ms += 1000;        // a second per packet: the ICMP error buckets refill
    const xlat::Counters before = ctx.counters;
    const std::uint64_t seq = ctx.event_seq;
    xlat::PacketBuf pkt{buf.data(), buf.size(), xlat::kHeadroom, len};
    pkt.gso = (control & kGso) != 0;
    const Verdict v = xlat::translate(t, ctx, pkt);
    const std::string reason = ctx.event_seq != seq ? std::string(reason_info(ctx.last_event.reason).name) : "";

    switch (v) {
        case Verdict::Drop:
            outcome = "drop:" + reason;
            if (total_drops(ctx.counters) <= total_drops(before)) violated("drop without a counted reason");
            return 0;
        case Verdict::IcmpError: {
            outcome = "icmp-error:" + reason;
            if (ctx.counters.icmp_errors_sent != before.icmp_errors_sent + 1) violated("ICMP error not counted");
            check_output(buf.data(), buf.size(), pkt);
            const bool v4 = pkt.data()[0] >> 4 == 4;
            if (pkt.length > (v4 ? 576u : 1280u)) violated("ICMP error larger than RFC 1812 / RFC 4443 allow");
            if (fuzz::l4_checksum_state(pkt.data(), pkt.length) != 1) violated("ICMP error checksum");
            return 0;
        }
        case Verdict::Local:
            outcome = "local";
            check_output(buf.data(), buf.size(), pkt);
            if (in_csum == 1 && fuzz::l4_checksum_state(pkt.data(), pkt.length) == 0) violated("local reply checksum");
            return 0;
        case Verdict::Forward: outcome = "forward"; break;
    }
    check_output(buf.data(), buf.size(), pkt);
    for (std::size_t i = 0; i < ctx.extra_count; ++i) fuzz::check_well_formed(ctx.extra[i].data, ctx.extra[i].length);
    if (in_csum == 1 && ctx.extra_count == 0 && fuzz::l4_checksum_state(pkt.data(), pkt.length) == 0) {
        violated("transport checksum broken by the translation");
    }

    // Round trip: translating the result back restores the addresses,
    // unless the way back is refused (e.g. the hop limit ran out). A
    // hairpinned packet (RFC 7757 §4.2.2) comes out in its own family and
    // has no way back to test.
    const bool was_v4 = NAT64D_FUZZ_FAMILY == 4;
    if ((pkt.data()[0] >> 4 == 4) == was_v4) return 0;
    const bool substituted = same_source_substituted(t, input.data(), pkt.data());
    std::vector<std::uint8_t> back(xlat::kHeadroom + pkt.length);
    std::memcpy(back.data() + xlat::kHeadroom, pkt.data(), pkt.length);
    xlat::PacketBuf rt{back.data(), back.size(), xlat::kHeadroom, pkt.length};
    rt.gso = pkt.gso;
    if (xlat::translate(t, ctx, rt) != Verdict::Forward) return 0;
    check_output(back.data(), back.size(), rt);
    const std::uint8_t* q = rt.data();
    const std::uint8_t* in = input.data();
    if (was_v4) {
        if ((q[0] >> 4) != 4) violated("4to6to4 changed the family");
        if (std::memcmp(q + 16, in + 16, 4) != 0) violated("4to6to4 changed the destination");
        if (!substituted && std::memcmp(q + 12, in + 12, 4) != 0) violated("4to6to4 changed the source");
    } else {
        if ((q[0] >> 4) != 6) violated("6to4to6 changed the family");
        if (std::memcmp(q + 24, in + 24, 16) != 0 && !mapped_otherwise(t, pkt.data() + 16)) {
            violated("6to4to6 changed the destination");
        }
        if (!substituted && std::memcmp(q + 8, in + 8, 16) != 0) violated("6to4to6 changed the source");
    }
    return 0;
}
