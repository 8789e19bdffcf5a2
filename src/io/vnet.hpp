// struct virtio_net_hdr (the virtio 1.0 "legacy" 10-byte header), which TUN
// puts in front of every packet with IFF_VNET_HDR. Declared here because
// <linux/virtio_net.h> does not compile as C++ (a member named `class`).
// Fields are in native byte order (the TUN default, TUNSETVNETLE unset).
#pragma once

#include <cstdint>
#include <cstring>

namespace nat64d::io {

struct VnetHdr {
    std::uint8_t flags = 0;         // kVnetNeedsCsum, kVnetDataValid
    std::uint8_t gso_type = 0;      // kGso*
    std::uint16_t hdr_len = 0;      // bytes of headers to copy into every segment
    std::uint16_t gso_size = 0;     // payload bytes per segment
    std::uint16_t csum_start = 0;   // where the partial checksum starts
    std::uint16_t csum_offset = 0;  // the checksum field, from csum_start
};
static_assert(sizeof(VnetHdr) == 10);

inline constexpr std::size_t kVnetHdrLen = sizeof(VnetHdr);
inline constexpr std::uint8_t kVnetNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr std::uint8_t kVnetDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
inline constexpr std::uint8_t kGsoNone = 0;        // VIRTIO_NET_HDR_GSO_NONE
inline constexpr std::uint8_t kGsoTcpV4 = 1;       // VIRTIO_NET_HDR_GSO_TCPV4
inline constexpr std::uint8_t kGsoUdp = 3;         // VIRTIO_NET_HDR_GSO_UDP
inline constexpr std::uint8_t kGsoTcpV6 = 4;       // VIRTIO_NET_HDR_GSO_TCPV6
inline constexpr std::uint8_t kGsoUdpL4 = 5;       // VIRTIO_NET_HDR_GSO_UDP_L4 (USO, either family)
inline constexpr std::uint8_t kGsoEcn = 0x80;      // VIRTIO_NET_HDR_GSO_ECN

}  // namespace nat64d::io
