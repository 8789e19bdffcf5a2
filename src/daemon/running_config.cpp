#include "daemon/running_config.hpp"

#include <fmt/core.h>

#include "config/config.hpp"

namespace nat64d::daemon {
namespace {

config::Reload reload_class(std::string_view name) {
    for (const auto& d : config::directives()) {
        if (d.name == name) return d.reload;
    }
    return config::Reload::Restart;
}

}  // namespace

void keep_restart_settings(Config& next, const Config& running) {
    next.tun_device = running.tun_device;
    next.dynamic_pool = running.dynamic_pool;
    next.data_dir = running.data_dir;
    next.tun_up = running.tun_up;
    next.tun_ips = running.tun_ips;
    next.tun_routes = running.tun_routes;
    next.workers = running.workers;
    next.offload = running.offload;
    next.control_socket = running.control_socket;
    next.control_group = running.control_group;
    next.metrics_listen = running.metrics_listen;
    next.metrics_instance = running.metrics_instance;
}

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
            out += fmt::format("#   {}: {}\n", name,
                               reload_class(name) == config::Reload::Restart ? "needs restart" : "applied by reload");
        }
    }
    if (!disk.errors.empty()) {
        out += "# map-file lines a reload would skip:\n";
        for (const auto& e : disk.errors) out += "#   " + e + "\n";
    }
    return out;
}

}  // namespace nat64d::daemon
