// The one validated configuration, produced by both front ends (TAYGA-format
// and TOML, src/config/) and consumed by the daemon. Field comments name the
// tayga.conf(5) directive each one comes from. The value types that the
// translator, addr and netlink use on their own live in headers of their
// own (map_pair.hpp, map_entry.hpp, xlat_settings.hpp, tun_setup.hpp), so
// that a new directive recompiles none of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nat64d/ip.hpp"
#include "nat64d/map_entry.hpp"
#include "nat64d/source_pos.hpp"
#include "nat64d/tun_setup.hpp"
#include "nat64d/xlat_settings.hpp"

namespace nat64d {

// `metrics-listen ADDR:PORT`: the address and TCP port of the metrics
// HTTP server.
struct ListenAddr {
    bool is_v6 = false;
    Ipv4Addr v4;  // when !is_v6
    Ipv6Addr v6;  // when is_v6
    std::uint16_t port = 0;
    friend bool operator==(const ListenAddr&, const ListenAddr&) = default;
};

// "192.0.2.1:9100" or "[2001:db8::1]:9100", as the directive spells it.
[[nodiscard]] inline std::string to_string(const ListenAddr& a) {
    return (a.is_v6 ? "[" + to_string(a.v6) + "]" : to_string(a.v4)) + ":" + std::to_string(a.port);
}

// fast-path: the kernel fast path (src/bpf) on the TUN device's egress.
// Direct (FIB lookup and redirect to the egress device) is parsed but not
// supported yet: the daemon refuses it at start.
enum class FastPathMode : std::uint8_t { Off, On, Direct };

struct Config {
    std::string source_file;            // the file this came from
    std::string tun_device;             // tun-device (required)
    std::optional<Ipv4Addr> ipv4_addr;  // ipv4-addr (required)
    std::optional<Ipv6Addr> ipv6_addr;  // ipv6-addr; defaulted from prefix + ipv4-addr by validation
    bool ipv6_addr_defaulted = false;
    std::optional<Prefix6> prefix;                     // prefix (RFC 6052; /32 /40 /48 /56 /64 /96)
    bool wkpf_strict = true;                           // wkpf-strict (RFC 6052 §3.1)
    std::optional<Prefix4> dynamic_pool;               // dynamic-pool
    std::string data_dir;                              // data-dir; empty = $STATE_DIRECTORY or no persistence
    std::vector<MapEntry> maps;                        // map (many)
    std::vector<Prefix4> deny4;                        // deny4 (many): never translated through the prefix
    std::string map_file;                              // map-file
    UdpCksumMode udp_cksum_mode = UdpCksumMode::Drop;  // udp-cksum-mode
    LogFlags log;                                      // log
    unsigned offlink_mtu = 1280;                       // offlink-mtu (RFC 7915 §4.1 lowest-ipv6-mtu)
    // icmp-rate, icmp-burst: the translator's own ICMP errors per second
    // and burst, per destination and worker (RFC 4443 §2.4(f)); rate 0 = no limit.
    unsigned icmp_rate = 100;
    unsigned icmp_burst = 100;
    bool tun_up = false;               // tun-up
    std::vector<TunIp> tun_ips;        // tun-ip (many)
    std::vector<TunRoute> tun_routes;  // tun-route (many)
    // workers: worker threads, one TUN queue each; 0 = TAYGA's single queue
    // translated by the main thread; unset = one per online CPU.
    std::optional<unsigned> workers;
    std::string control_group;                  // control-group; empty = the daemon's group
    std::string control_socket;                 // control-socket; empty = RUNTIME_DIRECTORY/TUN.sock
    std::string metrics_file;                   // metrics-file; empty = none
    std::optional<ListenAddr> metrics_listen;   // metrics-listen; unset = no HTTP server
    std::string metrics_instance;               // metrics-instance; empty = tun-device
    bool offload = true;                        // offload: TUN checksum/segmentation offload
    FastPathMode fast_path = FastPathMode::On;  // fast-path

    // Positions of the directives, for cross-field diagnostics.
    SourcePos ipv4_addr_pos, ipv6_addr_pos, prefix_pos, dynamic_pool_pos, fast_path_pos;
};

}  // namespace nat64d
