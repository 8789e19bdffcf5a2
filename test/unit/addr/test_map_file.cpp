// map-file (TAYGA's directive): `map` lines in tayga.conf syntax, each line
// on its own; every problem reported as FILE:LINE: message. How lines
// combine is config::apply_map_file (test/unit/config/test_map_file.cpp).
#include <catch2/catch.hpp>

#include "support/tempdir.hpp"

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

std::vector<std::string> texts(const std::vector<MapFileNote>& notes) {
    std::vector<std::string> out;
    for (const auto& n : notes) out.push_back(n.text);
    return out;
}

std::vector<unsigned> lines(const std::vector<MapFileNote>& notes) {
    std::vector<unsigned> out;
    for (const auto& n : notes) out.push_back(n.line);
    return out;
}
}  // namespace

TEST_CASE("map-file: map lines, comments and blank lines (RFC 7757 §3.2 host and subnet maps)", "[addr][map-file]") {
    const auto r = parse_map_file(
        "# site maps\n"
        "\n"
        "map 192.0.2.10 2001:db8::10\n"
        "   map\t198.51.100.128/25   2001:db8:1::80/121   # printers\n"
        "MAP 203.0.113.7/32 2001:db8:2::7/128\r\n",  // TAYGA compares the name in any case
        "/etc/nat64d/maps");
    CHECK(r.errors.empty());
    CHECK(r.warnings.empty());
    REQUIRE(r.entries.size() == 3);
    CHECK(r.entries[0] == MapEntry{p4("192.0.2.10/32"), p6("2001:db8::10/128"), {}});
    CHECK(r.entries[0].pos.file == "/etc/nat64d/maps");
    CHECK(r.entries[0].pos.line == 3);
    CHECK(r.entries[0].from_map_file);
    CHECK(r.entries[1] == MapEntry{p4("198.51.100.128/25"), p6("2001:db8:1::80/121"), {}});
    CHECK(r.entries[1].pos.line == 4);
    CHECK(r.entries[2] == MapEntry{p4("203.0.113.7/32"), p6("2001:db8:2::7/128"), {}});
    CHECK(r.entries[2].pos.line == 5);
}

TEST_CASE("map-file: a line with a NUL byte is an error, even in a comment", "[addr][map-file]") {
    using namespace std::string_literals;
    const auto r = parse_map_file(
        "map 192.0.2.10 2001:db8::10\n"
        "map 192.0.2.11 2001:db8::11\0\n"
        "map 192.0.2.12 2001:db8::12 # \0\n"s,
        "maps.conf");
    CHECK(r.entries.size() == 1);
    CHECK(texts(r.errors) == std::vector<std::string>{
                                 "maps.conf:2: NUL byte in a map-file line (a binary or damaged file?)",
                                 "maps.conf:3: NUL byte in a map-file line (a binary or damaged file?)",
                             });
}

TEST_CASE("map-file: every malformed line is reported with FILE:LINE and left out", "[addr][map-file]") {
    const auto r = parse_map_file(
        "map 192.0.2.10 2001:db8::10\n"         // 1 good
        "prefix 64:ff9b::/96\n"                 // 2 not a map line
        "map 192.0.2.11\n"                      // 3 one argument
        "map 192.0.2.12 2001:db8::12 extra\n"   // 4 three arguments
        "map 192.0.2.300 2001:db8::13\n"        // 5 bad IPv4
        "map 192.0.2.14 2001:db8::zz\n"         // 6 bad IPv6
        "map 192.0.2.1/24 2001:db8:3::/120\n"   // 7 host bits set
        "map 192.0.2.64/26 2001:db8:4::/120\n"  // 8 sizes differ (6 vs 8 host bits)
        "map 127.0.0.1 2001:db8::15\n"          // 9 reserved IPv4 (loopback)
        "map 192.0.2.16 fe80::16\n"             // 10 reserved IPv6 (link-local)
        "map 192.0.2.10 2001:db8::10\n",        // 11 good (duplicates are not this pass's business)
        "maps.conf");
    CHECK(texts(r.errors) == std::vector<std::string>{
                                 "maps.conf:2: 'prefix' is not allowed in a map-file (only map lines are)",
                                 "maps.conf:3: map: incorrect number of arguments (expected 2, found 1)",
                                 "maps.conf:4: map: incorrect number of arguments (expected 2, found 3)",
                                 "maps.conf:5: map: expected an IPv4 address or subnet but found '192.0.2.300'",
                                 "maps.conf:6: map: expected an IPv6 address or subnet but found '2001:db8::zz'",
                                 "maps.conf:7: map: '192.0.2.1/24' has host bits set",
                                 "maps.conf:8: map: IPv4 and IPv6 subnet must be of the same size, but found "
                                 "192.0.2.64/26 and 2001:db8:4::/120",
                                 "maps.conf:9: map: Cannot use reserved address 127.0.0.1 in map directive",
                                 "maps.conf:10: map: Cannot use reserved address fe80::16 in map directive",
                             });
    CHECK(lines(r.errors) == std::vector<unsigned>{2, 3, 4, 5, 6, 7, 8, 9, 10});
    REQUIRE(r.entries.size() == 2);
    CHECK(r.entries[0].pos.line == 1);
    CHECK(r.entries[1].pos.line == 11);
}

TEST_CASE("map-file: a link-local IPv4 side is taken with TAYGA's caution (RFC 3927)", "[addr][map-file]") {
    const auto r = parse_map_file("map 169.254.0.0/24 2001:db8:a9::/120\n", "maps.conf");
    CHECK(r.errors.empty());
    REQUIRE(r.entries.size() == 1);
    CHECK(texts(r.warnings) == std::vector<std::string>{"maps.conf:1: Using link-local address 169.254.0.0 in map "
                                                        "directive, use with caution"});
    CHECK(lines(r.warnings) == std::vector<unsigned>{1});
}

TEST_CASE("map: reserved classes refused as TAYGA refuses them, on the prefix's first address", "[addr][map]") {
    const SourcePos pos{"t.conf", 1};
    for (const char* a4 : {"0.0.0.1", "0.0.0.0/0", "127.0.0.0/8", "224.0.0.1", "239.255.255.255", "255.255.255.255"}) {
        INFO(a4);
        const std::string v6 = std::string("2001:db8::/") + std::to_string(96 + p4(a4).len);
        const auto r = parse_map(a4, v6, pos);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error() == "Cannot use reserved address " + to_string(p4(a4).addr) + " in map directive");
    }
    for (const char* a6 : {"::1", "::ffff:c000:201", "fe80::1", "febf::1", "ff02::1"}) {
        INFO(a6);
        const auto r = parse_map("192.0.2.1", a6, pos);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error() == "Cannot use reserved address " + to_string(nat64d::test::v6(a6)) + " in map directive");
    }
    // Not reserved: 240/4 (translated like any unicast), 64:ff9b::/32 and
    // 64:ff9b:1::/48 (RFC 8215), a subnet that merely contains a reserved
    // address further on, link-local IPv4 (a caution, not an error).
    CHECK(parse_map("240.0.0.1", "2001:db8::1", pos).ok());
    CHECK(parse_map("192.0.2.1", "64:ff9b::c000:201", pos).ok());
    CHECK(parse_map("192.0.2.1", "64:ff9b:1::1", pos).ok());
    CHECK(parse_map("96.0.0.0/3", "2001:db8::/99", pos).ok());
    const auto ll = parse_map("169.254.1.1", "2001:db8::1", pos);
    REQUIRE(ll.ok());
    CHECK(map_caution(*ll) == "Using link-local address 169.254.1.1 in map directive, use with caution");
    CHECK(map_caution(*parse_map("192.0.2.1", "2001:db8::1", pos)).empty());
}

TEST_CASE("map-file: read_map_file reads a file and fails on a missing or unreadable one", "[addr][map-file]") {
    const nat64d::test::TempDir tmp;
    const std::filesystem::path& dir = tmp.path;
    const std::string path = tmp.file("maps");
    {
        std::ofstream out(path);
        out << "map 192.0.2.10 2001:db8::10\nmap 192.0.2.11\n";
    }
    const auto r = read_map_file(path);
    REQUIRE(r.ok());
    CHECK(r->entries.size() == 1);
    REQUIRE(r->errors.size() == 1);
    CHECK(r->errors[0].text.rfind(path + ":2: ", 0) == 0);
    const auto missing = read_map_file((dir / "none").string());
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error() == "unable to open " + (dir / "none").string() + ": No such file or directory");
    // A directory is refused before anything is read.
    const auto directory = read_map_file(dir.string());
    REQUIRE_FALSE(directory.ok());
    CHECK(directory.error() == "unable to read " + dir.string() + ": not a regular file (a directory)");
}
