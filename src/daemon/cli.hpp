// TAYGA's command line, plus nat64d's own additions (-t, -V).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"

namespace nat64d::daemon {

inline constexpr const char* kDefaultConfig = "/etc/nat64d.conf";

struct Options {
    std::string config_file = kDefaultConfig;  // -c, --config
    bool debug = false;     // -d, --debug: foreground, debug messages (to stdout unless a sink is named)
    bool nodetach = false;  // -n, --nodetach
    std::string user;       // -u, --user
    std::string group;      // -g, --group
    bool chroot = false;    // -r, --chroot: chroot() to data-dir
    std::string pidfile;    // -p, --pidfile
    // --syslog, --stdout, --journal (the last one given wins); unset: stdout
    // with -d, stderr in the foreground, syslog once detached.
    std::optional<common::LogSink> log_sink;
    bool mktun = false;                 // --mktun
    bool rmtun = false;                 // --rmtun
    bool check_config = false;          // -t, --check-config
    bool help = false;                  // -h, --help
    bool version = false;               // -V, --version
    std::vector<std::string> warnings;  // accepted, but worth telling the operator
};

// Parses argv; a usage error is returned as the message nat64d prints
// before its usage text.
[[nodiscard]] common::Result<Options> parse_args(int argc, char** argv);

// The log sink the daemon uses: the one named on the command line, else
// stdout with -d (TAYGA), else stderr in the foreground and syslog once
// detached.
[[nodiscard]] common::LogSink log_sink(const Options& opt, bool foreground);

// -c and -p as absolute paths, taken from `cwd` (the directory nat64d was
// started in) when relative: the daemon changes directory when it detaches
// or chroots, and re-reads the configuration on reload.
void make_paths_absolute(Options& opt, const std::string& cwd);

[[nodiscard]] std::string usage();

}  // namespace nat64d::daemon
