#include "xlat/xlat.hpp"

#include "addr/rfc6052.hpp"
#include "addr/special.hpp"
#include "xlat/stages.hpp"

namespace nat64d::xlat {

Counters& Counters::operator+=(const Counters& o) noexcept {
    packets_4to6 += o.packets_4to6;
    bytes_4to6 += o.bytes_4to6;
    packets_6to4 += o.packets_6to4;
    bytes_6to4 += o.bytes_6to4;
    local_replies += o.local_replies;
    icmp_translated_4to6 += o.icmp_translated_4to6;
    icmp_translated_6to4 += o.icmp_translated_6to4;
    icmp_errors_sent += o.icmp_errors_sent;
    for (std::size_t i = 0; i < icmp_errors_by_kind.size(); ++i) icmp_errors_by_kind[i] += o.icmp_errors_by_kind[i];
    icmp_errors_rate_limited += o.icmp_errors_rate_limited;
    for (std::size_t i = 0; i < icmp_errors_held_back_by_kind.size(); ++i) {
        icmp_errors_held_back_by_kind[i] += o.icmp_errors_held_back_by_kind[i];
    }
    fragments_out += o.fragments_out;
    hairpinned += o.hairpinned;
    for (std::size_t i = 0; i < drops.size(); ++i) drops[i] += o.drops[i];
    return *this;
}

std::optional<Ipv6Addr> map_4to6_prefix(const Tables& t, const Ipv4Addr& a, MapMiss& why) noexcept {
    if (!t.prefix) {
        why = MapMiss::NoMapping;
        return std::nullopt;
    }
    // Reserved IPv4 never crosses the translator; IPv4 link-local
    // (RFC 3927 §2.6.2) only through an explicit map or the pool.
    if (addr::is_reserved_ipv4(a) || addr::is_link_local_ipv4(a)) {
        why = MapMiss::Reserved;
        return std::nullopt;
    }
    // RFC 6052 §3.1: the WKP never carries non-global IPv4 addresses.
    if (t.prefix_is_wkp && t.wkpf_strict && !addr::is_global_ipv4(a)) {
        why = MapMiss::WkpNonGlobal;
        return std::nullopt;
    }
    if (t.deny4.contains(a)) {
        why = MapMiss::Denied;
        return std::nullopt;
    }
    return addr::embed(*t.prefix, a);
}

bool wanted(const LogFlags& flags, const Event& e) noexcept {
    switch (e.kind) {
        case EventKind::Drop: return flags.drop;
        // A spoofed source is an attack on the IPv4 side: `log drop` shows
        // it even though the sender gets an error (TAYGA drops it silently).
        case EventKind::Reject: return flags.reject || (flags.drop && e.reason == Reason::SpoofedSource);
        case EventKind::Icmp: return flags.icmp;
        case EventKind::RouterError: return flags.icmp;
        // TAYGA logs a non-ICMP packet to its own address as SELF and REJECT.
        case EventKind::Self: return flags.self || (flags.reject && e.reason == Reason::ProtocolUnreachable);
    }
    return false;
}

std::string_view event_kind_name(EventKind kind) noexcept {
    switch (kind) {
        case EventKind::Drop: return "drop";
        case EventKind::Reject: return "reject";
        case EventKind::Icmp: return "icmp";
        case EventKind::Self: return "self";
        case EventKind::RouterError: return "icmp";
    }
    return "event";
}

bool event_has_reason(const Event& e) noexcept {
    return e.kind == EventKind::Drop || e.kind == EventKind::Reject || e.kind == EventKind::RouterError ||
           (e.kind == EventKind::Self && e.reason == Reason::ProtocolUnreachable);
}

std::string describe(const Event& e) {
    std::string line(event_kind_name(e.kind));
    line += ' ';
    line += e.is_v6 ? to_string(e.src6) : to_string(e.src4);
    line += " -> ";
    line += e.is_v6 ? to_string(e.dst6) : to_string(e.dst4);
    line += " proto ";
    line += std::to_string(e.proto);
    if (event_has_reason(e)) {
        const ReasonInfo& r = reason_info(e.reason);
        line += ": ";
        line += r.name;
        line += " (";
        line += r.description;
        line += ')';
    }
    return line;
}

Verdict translate(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept {
    ctx.extra_count = 0;
    ctx.current = Event{};
    if (pkt.length == 0) return drop(ctx, Reason::BadVersion);
    switch (pkt.data()[0] >> 4) {
        case 4: return translate_4to6(t, ctx, pkt);
        case 6: return translate_6to4(t, ctx, pkt);
        default: return drop(ctx, Reason::BadVersion);
    }
}

}  // namespace nat64d::xlat
