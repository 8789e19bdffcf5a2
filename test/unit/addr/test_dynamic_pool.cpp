// dynamic-pool (TAYGA's directive): address choice, lease life, exhaustion,
// dynamic.map persistence. Vectors marked "TAYGA 0.9.2" were produced by the
// real TAYGA (Debian 12 package) in a network namespace: pool
// 198.51.100.0/24, `map 198.51.100.5 2001:db8:5::5`, one ping from each
// host, in this order; its dynamic.map is reproduced below byte for byte.
#include <catch2/catch.hpp>

#include "support/skip.hpp"
#include "support/tempdir.hpp"

#include "support/addrs.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "addr/dynamic_pool.hpp"
#include "addr/persist.hpp"
#include "common/file.hpp"

using namespace nat64d;
using namespace nat64d::addr;
using nat64d::common::write_file_atomic;

namespace {

using nat64d::test::TempDir;

using nat64d::test::p4;
using nat64d::test::p6;
using nat64d::test::v4;
using nat64d::test::v6;

std::unique_ptr<DynamicPool> make_pool(const char* prefix, std::vector<Prefix4> excluded4 = {},
                                       std::vector<Prefix6> excluded6 = {}, std::int64_t now = 1'000'000) {
    auto r = DynamicPool::create(PoolOptions{p4(prefix), std::move(excluded4), std::move(excluded6)});
    REQUIRE(r.ok());
    auto pool = std::move(r.value());
    pool->set_now(now);
    return pool;
}

// The main thread's reader, as a worker would keep one: shared by every
// test on this thread, so it also moves from pool to pool (and must notice).
PoolReader& reader() {
    static PoolReader r;
    return r;
}

// Source-side mapping that must succeed.
Ipv4Addr lease(DynamicPool& pool, const char* host) {
    PoolMiss why = PoolMiss::None;
    const auto a = pool.map_6to4(v6(host), why, reader());
    INFO(host);
    REQUIRE(a.has_value());
    CHECK(why == PoolMiss::None);
    return *a;
}

std::optional<Ipv6Addr> lookup4(DynamicPool& pool, const char* addr) {
    Ipv6Addr out;
    if (pool.map_4to6(v4(addr), out, reader()) != Pool4::Leased) return std::nullopt;
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void spit(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// The names in a directory, sorted.
std::vector<std::string> entries(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Address choice

TEST_CASE("dynamic-pool: TAYGA's address choice, 169.254.0.0/24 gives 2001:db8::69 169.254.0.80", "[addr][pool]") {
    // Words (little-endian): 0xb80d0120, 0, 0, 0x69000000.
    // 0xb80d0120 -> 0x20 + 0xb80d01 = 0xb80d21 -> 0x21 + 0xb80d = 0xb82e
    //            -> 0x2e + 0xb8 = 0xe6;  + 0 + 0;
    // + 0x69000000 = 0x690000e6 -> 0x6900e6 -> 0x69e6 -> 0x14f -> 0x50 = 80.
    CHECK(tayga_pool_offset(v6("2001:db8::69"), 8) == 80);
    auto pool = make_pool("169.254.0.0/24");
    CHECK(lease(*pool, "2001:db8::69") == v4("169.254.0.80"));
    const auto events = pool->take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0] == PoolEvent{PoolEventKind::Assigned, v4("169.254.0.80"), v6("2001:db8::69"), {}});
    CHECK(describe(events[0]) == "assigned new pool address 169.254.0.80 (2001:db8::69)");
}

TEST_CASE("dynamic-pool: offsets computed by hand for other pool sizes", "[addr][pool]") {
    // /16, 2001:db8::69: 0xb80d0120 -> 0x0120 + 0xb80d = 0xb92d;
    // + 0x69000000 = 0x6900b92d -> 0xb92d + 0x6900 = 0x1222d -> 0x222d + 1 = 0x222e.
    CHECK(tayga_pool_offset(v6("2001:db8::69"), 16) == 0x222e);
    // /30 (2 host bits): folding with an end-around carry keeps the value
    // modulo 3; 0xb80d0120 = 3087860000 = 2 (mod 3), then
    // 2 + 0x69000000 = 1761607682 = 2 (mod 3): offset 2.
    CHECK(tayga_pool_offset(v6("2001:db8::69"), 2) == 2);
    // 300:: is the word 3 then zeros: 3 fits in two bits. 600:: is 6 = 0b110:
    // (6 & 3) + (6 >> 2) = 3.
    CHECK(tayga_pool_offset(v6("300::"), 2) == 3);
    CHECK(tayga_pool_offset(v6("600::"), 2) == 3);
    // The 32-bit sum wraps, as TAYGA's does: 100:0:ffff:ffff:: is the words
    // 1 and 0xffffffff, and 1 + 0xffffffff = 0 in 32 bits: offset 0.
    CHECK(tayga_pool_offset(v6("100:0:ffff:ffff::"), 8) == 0);
    // With the carry kept it would be 0xe6 + 0xffffffff -> 0xe6 (230); the
    // 32-bit wrap gives 0xe5 (229), which is what TAYGA 0.9.2 assigns.
    CHECK(tayga_pool_offset(v6("2001:db8::ffff:ffff"), 8) == 229);
    // 0xe6 + 0x78563412 = 0x785634f8 -> 0xf8 + 0x785634 = 0x78572c
    // -> 0x2c + 0x7857 = 0x7883 -> 0x83 + 0x78 = 0xfb = 251.
    CHECK(tayga_pool_offset(v6("2001:db8::1234:5678"), 8) == 251);
}

TEST_CASE("dynamic-pool: same addresses as TAYGA 0.9.2, including a collision probed upward", "[addr][pool]") {
    auto pool = make_pool("198.51.100.0/24", {p4("198.51.100.5/32"), p4("192.168.255.1/32")},
                          {p6("2001:db8:5::5/128"), p6("2001:db8:64::/96")});
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    CHECK(lease(*pool, "2001:db8::1234:5678") == v4("198.51.100.251"));
    CHECK(lease(*pool, "2001:db8::ffff:ffff") == v4("198.51.100.229"));
    // Hashes to 229 as well (0xe6 + 0xfeffffff has no carry out: 0xe5), which
    // is taken: the next address up.
    CHECK(tayga_pool_offset(v6("2001:db8::ffff:fffe"), 8) == 229);
    CHECK(lease(*pool, "2001:db8::ffff:fffe") == v4("198.51.100.230"));
    // 0xe6 + 0xffffffff wraps to 0xe5, twice more: 0xe4, 0xe3 = 227.
    CHECK(lease(*pool, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff") == v4("198.51.100.227"));
    CHECK(pool->leases().size() == 5);
}

TEST_CASE("dynamic-pool: the lowest address is never handed out, the probe wraps past it", "[addr][pool]") {
    SECTION("a host hashing to offset 0 gets offset 1") {
        auto pool = make_pool("192.0.2.0/24");
        CHECK(lease(*pool, "100:0:ffff:ffff::") == v4("192.0.2.1"));
    }
    SECTION("/30: the probe from the top wraps to offset 1") {
        auto pool = make_pool("192.0.2.0/30");
        CHECK(lease(*pool, "300::") == v4("192.0.2.3"));
        CHECK(lease(*pool, "600::") == v4("192.0.2.1"));  // 3 taken, 0 skipped
        CHECK(lease(*pool, "2001:db8::69") == v4("192.0.2.2"));
        PoolMiss why = PoolMiss::None;
        CHECK_FALSE(pool->map_6to4(v6("2001:db8::70"), why, reader()).has_value());
        CHECK(why == PoolMiss::Exhausted);
    }
    SECTION("/31 has exactly one address to give") {
        auto pool = make_pool("192.0.2.6/31");
        CHECK(lease(*pool, "2001:db8::69") == v4("192.0.2.7"));
        PoolMiss why = PoolMiss::None;
        CHECK_FALSE(pool->map_6to4(v6("2001:db8::70"), why, reader()).has_value());
        CHECK(why == PoolMiss::Exhausted);
    }
}

TEST_CASE("dynamic-pool: ipv4-addr and static maps leave the pool", "[addr][pool]") {
    SECTION("an excluded host address is skipped") {
        auto pool = make_pool("198.51.100.0/24", {p4("198.51.100.80/32")});
        CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.81"));
    }
    SECTION("an excluded subnet is skipped as a whole") {
        auto pool = make_pool("198.51.100.0/24", {p4("198.51.100.80/30"), p4("10.0.0.0/8")});
        CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.84"));
    }
    SECTION("a static map covering the whole pool leaves nothing") {
        auto pool = make_pool("198.51.100.0/24", {p4("198.51.0.0/16")});
        PoolMiss why = PoolMiss::None;
        CHECK_FALSE(pool->map_6to4(v6("2001:db8::69"), why, reader()).has_value());
        CHECK(why == PoolMiss::Exhausted);
    }
    SECTION("IPv4 lookups: excluded and outside addresses are not the pool's to answer") {
        auto pool = make_pool("198.51.100.0/24", {p4("198.51.100.1/32")});
        Ipv6Addr out;
        CHECK(pool->map_4to6(v4("198.51.100.1"), out, reader()) == Pool4::NotManaged);
        CHECK(pool->map_4to6(v4("198.51.101.1"), out, reader()) == Pool4::NotManaged);
        CHECK(pool->map_4to6(v4("198.51.100.80"), out, reader()) == Pool4::Unleased);
        CHECK(pool->map_4to6(v4("198.51.100.0"), out, reader()) == Pool4::Unleased);
        CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
        REQUIRE(pool->map_4to6(v4("198.51.100.80"), out, reader()) == Pool4::Leased);
        CHECK(out == v6("2001:db8::69"));
    }
}

TEST_CASE("dynamic-pool: addresses TAYGA would not lease get nothing", "[addr][pool]") {
    CHECK_FALSE(is_leasable_ipv6(v6("::1")));
    CHECK_FALSE(is_leasable_ipv6(v6("::ffff:1.2.3.4")));
    CHECK_FALSE(is_leasable_ipv6(v6("64:ff9b:1::1")));
    CHECK_FALSE(is_leasable_ipv6(v6("fe80::1")));
    CHECK_FALSE(is_leasable_ipv6(v6("febf::1")));
    CHECK_FALSE(is_leasable_ipv6(v6("ff02::1")));
    CHECK(is_leasable_ipv6(v6("64:ff9b::1")));
    CHECK(is_leasable_ipv6(v6("fec0::1")));
    CHECK(is_leasable_ipv6(v6("100::1")));
    CHECK(is_leasable_ipv6(v6("fc00::1")));
    auto pool = make_pool("198.51.100.0/24");
    PoolMiss why = PoolMiss::None;
    CHECK_FALSE(pool->map_6to4(v6("fe80::1"), why, reader()).has_value());
    CHECK(why == PoolMiss::NotLeasable);
    CHECK(pool->leases().empty());
}

TEST_CASE("dynamic-pool: create() refuses lengths outside /1../31", "[addr][pool]") {
    CHECK_FALSE(DynamicPool::create(PoolOptions{p4("192.0.2.1/32"), {}, {}}).ok());
    CHECK_FALSE(DynamicPool::create(PoolOptions{p4("0.0.0.0/0"), {}, {}}).ok());
    CHECK(DynamicPool::create(PoolOptions{p4("192.0.2.0/31"), {}, {}}).ok());
}

TEST_CASE("dynamic-pool: set_exclusions (map-file reload) revokes leases a new static map takes", "[addr][pool]") {
    auto pool = make_pool("198.51.100.0/24", {p4("198.51.100.84/30")});
    CHECK(pool->counts() == PoolCounts{0, 0, 251});
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    CHECK(lease(*pool, "2001:db8::1234:5678") == v4("198.51.100.251"));
    CHECK(lease(*pool, "2001:db8::ffff:ffff") == v4("198.51.100.229"));
    CHECK(pool->counts() == PoolCounts{3, 0, 248});
    pool->maintenance(1'000'000 + 7441);  // all three dormant
    (void)pool->take_events();
    CHECK(pool->counts() == PoolCounts{0, 3, 248});

    // Reload: map 198.51.100.80/30 takes .80's address, map for
    // 2001:db8::1234:5678 takes that host; .84/30 is no longer excluded.
    pool->set_exclusions({p4("198.51.100.80/30")}, {p6("2001:db8::1234:5678/128")});
    const auto events = pool->take_events();
    REQUIRE(events.size() == 2);
    CHECK(events[0] == PoolEvent{PoolEventKind::Revoked, v4("198.51.100.80"), v6("2001:db8::69"), {}});
    CHECK(events[1] == PoolEvent{PoolEventKind::Revoked, v4("198.51.100.251"), v6("2001:db8::1234:5678"), {}});
    CHECK(describe(events[0]) == "revoked pool address 198.51.100.80 (2001:db8::69): now taken by a static map");
    REQUIRE(pool->leases().size() == 1);
    CHECK(pool->leases()[0].v4 == v4("198.51.100.229"));

    // 256 - the lowest - 4 excluded - 1 dormant lease.
    CHECK(pool->counts() == PoolCounts{0, 1, 250});
    Ipv6Addr out;
    CHECK(pool->map_4to6(v4("198.51.100.81"), out, reader()) == Pool4::NotManaged);
    CHECK(pool->map_4to6(v4("198.51.100.84"), out, reader()) == Pool4::Unleased);
    // 2001:db8::69 hashes to 80, now excluded: 80-83 are skipped, 84 is free again.
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.84"));
    // .251 was freed with its lease: 2001:db8::1234:5678:0:0 (same words,
    // last two swapped, same sum) hashes to 251 and gets it.
    CHECK(tayga_pool_offset(v6("2001:db8::1234:5678:0:0"), 8) == 251);
    CHECK(lease(*pool, "2001:db8::1234:5678:0:0") == v4("198.51.100.251"));
    // The dormant lease that survived is still reserved for its host.
    CHECK(lease(*pool, "2001:db8::ffff:ffff") == v4("198.51.100.229"));
}

// ---------------------------------------------------------------------------
// Lease life, with the clock set by the test

TEST_CASE("dynamic-pool: a lease lasts 124 minutes after the last packet, then turns dormant", "[addr][pool]") {
    const std::int64_t t0 = 1'000'000;
    auto pool = make_pool("198.51.100.0/24", {}, {}, t0);
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    (void)pool->take_events();

    pool->maintenance(t0 + 7440);  // exactly 124 minutes: still active
    CHECK(pool->take_events().empty());
    CHECK(lookup4(*pool, "198.51.100.80") == v6("2001:db8::69"));  // refreshes: last use t0 + 7440

    pool->maintenance(t0 + 7440 + 7440);
    CHECK(pool->take_events().empty());
    pool->maintenance(t0 + 7440 + 7441);
    const auto events = pool->take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0] == PoolEvent{PoolEventKind::Dormant, v4("198.51.100.80"), v6("2001:db8::69"), {}});

    // Dormant: not translated in either lookup, but reserved.
    Ipv6Addr out;
    CHECK(pool->map_4to6(v4("198.51.100.80"), out, reader()) == Pool4::Unleased);
    CHECK_FALSE(pool->find_6to4(v6("2001:db8::69"), reader()).has_value());
    REQUIRE(pool->leases().size() == 1);
    CHECK_FALSE(pool->leases()[0].active);
    CHECK(pool->leases()[0].last_use == t0 + 7440);
}

TEST_CASE("dynamic-pool: a dormant lease is reactivated for the same host", "[addr][pool]") {
    const std::int64_t t0 = 2'000'000;
    auto pool = make_pool("198.51.100.0/24", {}, {}, t0);
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    pool->maintenance(t0 + 8000);
    // Another host takes the next address meanwhile; the dormant one stays reserved.
    CHECK(lease(*pool, "2001:db8::ffff:ffff") == v4("198.51.100.229"));
    pool->set_now(t0 + 86400);
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    const auto events = pool->take_events();
    REQUIRE(events.size() == 4);
    CHECK(events[0].kind == PoolEventKind::Assigned);
    CHECK(events[1] == PoolEvent{PoolEventKind::Dormant, v4("198.51.100.80"), v6("2001:db8::69"), {}});
    CHECK(events[2] == PoolEvent{PoolEventKind::Assigned, v4("198.51.100.229"), v6("2001:db8::ffff:ffff"), {}});
    CHECK(events[3] == PoolEvent{PoolEventKind::Reactivated, v4("198.51.100.80"), v6("2001:db8::69"), {}});
    CHECK(describe(events[3]) == "reactivated dormant pool address 198.51.100.80 (2001:db8::69)");
    CHECK(lookup4(*pool, "198.51.100.80") == v6("2001:db8::69"));
}

TEST_CASE("dynamic-pool: a dormant lease expires 14 days after the last packet", "[addr][pool]") {
    const std::int64_t t0 = 3'000'000;
    auto pool = make_pool("198.51.100.0/24", {}, {}, t0);
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    pool->maintenance(t0 + 7441);
    pool->maintenance(t0 + 1'209'600);  // exactly 14 days: kept
    CHECK(pool->leases().size() == 1);
    pool->maintenance(t0 + 1'209'601);
    CHECK(pool->leases().empty());
    const auto events = pool->take_events();
    REQUIRE(events.size() == 3);
    CHECK(events[2] == PoolEvent{PoolEventKind::Expired, v4("198.51.100.80"), v6("2001:db8::69"), {}});
    // The address is free again: the same host now gets a new lease (the
    // same address, chosen afresh), not a reactivation.
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    CHECK(pool->take_events()[0].kind == PoolEventKind::Assigned);
}

TEST_CASE("dynamic-pool: the observer sees every lease made, reactivated, reassigned and ended", "[addr][pool]") {
    const std::int64_t t0 = 5'000'000;
    auto pool = make_pool("192.0.2.0/30", {}, {}, t0);
    std::vector<PoolEvent> seen;
    pool->set_observer([&seen](const PoolEvent& e) { seen.push_back(e); });
    CHECK(lease(*pool, "300::") == v4("192.0.2.3"));
    CHECK(lease(*pool, "600::") == v4("192.0.2.1"));
    pool->maintenance(t0 + 7441);                     // both dormant
    CHECK(lease(*pool, "300::") == v4("192.0.2.3"));  // reactivated
    pool->set_now(t0 + 7500);
    CHECK(lease(*pool, "2001:db8::69") == v4("192.0.2.2"));  // the last free address
    CHECK(lease(*pool, "2001:db8::70") == v4("192.0.2.1"));  // the dormant 600:: loses its address
    pool->set_exclusions({p4("192.0.2.2/32")}, {});
    // The observer saw what the `log dyn` queue holds, in the same order.
    const auto queued = pool->take_events();
    CHECK(seen == queued);
    std::vector<PoolEventKind> kinds;
    for (const auto& e : seen) kinds.push_back(e.kind);
    CHECK(kinds == std::vector<PoolEventKind>{PoolEventKind::Assigned, PoolEventKind::Assigned, PoolEventKind::Dormant,
                                              PoolEventKind::Dormant, PoolEventKind::Reactivated,
                                              PoolEventKind::Assigned, PoolEventKind::Reassigned,
                                              PoolEventKind::Revoked});
    CHECK(seen[6] == PoolEvent{PoolEventKind::Reassigned, v4("192.0.2.1"), v6("2001:db8::70"), v6("600::")});
    CHECK(seen[7] == PoolEvent{PoolEventKind::Revoked, v4("192.0.2.2"), v6("2001:db8::69"), {}});

    // Expiry too; and an empty function removes the observer.
    pool->maintenance(t0 + 7500 + 7441);
    pool->maintenance(t0 + 7500 + 7441 + 1'209'601);
    CHECK(seen.back().kind == PoolEventKind::Expired);
    const auto count = seen.size();
    pool->set_observer({});
    CHECK(lease(*pool, "300::") == v4("192.0.2.3"));
    CHECK(seen.size() == count);
}

TEST_CASE("dynamic-pool: note_use keeps a lease used elsewhere active, and only an active one", "[addr][pool]") {
    const std::int64_t t0 = 6'000'000;
    auto pool = make_pool("198.51.100.0/24", {}, {}, t0);
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    // The fast path translated for it an hour later: the 124 minutes run
    // from then.
    CHECK(pool->note_use(v6("2001:db8::69"), v4("198.51.100.80"), t0 + 3600));
    // An older stamp never moves the last use back.
    CHECK(pool->note_use(v6("2001:db8::69"), v4("198.51.100.80"), t0 + 10));
    pool->maintenance(t0 + 7441);
    CHECK(pool->counts().active == 1);
    pool->maintenance(t0 + 3600 + 7441);
    CHECK(pool->counts().dormant == 1);
    REQUIRE(pool->leases().size() == 1);
    CHECK(pool->leases()[0].last_use == t0 + 3600);
    // Dormant, another host, another address, outside the pool: nothing.
    CHECK_FALSE(pool->note_use(v6("2001:db8::69"), v4("198.51.100.80"), t0 + 20000));
    CHECK(pool->leases()[0].last_use == t0 + 3600);
    CHECK_FALSE(pool->note_use(v6("2001:db8::70"), v4("198.51.100.80"), t0 + 20000));
    CHECK_FALSE(pool->note_use(v6("2001:db8::69"), v4("198.51.100.81"), t0 + 20000));
    CHECK_FALSE(pool->note_use(v6("2001:db8::69"), v4("192.0.2.1"), t0 + 20000));
}

TEST_CASE("dynamic-pool: exhausted pool reassigns the oldest dormant lease, else fails", "[addr][pool]") {
    const std::int64_t t0 = 4'000'000;
    auto pool = make_pool("192.0.2.0/30", {}, {}, t0);
    CHECK(lease(*pool, "300::") == v4("192.0.2.3"));
    pool->set_now(t0 + 100);
    CHECK(lease(*pool, "600::") == v4("192.0.2.1"));
    pool->set_now(t0 + 200);
    CHECK(lease(*pool, "2001:db8::69") == v4("192.0.2.2"));

    PoolMiss why = PoolMiss::None;
    CHECK_FALSE(pool->map_6to4(v6("2001:db8::70"), why, reader()).has_value());
    CHECK(why == PoolMiss::Exhausted);

    pool->maintenance(t0 + 100 + 7441);  // 300:: and 600:: dormant, 2001:db8::69 still active
    (void)pool->take_events();
    CHECK(lease(*pool, "2001:db8::70") == v4("192.0.2.3"));  // 300:: was idle longest
    auto events = pool->take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0] == PoolEvent{PoolEventKind::Reassigned, v4("192.0.2.3"), v6("2001:db8::70"), v6("300::")});
    CHECK(describe(events[0]) == "reassigned dormant pool address 192.0.2.3 (2001:db8::70, was 300::)");
    CHECK(lookup4(*pool, "192.0.2.3") == v6("2001:db8::70"));

    // 300:: comes back: its address is gone, the pool is full, and the
    // remaining dormant lease (600::) is reassigned to it.
    CHECK(lease(*pool, "300::") == v4("192.0.2.1"));
    events = pool->take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0] == PoolEvent{PoolEventKind::Reassigned, v4("192.0.2.1"), v6("300::"), v6("600::")});

    // Nothing dormant any more: the next new host fails.
    CHECK_FALSE(pool->map_6to4(v6("600::"), why, reader()).has_value());
    CHECK(why == PoolMiss::Exhausted);
}

TEST_CASE("dynamic-pool: dirty() tracks lease changes, not refreshes", "[addr][pool]") {
    TempDir dir;
    const std::int64_t t0 = 5'000'000;
    auto pool = make_pool("198.51.100.0/24", {}, {}, t0);
    CHECK_FALSE(pool->dirty());
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    CHECK(pool->dirty());
    REQUIRE(pool->save(dir.file("dynamic.map")).ok());
    CHECK_FALSE(pool->dirty());
    pool->set_now(t0 + 10);
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));  // a refresh
    CHECK(lookup4(*pool, "198.51.100.80").has_value());
    CHECK_FALSE(pool->dirty());
    pool->maintenance(t0 + 10 + 7441);
    CHECK(pool->dirty());
}

TEST_CASE("dynamic-pool: event queue is bounded and counts what it lost", "[addr][pool]") {
    auto pool = make_pool("10.0.0.0/16");
    for (unsigned i = 0; i < DynamicPool::kMaxQueuedEvents + 5; ++i) {
        Ipv6Addr a = v6("2001:db8::");
        a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
        a.bytes[15] = static_cast<std::uint8_t>(i);
        PoolMiss why = PoolMiss::None;
        REQUIRE(pool->map_6to4(a, why, reader()).has_value());
    }
    CHECK(pool->take_events().size() == DynamicPool::kMaxQueuedEvents);
    CHECK(pool->events_lost() == 5);
    CHECK(pool->take_events().empty());
}

TEST_CASE("dynamic-pool: workers racing on new and known hosts get one address each", "[addr][pool][threads]") {
    auto pool = make_pool("10.0.0.0/20");  // 4095 usable addresses
    constexpr unsigned kHosts = 3000;
    constexpr unsigned kThreads = 4;
    std::vector<std::vector<Ipv4Addr>> got(kThreads, std::vector<Ipv4Addr>(kHosts));
    std::vector<std::thread> threads;
    std::atomic<bool> failed{false};
    for (unsigned w = 0; w < kThreads; ++w) {
        threads.emplace_back([&, w] {
            PoolReader rd;  // each worker its own
            for (unsigned n = 0; n < kHosts; ++n) {
                const unsigned i = (n * 7 + w * 131) % kHosts;  // each worker in its own order
                Ipv6Addr a = v6("2001:db8:77::");
                a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
                a.bytes[15] = static_cast<std::uint8_t>(i);
                PoolMiss why = PoolMiss::None;
                const auto r = pool->map_6to4(a, why, rd);
                if (!r)
                    failed = true;
                else
                    got[w][i] = *r;
                Ipv6Addr back;
                if (r && pool->map_4to6(*r, back, rd) != Pool4::Leased) failed = true;
            }
        });
    }
    for (auto& t : threads) t.join();
    REQUIRE_FALSE(failed.load());
    std::set<Ipv4Addr> distinct;
    for (unsigned i = 0; i < kHosts; ++i) {
        for (unsigned w = 1; w < kThreads; ++w) REQUIRE(got[w][i] == got[0][i]);
        distinct.insert(got[0][i]);
    }
    CHECK(distinct.size() == kHosts);
    CHECK(pool->leases().size() == kHosts);
}

TEST_CASE("dynamic-pool: maintenance racing with workers keeps every host on its address", "[addr][pool][threads]") {
    const std::int64_t t0 = 6'000'000;
    auto pool = make_pool("10.0.0.0/22", {}, {}, t0);  // 1023 usable addresses, 500 hosts: never full
    constexpr unsigned kHosts = 500;
    auto host = [](unsigned i) {
        Ipv6Addr a = *parse_ipv6("2001:db8:88::");
        a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
        a.bytes[15] = static_cast<std::uint8_t>(i);
        return a;
    };
    std::vector<Ipv4Addr> first(kHosts);
    for (unsigned i = 0; i < kHosts; ++i) {
        PoolMiss why = PoolMiss::None;
        first[i] = *pool->map_6to4(host(i), why, reader());
    }
    std::atomic<bool> stop{false};
    std::atomic<bool> moved{false};
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < 3; ++w) {
        workers.emplace_back([&, w] {
            PoolReader rd;
            while (!stop.load()) {
                for (unsigned i = w; i < kHosts; i += 3) {
                    PoolMiss why = PoolMiss::None;
                    const auto r = pool->map_6to4(host(i), why, rd);  // hit, or reactivation after dormancy
                    if (!r || *r != first[i]) moved = true;
                    Ipv6Addr back;
                    (void)pool->map_4to6(first[i], back, rd);
                }
            }
        });
    }
    // Each tick moves the clock past the lease time: leases go dormant
    // between packets and are reactivated, never expired (14 days).
    std::size_t dormant = 0;
    std::size_t reactivated = 0;
    auto count = [&] {
        for (const PoolEvent& e : pool->take_events()) {
            dormant += e.kind == PoolEventKind::Dormant;
            reactivated += e.kind == PoolEventKind::Reactivated;
        }
    };
    for (int tick = 1; tick <= 40; ++tick) {
        pool->maintenance(t0 + tick * 7441);
        count();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    stop = true;
    for (auto& t : workers) t.join();
    for (unsigned i = 0; i < kHosts; ++i) {  // a last pass brings back whatever is dormant now
        PoolMiss why = PoolMiss::None;
        CHECK(pool->map_6to4(host(i), why, reader()) == first[i]);
    }
    count();
    CHECK_FALSE(moved.load());
    CHECK(dormant > 0);  // the race was exercised
    CHECK(reactivated > 0);
    CHECK(pool->leases().size() == kHosts);
}

// ---------------------------------------------------------------------------
// Lock-free hits (docs/architecture.md, "Threads and tables"): workers read an
// immutable snapshot through their own PoolReader; every change publishes a
// new one under a new version.

TEST_CASE("dynamic-pool: a reader sees set_exclusions, revocation and dormancy at its next lookup",
          "[addr][pool][snapshot]") {
    const std::int64_t t0 = 7'000'000;
    auto pool = make_pool("198.51.100.0/24", {}, {}, t0);
    PoolReader r;
    PoolMiss why = PoolMiss::None;
    REQUIRE(pool->map_6to4(v6("2001:db8::69"), why, r) == v4("198.51.100.80"));
    REQUIRE(pool->map_6to4(v6("2001:db8::1234:5678"), why, r) == v4("198.51.100.251"));
    // The miss path left the caller's reader on the snapshot with its lease.
    Ipv6Addr out;
    REQUIRE(pool->map_4to6(v4("198.51.100.251"), out, r) == Pool4::Leased);
    CHECK(out == v6("2001:db8::1234:5678"));

    // Hits and a maintenance tick that changes nothing publish nothing: the
    // reader keeps its snapshot (same object, same version).
    const std::uint64_t before = r.version;
    const auto* const snap = r.snap.get();
    pool->maintenance(t0 + 60);
    CHECK(pool->find_6to4(v6("2001:db8::69"), r) == v4("198.51.100.80"));
    CHECK(pool->map_6to4(v6("2001:db8::69"), why, r) == v4("198.51.100.80"));
    CHECK(r.version == before);
    CHECK(r.snap.get() == snap);

    // A reload excludes .80 (static map on the IPv4 side) and takes
    // 2001:db8::1234:5678 (static map on the IPv6 side): the same reader,
    // still holding the old snapshot, sees both revocations at once.
    pool->set_exclusions({p4("198.51.100.80/32")}, {p6("2001:db8::1234:5678/128")});
    CHECK(pool->map_4to6(v4("198.51.100.80"), out, r) == Pool4::NotManaged);
    CHECK(r.version > before);
    CHECK_FALSE(pool->find_6to4(v6("2001:db8::69"), r).has_value());
    CHECK_FALSE(pool->find_6to4(v6("2001:db8::1234:5678"), r).has_value());
    CHECK(pool->map_4to6(v4("198.51.100.251"), out, r) == Pool4::Unleased);
    CHECK(pool->take_events().size() == 4);  // 2 assigned, 2 revoked

    // The exclusion goes away again: .80 is the pool's, unleased.
    const std::uint64_t excluded = r.version;
    pool->set_exclusions({}, {});
    CHECK(pool->map_4to6(v4("198.51.100.80"), out, r) == Pool4::Unleased);
    CHECK(r.version > excluded);

    // Dormancy: a new lease (the clock is at t0 + 60 since the tick
    // above), then 124 minutes and a second of silence.
    REQUIRE(pool->map_6to4(v6("2001:db8::69"), why, r) == v4("198.51.100.80"));
    REQUIRE(pool->map_4to6(v4("198.51.100.80"), out, r) == Pool4::Leased);
    pool->maintenance(t0 + 60 + 7441);
    CHECK(pool->map_4to6(v4("198.51.100.80"), out, r) == Pool4::Unleased);
    CHECK_FALSE(pool->find_6to4(v6("2001:db8::69"), r).has_value());
    // Reactivated by the host's next packet, through the same reader.
    CHECK(pool->map_6to4(v6("2001:db8::69"), why, r) == v4("198.51.100.80"));
    CHECK(pool->map_4to6(v4("198.51.100.80"), out, r) == Pool4::Leased);
}

TEST_CASE("dynamic-pool: what readers see is the lease table, through bursts of new leases and rebuilds",
          "[addr][pool][snapshot]") {
    // New leases extend the snapshot's small `recent` table; dormancy,
    // expiry and reloads rebuild it. After every step, every lease the
    // writer holds (leases()) must read back exactly through a reader that
    // followed along (active: both directions; dormant: neither), and the
    // snapshot must hold nothing else (counts() against the hits).
    const std::int64_t t0 = 9'000'000;
    auto pool = make_pool("10.0.0.0/22", {}, {}, t0);  // 1023 usable addresses
    PoolReader r;
    std::mt19937 rng(4);  // fixed: the same steps every run
    std::int64_t now = t0;
    auto host = [](unsigned i) {
        Ipv6Addr a = *parse_ipv6("2001:db8:99::");
        a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
        a.bytes[15] = static_cast<std::uint8_t>(i);
        return a;
    };
    auto check = [&](int step) {
        INFO("step " << step);
        std::uint64_t active = 0;
        for (const LeaseInfo& l : pool->leases()) {
            Ipv6Addr out;
            if (l.active) {
                ++active;
                CHECK(pool->find_6to4(l.v6, r) == l.v4);
                CHECK(pool->map_4to6(l.v4, out, r) == Pool4::Leased);
                CHECK(out == l.v6);
            } else {
                CHECK_FALSE(pool->find_6to4(l.v6, r).has_value());
                CHECK(pool->map_4to6(l.v4, out, r) != Pool4::Leased);
            }
        }
        CHECK(pool->counts().active == active);
        std::uint64_t hits = 0;  // no stray entries: every pool address, once
        for (std::uint32_t i = 0; i < 1024; ++i) {
            Ipv6Addr out;
            hits += pool->map_4to6(Ipv4Addr::from_u32(0x0a000000 + i), out, r) == Pool4::Leased;
        }
        CHECK(hits == active);
    };
    unsigned next_host = 0;
    for (int step = 0; step < 120; ++step) {
        switch (rng() % 6) {
            case 0:
            case 1:
            case 2: {  // a burst of new hosts (and returning ones: reactivation)
                const auto n = static_cast<unsigned>(1 + rng() % 40);
                for (unsigned k = 0; k < n; ++k) {
                    const unsigned i =
                        rng() % 3 == 0 && next_host > 0 ? static_cast<unsigned>(rng() % next_host) : next_host++;
                    PoolMiss why = PoolMiss::None;
                    (void)pool->map_6to4(host(i), why, r);
                }
                break;
            }
            case 3:  // time passes: leases idle since the last jump turn dormant
                now += 1 + static_cast<std::int64_t>(rng() % 9000);
                pool->maintenance(now);
                break;
            case 4:  // a reload takes a block of the pool for a while
                if (rng() % 2 == 0) {
                    pool->set_exclusions({p4("10.0.1.0/26")}, {p6("2001:db8:99::10/124")});
                } else {
                    pool->set_exclusions({}, {});
                }
                break;
            case 5: {  // leases restored from a file
                const auto o = static_cast<std::uint32_t>(512 + rng() % 500);
                Ipv6Addr h = host(4000 + static_cast<unsigned>(rng() % 1000));
                (void)pool->restore({LeaseRecord{Ipv4Addr::from_u32(0x0a000000 + o), h, now - 10, 0}}, "step");
                break;
            }
        }
        (void)pool->take_events();
        check(step);
    }
    CHECK(next_host > 500);  // the bursts did cross many fold thresholds
}

TEST_CASE("dynamic-pool: a reader moved to another pool reads that pool, even at the same version",
          "[addr][pool][snapshot]") {
    auto a = make_pool("198.51.100.0/24");
    auto b = make_pool("198.51.100.0/24");
    REQUIRE(lease(*a, "2001:db8::69") == v4("198.51.100.80"));
    b->set_exclusions({}, {});  // one change in each pool
    PoolReader pa;
    PoolReader pb;
    (void)a->find_6to4(v6("2001:db8::69"), pa);
    (void)b->find_6to4(v6("2001:db8::69"), pb);
    REQUIRE(pa.version == pb.version);  // so the version alone cannot tell them apart

    PoolReader r;
    Ipv6Addr out;
    CHECK(a->map_4to6(v4("198.51.100.80"), out, r) == Pool4::Leased);
    CHECK(b->map_4to6(v4("198.51.100.80"), out, r) == Pool4::Unleased);
    CHECK_FALSE(b->find_6to4(v6("2001:db8::69"), r).has_value());
    CHECK(a->find_6to4(v6("2001:db8::69"), r) == v4("198.51.100.80"));
    // A snapshot outlives its pool: the reader still holds a valid one.
    a.reset();
    CHECK(b->map_4to6(v4("198.51.100.80"), out, r) == Pool4::Unleased);
}

TEST_CASE("dynamic-pool: readers hammering known leases never miss while a writer changes the pool",
          "[addr][pool][threads][snapshot]") {
    // Lease times shortened so that the writer's own leases go dormant and
    // expire within the test, while the readers' leases, made at t0 with
    // the clock never passing t0 + min_lease, stay active whatever the
    // scheduling: every reader lookup must hit, with the right address.
    const std::int64_t t0 = 8'000'000;
    constexpr std::int64_t kMinLease = 100;
    constexpr std::int64_t kMaxLease = 150;
    auto created = DynamicPool::create(PoolOptions{p4("10.0.0.0/16"), {}, {}, kMinLease, kMaxLease});
    REQUIRE(created.ok());
    auto pool = std::move(created.value());
    pool->set_now(t0);

    constexpr unsigned kKnown = 64;
    std::vector<Ipv6Addr> known6(kKnown);
    std::vector<Ipv4Addr> known4(kKnown);
    for (unsigned i = 0; i < kKnown; ++i) {
        known6[i] = v6("2001:db8:aa::");
        known6[i].bytes[15] = static_cast<std::uint8_t>(i);
        PoolMiss why = PoolMiss::None;
        const auto a = pool->map_6to4(known6[i], why, reader());
        REQUIRE(a.has_value());
        known4[i] = *a;
        // The writer toggles an exclusion of 10.0.255.0/24 below: none of
        // the readers' leases may sit there.
        REQUIRE(known4[i].bytes[2] != 255);
    }
    REQUIRE(pool->take_events().size() == kKnown);

    constexpr unsigned kReaders = 4;
    std::atomic<unsigned> ready{0};
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> misses{0};
    std::atomic<std::uint64_t> lookups{0};
    std::atomic<std::uint64_t> refreshes{0};
    std::vector<std::thread> readers;
    for (unsigned w = 0; w < kReaders; ++w) {
        readers.emplace_back([&] {
            PoolReader rd;
            std::uint64_t seen = 0;
            std::uint64_t local_misses = 0;
            std::uint64_t local_lookups = 0;
            std::uint64_t local_refreshes = 0;
            auto pass = [&] {
                for (unsigned i = 0; i < kKnown; ++i) {
                    PoolMiss why = PoolMiss::None;
                    if (pool->find_6to4(known6[i], rd) != known4[i]) ++local_misses;
                    if (pool->map_6to4(known6[i], why, rd) != known4[i]) ++local_misses;
                    Ipv6Addr out;
                    if (pool->map_4to6(known4[i], out, rd) != Pool4::Leased || out != known6[i]) ++local_misses;
                    local_lookups += 3;
                    if (rd.version != seen) {
                        seen = rd.version;
                        ++local_refreshes;
                    }
                }
            };
            pass();
            ready.fetch_add(1);
            while (!stop.load()) pass();
            pass();  // one more after the writer's last change
            misses.fetch_add(local_misses);
            lookups.fetch_add(local_lookups);
            refreshes.fetch_add(local_refreshes);
        });
    }
    while (ready.load() < kReaders) std::this_thread::yield();

    // The writer: new hosts, leases restored from a "file" (some already
    // dormant, some about to turn dormant), maintenance that turns them
    // dormant and expires them, and an exclusion toggled on and off.
    PoolReader wr;
    std::size_t assigned = 0;
    std::size_t dormant = 0;
    std::size_t expired = 0;
    std::size_t revoked = 0;
    std::uint64_t writer_failures = 0;
    for (std::int64_t tick = 1; tick < kMinLease; ++tick) {
        const std::int64_t now = t0 + tick;
        pool->maintenance(now);
        Ipv6Addr host = v6("2001:db8:bb::");
        host.bytes[14] = static_cast<std::uint8_t>(tick);
        PoolMiss why = PoolMiss::None;
        const auto got = pool->map_6to4(host, why, wr);
        // The writer's own reader sees its new lease at once.
        Ipv6Addr out;
        if (!got || pool->map_4to6(*got, out, wr) != Pool4::Leased || out != host || pool->find_6to4(host, wr) != got) {
            ++writer_failures;
        }
        Ipv4Addr a1 = v4("10.0.200.0");
        a1.bytes[3] = static_cast<std::uint8_t>(tick);
        Ipv4Addr a2 = v4("10.0.201.0");
        a2.bytes[3] = static_cast<std::uint8_t>(tick);
        Ipv6Addr h1 = v6("2001:db8:cc::");
        h1.bytes[15] = static_cast<std::uint8_t>(tick);
        Ipv6Addr h2 = v6("2001:db8:dd::");
        h2.bytes[15] = static_cast<std::uint8_t>(tick);
        // h1: active for one more second; h2: dormant already, expires in 10.
        const auto report = pool->restore(
            {LeaseRecord{a1, h1, now - kMinLease + 1, 0}, LeaseRecord{a2, h2, now - kMaxLease + 10, 0}}, "hammer");
        if (report.loaded != 2) ++writer_failures;
        if (tick % 10 == 0) pool->set_exclusions({p4("10.0.255.0/24")}, {});
        if (tick % 10 == 5) pool->set_exclusions({}, {});
        for (const PoolEvent& e : pool->take_events()) {
            assigned += e.kind == PoolEventKind::Assigned;
            dormant += e.kind == PoolEventKind::Dormant;
            expired += e.kind == PoolEventKind::Expired;
            revoked += e.kind == PoolEventKind::Revoked;
        }
    }
    stop = true;
    for (auto& t : readers) t.join();

    CHECK(misses.load() == 0);
    CHECK(lookups.load() > 0);
    CHECK(refreshes.load() > kReaders);  // readers picked up new snapshots while reading
    CHECK(writer_failures == 0);
    CHECK(assigned == kMinLease - 1);
    CHECK(dormant > 0);
    CHECK(expired > 0);
    (void)revoked;  // whether a new host lands in 10.0.255.0/24 depends on its hash
    for (unsigned i = 0; i < kKnown; ++i) CHECK(pool->find_6to4(known6[i], reader()) == known4[i]);
}

// ---------------------------------------------------------------------------
// dynamic.map

// Written by TAYGA 0.9.2 after the run described at the top of this file.
const char* const kTaygaFile =
    "###\n"
    "###\n"
    "### TAYGA dynamic map database\n"
    "###\n"
    "### You can edit this (carefully!) as long as you shut down TAYGA first\n"
    "###\n"
    "###\n"
    "### Last written: Sun Nov 22 12:45:29 2026\n"
    "###\n"
    "###\n"
    "\n"
    "198.51.100.227\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t1795351528\n"
    "198.51.100.230\t2001:db8::ffff:fffe\t1795351528\n"
    "198.51.100.229\t2001:db8::ffff:ffff\t1795351528\n"
    "198.51.100.251\t2001:db8::1234:5678\t1795351528\n"
    "198.51.100.80\t2001:db8::69\t1795351528\n";

TEST_CASE("dynamic.map: a file written by TAYGA loads unchanged", "[addr][pool][persist]") {
    TempDir dir;
    spit(dir.file("dynamic.map"), kTaygaFile);
    auto pool = make_pool("198.51.100.0/24", {p4("198.51.100.5/32")}, {p6("2001:db8:5::5/128")}, 1795351528 + 60);
    const auto r = pool->load(dir.file("dynamic.map"));
    REQUIRE(r.ok());
    CHECK(r->loaded == 5);
    CHECK(r->messages.empty());
    CHECK_FALSE(pool->dirty());
    // Used a minute ago: active, so reachable from IPv4 right away.
    CHECK(lookup4(*pool, "198.51.100.229") == v6("2001:db8::ffff:ffff"));
    CHECK(lookup4(*pool, "198.51.100.80") == v6("2001:db8::69"));
    CHECK(lease(*pool, "2001:db8::ffff:fffe") == v4("198.51.100.230"));
    CHECK(pool->take_events().empty());  // hits, nothing new
    // A new host hashing to a loaded address probes past it: 2001:db8::69:0:0
    // has the words of 2001:db8::69 with the last two swapped, same sum, 80.
    CHECK(tayga_pool_offset(v6("2001:db8::69:0:0"), 8) == 80);
    CHECK(lease(*pool, "2001:db8::69:0:0") == v4("198.51.100.81"));
}

TEST_CASE("dynamic.map: round trip keeps addresses, hosts, times and dormancy", "[addr][pool][persist]") {
    TempDir dir;
    const std::int64_t t0 = 1'700'000'000;
    auto pool = make_pool("198.51.100.0/24", {}, {}, t0);
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    pool->maintenance(t0 + 7441);  // dormant, last use t0
    CHECK(lease(*pool, "2001:db8::1234:5678") == v4("198.51.100.251"));
    pool->set_now(t0 + 7500);
    CHECK(lease(*pool, "2001:db8::ffff:ffff") == v4("198.51.100.229"));
    REQUIRE(pool->save(dir.file("dynamic.map")).ok());

    const std::string text = slurp(dir.file("dynamic.map"));
    // Every header line is a comment TAYGA skips; leases most recent first.
    const auto body = text.substr(text.find("\n\n") + 2);
    CHECK(body ==
          "198.51.100.229\t2001:db8::ffff:ffff\t1700007500\n"
          "198.51.100.251\t2001:db8::1234:5678\t1700007441\n"
          "198.51.100.80\t2001:db8::69\t1700000000\n");
    std::istringstream header(text.substr(0, text.find("\n\n")));
    for (std::string line; std::getline(header, line);) CHECK(line.rfind("###", 0) == 0);

    auto again = make_pool("198.51.100.0/24", {}, {}, t0 + 7600);
    const auto r = again->load(dir.file("dynamic.map"));
    REQUIRE(r.ok());
    CHECK(r->loaded == 3);
    const auto a = pool->leases();
    const auto b = again->leases();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].v4 == b[i].v4);
        CHECK(a[i].v6 == b[i].v6);
        CHECK(a[i].last_use == b[i].last_use);
        CHECK(a[i].active == b[i].active);
    }
    CHECK_FALSE(b[2].active);  // 2001:db8::69 is still dormant, and still reserved:
    CHECK(lease(*again, "2001:db8::69") == v4("198.51.100.80"));
    CHECK(again->take_events()[0].kind == PoolEventKind::Reactivated);
}

TEST_CASE("dynamic.map: malformed lines are reported with their line numbers and skipped", "[addr][pool][persist]") {
    const std::string text =
        "# comment\n"                                      // 1
        "198.51.100.80\t2001:db8::69\t1795351528\n"        // 2 good
        "198.51.100.81 2001:db8::70 1795351528\n"          // 3 good: blanks separate fields
        "  # indented comment\n"                           // 4
        "198.51.100.82\t2001:db8::71\n"                    // 5 no time
        "198.51.100.83\t2001:db8::72\tabc\n"               // 6
        "198.51.100.87\t2001:db8::77\t1795351528 extra\n"  // 7
        "garbage\n"                                        // 8
        "198.51.100.91\t2001:db8::7a\t-5\n"                // 9 TAYGA refuses signs too
        "198.51.100.92\t2001:db8::7b\t1795351528x\n"       // 10
        "198.51.100.300\t2001:db8::7c\t1\n"                // 11
        "198.51.100.93\t2001:db8::7g\t1\n"                 // 12
        "\n"                                               // 13
        "198.51.100.94\t2001:db8::7d\t1795300000\r\n";     // 14 good: CRLF
    const auto f = parse_dynamic_map(text, "dynamic.map");
    REQUIRE(f.records.size() == 3);
    CHECK(f.records[0] == LeaseRecord{v4("198.51.100.80"), v6("2001:db8::69"), 1795351528, 2});
    CHECK(f.records[0].line == 2);
    CHECK(f.records[1].line == 3);
    CHECK(f.records[2] == LeaseRecord{v4("198.51.100.94"), v6("2001:db8::7d"), 1795300000, 14});
    CHECK(f.records[2].line == 14);
    const std::vector<std::string> want{
        "dynamic.map:5: ignoring malformed line: expected IPv4 address, IPv6 address and last-use time, found 2 fields",
        "dynamic.map:6: ignoring malformed line: expected a last-use time in Unix seconds but found 'abc'",
        "dynamic.map:7: ignoring malformed line: expected IPv4 address, IPv6 address and last-use time, found 4 fields",
        "dynamic.map:8: ignoring malformed line: expected IPv4 address, IPv6 address and last-use time, found 1 field",
        "dynamic.map:9: ignoring malformed line: expected a last-use time in Unix seconds but found '-5'",
        "dynamic.map:10: ignoring malformed line: expected a last-use time in Unix seconds but found '1795351528x'",
        "dynamic.map:11: ignoring malformed line: expected an IPv4 address but found '198.51.100.300'",
        "dynamic.map:12: ignoring malformed line: expected an IPv6 address but found '2001:db8::7g'",
    };
    CHECK(f.messages == want);
}

TEST_CASE("dynamic.map: NUL bytes and control bytes in lines are reported escaped", "[addr][persist]") {
    const std::string text(
        "198.51.100.80\t2001:db8::69\t1795351528\n"  // 1 good
        "198.51.100.81\t2001:db8::6a\t17\0\n"        // 2 NUL byte
        "198.51.100.82\t2001:db8::6b\t1\x1b[2J\n"    // 3 terminal escape
        "# comment \0\n",                            // 4 NUL even in a comment
        114);
    const auto f = parse_dynamic_map(text, "dynamic.map");
    REQUIRE(f.records.size() == 1);
    const std::vector<std::string> want{
        "dynamic.map:2: ignoring malformed line: NUL byte (a binary or damaged file?)",
        "dynamic.map:3: ignoring malformed line: expected a last-use time in Unix seconds but found '1\\x1b[2J'",
        "dynamic.map:4: ignoring malformed line: NUL byte (a binary or damaged file?)",
    };
    CHECK(f.messages == want);
    CHECK(f.malformed == 3);
}

TEST_CASE("dynamic.map: a million malformed lines give a bounded number of messages", "[addr][persist]") {
    std::string text = "198.51.100.80\t2001:db8::69\t1795351528\n";
    for (int i = 0; i < 1000000; ++i) text += "x\n";
    const auto f = parse_dynamic_map(text, "dynamic.map");
    CHECK(f.records.size() == 1);
    CHECK(f.malformed == 1000000);
    REQUIRE(f.messages.size() == kMaxMalformedMessages + 1);
    CHECK(
        f.messages.front() ==
        "dynamic.map:2: ignoring malformed line: expected IPv4 address, IPv6 address and last-use time, found 1 field");
    CHECK(f.messages[kMaxMalformedMessages - 1].rfind("dynamic.map:21: ", 0) == 0);
    CHECK(f.messages.back() == "dynamic.map: ... and 999980 more malformed lines ignored");
}

TEST_CASE("dynamic.map: lines the pool cannot take are skipped with TAYGA's reasons", "[addr][pool][persist]") {
    TempDir dir;
    const std::int64_t now = 1795351600;
    spit(dir.file("dynamic.map"),
         "198.51.100.80\t2001:db8::69\t1795351528\n"    // 1 loaded
         "10.1.1.1\t2001:db8::73\t1795351528\n"         // 2 outside
         "198.51.100.5\t2001:db8::74\t1795351528\n"     // 3 static map's IPv4 side
         "198.51.100.1\t2001:db8::75\t1795351528\n"     // 4 ipv4-addr
         "198.51.100.84\tff02::1\t1795351528\n"         // 5 invalid IPv6
         "198.51.100.80\t2001:db8::76\t1795351528\n"    // 6 duplicate IPv4
         "198.51.100.85\t2001:db8::69\t1795351528\n"    // 7 duplicate IPv6
         "198.51.100.0\t2001:db8::78\t1795351528\n"     // 8 the pool's lowest address
         "198.51.100.89\t2001:db8:5::5\t1795351528\n"   // 9 static map's IPv6 side
         "198.51.100.90\t2001:db8:64::1\t1795351528\n"  // 10 inside the NAT64 prefix
         "198.51.100.86\t2001:db8::7e\t9999999999\n"    // 11 future: loaded as used now
         "198.51.100.88\t2001:db8::79\t100\n");         // 12 loaded, expires at maintenance
    auto pool = make_pool("198.51.100.0/24", {p4("198.51.100.5/32"), p4("198.51.100.1/32")},
                          {p6("2001:db8:5::5/128"), p6("2001:db8:64::/96")}, now);
    const std::string name = dir.file("dynamic.map");
    const auto r = pool->load(name);
    REQUIRE(r.ok());
    CHECK(r->loaded == 3);
    const std::vector<std::string> want{
        name + ":2: ignoring map for 10.1.1.1 that lies outside dynamic pool prefix 198.51.100.0/24",
        name + ":3: ignoring map for 198.51.100.5 that conflicts with statically-configured map or ipv4-addr",
        name + ":4: ignoring map for 198.51.100.1 that conflicts with statically-configured map or ipv4-addr",
        name + ":5: ignoring map for 198.51.100.84 with invalid IPv6 address ff02::1",
        name + ":6: ignoring duplicate map for 198.51.100.80",
        name + ":7: ignoring duplicate map for 2001:db8::69",
        name + ":8: ignoring map for 198.51.100.0, the lowest address of the pool, which is never assigned",
        name + ":9: ignoring map for 2001:db8:5::5 that conflicts with statically-configured map or prefix",
        name + ":10: ignoring map for 2001:db8:64::1 that conflicts with statically-configured map or prefix",
        name + ": note: maps dated in the future were taken as used now",
    };
    CHECK(r->messages == want);
    CHECK(lookup4(*pool, "198.51.100.86") == v6("2001:db8::7e"));
    const auto leases = pool->leases();
    REQUIRE(leases.size() == 3);
    CHECK(leases[2].v4 == v4("198.51.100.88"));
    CHECK_FALSE(leases[2].active);
    pool->maintenance(now + 1);
    const auto events = pool->take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0] == PoolEvent{PoolEventKind::Expired, v4("198.51.100.88"), v6("2001:db8::79"), {}});
}

TEST_CASE("dynamic.map: a missing file is a first start; an unreadable path is an error", "[addr][pool][persist]") {
    TempDir dir;
    auto pool = make_pool("198.51.100.0/24");
    const auto r = pool->load(dir.file("dynamic.map"));
    REQUIRE(r.ok());
    CHECK(r->loaded == 0);
    CHECK(r->messages.empty());
    std::filesystem::create_directory(dir.path / "adir");
    CHECK_FALSE(pool->load(dir.file("adir")).ok());  // read(2) on a directory: EISDIR
}

TEST_CASE("dynamic.map: a failed save leaves the previous file intact", "[addr][pool][persist]") {
    TempDir dir;
    const std::string path = dir.file("dynamic.map");
    auto pool = make_pool("198.51.100.0/24");
    CHECK(lease(*pool, "2001:db8::69") == v4("198.51.100.80"));
    REQUIRE(pool->save(path).ok());
    const std::string before = slurp(path);
    CHECK(lease(*pool, "2001:db8::1234:5678") == v4("198.51.100.251"));
    REQUIRE(pool->dirty());

    SECTION("the directory cannot take a new file") {
        // The directory is replaced by a file of the same name's sibling:
        // no temp file can be created, the old file must stay.
        const std::string other = dir.file("notadir");
        spit(other, "x");
        const auto st = write_file_atomic(other + "/dynamic.map", "new\n");
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().find("unable to open directory " + other) == 0);
    }
    SECTION("the disk fills up while writing") {
        // RLIMIT_FSIZE makes write(2) fail with EFBIG, as ENOSPC would; the
        // signal that comes with it is ignored, as the daemon does.
        struct rlimit old {};
        REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
        const auto old_handler = signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = old;
        small.rlim_cur = 100;  // the header alone is longer
        REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
        const auto st = pool->save(path);
        REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);
        signal(SIGXFSZ, old_handler);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().find("unable to write " + dir.file(".dynamic.map.")) == 0);
        CHECK(entries(dir.path) == std::vector<std::string>{"dynamic.map"});  // no half-written temp file left
    }
    SECTION("the directory is gone") {
        const std::string gone = dir.file("nowhere/dynamic.map");
        CHECK_FALSE(pool->save(gone).ok());
    }
    CHECK(slurp(path) == before);
    CHECK(pool->dirty());  // still to be written
    REQUIRE(pool->save(path).ok());
    CHECK(slurp(path) != before);
    CHECK_FALSE(pool->dirty());
}

TEST_CASE("dynamic.map: write_file_atomic replaces the file and leaves no temp file", "[addr][persist]") {
    TempDir dir;
    const std::string path = dir.file("f");
    REQUIRE(write_file_atomic(path, "one\n").ok());
    REQUIRE(write_file_atomic(path, "two\n").ok());
    CHECK(slurp(path) == "two\n");
    CHECK(entries(dir.path) == std::vector<std::string>{"f"});
    // TAYGA's file is -rw-r--r-- under the usual umask; so is ours.
    const mode_t old_mask = umask(022);
    REQUIRE(write_file_atomic(path, "three\n").ok());
    umask(old_mask);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
}

TEST_CASE("dynamic.map: write_file_atomic follows no symlink planted at a temp name", "[addr][persist]") {
    // A local user who can write to the directory plants symlinks at the
    // names a predictable writer would use (`path~`, TAYGA's); a root
    // daemon must not write through them to the file they point to.
    TempDir dir;
    TempDir outside;
    const std::string victim = outside.file("passwd");
    spit(victim, "root:x:0:0\n");
    const std::string path = dir.file("nat64d.pid");
    std::filesystem::create_symlink(victim, path + "~");
    std::filesystem::create_symlink(victim, dir.file(".nat64d.pid.~"));
    REQUIRE(write_file_atomic(path, "1234\n").ok());
    CHECK(slurp(victim) == "root:x:0:0\n");
    CHECK(slurp(path) == "1234\n");
    CHECK_FALSE(std::filesystem::is_symlink(path));
    CHECK(std::filesystem::is_symlink(path + "~"));  // not ours: left alone
    CHECK(entries(dir.path) == std::vector<std::string>{".nat64d.pid.~", "nat64d.pid", "nat64d.pid~"});

    // The target itself a symlink: the rename replaces the link, never the
    // file it points to.
    std::filesystem::remove(path);
    std::filesystem::create_symlink(victim, path);
    REQUIRE(write_file_atomic(path, "5678\n").ok());
    CHECK(slurp(victim) == "root:x:0:0\n");
    CHECK_FALSE(std::filesystem::is_symlink(path));
    CHECK(slurp(path) == "5678\n");
}

TEST_CASE("dynamic.map: write_file_atomic on a full file system keeps the old file", "[addr][persist][root]") {
    // A real ENOSPC: a 16 KiB tmpfs in a private mount namespace of a child
    // process (the test process keeps its mounts).
    if (nat64d::test::skip_unless_root("a mount namespace with a small tmpfs")) return;
    TempDir dir;
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (unshare(CLONE_NEWNS) != 0) _exit(77);
        if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(77);
        if (mount("tmpfs", dir.path.c_str(), "tmpfs", 0, "size=16k") != 0) _exit(77);
        const std::string path = dir.file("dynamic.map");
        if (!write_file_atomic(path, std::string(4096, 'a')).ok()) _exit(1);
        const auto st = write_file_atomic(path, std::string(64 * 1024, 'b'));
        if (st.ok()) _exit(2);
        if (st.error().find("No space left on device") == std::string::npos) _exit(3);
        if (slurp(path) != std::string(4096, 'a')) _exit(4);
        if (entries(dir.path) != std::vector<std::string>{"dynamic.map"}) _exit(5);
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        nat64d::test::skip("no mount namespace or tmpfs: the full file system case cannot run");
        return;
    }
    CHECK(WEXITSTATUS(status) == 0);
}
