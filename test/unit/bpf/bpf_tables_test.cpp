// The loader's conversion of xlat::Tables into the fast path's map layout
// (src/bpf/tables.hpp): what the program reads must say what the daemon's
// tables say.
#include <catch2/catch.hpp>
#include <cstring>

#include "addr/dynamic_pool.hpp"
#include "bpf/tables.hpp"
#include "daemon/tables_builder.hpp"
#include "support/addrs.hpp"

namespace {

using namespace nat64d;

Config base_config() {
    Config cfg;
    cfg.prefix = test::p6("3fff:6464::/96");
    cfg.ipv4_addr = test::v4("192.0.2.1");
    cfg.ipv6_addr = test::v6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{test::p4("198.51.100.128/25"), test::p6("2001:db8:1::80/121"), {}});
    cfg.maps.push_back(MapEntry{test::p4("198.51.100.10/32"), test::p6("2001:db8::10/128"), {}});
    return cfg;
}

}  // namespace

TEST_CASE("fast path tables: RFC 6052 prefix, own addresses, MTUs and flags as the daemon's tables say") {
    xlat::Tables t = daemon::build_tables(base_config()).value();
    t.ipv4_mtu = 1500;
    t.ipv6_mtu = 1400;
    t.lowest_ipv6_mtu = 1280;
    t.hairpin = false;
    const bpf::TableSet s = bpf::make_table_set(t);
    CHECK(s.settings.valid == 1);
    CHECK(s.settings.has_prefix == 1);
    CHECK(s.settings.prefix_len == 96);
    CHECK(std::memcmp(s.settings.prefix, test::v6("3fff:6464::").bytes.data(), 16) == 0);
    CHECK(s.settings.wkp_strict == 0);
    CHECK(std::memcmp(s.settings.own4, test::v4("192.0.2.1").bytes.data(), 4) == 0);
    CHECK(std::memcmp(s.settings.own6, test::v6("3fff:6464::c000:201").bytes.data(), 16) == 0);
    CHECK(s.settings.has_pool == 0);
    CHECK(s.settings.hairpin == 0);
    CHECK(s.settings.route_check == 0);
    CHECK(s.settings.deny4 == NAT64D_BPF_DENY4_NONE);
    CHECK(s.settings.has_maps == 1);
    CHECK(s.settings.ipv4_mtu == 1500);
    CHECK(s.settings.ipv6_mtu == 1400);
    CHECK(s.settings.frag_mtu6 == 1280);  // min(offlink-mtu, IPv6 MTU)
    t.lowest_ipv6_mtu = 1500;
    CHECK(bpf::make_table_set(t).settings.frag_mtu6 == 1400);
}

TEST_CASE("fast path tables: RFC 7757 map entries become LPM keys in both directions with their lengths") {
    const xlat::Tables t = daemon::build_tables(base_config()).value();
    const bpf::TableSet s = bpf::make_table_set(t);
    REQUIRE(s.maps.size() == 2);
    const bpf::MapPair& net = s.maps[0];
    CHECK(net.key4.prefixlen == 25);
    CHECK(std::memcmp(net.key4.addr, test::v4("198.51.100.128").bytes.data(), 4) == 0);
    CHECK(std::memcmp(net.val4.v6, test::v6("2001:db8:1::80").bytes.data(), 16) == 0);
    CHECK(net.val4.len4 == 25);
    CHECK(net.key6.prefixlen == 121);
    CHECK(std::memcmp(net.key6.addr, test::v6("2001:db8:1::80").bytes.data(), 16) == 0);
    CHECK(std::memcmp(net.val6.v4, test::v4("198.51.100.128").bytes.data(), 4) == 0);
    CHECK(net.val6.len6 == 121);
    CHECK(s.maps[1].key4.prefixlen == 32);
    CHECK(s.maps[1].key6.prefixlen == 128);
}

TEST_CASE("fast path tables: RFC 6052 §3.1 WKP strictness, the pool, deny4 and the routing loop check") {
    Config cfg = base_config();
    cfg.prefix = test::p6("64:ff9b::/96");
    cfg.ipv6_addr = test::v6("2001:db8:ffff::1");
    xlat::Tables t = daemon::build_tables(cfg).value();
    CHECK(bpf::make_table_set(t).settings.wkp_strict == 1);
    t.wkpf_strict = false;
    CHECK(bpf::make_table_set(t).settings.wkp_strict == 0);

    Config pc = base_config();
    pc.dynamic_pool = test::p4("203.0.113.0/28");
    auto pool = addr::DynamicPool::create(daemon::pool_options(pc));
    REQUIRE(pool.ok());
    t.pool = pool->get();
    t.deny4.add(test::p4("203.0.113.128/25"));
    t.routes = std::make_shared<const addr::RouteView>(addr::RouteView::build({}));
    const bpf::TableSet s = bpf::make_table_set(t);
    CHECK(s.settings.has_pool == 1);
    CHECK(s.settings.pool_len == 28);
    CHECK(std::memcmp(s.settings.pool4, test::v4("203.0.113.0").bytes.data(), 4) == 0);
    // Not enumerable in the daemon's tables: without the configuration's
    // list, any deny4 sends every prefix translation to the daemon.
    CHECK(s.settings.deny4 == NAT64D_BPF_DENY4_UNKNOWN);
    CHECK(s.deny4.empty());
    CHECK(s.settings.route_check == 1);

    // With it, the program looks addresses up in its own deny4 trie.
    const std::vector<Prefix4> list{test::p4("203.0.113.128/25")};
    const bpf::TableSet listed = bpf::make_table_set(t, list);
    CHECK(listed.settings.deny4 == NAT64D_BPF_DENY4_LISTED);
    REQUIRE(listed.deny4.size() == 1);
    CHECK(listed.deny4[0].prefixlen == 25);
    CHECK(std::memcmp(listed.deny4[0].addr, test::v4("203.0.113.128").bytes.data(), 4) == 0);
    // A list that is not the one the tables were built from is not trusted.
    const std::vector<Prefix4> other{test::p4("198.51.100.0/24")};
    CHECK(bpf::make_table_set(t, other).settings.deny4 == NAT64D_BPF_DENY4_UNKNOWN);
}

TEST_CASE("fast path tables: no prefix, no maps") {
    Config cfg;
    cfg.ipv4_addr = test::v4("192.0.2.1");
    cfg.ipv6_addr = test::v6("2001:db8:ffff::1");
    cfg.maps.push_back(MapEntry{test::p4("198.51.100.10/32"), test::p6("2001:db8::10/128"), {}});
    xlat::Tables t = daemon::build_tables(cfg).value();
    t.prefix.reset();
    t.maps = addr::MapTable{};
    const bpf::TableSet s = bpf::make_table_set(t);
    CHECK(s.settings.has_prefix == 0);
    CHECK(s.settings.has_maps == 0);
    CHECK(s.maps.empty());
}

TEST_CASE("fast path counters: every counter has a name and a description") {
    for (const auto& c : bpf::kCounterInfo) {
        CHECK_FALSE(c.name.empty());
        CHECK_FALSE(c.description.empty());
    }
    CHECK(bpf::kCounterInfo[NAT64D_BPF_C_translated_4to6].name == "translated_4to6");
    CHECK(bpf::kCounterInfo[NAT64D_BPF_C_dropped_error].name == "dropped_error");
}

TEST_CASE("fast path tables: the span of the map entries, first to last address covered on each side") {
    const bpf::TableSet s = bpf::make_table_set(daemon::build_tables(base_config()).value());
    // 198.51.100.128/25 and 198.51.100.10/32; 2001:db8:1::80/121 and 2001:db8::10/128
    CHECK(std::memcmp(s.settings.map4_lo, test::v4("198.51.100.10").bytes.data(), 4) == 0);
    CHECK(std::memcmp(s.settings.map4_hi, test::v4("198.51.100.255").bytes.data(), 4) == 0);
    CHECK(std::memcmp(s.settings.map6_lo, test::v6("2001:db8::10").bytes.data(), 16) == 0);
    CHECK(std::memcmp(s.settings.map6_hi, test::v6("2001:db8:1::ff").bytes.data(), 16) == 0);

    Config one = base_config();
    one.maps.erase(one.maps.begin());
    const bpf::TableSet h = bpf::make_table_set(daemon::build_tables(one).value());
    CHECK(std::memcmp(h.settings.map4_lo, h.settings.map4_hi, 4) == 0);
    CHECK(std::memcmp(h.settings.map6_lo, h.settings.map6_hi, 16) == 0);
}

TEST_CASE("fast path tables: RFC 6052 prefix published with the bits after its length zero") {
    xlat::Tables t = daemon::build_tables(base_config()).value();
    REQUIRE(t.prefix);
    t.prefix->addr.bytes[12] = 0xc0;  // bits past /96, which the program would copy into every address
    t.prefix->addr.bytes[15] = 0x01;
    CHECK(std::memcmp(bpf::make_table_set(t).settings.prefix, test::v6("3fff:6464::").bytes.data(), 16) == 0);
    t.prefix->len = 32;
    t.prefix->addr.bytes[5] = 0x64;
    CHECK(std::memcmp(bpf::make_table_set(t).settings.prefix, test::v6("3fff:6464::").bytes.data(), 16) == 0);
}
