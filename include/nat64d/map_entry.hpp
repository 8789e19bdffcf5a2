// `map IPv4[/n] IPv6[/m]` as configured (tayga.conf, TOML or a map-file
// line): the pair the translator uses plus where it was written. Parsed by
// addr/map_file.hpp, held by Config, cited by the map table's clash messages.
#pragma once

#include "nat64d/map_pair.hpp"
#include "nat64d/source_pos.hpp"

namespace nat64d {

// Two entries are equal when their pairs are (MapPair's operator==): the
// position and the origin are not compared.
struct MapEntry : MapPair {
    SourcePos pos;
    bool from_map_file = false;  // a map-file line (reloadable, replaceable) rather than tayga.conf's
};

}  // namespace nat64d
