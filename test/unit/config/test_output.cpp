// to_tayga_syntax (`nat64d --check-config`), the directive table, and
// changed_directives.
#include <algorithm>

#include "config_test_util.hpp"

using namespace nat64d;
using namespace nat64d::config;
using namespace nat64d::config::test;

TEST_CASE("to_tayga_syntax: defaults and unset settings of a minimal file", "[config][output]") {
    CHECK(to_tayga_syntax(good("")) ==
          "# nat64d effective configuration\n"
          "tun-device nat64\n"
          "ipv4-addr 192.0.2.1\n"
          "# ipv6-addr 3fff:6464::c000:201 (default: prefix + ipv4-addr)\n"
          "prefix 3fff:6464::/96\n"
          "wkpf-strict yes\n"
          "# dynamic-pool (not set)\n"
          "# data-dir (not set)\n"
          "# map (none)\n"
          "# deny4 (none)\n"
          "# map-file (not set)\n"
          "udp-cksum-mode drop\n"
          "# log (none)\n"
          "offlink-mtu 1280\n"
          "icmp-rate 100\n"
          "icmp-burst 100\n"
          "tun-up no\n"
          "# tun-ip (none)\n"
          "# tun-route (none)\n"
          "# workers (default: one per online CPU)\n"
          "offload yes\n"
          "fast-path on\n"
          "# control-socket (default: RUNTIME_DIRECTORY/TUN-DEVICE.sock)\n"
          "# control-group (default: the daemon's group)\n"
          "# metrics-file (not set)\n"
          "# metrics-listen (not set: no HTTP server)\n"
          "# metrics-instance (default: tun-device)\n"
          "# strict-frag-hdr (deprecated and ignored)\n");
}

TEST_CASE("to_tayga_syntax: every setting", "[config][output]") {
    const Config c = good(
        "ipv6-addr 2001:db8::1\n"
        "wkpf-strict no\n"
        "dynamic-pool 192.0.2.128/25\n"
        "data-dir /var/lib/nat64d\n"
        "map 198.51.100.10 2001:db8:5::10\n"
        "map 203.0.113.0/24 2001:db8:1::/120\n"
        "deny4 198.51.100.128/25\n"
        "deny4 203.0.113.7/32\n"
        "map-file maps.conf\n"
        "udp-cksum-mode fwd\n"
        "log dyn icmp\n"
        "log drop\n"
        "offlink-mtu 1400\n"
        "icmp-rate 0\n"
        "icmp-burst 7\n"
        "tun-up\n"
        "tun-ip 192.0.2.1/24\n"
        "tun-ip 2001:db8::1\n"
        "tun-route 3fff:6464::/96\n"
        "tun-route 198.51.100.0/24\n"
        "workers 2\n"
        "metrics-listen [::1]:9164\n"
        "metrics-instance edge-a\n"
        "strict-frag-hdr yes\n");
    CHECK(to_tayga_syntax(c) ==
          "# nat64d effective configuration\n"
          "tun-device nat64\n"
          "ipv4-addr 192.0.2.1\n"
          "ipv6-addr 2001:db8::1\n"
          "prefix 3fff:6464::/96\n"
          "wkpf-strict no\n"
          "dynamic-pool 192.0.2.128/25\n"
          "data-dir /var/lib/nat64d\n"
          "map 198.51.100.10 2001:db8:5::10\n"
          "map 203.0.113.0/24 2001:db8:1::/120\n"
          "deny4 198.51.100.128/25\n"
          "deny4 203.0.113.7\n"
          "map-file /var/lib/nat64d/maps.conf\n"
          "udp-cksum-mode fwd\n"
          "log drop icmp dyn\n"
          "offlink-mtu 1400\n"
          "icmp-rate 0\n"
          "icmp-burst 7\n"
          "tun-up yes\n"
          "tun-ip 192.0.2.1/24\n"
          "tun-ip 2001:db8::1/128\n"
          "tun-route 3fff:6464::/96\n"
          "tun-route 198.51.100.0/24\n"
          "workers 2\n"
          "offload yes\n"
          "fast-path on\n"
          "# control-socket (default: RUNTIME_DIRECTORY/TUN-DEVICE.sock)\n"
          "# control-group (default: the daemon's group)\n"
          "# metrics-file (not set)\n"
          "metrics-listen [::1]:9164\n"
          "metrics-instance edge-a\n"
          "# strict-frag-hdr (deprecated and ignored)\n");
}

TEST_CASE("to_tayga_syntax: parsing the output again gives the same settings", "[config][output]") {
    const Environment env{"/var/lib/nat64d"};
    for (const std::string_view extra : {
             std::string_view{""},
             std::string_view{"ipv6-addr 2001:db8::1\nwkpf-strict no\nlog reject self\ntun-up yes\n"},
             std::string_view{
                 "dynamic-pool 198.51.100.0/24\nmap 203.0.113.7 2001:db8::7\nmap-file m\n"
                 "udp-cksum-mode calc\nofflink-mtu 9000\nicmp-rate 20\nicmp-burst 5\ntun-ip 2001:db8::2/64\n"
                 "tun-route 203.0.113.0/24\nworkers 256\n"},
             std::string_view{"metrics-listen 127.0.0.1:9164\nmetrics-instance nat64-edge\n"},
         }) {
        INFO(extra);
        const Config first = good(extra, env);
        const std::string text = to_tayga_syntax(first);
        const auto again = tayga(text, env);
        INFO(text);
        REQUIRE(again.diag.errors.empty());
        REQUIRE(again.cfg.has_value());
        require_same_settings(first, *again.cfg);
        CHECK(to_tayga_syntax(*again.cfg) == text);
    }
    // A TOML file's settings printed in TAYGA syntax parse back the same.
    const auto t = toml(
        "tun-device = \"nat64\"\nipv4-addr = \"192.168.255.1\"\nprefix = \"64:ff9b::/96\"\nwkpf-strict = false\n"
        "map = [{ ipv4 = \"198.51.100.0/24\", ipv6 = \"2001:db8:1::/120\" }]\nlog = \"drop\"\n");
    REQUIRE(t.diag.errors.empty());
    const auto back = tayga(to_tayga_syntax(*t.cfg));
    REQUIRE(back.cfg.has_value());
    require_same_settings(*t.cfg, *back.cfg);
}

TEST_CASE("directives: the table lists every tayga.conf directive once", "[config][directives]") {
    std::vector<std::string_view> names;
    for (const auto& d : directives()) {
        INFO(d.name);
        names.push_back(d.name);
        CHECK_FALSE(d.syntax.empty());
        CHECK_FALSE(d.doc.empty());
    }
    CHECK(names == std::vector<std::string_view>{"tun-device",     "ipv4-addr",        "ipv6-addr",      "prefix",
                                                 "wkpf-strict",    "dynamic-pool",     "data-dir",       "map",
                                                 "deny4",          "map-file",         "udp-cksum-mode", "log",
                                                 "offlink-mtu",    "icmp-rate",        "icmp-burst",     "tun-up",
                                                 "tun-ip",         "tun-route",        "workers",        "offload",
                                                 "fast-path",      "control-socket",   "control-group",  "metrics-file",
                                                 "metrics-listen", "metrics-instance", "strict-frag-hdr"});
    const auto info = [](std::string_view name) {
        const auto all = directives();
        const auto it = std::find_if(all.begin(), all.end(), [name](const DirectiveInfo& d) { return d.name == name; });
        REQUIRE(it != all.end());
        return *it;
    };
    CHECK(info("map").many);
    CHECK(info("log").many);
    CHECK(info("tun-ip").many);
    CHECK(info("tun-route").many);
    CHECK_FALSE(info("prefix").many);
    CHECK(info("tun-device").reload == Reload::Restart);
    CHECK(info("workers").reload == Reload::Restart);
    CHECK(info("data-dir").reload == Reload::Restart);
    CHECK(info("map").reload == Reload::Runtime);
    CHECK(info("metrics-listen").reload == Reload::Restart);
    CHECK(info("metrics-instance").reload == Reload::Restart);
    CHECK(info("fast-path").reload == Reload::Restart);
    CHECK(info("strict-frag-hdr").deprecated);
    CHECK_FALSE(info("prefix").deprecated);
}

TEST_CASE("changed_directives: names what differs, ignores positions", "[config][directives]") {
    const Config a = good("workers 2\nmap 198.51.100.1 2001:db8::1\n");
    const Config same = good("\n\nmap 198.51.100.1 2001:db8::1\nworkers 2\n");  // other lines
    CHECK(changed_directives(a, same).empty());
    const Config b = good("workers 3\nmap 198.51.100.1 2001:db8::1\nlog drop\n");
    CHECK(changed_directives(a, b) == std::vector<std::string_view>{"log", "workers"});
}

TEST_CASE("control-group: a group name, printed back; anything else refused", "[config][directives]") {
    const auto text = to_tayga_syntax(good("control-group nat64dctl\n"));
    CHECK(text.find("\ncontrol-group nat64dctl\n") != std::string::npos);
    for (const char* line : {"control-group -x\n", "control-group a/b\n", "control-group a$b\n"}) {
        INFO(line);
        const auto errors = bad(line);
        REQUIRE(errors.size() == 1);
        CHECK(errors.front().find("t.conf:4: ") != std::string::npos);
    }
}

TEST_CASE("keep_sealed: every Restart directive of the table keeps its running value, and only those",
          "[config][directives]") {
    Diagnostics diag;
    const auto running =
        load_tayga_text("tun-device nat64\nipv4-addr 192.0.2.1\nprefix 3fff:6464::/96\n", "a.conf", {}, diag);
    // Every directive changed at once.
    const auto edited = load_tayga_text(
        "tun-device clat\nipv4-addr 192.0.2.2\nipv6-addr 2001:db8::2\nprefix 3fff:6464:1::/96\nwkpf-strict no\n"
        "dynamic-pool 198.51.100.0/24\ndata-dir /var/lib/x\nmap 203.0.113.5 2001:db8:5::5\ndeny4 "
        "198.51.100.0/25\nmap-file /etc/m\n"
        "udp-cksum-mode calc\nlog drop\nofflink-mtu 1400\nicmp-rate 10\nicmp-burst 20\ntun-up yes\ntun-ip "
        "192.0.2.9\ntun-route 203.0.113.0/24\n"
        "workers 3\noffload no\nfast-path off\ncontrol-socket /run/x.sock\ncontrol-group wheel\nmetrics-file "
        "/var/lib/x/m.prom\n"
        "metrics-listen 127.0.0.1:9164\nmetrics-instance x\n",
        "b.conf", {}, diag);
    REQUIRE(running);
    REQUIRE(edited);
    Config next = *edited;
    CHECK(sealed_table_complete());
    keep_sealed(next, *running);
    std::vector<std::string_view> restart;
    std::vector<std::string_view> runtime;
    for (const auto& d : directives()) {
        if (d.deprecated) continue;
        (d.reload == Reload::Restart ? restart : runtime).push_back(d.name);
    }
    // All restart settings are back to the running ones ...
    const auto still_changed = changed_directives(*running, next);
    for (const auto name : restart) {
        INFO(name);
        CHECK(std::find(still_changed.begin(), still_changed.end(), name) == still_changed.end());
    }
    // ... and every runtime setting keeps the edit.
    CHECK(still_changed == runtime);
}
