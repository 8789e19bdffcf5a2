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

TEST_CASE("validate: RFC 7757 §3.3 nested IPv4 map sides are accepted (TAYGA), the longest match wins",
          "[config][validate][map]") {
    // A /32 inside a /24 inside a /16, in either order, IPv6 sides disjoint.
    const Config c = good(
        "map 198.51.100.7 2001:db8:32::7\n"
        "map 198.51.0.0/16 2001:db8:16::/112\n"
        "map 198.51.100.0/24 2001:db8:24::/120\n");
    CHECK(c.maps.size() == 3);
}

TEST_CASE("validate: the same IPv4 map prefix twice is refused, citing both lines (TAYGA)", "[config][validate][map]") {
    CHECK(bad("map 198.51.100.1 2001:db8::1\n"
              "map 198.51.100.1 2001:db8::2\n") ==
          Lines{"t.conf:5: IPv4 address in map directive conflicts with earlier definition of 198.51.100.1/32 at "
                "t.conf:4"});
    CHECK(
        bad("map 198.51.100.0/24 2001:db8:1::/120\n"
            "map 203.0.113.9 2001:db8:2::9\n"
            "map 198.51.100.0/24 2001:db8:3::/120\n"
            "map 198.51.100.0/24 2001:db8:4::/120\n") ==
        Lines{
            "t.conf:6: IPv4 address in map directive conflicts with earlier definition of 198.51.100.0/24 at t.conf:4",
            "t.conf:7: IPv4 address in map directive conflicts with earlier definition of 198.51.100.0/24 at t.conf:4",
        });
}

TEST_CASE("validate: overlapping IPv6 map sides are refused, citing both lines (TAYGA)", "[config][validate][map]") {
    CHECK(bad("map 198.51.100.1 2001:db8::1\n"
              "map 203.0.113.0/24 2001:db8::/120\n") ==
          Lines{"t.conf:5: IPv6 address in map directive overlaps with earlier definition of 2001:db8::1/128 at "
                "t.conf:4"});
    CHECK(bad("map 203.0.113.0/24 2001:db8::/120\n"
              "map 198.51.100.1 2001:db8::1\n") ==
          Lines{"t.conf:5: IPv6 address in map directive overlaps with earlier definition of 2001:db8::/120 at "
                "t.conf:4"});
    // Both sides clash with the same line: one report.
    CHECK(bad("map 198.51.100.1 2001:db8::1\n"
              "map 198.51.100.1 2001:db8::1\n") ==
          Lines{"t.conf:5: IPv4 address in map directive conflicts with earlier definition of 198.51.100.1/32 at "
                "t.conf:4"});
}

TEST_CASE("validate: every clashing pair is reported, in line order", "[config][validate][map]") {
    CHECK(
        bad("map 198.51.100.0/24 2001:db8:1::/120\n"
            "map 203.0.113.5 2001:db8:1::5\n"
            "map 198.51.100.7 2001:db8:1::7\n"
            "map 198.51.100.0/24 2001:db8:4::/120\n") ==
        Lines{
            "t.conf:5: IPv6 address in map directive overlaps with earlier definition of 2001:db8:1::/120 at t.conf:4",
            "t.conf:6: IPv6 address in map directive overlaps with earlier definition of 2001:db8:1::/120 at t.conf:4",
            "t.conf:7: IPv4 address in map directive conflicts with earlier definition of 198.51.100.0/24 at t.conf:4",
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
          Lines{"t.conf:4: IPv6 address in map directive overlaps with NAT64 prefix 3fff:6464::/96 at t.conf:3"});
    CHECK(bad("map 198.51.100.0/24 3fff:6464::/120\n") ==
          Lines{"t.conf:4: IPv6 address in map directive overlaps with NAT64 prefix 3fff:6464::/96 at t.conf:3"});
}

TEST_CASE("validate: the translator's own addresses against maps (TAYGA)", "[config][validate][map]") {
    // A map of exactly ipv4-addr is refused...
    CHECK(bad("map 192.0.2.1 2001:db8::1\n") ==
          Lines{"t.conf:4: IPv4 address in map directive conflicts with ipv4-addr 192.0.2.1 at t.conf:2"});
    // ...a map subnet around it is accepted: the /32 (the translator) wins.
    CHECK(good("map 192.0.2.0/24 2001:db8::/120\n").maps.size() == 1);
    // An IPv6 side overlapping ipv6-addr is refused.
    CHECK(bad("ipv6-addr 2001:db8::1\n"
              "map 198.51.100.0/24 2001:db8::/120\n") ==
          Lines{"t.conf:5: IPv6 address in map directive overlaps with ipv6-addr 2001:db8::1 at t.conf:4"});
    CHECK(bad("ipv6-addr 2001:db8::1\n"
              "map 198.51.100.5 2001:db8::1\n") ==
          Lines{"t.conf:5: IPv6 address in map directive overlaps with ipv6-addr 2001:db8::1 at t.conf:4"});
    // The defaulted ipv6-addr (3fff:6464::c000:201) is inside the prefix:
    // one complaint, about the prefix.
    CHECK(bad("map 198.51.100.1 3fff:6464::c000:201\n") ==
          Lines{"t.conf:4: IPv6 address in map directive overlaps with NAT64 prefix 3fff:6464::/96 at t.conf:3"});
}

TEST_CASE("validate: ipv4-addr and maps may lie inside the dynamic pool (tayga.conf(5)), a map may not be it",
          "[config][validate]") {
    const Config c = good(
        "dynamic-pool 192.0.2.0/24\n"
        "map 192.0.2.10 2001:db8::10\n"
        "map 192.0.2.128/25 2001:db8::80/121\n");
    CHECK(c.dynamic_pool == p4("192.0.2.0/24"));
    CHECK(c.maps.size() == 2);
    CHECK(bad("dynamic-pool 198.51.100.0/24\n"
              "map 198.51.100.0/24 2001:db8::/120\n") ==
          Lines{"t.conf:5: IPv4 address in map directive conflicts with dynamic-pool 198.51.100.0/24 at t.conf:4"});
}

TEST_CASE("validate: an explicit ipv6-addr in the well-known prefix is refused with wkpf-strict (RFC 6052 §3.1, TAYGA)",
          "[config][validate][wkpf-strict]") {
    const std::string wkp = "tun-device nat64\nipv4-addr 192.0.2.1\nprefix 64:ff9b::/96\n";
    CHECK(tayga(wkp + "ipv6-addr 64:ff9b::1\n").diag.errors ==
          Lines{"t.conf:4: ipv6-addr directive cannot contain an address in the Well-Known Prefix (64:ff9b::/96)"});
    // Whatever the translation prefix is.
    CHECK(bad("ipv6-addr 64:ff9b::c000:201\n") ==
          Lines{"t.conf:4: ipv6-addr directive cannot contain an address in the Well-Known Prefix (64:ff9b::/96)"});
    // wkpf-strict no lifts it, as in TAYGA.
    CHECK(good("ipv6-addr 64:ff9b::1\nwkpf-strict no\n").ipv6_addr == v6("64:ff9b::1"));
    // Outside the /96 (64:ff9b:1::/48, RFC 8215) it is an ordinary address.
    CHECK(tayga(wkp + "ipv6-addr 64:ff9b:1::1\n").diag.errors.empty());
}

TEST_CASE("validate: an explicit ipv6-addr inside the translation prefix is refused (TAYGA)", "[config][validate]") {
    CHECK(bad("ipv6-addr 3fff:6464::1\n") ==
          Lines{"t.conf:4: ipv6-addr cannot reside within configured prefix 3fff:6464::/96 at t.conf:3"});
}

TEST_CASE("validate: the configuration clatd writes is accepted (RFC 6877 CLAT, RFC 7335 192.0.0.0/29)",
          "[config][validate][clatd]") {
    // clatd's template, with a documentation address for the host.
    const auto r = tayga(
        "# Ephemeral TAYGA config file written by /usr/sbin/clatd\n"
        "# This file may be safely deleted at any time.\n"
        "tun-device clat\n"
        "prefix 64:ff9b::/96\n"
        "ipv4-addr 192.0.0.2\n"
        "map 192.0.0.1 2001:db8:c1a7::1\n");
    REQUIRE(r.diag.errors.empty());
    REQUIRE(r.cfg.has_value());
    CHECK(r.diag.warnings.empty());
    // 192.0.0.0/29 is global under TAYGA's list, so the default ipv6-addr
    // may sit in the well-known prefix.
    CHECK(r.cfg->ipv6_addr == v6("64:ff9b::c000:2"));
    CHECK(r.cfg->ipv6_addr_defaulted);
    REQUIRE(r.cfg->maps.size() == 1);
    CHECK(r.cfg->maps[0].v4 == p4("192.0.0.1/32"));
}

TEST_CASE("validate: errors of both passes together", "[config][validate]") {
    CHECK(bad("offlink-mtu 1000\n"
              "bogus 1\n"
              "map 198.51.100.1 3fff:6464::1\n") ==
          Lines{
              "t.conf:5: unknown directive 'bogus'",
              "t.conf:4: offlink-mtu: 1000 is out of range (1280 to 65535)",
              "t.conf:6: IPv6 address in map directive overlaps with NAT64 prefix 3fff:6464::/96 at t.conf:3",
          });
}
