// nat64d: the daemon. Start-up order follows TAYGA: configuration, TUN
// device and its interface settings while still in the foreground (so
// errors reach the operator's terminal), then detach, pidfile, chroot and
// privilege drop, then the workers. The main thread handles signals.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "config/config.hpp"
#include "daemon/cli.hpp"
#include "daemon/control.hpp"
#include "daemon/notify.hpp"
#include "daemon/stats.hpp"
#include "io/tun.hpp"
#include "io/worker.hpp"
#include "netlink/netlink.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::daemon {
namespace {

using common::log;
using common::LogLevel;

// Start-up failures: caught once in main(), printed, exit 1 (STYLE.md "Errors").
struct StartupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

config::Environment environment() {
    config::Environment env;
    if (const char* s = std::getenv("STATE_DIRECTORY")) env.state_directory = s;
    return env;
}

// Loads and validates the configuration, printing every diagnostic.
std::optional<Config> load_config(const std::string& path, bool to_log) {
    config::Diagnostics diag;
    auto cfg = config::load_file(path, environment(), diag);
    for (const auto& w : diag.warnings) {
        if (to_log) log(LogLevel::Warning, "{}", w);
        else std::fprintf(stderr, "%s\n", w.c_str());
    }
    for (const auto& e : diag.errors) {
        if (to_log) log(LogLevel::Err, "{}", e);
        else std::fprintf(stderr, "%s\n", e.c_str());
    }
    return cfg;
}

// RFC 7915 §4/§5 translation needs the device up with the operator's
// addresses and routes; tun-up/tun-ip/tun-route do that through libnl-3.
unsigned configure_interface(const Config& cfg) {
    auto sock = netlink::Socket::open();
    if (!sock) throw StartupError("netlink: " + sock.error());
    for (const auto& ip : cfg.tun_ips) {
        if (auto st = sock->add_address(cfg.tun_device, ip); !st) throw StartupError(st.error());
    }
    if (cfg.tun_up) {
        if (auto st = sock->set_up(cfg.tun_device); !st) throw StartupError(st.error());
    }
    // Routes need the link up; the kernel refuses them on a down device.
    for (const auto& r : cfg.tun_routes) {
        if (auto st = sock->add_route(cfg.tun_device, r); !st) throw StartupError(st.error());
    }
    auto mtu = sock->mtu(cfg.tun_device);
    if (!mtu) throw StartupError(mtu.error());
    return *mtu;
}

// Classic double fork: the daemon is no session leader and cannot regain a
// controlling terminal. The original process waits on a pipe and exits only
// when the daemon reports ready (0) or fails to start (1), so that whoever
// started it — a shell, start-stop-daemon — finds the pidfile written and
// the translator running. Returns the pipe's write end.
int detach() {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) throw StartupError(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) throw StartupError(std::string("fork: ") + std::strerror(errno));
    if (pid > 0) {
        ::close(ready[1]);
        char byte = 0;
        ssize_t n = 0;
        do n = ::read(ready[0], &byte, 1); while (n < 0 && errno == EINTR);
        std::_Exit(n == 1 ? 0 : 1);
    }
    ::close(ready[0]);
    if (::setsid() < 0) throw StartupError(std::string("setsid: ") + std::strerror(errno));
    const pid_t pid2 = ::fork();
    if (pid2 < 0) throw StartupError(std::string("fork: ") + std::strerror(errno));
    if (pid2 > 0) std::_Exit(0);
    if (::chdir("/") != 0) throw StartupError(std::string("chdir /: ") + std::strerror(errno));
    const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) throw StartupError(std::string("/dev/null: ") + std::strerror(errno));
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
    ::close(devnull);
    return ready[1];
}

// Written via a temporary file and rename, so a reader never sees half a pid.
void write_pidfile(const std::string& path) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) throw StartupError(path + ": " + std::strerror(errno));
    const std::string text = std::to_string(::getpid()) + "\n";
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        throw StartupError(path + ": " + std::strerror(errno));
    }
}

// The group the daemon runs as after drop_privileges (-g, else -u's group).
gid_t target_gid(const Options& opt) {
    if (!opt.group.empty()) {
        if (const group* gr = ::getgrnam(opt.group.c_str())) return gr->gr_gid;
    }
    if (!opt.user.empty()) {
        if (const passwd* pw = ::getpwnam(opt.user.c_str())) return pw->pw_gid;
    }
    return ::getgid();
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        lines.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return lines;
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
        std::size_t j = i;
        while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text[j] != '\r') ++j;
        if (j > i) words.emplace_back(text.substr(i, j - i));
        i = j;
    }
    return words;
}

// -r, -g, -u, in that order: the user and group are looked up before the
// chroot hides /etc/passwd; the gid is set before the uid gives it up.
void drop_privileges(const Options& opt, const Config& cfg) {
    uid_t uid = 0;
    gid_t gid = 0;
    const bool set_user = !opt.user.empty();
    const bool set_group = !opt.group.empty() || set_user;
    if (set_user) {
        const passwd* pw = ::getpwnam(opt.user.c_str());
        if (pw == nullptr) throw StartupError("user '" + opt.user + "' not found");
        uid = pw->pw_uid;
        gid = pw->pw_gid;
    }
    if (!opt.group.empty()) {
        const group* gr = ::getgrnam(opt.group.c_str());
        if (gr == nullptr) throw StartupError("group '" + opt.group + "' not found");
        gid = gr->gr_gid;
    }
    if (opt.chroot) {
        if (cfg.data_dir.empty()) throw StartupError("--chroot needs data-dir in the configuration");
        if (::chroot(cfg.data_dir.c_str()) != 0 || ::chdir("/") != 0) {
            throw StartupError("chroot " + cfg.data_dir + ": " + std::strerror(errno));
        }
    }
    if (set_group) {
        if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0) {
            throw StartupError(std::string("setgid: ") + std::strerror(errno));
        }
    }
    if (set_user && ::setuid(uid) != 0) throw StartupError(std::string("setuid: ") + std::strerror(errno));
}

// Everything the main thread's event loop looks after once the workers run.
struct Runtime {
    const Options& opt;
    Config running;
    io::TablesSource& source;
    std::vector<std::unique_ptr<io::Worker>>& workers;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::uint64_t reloads_ok = 0;
    std::uint64_t reloads_failed = 0;

    StatsSnapshot snapshot() const {
        StatsSnapshot s;
        s.tun_device = running.tun_device;
        s.workers = static_cast<unsigned>(workers.size());
        s.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        for (const auto& w : workers) {
            s.counters += w->counters();
            s.write_errors += w->write_errors();
        }
        s.reloads_ok = reloads_ok;
        s.reloads_failed = reloads_failed;
        return s;
    }

    // SIGHUP and `nat64dctl reload`: re-read the configuration; a bad one is
    // refused whole and the running tables stay. Settings that need a
    // restart are reported, not applied.
    bool reload() {
        notify("RELOADING=1");
        log(LogLevel::Info, "reloading {}", opt.config_file);
        const bool ok = reload_config();
        ok ? ++reloads_ok : ++reloads_failed;
        notify("READY=1\nSTATUS=translating");
        return ok;
    }

    std::string handle(std::string_view request);

private:
    bool reload_config() {
        auto next = load_config(opt.config_file, true);
        if (!next) {
            log(LogLevel::Err, "reload failed: configuration refused, keeping the running one");
            return false;
        }
        Config effective = *next;
        for (const auto name : config::changed_directives(running, *next)) {
            for (const auto& d : config::directives()) {
                if (d.name == name && d.reload == config::Reload::Restart) {
                    log(LogLevel::Warning, "reload: {} changed, needs restart; keeping the running value", name);
                }
            }
        }
        // Sealed settings keep their running values (STYLE.md "State and threads").
        effective.tun_device = running.tun_device;
        effective.workers = running.workers;
        effective.data_dir = running.data_dir;
        effective.dynamic_pool = running.dynamic_pool;
        effective.tun_ips = running.tun_ips;
        effective.tun_routes = running.tun_routes;
        effective.tun_up = running.tun_up;
        effective.control_socket = running.control_socket;
        try {
            source.publish(std::make_shared<const xlat::Tables>(xlat::make_tables(effective)));
        } catch (const std::exception& e) {
            log(LogLevel::Err, "reload failed: {}", e.what());
            return false;
        }
        running = std::move(effective);
        log(LogLevel::Info, "reload done");
        return true;
    }
};

void log_counters(const StatsSnapshot& s) {
    for (const auto& line : split_lines(format_stats_table(s))) {
        if (!line.empty()) log(LogLevel::Info, "{}", line);
    }
}

std::string format_mappings(const Config& cfg, bool json) {
    std::string out = json ? "{\"static\":[" : "";
    bool first = true;
    for (const auto& m : cfg.maps) {
        const std::string where = m.pos.file.empty() ? "" : m.pos.file + ":" + std::to_string(m.pos.line);
        if (json) {
            out += fmt::format("{}{{\"ipv4\":{},\"ipv6\":{},\"source\":{}}}", first ? "" : ",",
                               json_string(to_string(m.v4)), json_string(to_string(m.v6)), json_string(where));
        } else {
            out += fmt::format("static  {:<20} {:<44} {}\n", to_string(m.v4), to_string(m.v6), where);
        }
        first = false;
    }
    if (json) return out + "]}\n";
    return out.empty() ? "no mappings\n" : out;
}

std::string Runtime::handle(std::string_view request) {
    const auto words = split_words(request);
    if (words.empty()) return "error: empty request\n";
    const auto& cmd = words[0];
    const bool json = words.size() == 2 && words[1] == "--json";
    const bool plain = words.size() == 1;
    if (cmd == "status" && plain) {
        const auto s = snapshot();
        return fmt::format("nat64d {} running, pid {}, tun-device {}, {} worker{}, up {:.0f} s\n", NAT64D_VERSION,
                           ::getpid(), s.tun_device, s.workers, s.workers == 1 ? "" : "s", s.uptime_seconds);
    }
    if (cmd == "stats" && (plain || json)) return json ? format_stats_json(snapshot()) : format_stats_table(snapshot());
    if (cmd == "metrics" && plain) return format_metrics(snapshot());
    if (cmd == "mappings" && (plain || json)) return format_mappings(running, json);
    if (cmd == "reload" && plain) return reload() ? "ok: reloaded\n" : "error: reload failed, see the log\n";
    return "error: unknown request '" + std::string(request.substr(0, 64)) +
           "' (expected status, stats [--json], mappings [--json], reload, metrics)\n";
}

// Written next to the target and renamed, so node_exporter never reads half a file.
void write_metrics_file(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        log(LogLevel::Warning, "metrics-file {}: {}", tmp, std::strerror(errno));
        return;
    }
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        log(LogLevel::Warning, "metrics-file {}: {}", path, std::strerror(errno));
        ::unlink(tmp.c_str());
    }
}

int run(const Options& opt) {
    const bool foreground = opt.debug || opt.nodetach || opt.check_config || opt.mktun || opt.rmtun;
    common::log_init(common::LogSink::Stderr, opt.debug ? LogLevel::Debug : LogLevel::Info);

    auto cfg = load_config(opt.config_file, false);
    if (!cfg) {
        std::fprintf(stderr, "%s: configuration refused\n", opt.config_file.c_str());
        return 1;
    }
    if (opt.check_config) {
        std::fputs(config::to_tayga_syntax(*cfg).c_str(), stdout);
        return 0;
    }
    if (opt.mktun) {
        if (auto st = io::make_persistent(cfg->tun_device); !st) throw StartupError(st.error());
        std::printf("Created persistent tun device %s\n", cfg->tun_device.c_str());
        return 0;
    }
    if (opt.rmtun) {
        if (auto st = io::remove_persistent(cfg->tun_device); !st) throw StartupError(st.error());
        std::printf("Removed persistent tun device %s\n", cfg->tun_device.c_str());
        return 0;
    }

    const unsigned queues = cfg->workers != 0 ? cfg->workers : std::max(1u, std::thread::hardware_concurrency());
    auto tun = io::TunDevice::open(cfg->tun_device, queues);
    if (!tun) throw StartupError(tun.error());
    const unsigned mtu = configure_interface(*cfg);
    auto source = io::TablesSource(std::make_shared<const xlat::Tables>(xlat::make_tables(*cfg)));

    int ready_fd = -1;
    if (!foreground) {
        common::log_init(common::LogSink::Syslog, LogLevel::Info);
        ready_fd = detach();
    }
    if (!opt.pidfile.empty()) write_pidfile(opt.pidfile);
    // The control socket is made while still root, owned by the group the
    // daemon drops to, so nat64dctl works for root and that group only.
    std::optional<ControlServer> control;
    {
        const std::string path =
            cfg->control_socket.empty() ? default_control_socket(cfg->tun_device) : cfg->control_socket;
        ::mkdir(path.substr(0, path.rfind('/')).c_str(), 0755);  // /run/nat64d when not made by systemd
        auto srv = ControlServer::listen(path, target_gid(opt));
        if (!srv) throw StartupError(srv.error());
        control.emplace(std::move(*srv));
    }
    drop_privileges(opt, *cfg);

    // Signals are taken synchronously by the main thread; the workers
    // inherit the mask, so none of them is ever interrupted by one.
    sigset_t sigs;
    sigemptyset(&sigs);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&sigs, s);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<io::Worker>> workers;
    std::vector<std::thread> threads;
    std::mt19937 rng{std::random_device{}()};
    for (const int fd : tun->fds()) {
        // RFC 7915 §5.1 identification: each worker starts at a random point.
        workers.push_back(std::make_unique<io::Worker>(fd, source, static_cast<std::uint16_t>(rng())));
    }
    for (auto& w : workers) threads.emplace_back([&w, &stop] { w->run(stop); });
    log(LogLevel::Info, "nat64d {} translating on {} (mtu {}, {} queue{}{})", NAT64D_VERSION, tun->name(), mtu,
        workers.size(), workers.size() == 1 ? "" : "s", tun->created() ? ", device created" : "");

    Runtime rt{opt, *cfg, source, workers};
    // The main thread's event loop: signals (signalfd), control requests,
    // and a once-a-second tick for periodic work.
    const int sfd = ::signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) throw StartupError(std::string("signalfd: ") + std::strerror(errno));
    notify("READY=1\nSTATUS=translating");
    if (ready_fd >= 0) {
        const char byte = 1;
        (void)!::write(ready_fd, &byte, 1);
        ::close(ready_fd);
    }
    auto next_metrics = std::chrono::steady_clock::now();
    while (!stop) {
        pollfd fds[2] = {{sfd, POLLIN, 0}, {control ? control->fd() : -1, POLLIN, 0}};
        if (::poll(fds, 2, 1000) < 0 && errno != EINTR) break;
        if ((fds[1].revents & POLLIN) != 0) control->serve_one([&rt](std::string_view r) { return rt.handle(r); });
        signalfd_siginfo si;
        while (::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
            switch (si.ssi_signo) {
                case SIGHUP: rt.reload(); break;
                case SIGUSR1: log_counters(rt.snapshot()); break;
                default: stop = true; break;
            }
        }
        if (!rt.running.metrics_file.empty() && std::chrono::steady_clock::now() >= next_metrics) {
            write_metrics_file(rt.running.metrics_file, format_metrics(rt.snapshot()));
            next_metrics = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        }
    }
    notify("STOPPING=1");
    ::close(sfd);
    for (auto& t : threads) t.join();
    log(LogLevel::Info, "stopping");
    log_counters(rt.snapshot());
    if (!rt.running.metrics_file.empty()) write_metrics_file(rt.running.metrics_file, format_metrics(rt.snapshot()));
    if (!opt.pidfile.empty()) ::unlink(opt.pidfile.c_str());
    return 0;
}

}  // namespace
}  // namespace nat64d::daemon

int main(int argc, char** argv) {
    using namespace nat64d::daemon;
    std::string error;
    const auto opt = parse_args(argc, argv, error);
    if (!opt) {
        std::fprintf(stderr, "nat64d: %s\n%s", error.c_str(), usage().c_str());
        return 1;
    }
    if (opt->help) {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    if (opt->version) {
        std::printf("nat64d %s\n", NAT64D_VERSION);
        return 0;
    }
    try {
        return run(*opt);
    } catch (const std::exception& e) {
        nat64d::common::log(nat64d::common::LogLevel::Crit, "nat64d: {}", e.what());
        return 1;
    }
}
