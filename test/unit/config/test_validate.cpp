// The validation pass: cross-field rules and defaults that depend on other
// settings.
#include "config_test_util.hpp"

using namespace nat64d;
using namespace nat64d::config;
using namespace nat64d::config::test;

TEST_CASE("validate: tun-device and ipv4-addr are required", "[config][validate]") {
    CHECK(tayga("ipv4-addr 192.0.2.1\nprefix 3fff:6464::/96\n").diag.errors ==
          Lines{"t.conf: no tun-device directive found"});
    CHECK(tayga("tun-device nat64\nprefix 3fff:6464::/96\nipv6-addr 2001:db8::1\n").diag.errors ==
          Lines{"t.conf: no ipv4-addr directive found"});
}

TEST_CASE("validate: an empty file reports everything missing", "[config][validate]") {
    CHECK(tayga("").diag.errors == Lines{
                                       "t.conf: no tun-device directive found",
                                       "t.conf: no ipv4-addr directive found",
                                       "t.conf: no translation maps or NAT64 prefix configured",
                                       "t.conf: ipv6-addr directive must be specified if no NAT64 prefix is configured",
                                   });
}

TEST_CASE("validate: a refused value is not reported again as missing", "[config][validate]") {
    const auto r = tayga("tun-device nat64\nipv4-addr bogus\nprefix 3fff:6464::/80\n");
    CHECK(r.diag.errors == Lines{
                               "t.conf:2: ipv4-addr: expected an IPv4 address but found 'bogus'",
                               "t.conf:3: prefix: prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052 §2.2) but "
                               "found /80",
                           });
}

TEST_CASE("validate: prefix or map is required (TAYGA)", "[config][validate]") {
    CHECK(tayga("tun-device nat64\nipv4-addr 192.0.2.1\nipv6-addr 2001:db8::1\n").diag.errors ==
          Lines{"t.conf: no translation maps or NAT64 prefix configured"});
    // Maps alone are enough when ipv6-addr is given.
    const auto maps_only =
        tayga("tun-device nat64\nipv4-addr 192.0.2.1\nipv6-addr 2001:db8::1\nmap 198.51.100.1 2001:db8:5::1\n");
    CHECK(maps_only.diag.errors.empty());
    REQUIRE(maps_only.cfg.has_value());
    CHECK_FALSE(maps_only.cfg->prefix.has_value());
    CHECK(maps_only.cfg->ipv6_addr == v6("2001:db8::1"));
    // A map-file holds map lines too.
    CHECK(tayga("tun-device nat64\nipv4-addr 192.0.2.1\nipv6-addr 2001:db8::1\nmap-file /etc/nat64d/maps\n")
              .diag.errors.empty());
}

TEST_CASE("validate: without a prefix ipv6-addr must be given (TAYGA)", "[config][validate]") {
    CHECK(tayga("tun-device nat64\nipv4-addr 192.0.2.1\nmap 198.51.100.1 2001:db8:5::1\n").diag.errors ==
          Lines{"t.conf: ipv6-addr directive must be specified if no NAT64 prefix is configured"});
}

TEST_CASE("validate: RFC 6052 §2.2 ipv6-addr default = prefix + ipv4-addr", "[config][validate][ipv6-addr]") {
    const Config c = good("");
    CHECK(c.ipv6_addr == v6("3fff:6464::c000:201"));
    CHECK(c.ipv6_addr_defaulted);
    // The RFC 6052 §2.4 example: 2001:db8::/32 + 192.0.2.33.
    const auto r = tayga("tun-device nat64\nipv4-addr 192.0.2.33\nprefix 2001:db8::/32\n");
    REQUIRE(r.cfg.has_value());
    CHECK(r.cfg->ipv6_addr == v6("2001:db8:c000:221::"));
    CHECK(r.cfg->ipv6_addr_defaulted);
}

TEST_CASE("validate: RFC 6052 §3.1 well-known prefix with a non-global ipv4-addr needs ipv6-addr",
          "[config][validate][wkpf-strict]") {
    const std::string tayga_conf =
        "tun-device nat64\n"
        "ipv4-addr 192.168.255.1\n"
        "prefix 64:ff9b::/96\n"
        "dynamic-pool 192.168.255.0/24\n"
        "data-dir /var/db/tayga\n";
    CHECK(tayga(tayga_conf).diag.errors ==
          Lines{"t.conf:3: ipv6-addr directive must be specified if prefix is 64:ff9b::/96 and ipv4-addr is a "
                "non-global address: the default 64:ff9b::c0a8:ff01 would be an illegal well-known-prefix address "
                "(RFC 6052 §3.1)"});

    const auto explicit_addr = tayga(tayga_conf + "ipv6-addr 2001:db8::1\n");
    REQUIRE(explicit_addr.diag.errors.empty());
    CHECK(explicit_addr.cfg->ipv6_addr == v6("2001:db8::1"));
    CHECK_FALSE(explicit_addr.cfg->ipv6_addr_defaulted);

    const auto lax = tayga(tayga_conf + "wkpf-strict no\n");
    REQUIRE(lax.diag.errors.empty());
    CHECK(lax.cfg->ipv6_addr == v6("64:ff9b::c0a8:ff01"));
    CHECK(lax.cfg->ipv6_addr_defaulted);

    // A global ipv4-addr may be embedded in the well-known prefix.
    const auto global = tayga("tun-device nat64\nipv4-addr 11.0.0.1\nprefix 64:ff9b::/96\n");
    REQUIRE(global.diag.errors.empty());
    CHECK(global.cfg->ipv6_addr == v6("64:ff9b::b00:1"));
}

TEST_CASE("validate: map IPv4 sides must not overlap", "[config][validate][map]") {
    CHECK(bad("map 198.51.100.1 2001:db8::1\n"
              "map 198.51.100.0/24 2001:db8:1::/120\n") ==
          Lines{"t.conf:5: map 198.51.100.0/24 overlaps map 198.51.100.1 at t.conf:4"});
    CHECK(bad("map 198.51.100.0/24 2001:db8:1::/120\n"
              "map 198.51.100.1 2001:db8::1\n") ==
          Lines{"t.conf:5: map 198.51.100.1 overlaps map 198.51.100.0/24 at t.conf:4"});
    CHECK(bad("map 198.51.100.1 2001:db8::1\n"
              "map 198.51.100.1 2001:db8::2\n") ==
          Lines{"t.conf:5: map 198.51.100.1 overlaps map 198.51.100.1 at t.conf:4"});
}

TEST_CASE("validate: map IPv6 sides must not overlap", "[config][validate][map]") {
    CHECK(bad("map 198.51.100.1 2001:db8::1\n"
              "map 203.0.113.0/24 2001:db8::/120\n") ==
          Lines{"t.conf:5: map 2001:db8::/120 overlaps map 2001:db8::1 at t.conf:4"});
}

TEST_CASE("validate: every overlapping pair is reported, in line order", "[config][validate][map]") {
    CHECK(bad("map 198.51.100.0/24 2001:db8:1::/120\n"
              "map 203.0.113.5 2001:db8:2::5\n"
              "map 198.51.100.7 2001:db8:3::7\n"
              "map 198.51.100.0/25 2001:db8:4::/121\n") ==
          Lines{
              "t.conf:6: map 198.51.100.7 overlaps map 198.51.100.0/24 at t.conf:4",
              "t.conf:7: map 198.51.100.0/25 overlaps map 198.51.100.0/24 at t.conf:4",
              "t.conf:7: map 198.51.100.0/25 overlaps map 198.51.100.7 at t.conf:6",
          });
}

TEST_CASE("validate: disjoint maps side by side are fine", "[config][validate][map]") {
    const Config c = good(
        "map 198.51.100.0/25 2001:db8:1::/121\n"
        "map 198.51.100.128/25 2001:db8:1::80/121\n"
        "map 198.51.101.0 2001:db8:1::100\n");
    CHECK(c.maps.size() == 3);
}

TEST_CASE("validate: a map's IPv6 side must not overlap the prefix (tayga.conf(5))", "[config][validate][map]") {
    CHECK(bad("map 198.51.100.1 3fff:6464::5\n") ==
          Lines{"t.conf:4: map 3fff:6464::5 overlaps prefix 3fff:6464::/96 at t.conf:3"});
    CHECK(bad("map 198.51.100.0/24 3fff:6464::/120\n") ==
          Lines{"t.conf:4: map 3fff:6464::/120 overlaps prefix 3fff:6464::/96 at t.conf:3"});
}

TEST_CASE("validate: a map must not take the translator's own addresses", "[config][validate][map]") {
    CHECK(bad("map 192.0.2.0/24 2001:db8::/120\n") ==
          Lines{"t.conf:4: map 192.0.2.0/24 contains ipv4-addr 192.0.2.1 at t.conf:2"});
    CHECK(bad("ipv6-addr 2001:db8::1\n"
              "map 198.51.100.0/24 2001:db8::/120\n") ==
          Lines{"t.conf:5: map 2001:db8::/120 contains ipv6-addr 2001:db8::1 at t.conf:4"});
    // The defaulted ipv6-addr (3fff:6464::c000:201) is inside the prefix:
    // one complaint, about the prefix.
    CHECK(bad("map 198.51.100.1 3fff:6464::c000:201\n") ==
          Lines{"t.conf:4: map 3fff:6464::c000:201 overlaps prefix 3fff:6464::/96 at t.conf:3"});
}

TEST_CASE("validate: ipv4-addr and maps may lie inside the dynamic pool (tayga.conf(5))", "[config][validate]") {
    const Config c = good(
        "dynamic-pool 192.0.2.0/24\n"
        "map 192.0.2.10 2001:db8::10\n");
    CHECK(c.dynamic_pool == p4("192.0.2.0/24"));
    CHECK(c.maps.size() == 1);
}

TEST_CASE("validate: errors of both passes together", "[config][validate]") {
    CHECK(bad("offlink-mtu 1000\n"
              "bogus 1\n"
              "map 198.51.100.1 3fff:6464::1\n") ==
          Lines{
              "t.conf:5: unknown directive 'bogus'",
              "t.conf:4: offlink-mtu: 1000 is out of range (1280 to 65535)",
              "t.conf:6: map 3fff:6464::1 overlaps prefix 3fff:6464::/96 at t.conf:3",
          });
}
