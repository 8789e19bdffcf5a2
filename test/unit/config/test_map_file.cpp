// map-file lines against tayga.conf and against each other (TAYGA's
// map-file semantics): in file order, a later line replaces an earlier one
// it clashes with, a line that clashes with tayga.conf or is malformed is
// skipped, and the rest of the file is taken.
#include "config_test_util.hpp"

#include <fmt/core.h>

#include "addr/map_file.hpp"

using namespace nat64d;
using namespace nat64d::config;
using namespace nat64d::config::test;

namespace {

// The configuration every case starts from: maps at lines 4 and 5.
//   1 tun-device nat64
//   2 ipv4-addr 192.0.2.1
//   3 prefix 3fff:6464::/96
//   4 map 198.51.100.1 2001:db8:c::1
//   5 map 198.51.100.128/25 2001:db8:c::80/121
//   6 ipv6-addr 2001:db8:ff::1
//   7 dynamic-pool 203.0.113.0/24
Config conf() {
    return good(
        "map 198.51.100.1 2001:db8:c::1\n"
        "map 198.51.100.128/25 2001:db8:c::80/121\n"
        "ipv6-addr 2001:db8:ff::1\n"
        "dynamic-pool 203.0.113.0/24\n");
}

MapFileApplied apply(std::string_view text) {
    return apply_map_file(conf(), addr::parse_map_file(text, "maps"));
}

std::vector<std::string> entries(const MapFileApplied& r) {
    std::vector<std::string> out;
    for (const auto& e : r.entries)
        out.push_back(fmt::format("{}:{} {} {}", e.pos.file, e.pos.line, to_string(e.v4), to_string(e.v6)));
    return out;
}

}  // namespace

TEST_CASE("map-file: lines in force, in file order, with their positions", "[config][map-file]") {
    const auto r = apply(
        "map 192.0.2.10 2001:db8:f::10\n"
        "# a comment\n"
        "map 192.0.2.64/26 2001:db8:f::40/122\n");
    CHECK(r.diag.errors.empty());
    CHECK(r.diag.warnings.empty());
    CHECK(entries(r) == Lines{"maps:1 192.0.2.10/32 2001:db8:f::10/128", "maps:3 192.0.2.64/26 2001:db8:f::40/122"});
    CHECK(r.entries[0].from_map_file);
}

TEST_CASE("map-file: a later line replaces an earlier one it clashes with, warning with both lines",
          "[config][map-file][later-wins]") {
    const auto r = apply(
        "map 192.0.2.10 2001:db8:f::10\n"         // 1: replaced by 3 (same IPv4)
        "map 192.0.2.20 2001:db8:f::20\n"         // 2: replaced by 4 (IPv6 inside 4's)
        "map 192.0.2.10 2001:db8:f::99\n"         // 3
        "map 192.0.2.32/28 2001:db8:f::20/124\n"  // 4: also overlaps nothing else
        "map 192.0.2.50 2001:db8:f::50\n"         // 5: replaced by 6 (exact duplicate)
        "map 192.0.2.50 2001:db8:f::50\n");       // 6
    CHECK(r.diag.errors.empty());
    CHECK(r.diag.warnings ==
          Lines{
              "maps:3: map 192.0.2.10 2001:db8:f::99 replaces map 192.0.2.10 2001:db8:f::10 at maps:1 (same IPv4 "
              "prefix; the later line wins)",
              "maps:4: map 192.0.2.32/28 2001:db8:f::20/124 replaces map 192.0.2.20 2001:db8:f::20 at maps:2 "
              "(overlapping IPv6 sides; the later line wins)",
              "maps:6: map 192.0.2.50 2001:db8:f::50 replaces map 192.0.2.50 2001:db8:f::50 at maps:5 (same IPv4 "
              "prefix; the later line wins)",
          });
    CHECK(entries(r) == Lines{"maps:3 192.0.2.10/32 2001:db8:f::99/128", "maps:4 192.0.2.32/28 2001:db8:f::20/124",
                              "maps:6 192.0.2.50/32 2001:db8:f::50/128"});
}

TEST_CASE("map-file: one line replacing several earlier ones, each named", "[config][map-file][later-wins]") {
    const auto r = apply(
        "map 192.0.2.5 2001:db8:f::1\n"
        "map 192.0.2.6 2001:db8:f::2\n"
        "map 192.0.2.7 2001:db8:e::3\n"
        "map 192.0.2.4/30 2001:db8:f::/126\n");  // IPv6 around lines 1 and 2; IPv4 around 1-3 (nesting is fine)
    CHECK(r.diag.errors.empty());
    CHECK(r.diag.warnings ==
          Lines{
              "maps:4: map 192.0.2.4/30 2001:db8:f::/126 replaces map 192.0.2.5 2001:db8:f::1 at maps:1 (overlapping "
              "IPv6 sides; the later line wins)",
              "maps:4: map 192.0.2.4/30 2001:db8:f::/126 replaces map 192.0.2.6 2001:db8:f::2 at maps:2 (overlapping "
              "IPv6 sides; the later line wins)",
          });
    CHECK(entries(r) == Lines{"maps:3 192.0.2.7/32 2001:db8:e::3/128", "maps:4 192.0.2.4/30 2001:db8:f::/126"});
}

TEST_CASE("map-file: nested IPv4 sides are no clash (RFC 7757 §3.3 longest match)", "[config][map-file]") {
    const auto r = apply(
        "map 192.0.2.0/24 2001:db8:f::/120\n"
        "map 192.0.2.7 2001:db8:e::7\n"
        "map 198.51.100.5 2001:db8:e::5\n");
    CHECK(r.diag.errors.empty());
    CHECK(r.diag.warnings.empty());
    CHECK(r.entries.size() == 3);
    // Inside a tayga.conf map's IPv4 subnet, with its own IPv6 side: nested, accepted.
    const auto inner = apply("map 198.51.100.200 2001:db8:e::c8\n");
    CHECK(inner.diag.errors.empty());
    CHECK(inner.entries.size() == 1);
}

TEST_CASE("map-file: a line that clashes with tayga.conf is skipped, the rest loads", "[config][map-file][conf-wins]") {
    const auto r = apply(
        "map 192.0.2.10 2001:db8:f::10\n"           // 1 good
        "map 198.51.100.1 2001:db8:f::1\n"          // 2 same IPv4 as conf line 4
        "map 192.0.2.11 2001:db8:c::1\n"            // 3 IPv6 = conf line 4's
        "map 192.0.2.12 2001:db8:c::85\n"           // 4 IPv6 inside conf line 5's /121
        "map 192.0.2.13 3fff:6464::13\n"            // 5 IPv6 inside the prefix
        "map 192.0.2.1 2001:db8:f::14\n"            // 6 = ipv4-addr
        "map 192.0.2.15 2001:db8:ff::1\n"           // 7 = ipv6-addr
        "map 203.0.113.0/24 2001:db8:f::100/120\n"  // 8 = dynamic-pool
        "map 192.0.2.16 2001:db8:f::16\n");         // 9 good
    CHECK(r.diag.errors ==
          Lines{
              "maps:2: IPv4 address in map directive conflicts with earlier definition of 198.51.100.1/32 at t.conf:4 "
              "(line skipped)",
              "maps:3: IPv6 address in map directive overlaps with earlier definition of 2001:db8:c::1/128 at t.conf:4 "
              "(line skipped)",
              "maps:4: IPv6 address in map directive overlaps with earlier definition of 2001:db8:c::80/121 at "
              "t.conf:5 (line skipped)",
              "maps:5: IPv6 address in map directive overlaps with NAT64 prefix 3fff:6464::/96 at t.conf:3 (line "
              "skipped)",
              "maps:6: IPv4 address in map directive conflicts with ipv4-addr 192.0.2.1 at t.conf:2 (line skipped)",
              "maps:7: IPv6 address in map directive overlaps with ipv6-addr 2001:db8:ff::1 at t.conf:6 (line skipped)",
              "maps:8: IPv4 address in map directive conflicts with dynamic-pool 203.0.113.0/24 at t.conf:7 (line "
              "skipped)",
          });
    CHECK(r.diag.warnings.empty());
    CHECK(entries(r) == Lines{"maps:1 192.0.2.10/32 2001:db8:f::10/128", "maps:9 192.0.2.16/32 2001:db8:f::16/128"});
}

TEST_CASE("map-file: a line skipped for tayga.conf does not replace an earlier map-file line",
          "[config][map-file][conf-wins]") {
    // Line 2 clashes with line 1 (same IPv4) and with tayga.conf (IPv6):
    // tayga.conf wins, so line 2 is skipped and line 1 stays.
    const auto r = apply(
        "map 192.0.2.10 2001:db8:f::10\n"
        "map 192.0.2.10 2001:db8:c::1\n");
    CHECK(r.diag.errors == Lines{"maps:2: IPv6 address in map directive overlaps with earlier definition of "
                                 "2001:db8:c::1/128 at t.conf:4 (line skipped)"});
    CHECK(r.diag.warnings.empty());
    CHECK(entries(r) == Lines{"maps:1 192.0.2.10/32 2001:db8:f::10/128"});
}

TEST_CASE("map-file: malformed lines skipped, everything reported in line order", "[config][map-file]") {
    const auto r = apply(
        "map 192.0.2.10 2001:db8:f::10\n"      // 1
        "map 1.2.3 2001:db8:f::11\n"           // 2 malformed
        "map 192.0.2.10 2001:db8:f::12\n"      // 3 replaces 1
        "prefix 64:ff9b::/96\n"                // 4 not a map line
        "map 169.254.9.9 2001:db8:f::13\n"     // 5 caution
        "map 198.51.100.1 2001:db8:f::14\n");  // 6 conf clash
    CHECK(r.diag.errors ==
          Lines{
              "maps:2: map: expected an IPv4 address or subnet but found '1.2.3' (line skipped)",
              "maps:4: 'prefix' is not allowed in a map-file (only map lines are) (line skipped)",
              "maps:6: IPv4 address in map directive conflicts with earlier definition of 198.51.100.1/32 at t.conf:4 "
              "(line skipped)",
          });
    CHECK(r.diag.warnings ==
          Lines{
              "maps:3: map 192.0.2.10 2001:db8:f::12 replaces map 192.0.2.10 2001:db8:f::10 at maps:1 (same IPv4 "
              "prefix; the later line wins)",
              "maps:5: Using link-local address 169.254.9.9 in map directive, use with caution",
          });
    CHECK(entries(r) == Lines{"maps:3 192.0.2.10/32 2001:db8:f::12/128", "maps:5 169.254.9.9/32 2001:db8:f::13/128"});
}

TEST_CASE("map-file: an empty file or one with only bad lines leaves no entries, never an error of its own",
          "[config][map-file]") {
    CHECK(apply("").entries.empty());
    CHECK(apply("").diag.errors.empty());
    const auto r = apply("bogus\n");
    CHECK(r.entries.empty());
    CHECK(r.diag.errors == Lines{"maps:1: 'bogus' is not allowed in a map-file (only map lines are) (line skipped)"});
}

TEST_CASE("map-file: many lines, each replacing the one before, stay linear", "[config][map-file][later-wins]") {
    std::string text;
    for (unsigned i = 0; i < 20000; ++i) text += fmt::format("map 192.0.2.{} 2001:db8:f::{:x}\n", 2 + i % 200, i);
    const auto r = apply(text);
    CHECK(r.diag.errors.empty());
    CHECK(r.diag.warnings.size() == 20000 - 200);
    REQUIRE(r.entries.size() == 200);
    CHECK(r.entries.front().pos.line == 20000 - 199);
    CHECK(r.entries.back().pos.line == 20000);
}

TEST_CASE("map-file: map-file lines print as comments in the effective settings", "[config][map-file][output]") {
    Config c = conf();
    const auto r = apply_map_file(c, addr::parse_map_file("map 192.0.2.10 2001:db8:f::10\n", "/etc/maps"));
    c.maps.insert(c.maps.end(), r.entries.begin(), r.entries.end());
    const std::string out = to_tayga_syntax(c);
    CHECK(out.find("\nmap 198.51.100.1 2001:db8:c::1\n") != std::string::npos);
    CHECK(out.find("\n# map 192.0.2.10 2001:db8:f::10 (map-file /etc/maps:1)\n") != std::string::npos);
    CHECK(out.find("\nmap 192.0.2.10") == std::string::npos);
}
