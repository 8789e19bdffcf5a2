#include "xlat/xlat.hpp"

#include <stdexcept>

#include "addr/rfc6052.hpp"
#include "xlat/stages.hpp"

namespace nat64d::xlat {

Tables make_tables(const Config& cfg) {
    Tables t;
    t.prefix = cfg.prefix;
    t.prefix_is_wkp = cfg.prefix && addr::is_well_known_prefix(*cfg.prefix);
    t.wkpf_strict = cfg.wkpf_strict;
    t.ipv4_addr = cfg.ipv4_addr.value_or(Ipv4Addr{});
    t.ipv6_addr = cfg.ipv6_addr.value_or(Ipv6Addr{});
    t.udp_cksum_mode = cfg.udp_cksum_mode;
    for (const auto& m : cfg.maps) {
        // The validator refuses overlaps; a failure here is a validator bug.
        if (auto st = t.maps.add(m); !st) throw std::runtime_error(st.error());
    }
    return t;
}

Counters& Counters::operator+=(const Counters& o) noexcept {
    packets_4to6 += o.packets_4to6;
    bytes_4to6 += o.bytes_4to6;
    packets_6to4 += o.packets_6to4;
    bytes_6to4 += o.bytes_6to4;
    local_replies += o.local_replies;
    for (std::size_t i = 0; i < drops.size(); ++i) drops[i] += o.drops[i];
    return *this;
}

Verdict translate(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept {
    if (pkt.length == 0) return drop(ctx, Reason::BadVersion);
    switch (pkt.data()[0] >> 4) {
        case 4: return translate_4to6(t, ctx, pkt);
        case 6: return translate_6to4(t, ctx, pkt);
        default: return drop(ctx, Reason::BadVersion);
    }
}

}  // namespace nat64d::xlat
