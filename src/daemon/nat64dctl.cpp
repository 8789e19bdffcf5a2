// nat64dctl: asks a running nat64d over its control socket.
#include <cstdio>
#include <cstring>
#include <string>

#include "config/config.hpp"
#include "daemon/cli.hpp"
#include "daemon/control.hpp"

namespace {

const char* kUsage =
    "Usage: nat64dctl [-c CONFIG | -s SOCKET] COMMAND\n"
    "\n"
    "Commands:\n"
    "  status              is the daemon running; version, device, workers, uptime\n"
    "  stats [--json]      counters: packets, bytes, drops by reason, leases, reloads\n"
    "  mappings [ADDRESS] [--json]\n"
    "                      static, map-file and dynamic mappings (those of ADDRESS);\n"
    "                      leases with their last use, dormancy and expiry\n"
    "  config              the running settings, and the file's changes not yet in force\n"
    "  reload              re-read the configuration (like SIGHUP)\n"
    "  metrics             counters in the Prometheus text format\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE   find the socket from FILE (control-socket, else tun-device);\n"
    "                      default /etc/nat64d.conf\n"
    "  -s, --socket PATH   the control socket itself\n"
    "  -h, --help          this help\n";

}  // namespace

int main(int argc, char** argv) {
    std::string config_file = nat64d::daemon::kDefaultConfig;
    std::string socket_path;
    std::string request;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "-c" || a == "--config" || a == "-s" || a == "--socket") && i + 1 < argc) {
            (a == "-c" || a == "--config" ? config_file : socket_path) = argv[++i];
        } else if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (!a.empty() && a[0] == '-' && request.empty()) {
            std::fprintf(stderr, "nat64dctl: unknown option %s\n%s", a.c_str(), kUsage);
            return 2;
        } else {
            request += (request.empty() ? "" : " ") + a;
        }
    }
    if (request.empty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    if (socket_path.empty()) {
        nat64d::config::Diagnostics diag;
        const auto cfg = nat64d::config::load_file(config_file, {}, diag);
        if (!cfg) {
            for (const auto& e : diag.errors) std::fprintf(stderr, "%s\n", e.c_str());
            std::fprintf(stderr, "nat64dctl: cannot find the control socket (use -s SOCKET)\n");
            return 2;
        }
        socket_path =
            cfg->control_socket.empty() ? nat64d::daemon::find_control_socket(cfg->tun_device) : cfg->control_socket;
    }
    const auto reply = nat64d::daemon::control_request(socket_path, request);
    if (!reply) {
        std::fprintf(stderr, "nat64dctl: %s (is nat64d running?)\n", reply.error().c_str());
        return 1;
    }
    std::fputs(reply->c_str(), stdout);
    return reply->rfind("error:", 0) == 0 ? 1 : 0;
}
