// The directive table: one entry per tayga.conf(5) directive, shared by the
// TAYGA-syntax parser and the TOML parser.
// Messages keep TAYGA's wording where TAYGA has one.
#include "config/directives.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "addr/map_file.hpp"
#include "addr/rfc6052.hpp"
#include "addr/special.hpp"
#include "config/front_ends.hpp"

namespace nat64d::config::detail {
namespace {

using common::Error;
using common::Status;

// ---- argument parsers ------------------------------------------------------

std::optional<unsigned> parse_uint(std::string_view text) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

// Keyword values are compared in any case, as TAYGA compares them
// (strcasecmp): "Yes", "CALC", "DROP".
bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// TAYGA's booleans (wkpf-strict, tun-up, strict-frag-hdr): yes|no,
// true|false, on|off, 1|0, in any case.
std::optional<bool> parse_bool(std::string_view text) {
    for (const char* t : {"yes", "true", "on", "1"}) {
        if (iequals(text, t)) return true;
    }
    for (const char* f : {"no", "false", "off", "0"}) {
        if (iequals(text, f)) return false;
    }
    return std::nullopt;
}

Error bad_bool(std::string_view text) {
    return Error{"expected yes or no but found " + quote(text)};
}

Error host_bits_set(std::string_view text) {
    return Error{quote(text) + " has host bits set"};
}

// Linux dev_valid_name() (net/core/dev.c): 1 to IFNAMSIZ-1 = 15 bytes, not
// "." or "..", and no '/', ':' or whitespace.
bool valid_ifname(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    return std::none_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
               c == '\0';
    });
}

bool looks_v6(std::string_view text) {
    return text.find(':') != std::string_view::npos;
}

const char* yes_no(bool b) {
    return b ? "yes" : "no";
}

// ---- apply functions, one per directive -------------------------------------

Status apply_tun_device(Draft& d, Args a, const SourcePos&) {
    if (!valid_ifname(a[0]))
        return Error{"device name " + quote(a[0]) +
                     " is invalid (1 to 15 characters, none of them '/', ':' or whitespace)"};
    d.cfg.tun_device = std::string(a[0]);
    return {};
}

// TAYGA's message for an address in a reserved class (addr/special.hpp).
Error reserved(std::string_view address, std::string_view directive) {
    return Error{fmt::format("Cannot use reserved address {} in {} directive", address, directive)};
}

Status apply_ipv4_addr(Draft& d, Args a, const SourcePos&) {
    const auto v4 = parse_ipv4(a[0]);
    if (!v4) return Error{"expected an IPv4 address but found " + quote(a[0])};
    if (addr::is_reserved_ipv4(*v4)) return reserved(a[0], "ipv4-addr");
    if (addr::is_link_local_ipv4(*v4))
        d.cautions.push_back(fmt::format("Using link local address {} in ipv4-addr directive, use with caution", a[0]));
    d.cfg.ipv4_addr = *v4;
    return {};
}

Status apply_ipv6_addr(Draft& d, Args a, const SourcePos&) {
    const auto v6 = parse_ipv6(a[0]);
    if (!v6) return Error{"expected an IPv6 address but found " + quote(a[0])};
    if (addr::is_reserved_ipv6(*v6)) return reserved(a[0], "ipv6-addr");
    d.cfg.ipv6_addr = *v6;
    return {};
}

Status apply_prefix(Draft& d, Args a, const SourcePos&) {
    const auto loose = parse_prefix6(a[0], /*allow_host_bits=*/true);
    if (!loose || a[0].find('/') == std::string_view::npos)
        return Error{"expected an IPv6 prefix but found " + quote(a[0])};
    if (!addr::is_valid_rfc6052_len(loose->len))
        return Error{
            fmt::format("prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052 §2.2) but found /{}", loose->len)};
    if (!parse_prefix6(a[0])) return host_bits_set(a[0]);
    if (addr::is_reserved_ipv6(loose->addr)) return reserved(a[0], "prefix");
    // RFC 6052 §2.2: bits 64-71 (the u octet) must be zero. For prefixes up
    // to /64 they lie outside the prefix; a /96 must carry a zero there.
    if (loose->addr.bytes[8] != 0) return Error{"bits 64-71 of the prefix must be zero (RFC 6052 §2.2)"};
    d.cfg.prefix = *loose;
    return {};
}

Status apply_wkpf_strict(Draft& d, Args a, const SourcePos&) {
    const auto b = parse_bool(a[0]);
    if (!b) return bad_bool(a[0]);
    d.cfg.wkpf_strict = *b;
    return {};
}

Status apply_dynamic_pool(Draft& d, Args a, const SourcePos&) {
    const auto loose = parse_prefix4(a[0], /*allow_host_bits=*/true);
    if (!loose || a[0].find('/') == std::string_view::npos)
        return Error{"expected an IPv4 prefix but found " + quote(a[0])};
    // TAYGA: the lowest address of the pool is reserved, so a pool needs at
    // least two addresses.
    if (loose->len > 31) return Error{fmt::format("cannot use a prefix longer than /31 (found /{})", loose->len)};
    if (!parse_prefix4(a[0])) return host_bits_set(a[0]);
    // TAYGA looks at the address the pool starts with.
    const std::string start = to_string(loose->addr);
    if (addr::is_reserved_ipv4(loose->addr)) return reserved(start, "dynamic-pool");
    if (addr::is_link_local_ipv4(loose->addr))
        d.cautions.push_back(
            fmt::format("Using link-local address {} in dynamic-pool directive, use with caution", start));
    d.cfg.dynamic_pool = *loose;
    return {};
}

Status apply_data_dir(Draft& d, Args a, const SourcePos&) {
    if (a[0].empty() || a[0].front() != '/') return Error{"must be an absolute path but found " + quote(a[0])};
    d.cfg.data_dir = std::string(a[0]);
    return {};
}

Status apply_map(Draft& d, Args a, const SourcePos& pos) {
    auto entry = addr::parse_map(a[0], a[1], pos);  // shared with map-file
    if (!entry) return Error{entry.error()};
    if (auto caution = addr::map_caution(*entry); !caution.empty()) d.cautions.push_back(std::move(caution));
    d.cfg.maps.push_back(std::move(*entry));
    return {};
}

// deny4 PREFIX (Jool's denylist4): IPv4 addresses never translated through
// the RFC 6052 prefix. A bare address is a /32.
Status apply_deny4(Draft& d, Args a, const SourcePos&) {
    const auto loose = parse_prefix4(a[0], /*allow_host_bits=*/true);
    if (!loose) return Error{"expected an IPv4 address or prefix but found " + quote(a[0])};
    if (!parse_prefix4(a[0])) return host_bits_set(a[0]);
    d.cfg.deny4.push_back(*loose);
    return {};
}

Status apply_map_file(Draft& d, Args a, const SourcePos&) {
    if (a[0].empty()) return Error{"expected a path but found ''"};
    d.cfg.map_file = std::string(a[0]);
    return {};
}

// TAYGA takes the value by its first letters, in any case: dr... (drop),
// calc... (calculate), fwd... or forw... (forward).
Status apply_udp_cksum_mode(Draft& d, Args a, const SourcePos&) {
    if (istarts_with(a[0], "dr")) {
        d.cfg.udp_cksum_mode = UdpCksumMode::Drop;
    } else if (istarts_with(a[0], "fwd") || istarts_with(a[0], "forw")) {
        d.cfg.udp_cksum_mode = UdpCksumMode::Forward;
    } else if (istarts_with(a[0], "calc")) {
        d.cfg.udp_cksum_mode = UdpCksumMode::Calc;
    } else {
        return Error{"expected drop, fwd or calc but found " + quote(a[0])};
    }
    return {};
}

// A bare `log` line adds no flag: alone, it means no logging (TAYGA).
Status apply_log(Draft& d, Args a, const SourcePos&) {
    LogFlags flags = d.cfg.log;  // all or nothing: a line with a bad flag changes nothing
    for (const auto word : a) {
        if (iequals(word, "drop")) {
            flags.drop = true;
        } else if (iequals(word, "reject")) {
            flags.reject = true;
        } else if (iequals(word, "icmp")) {
            flags.icmp = true;
        } else if (iequals(word, "self")) {
            flags.self = true;
        } else if (iequals(word, "dyn")) {
            flags.dyn = true;
        } else {
            return Error{"unknown flag " + quote(word) + " (expected drop, reject, icmp, self or dyn)"};
        }
    }
    d.cfg.log = flags;
    return {};
}

// The range (RFC 7915 §4.1: at least 1280) is a validation-pass rule.
Status apply_offlink_mtu(Draft& d, Args a, const SourcePos&) {
    const auto n = parse_uint(a[0]);
    if (!n) return Error{"expected a number but found " + quote(a[0])};
    d.cfg.offlink_mtu = *n;
    return {};
}

// Bounded so that rate x burst x 1000 milli-tokens (and the worker-wide
// bucket, 8 times that) stays far from overflow.
constexpr unsigned kMaxIcmpRate = 1'000'000;

Status apply_icmp_rate(Draft& d, Args a, const SourcePos&) {
    const auto n = parse_uint(a[0]);
    if (!n || *n > kMaxIcmpRate)
        return Error{fmt::format("expected a number from 0 to {} but found {}", kMaxIcmpRate, quote(a[0]))};
    d.cfg.icmp_rate = *n;
    return {};
}

Status apply_icmp_burst(Draft& d, Args a, const SourcePos&) {
    const auto n = parse_uint(a[0]);
    if (!n || *n < 1 || *n > kMaxIcmpRate)
        return Error{fmt::format("expected a number from 1 to {} but found {}", kMaxIcmpRate, quote(a[0]))};
    d.cfg.icmp_burst = *n;
    return {};
}

Status apply_tun_up(Draft& d, Args a, const SourcePos&) {
    if (a.empty()) {  // bare "tun-up"
        d.cfg.tun_up = true;
        return {};
    }
    const auto b = parse_bool(a[0]);
    if (!b) return bad_bool(a[0]);
    d.cfg.tun_up = *b;
    return {};
}

Status apply_tun_ip(Draft& d, Args a, const SourcePos&) {
    const std::string_view text = a[0];
    const std::string_view host = text.substr(0, text.find('/'));
    TunIp ip;
    ip.is_v6 = looks_v6(host);
    if (ip.is_v6) {
        const auto p = parse_prefix6(text, /*allow_host_bits=*/true);
        const auto v6 = parse_ipv6(host);
        if (!p || !v6) return Error{"expected an IPv4 or IPv6 address but found " + quote(text)};
        ip.v6 = *v6;
        ip.prefix_len = p->len;
    } else {
        const auto p = parse_prefix4(text, /*allow_host_bits=*/true);
        const auto v4 = parse_ipv4(host);
        if (!p || !v4) return Error{"expected an IPv4 or IPv6 address but found " + quote(text)};
        ip.v4 = *v4;
        ip.prefix_len = p->len;
    }
    d.cfg.tun_ips.push_back(ip);
    return {};
}

Status apply_tun_route(Draft& d, Args a, const SourcePos&) {
    const std::string_view text = a[0];
    TunRoute route;
    route.is_v6 = looks_v6(text);
    if (route.is_v6) {
        const auto p = parse_prefix6(text, /*allow_host_bits=*/true);
        if (!p) return Error{"expected an IPv4 or IPv6 prefix but found " + quote(text)};
        if (!parse_prefix6(text)) return host_bits_set(text);
        route.v6 = *p;
    } else {
        const auto p = parse_prefix4(text, /*allow_host_bits=*/true);
        if (!p) return Error{"expected an IPv4 or IPv6 prefix but found " + quote(text)};
        if (!parse_prefix4(text)) return host_bits_set(text);
        route.v4 = *p;
    }
    d.cfg.tun_routes.push_back(route);
    return {};
}

constexpr unsigned kMaxWorkers = 256;

Status apply_workers(Draft& d, Args a, const SourcePos&) {
    const auto n = parse_uint(a[0]);
    if (!n || *n > kMaxWorkers)
        return Error{fmt::format("expected a number from 0 to {} but found {}", kMaxWorkers, quote(a[0]))};
    d.cfg.workers = *n;
    return {};
}

// Deprecated: the value is checked so that a typo is still caught, then
// dropped. RFC 7915 §4 (unlike RFC 6145) forbids a Fragment Header on
// packets that need no fragmenting, so there is nothing left to choose.
Status apply_strict_frag_hdr(Draft&, Args a, const SourcePos&) {
    if (!parse_bool(a[0])) return bad_bool(a[0]);
    return {};
}

Status apply_absolute_path(std::string& field, Args a) {
    if (a[0].empty() || a[0].front() != '/') return Error{"must be an absolute path but found " + quote(a[0])};
    field = std::string(a[0]);
    return {};
}

Status apply_offload(Draft& d, Args a, const SourcePos&) {
    const auto b = parse_bool(a[0]);
    if (!b) return bad_bool(a[0]);
    d.cfg.offload = *b;
    return {};
}

// on|off (TAYGA-style booleans too) or direct.
Status apply_fast_path(Draft& d, Args a, const SourcePos& pos) {
    if (iequals(a[0], "direct")) {
        d.cfg.fast_path = FastPathMode::Direct;
    } else if (const auto b = parse_bool(a[0])) {
        d.cfg.fast_path = *b ? FastPathMode::On : FastPathMode::Off;
    } else {
        return Error{"expected on, off or direct but found " + quote(a[0])};
    }
    d.cfg.fast_path_pos = pos;
    return {};
}

Status apply_control_socket(Draft& d, Args a, const SourcePos&) {
    return apply_absolute_path(d.cfg.control_socket, a);
}

// A group name as useradd(8) accepts it (letters, digits, '_', '-', '.', a
// trailing '$'; not starting with '-'); whether it exists is checked at start.
Status apply_control_group(Draft& d, Args a, const SourcePos&) {
    const std::string_view name = a[0];
    const bool ok = !name.empty() && name.size() <= 32 && name[0] != '-' &&
                    std::all_of(name.begin(), name.end(), [&](const char& c) {
                        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.' ||
                               (c == '$' && &c == &name.back());
                    });
    if (!ok) return Error{fmt::format("expected a group name but found {}", quote(name))};
    d.cfg.control_group = std::string(name);
    return {};
}

Status apply_metrics_file(Draft& d, Args a, const SourcePos&) {
    return apply_absolute_path(d.cfg.metrics_file, a);
}

// ADDR:PORT with a literal address, IPv6 in brackets (RFC 3986 §3.2.2):
// no names, so that start-up never waits for a resolver.
Status apply_metrics_listen(Draft& d, Args a, const SourcePos&) {
    const std::string_view text = a[0];
    const auto bad = [&text] {
        return Error{"expected ADDR:PORT (192.0.2.1:9100 or [2001:db8::1]:9100) but found " + quote(text)};
    };
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad();
    const auto port = parse_uint(text.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535) return bad();
    std::string_view host = text.substr(0, colon);
    ListenAddr out;
    out.port = static_cast<std::uint16_t>(*port);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        const auto v6 = parse_ipv6(host.substr(1, host.size() - 2));
        if (!v6) return bad();
        out.is_v6 = true;
        out.v6 = *v6;
    } else {
        const auto v4 = parse_ipv4(host);
        if (!v4) return bad();
        out.v4 = *v4;
    }
    d.cfg.metrics_listen = out;
    return {};
}

// The `instance` label value. Any printable text (it is escaped in the
// output); control characters would only make the label unreadable.
constexpr std::size_t kMaxInstanceName = 128;

Status apply_metrics_instance(Draft& d, Args a, const SourcePos&) {
    const std::string_view name = a[0];
    const bool printable = std::all_of(name.begin(), name.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u != 0x7f;
    });
    if (name.empty() || name.size() > kMaxInstanceName || !printable)
        return Error{
            fmt::format("expected a name of 1 to {} printable characters but found {}", kMaxInstanceName, quote(name))};
    d.cfg.metrics_instance = std::string(name);
    return {};
}

// ---- printers ----------------------------------------------------------------

void line(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(" ").append(value).append("\n");
}

void unset(std::string& out, std::string_view name, std::string_view what) {
    out.append("# ").append(name).append(" (").append(what).append(")\n");
}

void print_tun_device(const Config& c, std::string& out) {
    if (c.tun_device.empty()) return unset(out, "tun-device", "not set");
    line(out, "tun-device", c.tun_device);
}

void print_ipv4_addr(const Config& c, std::string& out) {
    if (!c.ipv4_addr) return unset(out, "ipv4-addr", "not set");
    line(out, "ipv4-addr", to_string(*c.ipv4_addr));
}

void print_ipv6_addr(const Config& c, std::string& out) {
    if (!c.ipv6_addr) return unset(out, "ipv6-addr", "not set");
    if (c.ipv6_addr_defaulted) {
        out.append("# ipv6-addr ").append(to_string(*c.ipv6_addr)).append(" (default: prefix + ipv4-addr)\n");
        return;
    }
    line(out, "ipv6-addr", to_string(*c.ipv6_addr));
}

void print_prefix(const Config& c, std::string& out) {
    if (!c.prefix) return unset(out, "prefix", "not set");
    line(out, "prefix", to_string(*c.prefix));
}

void print_wkpf_strict(const Config& c, std::string& out) {
    line(out, "wkpf-strict", yes_no(c.wkpf_strict));
}

void print_dynamic_pool(const Config& c, std::string& out) {
    if (!c.dynamic_pool) return unset(out, "dynamic-pool", "not set");
    line(out, "dynamic-pool", to_string(*c.dynamic_pool));
}

void print_data_dir(const Config& c, std::string& out) {
    if (c.data_dir.empty()) return unset(out, "data-dir", "not set");
    line(out, "data-dir", c.data_dir);
}

// map-file lines are shown as comments: they stay the map-file's (reading
// the output again must not make them tayga.conf maps).
void print_map(const Config& c, std::string& out) {
    if (c.maps.empty()) return unset(out, "map", "none");
    for (const auto& m : c.maps) {
        const std::string value = host_or_prefix(m.v4) + " " + host_or_prefix(m.v6);
        if (m.from_map_file) {
            out.append(fmt::format("# map {} (map-file {}:{})\n", value, m.pos.file, m.pos.line));
        } else {
            line(out, "map", value);
        }
    }
}

void print_deny4(const Config& c, std::string& out) {
    if (c.deny4.empty()) return unset(out, "deny4", "none");
    for (const auto& p : c.deny4) line(out, "deny4", host_or_prefix(p));
}

void print_map_file(const Config& c, std::string& out) {
    if (c.map_file.empty()) return unset(out, "map-file", "not set");
    line(out, "map-file", c.map_file);
}

void print_udp_cksum_mode(const Config& c, std::string& out) {
    switch (c.udp_cksum_mode) {
        case UdpCksumMode::Drop: return line(out, "udp-cksum-mode", "drop");
        case UdpCksumMode::Forward: return line(out, "udp-cksum-mode", "fwd");
        case UdpCksumMode::Calc: return line(out, "udp-cksum-mode", "calc");
    }
}

void print_log(const Config& c, std::string& out) {
    std::string flags;
    const auto add = [&flags](bool on, std::string_view name) {
        if (!on) return;
        if (!flags.empty()) flags += ' ';
        flags += name;
    };
    add(c.log.drop, "drop");
    add(c.log.reject, "reject");
    add(c.log.icmp, "icmp");
    add(c.log.self, "self");
    add(c.log.dyn, "dyn");
    if (flags.empty()) return unset(out, "log", "none");
    line(out, "log", flags);
}

void print_offlink_mtu(const Config& c, std::string& out) {
    line(out, "offlink-mtu", std::to_string(c.offlink_mtu));
}

void print_icmp_rate(const Config& c, std::string& out) {
    line(out, "icmp-rate", std::to_string(c.icmp_rate));
}

void print_icmp_burst(const Config& c, std::string& out) {
    line(out, "icmp-burst", std::to_string(c.icmp_burst));
}

void print_tun_up(const Config& c, std::string& out) {
    line(out, "tun-up", yes_no(c.tun_up));
}

void print_tun_ip(const Config& c, std::string& out) {
    if (c.tun_ips.empty()) return unset(out, "tun-ip", "none");
    for (const auto& ip : c.tun_ips) {
        line(out, "tun-ip", (ip.is_v6 ? to_string(ip.v6) : to_string(ip.v4)) + "/" + std::to_string(ip.prefix_len));
    }
}

void print_tun_route(const Config& c, std::string& out) {
    if (c.tun_routes.empty()) return unset(out, "tun-route", "none");
    for (const auto& r : c.tun_routes) line(out, "tun-route", r.is_v6 ? to_string(r.v6) : to_string(r.v4));
}

void print_workers(const Config& c, std::string& out) {
    if (!c.workers) return unset(out, "workers", "default: one per online CPU");
    line(out, "workers", std::to_string(*c.workers));
}

void print_offload(const Config& c, std::string& out) {
    line(out, "offload", yes_no(c.offload));
}

void print_fast_path(const Config& c, std::string& out) {
    switch (c.fast_path) {
        case FastPathMode::Off: return line(out, "fast-path", "off");
        case FastPathMode::On: return line(out, "fast-path", "on");
        case FastPathMode::Direct: return line(out, "fast-path", "direct");
    }
}

void print_control_group(const Config& c, std::string& out) {
    if (c.control_group.empty()) return unset(out, "control-group", "default: the daemon's group");
    line(out, "control-group", c.control_group);
}

void print_control_socket(const Config& c, std::string& out) {
    if (c.control_socket.empty()) return unset(out, "control-socket", "default: RUNTIME_DIRECTORY/TUN-DEVICE.sock");
    line(out, "control-socket", c.control_socket);
}

void print_metrics_file(const Config& c, std::string& out) {
    if (c.metrics_file.empty()) return unset(out, "metrics-file", "not set");
    line(out, "metrics-file", c.metrics_file);
}

void print_metrics_listen(const Config& c, std::string& out) {
    if (!c.metrics_listen) return unset(out, "metrics-listen", "not set: no HTTP server");
    line(out, "metrics-listen", to_string(*c.metrics_listen));
}

void print_metrics_instance(const Config& c, std::string& out) {
    if (c.metrics_instance.empty()) return unset(out, "metrics-instance", "default: tun-device");
    line(out, "metrics-instance", c.metrics_instance);
}

void print_strict_frag_hdr(const Config&, std::string& out) {
    unset(out, "strict-frag-hdr", "deprecated and ignored");
}

// ---- the table -------------------------------------------------------------------

constexpr Reload kRuntime = Reload::Runtime;
constexpr Reload kRestart = Reload::Restart;

// Order: the order of tayga.conf(5) and of `--check-config` output.
// clang-format off
const std::array kTable{
    Directive{.info = {.name = "tun-device", .syntax = "NAME",
                        .doc = "name of the TUN interface to create or attach to (required)",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_tun_device, .print = print_tun_device, .keep = keep_member<&Config::tun_device>},
    Directive{.info = {.name = "ipv4-addr", .syntax = "IPV4",
                        .doc = "the translator's own IPv4 address, source of its ICMPv4 errors (required)",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_ipv4_addr, .print = print_ipv4_addr},
    Directive{.info = {.name = "ipv6-addr", .syntax = "IPV6",
                        .doc = "the translator's own IPv6 address; default: prefix + ipv4-addr (RFC 6052)",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_ipv6_addr, .print = print_ipv6_addr},
    Directive{.info = {.name = "prefix", .syntax = "IPV6/LEN",
                        .doc = "RFC 6052 translation prefix, length 32, 40, 48, 56, 64 or 96",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_prefix, .print = print_prefix},
    Directive{.info = {.name = "wkpf-strict", .syntax = "yes|no",
                        .doc = "refuse non-global IPv4 addresses under 64:ff9b::/96 (RFC 6052 §3.1); default yes",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::Bool,
              .apply = apply_wkpf_strict, .print = print_wkpf_strict},
    Directive{.info = {.name = "dynamic-pool", .syntax = "IPV4/LEN",
                        .doc = "IPv4 addresses leased to unmapped IPv6 hosts; length at most 31",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_dynamic_pool, .print = print_dynamic_pool, .keep = keep_member<&Config::dynamic_pool>},
    Directive{.info = {.name = "data-dir", .syntax = "DIR",
                        .doc = "absolute directory for dynamic.map; default $STATE_DIRECTORY",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_data_dir, .print = print_data_dir, .keep = keep_member<&Config::data_dir>},
    Directive{.info = {.name = "map", .syntax = "IPV4[/N] IPV6[/M]",
                        .doc = "explicit address mapping (RFC 7757), equal host-part sizes",
                        .many = true, .reload = kRuntime, .deprecated = false},
              .min_args = 2, .max_args = 2, .toml = TomlShape::Map,
              .apply = apply_map, .print = print_map},
    Directive{.info = {.name = "deny4", .syntax = "IPV4[/LEN]",
                        .doc = "IPv4 addresses never translated through the prefix, either direction (Jool's denylist4)",
                        .many = true, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_deny4, .print = print_deny4},
    Directive{.info = {.name = "map-file", .syntax = "PATH",
                        .doc = "file of further map lines; relative paths are taken from data-dir",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_map_file, .print = print_map_file},
    Directive{.info = {.name = "udp-cksum-mode", .syntax = "drop|fwd|calc",
                        .doc = "IPv4 UDP with checksum 0 (RFC 7915 §4.5); default drop",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_udp_cksum_mode, .print = print_udp_cksum_mode},
    Directive{.info = {.name = "log", .syntax = "[FLAG...]",
                        .doc = "log events: drop, reject, icmp, self, dyn; flags of several lines add up; bare: none",
                        .many = true, .reload = kRuntime, .deprecated = false},
              .min_args = 0, .max_args = kUnlimited, .toml = TomlShape::Words,
              .apply = apply_log, .print = print_log},
    Directive{.info = {.name = "offlink-mtu", .syntax = "N",
                        .doc = "assumed IPv6 path MTU, 1280 to 65535 (RFC 7915 §4.1); default 1280",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::Integer,
              .apply = apply_offlink_mtu, .print = print_offlink_mtu},
    Directive{.info = {.name = "icmp-rate", .syntax = "N",
                        .doc = "translator-made ICMP errors per second to one destination, per worker; 0: no limit; default 100",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::Integer,
              .apply = apply_icmp_rate, .print = print_icmp_rate},
    Directive{.info = {.name = "icmp-burst", .syntax = "N",
                        .doc = "burst of translator-made ICMP errors to one destination, 1 to 1000000; default 100",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::Integer,
              .apply = apply_icmp_burst, .print = print_icmp_burst},
    Directive{.info = {.name = "tun-up", .syntax = "[yes|no]",
                        .doc = "bring the TUN interface up at start; bare tun-up means yes; default no",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 0, .max_args = 1, .toml = TomlShape::Bool,
              .apply = apply_tun_up, .print = print_tun_up, .keep = keep_member<&Config::tun_up>},
    Directive{.info = {.name = "tun-ip", .syntax = "ADDR[/LEN]",
                        .doc = "address put on the TUN interface, IPv4 or IPv6; default /32 or /128",
                        .many = true, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_tun_ip, .print = print_tun_ip, .keep = keep_member<&Config::tun_ips>},
    Directive{.info = {.name = "tun-route", .syntax = "PREFIX",
                        .doc = "IPv4 or IPv6 prefix routed into the TUN interface",
                        .many = true, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_tun_route, .print = print_tun_route, .keep = keep_member<&Config::tun_routes>},
    Directive{.info = {.name = "workers", .syntax = "N",
                        .doc = "worker threads, one TUN queue each, 0 to 256; 0 = one queue translated by the main thread (TAYGA); default one per online CPU",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::Integer,
              .apply = apply_workers, .print = print_workers, .keep = keep_member<&Config::workers>},
    Directive{.info = {.name = "offload", .syntax = "yes|no",
                        .doc = "TUN checksum and TCP/UDP segmentation offload (64 KiB super-packets); default yes",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::Bool,
              .apply = apply_offload, .print = print_offload, .keep = keep_member<&Config::offload>},
    Directive{.info = {.name = "fast-path", .syntax = "on|off|direct",
                        .doc = "translate common packets in the kernel (eBPF on the TUN device) when it can; default on",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_fast_path, .print = print_fast_path, .keep = keep_member<&Config::fast_path>},
    Directive{.info = {.name = "control-socket", .syntax = "PATH",
                        .doc = "Unix socket of nat64dctl; default $RUNTIME_DIRECTORY (or /run/nat64d)/TUN-DEVICE.sock",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_control_socket, .print = print_control_socket, .keep = keep_member<&Config::control_socket>},
    Directive{.info = {.name = "control-group", .syntax = "NAME",
                        .doc = "group that owns the control socket (mode 0660); default the daemon's group (-g/-u, else root)",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_control_group, .print = print_control_group, .keep = keep_member<&Config::control_group>},
    Directive{.info = {.name = "metrics-file", .syntax = "PATH",
                        .doc = "Prometheus text file rewritten every 15 s (node_exporter textfile collector)",
                        .many = false, .reload = kRuntime, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_metrics_file, .print = print_metrics_file},
    Directive{.info = {.name = "metrics-listen", .syntax = "ADDR:PORT",
                        .doc = "serve GET /metrics over HTTP on this loopback or management address; default off",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_metrics_listen, .print = print_metrics_listen, .keep = keep_member<&Config::metrics_listen>},
    Directive{.info = {.name = "metrics-instance", .syntax = "NAME",
                        .doc = "value of the instance label of every metric; default tun-device",
                        .many = false, .reload = kRestart, .deprecated = false},
              .min_args = 1, .max_args = 1, .toml = TomlShape::String,
              .apply = apply_metrics_instance, .print = print_metrics_instance, .keep = keep_member<&Config::metrics_instance>},
    Directive{.info = {.name = "strict-frag-hdr", .syntax = "yes|no",
                        .doc = "deprecated and ignored (RFC 7915 §4 decides)",
                        .many = false, .reload = kRuntime, .deprecated = true},
              .min_args = 1, .max_args = 1, .toml = TomlShape::Bool,
              .apply = apply_strict_frag_hdr, .print = print_strict_frag_hdr},
};
// clang-format on

}  // namespace

std::span<const Directive> directive_table() {
    return kTable;
}

const Directive* find_directive(std::string_view name) {
    const auto it =
        std::find_if(kTable.begin(), kTable.end(), [name](const Directive& d) { return iequals(d.info.name, name); });
    return it == kTable.end() ? nullptr : &*it;
}

std::string at(const SourcePos& pos, std::string_view message) {
    if (pos.line == 0) return fmt::format("{}: {}", pos.file, message);
    return fmt::format("{}:{}: {}", pos.file, pos.line, message);
}

std::string host_or_prefix(const Prefix4& p) {
    return p.len == 32 ? to_string(p.addr) : to_string(p);
}
std::string host_or_prefix(const Prefix6& p) {
    return p.len == 128 ? to_string(p.addr) : to_string(p);
}

void apply_directive(const Directive& d, Args args, const SourcePos& pos, std::string_view where, Draft& draft,
                     Diagnostics& diag) {
    const auto [first, inserted] = draft.first.try_emplace(std::string(d.info.name), pos);
    if (!inserted && !d.info.many) {
        diag.errors.push_back(fmt::format("{}: duplicate '{}' (first at {}:{})", where, d.info.name, first->second.file,
                                          first->second.line));
        return;
    }
    if (args.size() < d.min_args || args.size() > d.max_args) {
        std::string expected;
        if (d.max_args == kUnlimited) {
            expected = fmt::format("at least {}", d.min_args);
        } else if (d.min_args == d.max_args) {
            expected = std::to_string(d.min_args);
        } else {
            expected = fmt::format("{} to {}", d.min_args, d.max_args);
        }
        diag.errors.push_back(fmt::format("{}: {}: incorrect number of arguments (expected {}, found {})", where,
                                          d.info.name, expected, args.size()));
        return;
    }
    // Whatever is accepted must print back (`nat64d --check-config`) as a
    // tayga.conf line that reads the same: there '#' starts a comment and
    // blanks and line ends separate words. The tayga.conf reader never
    // hands over such an argument; a TOML string can.
    for (const auto arg : args) {
        const auto bad = std::find_if(arg.begin(), arg.end(), [](char c) {
            return c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\0';
        });
        if (bad != arg.end()) {
            diag.errors.push_back(fmt::format("{}: {}: {} holds {}, which tayga.conf syntax cannot carry in a value",
                                              where, d.info.name, quote(arg),
                                              *bad == '#' ? "'#' (a comment there)" : "a blank or line end"));
            return;
        }
    }
    draft.cautions.clear();
    if (const auto status = d.apply(draft, args, pos); !status) {
        diag.errors.push_back(fmt::format("{}: {}: {}", where, d.info.name, status.error()));
        return;
    }
    for (const auto& caution : draft.cautions) diag.warnings.push_back(fmt::format("{}: {}", where, caution));
    if (d.info.deprecated) diag.warnings.push_back(fmt::format("{}: {} is deprecated and ignored", where, d.info.name));
}

}  // namespace nat64d::config::detail

namespace nat64d::config {

std::span<const DirectiveInfo> directives() {
    static const auto infos = [] {
        std::array<DirectiveInfo, detail::kTable.size()> out{};
        std::transform(detail::kTable.begin(), detail::kTable.end(), out.begin(),
                       [](const detail::Directive& d) { return d.info; });
        return out;
    }();
    return infos;
}

std::vector<std::string_view> changed_directives(const Config& a, const Config& b) {
    std::vector<std::string_view> changed;
    for (const auto& d : detail::kTable) {
        std::string pa;
        std::string pb;
        d.print(a, pa);
        d.print(b, pb);
        if (pa != pb) changed.push_back(d.info.name);
    }
    return changed;
}

Reload reload_class(std::string_view name) {
    for (const auto& d : detail::kTable) {
        if (d.info.name == name) return d.info.reload;
    }
    return Reload::Restart;
}

void keep_sealed(Config& next, const Config& running) {
    for (const auto& d : detail::kTable) {
        if (d.info.reload == Reload::Restart && d.keep != nullptr) d.keep(next, running);
    }
}

bool sealed_table_complete() {
    return std::all_of(detail::kTable.begin(), detail::kTable.end(), [](const detail::Directive& d) {
        return (d.info.reload == Reload::Restart) == (d.keep != nullptr);
    });
}

std::string to_tayga_syntax(const Config& cfg) {
    std::string out = "# nat64d effective configuration\n";
    for (const auto& d : detail::kTable) d.print(cfg, out);
    return out;
}

}  // namespace nat64d::config
