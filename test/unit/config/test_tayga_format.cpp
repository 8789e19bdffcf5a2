// tayga.conf(5) syntax: one test per directive (good values, exact
// defaults, each bad value with its exact message) and the line syntax.
#include "config_test_util.hpp"

using namespace nat64d;
using namespace nat64d::config;
using namespace nat64d::config::test;

TEST_CASE("tayga.conf: minimal file gives the documented defaults", "[config][tayga]") {
    const Config c = good("");
    CHECK(c.source_file == "t.conf");
    CHECK(c.tun_device == "nat64");
    CHECK(c.ipv4_addr == v4("192.0.2.1"));
    CHECK(c.prefix == p6("3fff:6464::/96"));
    CHECK(c.wkpf_strict == true);
    CHECK_FALSE(c.dynamic_pool.has_value());
    CHECK(c.data_dir.empty());
    CHECK(c.maps.empty());
    CHECK(c.map_file.empty());
    CHECK(c.udp_cksum_mode == UdpCksumMode::Drop);
    CHECK(c.log == LogFlags{});
    CHECK(c.offlink_mtu == 1280);
    CHECK(c.tun_up == false);
    CHECK(c.tun_ips.empty());
    CHECK(c.tun_routes.empty());
    CHECK_FALSE(c.workers.has_value());
    CHECK(c.ipv4_addr_pos.file == "t.conf");
    CHECK(c.ipv4_addr_pos.line == 2);
    CHECK(c.prefix_pos.line == 3);
    CHECK(c.dynamic_pool_pos.line == 0);
}

TEST_CASE("tayga.conf: a stock TAYGA 0.9.2 config parses unchanged", "[config][tayga]") {
    const std::string text =
        "tun-device nat64\n"
        "ipv4-addr 192.168.255.1\n"
        "prefix 2001:db8:1:ffff::/96\n"
        "dynamic-pool 192.168.255.0/24\n"
        "data-dir /var/db/tayga\n";
    const auto r = tayga(text);
    REQUIRE(r.diag.errors.empty());
    REQUIRE(r.cfg.has_value());
    CHECK(r.cfg->tun_device == "nat64");
    CHECK(r.cfg->ipv4_addr == v4("192.168.255.1"));
    CHECK(r.cfg->prefix == p6("2001:db8:1:ffff::/96"));
    CHECK(r.cfg->dynamic_pool == p4("192.168.255.0/24"));
    CHECK(r.cfg->data_dir == "/var/db/tayga");
    CHECK(r.cfg->ipv6_addr == v6("2001:db8:1:ffff::c0a8:ff01"));
    CHECK(r.cfg->ipv6_addr_defaulted);
}

TEST_CASE("tayga.conf: comments, blank lines, whitespace and CRLF", "[config][tayga]") {
    const std::string text =
        "# whole-line comment\r\n"
        "\r\n"
        "   \t  \r\n"
        "  tun-device\tnat64   # after the argument\r\n"
        "ipv4-addr 192.0.2.1#no space before the comment\r\n"
        "\tprefix   3fff:6464::/96\t\r\n"
        "log drop # icmp is commented out\r\n"
        "#map 198.51.100.1 2001:db8::1\r\n"
        "workers 2";  // no newline at the end
    const auto r = tayga(text);
    REQUIRE(r.diag.errors.empty());
    REQUIRE(r.cfg.has_value());
    CHECK(r.cfg->tun_device == "nat64");
    CHECK(r.cfg->ipv4_addr == v4("192.0.2.1"));
    CHECK(r.cfg->prefix == p6("3fff:6464::/96"));
    CHECK(r.cfg->prefix_pos.line == 6);
    CHECK(r.cfg->log == LogFlags{.drop = true});
    CHECK(r.cfg->maps.empty());
    CHECK(r.cfg->workers == 2);
}

TEST_CASE("tayga.conf: a very long line is read whole", "[config][tayga]") {
    const std::string spaces(10000, ' ');
    const Config c = good("log" + spaces + "drop" + spaces + "dyn\n");
    CHECK(c.log == LogFlags{.drop = true, .dyn = true});
}

TEST_CASE("tayga.conf: unknown directive", "[config][tayga]") {
    CHECK(bad("foo bar\n") == Lines{"t.conf:4: unknown directive 'foo'"});
    CHECK(bad("ipv4_addr 192.0.2.1\n") == Lines{"t.conf:4: unknown directive 'ipv4_addr'"});
    // Control bytes are shown escaped, never raw.
    CHECK(bad("fo\x01o 1\n") == Lines{"t.conf:4: unknown directive 'fo\\x01o'"});
}

TEST_CASE("tayga.conf: directive names and keyword values in any case, as TAYGA compares them (strcasecmp)",
          "[config][tayga][case]") {
    const auto r = tayga(
        "TUN-DEVICE nat64\n"
        "IPv4-Addr 192.0.2.1\n"
        "Prefix 3fff:6464::/96\n"
        "Tun-Up True\n"
        "WKPF-Strict Yes\n"
        "Log DROP Dyn\n"
        "UDP-Cksum-Mode CALC\n"
        "Map 198.51.100.1 2001:db8::1\n"
        "Offlink-MTU 1500\n");
    REQUIRE(r.diag.errors.empty());
    REQUIRE(r.cfg.has_value());
    CHECK(r.cfg->tun_device == "nat64");
    CHECK(r.cfg->ipv4_addr == v4("192.0.2.1"));
    CHECK(r.cfg->ipv4_addr_pos.line == 2);
    CHECK(r.cfg->tun_up);
    CHECK(r.cfg->wkpf_strict);
    CHECK(r.cfg->log == LogFlags{.drop = true, .dyn = true});
    CHECK(r.cfg->udp_cksum_mode == UdpCksumMode::Calc);
    CHECK(r.cfg->maps.size() == 1);
    CHECK(r.cfg->offlink_mtu == 1500);
    // The same directive in two spellings is still a duplicate.
    CHECK(bad("PREFIX 3fff:6464::/96\n") == Lines{"t.conf:4: duplicate 'prefix' (first at t.conf:3)"});
    // A device name is a name, not a keyword: kept as written.
    const auto upper = tayga("tun-device NAT64\nipv4-addr 192.0.2.1\nprefix 3fff:6464::/96\n");
    REQUIRE(upper.cfg.has_value());
    CHECK(upper.cfg->tun_device == "NAT64");
}

TEST_CASE("tayga.conf: a single-use directive twice is an error citing the first", "[config][tayga]") {
    CHECK(bad("prefix 3fff:6464::/96\n") == Lines{"t.conf:4: duplicate 'prefix' (first at t.conf:3)"});
    CHECK(bad("workers 1\nworkers 1\n") == Lines{"t.conf:5: duplicate 'workers' (first at t.conf:4)"});
    CHECK(bad("tun-device nat64\n") == Lines{"t.conf:4: duplicate 'tun-device' (first at t.conf:1)"});
}

TEST_CASE("tayga.conf: wrong argument counts", "[config][tayga]") {
    CHECK(bad("workers\n") == Lines{"t.conf:4: workers: incorrect number of arguments (expected 1, found 0)"});
    CHECK(bad("offlink-mtu 1280 1500\n") ==
          Lines{"t.conf:4: offlink-mtu: incorrect number of arguments (expected 1, found 2)"});
    CHECK(bad("map 198.51.100.1\n") == Lines{"t.conf:4: map: incorrect number of arguments (expected 2, found 1)"});
    CHECK(bad("tun-up yes no\n") ==
          Lines{"t.conf:4: tun-up: incorrect number of arguments (expected 0 to 1, found 2)"});
}

TEST_CASE("tayga.conf: every error of a file is reported, in order", "[config][tayga]") {
    const auto errors =
        bad("workers 1000\n"
            "bogus\n"
            "udp-cksum-mode sometimes\n");
    CHECK(errors == Lines{
                        "t.conf:4: workers: expected a number from 0 to 256 but found '1000'",
                        "t.conf:5: unknown directive 'bogus'",
                        "t.conf:6: udp-cksum-mode: expected drop, fwd or calc but found 'sometimes'",
                    });
}

TEST_CASE("tun-device: Linux interface name rules (IFNAMSIZ)", "[config][tun-device]") {
    const auto with = [](std::string_view name) {
        return tayga("ipv4-addr 192.0.2.1\nprefix 3fff:6464::/96\ntun-device " + std::string(name) + "\n");
    };
    CHECK(with("nat64").cfg->tun_device == "nat64");
    CHECK(with("abcdefghijklmno").cfg->tun_device == "abcdefghijklmno");  // 15 = IFNAMSIZ - 1
    const std::string tail = " is invalid (1 to 15 characters, none of them '/', ':' or whitespace)";
    CHECK(with("abcdefghijklmnop").diag.errors == Lines{"t.conf:3: tun-device: device name 'abcdefghijklmnop'" + tail});
    CHECK(with("a/b").diag.errors == Lines{"t.conf:3: tun-device: device name 'a/b'" + tail});
    CHECK(with("a:b").diag.errors == Lines{"t.conf:3: tun-device: device name 'a:b'" + tail});
    CHECK(with(".").diag.errors == Lines{"t.conf:3: tun-device: device name '.'" + tail});
    CHECK(with("..").diag.errors == Lines{"t.conf:3: tun-device: device name '..'" + tail});
}

TEST_CASE("ipv4-addr: an IPv4 address", "[config][ipv4-addr]") {
    const auto with = [](std::string_view a) {
        return tayga("tun-device nat64\nipv4-addr " + std::string(a) + "\nprefix 3fff:6464::/96\n");
    };
    CHECK(with("198.51.100.7").cfg->ipv4_addr == v4("198.51.100.7"));
    CHECK(with("192.0.2").diag.errors == Lines{"t.conf:2: ipv4-addr: expected an IPv4 address but found '192.0.2'"});
    CHECK(with("192.0.2.1/24").diag.errors ==
          Lines{"t.conf:2: ipv4-addr: expected an IPv4 address but found '192.0.2.1/24'"});
    CHECK(with("2001:db8::1").diag.errors ==
          Lines{"t.conf:2: ipv4-addr: expected an IPv4 address but found '2001:db8::1'"});
}

TEST_CASE("ipv4-addr, dynamic-pool, map: reserved addresses refused with TAYGA's message, 169.254/16 with a warning",
          "[config][reserved]") {
    const auto with_addr = [](std::string_view a) {
        return tayga("tun-device nat64\nipv4-addr " + std::string(a) + "\nprefix 3fff:6464::/96\n");
    };
    for (const char* a : {"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1", "239.1.2.3", "255.255.255.255"}) {
        INFO(a);
        CHECK(with_addr(a).diag.errors ==
              Lines{std::string("t.conf:2: ipv4-addr: Cannot use reserved address ") + a + " in ipv4-addr directive"});
    }
    // 240/4 is not reserved (translated like any unicast address).
    CHECK(with_addr("240.0.0.1").diag.errors.empty());
    const auto ll = with_addr("169.254.0.1");
    CHECK(ll.diag.errors.empty());
    CHECK(ll.diag.warnings ==
          Lines{"t.conf:2: Using link local address 169.254.0.1 in ipv4-addr directive, use with caution"});

    CHECK(bad("dynamic-pool 127.0.0.0/24\n") ==
          Lines{"t.conf:4: dynamic-pool: Cannot use reserved address 127.0.0.0 in dynamic-pool directive"});
    CHECK(bad("dynamic-pool 224.0.0.0/4\n") ==
          Lines{"t.conf:4: dynamic-pool: Cannot use reserved address 224.0.0.0 in dynamic-pool directive"});
    const auto pool = tayga(base_plus("dynamic-pool 169.254.64.0/24\n"));
    CHECK(pool.diag.errors.empty());
    CHECK(pool.diag.warnings ==
          Lines{"t.conf:4: Using link-local address 169.254.64.0 in dynamic-pool directive, use with caution"});

    CHECK(bad("map 127.0.0.1 2001:db8::1\n") ==
          Lines{"t.conf:4: map: Cannot use reserved address 127.0.0.1 in map directive"});
    CHECK(bad("map 224.1.0.0/16 2001:db8::/112\n") ==
          Lines{"t.conf:4: map: Cannot use reserved address 224.1.0.0 in map directive"});
    CHECK(bad("map 198.51.100.1 ff02::1\n") ==
          Lines{"t.conf:4: map: Cannot use reserved address ff02::1 in map directive"});
    const auto map = tayga(base_plus("map 169.254.1.1 2001:db8::1\n"));
    CHECK(map.diag.errors.empty());
    CHECK(map.diag.warnings ==
          Lines{"t.conf:4: Using link-local address 169.254.1.1 in map directive, use with caution"});
}

TEST_CASE("ipv6-addr, prefix: reserved IPv6 addresses refused with TAYGA's message", "[config][reserved]") {
    CHECK(bad("ipv6-addr ::1\n") ==
          Lines{"t.conf:4: ipv6-addr: Cannot use reserved address ::1 in ipv6-addr directive"});
    CHECK(bad("ipv6-addr fe80::1\n") ==
          Lines{"t.conf:4: ipv6-addr: Cannot use reserved address fe80::1 in ipv6-addr directive"});
    CHECK(bad("ipv6-addr ff05::2\n") ==
          Lines{"t.conf:4: ipv6-addr: Cannot use reserved address ff05::2 in ipv6-addr directive"});
    const auto prefix = tayga("tun-device nat64\nipv4-addr 192.0.2.1\nprefix ::ffff:0:0/96\n");
    CHECK(prefix.diag.errors ==
          Lines{"t.conf:3: prefix: Cannot use reserved address ::ffff:0:0/96 in prefix directive"});
    // 64:ff9b::/32 holds the well-known and the local-use prefixes (RFC 8215).
    CHECK(tayga("tun-device nat64\nipv4-addr 192.0.2.1\nprefix 64:ff9b:1::/48\n").diag.errors.empty());
}

TEST_CASE("ipv6-addr: an explicit IPv6 address is kept as given", "[config][ipv6-addr]") {
    const Config c = good("ipv6-addr 2001:db8::1\n");
    CHECK(c.ipv6_addr == v6("2001:db8::1"));
    CHECK_FALSE(c.ipv6_addr_defaulted);
    CHECK(c.ipv6_addr_pos.line == 4);
    CHECK(bad("ipv6-addr 2001:db8::g\n") ==
          Lines{"t.conf:4: ipv6-addr: expected an IPv6 address but found '2001:db8::g'"});
    CHECK(bad("ipv6-addr 2001:db8::/64\n") ==
          Lines{"t.conf:4: ipv6-addr: expected an IPv6 address but found '2001:db8::/64'"});
}

TEST_CASE("prefix: RFC 6052 §2.2 lengths 32, 40, 48, 56, 64, 96", "[config][prefix]") {
    const auto with = [](std::string_view p) {
        return tayga("tun-device nat64\nipv4-addr 192.0.2.1\nprefix " + std::string(p) + "\n");
    };
    for (const char* ok : {"2001:db8::/32", "2001:db8:100::/40", "2001:db8:122::/48", "2001:db8:122:300::/56",
                           "2001:db8:122:344::/64", "2001:db8:122:344::/96"}) {
        INFO(ok);
        const auto r = with(ok);
        REQUIRE(r.diag.errors.empty());
        CHECK(r.cfg->prefix == p6(ok));
    }
    CHECK(with("2001:db8::/80").diag.errors ==
          Lines{"t.conf:3: prefix: prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052 §2.2) but found /80"});
    CHECK(with("2001:db8::/128").diag.errors ==
          Lines{"t.conf:3: prefix: prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052 §2.2) but found /128"});
    CHECK(with("3fff:6464::1/96").diag.errors == Lines{"t.conf:3: prefix: '3fff:6464::1/96' has host bits set"});
    CHECK(with("3fff:6464::").diag.errors ==
          Lines{"t.conf:3: prefix: expected an IPv6 prefix but found '3fff:6464::'"});
    CHECK(with("3fff:6464::/9x").diag.errors ==
          Lines{"t.conf:3: prefix: expected an IPv6 prefix but found '3fff:6464::/9x'"});
}

TEST_CASE("prefix: RFC 6052 §2.2 bits 64-71 of a /96 must be zero", "[config][prefix]") {
    const auto r = tayga("tun-device nat64\nipv4-addr 192.0.2.1\nprefix 3fff:6464:0:0:ff00::/96\n");
    CHECK(r.diag.errors == Lines{"t.conf:3: prefix: bits 64-71 of the prefix must be zero (RFC 6052 §2.2)"});
    // Below /72 the u octet is outside the prefix: a non-zero one is a host bit.
    const auto r64 = tayga("tun-device nat64\nipv4-addr 192.0.2.1\nprefix 3fff:6464:0:0:ff00::/64\n");
    CHECK(r64.diag.errors == Lines{"t.conf:3: prefix: '3fff:6464:0:0:ff00::/64' has host bits set"});
    // Octet 9 onwards may be anything in a /96.
    const auto ok = tayga("tun-device nat64\nipv4-addr 192.0.2.1\nprefix 3fff:6464:0:0:ff:ffff::/96\n");
    CHECK(ok.diag.errors.empty());
}

TEST_CASE("wkpf-strict: TAYGA's booleans yes/no, true/false, on/off, 1/0 in any case; default yes",
          "[config][wkpf-strict][case]") {
    CHECK(good("").wkpf_strict == true);
    for (const char* yes : {"yes", "true", "on", "1", "YES", "Yes", "True", "ON"}) {
        INFO(yes);
        CHECK(good(std::string("wkpf-strict ") + yes + "\n").wkpf_strict == true);
    }
    for (const char* no : {"no", "false", "off", "0", "NO", "No", "FALSE", "Off"}) {
        INFO(no);
        CHECK(good(std::string("wkpf-strict ") + no + "\n").wkpf_strict == false);
    }
    CHECK(bad("wkpf-strict maybe\n") == Lines{"t.conf:4: wkpf-strict: expected yes or no but found 'maybe'"});
    CHECK(bad("wkpf-strict y\n") == Lines{"t.conf:4: wkpf-strict: expected yes or no but found 'y'"});
    CHECK(bad("wkpf-strict 2\n") == Lines{"t.conf:4: wkpf-strict: expected yes or no but found '2'"});
}

TEST_CASE("dynamic-pool: IPv4 prefix no longer than /31, host bits zero", "[config][dynamic-pool]") {
    const Config c = good("dynamic-pool 198.51.100.128/25\n");
    CHECK(c.dynamic_pool == p4("198.51.100.128/25"));
    CHECK(c.dynamic_pool_pos.line == 4);
    CHECK(good("dynamic-pool 198.51.100.0/31\n").dynamic_pool == p4("198.51.100.0/31"));
    CHECK(bad("dynamic-pool 198.51.100.7/32\n") ==
          Lines{"t.conf:4: dynamic-pool: cannot use a prefix longer than /31 (found /32)"});
    CHECK(bad("dynamic-pool 198.51.100.1/24\n") ==
          Lines{"t.conf:4: dynamic-pool: '198.51.100.1/24' has host bits set"});
    CHECK(bad("dynamic-pool 198.51.100.0\n") ==
          Lines{"t.conf:4: dynamic-pool: expected an IPv4 prefix but found '198.51.100.0'"});
    CHECK(bad("dynamic-pool 2001:db8::/64\n") ==
          Lines{"t.conf:4: dynamic-pool: expected an IPv4 prefix but found '2001:db8::/64'"});
}

TEST_CASE("data-dir: absolute path; default $STATE_DIRECTORY", "[config][data-dir]") {
    CHECK(good("data-dir /var/lib/nat64d\n").data_dir == "/var/lib/nat64d");
    CHECK(good("").data_dir.empty());
    CHECK(good("", Environment{"/var/lib/nat64d"}).data_dir == "/var/lib/nat64d");
    // systemd passes several StateDirectory= entries separated by ':'.
    CHECK(good("", Environment{"/var/lib/nat64d:/var/lib/other"}).data_dir == "/var/lib/nat64d");
    // An explicit data-dir wins over the environment.
    CHECK(good("data-dir /srv/nat64\n", Environment{"/var/lib/nat64d"}).data_dir == "/srv/nat64");
    CHECK(bad("data-dir var/db\n") == Lines{"t.conf:4: data-dir: must be an absolute path but found 'var/db'"});
}

TEST_CASE("map: RFC 7757 host and subnet mappings", "[config][map]") {
    const Config c = good(
        "map 198.51.100.1 2001:db8::1\n"
        "map 198.51.100.128/25 2001:db8:1::80/121\n"
        "map 203.0.113.0/24 2001:db8:2::/120\n");
    REQUIRE(c.maps.size() == 3);
    CHECK(c.maps[0].v4 == p4("198.51.100.1/32"));
    CHECK(c.maps[0].v6 == p6("2001:db8::1/128"));
    CHECK(c.maps[0].pos.file == "t.conf");
    CHECK(c.maps[0].pos.line == 4);
    CHECK(c.maps[1].v4 == p4("198.51.100.128/25"));
    CHECK(c.maps[1].v6 == p6("2001:db8:1::80/121"));
    CHECK(c.maps[2].pos.line == 6);
}

TEST_CASE("map: bad values", "[config][map]") {
    CHECK(bad("map 198.51.100 2001:db8::1\n") ==
          Lines{"t.conf:4: map: expected an IPv4 address or subnet but found '198.51.100'"});
    CHECK(bad("map 198.51.100.1 2001:db8::x\n") ==
          Lines{"t.conf:4: map: expected an IPv6 address or subnet but found '2001:db8::x'"});
    CHECK(bad("map 198.51.100.1/24 2001:db8::/120\n") == Lines{"t.conf:4: map: '198.51.100.1/24' has host bits set"});
    CHECK(bad("map 198.51.100.0/24 2001:db8::1/120\n") == Lines{"t.conf:4: map: '2001:db8::1/120' has host bits set"});
    // RFC 7757 §3.2 / TAYGA: both sides must have as many host bits.
    CHECK(bad("map 198.51.100.0/24 2001:db8::/64\n") ==
          Lines{"t.conf:4: map: IPv4 and IPv6 subnet must be of the same size, but found 198.51.100.0/24 and "
                "2001:db8::/64"});
    CHECK(bad("map 198.51.100.1 2001:db8::/127\n") ==
          Lines{"t.conf:4: map: IPv4 and IPv6 subnet must be of the same size, but found 198.51.100.1/32 and "
                "2001:db8::/127"});
}

TEST_CASE("map-file: absolute, or relative to data-dir", "[config][map-file]") {
    CHECK(good("map-file /etc/nat64d/maps\n").map_file == "/etc/nat64d/maps");
    CHECK(good("data-dir /var/db/tayga\nmap-file maps.conf\n").map_file == "/var/db/tayga/maps.conf");
    CHECK(good("data-dir /var/db/tayga/\nmap-file sub/maps.conf\n").map_file == "/var/db/tayga/sub/maps.conf");
    CHECK(good("map-file maps.conf\n", Environment{"/var/lib/nat64d"}).map_file == "/var/lib/nat64d/maps.conf");
    CHECK(bad("map-file maps.conf\n") ==
          Lines{"t.conf:4: map-file: relative path 'maps.conf' needs data-dir (or $STATE_DIRECTORY)"});
    // A refused data-dir is reported once, not again through map-file.
    CHECK(bad("data-dir rel\nmap-file maps.conf\n") ==
          Lines{"t.conf:4: data-dir: must be an absolute path but found 'rel'"});
}

TEST_CASE("udp-cksum-mode: drop|fwd|calc (RFC 7915 §4.5) by TAYGA's prefixes in any case, default drop",
          "[config][udp-cksum-mode][case]") {
    CHECK(good("").udp_cksum_mode == UdpCksumMode::Drop);
    const auto mode = [](std::string_view v) { return good("udp-cksum-mode " + std::string(v) + "\n").udp_cksum_mode; };
    // TAYGA compares 2, 4 and 3 or 4 leading letters: anything after them counts for nothing.
    for (const char* v : {"drop", "dr", "DROP", "Dropping", "drp"}) {
        INFO(v);
        CHECK(mode(v) == UdpCksumMode::Drop);
    }
    for (const char* v : {"fwd", "FWD", "forw", "forward", "Forwarding", "fwding"}) {
        INFO(v);
        CHECK(mode(v) == UdpCksumMode::Forward);
    }
    for (const char* v : {"calc", "CALC", "calculate", "Calculated"}) {
        INFO(v);
        CHECK(mode(v) == UdpCksumMode::Calc);
    }
    CHECK(bad("udp-cksum-mode d\n") == Lines{"t.conf:4: udp-cksum-mode: expected drop, fwd or calc but found 'd'"});
    CHECK(bad("udp-cksum-mode cal\n") == Lines{"t.conf:4: udp-cksum-mode: expected drop, fwd or calc but found 'cal'"});
    CHECK(bad("udp-cksum-mode for\n") == Lines{"t.conf:4: udp-cksum-mode: expected drop, fwd or calc but found 'for'"});
    CHECK(bad("udp-cksum-mode fw\n") == Lines{"t.conf:4: udp-cksum-mode: expected drop, fwd or calc but found 'fw'"});
    CHECK(bad("udp-cksum-mode pass\n") ==
          Lines{"t.conf:4: udp-cksum-mode: expected drop, fwd or calc but found 'pass'"});
}

TEST_CASE("log: flags in any case, accumulated over lines; a bare log line means no logging", "[config][log]") {
    CHECK(good("log drop reject\nlog icmp\n").log == LogFlags{.drop = true, .reject = true, .icmp = true});
    CHECK(good("log self dyn\n").log == LogFlags{.self = true, .dyn = true});
    CHECK(good("log drop drop\n").log == LogFlags{.drop = true});
    CHECK(good("log DROP Dyn\n").log == LogFlags{.drop = true, .dyn = true});
    CHECK(good("log Reject ICMP sElF\n").log == LogFlags{.reject = true, .icmp = true, .self = true});
    CHECK(good("log\n").log == LogFlags{});
    CHECK(good("log   # nothing\n").log == LogFlags{});
    CHECK(good("log\nlog dyn\n").log == LogFlags{.dyn = true});
    CHECK(bad("log drop verbose\n") ==
          Lines{"t.conf:4: log: unknown flag 'verbose' (expected drop, reject, icmp, self or dyn)"});
}

TEST_CASE("icmp-rate, icmp-burst: the translator's error budget per destination (RFC 4443 §2.4(f)), defaults 100",
          "[config][icmp-rate]") {
    CHECK(good("").icmp_rate == 100);
    CHECK(good("").icmp_burst == 100);
    CHECK(good("icmp-rate 0\n").icmp_rate == 0);
    CHECK(good("icmp-rate 1000000\n").icmp_rate == 1000000);
    CHECK(good("icmp-burst 1\n").icmp_burst == 1);
    CHECK(bad("icmp-rate 1000001\n") ==
          Lines{"t.conf:4: icmp-rate: expected a number from 0 to 1000000 but found '1000001'"});
    CHECK(bad("icmp-rate -1\n") == Lines{"t.conf:4: icmp-rate: expected a number from 0 to 1000000 but found '-1'"});
    CHECK(bad("icmp-burst 0\n") == Lines{"t.conf:4: icmp-burst: expected a number from 1 to 1000000 but found '0'"});
    CHECK(bad("icmp-burst 5 6\n") ==
          Lines{"t.conf:4: icmp-burst: incorrect number of arguments (expected 1, found 2)"});
    const auto t = toml(
        "tun-device = \"nat64\"\nipv4-addr = \"192.0.2.1\"\nprefix = \"3fff:6464::/96\"\n"
        "icmp-rate = 10\nicmp-burst = 4\n");
    REQUIRE(t.cfg.has_value());
    CHECK(t.cfg->icmp_rate == 10);
    CHECK(t.cfg->icmp_burst == 4);
}

TEST_CASE("offlink-mtu: 1280 to 65535 (RFC 7915 §4.1), default 1280", "[config][offlink-mtu]") {
    CHECK(good("").offlink_mtu == 1280);
    CHECK(good("offlink-mtu 1280\n").offlink_mtu == 1280);
    CHECK(good("offlink-mtu 1500\n").offlink_mtu == 1500);
    CHECK(good("offlink-mtu 65535\n").offlink_mtu == 65535);
    CHECK(bad("offlink-mtu 1279\n") == Lines{"t.conf:4: offlink-mtu: 1279 is out of range (1280 to 65535)"});
    CHECK(bad("offlink-mtu 65536\n") == Lines{"t.conf:4: offlink-mtu: 65536 is out of range (1280 to 65535)"});
    CHECK(bad("offlink-mtu 0\n") == Lines{"t.conf:4: offlink-mtu: 0 is out of range (1280 to 65535)"});
    CHECK(bad("offlink-mtu 1500b\n") == Lines{"t.conf:4: offlink-mtu: expected a number but found '1500b'"});
    CHECK(bad("offlink-mtu -1500\n") == Lines{"t.conf:4: offlink-mtu: expected a number but found '-1500'"});
    CHECK(bad("offlink-mtu 99999999999\n") ==
          Lines{"t.conf:4: offlink-mtu: expected a number but found '99999999999'"});
}

TEST_CASE("tun-up: TAYGA's booleans in any case, or bare; default no", "[config][tun-up][case]") {
    CHECK(good("").tun_up == false);
    CHECK(good("tun-up\n").tun_up == true);
    CHECK(good("tun-up yes\n").tun_up == true);
    CHECK(good("tun-up no\n").tun_up == false);
    CHECK(good("tun-up True\n").tun_up == true);
    CHECK(good("tun-up ON\n").tun_up == true);
    CHECK(good("tun-up 1\n").tun_up == true);
    CHECK(good("tun-up False\n").tun_up == false);
    CHECK(good("tun-up 0\n").tun_up == false);
    CHECK(bad("tun-up sure\n") == Lines{"t.conf:4: tun-up: expected yes or no but found 'sure'"});
}

TEST_CASE("tun-ip: IPv4 or IPv6 address with optional length", "[config][tun-ip]") {
    const Config c = good(
        "tun-ip 192.0.2.1\n"
        "tun-ip 2001:db8::1\n"
        "tun-ip 192.0.2.1/24\n"
        "tun-ip 2001:db8::1/64\n");
    REQUIRE(c.tun_ips.size() == 4);
    CHECK(c.tun_ips[0] == TunIp{.is_v6 = false, .v4 = v4("192.0.2.1"), .v6 = {}, .prefix_len = 32});
    CHECK(c.tun_ips[1] == TunIp{.is_v6 = true, .v4 = {}, .v6 = v6("2001:db8::1"), .prefix_len = 128});
    CHECK(c.tun_ips[2] == TunIp{.is_v6 = false, .v4 = v4("192.0.2.1"), .v6 = {}, .prefix_len = 24});
    CHECK(c.tun_ips[3] == TunIp{.is_v6 = true, .v4 = {}, .v6 = v6("2001:db8::1"), .prefix_len = 64});
    CHECK(bad("tun-ip 192.0.2.1/33\n") ==
          Lines{"t.conf:4: tun-ip: expected an IPv4 or IPv6 address but found '192.0.2.1/33'"});
    CHECK(bad("tun-ip 2001:db8::1/129\n") ==
          Lines{"t.conf:4: tun-ip: expected an IPv4 or IPv6 address but found '2001:db8::1/129'"});
    CHECK(bad("tun-ip nat64\n") == Lines{"t.conf:4: tun-ip: expected an IPv4 or IPv6 address but found 'nat64'"});
}

TEST_CASE("tun-route: IPv4 or IPv6 prefix, host bits zero", "[config][tun-route]") {
    const Config c = good(
        "tun-route 3fff:6464::/96\n"
        "tun-route 198.51.100.0/24\n"
        "tun-route 203.0.113.9\n");
    REQUIRE(c.tun_routes.size() == 3);
    CHECK(c.tun_routes[0] == TunRoute{.is_v6 = true, .v4 = {}, .v6 = p6("3fff:6464::/96")});
    CHECK(c.tun_routes[1] == TunRoute{.is_v6 = false, .v4 = p4("198.51.100.0/24"), .v6 = {}});
    CHECK(c.tun_routes[2] == TunRoute{.is_v6 = false, .v4 = p4("203.0.113.9/32"), .v6 = {}});
    CHECK(bad("tun-route 198.51.100.1/24\n") == Lines{"t.conf:4: tun-route: '198.51.100.1/24' has host bits set"});
    CHECK(bad("tun-route 3fff:6464::1/96\n") == Lines{"t.conf:4: tun-route: '3fff:6464::1/96' has host bits set"});
    CHECK(bad("tun-route default\n") ==
          Lines{"t.conf:4: tun-route: expected an IPv4 or IPv6 prefix but found 'default'"});
}

TEST_CASE("deny4: IPv4 address or prefix, host bits zero, repeatable", "[config][deny4]") {
    const Config c = good(
        "deny4 198.51.100.128/25\n"
        "deny4 203.0.113.7\n"
        "deny4 0.0.0.0/0\n");
    CHECK(c.deny4 == std::vector<Prefix4>{p4("198.51.100.128/25"), p4("203.0.113.7/32"), p4("0.0.0.0/0")});
    CHECK(good("").deny4.empty());
    CHECK(bad("deny4 198.51.100.1/24\n") == Lines{"t.conf:4: deny4: '198.51.100.1/24' has host bits set"});
    CHECK(bad("deny4 3fff:6464::/96\n") ==
          Lines{"t.conf:4: deny4: expected an IPv4 address or prefix but found '3fff:6464::/96'"});
    CHECK(bad("deny4 198.51.100.0/33\n") ==
          Lines{"t.conf:4: deny4: expected an IPv4 address or prefix but found '198.51.100.0/33'"});
    CHECK(bad("deny4\n") == Lines{"t.conf:4: deny4: incorrect number of arguments (expected 1, found 0)"});
}

TEST_CASE("workers: 0 to 256; 0 is TAYGA's single queue, kept apart from the default (one per CPU)",
          "[config][workers]") {
    CHECK_FALSE(good("").workers.has_value());
    REQUIRE(good("workers 0\n").workers.has_value());
    CHECK(good("workers 0\n").workers == 0u);
    CHECK(good("workers 4\n").workers == 4u);
    CHECK(good("workers 256\n").workers == 256u);
    CHECK(bad("workers 257\n") == Lines{"t.conf:4: workers: expected a number from 0 to 256 but found '257'"});
    CHECK(bad("workers many\n") == Lines{"t.conf:4: workers: expected a number from 0 to 256 but found 'many'"});
}

TEST_CASE("strict-frag-hdr: accepted with a deprecation warning", "[config][strict-frag-hdr]") {
    const auto r = tayga(base_plus("strict-frag-hdr yes\n"));
    CHECK(r.cfg.has_value());
    CHECK(r.diag.errors.empty());
    CHECK(r.diag.warnings == Lines{"t.conf:4: strict-frag-hdr is deprecated and ignored"});
    // TAYGA 0.9.2 spelled the values on|off|true|false|1|0.
    CHECK(tayga(base_plus("strict-frag-hdr off\n")).cfg.has_value());
    const auto b = tayga(base_plus("strict-frag-hdr maybe\n"));
    CHECK(b.diag.errors == Lines{"t.conf:4: strict-frag-hdr: expected yes or no but found 'maybe'"});
    CHECK(b.diag.warnings.empty());
}

TEST_CASE("load_file: TAYGA file from disk, and an unreadable path", "[config][file]") {
    Diagnostics diag;
    const auto cfg = load_file(NAT64D_CONFIG_TEST_DATA "/tayga.conf", Environment{}, diag);
    REQUIRE(diag.errors.empty());
    REQUIRE(cfg.has_value());
    CHECK(cfg->source_file == NAT64D_CONFIG_TEST_DATA "/tayga.conf");
    CHECK(cfg->tun_device == "nat64");
    CHECK(cfg->prefix == p6("2001:db8:1:ffff::/96"));
    CHECK(cfg->ipv6_addr == v6("2001:db8:1:ffff::c0a8:ff01"));
    REQUIRE(cfg->maps.size() == 1);
    CHECK(cfg->maps[0].v4 == p4("192.168.5.43/32"));
    CHECK(cfg->maps[0].pos.line == 27);

    Diagnostics missing;
    CHECK_FALSE(load_file("/nonexistent/nat64d.conf", Environment{}, missing).has_value());
    CHECK(missing.errors == Lines{"/nonexistent/nat64d.conf: cannot open: No such file or directory"});

    Diagnostics dir;
    CHECK_FALSE(load_file(NAT64D_CONFIG_TEST_DATA, Environment{}, dir).has_value());
    CHECK(dir.errors == Lines{NAT64D_CONFIG_TEST_DATA ": not a regular file (a directory)"});
}

TEST_CASE("load_file: NUL bytes refuse the configuration, TAYGA syntax and TOML", "[config][file]") {
    using namespace std::string_literals;
    Diagnostics tayga;
    CHECK_FALSE(load_tayga_text("tun-device nat64\nipv4-addr 192.0.2.1\0\n"s, "t.conf", Environment{}, tayga));
    CHECK(tayga.errors == Lines{"t.conf:2: NUL byte in a configuration line (a binary or damaged file?)"});
    Diagnostics comment;
    CHECK_FALSE(load_tayga_text("tun-device nat64 # \0\n"s, "t.conf", Environment{}, comment));
    CHECK(comment.errors == Lines{"t.conf:1: NUL byte in a configuration line (a binary or damaged file?)"});
    Diagnostics toml;
    CHECK_FALSE(load_toml_text("tun-device = \"nat64\"\n\n# x\0\n"s, "t.toml", Environment{}, toml));
    CHECK(toml.errors == Lines{"t.toml:3: NUL byte in a configuration line (a binary or damaged file?)"});
}

TEST_CASE("control-socket and metrics-file: absolute paths, default unset", "[config][control-socket][metrics-file]") {
    CHECK(good("").control_socket.empty());
    CHECK(good("").metrics_file.empty());
    CHECK(good("control-socket /run/nat64d/ctl.sock\n").control_socket == "/run/nat64d/ctl.sock");
    CHECK(good("metrics-file /var/lib/node_exporter/nat64d.prom\n").metrics_file ==
          "/var/lib/node_exporter/nat64d.prom");
    CHECK(bad("control-socket ctl.sock\n") ==
          Lines{"t.conf:4: control-socket: must be an absolute path but found 'ctl.sock'"});
    CHECK(bad("metrics-file x.prom\n") == Lines{"t.conf:4: metrics-file: must be an absolute path but found 'x.prom'"});
}

TEST_CASE("metrics-listen: ADDR:PORT with a literal address, IPv6 in brackets; default off",
          "[config][metrics-listen]") {
    CHECK_FALSE(good("").metrics_listen.has_value());
    const auto v4 = good("metrics-listen 127.0.0.1:9164\n").metrics_listen;
    REQUIRE(v4);
    CHECK_FALSE(v4->is_v6);
    CHECK(v4->v4 == *parse_ipv4("127.0.0.1"));
    CHECK(v4->port == 9164);
    const auto v6 = good("metrics-listen [2001:db8::1]:80\n").metrics_listen;
    REQUIRE(v6);
    CHECK(v6->is_v6);
    CHECK(v6->v6 == *parse_ipv6("2001:db8::1"));
    CHECK(v6->port == 80);
    CHECK(to_string(*v6) == "[2001:db8::1]:80");
    for (const char* text : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "localhost:9164", "::1:9164",
                             "[::1]", "[127.0.0.1]:9164", ":9164", "127.0.0.1:+80"}) {
        INFO(text);
        CHECK(bad(std::string("metrics-listen ") + text + "\n") ==
              Lines{std::string("t.conf:4: metrics-listen: expected ADDR:PORT (192.0.2.1:9100 or [2001:db8::1]:9100) "
                                "but found '") +
                    text + "'"});
    }
}

TEST_CASE("metrics-instance: a printable name of at most 128 characters; default unset (tun-device)",
          "[config][metrics-instance]") {
    CHECK(good("").metrics_instance.empty());
    CHECK(good("metrics-instance edge-a\n").metrics_instance == "edge-a");
    CHECK(good("metrics-instance " + std::string(128, 'x') + "\n").metrics_instance.size() == 128);
    CHECK(bad("metrics-instance " + std::string(129, 'x') + "\n") ==
          Lines{"t.conf:4: metrics-instance: expected a name of 1 to 128 printable characters but found '" +
                std::string(129, 'x') + "'"});
}

TEST_CASE("fast-path: on|off|direct (booleans too), default on, printed back", "[config][fast-path]") {
    CHECK(good("").fast_path == FastPathMode::On);
    CHECK(good("fast-path off\n").fast_path == FastPathMode::Off);
    CHECK(good("fast-path no\n").fast_path == FastPathMode::Off);
    CHECK(good("fast-path ON\n").fast_path == FastPathMode::On);
    // Parsed (the daemon refuses it at start, with this position).
    const auto direct = good("fast-path direct\n");
    CHECK(direct.fast_path == FastPathMode::Direct);
    CHECK(direct.fast_path_pos.line == 4);
    CHECK(to_tayga_syntax(direct).find("\nfast-path direct\n") != std::string::npos);
    CHECK(to_tayga_syntax(good("fast-path off\n")).find("\nfast-path off\n") != std::string::npos);
    CHECK(bad("fast-path maybe\n") == Lines{"t.conf:4: fast-path: expected on, off or direct but found 'maybe'"});
}

TEST_CASE("offload: yes|no, default yes", "[config][offload]") {
    CHECK(good("").offload);
    CHECK_FALSE(good("offload no\n").offload);
    CHECK(good("offload yes\n").offload);
    CHECK(bad("offload maybe\n") == Lines{"t.conf:4: offload: expected yes or no but found 'maybe'"});
}
