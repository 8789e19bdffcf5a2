// The settings the translator itself reads (xlat::Tables), named after the
// tayga.conf(5) directives they come from. Kept apart from config.hpp so
// that the translator does not depend on the configuration schema.
#pragma once

namespace nat64d {

// `udp-cksum-mode`: what to do with IPv4 UDP datagrams whose checksum is 0
// (RFC 7915 §4.5): drop them, forward them unchanged (fwd), or compute one.
enum class UdpCksumMode { Drop, Forward, Calc };

// `log drop reject icmp self dyn`.
struct LogFlags {
    bool drop = false;
    bool reject = false;
    bool icmp = false;
    bool self = false;
    bool dyn = false;
    friend bool operator==(const LogFlags&, const LogFlags&) = default;
};

}  // namespace nat64d
