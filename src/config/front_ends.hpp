// The two parse passes and the validation pass (internal to the config module).
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/directives.hpp"

namespace nat64d::config::detail {

// Parse passes. Each adds every problem to `diag` and keeps going; false
// means the text could not be read as a whole (a TOML syntax error), so
// there are no settings to validate.

// tayga.conf(5) syntax: one directive per line.
bool parse_tayga(std::string_view text, const std::string& name, Draft& draft, Diagnostics& diag);

// TOML: the same directives as top-level keys.
bool parse_toml(std::string_view text, const std::string& name, Draft& draft, Diagnostics& diag);

// Applies one occurrence of a directive through the table: checks the
// argument count, applies it, records its first position, and reports a
// second occurrence of a single-use directive. `where` is the position text
// used in messages ("FILE:LINE" or "FILE:LINE:COL").
void apply_directive(const Directive& d, Args args, const SourcePos& pos, std::string_view where, Draft& draft,
                     Diagnostics& diag);

// A map that clashes with an earlier map (the same IPv4 prefix, or
// overlapping IPv6 sides), in TAYGA's words, citing the earlier one's
// position. For the validation pass and for map-file lines.
[[nodiscard]] std::string map_clash_message(const MapEntry& later, const MapEntry& earlier);

// Validation pass: cross-field rules and defaults (ipv6-addr from prefix,
// data-dir from the environment, map-file joined to data-dir).
void validate(Draft& draft, const Environment& env, Diagnostics& diag);

}  // namespace nat64d::config::detail
