// Router Advertisements of nat64d-lab, as bytes: RFC 4861 §4.2 and §4.6,
// RFC 8106 §5.1 (RDNSS), RFC 8781 §4 (PREF64).
#include <catch2/catch.hpp>

#include <vector>

#include "lab/ra.hpp"

using nat64d::lab::build_router_advert;
using nat64d::lab::check;
using nat64d::lab::pref64_plc;
using nat64d::lab::RaSettings;

namespace {

RaSettings lab_settings() {
    RaSettings s;
    s.prefix = *nat64d::parse_prefix6("2001:db8:1:1::/64");
    s.rdnss = {*nat64d::parse_ipv6("2001:db8:1:1::1")};
    s.pref64 = *nat64d::parse_prefix6("3fff:6464::/96");
    s.router_lifetime = 180;
    s.rdnss_lifetime = 180;
    s.pref64_lifetime = 180;
    return s;
}

// clang-format off
const std::vector<std::uint8_t> kHeader = {
    134, 0, 0, 0,                    // type RA, code 0, checksum left to the kernel
    0, 0x00, 0x00, 180,              // cur hop limit 0, M=O=0, router lifetime 180
    0, 0, 0, 0, 0, 0, 0, 0,          // reachable time, retrans timer: unspecified
};
const std::vector<std::uint8_t> kPrefixInfo = {
    3, 4, 64, 0xc0,                  // PIO, 4 units, /64, L and A
    0, 0x01, 0x51, 0x80,             // valid 86400
    0, 0, 0x38, 0x40,                // preferred 14400
    0, 0, 0, 0,                      // reserved
    0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
};
const std::vector<std::uint8_t> kRdnss = {
    25, 3, 0, 0,                     // RDNSS, 1 + 2 units, reserved
    0, 0, 0, 180,                    // lifetime 180
    0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
};
const std::vector<std::uint8_t> kPref64 = {
    38, 2,                           // PREF64, 2 units
    0x00, 0xb8,                      // scaled lifetime 23 (184 s: 180 rounded up to 8) << 3 | PLC 0 (/96)
    0x3f, 0xff, 0x64, 0x64, 0, 0, 0, 0, 0, 0, 0, 0,  // highest 96 bits of 3fff:6464::/96
};
// clang-format on

std::vector<std::uint8_t> concat(std::initializer_list<std::vector<std::uint8_t>> parts) {
    std::vector<std::uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace

TEST_CASE("RFC 4861 4.2, RFC 8106 5.1, RFC 8781 4: the lab's advertisement, byte for byte", "[lab][ra]") {
    const auto s = lab_settings();
    REQUIRE_FALSE(check(s));
    CHECK(build_router_advert(s, false) == concat({kHeader, kPrefixInfo, kRdnss, kPref64}));
}

TEST_CASE("RFC 4861 4.6.1, 4.6.4: source link-layer address and MTU options come first", "[lab][ra]") {
    auto s = lab_settings();
    s.link_addr = std::array<std::uint8_t, 6>{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
    s.mtu = 1500;
    const std::vector<std::uint8_t> sll = {1, 1, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
    const std::vector<std::uint8_t> mtu = {5, 1, 0, 0, 0, 0, 0x05, 0xdc};
    CHECK(build_router_advert(s, false) == concat({kHeader, sll, mtu, kPrefixInfo, kRdnss, kPref64}));
}

TEST_CASE("RFC 4861 6.2.5: the final advertisement withdraws router, prefix, RDNSS and PREF64", "[lab][ra]") {
    const auto ra = build_router_advert(lab_settings(), true);
    REQUIRE(ra.size() == 16 + 32 + 24 + 16);
    CHECK(ra[6] == 0);  // router lifetime 0
    CHECK(ra[7] == 0);
    // Prefix: preferred lifetime 0 (deprecated), valid lifetime kept: a host
    // ignores a shorter one below two hours anyway (RFC 4862 §5.5.3 e).
    CHECK(std::vector<std::uint8_t>(ra.begin() + 16 + 4, ra.begin() + 16 + 12) ==
          std::vector<std::uint8_t>{0, 0x01, 0x51, 0x80, 0, 0, 0, 0});
    CHECK(std::vector<std::uint8_t>(ra.begin() + 48 + 4, ra.begin() + 48 + 8) == std::vector<std::uint8_t>{0, 0, 0, 0});
    CHECK(ra[72 + 2] == 0x00);  // PREF64 scaled lifetime 0, PLC 0
    CHECK(ra[72 + 3] == 0x00);
}

TEST_CASE("RFC 8106 5.1: several DNS servers share one RDNSS option", "[lab][ra]") {
    auto s = lab_settings();
    s.rdnss.push_back(*nat64d::parse_ipv6("2001:db8:1:1::2"));
    s.pref64.reset();
    const auto ra = build_router_advert(s, false);
    REQUIRE(ra.size() == 16 + 32 + 40);
    CHECK(ra[48] == 25);
    CHECK(ra[49] == 5);  // 1 + 2 * 2 units
    CHECK(ra[48 + 8 + 16 + 15] == 2);
}

TEST_CASE("RFC 8781 4: prefix length codes and the prefix bits carried", "[lab][ra]") {
    CHECK(pref64_plc(96) == 0);
    CHECK(pref64_plc(64) == 1);
    CHECK(pref64_plc(56) == 2);
    CHECK(pref64_plc(48) == 3);
    CHECK(pref64_plc(40) == 4);
    CHECK(pref64_plc(32) == 5);
    CHECK_FALSE(pref64_plc(80));
    CHECK_FALSE(pref64_plc(128));

    auto s = lab_settings();
    s.pref64 = *nat64d::parse_prefix6("2001:db8:64::/48");
    s.pref64_lifetime = 65528;  // the largest: 8191 units of 8 s
    const auto ra = build_router_advert(s, false);
    const std::vector<std::uint8_t> pref64(ra.end() - 16, ra.end());
    CHECK(pref64 == std::vector<std::uint8_t>{38, 2, 0xff, 0xfb, 0x20, 0x01, 0x0d, 0xb8, 0, 0x64, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("what cannot be advertised is refused", "[lab][ra]") {
    auto s = lab_settings();
    s.prefix = *nat64d::parse_prefix6("2001:db8:1::/48");
    CHECK(check(s));
    s = lab_settings();
    s.rdnss.clear();
    CHECK(check(s));
    s = lab_settings();
    s.pref64 = *nat64d::parse_prefix6("3fff:6464::/80");
    CHECK(check(s));
    s = lab_settings();
    s.pref64_lifetime = 65529;
    CHECK(check(s));
    s = lab_settings();
    s.preferred_lifetime = s.valid_lifetime + 1;
    CHECK(check(s));
}
