// map-file (TAYGA's directive): `map` lines in tayga.conf syntax; every
// problem reported as FILE:LINE: message, overlaps citing the earlier line.
#include <catch2/catch.hpp>

#include "support/addrs.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "addr/map_file.hpp"

using namespace nat64d;
using namespace nat64d::addr;

namespace {
using nat64d::test::p4;
using nat64d::test::p6;
}  // namespace

TEST_CASE("map-file: map lines, comments and blank lines (RFC 7757 §3.2 host and subnet maps)", "[addr][map-file]") {
    const auto r = parse_map_file(
        "# site maps\n"
        "\n"
        "map 192.0.2.10 2001:db8::10\n"
        "   map\t198.51.100.128/25   2001:db8:1::80/121   # printers\n"
        "map 203.0.113.7/32 2001:db8:2::7/128\r\n",
        "/etc/nat64d/maps");
    CHECK(r.ok());
    CHECK(r.errors.empty());
    REQUIRE(r.entries.size() == 3);
    CHECK(r.entries[0] == MapEntry{p4("192.0.2.10/32"), p6("2001:db8::10/128"), {}});
    CHECK(r.entries[0].pos.file == "/etc/nat64d/maps");
    CHECK(r.entries[0].pos.line == 3);
    CHECK(r.entries[1] == MapEntry{p4("198.51.100.128/25"), p6("2001:db8:1::80/121"), {}});
    CHECK(r.entries[1].pos.line == 4);
    CHECK(r.entries[2] == MapEntry{p4("203.0.113.7/32"), p6("2001:db8:2::7/128"), {}});
    CHECK(r.entries[2].pos.line == 5);
}

TEST_CASE("map-file: every error is collected with FILE:LINE", "[addr][map-file]") {
    const auto r = parse_map_file(
        "map 192.0.2.10 2001:db8::10\n"              // 1 good
        "prefix 64:ff9b::/96\n"                      // 2 not a map line
        "map 192.0.2.11\n"                           // 3 one argument
        "map 192.0.2.12 2001:db8::12 extra\n"        // 4 three arguments
        "map 192.0.2.300 2001:db8::13\n"             // 5 bad IPv4
        "map 192.0.2.14 2001:db8::zz\n"              // 6 bad IPv6
        "map 192.0.2.1/24 2001:db8:3::/120\n"        // 7 host bits set
        "map 192.0.2.64/26 2001:db8:4::/120\n"       // 8 sizes differ (6 vs 8 host bits)
        "map 192.0.2.10 2001:db8::99\n"              // 9 IPv4 side overlaps line 1
        "map 192.0.2.8/30 2001:db8:5::/126\n"        // 10 IPv4 side contains line 1
        "map 192.0.2.20 2001:db8::10\n"              // 11 IPv6 side overlaps line 1
        "map 192.0.2.21 2001:db8::21\n",             // 12 good
        "maps.conf");
    CHECK_FALSE(r.ok());
    const std::vector<std::string> want{
        "maps.conf:2: 'prefix' is not allowed in a map-file (only map lines are)",
        "maps.conf:3: map: incorrect number of arguments (expected 2, found 1)",
        "maps.conf:4: map: incorrect number of arguments (expected 2, found 3)",
        "maps.conf:5: map: expected an IPv4 address or subnet but found '192.0.2.300'",
        "maps.conf:6: map: expected an IPv6 address or subnet but found '2001:db8::zz'",
        "maps.conf:7: map: '192.0.2.1/24' has host bits set",
        "maps.conf:8: map: IPv4 and IPv6 subnet must be of the same size, but found 192.0.2.64/26 and 2001:db8:4::/120",
        "maps.conf:9: map 192.0.2.10/32 2001:db8::99/128 overlaps map 192.0.2.10/32 2001:db8::10/128 at maps.conf:1",
        "maps.conf:10: map 192.0.2.8/30 2001:db8:5::/126 overlaps map 192.0.2.10/32 2001:db8::10/128 at maps.conf:1",
        "maps.conf:11: map 192.0.2.20/32 2001:db8::10/128 overlaps map 192.0.2.10/32 2001:db8::10/128 at maps.conf:1",
    };
    CHECK(r.errors == want);
    // The good lines are still returned (the caller refuses the whole file).
    REQUIRE(r.entries.size() == 2);
    CHECK(r.entries[0].pos.line == 1);
    CHECK(r.entries[1].pos.line == 12);
}

TEST_CASE("map-file: read_map_file reads a file and fails on a missing one", "[addr][map-file]") {
    char tmpl[] = "/tmp/nat64d-mapfile-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    const std::filesystem::path dir = tmpl;
    const std::string path = (dir / "maps").string();
    {
        std::ofstream out(path);
        out << "map 192.0.2.10 2001:db8::10\nmap 192.0.2.10 2001:db8::11\n";
    }
    const auto r = read_map_file(path);
    REQUIRE(r.ok());
    REQUIRE(r->errors.size() == 1);
    CHECK(r->errors[0].rfind(path + ":2: ", 0) == 0);
    const auto missing = read_map_file((dir / "none").string());
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error() == "unable to open " + (dir / "none").string() + ": No such file or directory");
    std::filesystem::remove_all(dir);
}
