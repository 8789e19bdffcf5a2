/* The layout of the kernel fast path's maps, shared by the BPF program
 * (fastpath.bpf.c, C for the BPF target) and its loader (nat64d::bpf, C++).
 * Plain C with the kernel's fixed-size types so that both compilers agree
 * byte for byte; addresses are stored in network byte order, as they stand
 * in the packet. */
#ifndef NAT64D_BPF_FASTPATH_MAPS_H
#define NAT64D_BPF_FASTPATH_MAPS_H

#include <linux/types.h>

/* Reload swaps between two sets of tables (map4_0/map4_1, ...): the loader
 * fills the idle set, then flips `active_set` (.bss). A packet reads the
 * index once and sees one whole generation, never a half-updated one. */
#define NAT64D_BPF_SETS 2

/* Static `map` entries: BPF LPM tries in both directions (RFC 7757 longest
 * match). At most this many entries per direction. */
#define NAT64D_BPF_MAX_MAPS 65536
/* Dynamic-pool leases mirrored by the daemon (default; the loader may set
 * the maps' size to the pool's before load). */
#define NAT64D_BPF_MAX_LEASES 65536
/* Direct mode: the Ethernet devices as a bitmap over ifindex, 64 to a
 * word; a device with an ifindex past it takes the ingress way. */
#define NAT64D_BPF_ETHER_WORDS 1024

struct nat64d_bpf_key4 {
    __u32 prefixlen; /* LPM trie key: bits of addr that count */
    __u8 addr[4];
};

struct nat64d_bpf_key6 {
    __u32 prefixlen;
    __u8 addr[16];
};

/* map4_*: IPv4 side -> the entry's IPv6 prefix; the host bits (32 - len4,
 * equal on both sides) are carried over into the last 32 bits. */
struct nat64d_bpf_map4_val {
    __u8 v6[16];
    __u32 len4;
};

/* map6_*: IPv6 side -> the entry's IPv4 prefix. */
struct nat64d_bpf_map6_val {
    __u8 v4[4];
    __u32 len6;
};

/* Leases (one set: the pool outlives the generations). `last_use_ns` is
 * CLOCK_MONOTONIC (bpf_ktime_get_coarse_ns), refreshed by the program at
 * most once a second; 0 until a fast-path packet used the lease. */
struct nat64d_bpf_lease4_val { /* key: the IPv4 address */
    __u8 v6[16];
    __u64 last_use_ns;
};

struct nat64d_bpf_lease6_val { /* key: the IPv6 address */
    __u8 v4[4];
    __u32 pad;
    __u64 last_use_ns;
};

/* deny4 (IPv4 addresses never translated through the prefix): none; listed
 * in the set's deny4 LPM trie; or configured but not known to the program,
 * which then passes every prefix translation to the daemon. */
#define NAT64D_BPF_DENY4_NONE 0
#define NAT64D_BPF_DENY4_LISTED 1
#define NAT64D_BPF_DENY4_UNKNOWN 2

/* One generation of the read-mostly tables (array map `settings`, index =
 * set). A set with valid == 0 passes every packet to the daemon. */
struct nat64d_bpf_settings {
    __u8 valid;
    __u8 has_prefix;
    __u8 prefix_len; /* 32, 40, 48, 56, 64 or 96 (RFC 6052 §2.2) */
    __u8 wkp_strict; /* prefix is 64:ff9b::/96 and wkpf-strict (RFC 6052 §3.1) */
    __u8 prefix[16];
    __u8 own4[4];  /* ipv4-addr */
    __u8 own6[16]; /* ipv6-addr */
    __u8 has_pool; /* dynamic-pool */
    __u8 pool_len;
    __u8 pool4[4];
    __u8 hairpin;     /* RFC 7757 §4.2.2 */
    __u8 route_check; /* the routing loop check applies: resolve prefix-made destinations in the FIB */
    __u8 deny4;       /* NAT64D_BPF_DENY4_* */
    __u8 has_maps;
    __u32 ipv4_mtu;
    __u32 ipv6_mtu;
    __u32 frag_mtu6; /* min(offlink-mtu, ipv6 mtu): 4->6 packets up to this size are never cut */
    /* The span of the map entries (has_maps): the lowest and the highest
     * address any entry covers, per side. An address outside it is in no
     * entry, and the program skips that LPM lookup. */
    __u8 map4_lo[4];
    __u8 map4_hi[4];
    __u8 map6_lo[16];
    __u8 map6_hi[16];
};

/* IPv4 Identification state (per-CPU array, one entry, followed in the map
 * value by the generator's round tables): see fastpath.bpf.c. The loader
 * writes the keys; the rest starts at zero. */
struct nat64d_bpf_id_state {
    __u64 k0, k1;       /* SipHash-2-4 key, random per CPU */
    __u64 cycle;        /* the next cycle's number (its tables come from it) */
    __u32 counter;      /* the next counter value */
    __u32 tables_ready; /* the tables of the current cycle are built */
};

/* Counters (per-CPU array): packets translated and bytes sent each way, and
 * packets passed to the daemon by cause. X(name, description). */
#define NAT64D_BPF_COUNTERS(X)                                                                          \
    X(translated_4to6, "IPv4 packets translated to IPv6 by the fast path")                              \
    X(translated_6to4, "IPv6 packets translated to IPv4 by the fast path")                              \
    X(bytes_4to6, "bytes of the IPv6 packets the fast path sent")                                       \
    X(bytes_6to4, "bytes of the IPv4 packets the fast path sent")                                       \
    X(pass_no_tables, "no tables published yet")                                                        \
    X(pass_header, "not a plain header (IPv4 options, IPv6 extension headers, bad length or checksum)") \
    X(pass_fragment, "a fragment")                                                                      \
    X(pass_own_address, "to or from the translator's own addresses")                                    \
    X(pass_address_class, "a reserved, multicast or link-local address")                                \
    X(pass_ttl, "TTL or hop limit would expire")                                                        \
    X(pass_protocol, "not TCP, UDP or ICMP echo (ICMP errors included)")                                \
    X(pass_udp_zero_checksum, "UDP with a zero checksum")                                               \
    X(pass_unmapped, "an address with no map, prefix or active lease (a new lease included)")           \
    X(pass_policy, "WKP non-global, deny4, spoofed source")                                             \
    X(pass_route_check, "a prefix-made destination not proven to leave elsewhere")                      \
    X(pass_hairpin, "hairpinning (RFC 7757 §4.2.2)")                                                    \
    X(pass_too_big, "larger than the next-hop MTU (fragmentation or an ICMP error)")                    \
    X(pass_helper, "a kernel helper refused the packet before it was changed")                          \
    X(dropped_error, "a helper failed after the packet was changed: dropped")                           \
    X(direct_4to6, "direct mode: translated IPv6 packets sent straight to the egress device")           \
    X(direct_6to4, "direct mode: translated IPv4 packets sent straight to the egress device")           \
    X(direct_fallback_no_neigh, "direct mode: no resolved neighbour, sent the ingress way")             \
    X(direct_fallback_not_ether, "direct mode: egress device without Ethernet header, the ingress way") \
    X(direct_fallback_ttl, "direct mode: TTL/hop limit expires on the forwarding hop, the ingress way") \
    X(direct_fallback_fib, "direct mode: any other FIB answer or helper refusal, the ingress way")

enum nat64d_bpf_counter {
#define NAT64D_BPF_COUNTER_ENUM(name, desc) NAT64D_BPF_C_##name,
    NAT64D_BPF_COUNTERS(NAT64D_BPF_COUNTER_ENUM)
#undef NAT64D_BPF_COUNTER_ENUM
        NAT64D_BPF_COUNTER_COUNT
};

#endif
