#include "daemon/cli.hpp"

#include <getopt.h>

namespace nat64d::daemon {
namespace {

enum LongOnly { kMktun = 256, kRmtun };

}  // namespace

std::optional<Options> parse_args(int argc, char** argv, std::string& error) {
    static const option kLong[] = {
        {"config", required_argument, nullptr, 'c'},  {"debug", no_argument, nullptr, 'd'},
        {"nodetach", no_argument, nullptr, 'n'},      {"user", required_argument, nullptr, 'u'},
        {"group", required_argument, nullptr, 'g'},   {"chroot", no_argument, nullptr, 'r'},
        {"pidfile", required_argument, nullptr, 'p'}, {"mktun", no_argument, nullptr, kMktun},
        {"rmtun", no_argument, nullptr, kRmtun},      {"check-config", no_argument, nullptr, 't'},
        {"help", no_argument, nullptr, 'h'},          {"version", no_argument, nullptr, 'V'},
        {nullptr, 0, nullptr, 0},
    };
    Options o;
    optind = 0;  // glibc: 0 fully resets getopt, so parse_args can be called again (tests)
    opterr = 0;  // we print our own message
    int c = 0;
    while ((c = getopt_long(argc, argv, ":c:dnu:g:rp:thV", kLong, nullptr)) != -1) {
        switch (c) {
            case 'c': o.config_file = optarg; break;
            case 'd': o.debug = true; break;
            case 'n': o.nodetach = true; break;
            case 'u': o.user = optarg; break;
            case 'g': o.group = optarg; break;
            case 'r': o.chroot = true; break;
            case 'p': o.pidfile = optarg; break;
            case kMktun: o.mktun = true; break;
            case kRmtun: o.rmtun = true; break;
            case 't': o.check_config = true; break;
            case 'h': o.help = true; break;
            case 'V': o.version = true; break;
            case ':':
                error = std::string("option ") + (optopt ? std::string("-") + static_cast<char>(optopt) : argv[optind - 1]) +
                        " requires an argument";
                return std::nullopt;
            default:
                error = std::string("unknown option ") +
                        (optopt ? std::string("-") + static_cast<char>(optopt) : std::string(argv[optind - 1]));
                return std::nullopt;
        }
    }
    if (optind < argc) {
        error = std::string("unexpected argument '") + argv[optind] + "'";
        return std::nullopt;
    }
    if (o.mktun && o.rmtun) {
        error = "--mktun and --rmtun exclude each other";
        return std::nullopt;
    }
    return o;
}

std::string usage() {
    return "Usage: nat64d [options]\n"
           "\n"
           "  -c, --config FILE     read configuration from FILE (default /etc/nat64d.conf;\n"
           "                        TAYGA syntax, or TOML when FILE ends in .toml)\n"
           "  -t, --check-config    validate the configuration, print the effective settings, exit\n"
           "      --mktun           create the persistent TUN device and exit\n"
           "      --rmtun           remove the persistent TUN device and exit\n"
           "  -d, --debug           debug messages to stderr (implies --nodetach)\n"
           "  -n, --nodetach        stay in the foreground, log to stderr\n"
           "  -u, --user USER       drop privileges to USER after initialization\n"
           "  -g, --group GROUP     drop privileges to GROUP after initialization\n"
           "  -r, --chroot          chroot() to data-dir after initialization\n"
           "  -p, --pidfile FILE    write the daemon's process ID to FILE\n"
           "  -h, --help            show this help\n"
           "  -V, --version         show the version\n";
}

}  // namespace nat64d::daemon
