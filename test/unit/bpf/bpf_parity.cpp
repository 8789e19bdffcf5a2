// Parity gate of the kernel fast path: every packet goes through the BPF
// program (BPF_PROG_TEST_RUN) and through xlat::translate with the same
// tables. For every packet the program translates, its bytes must be the
// daemon's (except the IPv4 Identification of a DF=0 packet, drawn from
// generators of their own: then the program's header checksum must be
// valid and its ID non-zero); every other packet must come back from the
// program unchanged with TC_ACT_OK (the daemon's to handle). And the
// program must have translated a good share of the common packets, so that
// passing everything on cannot pass the gate.
//
// Packets: the xlat unit-test vectors (NAT64D_XLAT_DUMP, collected by the
// ctest fixture bpf_collect_xlat_vectors), the xlat fuzz corpora with the
// fuzz targets' two configurations, and generated common packets over
// several configurations (prefix lengths, the WKP, static maps, leases of a
// dynamic pool, own addresses, TTL 1/2, DF, sizes around the MTUs).
//
// Needs root and a kernel that loads BPF: otherwise "SKIPPED: why", exit 77.
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "addr/dynamic_pool.hpp"
#include "addr/rfc6052.hpp"
#include "addr/route_view.hpp"
#include "bpf/fastpath.hpp"
#include "common/checksum.hpp"
#include "daemon/tables_builder.hpp"
#include "fuzz/packet_check.hpp"
#include "support/packet_builder.hpp"
#include "support/vector_dump.hpp"
#include "xlat/xlat.hpp"

namespace {

using namespace nat64d;
using test::Bytes;

constexpr std::uint32_t kTcActOk = 0;
constexpr std::uint32_t kTcActRedirect = 7;

// The packet classes the figures are given for.
enum Class { k4Tcp, k4Udp, k4Echo, k4Other, k6Tcp, k6Udp, k6Echo, k6Other, kClasses };
constexpr const char* kClassNames[kClasses] = {"4->6 TCP", "4->6 UDP", "4->6 ICMP echo", "4->6 other",
                                               "6->4 TCP", "6->4 UDP", "6->4 ICMP echo", "6->4 other"};

Class classify(const Bytes& p) {
    if (p.size() >= 20 && p[0] >> 4 == 4) {
        const std::size_t ihl = (p[0] & 15u) * 4;
        const std::uint8_t proto = p[9];
        if (proto == 6) return k4Tcp;
        if (proto == 17) return k4Udp;
        if (proto == 1 && p.size() > ihl && (p[ihl] == 0 || p[ihl] == 8)) return k4Echo;
        return k4Other;
    }
    if (p.size() >= 40 && p[0] >> 4 == 6) {
        if (p[6] == 6) return k6Tcp;
        if (p[6] == 17) return k6Udp;
        if (p[6] == 58 && p.size() > 40 && (p[40] == 128 || p[40] == 129)) return k6Echo;
        return k6Other;
    }
    return p.size() >= 1 && p[0] >> 4 == 6 ? k6Other : k4Other;
}

struct Figures {
    std::size_t compared = 0, translated = 0, passed = 0, untestable = 0;
};

class Gate {
public:
    explicit Gate(bpf::FastPath& fp) : fp_(fp), ctx_(std::make_unique<xlat::Context>()) {
        ctx_->ipv4_ids.seed({9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6});
    }

    // One packet through both. `key` names the tables (republished when it
    // changes); `source` says where the packet comes from in failures.
    void check(const std::string& key, const xlat::Tables& t, const Bytes& pkt, bool gso, const std::string& source,
               std::map<std::string, Figures>& figs, std::span<const Prefix4> deny4 = {}) {
        if (key != published_) {
            if (const auto s = fp_.publish(t, deny4); !s) fail(source, "publish: " + s.error(), pkt);
            published_ = key;
        }
        Bytes frame(14, 0);
        const bool v6 = !pkt.empty() && pkt[0] >> 4 == 6;
        frame[12] = v6 ? 0x86 : 0x08;
        frame[13] = v6 ? 0xdd : 0x00;
        frame.insert(frame.end(), pkt.begin(), pkt.end());
        const Class cls = classify(pkt);
        Figures& f = figs[kClassNames[cls]];
        auto run = fp_.test_run(frame);
        if (!run) {
            // BPF_PROG_TEST_RUN takes at most a page less the skb's overhead,
            // and refuses a frame shorter than an IP header (the program
            // passes those on: it cannot even read the header).
            if (frame.size() > 3000 || pkt.size() < (v6 ? 40u : 20u)) {
                ++f.untestable;
                return;
            }
            fail(source, run.error(), pkt);
        }
        ++f.compared;

        std::vector<std::uint8_t> buf(xlat::kHeadroom + pkt.size() + 64);
        std::copy(pkt.begin(), pkt.end(), buf.begin() + xlat::kHeadroom);
        xlat::PacketBuf pb{buf.data(), buf.size(), xlat::kHeadroom, pkt.size()};
        pb.gso = gso;
        ctx_->now_ms += 1000;
        const Verdict v = xlat::translate(t, *ctx_, pb);
        const Bytes daemon(pb.data(), pb.data() + (v == Verdict::Drop ? 0 : pb.length));
        mirror_lease(t, pkt);

        if (run->retval == kTcActOk) {
            if (run->data != frame)
                fail(source, "passed on, but changed", pkt, Bytes(run->data.begin() + 14, run->data.end()));
            ++f.passed;
            return;
        }
        if (run->retval != kTcActRedirect) fail(source, "program returned " + std::to_string(run->retval), pkt);
        const Bytes fast(run->data.begin() + 14, run->data.end());
        if (v != Verdict::Forward || ctx_->extra_count != 0) {
            fail(source, "translated by the program, but the daemon's verdict is not a single forwarded packet", pkt,
                 fast);
        }
        if (fast != daemon && !same_but_id(fast, daemon)) fail(source, "translations differ", pkt, fast, daemon);
        ++f.translated;
    }

    std::size_t id_differences() const noexcept { return id_diffs_; }

private:
    // RFC 6864 §4.3: the IDs of DF=0 packets come from different generators;
    // everything else must match, and the program's header must be valid.
    bool same_but_id(const Bytes& fast, const Bytes& daemon) {
        if (fast.size() != daemon.size() || fast.size() < 20 || fast[0] != 0x45) return false;
        for (std::size_t i = 0; i < fast.size(); ++i) {
            if (i == 4 || i == 5 || i == 10 || i == 11) continue;
            if (fast[i] != daemon[i]) return false;
        }
        if ((fast[6] & 0x40) != 0) return false;  // DF=1 carries ID 0 in both
        if (fast[4] == 0 && fast[5] == 0) return false;
        if (common::csum_fold(common::csum_partial(fast.data(), 20)) != 0xffff) return false;
        ++id_diffs_;
        return true;
    }

    // What the daemon integration does: a lease the pool made is mirrored.
    void mirror_lease(const xlat::Tables& t, const Bytes& pkt) {
        if (t.pool == nullptr || pkt.size() < 40 || pkt[0] >> 4 != 6) return;
        Ipv6Addr src;
        std::copy(pkt.begin() + 8, pkt.begin() + 24, src.bytes.begin());
        if (auto v4 = t.pool->find_6to4(src, ctx_->pool_reader)) {
            if (const auto s = fp_.add_lease(src, *v4); !s) fail("lease", s.error(), pkt);
        }
    }

    [[noreturn]] static void fail(const std::string& source, const std::string& what, const Bytes& in,
                                  const Bytes& fast = {}, const Bytes& daemon = {}) {
        std::fprintf(stderr, "FAILED %s: %s\ninput:\n%s\n", source.c_str(), what.c_str(), test::hex(in).c_str());
        if (!fast.empty()) std::fprintf(stderr, "program:\n%s\n", test::hex(fast).c_str());
        if (!daemon.empty()) std::fprintf(stderr, "daemon:\n%s\n", test::hex(daemon).c_str());
        std::exit(1);
    }

    bpf::FastPath& fp_;
    std::unique_ptr<xlat::Context> ctx_;
    std::string published_;
    std::size_t id_diffs_ = 0;
};

// ---- The fuzz targets' configurations (test/fuzz/fuzz_xlat.cpp) ----

Config fuzz_base_config() {
    Config cfg;
    cfg.prefix = test::p6("3fff:6464::/96");
    cfg.ipv4_addr = test::v4("192.0.2.1");
    cfg.ipv6_addr = test::v6("3fff:6464::c000:201");
    cfg.maps.push_back(MapEntry{test::p4("198.51.100.0/24"), test::p6("2001:db8::/120"), {}});
    cfg.maps.push_back(MapEntry{test::p4("192.0.2.77/32"), test::p6("2001:db8:77::77/128"), {}});
    return cfg;
}

std::unique_ptr<addr::DynamicPool> make_pool(const Config& cfg, const char* prefix) {
    Config c = cfg;
    c.dynamic_pool = test::p4(prefix);
    auto p = addr::DynamicPool::create(daemon::pool_options(c));
    if (!p) {
        std::fprintf(stderr, "FAILED: pool: %s\n", p.error().c_str());
        std::exit(1);
    }
    (*p)->set_now(1700000000);
    return std::move(*p);
}

struct NamedTables {
    std::string name;
    xlat::Tables t;
};

// ---- Generated packets ----

struct Hosts {
    std::vector<Ipv4Addr> v4_servers;  // IPv4 hosts reached through the prefix
    std::vector<Ipv6Addr> v6_clients;  // IPv6 hosts with a map, a lease or none
    std::vector<Ipv4Addr> v6_images;   // their IPv4 images (0.0.0.0: none yet)
};

Bytes l4_for(std::uint8_t proto, bool v6, std::size_t payload, std::uint8_t variant) {
    Bytes data(payload);
    for (std::size_t i = 0; i < payload; ++i) data[i] = static_cast<std::uint8_t>(i * 7 + variant);
    switch (proto) {
        case 6: return test::tcp(static_cast<std::uint16_t>(40000 + variant), 443, 0x01020304u * variant, 0x18, data);
        case 17: return test::udp(static_cast<std::uint16_t>(50000 + variant), 53, data);
        default: {
            const std::uint8_t type = v6 ? (variant % 2 ? 129 : 128) : (variant % 2 ? 0 : 8);
            return test::icmp_echo(type, static_cast<std::uint16_t>(0x100 + variant), variant, data);
        }
    }
}

Bytes make4(const Ipv4Addr& s, const Ipv4Addr& d, std::uint8_t proto, std::size_t payload, std::uint8_t ttl, bool df,
            std::uint8_t variant) {
    Bytes l4 = l4_for(proto, false, payload, variant);
    l4 = test::seal4(l4, proto, s, d);
    test::Ip4Hdr h{s, d, proto, ttl, static_cast<std::uint8_t>(variant * 4), static_cast<std::uint16_t>(variant * 31),
                   df};
    return test::ipv4(h, l4);
}

Bytes make6(const Ipv6Addr& s, const Ipv6Addr& d, std::uint8_t proto, std::size_t payload, std::uint8_t hop,
            std::uint8_t variant) {
    const std::uint8_t nh = proto == 1 ? 58 : proto;
    Bytes l4 = l4_for(proto, true, payload, variant);
    l4 = test::seal6(l4, nh, s, d);
    test::Ip6Hdr h{s, d, nh, hop, static_cast<std::uint8_t>(variant * 4), 0x12345u * variant};
    return test::ipv6(h, l4);
}

// Payload sizes around the interesting limits: tiny, 1260 (DF threshold of
// 6->4), the 1280 IPv6 minimum / lowest-ipv6-mtu, 1500 and beyond.
constexpr std::size_t kPayloads[] = {0, 1, 12, 200, 1212, 1220, 1232, 1240, 1241, 1252, 1260, 1440, 1452, 1480, 1500};

void generate(const xlat::Tables& t, const Hosts& h, std::vector<Bytes>& out) {
    const std::uint8_t protos[] = {6, 17, 1};
    std::uint8_t variant = 1;
    for (const std::uint8_t proto : protos) {
        for (const std::size_t payload : kPayloads) {
            for (const std::uint8_t ttl : {std::uint8_t{64}, std::uint8_t{2}, std::uint8_t{1}}) {
                if (ttl != 64 && payload > 200) continue;
                ++variant;
                for (std::size_t c = 0; c < h.v6_clients.size(); ++c) {
                    for (const Ipv4Addr& server : h.v4_servers) {
                        if (!t.prefix) continue;
                        const Ipv6Addr dst6 = addr::embed(*t.prefix, server);
                        out.push_back(make6(h.v6_clients[c], dst6, proto, payload, ttl, variant));
                        if (h.v6_images[c] != Ipv4Addr{}) {
                            for (const bool df : {true, false}) {
                                out.push_back(make4(server, h.v6_images[c], proto, payload, ttl, df, variant));
                            }
                        }
                    }
                }
            }
        }
        // The translator's own addresses, both ways, and a client to them.
        out.push_back(make4(h.v4_servers[0], t.ipv4_addr, proto, 16, 64, true, variant));
        out.push_back(make6(h.v6_clients[0], t.ipv6_addr, proto, 16, 64, variant));
        if (h.v6_images[0] != Ipv4Addr{})
            out.push_back(make4(t.ipv4_addr, h.v6_images[0], proto, 16, 64, true, variant));
        // Reserved, multicast, link-local, non-global classes on either side.
        for (const char* odd :
             {"127.0.0.1", "224.0.0.1", "0.0.0.1", "169.254.0.1", "10.0.0.1", "255.255.255.255", "240.0.0.7"}) {
            const Ipv4Addr a = test::v4(odd);
            if (h.v6_images[0] != Ipv4Addr{}) {
                out.push_back(make4(a, h.v6_images[0], proto, 16, 64, true, variant));
                out.push_back(make4(h.v4_servers[0], a, proto, 16, 64, true, variant));
            }
            if (t.prefix) {
                out.push_back(make6(h.v6_clients[0], addr::embed(*t.prefix, a), proto, 16, 64, variant));
                // An IPv6 source inside the prefix (spoofing rule: own, mapped or pool addresses).
                out.push_back(
                    make6(addr::embed(*t.prefix, a), addr::embed(*t.prefix, h.v4_servers[0]), proto, 16, 64, variant));
            }
        }
        if (t.prefix) {
            for (const Ipv4Addr& mine : {t.ipv4_addr, h.v6_images[0], test::v4("198.51.100.200")}) {
                out.push_back(make6(addr::embed(*t.prefix, mine), addr::embed(*t.prefix, h.v4_servers[0]), proto, 16,
                                    64, variant));
                // Hairpinning: an IPv6 host to the prefix image of a mapped address.
                out.push_back(make6(h.v6_clients[0], addr::embed(*t.prefix, mine), proto, 16, 64, variant));
            }
        }
    }
    // UDP with a zero checksum, IPv4 options, fragments, extension headers,
    // an ICMP error, an all-zero echo reply: the daemon's packets.
    if (t.prefix && h.v6_images[0] != Ipv4Addr{}) {
        const Ipv6Addr dst6 = addr::embed(*t.prefix, h.v4_servers[0]);
        Bytes u = make6(h.v6_clients[0], dst6, 17, 20, 64, 3);
        u[46] = u[47] = 0;
        out.push_back(u);
        Bytes u4 = make4(h.v4_servers[0], h.v6_images[0], 17, 20, 64, true, 3);
        u4[26] = u4[27] = 0;
        out.push_back(u4);
        test::Ip4Hdr opt{h.v4_servers[0], h.v6_images[0], 6, 64, 0, 9, true};
        opt.options = {1, 1, 1, 0};
        out.push_back(test::ipv4(opt, test::seal4(l4_for(6, false, 10, 1), 6, opt.src, opt.dst)));
        test::Ip4Hdr frag{h.v4_servers[0], h.v6_images[0], 17, 64, 0, 77, false, true};
        out.push_back(test::ipv4(frag, test::seal4(l4_for(17, false, 40, 1), 17, frag.src, frag.dst)));
        const Bytes l4 = test::seal6(l4_for(17, true, 40, 1), 17, h.v6_clients[0], dst6);
        out.push_back(test::ipv6({h.v6_clients[0], dst6, 44, 64}, test::cat(test::frag_hdr(17, 0, true, 5), l4)));
        out.push_back(test::ipv6({h.v6_clients[0], dst6, 0, 64}, test::cat(Bytes{17, 0, 1, 4, 0, 0, 0, 0}, l4)));
        // ICMPv6 echo reply with identifier, sequence and data zero: its ICMPv4 checksum is all ones.
        out.push_back(test::ipv6({h.v6_clients[0], dst6, 58, 64},
                                 test::seal6(test::icmp_echo(129, 0, 0, {}), 58, h.v6_clients[0], dst6)));
        out.push_back(test::ipv4({h.v4_servers[0], h.v6_images[0], 1, 64},
                                 test::seal4(test::icmp_echo(0, 0, 0, {}), 1, h.v4_servers[0], h.v6_images[0])));
        // Destination unreachable quoting a packet (an ICMP error).
        const Bytes quoted = make4(h.v6_images[0], h.v4_servers[0], 17, 8, 64, true, 2);
        Bytes err = test::cat(Bytes{3, 1, 0, 0, 0, 0, 0, 0}, quoted);
        out.push_back(
            test::ipv4({h.v4_servers[0], h.v6_images[0], 1, 64}, test::seal4(err, 1, h.v4_servers[0], h.v6_images[0])));
        // Trailing bytes after the IP datagram.
        Bytes trail = make4(h.v4_servers[0], h.v6_images[0], 6, 20, 64, true, 4);
        trail.push_back(0xee);
        out.push_back(trail);
    }
}

Figures total(const std::map<std::string, Figures>& figs) {
    Figures t;
    for (const auto& [name, f] : figs) {
        t.compared += f.compared;
        t.translated += f.translated;
        t.passed += f.passed;
        t.untestable += f.untestable;
    }
    return t;
}

void print(const char* title, const std::map<std::string, Figures>& figs) {
    std::printf("%s\n", title);
    for (const auto& [name, f] : figs) {
        std::printf(
            "  %-16s compared %6zu  translated by the program %6zu  passed to the daemon %6zu%s\n", name.c_str(),
            f.compared, f.translated, f.passed,
            f.untestable
                ? (" (too big or too short for BPF_PROG_TEST_RUN: " + std::to_string(f.untestable) + ")").c_str()
                : "");
    }
}

std::vector<Bytes> read_corpus(const std::filesystem::path& dir, std::vector<std::uint8_t>& controls) {
    std::vector<Bytes> out;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (b.size() < 2) continue;
        controls.push_back(b[0]);
        out.emplace_back(b.begin() + 1, b.end());
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: bpf_parity CORPUS_4TO6 CORPUS_6TO4 XLAT_VECTOR_DUMP\n");
        return 2;
    }
    if (::geteuid() != 0) {
        std::printf("SKIPPED: BPF_PROG_TEST_RUN needs root (CAP_BPF, CAP_NET_ADMIN)\n");
        return 77;
    }
    auto loaded = bpf::FastPath::load({1, bpf::kTestRunL2Len, 4096});
    if (!loaded) {
        const std::string& e = loaded.error();
        if (e.find("not permitted") != std::string::npos || e.find("not implemented") != std::string::npos) {
            std::printf("SKIPPED: the kernel does not load BPF programs here: %s\n", e.c_str());
            return 77;
        }
        std::fprintf(stderr, "FAILED: %s\n", e.c_str());
        return 1;
    }
    bpf::FastPath& fp = **loaded;
    Gate gate(fp);

    // 1. The xlat unit-test vectors.
    std::map<std::string, Figures> vectors;
    {
        std::ifstream in(argv[3]);
        if (!in) {
            std::fprintf(stderr, "FAILED: no xlat vectors in %s (ctest fixture bpf_collect_xlat_vectors)\n", argv[3]);
            return 1;
        }
        std::string line;
        std::size_t n = 0;
        while (std::getline(in, line)) {
            auto d = test::parse_vector(line);
            if (!d) {
                std::fprintf(stderr, "FAILED: unreadable vector line %zu\n", n + 1);
                return 1;
            }
            ++n;
            gate.check(d->tables_key, d->tables, d->packet, d->gso, "xlat vector " + std::to_string(n), vectors);
        }
    }
    print("xlat unit-test vectors:", vectors);

    // 2. The fuzz corpora, with the fuzz targets' configurations.
    std::map<std::string, Figures> corpus;
    {
        Config first_cfg = fuzz_base_config();
        first_cfg.udp_cksum_mode = UdpCksumMode::Calc;
        const xlat::Tables first = daemon::build_tables(first_cfg).value();
        Config second_cfg = fuzz_base_config();
        second_cfg.udp_cksum_mode = UdpCksumMode::Forward;
        xlat::Tables second = daemon::build_tables(second_cfg).value();
        auto pool = make_pool(second_cfg, "203.0.113.0/28");
        second.ipv4_mtu = second.ipv6_mtu = 1280;
        second.hairpin = false;
        second.pool = pool.get();
        for (const int family : {4, 6}) {
            std::vector<std::uint8_t> controls;
            const auto seeds = read_corpus(argv[family == 4 ? 1 : 2], controls);
            for (std::size_t i = 0; i < seeds.size(); ++i) {
                Bytes p = seeds[i];
                p[0] = static_cast<std::uint8_t>((family << 4) | (p[0] & 0x0f));
                if (controls[i] & 0x01) fuzz::repair_ipv4_header(p.data(), p.size());
                if (controls[i] & 0x02) fuzz::repair_l4(p.data(), p.size());
                const bool second_config = (controls[i] & 0x10) != 0;
                // A GSO super-packet cannot be made by BPF_PROG_TEST_RUN: the
                // seed is compared as a plain packet.
                gate.check(second_config ? "fuzz-2" : "fuzz-1", second_config ? second : first, p, false,
                           "fuzz seed " + std::to_string(family) + "/" + std::to_string(i), corpus);
            }
        }
    }
    print("fuzz corpora (xlat4to6, xlat6to4):", corpus);

    // 3. Generated common packets over several configurations.
    std::map<std::string, Figures> generated;
    std::vector<std::unique_ptr<addr::DynamicPool>> pools;
    struct Setup {
        const char* name;
        const char* prefix;
        const char* own6;
        bool wkp_strict;
        const char* pool;
        std::uint32_t mtu;
        bool hairpin;
        int deny4 = 0;        // deny4 203.0.113.0/24: 1 given to the program, 2 not (all prefix translations passed)
        bool routes = false;  // a route snapshot: the routing loop check applies
    };
    const Setup setups[] = {
        {"nsp/96", "3fff:6464::/96", "3fff:6464::c000:201", true, nullptr, 1500, true},
        {"nsp/32", "3fff:6464::/32", "2001:db8:ffff::1", true, nullptr, 1500, true},
        {"nsp/40", "3fff:6464:ab00::/40", "2001:db8:ffff::1", true, nullptr, 1500, true},
        {"nsp/48", "3fff:6464:abcd::/48", "2001:db8:ffff::1", true, nullptr, 1500, true},
        {"nsp/56", "3fff:6464:abcd:ef00::/56", "2001:db8:ffff::1", true, nullptr, 1500, true},
        {"nsp/64", "3fff:6464:abcd:ef01::/64", "2001:db8:ffff::1", true, nullptr, 1500, true},
        {"wkp strict", "64:ff9b::/96", "2001:db8:ffff::1", true, nullptr, 1500, true},
        {"wkp lax", "64:ff9b::/96", "2001:db8:ffff::1", false, nullptr, 1500, true},
        {"pool", "3fff:6464::/96", "3fff:6464::c000:201", true, "203.0.113.0/28", 1500, true},
        {"mtu 1280", "3fff:6464::/96", "3fff:6464::c000:201", true, nullptr, 1280, false},
        {"mtu 9000", "3fff:6464::/96", "3fff:6464::c000:201", true, nullptr, 9000, true},
        {"deny4", "3fff:6464::/96", "3fff:6464::c000:201", true, nullptr, 1500, true, 1},
        {"deny4 unlisted", "3fff:6464::/96", "3fff:6464::c000:201", true, nullptr, 1500, true, 2},
        // The program resolves prefix-made destinations in this namespace's
        // FIB: translated when they leave elsewhere, else passed on. Either
        // way the bytes or the pass must agree with the daemon, whose
        // (empty) snapshot sends nothing into the TUN device.
        {"route check", "3fff:6464::/96", "3fff:6464::c000:201", true, nullptr, 1500, true, 0, true},
    };
    for (const Setup& s : setups) {
        Config cfg;
        cfg.prefix = test::p6(s.prefix);
        cfg.wkpf_strict = s.wkp_strict;
        cfg.ipv4_addr = test::v4("192.0.2.1");
        cfg.ipv6_addr = test::v6(s.own6);
        cfg.maps.push_back(MapEntry{test::p4("198.51.100.10/32"), test::p6("2001:db8::10/128"), {}});
        cfg.maps.push_back(MapEntry{test::p4("198.51.100.128/25"), test::p6("2001:db8:1::80/121"), {}});
        cfg.udp_cksum_mode = UdpCksumMode::Calc;
        if (s.deny4 != 0) cfg.deny4.push_back(test::p4("203.0.113.0/24"));
        const std::span<const Prefix4> deny4 =
            s.deny4 == 1 ? std::span<const Prefix4>(cfg.deny4) : std::span<const Prefix4>();
        auto built = daemon::build_tables(cfg);
        if (!built) {
            std::fprintf(stderr, "FAILED: tables %s: %s\n", s.name, built.error().c_str());
            return 1;
        }
        xlat::Tables t = std::move(built.value());
        t.ipv4_mtu = t.ipv6_mtu = s.mtu;
        t.hairpin = s.hairpin;
        if (s.routes) t.routes = std::make_shared<const addr::RouteView>(addr::RouteView::build({}));
        Hosts h;
        h.v4_servers = {test::v4("203.0.113.5"), test::v4("240.0.2.1"), test::v4("192.0.2.33")};
        h.v6_clients = {test::v6("2001:db8::10"), test::v6("2001:db8:1::85"), test::v6("2001:db8:99::6")};
        h.v6_images = {test::v4("198.51.100.10"), test::v4("198.51.100.133"), Ipv4Addr{}};
        if (s.pool != nullptr) {
            h.v4_servers[0] = test::v4("192.0.2.44");
            pools.push_back(make_pool(cfg, s.pool));
            t.pool = pools.back().get();
            // The pool's first lease goes to the first new source (the daemon's
            // choice); the 4->6 packets to it follow once it exists.
            h.v6_clients = {test::v6("2001:db8:99::5"), test::v6("2001:db8::10"), test::v6("2001:db8:99::6")};
            h.v6_images = {Ipv4Addr{}, test::v4("198.51.100.10"), Ipv4Addr{}};
        }
        std::vector<Bytes> pkts;
        generate(t, h, pkts);
        if (s.pool != nullptr) {
            // Once the first packets made the leases, the same again, now
            // with the IPv4 images of the leased hosts known.
            for (std::size_t i = 0; i < pkts.size(); ++i) {
                gate.check(s.name, t, pkts[i], false, std::string("generated ") + s.name + " #" + std::to_string(i),
                           generated, deny4);
            }
            auto ctx = std::make_unique<xlat::Context>();
            for (std::size_t c = 0; c < h.v6_clients.size(); ++c) {
                if (auto v4 = t.pool->find_6to4(h.v6_clients[c], ctx->pool_reader)) h.v6_images[c] = *v4;
            }
            pkts.clear();
            generate(t, h, pkts);
        }
        for (std::size_t i = 0; i < pkts.size(); ++i) {
            gate.check(s.name, t, pkts[i], false, std::string("generated ") + s.name + " #" + std::to_string(i),
                       generated, deny4);
        }
    }
    print("generated packets:", generated);

    // 4. RFC 6864 §4.3 / RFC 7739: the program's IPv4 Identifications come
    // from the daemon's generator (per CPU): with one key, over more than a
    // cycle of the counter, they are xlat::Ipv4IdGenerator's, value for value.
    std::size_t ids_checked = 0;
    {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(0, &one);
        if (::sched_setaffinity(0, sizeof one, &one) != 0) {
            std::fprintf(stderr, "FAILED: sched_setaffinity: %s\n", std::strerror(errno));
            return 1;
        }
        const xlat::Ipv4IdGenerator::Key key{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        const xlat::Tables t = daemon::build_tables(fuzz_base_config()).value();
        if (const auto s = fp.publish(t); !s || !fp.set_id_key(key)) {
            std::fprintf(stderr, "FAILED: publish or set_id_key\n");
            return 1;
        }
        xlat::Ipv4IdGenerator daemon_ids;
        daemon_ids.seed(key);
        const Bytes pkt = make6(test::v6("2001:db8::10"), test::v6("3fff:6464::cb00:7105"), 17, 8, 64, 1);
        Bytes frame{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x86, 0xdd};
        frame.insert(frame.end(), pkt.begin(), pkt.end());
        for (std::size_t i = 0; i < 70000; ++i) {
            auto r = fp.test_run(frame);
            if (!r || r->retval != kTcActRedirect || r->data.size() < 34) {
                std::fprintf(stderr, "FAILED: ID run %zu not translated\n", i);
                return 1;
            }
            const std::uint16_t id = static_cast<std::uint16_t>(r->data[18] << 8 | r->data[19]);
            const std::uint16_t want = daemon_ids.next();
            if (id != want) {
                std::fprintf(stderr, "FAILED: IPv4 ID %zu is %u, the daemon's generator gives %u\n", i, id, want);
                return 1;
            }
            ++ids_checked;
        }
    }
    std::printf("IPv4 Identification: %zu IDs equal to xlat::Ipv4IdGenerator's under the same key\n", ids_checked);

    std::map<std::string, Figures> all;
    for (const auto* m : {&vectors, &corpus, &generated}) {
        for (const auto& [name, f] : *m) {
            Figures& a = all[name];
            a.compared += f.compared;
            a.translated += f.translated;
            a.passed += f.passed;
            a.untestable += f.untestable;
        }
    }
    const Figures sum = total(all);
    std::printf(
        "total: %zu packets compared, %zu translated by the program (%zu with their own IPv4 ID), %zu passed "
        "to the daemon, %zu too big or too short to test\n",
        sum.compared, sum.translated, gate.id_differences(), sum.passed, sum.untestable);

    // The gate must not pass by passing everything on: of the generated
    // packets of each common class, a good share must be translated.
    bool ok = true;
    for (const Class c : {k4Tcp, k4Udp, k4Echo, k6Tcp, k6Udp, k6Echo}) {
        const Figures& f = generated[kClassNames[c]];
        if (f.compared == 0 || f.translated * 3 < f.compared) {
            std::fprintf(stderr, "FAILED: the program translated only %zu of %zu generated %s packets\n", f.translated,
                         f.compared, kClassNames[c]);
            ok = false;
        }
    }
    if (vectors.empty() || total(vectors).translated == 0) {
        std::fprintf(stderr, "FAILED: no xlat vector was translated by the program\n");
        ok = false;
    }
    return ok ? 0 : 1;
}
