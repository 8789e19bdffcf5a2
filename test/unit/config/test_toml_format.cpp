// The TOML front end: the same directives as keys, the same checks, errors
// with line and column.
#include "config_test_util.hpp"

using namespace nat64d;
using namespace nat64d::config;
using namespace nat64d::config::test;

namespace {

constexpr std::string_view kFullToml = R"(tun-device = "nat64"
ipv4-addr = "192.0.2.1"
ipv6-addr = "2001:db8::1"
prefix = "3fff:6464::/96"
wkpf-strict = false
dynamic-pool = "192.0.2.128/25"
data-dir = "/var/lib/nat64d"
map = ["198.51.100.10 2001:db8:5::10", "203.0.113.0/24 2001:db8:1::/120"]
deny4 = ["198.51.100.128/25", "203.0.113.7"]
map-file = "maps.conf"
udp-cksum-mode = "calc"
log = ["drop", "icmp"]
offlink-mtu = 1400
tun-up = true
tun-ip = ["192.0.2.1/24", "2001:db8::1/64"]
tun-route = ["3fff:6464::/96"]
workers = 2
)";

constexpr std::string_view kFullTayga = R"(tun-device nat64
ipv4-addr 192.0.2.1
ipv6-addr 2001:db8::1
prefix 3fff:6464::/96
wkpf-strict no
dynamic-pool 192.0.2.128/25
data-dir /var/lib/nat64d
map 198.51.100.10 2001:db8:5::10
map 203.0.113.0/24 2001:db8:1::/120
deny4 198.51.100.128/25
deny4 203.0.113.7
map-file maps.conf
udp-cksum-mode calc
log drop
log icmp
offlink-mtu 1400
tun-up yes
tun-ip 192.0.2.1/24
tun-ip 2001:db8::1/64
tun-route 3fff:6464::/96
workers 2
)";

constexpr std::string_view kBaseToml = R"(tun-device = "nat64"
ipv4-addr = "192.0.2.1"
prefix = "3fff:6464::/96"
)";

Loaded toml_plus(std::string_view lines) {
    return toml(std::string(kBaseToml) + std::string(lines));
}

}  // namespace

TEST_CASE("toml: every key gives the same Config as the TAYGA text", "[config][toml]") {
    const auto t = toml(kFullToml);
    const auto c = tayga(kFullTayga);
    REQUIRE(t.diag.errors.empty());
    REQUIRE(c.diag.errors.empty());
    REQUIRE(t.cfg.has_value());
    REQUIRE(c.cfg.has_value());
    require_same_settings(*t.cfg, *c.cfg);
    CHECK(t.cfg->source_file == "t.toml");
    CHECK(t.cfg->map_file == "/var/lib/nat64d/maps.conf");
    CHECK(t.cfg->log == LogFlags{.drop = true, .icmp = true});
    CHECK(t.cfg->tun_ips.size() == 2);
    CHECK(t.cfg->deny4.size() == 2);
    // Positions are the keys' lines.
    CHECK(t.cfg->prefix_pos.line == 4);
    REQUIRE(t.cfg->maps.size() == 2);
    CHECK(t.cfg->maps[1].pos.line == 8);
}

TEST_CASE("toml: [[map]] tables and inline tables", "[config][toml][map]") {
    const auto tables = toml_plus(R"(
[[map]]
ipv4 = "198.51.100.10"
ipv6 = "2001:db8:5::10"

[[map]]
ipv4 = "203.0.113.0/24"
ipv6 = "2001:db8:1::/120"
)");
    REQUIRE(tables.diag.errors.empty());
    REQUIRE(tables.cfg->maps.size() == 2);
    CHECK(tables.cfg->maps[0] == MapEntry{p4("198.51.100.10/32"), p6("2001:db8:5::10/128"), {}});
    CHECK(tables.cfg->maps[1] == MapEntry{p4("203.0.113.0/24"), p6("2001:db8:1::/120"), {}});

    const auto inline_tables = toml_plus(
        "map = [{ ipv4 = \"198.51.100.10\", ipv6 = \"2001:db8:5::10\" }, \"203.0.113.0/24 2001:db8:1::/120\"]\n");
    REQUIRE(inline_tables.diag.errors.empty());
    CHECK(inline_tables.cfg->maps == tables.cfg->maps);

    const auto single = toml_plus("map = \"198.51.100.10 2001:db8:5::10\"\n");
    REQUIRE(single.diag.errors.empty());
    CHECK(single.cfg->maps == std::vector<MapEntry>{tables.cfg->maps[0]});
}

TEST_CASE("toml: single strings for list keys", "[config][toml]") {
    const auto r = toml_plus(
        "log = \"drop reject\"\n"
        "tun-ip = \"192.0.2.1\"\n"
        "tun-route = \"198.51.100.0/24\"\n");
    REQUIRE(r.diag.errors.empty());
    CHECK(r.cfg->log == LogFlags{.drop = true, .reject = true});
    CHECK(r.cfg->tun_ips ==
          std::vector<TunIp>{TunIp{.is_v6 = false, .v4 = v4("192.0.2.1"), .v6 = {}, .prefix_len = 32}});
    CHECK(r.cfg->tun_routes == std::vector<TunRoute>{TunRoute{.is_v6 = false, .v4 = p4("198.51.100.0/24"), .v6 = {}}});
}

TEST_CASE("toml: unknown key with line and column", "[config][toml]") {
    CHECK(toml_plus("  bogus = 1\n").diag.errors == Lines{"t.toml:4:3: unknown key 'bogus'"});
    CHECK(toml_plus("[section]\nx = 1\n").diag.errors == Lines{"t.toml:4:2: unknown key 'section'"});
}

TEST_CASE("toml: wrong value types with line and column", "[config][toml]") {
    CHECK(toml_plus("offlink-mtu = \"1400\"\n").diag.errors ==
          Lines{"t.toml:4:15: offlink-mtu: expected an integer but found a string"});
    CHECK(toml_plus("tun-up = \"yes\"\n").diag.errors ==
          Lines{"t.toml:4:10: tun-up: expected a boolean but found a string"});
    CHECK(toml_plus("data-dir = [\"/a\"]\n").diag.errors ==
          Lines{"t.toml:4:12: data-dir: expected a string but found an array"});
    CHECK(toml_plus("tun-ip = 5\n").diag.errors ==
          Lines{"t.toml:4:10: tun-ip: expected a string or an array of them but found an integer"});
    CHECK(toml_plus("tun-ip = [\"192.0.2.1\", 5]\n").diag.errors ==
          Lines{"t.toml:4:24: tun-ip: expected a string but found an integer"});
    CHECK(toml_plus("workers = 2.5\n").diag.errors ==
          Lines{"t.toml:4:11: workers: expected an integer but found a floating-point number"});
}

TEST_CASE("toml: bad values give the TAYGA messages at the value's position", "[config][toml]") {
    CHECK(toml("tun-device = \"nat64\"\nipv4-addr = \"192.0.2.1\"\nprefix = \"3fff:6464::/80\"\n").diag.errors ==
          Lines{"t.toml:3:10: prefix: prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052 §2.2) but found /80"});
    CHECK(toml_plus("workers = -1\n").diag.errors ==
          Lines{"t.toml:4:11: workers: expected a number from 0 to 256 but found '-1'"});
    CHECK(toml_plus("log = [\"drop\", \"loud\"]\n").diag.errors ==
          Lines{"t.toml:4:16: log: unknown flag 'loud' (expected drop, reject, icmp, self or dyn)"});
    CHECK(toml_plus("map = [\"198.51.100.1\"]\n").diag.errors ==
          Lines{"t.toml:4:8: map: incorrect number of arguments (expected 2, found 1)"});
    CHECK(toml_plus("deny4 = [\"198.51.100.0/24\", \"198.51.100.1/24\"]\n").diag.errors ==
          Lines{"t.toml:4:29: deny4: '198.51.100.1/24' has host bits set"});
    CHECK(toml_plus("tun-device2 = \"x\"\nworkers = 300\n").diag.errors ==
          Lines{"t.toml:4:1: unknown key 'tun-device2'",
                "t.toml:5:11: workers: expected a number from 0 to 256 but found '300'"});
}

TEST_CASE("toml: [[map]] table errors", "[config][toml][map]") {
    CHECK(toml_plus("[[map]]\nipv4 = \"198.51.100.1\"\n").diag.errors == Lines{"t.toml:4:1: map: missing key 'ipv6'"});
    CHECK(toml_plus("[[map]]\nipv4 = \"198.51.100.1\"\nipv6 = \"2001:db8::1\"\nv6 = 1\n").diag.errors ==
          Lines{"t.toml:7:1: map: unknown key 'v6' (expected ipv4 and ipv6)"});
    CHECK(toml_plus("[[map]]\nipv4 = 1\nipv6 = \"2001:db8::1\"\n").diag.errors ==
          Lines{"t.toml:5:8: map: ipv4: expected a string but found an integer"});
}

TEST_CASE("toml: syntax errors carry toml++'s line and column, nothing else is checked", "[config][toml]") {
    // Wording of Debian 12's toml++ 3.3; the position prefix is ours.
    CHECK(toml("tun-device = \"nat64\"\nipv4-addr = \n").diag.errors ==
          Lines{"t.toml:2:13: Error while parsing key-value pair: expected value, saw '\\n'"});
    // TOML forbids a key twice; toml++ reports the second one.
    CHECK(toml("workers = 1\nworkers = 2\n").diag.errors ==
          Lines{"t.toml:2:11: Error while parsing key-value pair: cannot redefine existing integer 'workers'"});
}

TEST_CASE("toml: toml++'s descriptions reach the message with control bytes escaped", "[config][toml]") {
    // toml++ (Debian 12's 3.3) quotes what it saw of a misspelt boolean
    // raw; the message shows the byte as \x01, as every message quoting
    // the file does, so that it cannot reach a terminal or the log as is.
    CHECK(toml_plus("tun-up = tr\x01\n").diag.errors ==
          Lines{"t.toml:4:12: Error while parsing boolean: expected 'true', saw 'tr\\x01'"});
}

TEST_CASE("toml: a value tayga.conf syntax cannot carry is refused, so --check-config prints what was read",
          "[config][toml][check-config]") {
    // "#at33" is a valid Linux device name, but `tun-device #at33` would
    // be a comment in the TAYGA-syntax output of --check-config.
    CHECK(toml("tun-device = \"#at33\"\nipv4-addr = \"192.0.2.1\"\nprefix = \"3fff:6464::/96\"\n").diag.errors ==
          Lines{"t.toml:1:14: tun-device: '#at33' holds '#' (a comment there), which tayga.conf syntax cannot carry in "
                "a value"});
    CHECK(toml_plus("metrics-instance = \"edge one\"\n").diag.errors ==
          Lines{"t.toml:4:20: metrics-instance: 'edge one' holds a blank or line end, which tayga.conf syntax cannot "
                "carry in a value"});
    CHECK(toml_plus("data-dir = \"/var/lib/a\\nb\"\n").diag.errors ==
          Lines{"t.toml:4:12: data-dir: '/var/lib/a\\x0ab' holds a blank or line end, which tayga.conf syntax cannot "
                "carry in a value"});
    // What is accepted prints back to the same settings.
    const auto ok = toml_plus("metrics-instance = \"edge-1\"\n");
    REQUIRE(ok.cfg);
    const auto back = tayga(to_tayga_syntax(*ok.cfg));
    REQUIRE(back.cfg);
    CHECK(changed_directives(*ok.cfg, *back.cfg).empty());
}

TEST_CASE("toml: validation errors cite the key's line", "[config][toml][validate]") {
    CHECK(toml("tun-device = \"nat64\"\nprefix = \"3fff:6464::/96\"\n").diag.errors ==
          Lines{"t.toml: no ipv4-addr directive found"});
    CHECK(toml_plus("offlink-mtu = 1000\n").diag.errors ==
          Lines{"t.toml:4: offlink-mtu: 1000 is out of range (1280 to 65535)"});
    CHECK(toml_plus("map = [\n  \"198.51.100.1 2001:db8::1\",\n  \"198.51.100.1 2001:db8:1::1\",\n]\n").diag.errors ==
          Lines{"t.toml:6: IPv4 address in map directive conflicts with earlier definition of "
                "198.51.100.1/32 at t.toml:5"});
}

TEST_CASE("toml: keys are lowercase (TOML is case-sensitive); values in any case, as in tayga.conf",
          "[config][toml][case]") {
    const auto upper = toml("tun-device = \"nat64\"\nIPv4-Addr = \"192.0.2.1\"\nprefix = \"3fff:6464::/96\"\n");
    CHECK(upper.diag.errors == Lines{"t.toml:2:1: unknown key 'IPv4-Addr' (TOML keys are lowercase: ipv4-addr)"});
    const auto values = toml_plus("udp-cksum-mode = \"CALC\"\nlog = \"DROP Dyn\"\n");
    REQUIRE(values.cfg.has_value());
    CHECK(values.cfg->udp_cksum_mode == UdpCksumMode::Calc);
    CHECK(values.cfg->log == LogFlags{.drop = true, .dyn = true});
    // An empty log string is a bare `log` line: no logging.
    const auto bare = toml_plus("log = \"\"\n");
    REQUIRE(bare.cfg.has_value());
    CHECK(bare.cfg->log == LogFlags{});
}

TEST_CASE("toml: strict-frag-hdr warns with line and column", "[config][toml][strict-frag-hdr]") {
    const auto r = toml_plus("strict-frag-hdr = true\n");
    CHECK(r.cfg.has_value());
    CHECK(r.diag.warnings == Lines{"t.toml:4:19: strict-frag-hdr is deprecated and ignored"});
}

TEST_CASE("load_file: .toml files go to the TOML front end", "[config][toml][file]") {
    Diagnostics d1;
    Diagnostics d2;
    const auto from_toml = load_file(NAT64D_CONFIG_TEST_DATA "/nat64d.toml", Environment{}, d1);
    const auto from_tayga = load_file(NAT64D_CONFIG_TEST_DATA "/tayga.conf", Environment{}, d2);
    REQUIRE(d1.errors.empty());
    REQUIRE(d2.errors.empty());
    REQUIRE(from_toml.has_value());
    REQUIRE(from_tayga.has_value());
    require_same_settings(*from_toml, *from_tayga);
    CHECK(from_toml->maps[0].pos.line == 8);
}
