// Address classes refused before any mapping (addr/special.hpp): the edges
// of every block, as TAYGA draws them.
#include <catch2/catch.hpp>

#include "support/addrs.hpp"

#include "addr/special.hpp"

namespace addr = nat64d::addr;
using nat64d::test::v4;
using nat64d::test::v6;

TEST_CASE("RFC 1812 §5.3.7: reserved IPv4 addresses at every block edge", "[addr][special]") {
    struct Case {
        const char* a;
        bool reserved;
    };
    const Case cases[] = {
        {"0.0.0.0", true},          {"0.0.0.1", true},          {"0.255.255.255", true}, {"1.0.0.0", false},
        {"126.255.255.255", false}, {"127.0.0.0", true},        {"127.0.0.1", true},     {"127.255.255.255", true},
        {"128.0.0.0", false},       {"223.255.255.255", false}, {"224.0.0.0", true},     {"224.0.0.1", true},
        {"239.255.255.255", true},  {"240.0.0.0", false},       {"240.0.0.1", false},    {"255.255.255.254", false},
        {"255.255.255.255", true},  {"169.254.0.1", false},     {"192.0.2.1", false},    {"198.51.100.1", false},
    };
    for (const Case& c : cases) {
        INFO(c.a);
        CHECK(addr::is_reserved_ipv4(v4(c.a)) == c.reserved);
    }
}

TEST_CASE("RFC 3927 §2.6.2: IPv4 link-local 169.254/16 at its edges", "[addr][special]") {
    CHECK_FALSE(addr::is_link_local_ipv4(v4("169.253.255.255")));
    CHECK(addr::is_link_local_ipv4(v4("169.254.0.0")));
    CHECK(addr::is_link_local_ipv4(v4("169.254.0.1")));
    CHECK(addr::is_link_local_ipv4(v4("169.254.255.255")));
    CHECK_FALSE(addr::is_link_local_ipv4(v4("169.255.0.0")));
    CHECK_FALSE(addr::is_link_local_ipv4(v4("192.0.2.1")));
}

TEST_CASE("RFC 4291 §2.4: reserved IPv6 addresses, 64:ff9b::/32 excepted", "[addr][special]") {
    struct Case {
        const char* a;
        bool reserved;
    };
    const Case cases[] = {
        {"::", true},
        {"::1", true},
        {"::ffff:192.0.2.1", true},
        {"0:ff::1", true},
        {"63:ffff::1", true},
        {"64:ff9a:ffff::1", true},
        {"64:ff9b::192.0.2.1", false},   // RFC 6052 well-known prefix
        {"64:ff9b:1::c000:201", false},  // RFC 8215 local-use prefix
        {"64:ff9b:ffff::1", false},
        {"64:ff9c::1", true},
        {"ff:ffff::1", true},
        {"100::1", false},
        {"2001:db8::1", false},
        {"3fff:6464::c000:201", false},
        {"fe7f:ffff::1", false},
        {"fe80::1", true},
        {"febf:ffff::1", true},
        {"fec0::1", false},
        {"fdff::1", false},
        {"ff00::", true},
        {"ff02::1", true},
        {"ffff:ffff::1", true},
    };
    for (const Case& c : cases) {
        INFO(c.a);
        CHECK(addr::is_reserved_ipv6(v6(c.a)) == c.reserved);
    }
}
