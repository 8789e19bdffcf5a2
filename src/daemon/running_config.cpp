#include "daemon/running_config.hpp"

#include <fmt/core.h>

#include "config/config.hpp"

namespace nat64d::daemon {

std::string format_running_config(const Config& running, const OnDisk& disk) {
    std::string out = config::to_tayga_syntax(running);
    if (disk.out_of_reach) {
        out += fmt::format("# {} is out of reach in the chroot: a reload reads the map-file only\n", disk.path);
        return out;
    }
    if (!disk.cfg) {
        out += fmt::format("# {} is refused as it stands; a reload now would keep the running settings:\n", disk.path);
        for (const auto& e : disk.errors) out += "#   " + e + "\n";
        return out;
    }
    const auto changed = config::changed_directives(running, *disk.cfg);
    if (changed.empty()) {
        out += fmt::format("# no pending changes: {} gives the running settings\n", disk.path);
    } else {
        out += fmt::format("# pending in {}:\n", disk.path);
        for (const auto name : changed) {
            out += fmt::format(
                "#   {}: {}\n", name,
                config::reload_class(name) == config::Reload::Restart ? "needs restart" : "applied by reload");
        }
    }
    if (!disk.errors.empty()) {
        out += "# map-file lines a reload would skip:\n";
        for (const auto& e : disk.errors) out += "#   " + e + "\n";
    }
    return out;
}

}  // namespace nat64d::daemon
