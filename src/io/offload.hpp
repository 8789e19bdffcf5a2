// One packet read from a TUN queue with IFF_VNET_HDR (`offload`): its
// virtio-net header honoured around the translation. Pure (no system
// call): the worker reads and writes, this decides.
#pragma once

#include "io/vnet.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::io {

struct Offloaded {
    Verdict verdict = Verdict::Drop;
    // The virtio-net header was not honoured (malformed, or a segmentation
    // type we did not offer with TUNSETOFFLOAD): the packet is dropped
    // without reaching the translator; counted as an offload error.
    bool offload_error = false;
    // The header to write in front of the result (Forward: the partial
    // checksum and segmentation carried over to the new headers; Local and
    // IcmpError: none).
    VnetHdr out;
};

// Translates `pkt`, which arrived behind `in`:
//  - a partial checksum (NEEDS_CSUM: the field holds the folded
//    pseudo-header sum) of an ordinary TCP or UDP packet whose translation
//    fits whole stays partial, as below, and the kernel completes it;
//    any other (a packet that will be fragmented or refused as too big, a
//    partial sum elsewhere) is completed first, so that the translator
//    sees a normal one;
//  - a TCP super-packet (and likewise a UDP one, GSO UDP_L4, whose type
//    names no family) (GSO TCPV4/TCPV6, with or without ECN) keeps its
//    checksum partial: the field is complemented around the translation,
//    which turns RFC 1624's update of a checksum into the same update of a
//    partial sum, and the result's header names the new family and the
//    moved offsets (the payload stays where it was; only the headers in
//    front of it change size).
[[nodiscard]] Offloaded translate_offloaded(const xlat::Tables& t, xlat::Context& ctx, xlat::PacketBuf& pkt,
                                            const VnetHdr& in) noexcept;

}  // namespace nat64d::io
