#include "daemon/cli.hpp"

#include <getopt.h>

namespace nat64d::daemon {
namespace {

enum LongOnly { kMktun = 256, kRmtun, kSyslog, kStdout, kJournal };

// A leading '-' makes getopt hand back every non-option argument in place
// (as 1), so that the empty ones can be told apart from the others; the ':'
// after it reports a missing option argument as ':'.
constexpr const char* kShort = "-:c:dnu:g:rp:thV";

std::string absolute(const std::string& path, const std::string& cwd) {
    if (path.empty() || path.front() == '/') return path;
    std::string rest = path;
    while (rest.rfind("./", 0) == 0) rest.erase(0, 2);
    return cwd + (cwd.ends_with('/') ? "" : "/") + rest;
}

}  // namespace

common::Result<Options> parse_args(int argc, char** argv) {
    static const option kLong[] = {
        {"config", required_argument, nullptr, 'c'},  {"debug", no_argument, nullptr, 'd'},
        {"nodetach", no_argument, nullptr, 'n'},      {"user", required_argument, nullptr, 'u'},
        {"group", required_argument, nullptr, 'g'},   {"chroot", no_argument, nullptr, 'r'},
        {"pidfile", required_argument, nullptr, 'p'}, {"mktun", no_argument, nullptr, kMktun},
        {"rmtun", no_argument, nullptr, kRmtun},      {"syslog", no_argument, nullptr, kSyslog},
        {"stdout", no_argument, nullptr, kStdout},    {"journal", no_argument, nullptr, kJournal},
        {"check-config", no_argument, nullptr, 't'},  {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},       {nullptr, 0, nullptr, 0},
    };
    Options o;
    optind = 0;  // glibc: 0 fully resets getopt, so parse_args can be called again (tests)
    opterr = 0;  // we print our own message
    // clatd runs `tayga --mktun ""` and the like: an empty argument is
    // nothing and is skipped. Anything else is most likely a forgotten -c
    // (`nat64d tayga.conf` would otherwise run /etc/nat64d.conf).
    const auto unexpected = [](const char* arg) {
        return common::Error{std::string("unexpected argument '") + arg + "'"};
    };
    int c = 0;
    while ((c = getopt_long(argc, argv, kShort, kLong, nullptr)) != -1) {
        switch (c) {
            case 1:
                if (*optarg != '\0') return unexpected(optarg);
                break;
            case 'c': o.config_file = optarg; break;
            case 'd': o.debug = true; break;
            case 'n': o.nodetach = true; break;
            case 'u': o.user = optarg; break;
            case 'g': o.group = optarg; break;
            case 'r': o.chroot = true; break;
            case 'p': o.pidfile = optarg; break;
            case kMktun: o.mktun = true; break;
            case kRmtun: o.rmtun = true; break;
            case kSyslog: o.log_sink = common::LogSink::Syslog; break;
            case kStdout: o.log_sink = common::LogSink::Stdout; break;
            case kJournal: o.log_sink = common::LogSink::Journal; break;
            case 't': o.check_config = true; break;
            case 'h': o.help = true; break;
            case 'V': o.version = true; break;
            case ':':
                return common::Error{std::string("option ") +
                                     (optopt ? std::string("-") + static_cast<char>(optopt) : argv[optind - 1]) +
                                     " requires an argument"};
            default:
                return common::Error{
                    std::string("unknown option ") +
                    (optopt ? std::string("-") + static_cast<char>(optopt) : std::string(argv[optind - 1]))};
        }
    }
    // What follows "--" is positional too.
    for (; optind < argc; ++optind) {
        if (*argv[optind] != '\0') return unexpected(argv[optind]);
    }
    if (o.mktun && o.rmtun) return common::Error{"--mktun and --rmtun exclude each other"};
    if (o.mktun || o.rmtun) {
        // TAYGA's rules: these only touch the device and exit.
        const char* op = o.mktun ? "--mktun" : "--rmtun";
        if (!o.user.empty()) return common::Error{std::string("cannot use -u or --user with ") + op};
        if (!o.group.empty()) return common::Error{std::string("cannot use -g or --group with ") + op};
        if (o.chroot) return common::Error{std::string("cannot use -r or --chroot with ") + op};
        if (o.log_sink) {
            o.warnings.push_back(std::string("--syslog, --stdout and --journal do not apply to ") + op +
                                 ", which reports on stdout");
            o.log_sink.reset();
        }
    }
    return o;
}

common::LogSink log_sink(const Options& opt, bool foreground) {
    if (opt.log_sink) return *opt.log_sink;
    if (opt.debug) return common::LogSink::Stdout;
    return foreground ? common::LogSink::Stderr : common::LogSink::Syslog;
}

void make_paths_absolute(Options& opt, const std::string& cwd) {
    opt.config_file = absolute(opt.config_file, cwd);
    opt.pidfile = absolute(opt.pidfile, cwd);
}

std::string usage() {
    return "Usage: nat64d [options]\n"
           "\n"
           "  -c, --config FILE     read configuration from FILE (default /etc/nat64d.conf;\n"
           "                        TAYGA syntax, or TOML when FILE ends in .toml)\n"
           "  -t, --check-config    validate the configuration, print the effective settings, exit\n"
           "      --mktun           create the persistent TUN device and exit\n"
           "      --rmtun           remove the persistent TUN device and exit\n"
           "  -d, --debug           debug messages, to stdout unless a sink is named (implies --nodetach)\n"
           "  -n, --nodetach        stay in the foreground, log to stderr\n"
           "      --syslog          log to syslog (the default once detached)\n"
           "      --stdout          log to stdout, each line prefixed with its priority\n"
           "      --journal         log to the systemd journal (native protocol)\n"
           "  -u, --user USER       drop privileges to USER after initialization\n"
           "  -g, --group GROUP     drop privileges to GROUP after initialization\n"
           "  -r, --chroot          chroot() to data-dir after initialization\n"
           "  -p, --pidfile FILE    write the daemon's process ID to FILE, locked while it runs\n"
           "  -h, --help            show this help\n"
           "  -V, --version         show the version\n";
}

}  // namespace nat64d::daemon
