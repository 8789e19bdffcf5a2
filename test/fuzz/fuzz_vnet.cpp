// Fuzz target fuzz_vnet: a packet behind its virtio-net header, as a TUN
// queue with IFF_VNET_HDR (`offload`) hands it to the worker, through
// io::translate_offloaded (header parsing, partial checksums, GSO
// super-packets; docs/architecture.md "The packet path" step 5).
//
// Input: the 10-byte virtio_net_hdr (native byte order), one control
// byte, then the packet in a buffer of exactly xlat::kHeadroom + its size.
// Control bits: 0x01 repair the IPv4 header checksum; 0x02 put in the
// transport checksum field what the kernel puts there: with NEEDS_CSUM the
// folded pseudo-header sum (csum_start must name the transport header),
// else the full checksum; 0x10 1280-byte MTUs.
//
// Invariants, besides the absence of memory and UB errors:
//  - an offload error reaches no translation and writes nothing;
//  - Local and IcmpError results carry no offload;
//  - a forwarded packet is well formed; with GSO its header names the
//    result's family, keeps gso_size and ECN, and its csum_start, offset
//    and hdr_len point at the result's TCP header and checksum field;
//  - a partial checksum that was the pseudo-header sum of the input is
//    the pseudo-header sum of the output (left partial only in a TCP or UDP
//    header of a packet that was not fragmented); a completed one verifies.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "daemon/tables_builder.hpp"
#include "io/offload.hpp"
#include "packet_check.hpp"

namespace {

using namespace nat64d;
using fuzz::violated;

const xlat::Tables& tables(bool small_mtu) {
    static const auto make = [](bool small) {
        Config cfg;
        cfg.prefix = *parse_prefix6("3fff:6464::/96");
        cfg.ipv4_addr = *parse_ipv4("192.0.2.1");
        cfg.ipv6_addr = *parse_ipv6("3fff:6464::c000:201");
        cfg.maps.push_back(MapEntry{{*parse_prefix4("198.51.100.0/24"), *parse_prefix6("2001:db8::/120")}, {}});
        cfg.udp_cksum_mode = UdpCksumMode::Calc;
        xlat::Tables t = nat64d::daemon::build_tables(cfg).value();
        if (small) t.ipv4_mtu = t.ipv6_mtu = 1280;
        return t;
    };
    static const xlat::Tables big = make(false), small = make(true);
    return small_mtu ? small : big;
}

// The folded pseudo-header sum over the transport length, as Linux leaves
// it in the checksum field of a CHECKSUM_PARTIAL packet.
std::uint16_t pseudo_field(const std::uint8_t* p, const fuzz::L4& l4) {
    return common::csum_fold(fuzz::pseudo_sum(p, l4));
}

std::string outcome;

}  // namespace

// What the last input reached (seeds named NAME@OUTCOME, replay driver).
extern "C" const char* nat64d_fuzz_outcome() {
    return outcome.c_str();
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    outcome = "none";
    if (size < io::kVnetHdrLen + 2 || size - io::kVnetHdrLen - 1 > 65535) return 0;
    io::VnetHdr in;
    std::memcpy(&in, data, io::kVnetHdrLen);
    const std::uint8_t control = data[io::kVnetHdrLen];
    const std::size_t len = size - io::kVnetHdrLen - 1;
    std::vector<std::uint8_t> buf(xlat::kHeadroom + len);
    std::uint8_t* p = buf.data() + xlat::kHeadroom;
    std::memcpy(p, data + io::kVnetHdrLen + 1, len);
    if ((control & 0x01) != 0) fuzz::repair_ipv4_header(p, len);

    const auto l4_in = fuzz::find_l4(p, len);
    bool kernel_partial = false;  // the field holds the pseudo-header sum, as the kernel writes it
    if ((control & 0x02) != 0) {
        if ((in.flags & io::kVnetNeedsCsum) != 0) {
            // csum_field() is 0 when the header is too short to hold the
            // field: then there is nothing for the kernel to have written.
            const std::size_t field = l4_in ? fuzz::csum_field(*l4_in) : 0;
            if (field != 0 && in.csum_start == l4_in->off && field == in.csum_offset) {
                common::store16(p + in.csum_start + in.csum_offset, pseudo_field(p, *l4_in));
                kernel_partial = true;
            }
        } else {
            fuzz::repair_l4(p, len);
        }
    }

    static xlat::Context ctx;
    ctx.now_ms += 1000;
    const std::uint64_t seq = ctx.event_seq;
    xlat::PacketBuf pkt{buf.data(), buf.size(), xlat::kHeadroom, len};
    const io::Offloaded r = io::translate_offloaded(tables((control & 0x10) != 0), ctx, pkt, in);
    const std::string reason = ctx.event_seq != seq ? std::string(reason_info(ctx.last_event.reason).name) : "";
    if (r.offload_error) {
        outcome = "offload-error";
        if (r.verdict != Verdict::Drop || ctx.event_seq != seq) violated("offload error reached the translator");
        return 0;
    }
    outcome = r.verdict == Verdict::Drop        ? "drop:" + reason
              : r.verdict == Verdict::IcmpError ? "icmp-error:" + reason
              : r.verdict == Verdict::Local     ? "local"
                                                : "forward";
    if (r.verdict == Verdict::Drop) return 0;
    if (pkt.offset + pkt.length > buf.size()) violated("output outside the buffer");
    fuzz::check_well_formed(pkt.data(), pkt.length);
    const io::VnetHdr& out = r.out;
    if (r.verdict != Verdict::Forward) {
        if (out.flags != 0 || out.gso_type != io::kGsoNone) violated("offload on a reply of the translator");
        return 0;
    }
    for (std::size_t i = 0; i < ctx.extra_count; ++i) fuzz::check_well_formed(ctx.extra[i].data, ctx.extra[i].length);
    const std::uint8_t* q = pkt.data();
    const std::uint8_t gso = in.gso_type & static_cast<std::uint8_t>(~io::kGsoEcn);
    const bool v4_out = q[0] >> 4 == 4;
    if (gso == io::kGsoUdpL4) {
        if (out.gso_type != io::kGsoUdpL4) violated("UDP segmentation type lost");
    } else if (gso != io::kGsoNone) {
        if ((out.gso_type & ~io::kGsoEcn) != (v4_out ? io::kGsoTcpV4 : io::kGsoTcpV6))
            violated("GSO type of the wrong family");
        if ((out.gso_type & io::kGsoEcn) != (in.gso_type & io::kGsoEcn)) violated("GSO ECN flag lost");
    }
    if (gso != io::kGsoNone) {
        if (out.gso_size != in.gso_size) violated("GSO segment size changed");
        if (ctx.extra_count != 0) violated("a super-packet fragmented by the translator");
    } else if (out.gso_type != io::kGsoNone) {
        violated("GSO on an ordinary packet");
    }
    if ((out.flags & io::kVnetNeedsCsum) != 0) {
        if (ctx.extra_count != 0) violated("a partial checksum left partial in a fragmented packet");
        const auto l4 = fuzz::find_l4(q, pkt.length);
        const bool tcp_field = l4 && l4->proto == 6 && out.csum_offset == 16;
        const bool udp_field =
            l4 && l4->proto == 17 && (gso == io::kGsoNone || gso == io::kGsoUdpL4) && out.csum_offset == 6;
        if (!l4 || out.csum_start != l4->off || !(tcp_field || udp_field)) {
            violated("partial checksum does not point at the TCP or UDP checksum");
        }
        // hdr_len is the sender's hint of the bytes of headers (Linux may
        // count more, up to the packet); a sane one stays sane.
        const unsigned l4_hdr = gso == io::kGsoUdpL4 ? 8u : 20u;
        if (gso != io::kGsoNone && l4_in && in.hdr_len >= l4_in->off + l4_hdr && in.hdr_len <= len &&
            (out.hdr_len < out.csum_start + l4_hdr || out.hdr_len > pkt.length)) {
            violated("GSO hdr_len outside the packet's headers");
        }
        if (kernel_partial && common::load16(q + out.csum_start + out.csum_offset) != pseudo_field(q, *l4)) {
            violated("partial checksum not carried to the new pseudo-header");
        }
    } else if (kernel_partial && ctx.extra_count == 0 && fuzz::l4_checksum_state(q, pkt.length) == 0) {
        violated("completed partial checksum does not verify");
    }
    return 0;
}
