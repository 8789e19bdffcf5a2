// Fuzz target fuzz_dynamic_map: any text as the dynamic.map a restart
// finds (TAYGA's lease file), parsed and restored into a pool as the
// daemon does at start-up. Invariants, besides the absence of memory and
// UB errors:
//  - every message starts with the file name and holds no control byte;
//    at most kMaxMalformedMessages + 1 parse messages;
//  - the pool takes only leases it may hold: inside its prefix, not its
//    lowest address, no excluded address on either side, a leasable IPv6
//    address, each IPv4 and IPv6 address once, last use not in the future;
//    counts agree with the leases; an active lease translates both ways;
//  - the leases written out (format_dynamic_map) parse back without a
//    message and restore into a fresh pool as the same leases;
//  - past the longest lease time every lease has expired.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "addr/dynamic_pool.hpp"
#include "addr/persist.hpp"

namespace {

using namespace nat64d;

constexpr std::int64_t kNow = 1700000000;

[[noreturn]] void violated(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "invariant violated: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

addr::PoolOptions options() {
    addr::PoolOptions o;
    o.prefix = *parse_prefix4("198.51.100.0/24");
    o.excluded4 = {*parse_prefix4("198.51.100.1/32"), *parse_prefix4("198.51.100.64/28")};
    o.excluded6 = {*parse_prefix6("2001:db8:5::/120"), *parse_prefix6("3fff:6464::/96")};
    return o;
}

std::unique_ptr<addr::DynamicPool> fresh_pool() {
    auto p = addr::DynamicPool::create(options());
    if (!p) violated("pool refused");
    (*p)->set_now(kNow);
    return std::move(*p);
}

void check_messages(const std::vector<std::string>& list) {
    for (const auto& m : list) {
        if (m.rfind("dynamic.map:", 0) != 0) violated("message without the file name", m);
        for (const char c : m) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f) violated("unescaped control byte in a message", m);
        }
    }
}

bool excluded6(const Ipv6Addr& a) {
    for (const auto& p : options().excluded6) {
        if (p.contains(a)) return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto file = addr::parse_dynamic_map(text, "dynamic.map");
    check_messages(file.messages);
    if (file.messages.size() > addr::kMaxMalformedMessages + 1) violated("too many parse messages");
    auto pool = fresh_pool();
    const auto report = pool->restore(file.records, "dynamic.map");
    check_messages(report.messages);

    const auto leases = pool->leases();
    if (leases.size() != report.loaded) violated("loaded count differs from the leases held");
    const auto counts = pool->counts();
    if (counts.active + counts.dormant != leases.size()) violated("counts differ from the leases held");
    const addr::PoolOptions o = options();
    std::set<Ipv4Addr> seen4;
    std::set<Ipv6Addr> seen6;
    addr::PoolReader reader;
    std::vector<addr::LeaseRecord> records;
    for (const auto& l : leases) {
        if (!o.prefix.contains(l.v4) || l.v4 == o.prefix.addr)
            violated("lease outside the pool or on its lowest address");
        for (const auto& x : o.excluded4) {
            if (x.contains(l.v4)) violated("lease on an excluded IPv4 address");
        }
        if (excluded6(l.v6) || !addr::is_leasable_ipv6(l.v6)) violated("lease for an excluded or unleasable IPv6 host");
        if (!seen4.insert(l.v4).second || !seen6.insert(l.v6).second) violated("address leased twice");
        if (l.last_use > kNow) violated("last use in the future");
        if (l.active) {
            Ipv6Addr back;
            if (pool->map_4to6(l.v4, back, reader) != addr::Pool4::Leased || back != l.v6)
                violated("active lease 4to6");
            const auto fwd = pool->find_6to4(l.v6, reader);
            if (!fwd || *fwd != l.v4) violated("active lease 6to4");
        }
        records.push_back(addr::LeaseRecord{l.v4, l.v6, l.last_use, 0});
    }

    const std::string written = addr::format_dynamic_map(records, kNow);
    const auto reread = addr::parse_dynamic_map(written, "dynamic.map");
    if (!reread.messages.empty() || reread.malformed != 0) violated("written leases do not parse", written);
    auto pool2 = fresh_pool();
    const auto report2 = pool2->restore(reread.records, "dynamic.map");
    if (!report2.messages.empty()) violated("written leases do not restore", report2.messages.front());
    const auto leases2 = pool2->leases();
    if (leases2.size() != leases.size()) violated("written leases restore to another number");
    for (std::size_t i = 0; i < leases.size(); ++i) {
        // Lookups above refreshed the active leases' last use (to now):
        // compare what the file says, not the clock.
        if (leases2[i].v4 != leases[i].v4 || leases2[i].v6 != leases[i].v6)
            violated("written leases restore differently");
    }

    pool->maintenance(kNow + o.max_lease + o.min_lease + 1);
    const auto after = pool->counts();
    if (after.active + after.dormant != 0) violated("leases outlive the longest lease time");
    return 0;
}
