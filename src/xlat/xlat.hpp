// Pure packet translation (RFC 7915). No system calls, no allocation, no
// logging: every function takes bytes, returns a Verdict and counts a Reason.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "addr/map_table.hpp"
#include "addr/pool_lookup.hpp"  // the one shared mutable table, seen through three lookups
#include "addr/route_view.hpp"
#include "nat64d/ip.hpp"
#include "nat64d/verdict.hpp"
#include "nat64d/xlat_settings.hpp"
#include "xlat/ipv4_id.hpp"

namespace nat64d::xlat {

// Bytes kept free in front of every packet so that 4->6 can grow the header
// (20 -> 40 bytes, 48 with a Fragment Header) without moving the payload.
inline constexpr std::size_t kHeadroom = 128;

// The read-only translation tables of one configuration generation.
// Workers share one immutable instance (std::shared_ptr<const Tables>).
struct Tables {
    std::optional<Prefix6> prefix;  // RFC 6052 prefix
    bool prefix_is_wkp = false;     // prefix == 64:ff9b::/96
    bool wkpf_strict = true;        // RFC 6052 §3.1 enforcement for the WKP
    Ipv4Addr ipv4_addr;             // the translator's own addresses
    Ipv6Addr ipv6_addr;
    addr::MapTable maps;  // RFC 7757 explicit address mappings
    // deny4: IPv4 addresses never translated through the RFC 6052 prefix,
    // in either direction and in either role (maps and leases still apply).
    addr::PrefixSet4 deny4;
    // What the kernel routes into the TUN device (the daemon's snapshot,
    // refreshed when routes change), for the routing loop check: a
    // destination translated through the prefix whose translation would
    // be routed straight back in is refused (docs/rfc-compliance.md,
    // "Routing loops"). Null: not known, no check.
    std::shared_ptr<const addr::RouteView> routes;
    UdpCksumMode udp_cksum_mode = UdpCksumMode::Drop;
    // Dynamic IPv4 pool (dynamic-pool), or null. Not part of the immutable
    // snapshot: it outlives every generation and locks internally, only on
    // the miss path (docs/architecture.md); hits read the worker's
    // own view of it, Context::pool_reader.
    addr::PoolLookup* pool = nullptr;

    // Next-hop MTUs (RFC 7915 §1.4: the translator is a router). Both sides
    // leave through the one TUN device, so the worker sets both to the
    // device MTU; 65535 (the default) means "not set": no limit.
    std::uint32_t ipv4_mtu = 65535;
    std::uint32_t ipv6_mtu = 65535;
    // offlink-mtu: RFC 7915 §4.1 "lowest-ipv6-mtu", the size to which 4->6
    // packets with DF=0 are fragmented (capped by ipv6_mtu).
    std::uint32_t lowest_ipv6_mtu = 1280;

    // Translator-generated ICMP errors (RFC 7915 §4.4, §5.4: send,
    // rate-limit or do not send). `icmp_rate` errors per second to one
    // destination on average, bursts of up to `icmp_burst` (RFC 4443
    // §2.4(f) token bucket, per destination and per worker: IcmpLimiter);
    // icmp_rate 0 means no limit.
    bool icmp_errors = true;
    std::uint32_t icmp_rate = 100;
    std::uint32_t icmp_burst = 100;

    // RFC 7757 §4.2.2 intrinsic hairpinning (SHOULD, enabled by default).
    bool hairpin = true;

    // `log`: which translation events the worker logs (see wanted()).
    LogFlags log;
};

// Per-worker counters: only the owning worker writes them.
// Kinds of ICMP errors the translator generates (Counters::icmp_errors_by_kind).
enum class IcmpErrorKind : std::uint8_t { DestUnreachable, TimeExceeded, TooBig, ParamProblem, Other };
inline constexpr std::size_t kIcmpErrorKinds = 5;
inline constexpr std::array<std::string_view, kIcmpErrorKinds> kIcmpErrorKindNames{
    "dest-unreachable", "time-exceeded", "too-big", "parameter-problem", "other"};

struct Counters {
    std::uint64_t packets_4to6 = 0;
    std::uint64_t bytes_4to6 = 0;
    std::uint64_t packets_6to4 = 0;
    std::uint64_t bytes_6to4 = 0;
    std::uint64_t local_replies = 0;
    std::uint64_t icmp_translated_4to6 = 0;  // ICMPv4 messages translated to ICMPv6 (echo and errors)
    std::uint64_t icmp_translated_6to4 = 0;  // ICMPv6 messages translated to ICMPv4
    std::uint64_t icmp_errors_sent = 0;      // built by the translator (Verdict::IcmpError)
    std::array<std::uint64_t, kIcmpErrorKinds> icmp_errors_by_kind{};  // the same, by IcmpErrorKind
    std::uint64_t icmp_errors_rate_limited = 0;                        // wanted but refused by the token bucket
    std::array<std::uint64_t, kIcmpErrorKinds> icmp_errors_held_back_by_kind{};  // the same, by IcmpErrorKind
    std::uint64_t fragments_out = 0;  // extra packets made by fragmentation (Context::extra)
    std::uint64_t hairpinned = 0;     // RFC 7757 §4.2.2: 6->4->6
    std::array<std::uint64_t, kReasonCount> drops{};

    Counters& operator+=(const Counters& o) noexcept;
};

// What happened to a packet that did not simply go through, for the
// worker's `log` option (the translator itself never logs). The mapping to
// TAYGA's `log` flags: Drop -> drop, Reject -> reject, Icmp and
// RouterError -> icmp, Self -> self; a spoofed source also under drop, a
// protocol unreachable also under reject (see wanted()).
enum class EventKind : std::uint8_t {
    Drop,         // dropped silently (a Reason was counted)
    Reject,       // dropped and answered with an ICMP error from the translator
    Icmp,         // an ICMP error from the network, translated and forwarded
    Self,         // addressed to the translator's own address (answered or not)
    RouterError,  // answered with the translator's own Time Exceeded or Packet
                  // Too Big / Fragmentation Needed (TAYGA's `log icmp`)
};

struct Event {
    EventKind kind = EventKind::Drop;
    Reason reason = Reason::BadVersion;  // meaningful for Drop, Reject, and Self drops
    bool is_v6 = false;                  // family of the packet as received
    std::uint8_t proto = 0;              // IPv4 protocol / IPv6 first next header
    Ipv4Addr src4, dst4;                 // when !is_v6
    Ipv6Addr src6, dst6;                 // when is_v6
};

// Whether `e` is to be logged under the configured `log` flags.
[[nodiscard]] bool wanted(const LogFlags& flags, const Event& e) noexcept;

// The name of an event's kind as `log` lines and journal fields spell it:
// drop, reject, icmp (Icmp and RouterError: TAYGA's `log icmp`), self.
[[nodiscard]] std::string_view event_kind_name(EventKind kind) noexcept;

// Whether `e.reason` says something about `e`: drops, rejects, the
// translator's own errors, and a protocol unreachable from its own address.
[[nodiscard]] bool event_has_reason(const Event& e) noexcept;

// One concise log line for `e`, e.g. "reject 2001:db8::10 -> 3fff:6464::c000:221
// proto 17: hop-limit-expired (IPv6 hop limit would reach zero)". For the
// worker's (rate-limited) logging, not for the packet path: it allocates.
[[nodiscard]] std::string describe(const Event& e);

// A packet produced in addition to the one in the PacketBuf (a fragment).
struct OutPacket {
    const std::uint8_t* data = nullptr;
    std::size_t length = 0;
};

// Fragmentation scratch: a 65535-byte IPv4 datagram cut to the 1280-byte
// IPv6 minimum gives 54 fragments (1232 payload bytes each), 53 of them
// extra, each with a 48-byte IPv6 + Fragment header.
inline constexpr std::size_t kMaxExtraPackets = 56;
inline constexpr std::size_t kScratchSize = 65536 + kMaxExtraPackets * 48;

// RFC 4443 §2.4(f) token buckets for the translator's own ICMP errors, one
// per destination of an error (the offending packet's source), as the
// Linux kernel limits per peer (icmp_ratelimit): a storm from one source
// uses up its own bucket only. A fixed table of kIcmpLimitSlots buckets,
// indexed by a hash of the destination; a destination whose slot holds
// another one takes the slot over with a full bucket, so a colliding
// source can never silence another one. What bounds the total over many
// (spoofed) sources is the worker-wide bucket `all`, kIcmpGlobalFactor
// times the per-destination rate and burst.
inline constexpr std::size_t kIcmpLimitSlots = 256;
inline constexpr std::uint32_t kIcmpGlobalFactor = 8;

struct IcmpBucket {
    std::uint64_t key = 0;           // hash of the destination, 0 = empty slot
    std::uint64_t tokens_milli = 0;  // in 1/1000 tokens
    std::uint64_t last_ms = 0;
};

struct IcmpLimiter {
    IcmpBucket all;  // key 1 once primed
    std::array<IcmpBucket, kIcmpLimitSlots> slots{};
};

// Per-worker mutable translation state. About 82 KiB (the fragment
// scratch, and 12 KiB of ICMP error buckets): allocate it once per worker,
// never per packet.
struct Context {
    Counters counters;
    // RFC 7915 §5.1 / RFC 6864: IDs of the DF=0 IPv4 packets this worker
    // sends (xlat/ipv4_id.hpp); the io layer seeds its key.
    Ipv4IdGenerator ipv4_ids;

    // This worker's reference to the dynamic pool's lease snapshot: pool
    // hits read it without a lock (addr::PoolReader).
    addr::PoolReader pool_reader;

    // Monotonic clock in milliseconds; the worker sets it once per batch.
    // Only the ICMP error token buckets read it.
    std::uint64_t now_ms = 0;
    // Two budgets (RFC 4443 §2.4(f) lets Packet Too Big be limited apart):
    // Packet Too Big / Fragmentation Needed, which Path MTU discovery
    // needs (RFC 1191, RFC 8201), never compete with a storm of other
    // errors (Time Exceeded, Destination Unreachable...).
    IcmpLimiter icmp_limit;
    IcmpLimiter icmp_too_big_limit;

    // Output: when translate() returns Forward, the PacketBuf holds the
    // first packet to write and extra[0 .. extra_count) the following ones
    // (RFC 7915 §4.1 / §5.1.1 fragments), in order. They point into
    // `scratch` and stay valid until the next translate() call.
    std::size_t extra_count = 0;
    std::array<OutPacket, kMaxExtraPackets> extra{};
    std::array<std::uint8_t, kScratchSize> scratch{};

    // Logging hook: `event_seq` is incremented each time `last_event` is
    // rewritten, i.e. at most once per translate() call. `current` is the
    // translator's working copy for the packet in progress.
    std::uint64_t event_seq = 0;
    Event last_event;
    Event current;
};

// One packet in a buffer: bytes [offset, offset + length) of `base`, with
// `offset` >= kHeadroom on input. Translation rewrites it in place and moves
// offset/length to the bytes to send.
//
// What the translator needs of the buffer: kHeadroom bytes in front of the
// packet (the bigger IPv6 header, a Fragment Header, or an ICMP error built
// in front of the packet it quotes) and nothing behind it: `capacity` may
// end right after the packet, and nothing outside [base, base + capacity)
// is read or written. Room behind the packet, up to `capacity`, is used
// only to keep an RFC 4884 extension whole when the quoted packet in front
// of it grows (4->6); without it the extension is left out (RFC 4884 §4.2
// allows it). The fuzz targets (test/fuzz/fuzz_xlat.cpp) hold the
// translator to this under AddressSanitizer.
struct PacketBuf {
    std::uint8_t* base = nullptr;
    std::size_t capacity = 0;
    std::size_t offset = 0;
    std::size_t length = 0;
    // A GSO super-packet (IFF_VNET_HDR offload): the kernel cuts it into
    // segments after translation, so the translator takes no MTU decision
    // for it (no fragmentation, Packet Too Big or Fragmentation Needed);
    // segment sizes are the io layer's business.
    bool gso = false;

    [[nodiscard]] std::uint8_t* data() const noexcept { return base + offset; }
};

// Dispatches on the IP version nibble.
[[nodiscard]] Verdict translate(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept;
// RFC 7915 §4: IPv4 -> IPv6.
[[nodiscard]] Verdict translate_4to6(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept;
// RFC 7915 §5: IPv6 -> IPv4.
[[nodiscard]] Verdict translate_6to4(const Tables& t, Context& ctx, PacketBuf& pkt) noexcept;

}  // namespace nat64d::xlat
