// TAYGA's command line, plus nat64d's own additions (-t, -V, -h).
#pragma once

#include <optional>
#include <string>

namespace nat64d::daemon {

inline constexpr const char* kDefaultConfig = "/etc/nat64d.conf";

struct Options {
    std::string config_file = kDefaultConfig;  // -c, --config
    bool debug = false;          // -d, --debug: foreground, debug messages on stderr
    bool nodetach = false;       // -n, --nodetach
    std::string user;            // -u, --user
    std::string group;           // -g, --group
    bool chroot = false;         // -r, --chroot: chroot() to data-dir
    std::string pidfile;         // -p, --pidfile
    bool mktun = false;          // --mktun
    bool rmtun = false;          // --rmtun
    bool check_config = false;   // -t, --check-config
    bool help = false;           // -h, --help
    bool version = false;        // -V, --version
};

// Parses argv. On a usage error returns nullopt and sets `error`.
[[nodiscard]] std::optional<Options> parse_args(int argc, char** argv, std::string& error);

[[nodiscard]] std::string usage();

}  // namespace nat64d::daemon
