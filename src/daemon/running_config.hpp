// `nat64dctl config`: the settings in force, printed as `nat64d
// --check-config` prints a file, followed by what the configuration file
// on disk would change now, and which of those changes a reload applies
// and which wait for a restart (config::Reload).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nat64d/config.hpp"

namespace nat64d::daemon {

// What the configuration file (and its map-file) says now, as a reload
// would read it.
struct OnDisk {
    std::string path;                 // the configuration file
    std::optional<Config> cfg;        // nullopt: refused (see errors) or not read
    std::vector<std::string> errors;  // why it was refused; map-file lines a reload would skip
    bool out_of_reach = false;        // chrooted: the file is not read again (reload takes the map-file only)
};

// The running settings (config::to_tayga_syntax), then comment lines:
// "# pending in PATH:" and one "#   NAME: applied by reload" or
// "#   NAME: needs restart" per changed directive, or "# no pending
// changes", or why the file cannot be compared. Every added line is a
// comment, so the whole reply still parses as a configuration file.
[[nodiscard]] std::string format_running_config(const Config& running, const OnDisk& disk);

}  // namespace nat64d::daemon
