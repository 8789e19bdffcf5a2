// The packets the xlat unit tests translate, with the tables they use, for
// the kernel fast path's parity test (test/unit/bpf/bpf_parity.cpp). With
// NAT64D_XLAT_DUMP=<file> in the environment, the xlat test harness
// (run_xlat_ctx) appends one line per packet:
//   <prefix|-> <wkp> <strict> <ipv4-addr> <ipv6-addr> <hairpin> <ipv4 mtu>
//   <ipv6 mtu> <lowest ipv6 mtu> <udp-cksum-mode> <gso> <maps|-> <packet hex>
// where maps is v4prefix=v6prefix[,...]. Tables that cannot be written this
// way (a dynamic pool, a route snapshot, deny4) are left out: the parity
// test covers those with packets of its own.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "nat64d/ip.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::test {

inline const char* udp_mode_name(UdpCksumMode m) {
    switch (m) {
        case UdpCksumMode::Drop: return "drop";
        case UdpCksumMode::Calc: return "calc";
        case UdpCksumMode::Forward: return "fwd";
    }
    return "drop";
}

inline void dump_vector(const xlat::Tables& t, const std::vector<std::uint8_t>& in, bool gso) {
    const char* path = std::getenv("NAT64D_XLAT_DUMP");
    if (path == nullptr || *path == '\0' || in.empty()) return;
    if (t.pool != nullptr || t.routes != nullptr || !t.deny4.empty()) return;
    std::ostringstream line;
    line << (t.prefix ? to_string(*t.prefix) : "-") << ' ' << t.prefix_is_wkp << ' ' << t.wkpf_strict << ' '
         << to_string(t.ipv4_addr) << ' ' << to_string(t.ipv6_addr) << ' ' << t.hairpin << ' ' << t.ipv4_mtu << ' '
         << t.ipv6_mtu << ' ' << t.lowest_ipv6_mtu << ' ' << udp_mode_name(t.udp_cksum_mode) << ' ' << gso << ' ';
    if (t.maps.empty()) line << '-';
    for (std::size_t i = 0; i < t.maps.entries().size(); ++i) {
        const MapPair& e = t.maps.entries()[i];
        line << (i ? "," : "") << to_string(e.v4) << '=' << to_string(e.v6);
    }
    line << ' ';
    static const char* digits = "0123456789abcdef";
    for (const std::uint8_t b : in) line << digits[b >> 4] << digits[b & 15];
    line << '\n';
    if (std::FILE* f = std::fopen(path, "a")) {
        const std::string s = line.str();
        std::fwrite(s.data(), 1, s.size(), f);
        std::fclose(f);
    }
}

// One dumped line, read back.
struct DumpedVector {
    xlat::Tables tables;
    std::string tables_key;  // every field but the packet: equal keys, equal tables
    bool gso = false;
    std::vector<std::uint8_t> packet;
};

inline std::optional<DumpedVector> parse_vector(const std::string& text) {
    std::istringstream in(text);
    std::string prefix, v4a, v6a, udp, maps, hex;
    int wkp = 0, strict = 0, hairpin = 0, gso = 0;
    DumpedVector d;
    if (!(in >> prefix >> wkp >> strict >> v4a >> v6a >> hairpin >> d.tables.ipv4_mtu >> d.tables.ipv6_mtu >>
          d.tables.lowest_ipv6_mtu >> udp >> gso >> maps >> hex))
        return std::nullopt;
    xlat::Tables& t = d.tables;
    if (prefix != "-") {
        auto p = parse_prefix6(prefix);
        if (!p) return std::nullopt;
        t.prefix = *p;
    }
    t.prefix_is_wkp = wkp != 0;
    t.wkpf_strict = strict != 0;
    auto a4 = parse_ipv4(v4a);
    auto a6 = parse_ipv6(v6a);
    if (!a4 || !a6) return std::nullopt;
    t.ipv4_addr = *a4;
    t.ipv6_addr = *a6;
    t.hairpin = hairpin != 0;
    t.udp_cksum_mode = udp == "calc" ? UdpCksumMode::Calc : udp == "fwd" ? UdpCksumMode::Forward : UdpCksumMode::Drop;
    d.gso = gso != 0;
    if (maps != "-") {
        std::istringstream ms(maps);
        std::string pair;
        while (std::getline(ms, pair, ',')) {
            const auto eq = pair.find('=');
            if (eq == std::string::npos) return std::nullopt;
            auto p4 = parse_prefix4(pair.substr(0, eq));
            auto p6 = parse_prefix6(pair.substr(eq + 1));
            if (!p4 || !p6 || !t.maps.add(MapEntry{{*p4, *p6}, {}})) return std::nullopt;
        }
    }
    if (hex.size() % 2 != 0) return std::nullopt;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        d.packet.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    d.tables_key = text.substr(0, text.size() - hex.size());
    return d;
}

}  // namespace nat64d::test
