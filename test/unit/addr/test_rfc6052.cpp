// RFC 6052 codec and the RFC 6052 §3.1 global-address rule (TAYGA's list).
#include <catch2/catch.hpp>

#include "support/addrs.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "addr/rfc6052.hpp"

using nat64d::Ipv4Addr;
using nat64d::Ipv6Addr;
using nat64d::Prefix6;
namespace addr = nat64d::addr;

namespace {

using nat64d::test::p6;
using nat64d::test::v4;
using nat64d::test::v6;

struct Row {
    const char* prefix;
    const char* rfc_text;  // as printed in RFC 6052 §2.4
    std::array<std::uint8_t, 16> bytes;
};

// RFC 6052 §2.4 Table 1/2: 192.0.2.33 under each prefix.
const std::array<Row, 7> kRfc6052Table{{
    {"2001:db8::/32", "2001:db8:c000:221::", {0x20, 0x01, 0x0d, 0xb8, 0xc0, 0x00, 0x02, 0x21, 0, 0, 0, 0, 0, 0, 0, 0}},
    {"2001:db8:100::/40",
     "2001:db8:1c0:2:21::",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0xc0, 0x00, 0x02, 0x00, 0x21, 0, 0, 0, 0, 0, 0}},
    {"2001:db8:122::/48",
     "2001:db8:122:c000:2:2100::",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0xc0, 0x00, 0x00, 0x02, 0x21, 0, 0, 0, 0, 0}},
    {"2001:db8:122:300::/56",
     "2001:db8:122:3c0:0:221::",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0xc0, 0x00, 0x00, 0x02, 0x21, 0, 0, 0, 0}},
    {"2001:db8:122:344::/64",
     "2001:db8:122:344:c0:2:2100::",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44, 0x00, 0xc0, 0x00, 0x02, 0x21, 0, 0, 0}},
    {"2001:db8:122:344::/96",
     "2001:db8:122:344::192.0.2.33",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x21}},
    {"64:ff9b::/96", "64:ff9b::192.0.2.33", {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x21}},
}};

}  // namespace

TEST_CASE("RFC 6052 §2.4: embed 192.0.2.33 under every prefix length", "[addr][rfc6052]") {
    for (const Row& row : kRfc6052Table) {
        INFO(row.prefix);
        const Ipv6Addr got = addr::embed(p6(row.prefix), v4("192.0.2.33"));
        CHECK(got.bytes == row.bytes);
        // The RFC's own text parses to the same 16 bytes.
        CHECK(v6(row.rfc_text).bytes == row.bytes);
    }
}

TEST_CASE("RFC 6052 §2.4: extract 192.0.2.33 from every prefix length", "[addr][rfc6052]") {
    for (const Row& row : kRfc6052Table) {
        INFO(row.prefix);
        CHECK(addr::extract(p6(row.prefix), Ipv6Addr{row.bytes}) == v4("192.0.2.33"));
    }
}

TEST_CASE("RFC 6052 §2.2: embed writes a zero u octet and a zero suffix", "[addr][rfc6052]") {
    // 255.255.255.255 makes every IPv4 bit one, so any stray bit shows.
    const Ipv6Addr got = addr::embed(p6("2001:db8::/32"), v4("255.255.255.255"));
    const std::array<std::uint8_t, 16> want{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(got.bytes == want);
    const Ipv6Addr got64 = addr::embed(p6("2001:db8:122:344::/64"), v4("255.255.255.255"));
    const std::array<std::uint8_t, 16> want64{0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44,
                                              0x00, 0xff, 0xff, 0xff, 0xff, 0,    0,    0};
    CHECK(got64.bytes == want64);
}

TEST_CASE("RFC 6052 §2.2: extraction ignores a non-zero u octet and suffix bits", "[addr][rfc6052]") {
    for (const Row& row : kRfc6052Table) {
        const Prefix6 prefix = p6(row.prefix);
        if (prefix.len == 96) continue;  // /96 has neither u octet nor suffix
        INFO(row.prefix);
        Ipv6Addr dirty{row.bytes};
        dirty.bytes[8] = 0xff;  // u octet
        // Suffix: everything after the 32 IPv4 bits (plus the u octet).
        for (unsigned i = prefix.len / 8 + 5; i < 16; ++i) dirty.bytes[i] = 0xa5;
        CHECK(addr::extract(prefix, dirty) == v4("192.0.2.33"));
    }
}

TEST_CASE("RFC 6052 §2.2: embed/extract round trip for every length", "[addr][rfc6052]") {
    const std::array<const char*, 6> prefixes{"2001:db8::/32",         "2001:db8:100::/40",
                                              "2001:db8:122::/48",     "2001:db8:122:300::/56",
                                              "2001:db8:122:344::/64", "2001:db8:122:344::/96"};
    const std::array<const char*, 4> addrs{"0.0.0.0", "255.255.255.255", "198.51.100.7", "1.128.64.32"};
    for (const char* p : prefixes) {
        for (const char* a : addrs) {
            INFO(p << " " << a);
            const Prefix6 prefix = p6(p);
            const Ipv6Addr e = addr::embed(prefix, v4(a));
            CHECK(prefix.contains(e));
            CHECK(addr::extract(prefix, e) == v4(a));
        }
    }
}

TEST_CASE("RFC 6052 §2.2: legal prefix lengths are 32 40 48 56 64 96", "[addr][rfc6052]") {
    for (unsigned len = 0; len <= 128; ++len) {
        INFO(len);
        const bool want = len == 32 || len == 40 || len == 48 || len == 56 || len == 64 || len == 96;
        CHECK(addr::is_valid_rfc6052_len(len) == want);
    }
}

TEST_CASE("RFC 6052 §2.1 / RFC 8215 §5: only 64:ff9b::/96 is the well-known prefix", "[addr][rfc6052]") {
    CHECK(addr::is_well_known_prefix(p6("64:ff9b::/96")));
    CHECK_FALSE(addr::is_well_known_prefix(p6("64:ff9b:1::/48")));  // RFC 8215 local-use: an NSP
    CHECK_FALSE(addr::is_well_known_prefix(p6("64:ff9b:1::/96")));
    CHECK_FALSE(addr::is_well_known_prefix(p6("64:ff9b::/64")));
    CHECK_FALSE(addr::is_well_known_prefix(p6("64:ff9b::/32")));
    CHECK_FALSE(addr::is_well_known_prefix(p6("2001:db8:122:344::/96")));
}

TEST_CASE("RFC 6052 §3.1: is_global_ipv4 at every edge of TAYGA's non-global blocks", "[addr][rfc6052]") {
    struct Case {
        const char* a;
        bool global;
    };
    // For each block: the address just before, the first and last inside, the
    // address just after (omitted where it falls in a neighbouring block).
    const Case cases[] = {
        {"9.255.255.255", true},
        {"10.0.0.0", false},
        {"10.255.255.255", false},
        {"11.0.0.0", true},  // 10/8
        {"100.63.255.255", true},
        {"100.64.0.0", false},
        {"100.127.255.255", false},
        {"100.128.0.0", true},  // 100.64/10
        {"172.15.255.255", true},
        {"172.16.0.0", false},
        {"172.31.255.255", false},
        {"172.32.0.0", true},  // 172.16/12
        {"192.0.1.255", true},
        {"192.0.2.0", false},
        {"192.0.2.255", false},
        {"192.0.3.0", true},  // TEST-NET-1
        {"192.167.255.255", true},
        {"192.168.0.0", false},
        {"192.168.255.255", false},
        {"192.169.0.0", true},  // 192.168/16
        {"198.17.255.255", true},
        {"198.18.0.0", false},
        {"198.19.255.255", false},
        {"198.20.0.0", true},  // 198.18/15
        {"198.51.99.255", true},
        {"198.51.100.0", false},
        {"198.51.100.255", false},
        {"198.51.101.0", true},  // TEST-NET-2
        {"203.0.112.255", true},
        {"203.0.113.0", false},
        {"203.0.113.255", false},
        {"203.0.114.0", true},  // TEST-NET-3
        // Translated with the WKP, as TAYGA does: the 464XLAT CLAT range
        // (RFC 7335), the rest of 192.0.0.0/24, the 6to4 relay anycast block
        // and 240/4. (0/8, 127/8, 169.254/16, 224/4 and 255.255.255.255 are
        // refused by the address rules, addr/special.hpp, whatever the prefix.)
        {"192.0.0.1", true},
        {"192.0.0.2", true},
        {"192.0.0.7", true},
        {"192.0.0.170", true},
        {"192.88.99.1", true},
        {"240.0.0.1", true},
        {"192.31.196.1", true},
        {"192.52.193.1", true},
    };
    for (const Case& c : cases) {
        INFO(c.a);
        CHECK(addr::is_global_ipv4(v4(c.a)) == c.global);
    }
}
