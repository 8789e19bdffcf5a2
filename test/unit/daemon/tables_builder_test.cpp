// daemon::build_tables: the one place a Config becomes xlat::Tables, and
// the dynamic pool's exclusions.
#include "daemon/tables_builder.hpp"

#include <catch2/catch.hpp>

#include "config/config.hpp"

namespace nat64d::daemon {
namespace {

Config parsed(const std::string& text) {
    config::Diagnostics diag;
    auto cfg = config::load_tayga_text(text, "t.conf", {}, diag);
    INFO((diag.errors.empty() ? std::string{} : diag.errors.front()));
    REQUIRE(cfg);
    return *cfg;
}

const std::string kBase =
    "tun-device nat64\nipv4-addr 192.0.2.1\nprefix 64:ff9b::/96\nwkpf-strict no\n"
    "map 198.51.100.10 2001:db8::10\ndeny4 203.0.113.0/25\nudp-cksum-mode calc\nlog drop self\n"
    "offlink-mtu 1400\nicmp-rate 7\nicmp-burst 9\n";

}  // namespace

TEST_CASE("build_tables: every translation setting of the configuration reaches the tables", "[daemon][tables]") {
    const auto cfg = parsed(kBase);
    const auto t = build_tables(cfg);
    REQUIRE(t);
    REQUIRE(t->prefix);
    CHECK(to_string(*t->prefix) == "64:ff9b::/96");
    CHECK(t->prefix_is_wkp);  // RFC 6052 §2.1 well-known prefix
    CHECK_FALSE(t->wkpf_strict);
    CHECK(to_string(t->ipv4_addr) == "192.0.2.1");
    CHECK(t->ipv6_addr == *cfg.ipv6_addr);  // prefix + ipv4-addr, as the validator derived it
    CHECK(t->udp_cksum_mode == UdpCksumMode::Calc);
    CHECK(t->log.drop);
    CHECK(t->log.self);
    CHECK_FALSE(t->log.reject);
    CHECK(t->icmp_rate == 7u);
    CHECK(t->icmp_burst == 9u);
    CHECK(t->deny4.contains(*parse_ipv4("203.0.113.100")));
    CHECK_FALSE(t->deny4.contains(*parse_ipv4("203.0.113.200")));
    REQUIRE(t->maps.entries().size() == 1);
    CHECK(t->maps.map_4to6(*parse_ipv4("198.51.100.10")) == parse_ipv6("2001:db8::10"));
    // Without a device: no next-hop limit, offlink-mtu as written.
    CHECK(t->ipv4_mtu == 65535u);
    CHECK(t->ipv6_mtu == 65535u);
    CHECK(t->lowest_ipv6_mtu == 1400u);
    CHECK(t->pool == nullptr);
    CHECK(t->routes == nullptr);
}

TEST_CASE("build_tables: the TUN MTU is both next-hop MTUs and caps offlink-mtu (RFC 7915 §4.1)", "[daemon][tables]") {
    const auto cfg = parsed(kBase);
    const auto small = build_tables(cfg, TablesEnv{nullptr, 1300u, nullptr});
    REQUIRE(small);
    CHECK(small->ipv4_mtu == 1300u);
    CHECK(small->ipv6_mtu == 1300u);
    CHECK(small->lowest_ipv6_mtu == 1300u);
    const auto large = build_tables(cfg, TablesEnv{nullptr, 1500u, nullptr});
    REQUIRE(large);
    CHECK(large->ipv4_mtu == 1500u);
    CHECK(large->lowest_ipv6_mtu == 1400u);
    auto routes = std::make_shared<const addr::RouteView>(addr::RouteView::build({}));
    const auto shared = build_shared_tables(cfg, TablesEnv{nullptr, 1500u, routes});
    REQUIRE(shared);
    CHECK((*shared)->routes == routes);
}

TEST_CASE("build_tables: overlapping maps the validator let through are an error, not an exception",
          "[daemon][tables]") {
    auto cfg = parsed(kBase);
    cfg.maps.push_back(cfg.maps.front());  // the same IPv4 prefix twice (RFC 7757 §3.2 one-to-one)
    const auto t = build_tables(cfg);
    REQUIRE_FALSE(t);
    CHECK_FALSE(t.error().empty());
}

TEST_CASE("pool_exclusions: own IPv4 address, both sides of every map, the prefix (RFC 7757 §3.2)",
          "[daemon][tables]") {
    const auto cfg = parsed(kBase + "dynamic-pool 198.51.100.0/24\nmap 198.51.100.64/30 2001:db8:1::/126\n");
    const auto e = pool_exclusions(cfg);
    std::vector<std::string> v4;
    for (const auto& p : e.excluded4) v4.push_back(to_string(p));
    std::vector<std::string> v6;
    for (const auto& p : e.excluded6) v6.push_back(to_string(p));
    CHECK(v4 == std::vector<std::string>{"192.0.2.1/32", "198.51.100.10/32", "198.51.100.64/30"});
    CHECK(v6 == std::vector<std::string>{"2001:db8::10/128", "2001:db8:1::/126", "64:ff9b::/96"});
    const auto o = pool_options(cfg);
    CHECK(to_string(o.prefix) == "198.51.100.0/24");
    CHECK(o.excluded4 == e.excluded4);
    CHECK(o.excluded6 == e.excluded6);
}

}  // namespace nat64d::daemon
