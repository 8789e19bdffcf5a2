// The lease policy alone (addr::LeaseBook), without the pool's lock,
// snapshot or file: each of TAYGA's rules (dynamic.c: assign_dynamic,
// move_to_dormant, dynamic_maint, load_map) against the book directly, with
// the events it reports.
#include <catch2/catch.hpp>

#include "support/addrs.hpp"

#include <string>
#include <vector>

#include "addr/lease_book.hpp"

using namespace nat64d;
using namespace nat64d::addr;

namespace {

using nat64d::test::p4;
using nat64d::test::p6;
using nat64d::test::v4;
using nat64d::test::v6;

// Every event the book reports, in order.
struct Recorded final : LeaseEvents {
    std::vector<PoolEvent> events;
    void on_event(const PoolEvent& e) noexcept override { events.push_back(e); }
    std::vector<PoolEvent> take() { return std::exchange(events, {}); }
};

LeaseBook make_book(const char* prefix, std::vector<Prefix4> excluded4 = {}, std::vector<Prefix6> excluded6 = {},
                    std::int64_t min_lease = kDynMinLease, std::int64_t max_lease = kDynMaxLease) {
    return LeaseBook(p4(prefix), min_lease, max_lease, excluded4, std::move(excluded6));
}

// An assignment that must succeed.
Ipv4Addr assign(LeaseBook& book, const char* host, std::int64_t now, Recorded& rec) {
    PoolMiss why = PoolMiss::None;
    const auto a = book.assign(v6(host), now, why, rec);
    INFO(host);
    REQUIRE(a.has_value());
    CHECK(why == PoolMiss::None);
    return *a;
}

PoolMiss refused(LeaseBook& book, const char* host, std::int64_t now, Recorded& rec) {
    PoolMiss why = PoolMiss::None;
    CHECK_FALSE(book.assign(v6(host), now, why, rec).has_value());
    return why;
}

// What maintenance does: list the idle active leases, then age.
void age(LeaseBook& book, std::int64_t now, Recorded& rec) {
    book.age(now, book.idle_active(now), rec);
}

constexpr std::int64_t kT0 = 5'000'000;

}  // namespace

TEST_CASE("lease book: a new host gets the first free address at or above TAYGA's choice", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("198.51.100.0/24");
    // TAYGA 0.9.2 gives 2001:db8::69 .80 in a /24 (test_dynamic_pool.cpp).
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("198.51.100.80"));
    CHECK(rec.take() == std::vector<PoolEvent>{{PoolEventKind::Assigned, v4("198.51.100.80"), v6("2001:db8::69"), {}}});
    // 2001:db8::168 folds to the same offset: the probe goes one up.
    REQUIRE(tayga_pool_offset(v6("2001:db8::168"), 8) == 80);
    CHECK(assign(book, "2001:db8::168", kT0, rec) == v4("198.51.100.81"));
    CHECK(rec.take().size() == 1);
    // A host that has an active lease keeps it, refreshed, and no event.
    CHECK(assign(book, "2001:db8::69", kT0 + 60, rec) == v4("198.51.100.80"));
    CHECK(rec.events.empty());
    CHECK(book.leases().front().last_use == kT0 + 60);
    CHECK(book.counts() == PoolCounts{2, 0, 255 - 2});
}

TEST_CASE("lease book: the probe wraps past the top and never hands out the lowest address", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("192.0.2.0/30");
    // 300:: and 600:: both fold to offset 3 in two host bits.
    CHECK(assign(book, "300::", kT0, rec) == v4("192.0.2.3"));
    CHECK(assign(book, "600::", kT0, rec) == v4("192.0.2.1"));  // 3 taken, 0 skipped
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("192.0.2.2"));
    CHECK(refused(book, "2001:db8::70", kT0, rec) == PoolMiss::Exhausted);
    CHECK(book.counts() == PoolCounts{3, 0, 0});
}

TEST_CASE("lease book: excluded addresses are never chosen, excluded hosts still lease", "[addr][lease]") {
    Recorded rec;
    // The exclusion of the IPv6 side concerns restore() and reloads: a
    // host covered by a static map never reaches the pool.
    auto book = make_book("198.51.100.0/24", {p4("198.51.100.80/31"), p4("203.0.113.0/24")});
    CHECK(book.excluded4() == OffsetRuns{{80, 81}});
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("198.51.100.82"));
    CHECK(book.counts().free == 255 - 2 - 1);
}

TEST_CASE("lease book: addresses TAYGA would not lease are refused without a change", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("198.51.100.0/24");
    for (const char* host : {"::1", "fe80::1", "ff02::1", "64:ff9b:1::1"}) {
        INFO(host);
        CHECK(refused(book, host, kT0, rec) == PoolMiss::NotLeasable);
    }
    CHECK(rec.events.empty());
    CHECK(book.leases().empty());
    // The well-known prefix is the exception TAYGA makes inside ::/8.
    PoolMiss why = PoolMiss::None;
    CHECK(book.assign(v6("64:ff9b::c000:201"), kT0, why, rec).has_value());
    CHECK(why == PoolMiss::None);
}

TEST_CASE("lease book: a lease turns dormant 124 minutes after its last use, not before", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("198.51.100.0/24");
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("198.51.100.80"));
    (void)rec.take();
    CHECK(book.idle_active(kT0 + kDynMinLease).empty());  // exactly 124 minutes: still active
    age(book, kT0 + kDynMinLease, rec);
    CHECK(rec.events.empty());
    REQUIRE(book.idle_active(kT0 + kDynMinLease + 1) == std::vector<std::uint32_t>{80});
    age(book, kT0 + kDynMinLease + 1, rec);
    CHECK(rec.take() == std::vector<PoolEvent>{{PoolEventKind::Dormant, v4("198.51.100.80"), v6("2001:db8::69"), {}}});
    REQUIRE(book.leases().size() == 1);
    CHECK_FALSE(book.leases()[0].active);
    CHECK(book.leases()[0].last_use == kT0);
    CHECK(book.counts() == PoolCounts{0, 1, 255 - 1});
    // The address stays reserved: a new host folding to it goes one up.
    CHECK(assign(book, "2001:db8::168", kT0 + 8000, rec) == v4("198.51.100.81"));
}

TEST_CASE("lease book: a candidate used again before age() stays active", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("198.51.100.0/24", {}, {}, 100, 1000);
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("198.51.100.80"));
    (void)rec.take();
    const auto candidates = book.idle_active(kT0 + 101);
    REQUIRE(candidates.size() == 1);
    // A packet in between (a worker refreshing the lease).
    CHECK(assign(book, "2001:db8::69", kT0 + 101, rec) == v4("198.51.100.80"));
    book.age(kT0 + 101, candidates, rec);
    CHECK(rec.events.empty());
    CHECK(book.counts() == PoolCounts{1, 0, 254});
}

TEST_CASE("lease book: a dormant lease goes back to its host, with the same address", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("198.51.100.0/24");
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("198.51.100.80"));
    age(book, kT0 + kDynMinLease + 1, rec);
    (void)rec.take();
    CHECK(assign(book, "2001:db8::69", kT0 + 86400, rec) == v4("198.51.100.80"));
    CHECK(rec.take() ==
          std::vector<PoolEvent>{{PoolEventKind::Reactivated, v4("198.51.100.80"), v6("2001:db8::69"), {}}});
    REQUIRE(book.leases().size() == 1);
    CHECK(book.leases()[0].active);
    CHECK(book.leases()[0].last_use == kT0 + 86400);
    CHECK(book.counts() == PoolCounts{1, 0, 254});
}

TEST_CASE("lease book: a full pool reassigns the lease dormant longest, then fails", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("192.0.2.0/30", {}, {}, 100, 10'000);
    CHECK(assign(book, "300::", kT0 + 20, rec) == v4("192.0.2.3"));
    CHECK(assign(book, "600::", kT0, rec) == v4("192.0.2.1"));
    CHECK(assign(book, "2001:db8::69", kT0 + 10, rec) == v4("192.0.2.2"));
    age(book, kT0 + 200, rec);  // all three dormant: 600:: idle longest, then 2001:db8::69, then 300::
    (void)rec.take();
    CHECK(book.counts() == PoolCounts{0, 3, 0});

    CHECK(assign(book, "2001:db8::1", kT0 + 300, rec) == v4("192.0.2.1"));
    CHECK(rec.take() ==
          std::vector<PoolEvent>{{PoolEventKind::Reassigned, v4("192.0.2.1"), v6("2001:db8::1"), v6("600::")}});
    CHECK(assign(book, "2001:db8::2", kT0 + 300, rec) == v4("192.0.2.2"));
    CHECK(rec.take() ==
          std::vector<PoolEvent>{{PoolEventKind::Reassigned, v4("192.0.2.2"), v6("2001:db8::2"), v6("2001:db8::69")}});
    // 600:: lost its lease: it is a new host now, and takes the last dormant one.
    CHECK(assign(book, "600::", kT0 + 300, rec) == v4("192.0.2.3"));
    CHECK(rec.take() == std::vector<PoolEvent>{{PoolEventKind::Reassigned, v4("192.0.2.3"), v6("600::"), v6("300::")}});
    CHECK(refused(book, "300::", kT0 + 300, rec) == PoolMiss::Exhausted);
    CHECK(rec.events.empty());
    CHECK(book.counts() == PoolCounts{3, 0, 0});
}

TEST_CASE("lease book: leases dormant since the same second are reassigned lowest address first", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("192.0.2.0/30", {}, {}, 100, 10'000);
    CHECK(assign(book, "300::", kT0, rec) == v4("192.0.2.3"));
    CHECK(assign(book, "600::", kT0, rec) == v4("192.0.2.1"));
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("192.0.2.2"));
    age(book, kT0 + 101, rec);
    (void)rec.take();
    CHECK(assign(book, "2001:db8::1", kT0 + 200, rec) == v4("192.0.2.1"));
    CHECK(assign(book, "2001:db8::2", kT0 + 200, rec) == v4("192.0.2.2"));
    CHECK(assign(book, "2001:db8::3", kT0 + 200, rec) == v4("192.0.2.3"));
}

TEST_CASE("lease book: a dormant lease expires 14 days after its last use and frees the address", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("198.51.100.0/24");
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("198.51.100.80"));
    age(book, kT0 + kDynMinLease + 1, rec);
    (void)rec.take();
    CHECK_FALSE(book.has_expired(kT0 + kDynMaxLease));  // exactly 14 days: kept
    age(book, kT0 + kDynMaxLease, rec);
    CHECK(book.leases().size() == 1);
    CHECK(book.has_expired(kT0 + kDynMaxLease + 1));
    age(book, kT0 + kDynMaxLease + 1, rec);
    CHECK(rec.take() == std::vector<PoolEvent>{{PoolEventKind::Expired, v4("198.51.100.80"), v6("2001:db8::69"), {}}});
    CHECK(book.leases().empty());
    CHECK(book.counts() == PoolCounts{0, 0, 255});
    // The host is new again: the same address, assigned, not reactivated.
    CHECK(assign(book, "2001:db8::69", kT0 + kDynMaxLease + 2, rec) == v4("198.51.100.80"));
    CHECK(rec.take().front().kind == PoolEventKind::Assigned);
}

TEST_CASE("lease book: an active lease is never expired, however old", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("198.51.100.0/24", {}, {}, 100, 200);
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("198.51.100.80"));
    (void)rec.take();
    CHECK_FALSE(book.has_expired(kT0 + 1000));
    // One tick long after both times: dormant first, then expired, in order.
    age(book, kT0 + 1000, rec);
    const auto events = rec.take();
    REQUIRE(events.size() == 2);
    CHECK(events[0].kind == PoolEventKind::Dormant);
    CHECK(events[1].kind == PoolEventKind::Expired);
}

TEST_CASE("lease book: new exclusions revoke the leases they cover and free what they release", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("198.51.100.0/24", {p4("198.51.100.10/32")});
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("198.51.100.80"));
    CHECK(assign(book, "2001:db8::ffff:ffff", kT0, rec) == v4("198.51.100.229"));
    CHECK(assign(book, "2001:db8:1::1", kT0 - kDynMinLease - 10, rec) == v4("198.51.100.232"));
    age(book, kT0, rec);  // 2001:db8:1::1 dormant
    (void)rec.take();
    CHECK(book.counts() == PoolCounts{2, 1, 255 - 1 - 3});

    // A static map takes .229 and the prefix 2001:db8:1::/64 (a dormant
    // lease's host); .10 is no longer excluded.
    book.set_exclusions({p4("198.51.100.229/32")}, {p6("2001:db8:1::/64")}, rec);
    CHECK(rec.take() == std::vector<PoolEvent>{
                            {PoolEventKind::Revoked, v4("198.51.100.229"), v6("2001:db8::ffff:ffff"), {}},
                            {PoolEventKind::Revoked, v4("198.51.100.232"), v6("2001:db8:1::1"), {}},
                        });
    CHECK(book.excluded4() == OffsetRuns{{229, 229}});
    REQUIRE(book.leases().size() == 1);
    CHECK(book.leases()[0].v4 == v4("198.51.100.80"));
    CHECK(book.counts() == PoolCounts{1, 0, 255 - 1 - 1});
    CHECK(book.free().contains(10));
    CHECK_FALSE(book.free().contains(229));
    // The revoked host of the kept IPv6 space leases again elsewhere.
    CHECK(assign(book, "2001:db8::ffff:ffff", kT0, rec) == v4("198.51.100.230"));
}

TEST_CASE("lease book: restore() keeps what TAYGA's loader keeps, in its words", "[addr][lease][persist]") {
    auto book = make_book("198.51.100.0/24", {p4("198.51.100.5/32")}, {p6("2001:db8:5::/64")});
    const std::int64_t now = kT0;
    const std::vector<LeaseRecord> records{
        {v4("198.51.100.80"), v6("2001:db8::69"), now - kDynMinLease, 1},      // active (just)
        {v4("198.51.100.81"), v6("2001:db8::70"), now - kDynMinLease - 1, 2},  // dormant
        {v4("198.51.100.82"), v6("2001:db8::71"), now + 500, 3},               // future: now
        {v4("192.0.2.1"), v6("2001:db8::72"), now, 4},
        {v4("198.51.100.0"), v6("2001:db8::73"), now, 5},
        {v4("198.51.100.5"), v6("2001:db8::74"), now, 6},
        {v4("198.51.100.83"), v6("fe80::1"), now, 7},
        {v4("198.51.100.84"), v6("2001:db8:5::1"), now, 8},
        {v4("198.51.100.80"), v6("2001:db8::75"), now, 9},
        {v4("198.51.100.85"), v6("2001:db8::69"), now, 10},
    };
    const LoadReport report = book.restore(records, "dynamic.map", now);
    CHECK(report.loaded == 3);
    CHECK(report.messages == std::vector<std::string>{
                                 "dynamic.map:4: ignoring map for 192.0.2.1 that lies outside dynamic pool prefix "
                                 "198.51.100.0/24",
                                 "dynamic.map:5: ignoring map for 198.51.100.0, the lowest address of the pool, "
                                 "which is never assigned",
                                 "dynamic.map:6: ignoring map for 198.51.100.5 that conflicts with "
                                 "statically-configured map or ipv4-addr",
                                 "dynamic.map:7: ignoring map for 198.51.100.83 with invalid IPv6 address fe80::1",
                                 "dynamic.map:8: ignoring map for 2001:db8:5::1 that conflicts with "
                                 "statically-configured map or prefix",
                                 "dynamic.map:9: ignoring duplicate map for 198.51.100.80",
                                 "dynamic.map:10: ignoring duplicate map for 2001:db8::69",
                                 "dynamic.map: note: maps dated in the future were taken as used now",
                             });
    const auto leases = book.leases();
    REQUIRE(leases.size() == 3);
    CHECK((leases[0].v4 == v4("198.51.100.82") && leases[0].last_use == now && leases[0].active));
    CHECK((leases[1].v4 == v4("198.51.100.80") && leases[1].active));
    CHECK((leases[2].v4 == v4("198.51.100.81") && !leases[2].active));
    CHECK(book.counts() == PoolCounts{2, 1, 255 - 1 - 3});
    // A restored dormant lease goes back to its host.
    Recorded rec;
    CHECK(assign(book, "2001:db8::70", now + 1, rec) == v4("198.51.100.81"));
    CHECK(rec.take().front().kind == PoolEventKind::Reactivated);
}

TEST_CASE("lease book: leases() lists the most recently used first, ties by address", "[addr][lease]") {
    Recorded rec;
    auto book = make_book("198.51.100.0/24");
    CHECK(assign(book, "2001:db8::ffff:ffff", kT0, rec) == v4("198.51.100.229"));
    CHECK(assign(book, "2001:db8::69", kT0, rec) == v4("198.51.100.80"));
    CHECK(assign(book, "2001:db8::1234:5678", kT0 + 5, rec) == v4("198.51.100.251"));
    const auto leases = book.leases();
    REQUIRE(leases.size() == 3);
    CHECK(leases[0].v4 == v4("198.51.100.251"));
    CHECK(leases[1].v4 == v4("198.51.100.80"));
    CHECK(leases[2].v4 == v4("198.51.100.229"));
}
