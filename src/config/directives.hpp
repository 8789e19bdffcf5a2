// The directive table behind both front ends (internal to the config module).
// Each entry knows its argument count, how its TOML value maps onto TAYGA
// arguments, how to apply arguments to a Config, and how to print the
// effective value back in TAYGA syntax.
#pragma once

#include "common/text.hpp"

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "nat64d/config.hpp"

namespace nat64d::config::detail {

// The product of the parse pass: the settings read so far, plus where each
// directive first appeared. A directive whose value was refused is still
// recorded, so that validation neither reports it as missing nor builds
// further complaints on its absent value.
struct Draft {
    Config cfg;
    std::map<std::string, SourcePos, std::less<>> first;
    // Cautions an apply function raised for the occurrence being applied
    // (position-less); apply_directive reports them as warnings at its line.
    std::vector<std::string> cautions;

    [[nodiscard]] const SourcePos* seen(std::string_view name) const {
        const auto it = first.find(name);
        return it == first.end() ? nullptr : &it->second;
    }
};

using Args = std::span<const std::string_view>;

// How a TOML value becomes TAYGA-style arguments. For a directive that may
// appear more than once, a TOML array is a list of occurrences.
enum class TomlShape {
    Bool,     // TOML boolean -> "yes" / "no"
    Integer,  // TOML integer -> its decimal text
    String,   // TOML string -> one argument, taken whole
    Words,    // TOML string -> split at whitespace (log)
    Map,      // "V4 V6" string split at whitespace, or a table {ipv4, ipv6}
};

inline constexpr unsigned kUnlimited = ~0u;

struct Directive {
    DirectiveInfo info;
    unsigned min_args;
    unsigned max_args;  // kUnlimited for a list
    TomlShape toml;
    // Applies one occurrence. The error text has no position and no
    // directive name; the front end adds "FILE:LINE: name: ".
    common::Status (*apply)(Draft& draft, Args args, const SourcePos& pos);
    // Appends the effective setting as TAYGA lines (or a comment when unset).
    void (*print)(const Config& cfg, std::string& out);
    // Reload::Restart only: gives `next` the running value of this
    // directive's setting (a reload keeps sealed settings; keep_sealed()).
    void (*keep)(Config& next, const Config& running) = nullptr;
};

// A Restart directive's keep: one Config member copied from the running
// configuration.
template <auto Member>
void keep_member(Config& next, const Config& running) {
    next.*Member = running.*Member;
}

[[nodiscard]] std::span<const Directive> directive_table();
// By name in any case, as TAYGA compares names (strcasecmp): "IPv4-Addr"
// finds ipv4-addr.
[[nodiscard]] const Directive* find_directive(std::string_view name);

// quote() and split_words() are common's (common/text.hpp).
using common::quote;
using common::split_words;

// "FILE:LINE: message" / "FILE: message" (line 0).
[[nodiscard]] std::string at(const SourcePos& pos, std::string_view message);

// "map 192.0.2.0/24" style: a host (/32 or /128) is printed without length.
[[nodiscard]] std::string host_or_prefix(const Prefix4& p);
[[nodiscard]] std::string host_or_prefix(const Prefix6& p);

}  // namespace nat64d::config::detail
