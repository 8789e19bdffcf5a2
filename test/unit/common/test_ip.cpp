// include/nat64d/ip.hpp: parsing (inet_pton forms), RFC 5952 printing, masks.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "nat64d/ip.hpp"

using namespace nat64d;

TEST_CASE("ip: parse_ipv4 accepts dotted quads only", "[common][ip]") {
    const auto a = parse_ipv4("192.0.2.33");
    REQUIRE(a);
    CHECK(a->bytes == std::array<std::uint8_t, 4>{192, 0, 2, 33});
    CHECK(a->to_u32() == 0xc0000221u);
    CHECK(Ipv4Addr::from_u32(0xc0000221u) == *a);
    CHECK(parse_ipv4("0.0.0.0"));
    CHECK(parse_ipv4("255.255.255.255"));
    CHECK_FALSE(parse_ipv4(""));
    CHECK_FALSE(parse_ipv4("192.0.2"));
    CHECK_FALSE(parse_ipv4("192.0.2.256"));
    CHECK_FALSE(parse_ipv4("192.0.2.1.5"));
    CHECK_FALSE(parse_ipv4(" 192.0.2.1"));
    CHECK_FALSE(parse_ipv4("192.0.2.1 "));
    CHECK_FALSE(parse_ipv4("192.0.2.1/32"));
    CHECK_FALSE(parse_ipv4("0x7f.0.0.1"));
    CHECK_FALSE(parse_ipv4("2001:db8::1"));
    CHECK_FALSE(parse_ipv4("192.0.2.1111111111111111"));
}

TEST_CASE("ip: parse_ipv6 accepts RFC 4291 §2.2 text", "[common][ip]") {
    const auto a = parse_ipv6("2001:DB8::1");
    REQUIRE(a);
    CHECK(a->bytes == std::array<std::uint8_t, 16>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    const auto m = parse_ipv6("64:ff9b::192.0.2.33");
    REQUIRE(m);
    CHECK(m->bytes ==
          std::array<std::uint8_t, 16>{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x21});
    CHECK(parse_ipv6("::"));
    CHECK(parse_ipv6("1:2:3:4:5:6:7:8"));
    CHECK_FALSE(parse_ipv6(""));
    CHECK_FALSE(parse_ipv6("2001:db8:::1"));
    CHECK_FALSE(parse_ipv6("1:2:3:4:5:6:7:8:9"));
    CHECK_FALSE(parse_ipv6("1::2::3"));
    CHECK_FALSE(parse_ipv6("2001:db8::g"));
    CHECK_FALSE(parse_ipv6("12345::"));
    CHECK_FALSE(parse_ipv6("192.0.2.1"));
    CHECK_FALSE(parse_ipv6("2001:db8::/64"));
    CHECK_FALSE(parse_ipv6("2001:0db8:0000:0000:0000:0000:0000:0001:"));
}

TEST_CASE("ip: prefixes parse with /len, host bits refused unless allowed", "[common][ip]") {
    const auto p = parse_prefix4("192.0.2.0/24");
    REQUIRE(p);
    CHECK(p->len == 24);
    CHECK(p->addr == Ipv4Addr{{192, 0, 2, 0}});
    const auto host = parse_prefix4("192.0.2.1");
    REQUIRE(host);
    CHECK(host->len == 32);
    CHECK_FALSE(parse_prefix4("192.0.2.1/24"));
    const auto loose = parse_prefix4("192.0.2.1/24", true);
    REQUIRE(loose);
    CHECK(*loose == *p);
    CHECK(parse_prefix4("0.0.0.0/0"));
    CHECK_FALSE(parse_prefix4("192.0.2.0/33"));
    CHECK_FALSE(parse_prefix4("192.0.2.0/"));
    CHECK_FALSE(parse_prefix4("192.0.2.0/-1"));
    CHECK_FALSE(parse_prefix4("192.0.2.0/+24"));
    CHECK_FALSE(parse_prefix4("192.0.2.0/24x"));
    CHECK_FALSE(parse_prefix4("192.0.2.0/24/24"));
    CHECK_FALSE(parse_prefix4("/24"));

    const auto q = parse_prefix6("64:ff9b::/96");
    REQUIRE(q);
    CHECK(q->len == 96);
    const auto host6 = parse_prefix6("2001:db8::1");
    REQUIRE(host6);
    CHECK(host6->len == 128);
    CHECK_FALSE(parse_prefix6("2001:db8::1/64"));
    const auto loose6 = parse_prefix6("2001:db8::1/64", true);
    REQUIRE(loose6);
    CHECK(loose6->addr == *parse_ipv6("2001:db8::"));
    CHECK_FALSE(parse_prefix6("2001:db8::/129"));
    CHECK_FALSE(parse_prefix6("2001:db8::/1000"));
    CHECK(parse_prefix6("::/0"));
}

TEST_CASE("ip: to_string prints RFC 5952 canonical text", "[common][ip]") {
    CHECK(to_string(*parse_ipv4("192.0.2.33")) == "192.0.2.33");
    CHECK(to_string(*parse_ipv6("2001:0DB8:0000:0000:0000:0000:0000:0001")) == "2001:db8::1");
    // RFC 5952 §4.2.2: a single zero group is not shortened (RFC 6052 §2.4 /64 row).
    CHECK(to_string(*parse_ipv6("2001:db8:122:344:c0:2:2100::")) == "2001:db8:122:344:c0:2:2100:0");
    // RFC 5952 §4.2.3: the longest run is shortened; on a tie the first.
    CHECK(to_string(*parse_ipv6("2001:0:0:1:0:0:0:1")) == "2001:0:0:1::1");
    CHECK(to_string(*parse_ipv6("2001:db8:0:0:1:0:0:1")) == "2001:db8::1:0:0:1");
    CHECK(to_string(*parse_ipv6("::")) == "::");
    CHECK(to_string(*parse_ipv6("64:ff9b::192.0.2.33")) == "64:ff9b::c000:221");
    CHECK(to_string(*parse_prefix4("198.51.100.0/24")) == "198.51.100.0/24");
    CHECK(to_string(*parse_prefix6("64:ff9b::/96")) == "64:ff9b::/96");
    CHECK(to_string(*parse_prefix6("2001:db8::1")) == "2001:db8::1/128");
}

TEST_CASE("ip: mask, contains, overlaps", "[common][ip]") {
    const Ipv4Addr a{{192, 0, 2, 255}};
    CHECK(mask(a, 0) == Ipv4Addr{{0, 0, 0, 0}});
    CHECK(mask(a, 25) == Ipv4Addr{{192, 0, 2, 128}});
    CHECK(mask(a, 31) == Ipv4Addr{{192, 0, 2, 254}});
    CHECK(mask(a, 32) == a);
    const Ipv6Addr b = *parse_ipv6("2001:db8:ffff::ffff");
    CHECK(mask(b, 33) == *parse_ipv6("2001:db8:8000::"));
    CHECK(mask(b, 127) == *parse_ipv6("2001:db8:ffff::fffe"));
    CHECK(mask(b, 128) == b);

    const Prefix4 p = *parse_prefix4("192.0.2.0/24");
    CHECK(p.contains(Ipv4Addr{{192, 0, 2, 0}}));
    CHECK(p.contains(Ipv4Addr{{192, 0, 2, 255}}));
    CHECK_FALSE(p.contains(Ipv4Addr{{192, 0, 3, 0}}));
    CHECK(p.overlaps(*parse_prefix4("192.0.2.128/25")));
    CHECK(parse_prefix4("192.0.2.128/25")->overlaps(p));
    CHECK(p.overlaps(*parse_prefix4("0.0.0.0/0")));
    CHECK_FALSE(p.overlaps(*parse_prefix4("192.0.3.0/24")));

    const Prefix6 q = *parse_prefix6("64:ff9b::/96");
    CHECK(q.contains(*parse_ipv6("64:ff9b::ffff:ffff")));
    CHECK_FALSE(q.contains(*parse_ipv6("64:ff9b::1:0:0")));
    CHECK(q.overlaps(*parse_prefix6("64:ff9b::/64")));
    CHECK_FALSE(q.overlaps(*parse_prefix6("64:ff9b:1::/48")));
}
