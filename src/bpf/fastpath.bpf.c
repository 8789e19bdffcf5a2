// SPDX-License-Identifier: GPL-2.0-only
/* nat64d's kernel fast path: a TC egress program on the translator's own TUN
 * device. It translates the common packets (RFC 7915 §4/§5: unfragmented
 * IPv4/IPv6 without options or extension headers, TCP, UDP with a checksum,
 * ICMP echo) whose addresses the tables map, with exactly the daemon's
 * rules (src/xlat/map_addr.cpp, src/addr/special.cpp, src/addr/rfc6052.cpp),
 * and hands the result back to the stack as if the daemon had written it
 * to the TUN (redirect to the device's ingress) or, in direct mode, sends
 * it straight out of the egress device the FIB names, with an Ethernet
 * header and the TTL the kernel's forwarding would have left. Everything
 * else, and anything the program is not sure of, is returned to the TUN
 * untouched (TC_ACT_OK): the daemon reads it and decides, as without the
 * fast path.
 * test/unit/bpf/bpf_parity_test.cpp holds the program to the daemon's
 * bytes. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "fastpath_maps.h"

char LICENSE[] SEC("license") = "GPL";

/* Restart-only constants, set by the loader before load (the verifier folds
 * them). l2_len: bytes in front of the IP header, 0 on the TUN device (no
 * L2 header), 14 under BPF_PROG_TEST_RUN, which hands SCHED_CLS programs an
 * Ethernet frame. */
const volatile __u32 l2_len = 0;
const volatile __u32 tun_ifindex = 0;
/* Direct mode (needs l2_len 0): a translated packet whose next hop the
 * FIB resolves on an Ethernet device goes straight to that device. */
const volatile __u32 direct_mode = 0;

/* The table set in use (0 or 1); the loader flips it after filling the other. */
__u32 active_set = 0;

#define LPM_MAP(name, key_t, val_t)               \
    struct {                                      \
        __uint(type, BPF_MAP_TYPE_LPM_TRIE);      \
        __uint(map_flags, BPF_F_NO_PREALLOC);     \
        __uint(max_entries, NAT64D_BPF_MAX_MAPS); \
        __type(key, key_t);                       \
        __type(value, val_t);                     \
    } name SEC(".maps")

LPM_MAP(map4_0, struct nat64d_bpf_key4, struct nat64d_bpf_map4_val);
LPM_MAP(map4_1, struct nat64d_bpf_key4, struct nat64d_bpf_map4_val);
LPM_MAP(map6_0, struct nat64d_bpf_key6, struct nat64d_bpf_map6_val);
LPM_MAP(map6_1, struct nat64d_bpf_key6, struct nat64d_bpf_map6_val);
LPM_MAP(deny4_0, struct nat64d_bpf_key4, __u8);
LPM_MAP(deny4_1, struct nat64d_bpf_key4, __u8);

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, NAT64D_BPF_SETS);
    __type(key, __u32);
    __type(value, struct nat64d_bpf_settings);
} settings SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, NAT64D_BPF_MAX_LEASES);
    __type(key, __u32); /* the IPv4 address, network order */
    __type(value, struct nat64d_bpf_lease4_val);
} lease4 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, NAT64D_BPF_MAX_LEASES);
    __type(key, struct in6_addr);
    __type(value, struct nat64d_bpf_lease6_val);
} lease6 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, NAT64D_BPF_COUNTER_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

/* Direct mode: the devices with an Ethernet header (ARPHRD_ETHER), filled
 * by the loader: bit ifindex % 64 of word ifindex / 64 (an array lookup the
 * verifier inlines; a hash lookup cost as much as the rest of the
 * program's own instructions). A device not set (tun, wireguard, one
 * added since the last refresh) gets the ingress redirect. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, NAT64D_BPF_ETHER_WORDS);
    __type(key, __u32);
    __type(value, __u64);
} ether_devices SEC(".maps");

struct id_tables {
    struct nat64d_bpf_id_state s;
    __u8 round[6][256];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct id_tables);
} ipv4_ids SEC(".maps");

/* RFC 792, RFC 4443 §4 (linux/icmp.h would pull in the C library). */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

/* linux/socket.h values (sys/socket.h is the C library's). */
#define AF_INET 2
#define AF_INET6 10

#define NSEC_PER_SEC 1000000000ULL
/* What the map_*() functions return: OK, the counter of the cause for which
 * the packet goes to the daemon (never 0: the translated_* counters come
 * first), or NO_STATIC: no static mapping and no prefix image (the pool
 * may still have one). */
#define OK 0
#define NO_STATIC (-1)

/* The key is stored as a whole 8-byte stack slot (the map reads its first
 * four bytes): the compiler may give it a slot where the caller spilled a
 * pointer, and a partial overwrite of a spilled pointer is refused to a
 * loader without CAP_PERFMON. */
static __always_inline void count(__u32 k, __u64 n) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    __u64 slot = k;
#else
    __u64 slot = (__u64)k << 32;
#endif
    __u64* c = bpf_map_lookup_elem(&counters, &slot);
    if (c) *c += n;
}

static __always_inline int pass(int cause) {
    count((__u32)cause, 1);
    return TC_ACT_OK;
}

/* ---- Internet checksum, as src/common/checksum.cpp computes it ---- */

static __always_inline __u32 fold64(__u64 acc) {
    acc = (acc & 0xffffffffULL) + (acc >> 32);
    acc = (acc & 0xffffffffULL) + (acc >> 32);
    return (__u32)acc;
}

static __always_inline __u16 fold16(__u32 sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (__u16)sum;
}

/* Adds the n (a multiple of 4, at most 40) bytes at p to the ones'
 * complement sum, a 32-bit big-endian word at a time: folded, the same sum
 * as of their 16-bit words (RFC 1071 §2(B)), in half the loads. */
static __always_inline __u32 sum_bytes(const __u8* p, int n, __u64 acc) {
#pragma unroll
    for (int i = 0; i < 40; i += 4) {
        if (i < n) {
            __u32 w;
            __builtin_memcpy(&w, p + i, 4);
            acc += bpf_ntohl(w);
        }
    }
    return fold64(acc);
}

/* RFC 1624 §3 eqn. 3, common::csum_update. */
static __always_inline __u16 csum_update(__u16 old_csum, __u32 old_sum, __u32 new_sum) {
    __u32 acc = (__u16)~old_csum;
    acc += (__u16)~fold16(old_sum);
    acc += fold16(new_sum);
    return (__u16)~fold16(acc);
}

static __always_inline __u32 csum_add(__u32 a, __u32 b) {
    return fold64((__u64)a + b);
}

/* common::csum_pseudo6 */
static __noinline __u32 pseudo6(const __u8* src, const __u8* dst, __u32 len, __u8 nh) {
    __u64 acc = sum_bytes(dst, 16, sum_bytes(src, 16, 0));
    acc += len >> 16;
    acc += len & 0xffff;
    acc += nh;
    return fold64(acc);
}

/* ---- Address classes (src/addr/special.cpp, src/addr/rfc6052.cpp) ---- */

static __always_inline int reserved4(const __u8* a) {
    return a[0] == 0 || a[0] == 127 || (a[0] & 0xf0) == 0xe0 ||
           (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static __always_inline int link_local4(const __u8* a) {
    return a[0] == 169 && a[1] == 254;
}

static __always_inline int reserved6(const __u8* b) {
    if (b[0] == 0x00) return !(b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b);
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return 1;
    return b[0] == 0xff;
}

static __always_inline __u32 be32_of(const __u8* a) {
    return ((__u32)a[0] << 24) | ((__u32)a[1] << 16) | ((__u32)a[2] << 8) | a[3];
}

static __always_inline int in_block(__u32 x, __u32 net, int len) {
    return (x & (~0U << (32 - len))) == net;
}

/* RFC 6052 §3.1 with TAYGA's list of non-global blocks (addr::is_global_ipv4). */
static __always_inline int global4(const __u8* a) {
    __u32 x = be32_of(a);
    return !(in_block(x, 0x0a000000, 8) || in_block(x, 0x64400000, 10) || in_block(x, 0xac100000, 12) ||
             in_block(x, 0xc0000200, 24) || in_block(x, 0xc0a80000, 16) || in_block(x, 0xc6120000, 15) ||
             in_block(x, 0xc6336400, 24) || in_block(x, 0xcb007100, 24));
}

static __always_inline int eq4(const __u8* a, const __u8* b) {
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

static __always_inline int eq16(const __u8* a, const __u8* b) {
    __u64 a0, a1, b0, b1;
    __builtin_memcpy(&a0, a, 8);
    __builtin_memcpy(&a1, a + 8, 8);
    __builtin_memcpy(&b0, b, 8);
    __builtin_memcpy(&b1, b + 8, 8);
    return a0 == b0 && a1 == b1;
}

static __always_inline int in_prefix4(const __u8* a, const __u8* net, __u32 len) {
    if (len == 0) return 1;
    __u32 m = len >= 32 ? ~0U : ~(~0U >> len);
    return (be32_of(a) & m) == (be32_of(net) & m);
}

static __always_inline __u64 load_be64(const __u8* p) {
    __u64 v;
    __builtin_memcpy(&v, p, 8);
    return bpf_be64_to_cpu(v);
}

static __always_inline void store_be64(__u8* p, __u64 v) {
    v = bpf_cpu_to_be64(v);
    __builtin_memcpy(p, &v, 8);
}

/* RFC 6052 §2.2: the IPv4 bits follow the prefix, skipping bits 64-71
 * (the u octet); /96's suffix starts past it. Worked out on the address's
 * two 64-bit halves with shifts: offsets computed into the stack (a byte
 * position per prefix length) the verifier takes only from a loader with
 * CAP_PERFMON (its Spectre v1 rule). The loader publishes only the
 * lengths of §2.2: 32, 40, 48, 56, 64 and 96.
 * v6 holds the prefix (the rest zero): the IPv4 address v4 goes in. */
static __always_inline void embed4(__u32 len, __u8* v6, const __u8* v4) {
    const __u32 x = be32_of(v4);
    __u64 hi = load_be64(v6), lo = load_be64(v6 + 8);
    if (len == 96) {
        lo |= x;
    } else if (len == 64) {
        lo |= (__u64)x << 24;
    } else {
        /* /32../56: the first 64 - len bits end the upper half, the other
         * r = len - 32 follow the u octet. */
        const __u32 r = (len - 32) & 31;
        hi |= x >> r;
        if (r) lo |= (__u64)(x & ((1U << r) - 1)) << (56 - r);
    }
    store_be64(v6, hi);
    store_be64(v6 + 8, lo);
}

/* The IPv4 address embedded in v6, into v4. */
static __always_inline void extract4(__u32 len, const __u8* v6, __u8* v4) {
    const __u64 hi = load_be64(v6), lo = load_be64(v6 + 8);
    __u32 x;
    if (len == 96) {
        x = (__u32)lo;
    } else if (len == 64) {
        x = (__u32)(lo >> 24);
    } else {
        const __u32 r = (len - 32) & 31;
        x = (__u32)((hi & (0xffffffffULL >> r)) << r);
        if (r) x |= (__u32)(lo >> (56 - r)) & ((1U << r) - 1);
    }
    v4[0] = x >> 24;
    v4[1] = x >> 16;
    v4[2] = x >> 8;
    v4[3] = x;
}

/* The prefix's bits of a (the loader gives a prefix of an RFC 6052
 * length, 32 to 96, with the bits after it zero). */
static __always_inline int prefix_contains(const struct nat64d_bpf_settings* s, const __u8* a) {
    const __u32 len = s->prefix_len;
    const __u64 mh = len >= 64 ? ~0ULL : ~0ULL << ((64 - len) & 63);
    const __u64 ml = len > 64 ? ~0ULL << ((128 - len) & 63) : 0;
    return ((load_be64(a) ^ load_be64(s->prefix)) & mh) == 0 &&
           ((load_be64(a + 8) ^ load_be64(s->prefix + 8)) & ml) == 0;
}

/* ---- Lookups in the active set ---- */

/* Outside the span of the set's entries an address is in none of them:
 * no LPM lookup (prefix-made addresses usually lie far from the maps). */
static __always_inline struct nat64d_bpf_map4_val* find4(const struct nat64d_bpf_settings* s, __u32 set,
                                                         const __u8* a) {
    const __u32 x = be32_of(a);
    if (x < be32_of(s->map4_lo) || x > be32_of(s->map4_hi)) return 0;
    struct nat64d_bpf_key4 k = {.prefixlen = 32};
    __builtin_memcpy(k.addr, a, 4);
    return set ? bpf_map_lookup_elem(&map4_1, &k) : bpf_map_lookup_elem(&map4_0, &k);
}

/* a < b as 128-bit addresses in network order, given as two halves each */
static __always_inline int below128(__u64 ah, __u64 al, __u64 bh, __u64 bl) {
    return ah < bh || (ah == bh && al < bl);
}

static __always_inline struct nat64d_bpf_map6_val* find6(const struct nat64d_bpf_settings* s, __u32 set,
                                                         const __u8* a) {
    const __u64 ah = load_be64(a), al = load_be64(a + 8);
    if (below128(ah, al, load_be64(s->map6_lo), load_be64(s->map6_lo + 8)) ||
        below128(load_be64(s->map6_hi), load_be64(s->map6_hi + 8), ah, al))
        return 0;
    struct nat64d_bpf_key6 k = {.prefixlen = 128};
    __builtin_memcpy(k.addr, a, 16);
    return set ? bpf_map_lookup_elem(&map6_1, &k) : bpf_map_lookup_elem(&map6_0, &k);
}

/* deny4: the prefix never carries these IPv4 addresses (xlat's MapMiss::Denied). */
static __always_inline int denied(const struct nat64d_bpf_settings* s, __u32 set, const __u8* a) {
    if (s->deny4 == NAT64D_BPF_DENY4_NONE) return 0;
    if (s->deny4 != NAT64D_BPF_DENY4_LISTED) return 1;
    struct nat64d_bpf_key4 k = {.prefixlen = 32};
    __builtin_memcpy(k.addr, a, 4);
    return (set ? bpf_map_lookup_elem(&deny4_1, &k) : bpf_map_lookup_elem(&deny4_0, &k)) != 0;
}

/* The lease a packet uses, stamped once the packet is translated. `at`
 * always points somewhere (at `none` without a lease): a pointer that may
 * be null is refused on a speculated path to a loader without CAP_PERFMON,
 * so `leased` says whether there is a lease. */
struct lease_use {
    __u64 none;
    __u64* at;
    int leased;
};

static __always_inline void lease_use_init(struct lease_use* u) {
    u->none = 0;
    u->at = &u->none;
    u->leased = 0;
}

static __always_inline void lease_use_set(struct lease_use* u, __u64* last_use_ns) {
    u->at = last_use_ns;
    u->leased = 1;
}

static __always_inline void stamp(const struct lease_use* u) {
    if (!u->leased) return;
    /* At most one write a second per lease: the daemon's expiry needs no
     * finer clock, and a write per packet would bounce the cache line. */
    __u64 now = bpf_ktime_get_coarse_ns();
    if (now - *u->at >= NSEC_PER_SEC) *u->at = now;
}

static __always_inline int in_pool(const struct nat64d_bpf_settings* s, const __u8* a) {
    return s->has_pool && in_prefix4(a, s->pool4, s->pool_len);
}

/* xlat::is_owned_ipv4: ipv4-addr, a map's IPv4 side, the pool. */
static __always_inline int owned4(const struct nat64d_bpf_settings* s, __u32 set, const __u8* a) {
    return eq4(a, s->own4) || (s->has_maps && find4(s, set, a)) || in_pool(s, a);
}

/* xlat::map_4to6: reserved never; a map, then the pool (an address inside
 * it maps to its lease or to nothing), then the prefix. With use, the lease,
 * for the caller to stamp once it translates. */
static __always_inline int map_4to6(const struct nat64d_bpf_settings* s, __u32 set, const __u8* a, __u8* out,
                                    int* via_prefix, struct lease_use* use) {
    *via_prefix = 0;
    if (reserved4(a)) return NAT64D_BPF_C_pass_address_class;
    if (s->has_maps) {
        struct nat64d_bpf_map4_val* m = find4(s, set, a);
        if (m) {
            __u32 len = m->len4 > 32 ? 32 : m->len4;
            __u32 hm = len == 0 ? ~0U : (len >= 32 ? 0 : ~0U >> len);
            __u32 low = (be32_of(m->v6 + 12) & ~hm) | (be32_of(a) & hm);
            __builtin_memcpy(out, m->v6, 12);
            out[12] = low >> 24;
            out[13] = low >> 16;
            out[14] = low >> 8;
            out[15] = low;
            return OK;
        }
    }
    if (in_pool(s, a)) {
        __u32 k;
        __builtin_memcpy(&k, a, 4);
        struct nat64d_bpf_lease4_val* l = bpf_map_lookup_elem(&lease4, &k);
        if (!l) return NAT64D_BPF_C_pass_unmapped;
        __builtin_memcpy(out, l->v6, 16);
        if (use) lease_use_set(use, &l->last_use_ns);
        return OK;
    }
    if (!s->has_prefix) return NAT64D_BPF_C_pass_unmapped;
    if (link_local4(a)) return NAT64D_BPF_C_pass_address_class;
    if (s->wkp_strict && !global4(a)) return NAT64D_BPF_C_pass_policy;
    if (denied(s, set, a)) return NAT64D_BPF_C_pass_policy;
    __builtin_memcpy(out, s->prefix, 16); /* the bits after the prefix are zero */
    embed4(s->prefix_len, out, a);
    *via_prefix = 1;
    return OK;
}

/* xlat::map_6to4_static: a map, then the prefix; NO_STATIC when neither
 * covers the address. */
static __always_inline int map_6to4_static(const struct nat64d_bpf_settings* s, __u32 set, const __u8* a, __u8* out,
                                           int* via_prefix) {
    *via_prefix = 0;
    if (s->has_maps) {
        struct nat64d_bpf_map6_val* m = find6(s, set, a);
        if (m) {
            __u32 host = m->len6 >= 128 ? 0 : 128 - m->len6;
            __u32 hm = host == 0 ? 0 : (host >= 32 ? ~0U : ~(~0U << host));
            __u32 v = (be32_of(m->v4) & ~hm) | (be32_of(a + 12) & hm);
            out[0] = v >> 24;
            out[1] = v >> 16;
            out[2] = v >> 8;
            out[3] = v;
            if (reserved4(out)) return NAT64D_BPF_C_pass_address_class;
            return OK;
        }
    }
    if (s->has_prefix && prefix_contains(s, a)) {
        extract4(s->prefix_len, a, out);
        if (reserved4(out) || link_local4(out)) return NAT64D_BPF_C_pass_address_class;
        if (s->wkp_strict && !global4(out)) return NAT64D_BPF_C_pass_policy;
        if (denied(s, set, out)) return NAT64D_BPF_C_pass_policy;
        *via_prefix = 1;
        return OK;
    }
    return NO_STATIC;
}

static __always_inline struct nat64d_bpf_lease6_val* find_lease6(const __u8* a) {
    struct in6_addr k;
    __builtin_memcpy(&k, a, 16);
    return bpf_map_lookup_elem(&lease6, &k);
}

/* xlat::map_6to4 for a destination: static, then an existing lease. */
static __always_inline int map_6to4_dst(const struct nat64d_bpf_settings* s, __u32 set, const __u8* a, __u8* out,
                                        int* via_prefix) {
    int r = map_6to4_static(s, set, a, out, via_prefix);
    if (r != NO_STATIC) return r;
    if (!s->has_pool) return NAT64D_BPF_C_pass_unmapped;
    struct nat64d_bpf_lease6_val* l = find_lease6(a);
    if (!l) return NAT64D_BPF_C_pass_unmapped;
    __builtin_memcpy(out, l->v4, 4);
    return OK;
}

/* xlat::map_6to4_src: static with the anti-spoofing rule (RFC 6052 §5.1),
 * then an existing lease (in *use, as map_4to6);
 * a host that needs a new lease goes to the daemon, which owns the pool. */
static __always_inline int map_6to4_src(const struct nat64d_bpf_settings* s, __u32 set, const __u8* a, __u8* out,
                                        struct lease_use* use) {
    int via_prefix = 0;
    int r = map_6to4_static(s, set, a, out, &via_prefix);
    if (r == OK && via_prefix && owned4(s, set, out)) return NAT64D_BPF_C_pass_policy;
    if (r != NO_STATIC) return r;
    if (!s->has_pool) return NAT64D_BPF_C_pass_unmapped;
    struct nat64d_bpf_lease6_val* l = find_lease6(a);
    if (!l) return NAT64D_BPF_C_pass_unmapped;
    __builtin_memcpy(out, l->v4, 4);
    lease_use_set(use, &l->last_use_ns);
    return OK;
}

/* The routing loop check (xlat::loops_back_*) for a destination made from
 * the prefix: the daemon refuses it when the kernel routes its translation
 * back into the TUN device. The program translates it only when the FIB
 * shows it leaving through another device; anything else (into the TUN,
 * unreachable, not forwarded...) goes to the daemon. */
static __noinline int leaves_elsewhere(struct __sk_buff* skb, int v6, const __u8* dst) {
    struct bpf_fib_lookup p = {};
    p.ifindex = tun_ifindex;
    if (v6) {
        p.family = AF_INET6;
        __builtin_memcpy(p.ipv6_dst, dst, 16);
    } else {
        p.family = AF_INET;
        __builtin_memcpy(&p.ipv4_dst, dst, 4);
    }
    long rc = bpf_fib_lookup(skb, &p, sizeof(p), 0);
    if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) return 0;
    return p.ifindex != tun_ifindex;
}

/* ---- Direct mode: the output leg the kernel's forwarding would take ----
 * In ingress mode the translated packet re-enters through the TUN device
 * and the kernel forwards it: a FIB lookup with the TUN device as input
 * interface, the TTL/hop limit check and decrement (RFC 1812 §5.3.1,
 * RFC 8200 §3), the MTU check, the neighbour, netfilter FORWARD and
 * POSTROUTING, the egress qdisc. Direct mode does the lookup (same input
 * interface, so the same policy routing and forwarding switches), the
 * decrement and the MTU check itself, before the packet is changed, and
 * hands the packet to the egress device; whatever it cannot settle goes
 * the ingress way (still translated) or, too big, to the daemon. */
#define DIRECT_SEND 0
#define DIRECT_INGRESS 1
#define DIRECT_TOO_BIG 2

/* The TTL/hop limit after translation (already one less): the kernel's
 * forwarding would expire it at 1 or below. */
static __always_inline int direct_hop_ok(__u8 translated_ttl) {
    return translated_ttl > 1;
}

/* The L3 length checked against the route MTU: the packet's, or for a GSO
 * super-packet one segment's (network + transport header + gso_size), as
 * the forwarding path's skb_gso_validate_network_len does. */
static __always_inline __u32 direct_check_len(struct __sk_buff* skb, __u32 l3_hdr, __u32 l4_hdr, __u32 total) {
    if (skb->gso_size == 0) return total;
    return l3_hdr + l4_hdr + skb->gso_size;
}

/* fib: the translated packet's addresses, tos/flowinfo, protocol, ports
 * and the length to check; on DIRECT_SEND it holds the egress device and
 * the MAC addresses. */
static __noinline int direct_route(struct __sk_buff* skb, struct bpf_fib_lookup* fib) {
    fib->ifindex = tun_ifindex;
    long rc = bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
    if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
        __u32 w = fib->ifindex / 64;
        const __u64* bits = bpf_map_lookup_elem(&ether_devices, &w);
        if (fib->ifindex == tun_ifindex || !bits || !((*bits >> (fib->ifindex % 64)) & 1)) {
            count(NAT64D_BPF_C_direct_fallback_not_ether, 1);
            return DIRECT_INGRESS;
        }
        return DIRECT_SEND;
    }
    if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED && skb->gso_size == 0) return DIRECT_TOO_BIG;
    if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
        count(NAT64D_BPF_C_direct_fallback_no_neigh, 1);
    else
        count(NAT64D_BPF_C_direct_fallback_fib, 1);
    return DIRECT_INGRESS;
}

/* Pushes the Ethernet header in front of the translated packet (at offset
 * 0: direct mode runs only on the TUN device) and sends it out of
 * fib->ifindex. 0 on success; -1 when the packet could not be given its
 * header and is still the plain translated packet; -2 when it is neither. */
static __noinline int direct_send(struct __sk_buff* skb, const struct bpf_fib_lookup* fib, __u16 ethertype) {
    struct ethhdr eth;
    __builtin_memcpy(eth.h_dest, fib->dmac, ETH_ALEN);
    __builtin_memcpy(eth.h_source, fib->smac, ETH_ALEN);
    eth.h_proto = bpf_htons(ethertype);
    if (bpf_skb_change_head(skb, ETH_HLEN, 0)) return -1;
    if (bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0)) return -2;
    return 0;
}

/* Direct mode's plan, both directions, before the packet is changed: fib
 * holds the translated packet's family, addresses, tos/flowinfo and
 * protocol; this adds the ports (proto: the transport protocol, IPv4's or
 * IPv6's number: TCP and UDP have ports) and the length to check, and
 * looks the route up.
 * hops: the translated TTL/hop limit. A negative result is a pass cause. */
static __always_inline int direct_plan(struct __sk_buff* skb, struct bpf_fib_lookup* fib, __u8 hops, __u8 proto,
                                       const __u8* l4, __u32 l4_off, __u32 l3_hdr, __u32 total) {
    if (!direct_hop_ok(hops)) {
        count(NAT64D_BPF_C_direct_fallback_ttl, 1);
        return DIRECT_INGRESS;
    }
    __u32 l4_hdr = 8;
    if (proto == IPPROTO_TCP && skb->gso_size) {
        __u8 doff = 0; /* a super-packet's segments: header + gso_size */
        if (bpf_skb_load_bytes(skb, l4_off + 12, &doff, 1)) return -NAT64D_BPF_C_pass_header;
        l4_hdr = (doff >> 4) * 4;
    }
    if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
        __builtin_memcpy(&fib->sport, l4, 2);
        __builtin_memcpy(&fib->dport, l4 + 2, 2);
    }
    fib->tot_len = direct_check_len(skb, l3_hdr, l4_hdr, total);
    int route = direct_route(skb, fib);
    return route == DIRECT_TOO_BIG ? -NAT64D_BPF_C_pass_too_big : route;
}

/* After the translation: the direct send, or its fallback. */
static __always_inline int deliver(struct __sk_buff* skb, int route, const struct bpf_fib_lookup* fib, __u16 ethertype,
                                   __u32 counter) {
    if (route == DIRECT_SEND) {
        int r = direct_send(skb, fib, ethertype);
        if (r == 0) {
            count(counter, 1);
            return bpf_redirect(fib->ifindex, 0);
        }
        if (r < -1) {
            count(NAT64D_BPF_C_dropped_error, 1);
            return TC_ACT_SHOT;
        }
        count(NAT64D_BPF_C_direct_fallback_fib, 1);
    }
    return bpf_redirect(tun_ifindex, BPF_F_INGRESS);
}

/* ---- IPv4 Identification (RFC 7915 §5.1, RFC 6864 §4.3, RFC 7739) ----
 * The daemon's generator (src/xlat/ipv4_id.cpp), per CPU: a six-round
 * Feistel network over a 16-bit counter whose round functions are 256-byte
 * tables filled from SipHash-2-4 under a secret key, new tables for every
 * cycle of the counter, the one value that maps to 0 skipped. The key is
 * random per CPU (the loader); the state cannot be shared with the daemon's
 * workers, so the program's IDs are a sequence of their own. */

static __always_inline __u64 rotl(__u64 x, int b) {
    return (x << b) | (x >> (64 - b));
}

#define SIPROUND           \
    do {                   \
        v0 += v1;          \
        v1 = rotl(v1, 13); \
        v1 ^= v0;          \
        v0 = rotl(v0, 32); \
        v2 += v3;          \
        v3 = rotl(v3, 16); \
        v3 ^= v2;          \
        v0 += v3;          \
        v3 = rotl(v3, 21); \
        v3 ^= v0;          \
        v2 += v1;          \
        v1 = rotl(v1, 17); \
        v1 ^= v2;          \
        v2 = rotl(v2, 32); \
    } while (0)

static __always_inline __u64 siphash24(__u64 k0, __u64 k1, __u64 m) {
    __u64 v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    __u64 v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
    __u64 b = 8ULL << 56;
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

struct fill_ctx {
    struct id_tables* t;
};

static long fill_one(__u32 i, void* data) {
    struct fill_ctx* c = data;
    struct id_tables* t = c->t;
    if (!t || i >= 6 * 32) return 1;
    /* Round r's table from the words (cycle, r, 0..31), 8 bytes each,
     * least significant first: table byte r * 256 + j * 8 + b. */
    __u32 r = i >> 5, j = i & 31;
    __u64 h = siphash24(t->s.k0, t->s.k1, (t->s.cycle << 16) | ((__u64)r << 8) | j);
    __u64 o = (__u64)i * 8;
    asm volatile("%0 &= 2047" : "+r"(o));
    if (o > 6 * 256 - 8) return 1;
    __u8* p = &t->round[0][0] + o;
#pragma unroll
    for (int b = 0; b < 8; b++) p[b] = (__u8)(h >> (8 * b));
    return 0;
}

static __always_inline int next_id(__u16* id) {
    __u32 zero = 0;
    struct id_tables* t = bpf_map_lookup_elem(&ipv4_ids, &zero);
    if (!t) return -1;
#pragma unroll
    for (int attempt = 0; attempt < 3; attempt++) {
        if (!t->s.tables_ready) {
            /* a cycle starts: fill the tables of cycle `cycle`, then count it */
            struct fill_ctx c = {.t = t};
            if (bpf_loop(6 * 32, fill_one, &c, 0) != 6 * 32) return -1;
            t->s.cycle++;
            t->s.tables_ready = 1;
        }
        __u32 ctr = t->s.counter & 0xffff;
        t->s.counter = (ctr + 1) & 0xffff;
        if (t->s.counter == 0) t->s.tables_ready = 0; /* 65536 values used: new tables next time */
        __u8 l = ctr >> 8, r = ctr & 0xff;
#pragma unroll
        for (int i = 0; i < 6; i++) {
            __u8 x = l ^ t->round[i][r];
            l = r;
            r = x;
        }
        __u16 v = ((__u16)l << 8) | r;
        if (v != 0) {
            *id = v;
            return 0;
        }
    }
    return -1;
}

/* ---- RFC 7915 §4: IPv4 -> IPv6 ---- */

static __noinline int xlat_4to6(struct __sk_buff* skb, const struct nat64d_bpf_settings* s, __u32 set) {
    const __u32 off = l2_len;
    struct iphdr ip;
    if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip))) return pass(NAT64D_BPF_C_pass_header);
    /* Options (a source route among them) go to the daemon. */
    if (ip.version != 4 || ip.ihl != 5) return pass(NAT64D_BPF_C_pass_header);
    const __u32 tot = bpf_ntohs(ip.tot_len);
    if (tot < sizeof(ip) || tot != skb->len - off) return pass(NAT64D_BPF_C_pass_header);
    /* RFC 1812 §5.2.2: the daemon drops a bad header checksum. */
    if (fold16(sum_bytes((const __u8*)&ip, 20, 0)) != 0xffff) return pass(NAT64D_BPF_C_pass_header);
    if (ip.frag_off & bpf_htons(0x3fff)) return pass(NAT64D_BPF_C_pass_fragment);
    const __u8 *src = (const __u8*)&ip.saddr, *dst = (const __u8*)&ip.daddr;
    if (eq4(dst, s->own4) || eq4(src, s->own4)) return pass(NAT64D_BPF_C_pass_own_address);
    if (reserved4(dst) || reserved4(src)) return pass(NAT64D_BPF_C_pass_address_class);
    if (ip.ttl <= 1) return pass(NAT64D_BPF_C_pass_ttl);

    const __u32 l4_off = off + sizeof(ip);
    const __u32 l4_len = tot - sizeof(ip);
    __u8 l4[8];
    if (l4_len < 8 || bpf_skb_load_bytes(skb, l4_off, l4, 8)) return pass(NAT64D_BPF_C_pass_header);
    __u32 csum_off;
    __u8 proto6 = ip.protocol;
    if (ip.protocol == IPPROTO_TCP) {
        if (l4_len < 20) return pass(NAT64D_BPF_C_pass_header);
        csum_off = 16;
    } else if (ip.protocol == IPPROTO_UDP) {
        if (l4[6] == 0 && l4[7] == 0) return pass(NAT64D_BPF_C_pass_udp_zero_checksum);
        csum_off = 6;
    } else if (ip.protocol == IPPROTO_ICMP) {
        if (l4[0] != ICMP_ECHO && l4[0] != ICMP_ECHOREPLY) return pass(NAT64D_BPF_C_pass_protocol);
        csum_off = 2;
        proto6 = IPPROTO_ICMPV6;
    } else {
        return pass(NAT64D_BPF_C_pass_protocol);
    }

    struct ipv6hdr h6 = {};
    int via = 0;
    struct lease_use use; /* the destination's lease */
    lease_use_init(&use);
    int r = map_4to6(s, set, src, (__u8*)&h6.saddr, &via, 0);
    if (r != OK) return pass(r);
    r = map_4to6(s, set, dst, (__u8*)&h6.daddr, &via, &use);
    if (r != OK) return pass(r);
    const int check_route = via && s->route_check;
    if (eq16((const __u8*)&h6.daddr, s->own6) || eq16((const __u8*)&h6.saddr, s->own6))
        return pass(NAT64D_BPF_C_pass_own_address);

    /* RFC 7915 §4.1 sizes: packets that would be cut to offlink-mtu, or
     * answered with Fragmentation Needed, go to the daemon. A GSO
     * super-packet is segmented by the kernel afterwards (its segments
     * meet the forwarding path's MTU check). */
    const __u32 total6 = sizeof(struct ipv6hdr) + l4_len;
    const int df = (ip.frag_off & bpf_htons(0x4000)) != 0;
    if (skb->gso_size == 0 && !(total6 <= s->frag_mtu6 || (df && total6 <= s->ipv6_mtu)))
        return pass(NAT64D_BPF_C_pass_too_big);

    /* RFC 7915 §4.1: traffic class = TOS, flow label 0, hop limit = TTL - 1. */
    h6.version = 6;
    h6.priority = ip.tos >> 4;
    h6.flow_lbl[0] = (ip.tos & 0x0f) << 4;
    h6.payload_len = bpf_htons(l4_len);
    h6.nexthdr = proto6;
    h6.hop_limit = ip.ttl - 1;

    /* Direct mode: the output leg is settled now, while the packet can
     * still go to the daemon untouched. */
    /* Zeroed even when unused: a speculated path reads it. */
    struct bpf_fib_lookup fib = {};
    int route = DIRECT_INGRESS;
    if (direct_mode && l2_len == 0) {
        fib.family = AF_INET6;
        fib.l4_protocol = proto6;
        fib.flowinfo = bpf_htonl((__u32)ip.tos << 20); /* traffic class, flow label 0 */
        __builtin_memcpy(fib.ipv6_src, &h6.saddr, 16);
        __builtin_memcpy(fib.ipv6_dst, &h6.daddr, 16);
        route = direct_plan(skb, &fib, h6.hop_limit, ip.protocol, l4, l4_off, sizeof(struct ipv6hdr), total6);
        if (route < 0) return pass(-route);
        /* the hop the kernel's forwarding would have taken off */
        if (route == DIRECT_SEND) h6.hop_limit -= 1;
    }
    /* A direct send has shown the route leaving through another device. */
    if (check_route && route != DIRECT_SEND && !leaves_elsewhere(skb, 1, (const __u8*)&h6.daddr))
        return pass(NAT64D_BPF_C_pass_route_check);

    __u8 icmp_type = 0;
    __u16 icmp_csum = 0;
    __u32 diff = 0;
    if (ip.protocol == IPPROTO_ICMP) {
        /* §4.2: Echo 8/0 -> 128/129; the checksum gains the IPv6
         * pseudo-header and the new type word (xlat::echo_4to6). */
        icmp_type = l4[0] == ICMP_ECHO ? ICMPV6_ECHO_REQUEST : ICMPV6_ECHO_REPLY;
        const __u32 old_word = ((__u32)l4[0] << 8) | l4[1];
        const __u32 new_word = ((__u32)icmp_type << 8) | l4[1];
        const __u32 ph = pseudo6((const __u8*)&h6.saddr, (const __u8*)&h6.daddr, l4_len, IPPROTO_ICMPV6);
        icmp_csum = bpf_htons(csum_update(((__u16)l4[2] << 8) | l4[3], old_word, csum_add(ph, new_word)));
    } else {
        /* §4.5: the pseudo-header's address terms change. */
        __be32 from[2] = {ip.saddr, ip.daddr};
        __be32 to[8];
        __builtin_memcpy(to, &h6.saddr, 16);
        __builtin_memcpy(to + 4, &h6.daddr, 16);
        diff = bpf_csum_diff(from, sizeof(from), to, sizeof(to), 0);
    }

    if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0)) return pass(NAT64D_BPF_C_pass_helper);
    stamp(&use);
    /* From here on the packet is changed: a failure drops it. */
    if (bpf_skb_store_bytes(skb, off, &h6, sizeof(h6), BPF_F_RECOMPUTE_CSUM)) goto fail;
    const __u32 l4_off6 = off + sizeof(struct ipv6hdr);
    if (ip.protocol == IPPROTO_ICMP) {
        if (bpf_skb_store_bytes(skb, l4_off6, &icmp_type, 1, BPF_F_RECOMPUTE_CSUM)) goto fail;
        if (bpf_skb_store_bytes(skb, l4_off6 + 2, &icmp_csum, 2, BPF_F_RECOMPUTE_CSUM)) goto fail;
    } else {
        __u64 flags = BPF_F_PSEUDO_HDR | (ip.protocol == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0);
        if (bpf_l4_csum_replace(skb, l4_off6 + csum_off, 0, diff, flags)) goto fail;
    }
    count(NAT64D_BPF_C_translated_4to6, 1);
    count(NAT64D_BPF_C_bytes_4to6, total6);
    return deliver(skb, route, &fib, ETH_P_IPV6, NAT64D_BPF_C_direct_4to6);
fail:
    count(NAT64D_BPF_C_dropped_error, 1);
    return TC_ACT_SHOT;
}

/* ---- RFC 7915 §5: IPv6 -> IPv4 ---- */

static __noinline int xlat_6to4(struct __sk_buff* skb, const struct nat64d_bpf_settings* s, __u32 set) {
    const __u32 off = l2_len;
    struct ipv6hdr ip6;
    if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6))) return pass(NAT64D_BPF_C_pass_header);
    if (ip6.version != 6) return pass(NAT64D_BPF_C_pass_header);
    const __u32 l4_len = bpf_ntohs(ip6.payload_len);
    /* A jumbogram (payload length 0) and trailing bytes: the daemon. */
    if (l4_len == 0 || sizeof(ip6) + l4_len != skb->len - off) return pass(NAT64D_BPF_C_pass_header);
    const __u8 *src = (const __u8*)&ip6.saddr, *dst = (const __u8*)&ip6.daddr;
    if (eq16(dst, s->own6) || eq16(src, s->own6)) return pass(NAT64D_BPF_C_pass_own_address);
    if (reserved6(dst) || reserved6(src)) return pass(NAT64D_BPF_C_pass_address_class);
    if (ip6.hop_limit <= 1) return pass(NAT64D_BPF_C_pass_ttl);

    const __u32 l4_off = off + sizeof(ip6);
    __u8 l4[8];
    __u32 csum_off;
    __u8 proto4 = ip6.nexthdr;
    if (ip6.nexthdr == IPPROTO_TCP) {
        if (l4_len < 20) return pass(NAT64D_BPF_C_pass_header);
        csum_off = 16;
    } else if (ip6.nexthdr == IPPROTO_UDP) {
        if (l4_len < 8) return pass(NAT64D_BPF_C_pass_header);
        csum_off = 6;
    } else if (ip6.nexthdr == IPPROTO_ICMPV6) {
        if (l4_len < 8) return pass(NAT64D_BPF_C_pass_header);
        csum_off = 2;
        proto4 = IPPROTO_ICMP;
    } else if (ip6.nexthdr == IPPROTO_HOPOPTS || ip6.nexthdr == IPPROTO_ROUTING || ip6.nexthdr == IPPROTO_FRAGMENT ||
               ip6.nexthdr == IPPROTO_DSTOPTS) {
        return pass(NAT64D_BPF_C_pass_header);
    } else {
        return pass(NAT64D_BPF_C_pass_protocol);
    }
    if (bpf_skb_load_bytes(skb, l4_off, l4, 8)) return pass(NAT64D_BPF_C_pass_header);
    if (ip6.nexthdr == IPPROTO_UDP && l4[6] == 0 && l4[7] == 0) return pass(NAT64D_BPF_C_pass_udp_zero_checksum);
    if (ip6.nexthdr == IPPROTO_ICMPV6 && l4[0] != ICMPV6_ECHO_REQUEST && l4[0] != ICMPV6_ECHO_REPLY)
        return pass(NAT64D_BPF_C_pass_protocol);

    struct iphdr h4 = {};
    int via = 0;
    /* TAYGA's order: the destination (it never leases), then the source. */
    int r = map_6to4_dst(s, set, dst, (__u8*)&h4.daddr, &via);
    if (r != OK) return pass(r);
    if (s->hairpin) {
        /* RFC 7757 §4.2.2: an IPv4 destination that stands for an IPv6 host
         * (its own mapping back differs) is hairpinned by the daemon. */
        __u8 back[16];
        int back_via = 0;
        if (map_4to6(s, set, (const __u8*)&h4.daddr, back, &back_via, 0) != OK || !eq16(back, dst))
            return pass(NAT64D_BPF_C_pass_hairpin);
    }
    const int check_route = via && s->route_check;
    struct lease_use use; /* the source's lease */
    lease_use_init(&use);
    r = map_6to4_src(s, set, src, (__u8*)&h4.saddr, &use);
    if (r != OK) return pass(r);
    if (eq4((const __u8*)&h4.daddr, s->own4) || eq4((const __u8*)&h4.saddr, s->own4))
        return pass(NAT64D_BPF_C_pass_own_address);

    /* §5.1.1 / §1.4: bigger than the IPv4 MTU (fragmented by the daemon or
     * answered with Packet Too Big); a GSO super-packet is segmented later. */
    const __u32 total = sizeof(struct iphdr) + l4_len;
    if (skb->gso_size == 0 && total > s->ipv4_mtu) return pass(NAT64D_BPF_C_pass_too_big);

    /* §5.1: DF by size (above 1260 bytes DF=1 and ID 0, RFC 6864 §4.1);
     * below, DF=0 and an ID from the generator (RFC 6864 §4.3). */
    __u16 id = 0;
    if (total > 1260) {
        h4.frag_off = bpf_htons(0x4000);
    } else {
        if (next_id(&id)) return pass(NAT64D_BPF_C_pass_helper);
        h4.id = bpf_htons(id);
    }
    h4.version = 4;
    h4.ihl = 5;
    h4.tos = (ip6.priority << 4) | (ip6.flow_lbl[0] >> 4);
    h4.tot_len = bpf_htons(total);
    h4.ttl = ip6.hop_limit - 1;
    h4.protocol = proto4;

    /* Direct mode: as in xlat_4to6, before the packet is changed. */
    /* Zeroed even when unused: a speculated path reads it. */
    struct bpf_fib_lookup fib = {};
    int route = DIRECT_INGRESS;
    if (direct_mode && l2_len == 0) {
        fib.family = AF_INET;
        fib.l4_protocol = proto4;
        fib.tos = h4.tos;
        fib.ipv4_src = h4.saddr;
        fib.ipv4_dst = h4.daddr;
        route = direct_plan(skb, &fib, h4.ttl, proto4, l4, l4_off, sizeof(struct iphdr), total);
        if (route < 0) return pass(-route);
        if (route == DIRECT_SEND) h4.ttl -= 1;
    }
    if (check_route && route != DIRECT_SEND && !leaves_elsewhere(skb, 0, (const __u8*)&h4.daddr))
        return pass(NAT64D_BPF_C_pass_route_check);
    h4.check = bpf_htons((__u16)~fold16(sum_bytes((const __u8*)&h4, 20, 0)));

    __u8 icmp_type = 0;
    __u16 icmp_csum = 0;
    __u32 diff = 0;
    if (ip6.nexthdr == IPPROTO_ICMPV6) {
        /* §5.2: 128/129 -> 8/0; the checksum loses the IPv6 pseudo-header
         * and the old type word (xlat::echo_6to4). */
        icmp_type = l4[0] == ICMPV6_ECHO_REQUEST ? ICMP_ECHO : ICMP_ECHOREPLY;
        const __u32 old_word = ((__u32)l4[0] << 8) | l4[1];
        const __u32 new_word = ((__u32)icmp_type << 8) | l4[1];
        const __u32 ph = pseudo6(src, dst, l4_len, IPPROTO_ICMPV6);
        const __u16 c = csum_update(((__u16)l4[2] << 8) | l4[3], csum_add(ph, old_word), new_word);
        /* A result of 0 is wrong for an all-zero message; the daemon then
         * sums the whole message (xlat::icmp4_checksum_zero_fix). */
        if (c == 0) return pass(NAT64D_BPF_C_pass_protocol);
        icmp_csum = bpf_htons(c);
    } else {
        __be32 from[8];
        __builtin_memcpy(from, &ip6.saddr, 16);
        __builtin_memcpy(from + 4, &ip6.daddr, 16);
        __be32 to[2] = {h4.saddr, h4.daddr};
        diff = bpf_csum_diff(from, sizeof(from), to, sizeof(to), 0);
    }

    if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0)) return pass(NAT64D_BPF_C_pass_helper);
    stamp(&use);
    if (bpf_skb_store_bytes(skb, off, &h4, sizeof(h4), BPF_F_RECOMPUTE_CSUM)) goto fail;
    const __u32 l4_off4 = off + sizeof(struct iphdr);
    if (ip6.nexthdr == IPPROTO_ICMPV6) {
        if (bpf_skb_store_bytes(skb, l4_off4, &icmp_type, 1, BPF_F_RECOMPUTE_CSUM)) goto fail;
        if (bpf_skb_store_bytes(skb, l4_off4 + 2, &icmp_csum, 2, BPF_F_RECOMPUTE_CSUM)) goto fail;
    } else {
        __u64 flags = BPF_F_PSEUDO_HDR | (ip6.nexthdr == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0);
        if (bpf_l4_csum_replace(skb, l4_off4 + csum_off, 0, diff, flags)) goto fail;
    }
    count(NAT64D_BPF_C_translated_6to4, 1);
    count(NAT64D_BPF_C_bytes_6to4, total);
    return deliver(skb, route, &fib, ETH_P_IP, NAT64D_BPF_C_direct_6to4);
fail:
    count(NAT64D_BPF_C_dropped_error, 1);
    return TC_ACT_SHOT;
}

SEC("tc")
int nat64d_fastpath(struct __sk_buff* skb) {
    __u32 set = active_set & 1;
    const struct nat64d_bpf_settings* s = bpf_map_lookup_elem(&settings, &set);
    if (!s || !s->valid) return pass(NAT64D_BPF_C_pass_no_tables);
    if (skb->protocol == bpf_htons(ETH_P_IP)) return xlat_4to6(skb, s, set);
    if (skb->protocol == bpf_htons(ETH_P_IPV6)) return xlat_6to4(skb, s, set);
    return pass(NAT64D_BPF_C_pass_header);
}
