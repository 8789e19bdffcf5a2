// map-file (TAYGA's directive): a file of further `map IPv4[/n] IPv6[/m]`
// lines in tayga.conf syntax. This is the parse pass only: each line on its
// own. How the lines combine with each other and with tayga.conf (a later
// line replaces an earlier one it clashes with, a line that clashes with
// tayga.conf is skipped) is config::apply_map_file; the swap on reload is
// the daemon's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "nat64d/map_entry.hpp"
#include "nat64d/source_pos.hpp"

namespace nat64d::addr {

// One message about one line of a map-file.
struct MapFileNote {
    unsigned line = 0;
    std::string text;  // "FILE:LINE: message"
};

struct MapFileResult {
    std::vector<MapEntry> entries;      // every well-formed line, in file order, MapEntry::from_map_file set
    std::vector<MapFileNote> errors;    // malformed lines, left out of `entries`
    std::vector<MapFileNote> warnings;  // lines taken with a caution (link-local IPv4)
};

// The `map` directive's two arguments (tayga.conf, map-file, TOML): host or
// subnet on each side, host bits clear, equal host-part sizes (RFC 7757
// §3.2, TAYGA's rule), and, as TAYGA checks, neither side's address in a
// reserved class (special.hpp: 0/8, 127/8, 224/4, 255.255.255.255; ::/8
// outside 64:ff9b::/32, fe80::/10, ff00::/8). Messages worded as TAYGA's.
[[nodiscard]] common::Result<MapEntry> parse_map(std::string_view a4, std::string_view a6, const SourcePos& pos);

// TAYGA's caution for a `map` whose IPv4 side is link-local (169.254/16,
// RFC 3927): translated through an explicit map, but worth a warning.
// Empty when there is nothing to say.
[[nodiscard]] std::string map_caution(const MapEntry& entry);

// Like tayga.conf: one directive per line, words separated by whitespace,
// '#' starts a comment anywhere on the line; only `map` is allowed (its
// name in any case, as TAYGA compares it). Every line is looked at on its
// own: no check between lines here.
[[nodiscard]] MapFileResult parse_map_file(std::string_view content, const std::string& name);

// Reads and parses `path`. A file that cannot be read (or does not exist) is
// an Error ("unable to open PATH: ..."); a file with bad lines is a
// MapFileResult with errors.
[[nodiscard]] common::Result<MapFileResult> read_map_file(const std::string& path);

}  // namespace nat64d::addr
