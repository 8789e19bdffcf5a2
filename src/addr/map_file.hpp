// map-file (TAYGA's directive): a file of further `map IPv4[/n] IPv6[/m]`
// lines in tayga.conf syntax. This is the parse-and-check pass only; merging
// with tayga.conf's own maps and the SIGHUP swap belong to the daemon. It
// lives in addr (not config) so that reload can use it without config, and
// addr does not depend on config.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "nat64d/config.hpp"

namespace nat64d::addr {

struct MapFileResult {
    std::vector<MapEntry> entries;    // every well-formed line, with its SourcePos
    std::vector<std::string> errors;  // "FILE:LINE: message", every problem found
    [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

// The `map` directive's two arguments (tayga.conf, map-file, TOML): host or
// subnet on each side, host bits clear, equal host-part sizes (RFC 7757
// §3.2, TAYGA's rule). Messages worded as the tayga.conf parser words them.
[[nodiscard]] common::Result<MapEntry> parse_map(std::string_view a4, std::string_view a6, const SourcePos& pos);

// Like tayga.conf: one directive per line, words separated by whitespace,
// '#' starts a comment anywhere on the line; only `map` is allowed. Checks
// the syntax, that both sides have host bits clear and the same number of
// host bits (RFC 7757 §3.2, TAYGA's rule), and that no two lines overlap on
// either side (RFC 7757 §5; MapTable::add, which cites the earlier line).
[[nodiscard]] MapFileResult parse_map_file(std::string_view content, const std::string& name);

// Reads and parses `path`. A file that cannot be read (or does not exist) is
// an Error; a file with bad lines is a MapFileResult with errors.
[[nodiscard]] common::Result<MapFileResult> read_map_file(const std::string& path);

}  // namespace nat64d::addr
