// RFC 7757 explicit address mappings: MapTable.
#include <catch2/catch.hpp>

#include "support/addrs.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "addr/map_table.hpp"

using nat64d::Ipv4Addr;
using nat64d::Ipv6Addr;
using nat64d::MapEntry;
using nat64d::Prefix4;
using nat64d::Prefix6;
using nat64d::addr::MapTable;

namespace {

using nat64d::test::v4;
using nat64d::test::v6;

MapEntry entry(const char* p4, const char* p6, const char* file = "", unsigned line = 0) {
    const auto a = nat64d::parse_prefix4(p4);
    const auto b = nat64d::parse_prefix6(p6);
    REQUIRE(a);
    REQUIRE(b);
    return MapEntry{*a, *b, nat64d::SourcePos{file, line}};
}

// RFC 7757 §3.2 Figure 1 rows whose suffix lengths are equal (#1, #2, #3, #6);
// #4 and #5 have longer IPv6 suffixes, which MapTable refuses (see below).
MapTable rfc7757_table() {
    MapTable t;
    REQUIRE(t.add(entry("192.0.2.1", "2001:db8:aaaa::")).ok());          // #1, implicit /32 /128
    REQUIRE(t.add(entry("192.0.2.2/32", "2001:db8:bbbb::b/128")).ok());  // #2
    REQUIRE(t.add(entry("192.0.2.16/28", "2001:db8:cccc::/124")).ok());  // #3
    REQUIRE(t.add(entry("192.0.2.224/31", "64:ff9b::/127")).ok());       // #6
    return t;
}

}  // namespace

TEST_CASE("RFC 7757 App. B: EAM vectors both directions", "[addr][eam]") {
    const MapTable t = rfc7757_table();
    struct Vec {
        const char* a4;
        const char* a6;
    };
    const Vec vecs[] = {
        {"192.0.2.1", "2001:db8:aaaa::"},                                                                       // #1
        {"192.0.2.2", "2001:db8:bbbb::b"},                                                                      // #2
        {"192.0.2.16", "2001:db8:cccc::"},                                                                      // #3
        {"192.0.2.24", "2001:db8:cccc::8"}, {"192.0.2.31", "2001:db8:cccc::f"}, {"192.0.2.225", "64:ff9b::1"},  // #6
        {"192.0.2.224", "64:ff9b::"},
    };
    for (const Vec& v : vecs) {
        INFO(v.a4 << " <-> " << v.a6);
        CHECK(t.map_4to6(v4(v.a4)) == std::optional<Ipv6Addr>{v6(v.a6)});
        CHECK(t.map_6to4(v6(v.a6)) == std::optional<Ipv4Addr>{v4(v.a4)});
    }
}

TEST_CASE("RFC 7757 §3.3.1/§3.3.2: no match gives nullopt (RFC 6052 applies)", "[addr][eam]") {
    const MapTable t = rfc7757_table();
    CHECK_FALSE(t.map_4to6(v4("192.0.2.248")));  // RFC 7757 App. B: translated by RFC 6052
    CHECK_FALSE(t.map_4to6(v4("192.0.2.0")));
    CHECK_FALSE(t.map_4to6(v4("192.0.2.3")));
    CHECK_FALSE(t.map_4to6(v4("192.0.2.15")));
    CHECK_FALSE(t.map_4to6(v4("192.0.2.32")));
    CHECK_FALSE(t.map_4to6(v4("192.0.2.226")));
    CHECK_FALSE(t.map_6to4(v6("2001:db8:aaaa::1")));
    CHECK_FALSE(t.map_6to4(v6("2001:db8:bbbb::a")));
    CHECK_FALSE(t.map_6to4(v6("2001:db8:cccc::10")));
    CHECK_FALSE(t.map_6to4(v6("64:ff9b::2")));
    CHECK_FALSE(t.map_6to4(v6("64:ff9b::c000:2f8")));
    CHECK(t.find4(v4("192.0.2.248")) == nullptr);
    CHECK(t.find6(v6("2001:db8::1")) == nullptr);

    const MapTable empty;
    CHECK(empty.empty());
    CHECK_FALSE(empty.map_4to6(v4("192.0.2.1")));
    CHECK_FALSE(empty.map_6to4(v6("2001:db8:aaaa::")));
}

TEST_CASE("RFC 7757 §3.3: subnet maps carry the host bits", "[addr][eam]") {
    MapTable t;
    REQUIRE(t.add(entry("198.51.100.0/24", "2001:db8:1::/120")).ok());
    REQUIRE(t.add(entry("203.0.113.128/25", "2001:db8:2::ff80/121")).ok());
    CHECK(t.map_4to6(v4("198.51.100.77")) == std::optional<Ipv6Addr>{v6("2001:db8:1::4d")});
    CHECK(t.map_6to4(v6("2001:db8:1::4d")) == std::optional<Ipv4Addr>{v4("198.51.100.77")});
    CHECK(t.map_4to6(v4("198.51.100.255")) == std::optional<Ipv6Addr>{v6("2001:db8:1::ff")});
    // A /121 whose IPv6 prefix has its last bit set: the prefix bit survives.
    CHECK(t.map_4to6(v4("203.0.113.129")) == std::optional<Ipv6Addr>{v6("2001:db8:2::ff81")});
    CHECK(t.map_6to4(v6("2001:db8:2::ffff")) == std::optional<Ipv4Addr>{v4("203.0.113.255")});
    CHECK_FALSE(t.map_6to4(v6("2001:db8:2::ff7f")));
}

TEST_CASE("RFC 7757 §3.3: 0.0.0.0/0 maps to a /96 with all 32 bits carried", "[addr][eam]") {
    MapTable t;
    REQUIRE(t.add(entry("0.0.0.0/0", "2001:db8:ff::/96")).ok());
    CHECK(t.map_4to6(v4("203.0.113.5")) == std::optional<Ipv6Addr>{v6("2001:db8:ff::cb00:7105")});
    CHECK(t.map_6to4(v6("2001:db8:ff::cb00:7105")) == std::optional<Ipv4Addr>{v4("203.0.113.5")});
    CHECK(t.map_4to6(v4("255.255.255.255")) == std::optional<Ipv6Addr>{v6("2001:db8:ff::ffff:ffff")});
    CHECK_FALSE(t.map_6to4(v6("2001:db8:ff:0:0:1::1")));
}

TEST_CASE("map: find4/find6 return the longest matching entry with its position", "[addr][eam]") {
    MapTable t;
    // Disjoint entries sharing trie paths: 192.0.2.0/25, .128/26, .192/32.
    REQUIRE(t.add(entry("192.0.2.0/25", "2001:db8::100/121", "a.conf", 1)).ok());
    REQUIRE(t.add(entry("192.0.2.128/26", "2001:db8::200/122", "a.conf", 2)).ok());
    REQUIRE(t.add(entry("192.0.2.192", "2001:db8::300", "a.conf", 3)).ok());
    REQUIRE(t.entries().size() == 3);
    const MapEntry* e = t.find4(v4("192.0.2.130"));
    REQUIRE(e != nullptr);
    CHECK(e->pos.line == 2);
    e = t.find4(v4("192.0.2.192"));
    REQUIRE(e != nullptr);
    CHECK(e->pos.line == 3);
    CHECK(t.find4(v4("192.0.2.193")) == nullptr);
    e = t.find6(v6("2001:db8::17f"));
    REQUIRE(e != nullptr);
    CHECK(e->pos.line == 1);
    CHECK(t.map_6to4(v6("2001:db8::23f")) == std::optional<Ipv4Addr>{v4("192.0.2.191")});
    CHECK(t.find6(v6("2001:db8::240")) == nullptr);
}

TEST_CASE("map: suffix lengths must be equal (RFC 7757 Figure 1 #4, #5 refused)", "[addr][eam]") {
    MapTable t;
    const auto s4 = t.add(entry("192.0.2.128/26", "2001:db8:dddd::/64"));
    REQUIRE_FALSE(s4.ok());
    CHECK(s4.error() ==
          "map 192.0.2.128/26 2001:db8:dddd::/64: suffix lengths differ "
          "(/26 leaves 6 host bits, /64 leaves 64)");
    const auto s5 = t.add(entry("192.0.2.192/29", "2001:db8:eeee:8::/62"));
    REQUIRE_FALSE(s5.ok());
    CHECK(s5.error() ==
          "map 192.0.2.192/29 2001:db8:eeee:8::/62: suffix lengths differ "
          "(/29 leaves 3 host bits, /62 leaves 66)");
    const auto s6 = t.add(entry("192.0.2.1", "2001:db8::/127"));
    REQUIRE_FALSE(s6.ok());
    CHECK(s6.error() ==
          "map 192.0.2.1/32 2001:db8::/127: suffix lengths differ "
          "(/32 leaves 0 host bits, /127 leaves 1)");
    CHECK(t.empty());
}

TEST_CASE("map: an identical IPv4 side or overlapping IPv6 sides are refused, citing the earlier file:line (TAYGA)",
          "[addr][eam]") {
    MapTable t;
    REQUIRE(t.add(entry("192.0.2.1", "2001:db8:aaaa::", "/etc/tayga.conf", 12)).ok());
    REQUIRE(t.add(entry("198.51.100.0/24", "2001:db8:1::/120", "/etc/tayga.conf", 13)).ok());

    SECTION("identical IPv4 side") {
        const auto s = t.add(entry("192.0.2.1", "2001:db8:9::1"));
        REQUIRE_FALSE(s.ok());
        CHECK(s.error() ==
              "map 192.0.2.1/32 2001:db8:9::1/128 conflicts with map 192.0.2.1/32 2001:db8:aaaa::/128 "
              "at /etc/tayga.conf:12");
    }
    SECTION("identical IPv4 subnet") {
        const auto s = t.add(entry("198.51.100.0/24", "2001:db8:9::/120"));
        REQUIRE_FALSE(s.ok());
        CHECK(s.error() ==
              "map 198.51.100.0/24 2001:db8:9::/120 conflicts with map 198.51.100.0/24 2001:db8:1::/120 "
              "at /etc/tayga.conf:13");
    }
    SECTION("IPv6 side inside an existing IPv6 side") {
        const auto s = t.add(entry("203.0.113.1", "2001:db8:1::80"));
        REQUIRE_FALSE(s.ok());
        CHECK(s.error() ==
              "map 203.0.113.1/32 2001:db8:1::80/128 overlaps map 198.51.100.0/24 2001:db8:1::/120 "
              "at /etc/tayga.conf:13");
    }
    SECTION("IPv6 side contains an existing IPv6 side") {
        const auto s = t.add(entry("10.1.0.0/16", "2001:db8:1::/112"));
        REQUIRE_FALSE(s.ok());
        CHECK(s.error() ==
              "map 10.1.0.0/16 2001:db8:1::/112 overlaps map 198.51.100.0/24 2001:db8:1::/120 "
              "at /etc/tayga.conf:13");
    }
    SECTION("IPv6 /127 contains an existing /128") {
        const auto s = t.add(entry("203.0.113.0/31", "2001:db8:aaaa::/127"));
        REQUIRE_FALSE(s.ok());
        CHECK(s.error() ==
              "map 203.0.113.0/31 2001:db8:aaaa::/127 overlaps map 192.0.2.1/32 2001:db8:aaaa::/128 "
              "at /etc/tayga.conf:12");
    }
    SECTION("both sides clash: the IPv4 clash is reported") {
        const auto s = t.add(entry("192.0.2.1", "2001:db8:1::5"));
        REQUIRE_FALSE(s.ok());
        CHECK(s.error() ==
              "map 192.0.2.1/32 2001:db8:1::5/128 conflicts with map 192.0.2.1/32 2001:db8:aaaa::/128 "
              "at /etc/tayga.conf:12");
    }
    // A refused entry leaves the table as it was.
    CHECK(t.entries().size() == 2);
    CHECK(t.map_4to6(v4("192.0.2.1")) == std::optional<Ipv6Addr>{v6("2001:db8:aaaa::")});
    CHECK(t.map_6to4(v6("2001:db8:1::80")) == std::optional<Ipv4Addr>{v4("198.51.100.128")});
    CHECK_FALSE(t.map_4to6(v4("203.0.113.1")));
    CHECK_FALSE(t.map_4to6(v4("192.0.2.2")));
}

TEST_CASE("RFC 7757 §3.3: nested IPv4 sides, the longest match wins in both directions (TAYGA)", "[addr][eam]") {
    MapTable t;
    // Added outer to inner and inner to outer: the order must not matter.
    const bool inner_first = GENERATE(false, true);
    const MapEntry outer = entry("198.51.0.0/16", "2001:db8:16::/112", "a.conf", 1);
    const MapEntry middle = entry("198.51.100.0/24", "2001:db8:24::/120", "a.conf", 2);
    const MapEntry host = entry("198.51.100.7", "2001:db8:32::7", "a.conf", 3);
    if (inner_first) {
        REQUIRE(t.add(host).ok());
        REQUIRE(t.add(middle).ok());
        REQUIRE(t.add(outer).ok());
    } else {
        REQUIRE(t.add(outer).ok());
        REQUIRE(t.add(middle).ok());
        REQUIRE(t.add(host).ok());
    }
    // 4->6: the /32, then the /24, then the /16.
    CHECK(t.map_4to6(v4("198.51.100.7")) == std::optional<Ipv6Addr>{v6("2001:db8:32::7")});
    CHECK(t.map_4to6(v4("198.51.100.8")) == std::optional<Ipv6Addr>{v6("2001:db8:24::8")});
    CHECK(t.map_4to6(v4("198.51.7.9")) == std::optional<Ipv6Addr>{v6("2001:db8:16::709")});
    CHECK_FALSE(t.map_4to6(v4("198.52.0.1")));
    REQUIRE(t.find4(v4("198.51.100.7")) != nullptr);
    CHECK(t.find4(v4("198.51.100.7"))->pos.line == 3);
    CHECK(t.find4(v4("198.51.100.255"))->pos.line == 2);
    CHECK(t.find4(v4("198.51.0.0"))->pos.line == 1);
    // 6->4: each IPv6 side maps back into its own IPv4 side.
    CHECK(t.map_6to4(v6("2001:db8:32::7")) == std::optional<Ipv4Addr>{v4("198.51.100.7")});
    CHECK(t.map_6to4(v6("2001:db8:24::8")) == std::optional<Ipv4Addr>{v4("198.51.100.8")});
    CHECK(t.map_6to4(v6("2001:db8:16::709")) == std::optional<Ipv4Addr>{v4("198.51.7.9")});
    // The addresses the inner entries cover are reached through the outer
    // ones' IPv6 sides only in the 6->4 direction (RFC 7757 §5 asymmetry).
    CHECK(t.map_6to4(v6("2001:db8:24::7")) == std::optional<Ipv4Addr>{v4("198.51.100.7")});
    CHECK(t.entries().size() == 3);
}

TEST_CASE("map: clash message omits the position when it is unknown", "[addr][eam]") {
    MapTable t;
    REQUIRE(t.add(entry("192.0.2.1", "2001:db8:aaaa::")).ok());
    const auto s = t.add(entry("192.0.2.1", "2001:db8:bbbb::"));
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == "map 192.0.2.1/32 2001:db8:bbbb::/128 conflicts with map 192.0.2.1/32 2001:db8:aaaa::/128");
}

TEST_CASE("map: trie lookups agree with a linear reference on random tables", "[addr][eam]") {
    std::mt19937 rng(7757);
    std::size_t accepted = 0;
    std::size_t refused = 0;
    for (int round = 0; round < 20; ++round) {
        MapTable t;
        std::vector<MapEntry> ref;
        for (int i = 0; i < 200; ++i) {
            // Addresses drawn from a small space so that overlaps happen.
            const auto host = static_cast<unsigned>(rng() % 9);  // 0..8 host bits
            const Prefix4 p4{nat64d::mask(Ipv4Addr::from_u32(0xc0000000u | (rng() & 0x0fffu)), 32 - host), 32 - host};
            Ipv6Addr a6 = v6("2001:db8::");
            a6.bytes[14] = static_cast<std::uint8_t>(rng() & 0x0f);
            a6.bytes[15] = static_cast<std::uint8_t>(rng());
            const Prefix6 p6{nat64d::mask(a6, 128 - host), 128 - host};
            const MapEntry e{p4, p6, {}};
            bool clash = false;
            for (const MapEntry& r : ref) clash = clash || r.v4 == p4 || r.v6.overlaps(p6);
            const auto s = t.add(e);
            CHECK(s.ok() == !clash);
            if (s.ok()) ref.push_back(e);
            ++(s.ok() ? accepted : refused);
        }
        REQUIRE(t.entries().size() == ref.size());
        for (int i = 0; i < 2000; ++i) {
            const Ipv4Addr a = Ipv4Addr::from_u32(0xc0000000u | (rng() & 0x0fffu));
            // Longest-prefix match, by a linear scan.
            const MapEntry* want = nullptr;
            for (const MapEntry& r : ref) {
                if (r.v4.contains(a) && (want == nullptr || r.v4.len > want->v4.len)) want = &r;
            }
            const MapEntry* got = t.find4(a);
            REQUIRE((got == nullptr) == (want == nullptr));
            if (got != nullptr) {
                CHECK(*got == *want);
                const auto m = t.map_4to6(a);
                REQUIRE(m);
                CHECK(want->v6.contains(*m));
                CHECK(t.map_6to4(*m) == std::optional<Ipv4Addr>{a});
            }
        }
    }
    // The generator must exercise both outcomes of add().
    CHECK(accepted > 500);
    CHECK(refused > 500);
}

namespace {

// Seven IPv4 sides nested in one another (/0 around /24 around ... /32),
// each with an IPv6 side of its own.
const char* const kNested[][2] = {
    {"0.0.0.0/0", "2001:db8:ff::/96"},      {"192.0.2.0/24", "2001:db8:24::/120"},
    {"192.0.2.0/25", "2001:db8:25::/121"},  {"192.0.2.0/26", "2001:db8:26::/122"},
    {"192.0.2.0/28", "2001:db8:28::/124"},  {"192.0.2.0/30", "2001:db8:30::/126"},
    {"192.0.2.1/32", "2001:db8:32::1/128"},
};

// Every lookup the nested table answers in the test below, as one string.
std::string nested_lookups(const MapTable& t) {
    const char* const a4s[] = {"192.0.2.1",   "192.0.2.0",   "192.0.2.2",  "192.0.2.3",   "192.0.2.4",
                               "192.0.2.15",  "192.0.2.16",  "192.0.2.63", "192.0.2.64",  "192.0.2.127",
                               "192.0.2.128", "192.0.2.255", "192.0.3.0",  "203.0.113.9", "0.0.0.0"};
    const char* const a6s[] = {"2001:db8:32::1",        "2001:db8:32::",          "2001:db8:30::3",
                               "2001:db8:30::4",        "2001:db8:28::f",         "2001:db8:28::10",
                               "2001:db8:26::3f",       "2001:db8:26::40",        "2001:db8:25::7f",
                               "2001:db8:25::80",       "2001:db8:24::ff",        "2001:db8:24::100",
                               "2001:db8:ff::c000:201", "2001:db8:ff::cb00:7109", "2001:db8:ff:0:0:1::"};
    std::string out;
    for (const char* a : a4s) {
        const auto m = t.map_4to6(v4(a));
        out += std::string(a) + " -> " + (m ? nat64d::to_string(*m) : "none") + "\n";
    }
    for (const char* a : a6s) {
        const auto m = t.map_6to4(v6(a));
        out += std::string(a) + " -> " + (m ? nat64d::to_string(*m) : "none") + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("RFC 7757 §3.3: longest match over seven nested IPv4 lengths, whatever the order of the adds",
          "[addr][eam]") {
    const std::string want =
        "192.0.2.1 -> 2001:db8:32::1\n"  // the /32
        "192.0.2.0 -> 2001:db8:30::\n"   // the /30 around it
        "192.0.2.2 -> 2001:db8:30::2\n"
        "192.0.2.3 -> 2001:db8:30::3\n"
        "192.0.2.4 -> 2001:db8:28::4\n"  // the /28
        "192.0.2.15 -> 2001:db8:28::f\n"
        "192.0.2.16 -> 2001:db8:26::10\n"  // the /26
        "192.0.2.63 -> 2001:db8:26::3f\n"
        "192.0.2.64 -> 2001:db8:25::40\n"  // the /25
        "192.0.2.127 -> 2001:db8:25::7f\n"
        "192.0.2.128 -> 2001:db8:24::80\n"  // the /24
        "192.0.2.255 -> 2001:db8:24::ff\n"
        "192.0.3.0 -> 2001:db8:ff::c000:300\n"  // the /0
        "203.0.113.9 -> 2001:db8:ff::cb00:7109\n"
        "0.0.0.0 -> 2001:db8:ff::\n"
        // 6->4: each IPv6 side maps into its own IPv4 side, up to its last address.
        "2001:db8:32::1 -> 192.0.2.1\n"
        "2001:db8:32:: -> none\n"
        "2001:db8:30::3 -> 192.0.2.3\n"
        "2001:db8:30::4 -> none\n"
        "2001:db8:28::f -> 192.0.2.15\n"
        "2001:db8:28::10 -> none\n"
        "2001:db8:26::3f -> 192.0.2.63\n"
        "2001:db8:26::40 -> none\n"
        "2001:db8:25::7f -> 192.0.2.127\n"
        "2001:db8:25::80 -> none\n"
        "2001:db8:24::ff -> 192.0.2.255\n"
        "2001:db8:24::100 -> none\n"
        // The /0's /96 reaches the addresses of the inner entries too (RFC 7757 §5).
        "2001:db8:ff::c000:201 -> 192.0.2.1\n"
        "2001:db8:ff::cb00:7109 -> 203.0.113.9\n"
        "2001:db8:ff:0:0:1:: -> none\n";
    std::vector<int> order{0, 1, 2, 3, 4, 5, 6};
    std::size_t orders = 0;
    do {
        MapTable t;
        for (const int i : order) REQUIRE(t.add(entry(kNested[i][0], kNested[i][1])).ok());
        INFO("order " << order[0] << order[1] << order[2] << order[3] << order[4] << order[5] << order[6]);
        REQUIRE(nested_lookups(t) == want);
        ++orders;
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK(orders == 5040);
}

TEST_CASE("RFC 7757 §3.3: 0.0.0.0/0 beside the first and the last IPv4 host", "[addr][eam]") {
    MapTable t;
    REQUIRE(t.add(entry("0.0.0.0/32", "2001:db8:1::", "b.conf", 1)).ok());
    REQUIRE(t.add(entry("255.255.255.255/32", "2001:db8:2::ffff:ffff", "b.conf", 2)).ok());
    REQUIRE(t.add(entry("0.0.0.0/0", "2001:db8:ff::/96", "b.conf", 3)).ok());
    CHECK(t.map_4to6(v4("0.0.0.0")) == std::optional<Ipv6Addr>{v6("2001:db8:1::")});
    CHECK(t.map_4to6(v4("0.0.0.1")) == std::optional<Ipv6Addr>{v6("2001:db8:ff::1")});
    CHECK(t.map_4to6(v4("255.255.255.255")) == std::optional<Ipv6Addr>{v6("2001:db8:2::ffff:ffff")});
    CHECK(t.map_4to6(v4("255.255.255.254")) == std::optional<Ipv6Addr>{v6("2001:db8:ff::ffff:fffe")});
    CHECK(t.map_6to4(v6("2001:db8:2::ffff:ffff")) == std::optional<Ipv4Addr>{v4("255.255.255.255")});
    CHECK(t.map_6to4(v6("2001:db8:ff::")) == std::optional<Ipv4Addr>{v4("0.0.0.0")});
    CHECK_FALSE(t.map_6to4(v6("2001:db8:2::ffff:fffe")));
    REQUIRE(t.find4(v4("198.51.100.1")) != nullptr);
    CHECK(t.find4(v4("198.51.100.1"))->pos.line == 3);
    CHECK(t.find6(v6("2001:db8:1::"))->pos.line == 1);

    // A second /0, and an IPv6 side inside the /0's /96: refused.
    const auto twice = t.add(entry("0.0.0.0/0", "2001:db8:fe::/96"));
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error() == "map 0.0.0.0/0 2001:db8:fe::/96 conflicts with map 0.0.0.0/0 2001:db8:ff::/96 at b.conf:3");
    const auto inside = t.add(entry("192.0.2.1", "2001:db8:ff::c000:201"));
    REQUIRE_FALSE(inside.ok());
    CHECK(inside.error() ==
          "map 192.0.2.1/32 2001:db8:ff::c000:201/128 overlaps map 0.0.0.0/0 2001:db8:ff::/96 at b.conf:3");
    CHECK(t.entries().size() == 3);
}

TEST_CASE("map: an IPv6 side around several existing ones cites the lowest of them, whatever the order of the adds",
          "[addr][eam]") {
    const bool low_first = GENERATE(false, true);
    MapTable t;
    const MapEntry low = entry("192.0.2.3", "2001:db8:ff::3", "c.conf", 1);
    const MapEntry high = entry("192.0.2.5", "2001:db8:ff::5", "c.conf", 2);
    REQUIRE(t.add(low_first ? low : high).ok());
    REQUIRE(t.add(low_first ? high : low).ok());
    const auto s = t.add(entry("0.0.0.0/0", "2001:db8:ff::/96"));
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == "map 0.0.0.0/0 2001:db8:ff::/96 overlaps map 192.0.2.3/32 2001:db8:ff::3/128 at c.conf:1");
    const auto s2 = t.add(entry("192.0.2.4/31", "2001:db8:ff::4/127"));
    REQUIRE_FALSE(s2.ok());
    CHECK(s2.error() == "map 192.0.2.4/31 2001:db8:ff::4/127 overlaps map 192.0.2.5/32 2001:db8:ff::5/128 at c.conf:2");
}

TEST_CASE("map: lookups over all IPv4 lengths /0../32 agree with a linear reference, in any order of the adds",
          "[addr][eam]") {
    std::mt19937 rng(6052);
    for (int round = 0; round < 20; ++round) {
        // Up to 64 entries around addresses of 192.0.2.0/24, of any length:
        // deep nesting, repeated IPv4 sides refused. The IPv6 sides are
        // disjoint (one /48 each).
        std::vector<MapEntry> ref;
        for (unsigned i = 0; i < 64; ++i) {
            const auto len = static_cast<unsigned>(rng() % 33);
            const Prefix4 p4{nat64d::mask(Ipv4Addr::from_u32(0xc0000200u | (rng() & 0xffu)), len), len};
            Ipv6Addr a6 = v6("2001:db8::");
            a6.bytes[4] = static_cast<std::uint8_t>(i);
            const Prefix6 p6{a6, 96 + len};
            bool clash = false;
            for (const MapEntry& r : ref) clash = clash || r.v4 == p4;
            if (!clash) ref.push_back(MapEntry{p4, p6, {}});
        }
        std::vector<MapEntry> shuffled = ref;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        MapTable a;
        MapTable b;
        for (const MapEntry& e : ref) REQUIRE(a.add(e).ok());
        for (const MapEntry& e : shuffled) REQUIRE(b.add(e).ok());
        for (int i = 0; i < 1000; ++i) {
            // Mostly inside 192.0.2.0/24, sometimes anywhere.
            const auto r = static_cast<std::uint32_t>(rng());
            const Ipv4Addr addr = Ipv4Addr::from_u32(i % 4 == 0 ? r : 0xc0000200u | (r & 0xffu));
            const MapEntry* want = nullptr;
            for (const MapEntry& e : ref) {
                if (e.v4.contains(addr) && (want == nullptr || e.v4.len > want->v4.len)) want = &e;
            }
            const MapEntry* got_a = a.find4(addr);
            const MapEntry* got_b = b.find4(addr);
            REQUIRE((got_a == nullptr) == (want == nullptr));
            REQUIRE((got_b == nullptr) == (want == nullptr));
            if (want == nullptr) continue;
            CHECK(*got_a == *want);
            CHECK(*got_b == *want);
            const auto m = a.map_4to6(addr);
            REQUIRE(m);
            CHECK(b.map_4to6(addr) == m);
            CHECK(want->v6.contains(*m));
            CHECK(a.map_6to4(*m) == std::optional<Ipv4Addr>{addr});
            CHECK(b.map_6to4(*m) == std::optional<Ipv4Addr>{addr});
            REQUIRE(a.find6(*m) != nullptr);
            CHECK(*a.find6(*m) == *want);
        }
    }
}
