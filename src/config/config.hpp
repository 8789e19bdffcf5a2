// Configuration front ends: tayga.conf(5) syntax and TOML, both turned into
// one validated nat64d::Config. A parse pass (one directive table shared by
// both syntaxes, directives.cpp) is followed by a separate cross-field
// validation pass (validate.cpp). Every problem is collected with its
// position, so the operator sees all of them at once.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "addr/map_file.hpp"
#include "nat64d/config.hpp"

namespace nat64d::config {

// Every problem found, in the order found (parse pass in file order, then
// validation). Each entry is "FILE:LINE: message" ("FILE:LINE:COL: message"
// for TOML syntax and value errors, "FILE: message" for something missing).
struct Diagnostics {
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
};

// What the process environment contributes; injected so tests need no setenv.
struct Environment {
    std::string state_directory;  // $STATE_DIRECTORY (systemd), may be a ':' list
};

// Reads `path`: TOML if it ends in ".toml", TAYGA syntax otherwise. Returns
// the validated Config only when no error was found. An unreadable file is
// the single error "PATH: cannot open: <strerror>".
//
// Defaults filled in by validation: ipv6-addr = RFC 6052 embed(prefix,
// ipv4-addr) when absent (Config::ipv6_addr_defaulted); data-dir = the first
// entry of Environment::state_directory when absent; a relative map-file is
// stored joined to data-dir ("DATA-DIR/PATH").
[[nodiscard]] std::optional<Config> load_file(const std::string& path, const Environment& env, Diagnostics& diag);

// The same from text already in memory; `name` stands for the file in messages.
[[nodiscard]] std::optional<Config> load_tayga_text(std::string_view text, const std::string& name,
                                                    const Environment& env, Diagnostics& diag);
[[nodiscard]] std::optional<Config> load_toml_text(std::string_view text, const std::string& name,
                                                   const Environment& env, Diagnostics& diag);

// The effective settings in TAYGA syntax (`nat64d --check-config`): every
// directive in table order with its effective value, defaults included.
// Settings that are absent, or defaulted from others (ipv6-addr), are shown
// as comments, so that parsing the output again gives the same settings.
[[nodiscard]] std::string to_tayga_syntax(const Config& cfg);

// The rules a map entry obeys against the rest of a validated configuration
// (not against other maps), whether it comes from the file itself or from a
// map-file, as TAYGA keeps them all in one table: its IPv6 side must not
// overlap the RFC 6052 prefix nor contain ipv6-addr; its IPv4 side must not
// be exactly ipv4-addr (a subnet around it is fine) nor exactly the
// dynamic-pool. One message per problem, without the entry's position.
[[nodiscard]] std::vector<std::string> map_conflicts(const Config& cfg, const MapEntry& m);

// A map-file applied to a validated configuration (TAYGA's map-file
// semantics). Its well-formed lines are taken in file order:
//   - a line that clashes with the configuration (map_conflicts, or the
//     same IPv4 prefix as a tayga.conf map, or an IPv6 side overlapping
//     one) is skipped, with an error;
//   - a line that clashes with an earlier map-file line (the same IPv4
//     prefix, or overlapping IPv6 sides) replaces it, with a warning
//     naming both lines: the later line wins;
//   - malformed lines (addr::parse_map_file's errors) are skipped too.
// Nothing here stops a start or a reload: the result is always usable.
struct MapFileApplied {
    std::vector<MapEntry> entries;  // the lines in force, in file order
    Diagnostics diag;               // errors: skipped lines; warnings: replaced lines, cautions; each in line order
};
[[nodiscard]] MapFileApplied apply_map_file(const Config& cfg, const addr::MapFileResult& file);

// Whether a changed setting takes effect on reload (SIGHUP) or only after a
// restart (the sealed settings, docs/architecture.md).
enum class Reload { Runtime, Restart };

// One entry of the directive table, read-only (e.g. for checking that the
// man page documents every directive).
struct DirectiveInfo {
    std::string_view name;    // "map"; also the TOML key
    std::string_view syntax;  // arguments as in the man page: "IPV4[/N] IPV6[/M]"
    std::string_view doc;     // one line
    bool many = false;        // may appear more than once
    Reload reload = Reload::Runtime;
    bool deprecated = false;  // accepted with a warning, has no effect
};

[[nodiscard]] std::span<const DirectiveInfo> directives();

// Names (table order) of the directives whose effective settings differ
// between `a` and `b`; source positions are ignored. Empty means the two
// configurations are equivalent. A reload filters this by DirectiveInfo::reload.
[[nodiscard]] std::vector<std::string_view> changed_directives(const Config& a, const Config& b);

// The reload class of the directive `name` (Restart for an unknown name).
[[nodiscard]] Reload reload_class(std::string_view name);

// Reload: every directive marked Reload::Restart in the directive table
// (the sealed settings: tun-device, workers, offload, sockets, ...) takes
// its running value in `next`; a reload neither applies them nor pretends
// to. Derived from the table, so a new sealed directive is kept too.
void keep_sealed(Config& next, const Config& running);

// Whether every Restart directive of the table says how to keep its
// setting, and no Runtime one does (the table's own consistency).
[[nodiscard]] bool sealed_table_complete();

}  // namespace nat64d::config
