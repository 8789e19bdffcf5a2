// Helpers for the config tests: load text, look at the diagnostics, and
// compare two Configs setting by setting (positions ignored).
#pragma once

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "support/addrs.hpp"

namespace nat64d::config::test {

using Lines = std::vector<std::string>;

struct Loaded {
    std::optional<Config> cfg;
    Diagnostics diag;
};

inline Loaded tayga(std::string_view text, const Environment& env = {}) {
    Loaded r;
    r.cfg = load_tayga_text(text, "t.conf", env, r.diag);
    return r;
}

inline Loaded toml(std::string_view text, const Environment& env = {}) {
    Loaded r;
    r.cfg = load_toml_text(text, "t.toml", env, r.diag);
    return r;
}

// Three lines every test file starts with; the line under test is line 4.
inline constexpr std::string_view kBase =
    "tun-device nat64\n"
    "ipv4-addr 192.0.2.1\n"
    "prefix 3fff:6464::/96\n";

inline std::string base_plus(std::string_view lines) {
    return std::string(kBase) + std::string(lines);
}

// Loads kBase + `lines`, requires success, returns the Config.
inline Config good(std::string_view lines, const Environment& env = {}) {
    const auto r = tayga(base_plus(lines), env);
    INFO("errors: " << (r.diag.errors.empty() ? std::string("none") : r.diag.errors.front()));
    REQUIRE(r.diag.errors.empty());
    REQUIRE(r.cfg.has_value());
    return *r.cfg;
}

// Loads kBase + `lines`, requires failure, returns the errors.
inline Lines bad(std::string_view lines, const Environment& env = {}) {
    const auto r = tayga(base_plus(lines), env);
    REQUIRE_FALSE(r.cfg.has_value());
    return r.diag.errors;
}

using nat64d::test::p4;
using nat64d::test::p6;
using nat64d::test::v4;
using nat64d::test::v6;

// Every setting of the two Configs, field by field (not through
// to_tayga_syntax, so that the round-trip test is not circular).
inline void require_same_settings(const Config& a, const Config& b) {
    CHECK(a.tun_device == b.tun_device);
    CHECK(a.ipv4_addr == b.ipv4_addr);
    CHECK(a.ipv6_addr == b.ipv6_addr);
    CHECK(a.ipv6_addr_defaulted == b.ipv6_addr_defaulted);
    CHECK(a.prefix == b.prefix);
    CHECK(a.wkpf_strict == b.wkpf_strict);
    CHECK(a.dynamic_pool == b.dynamic_pool);
    CHECK(a.data_dir == b.data_dir);
    CHECK(a.maps == b.maps);
    CHECK(a.deny4 == b.deny4);
    CHECK(a.map_file == b.map_file);
    CHECK(a.udp_cksum_mode == b.udp_cksum_mode);
    CHECK(a.log == b.log);
    CHECK(a.offlink_mtu == b.offlink_mtu);
    CHECK(a.icmp_rate == b.icmp_rate);
    CHECK(a.icmp_burst == b.icmp_burst);
    CHECK(a.tun_up == b.tun_up);
    CHECK(a.tun_ips == b.tun_ips);
    CHECK(a.tun_routes == b.tun_routes);
    CHECK(a.workers == b.workers);
    CHECK(a.metrics_listen == b.metrics_listen);
    CHECK(a.metrics_instance == b.metrics_instance);
}

}  // namespace nat64d::config::test
