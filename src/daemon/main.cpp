// nat64d: the daemon. Start-up order follows TAYGA: configuration, TUN
// device and its interface settings while still in the foreground (so
// errors reach the operator's terminal), then detach, pidfile, chroot and
// privilege drop, then the workers. The main thread handles signals.
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "addr/dynamic_pool.hpp"
#include "addr/map_file.hpp"
#include "addr/route_view.hpp"
#include "common/file.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "common/unique_fd.hpp"
#include "config/config.hpp"
#include "daemon/cli.hpp"
#include "daemon/control.hpp"
#include "daemon/fast_path.hpp"
#include "daemon/mappings.hpp"
#include "daemon/metrics_http.hpp"
#include "daemon/notify.hpp"
#include "daemon/process.hpp"
#include "daemon/reloader.hpp"
#include "daemon/running_config.hpp"
#include "daemon/stats.hpp"
#include "daemon/tables_builder.hpp"
#include "daemon/watchdog.hpp"
#include "io/tun.hpp"
#include "io/worker.hpp"
#include "netlink/netlink.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::daemon {
namespace {

using common::log;
using common::LogLevel;

config::Environment environment() {
    config::Environment env;
    if (const char* s = std::getenv("STATE_DIRECTORY")) env.state_directory = s;
    return env;
}

void report(const std::vector<std::string>& lines, LogLevel level, bool to_log) {
    for (const auto& l : lines) {
        if (to_log)
            log(level, "{}", l);
        else
            std::fprintf(stderr, "%s\n", l.c_str());
    }
}

// Loads and validates the configuration file, printing (or logging) every
// diagnostic.
std::optional<Config> load_config(const std::string& path, bool to_log) {
    config::Diagnostics diag;
    auto cfg = config::load_file(path, environment(), diag);
    report(diag.warnings, LogLevel::Warning, to_log);
    report(diag.errors, LogLevel::Err, to_log);
    return cfg;
}

// The configuration plus its map-file's entries (merge_map_file), every
// skipped line or why the file could not be read printed (or logged).
std::optional<Config> load_map_file(const Config& base, bool to_log) {
    config::Diagnostics diag;
    auto merged = merge_map_file(base, base.map_file, addr::read_map_file, diag);
    report(diag.warnings, LogLevel::Warning, to_log);
    report(diag.errors, LogLevel::Err, to_log);
    return merged;
}

// RFC 7915 §4/§5 translation needs the device up with the operator's
// addresses and routes; tun-up/tun-ip/tun-route do that through libnl-3.
// Returns the device's MTU.
common::Result<unsigned> configure_interface(const Config& cfg) {
    auto sock = netlink::Socket::open();
    if (!sock) return common::Error{"netlink: " + sock.error()};
    for (const auto& ip : cfg.tun_ips) {
        if (auto st = sock->add_address(cfg.tun_device, ip); !st) return common::Error{st.error()};
        log(LogLevel::Debug, "tun-device {}: address {}/{} added", cfg.tun_device,
            ip.is_v6 ? to_string(ip.v6) : to_string(ip.v4), ip.prefix_len);
    }
    if (cfg.tun_up) {
        if (auto st = sock->set_up(cfg.tun_device); !st) return common::Error{st.error()};
        log(LogLevel::Debug, "tun-device {}: link up", cfg.tun_device);
    }
    // Routes need the link up; the kernel refuses them on a down device.
    for (const auto& r : cfg.tun_routes) {
        if (auto st = sock->add_route(cfg.tun_device, r); !st) return common::Error{st.error()};
        log(LogLevel::Debug, "tun-device {}: route {} added", cfg.tun_device,
            r.is_v6 ? to_string(r.v6) : to_string(r.v4));
    }
    return sock->mtu(cfg.tun_device);
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

// The routing loop check's view of the kernel's routes (main and local
// tables; docs/rfc-compliance.md, "Routing loops"), or why they cannot be
// read (the check is then off).
common::Result<std::shared_ptr<const addr::RouteView>> read_routes(const std::string& tun_device) {
    auto sock = netlink::Socket::open();
    if (!sock) return common::Error{sock.error()};
    auto table = sock->route_table(tun_device);
    if (!table) return common::Error{table.error()};
    std::vector<addr::KernelRoute> routes;
    routes.reserve(table->size());
    for (const auto& e : *table) {
        routes.push_back(addr::KernelRoute{.is_v6 = e.dst.is_v6,
                                           .v4 = e.dst.v4,
                                           .v6 = e.dst.v6,
                                           .into_tun = e.via_link,
                                           .local_table = e.local_table,
                                           .priority = e.priority});
    }
    return std::make_shared<const addr::RouteView>(addr::RouteView::build(routes));
}

// One line for the log: how many routes the loop check knows.
std::string describe_routes(const addr::RouteView& v, const std::string& tun_device) {
    std::size_t into4 = 0, into6 = 0;
    for (const auto& r : v.kept()) {
        if (r.into_tun) ++(r.is_v6 ? into6 : into4);
    }
    return fmt::format("{} IPv4 and {} IPv6 route{} into {}, {} more specific route{} elsewhere", into4, into6,
                       into4 + into6 == 1 ? "" : "s", tun_device, v.kept().size() - into4 - into6,
                       v.kept().size() - into4 - into6 == 1 ? "" : "s");
}

// -d: what the tables of a start-up or reload hold.
void log_tables_built(const xlat::Tables& t, const Config& cfg, unsigned tun_mtu) {
    log(LogLevel::Debug, "translation tables built: ipv4-addr {}, ipv6-addr {}, prefix {}, {} map{}{}, mtu {}",
        to_string(t.ipv4_addr), to_string(t.ipv6_addr), t.prefix ? to_string(*t.prefix) : "none", cfg.maps.size(),
        cfg.maps.size() == 1 ? "" : "s", t.pool != nullptr ? ", dynamic pool" : "", tun_mtu);
}

// -d: the dynamic pool's size after start-up and each reload.
void log_pool_sizes(const addr::DynamicPool* pool) {
    if (pool == nullptr || !common::log_enabled(LogLevel::Debug)) return;
    const auto c = pool->counts();
    log(LogLevel::Debug, "dynamic-pool {}: {} lease{} active, {} dormant, {} address{} free", to_string(pool->prefix()),
        c.active, c.active == 1 ? "" : "s", c.dormant, c.free, c.free == 1 ? "" : "es");
}

// Everything the main thread's event loop looks after once the workers run.
struct Runtime {
    const Options& opt;
    std::string root;         // data-dir when chrooted into it, else empty
    addr::DynamicPool* pool;  // null without dynamic-pool
    std::string dynamic_map;  // where leases persist; empty: nowhere
    unsigned tun_mtu;
    io::TablesSource& source;
    std::vector<std::unique_ptr<io::Worker>>& workers;
    bool main_thread_translates = false;  // `workers 0`: workers[0] runs in the event loop, no threads
    KernelFastPath* fast_path = nullptr;  // never null once serving
    // The routing loop check: the routes it reads, and the notifications
    // that tell when to read them again (absent: never again).
    std::shared_ptr<const addr::RouteView> routes{};
    std::optional<netlink::RouteMonitor> route_monitor{};
    std::string routes_error{};  // why the routes could not be read last time, logged once
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::int64_t start_time = static_cast<std::int64_t>(std::time(nullptr));
    // Fixed at start (restart settings), so that snapshot() may run on the
    // metrics-listen thread without reading `running`, which reloads replace.
    std::string tun_device{};
    std::string instance{};  // metrics-instance, else tun-device
    std::atomic<std::uint64_t> reloads_ok = 0;
    std::atomic<std::uint64_t> reloads_failed = 0;
    std::atomic<std::uint64_t> saves_failed = 0;    // dynamic.map writes that failed
    std::atomic<std::uint64_t> leases_revoked = 0;  // Revoked pool events
    std::int64_t last_save_ = 0;                    // when dynamic.map was last written
    // The reload pipeline; it holds the configuration in force.
    std::optional<Reloader> reloader{};
    ReloadOutcome last_reload_{};  // for the `nat64dctl reload` reply

    // The configuration in force: the file plus its map-file's entries.
    [[nodiscard]] const Config& running() const { return reloader->running(); }

    // Thread-safe (the main thread and the metrics-listen thread): the
    // workers publish their counters under their own locks, the pool counts
    // under its lock, and everything else read here is fixed or atomic.
    StatsSnapshot snapshot() const {
        StatsSnapshot s;
        s.tun_device = tun_device;
        s.instance = instance;
        s.start_time = start_time;
        s.workers = main_thread_translates ? 0 : static_cast<unsigned>(workers.size());
        s.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        for (const auto& w : workers) {
            s.counters += w->counters();
            s.write_errors += w->write_errors();
            s.offload_errors += w->offload_errors();
        }
        s.reloads_ok = reloads_ok;
        s.reloads_failed = reloads_failed;
        if (pool != nullptr) {
            const auto c = pool->counts();
            s.pool = PoolStats{c.active, c.dormant, c.free, saves_failed.load(), leases_revoked.load()};
        }
        s.fast_path = fast_path->stats();
        return s;
    }

    // Once a second: lease aging, `log dyn` events, and dynamic.map written
    // soon after a change (batched: at most every 5 s) and every 5 minutes.
    void tick(std::int64_t now) {
        // Without a monitor nothing tells of a change: every tick assumes one.
        const bool changed = !route_monitor || route_monitor->changed();
        if (changed && route_monitor) refresh_routes();
        // The program's last-use stamps first, so that no lease it keeps
        // busy turns dormant.
        fast_path->tick(changed);
        if (pool == nullptr) return;
        pool->maintenance(now);
        for (const auto& e : pool->take_events()) {
            if (e.kind == addr::PoolEventKind::Revoked) ++leases_revoked;
            log(running().log.dyn ? LogLevel::Info : LogLevel::Debug, "{}", addr::describe(e));
        }
        if (dynamic_map.empty()) return;
        if ((pool->dirty() && now - last_save_ >= 5) || now - last_save_ >= 300) save_leases(now);
    }

    void save_leases(std::int64_t now) {
        if (pool == nullptr || dynamic_map.empty()) return;
        if (auto st = pool->save(dynamic_map); !st) {
            ++saves_failed;
            log(LogLevel::Err, "{}: {} (the previous file is kept)", dynamic_map, st.error());
        } else {
            log(LogLevel::Debug, "{}: leases saved", dynamic_map);
        }
        last_save_ = now;
    }

    // Reads the routes again (start, reload, notifications). A failure
    // turns the check off until a read succeeds, logged once.
    void read_routes_now() {
        auto read = read_routes(tun_device);
        const std::string why_not = read ? std::string{} : read.error();
        routes = read ? std::move(read).value() : nullptr;
        if (!routes && why_not != routes_error) {
            log(LogLevel::Warning, "routing loop check off: {}", why_not);
        } else if (routes && !routes_error.empty()) {
            log(LogLevel::Notice, "routing loop check on again: {}", describe_routes(*routes, tun_device));
        }
        routes_error = routes ? std::string{} : why_not;
    }

    // After a route or link notification: the tables get the new routes
    // when they changed what the loop check answers.
    void refresh_routes() {
        const auto before = routes;
        read_routes_now();
        if (before && routes && before->kept() == routes->kept()) return;
        if (routes) log(LogLevel::Debug, "routes changed: {}", describe_routes(*routes, tun_device));
        auto next = std::make_shared<xlat::Tables>(*source.load());
        next->routes = routes;
        const std::shared_ptr<const xlat::Tables> published = next;
        source.publish(std::move(next));
        // The program checks routes too (when the daemon does): it gets the
        // same tables, or is detached.
        if (auto st = fast_path->publish(*published, running().deny4); !st)
            fast_path->stop("publishing the tables after a route change failed: " + st.error());
    }

    // SIGHUP and `nat64dctl reload`: re-read the configuration; a bad one is
    // refused whole and the running tables stay (reloader.hpp). Settings
    // that need a restart are reported, not applied.
    bool reload() {
        notify("RELOADING=1");
        log(LogLevel::Info, "reloading {}", opt.config_file);
        last_reload_ = reloader->reload();
        const bool ok = last_reload_.ok;
        if (ok) log_pool_sizes(pool);
        ok ? ++reloads_ok : ++reloads_failed;
        log(LogLevel::Debug, "reload {}: {} ok, {} failed so far", ok ? "applied" : "refused", reloads_ok.load(),
            reloads_failed.load());
        notify("READY=1\nSTATUS=translating");
        return ok;
    }

    // The reload pipeline's pieces: the files, the tables built with this
    // process's pool, MTU and routes (read again on each reload), the pool,
    // the workers' tables source, the log.
    ReloadPieces reload_pieces() {
        ReloadPieces p;
        p.read_config = [this] { return load_config(opt.config_file, true); };
        p.read_map_file = addr::read_map_file;
        p.build_tables = [this](const Config& cfg) {
            read_routes_now();
            auto t = build_shared_tables(cfg, TablesEnv{pool, tun_mtu, routes});
            if (t) log_tables_built(**t, cfg, tun_mtu);
            return t;
        };
        if (pool != nullptr)
            p.exclude_from_pool = [this](const PoolExclusions& e) { pool->set_exclusions(e.excluded4, e.excluded6); };
        p.publish = [this](std::shared_ptr<const xlat::Tables> t) { source.publish(std::move(t)); };
        if (fast_path->active()) {
            p.publish_fast_path = [this](const xlat::Tables& t, const std::vector<Prefix4>& deny4) {
                return fast_path->publish(t, deny4);
            };
            p.stop_fast_path = [this](const std::string& why) { fast_path->stop(why); };
        }
        p.log = [](LogLevel level, const std::string& line) { log(level, "{}", line); };
        return p;
    }

    std::string handle(std::string_view request);
    OnDisk on_disk() const;
};

void log_counters(const StatsSnapshot& s) {
    for (const auto& line : split_lines(format_stats_table(s))) {
        if (!line.empty()) log(LogLevel::Info, "{}", line);
    }
}

// The pool's leases as `nat64dctl mappings` shows them.
std::optional<LeaseView> lease_view(const addr::DynamicPool* pool) {
    if (pool == nullptr) return std::nullopt;
    return LeaseView{pool->leases(), pool->now(), pool->min_lease(), pool->max_lease()};
}

// metrics-file: replaced atomically, so node_exporter never reads half a file.
void write_metrics_file(const std::string& path, const std::string& text) {
    if (auto st = common::write_file_atomic(path, text); !st)
        log(LogLevel::Warning, "metrics-file {}: {}", path, st.error());
}

// `nat64dctl config`: the configuration file and its map-file as a reload
// would read them now.
OnDisk Runtime::on_disk() const {
    OnDisk d;
    d.path = opt.config_file;
    if (!root.empty()) {
        d.out_of_reach = true;
        return d;
    }
    config::Diagnostics diag;
    auto file = config::load_file(opt.config_file, environment(), diag);
    if (!file) {
        d.errors = std::move(diag.errors);
        return d;
    }
    config::Diagnostics map_diag;
    d.cfg = merge_map_file(*file, file->map_file, addr::read_map_file, map_diag);
    d.errors = std::move(map_diag.errors);
    return d;
}

std::string Runtime::handle(std::string_view request) {
    const auto r = parse_request(request);
    if (!r) return r.error();
    using Kind = ControlRequest::Kind;
    switch (r->kind) {
        case Kind::Status: {
            const auto s = snapshot();
            return fmt::format("nat64d {} running, pid {}, tun-device {}, {} worker{}, up {:.0f} s\n", NAT64D_VERSION,
                               ::getpid(), s.tun_device, s.workers, s.workers == 1 ? "" : "s", s.uptime_seconds);
        }
        case Kind::Stats: return r->json ? format_stats_json(snapshot()) : format_stats_table(snapshot());
        case Kind::Metrics: return format_metrics(snapshot());
        case Kind::Mappings: return format_mappings(running(), lease_view(pool), r->filter, r->json);
        case Kind::Config: return format_running_config(running(), on_disk());
        case Kind::Reload: reload(); return format_reload_reply(last_reload_);
    }
    return "error: unknown request\n";
}

// `log dyn` aside, what a start-up did, for -d.
void log_loaded(const Config& cfg, std::size_t from_file) {
    log(LogLevel::Debug,
        "{}: configuration read: tun-device {}, ipv4-addr {}, prefix {}, {} map{} ({} from map-file){}",
        cfg.source_file, cfg.tun_device, cfg.ipv4_addr ? to_string(*cfg.ipv4_addr) : "none",
        cfg.prefix ? to_string(*cfg.prefix) : "none", cfg.maps.size(), cfg.maps.size() == 1 ? "" : "s", from_file,
        cfg.dynamic_pool ? ", dynamic-pool " + to_string(*cfg.dynamic_pool) : "");
}

// --rmtun: TAYGA attaches to the device to clear its persistence, which
// creates a missing one for a moment and succeeds, so a missing device is
// no error (exit 0). Another kind of link by that name still is.
common::Result<int> remove_tun(const std::string& name) {
    if (!io::tun_exists(name) && ::if_nametoindex(name.c_str()) == 0) {
        std::printf("No persistent tun device %s to remove\n", name.c_str());
        return 0;
    }
    if (auto st = io::remove_persistent(name); !st) return common::Error{st.error()};
    std::printf("Removed persistent tun device %s\n", name.c_str());
    return 0;
}

// What start-up makes, in the order it makes it (members are destroyed in
// the reverse order: the workers before the device, the device before the
// pidfile). run() calls the steps in order (kSteps, the start-up order of
// docs/architecture.md) and stops at the first that fails, with its message.
struct Startup {
    explicit Startup(const Options& o) : opt(o) {}

    const Options& opt;
    bool foreground = false;
    LogLevel level = LogLevel::Info;
    common::LogSink sink{};  // after the detach
    std::optional<Config> base;
    std::optional<Config> cfg;  // base plus the map-file's entries
    std::optional<PidFile> pidfile;
    bool main_thread_translates = false;
    std::optional<io::TunDevice> tun;
    unsigned mtu = 0;
    std::unique_ptr<addr::DynamicPool> pool;
    std::string dynamic_map;
    std::optional<netlink::RouteMonitor> route_monitor;
    std::shared_ptr<const addr::RouteView> routes;
    std::string routes_error;
    std::optional<io::TablesSource> source;
    // After the tables and before the workers: destroyed (detached) before
    // the pool and the device, on every path out.
    KernelFastPath fast_path;
    common::UniqueFd ready_fd;
    std::optional<ControlServer> control;
    std::unique_ptr<MetricsServer> metrics;
    sigset_t sigs{};
    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<io::Worker>> workers;
    std::vector<std::thread> threads;
    // Why each worker thread ended, written before `ended` is set. A worker
    // that ends while the daemon is not stopping ends the daemon, with a
    // non-zero exit so that a supervisor (systemd's Restart=) acts instead
    // of a daemon that keeps running without translating.
    struct WorkerEnd {
        std::atomic<bool> ended{false};
        std::string why;
    };
    std::vector<std::unique_ptr<WorkerEnd>> ends;

    // The configuration and its map-file; -t, --mktun and --rmtun end here
    // (their exit status returned).
    common::Result<std::optional<int>> load_configuration();
    common::Status lock_pidfile();
    common::Status open_tun();
    common::Status open_pool();
    common::Status watch_routes();
    common::Status build_first_tables();
    common::Status start_fast_path();
    common::Status detach_from_terminal();
    common::Status open_control_socket();
    common::Status bind_metrics();
    common::Status drop_privileges_and_check();
    common::Status block_signals();
    common::Status start_workers();
    // The steps after load_configuration(), in order.
    using Step = common::Status (Startup::*)();
    static constexpr Step kSteps[] = {
        &Startup::lock_pidfile,
        &Startup::open_tun,
        &Startup::open_pool,
        &Startup::watch_routes,
        &Startup::build_first_tables,
        &Startup::start_fast_path,
        &Startup::detach_from_terminal,
        &Startup::open_control_socket,
        &Startup::bind_metrics,
        &Startup::drop_privileges_and_check,
        &Startup::block_signals,
        &Startup::start_workers,
    };
    int serve();
    int event_loop(Runtime& rt, int sfd);
    void shut_down(Runtime& rt);
};

common::Result<std::optional<int>> Startup::load_configuration() {
    foreground = opt.debug || opt.nodetach || opt.check_config || opt.mktun || opt.rmtun;
    level = opt.debug ? LogLevel::Debug : LogLevel::Info;
    // Until the detach, messages reach the terminal, unless a sink was
    // named: asked for syslog or the journal (TAYGA's --syslog, --journal),
    // the daemon reports its start-up there too. -t, --mktun and --rmtun
    // print to the terminal whatever the sink.
    sink = log_sink(opt, foreground);
    const common::LogSink startup_sink = opt.log_sink ? sink : log_sink(opt, true);
    common::log_init(startup_sink, level);
    const bool to_log = !(opt.check_config || opt.mktun || opt.rmtun) &&
                        (startup_sink == common::LogSink::Syslog || startup_sink == common::LogSink::Journal);

    base = load_config(opt.config_file, to_log);
    cfg = base ? load_map_file(*base, to_log) : std::nullopt;
    if (!cfg) {
        std::fprintf(stderr, "%s: configuration refused\n", opt.config_file.c_str());
        return std::optional<int>(1);
    }
    if (opt.check_config) {
        std::fputs(config::to_tayga_syntax(*cfg).c_str(), stdout);
        return std::optional<int>(0);
    }
    if (opt.mktun) {
        if (auto st = io::make_persistent(cfg->tun_device); !st) return common::Error{st.error()};
        std::printf("Created persistent tun device %s\n", cfg->tun_device.c_str());
        return std::optional<int>(0);
    }
    if (opt.rmtun) {
        auto removed = remove_tun(cfg->tun_device);
        if (!removed) return common::Error{removed.error()};
        return std::optional<int>(*removed);
    }
    log_loaded(*cfg, cfg->maps.size() - base->maps.size());
    return std::optional<int>();
}

// The pidfile's lock first: a second daemon with the same pidfile stops
// before it touches anything of the first one's. Then a missing data-dir.
common::Status Startup::lock_pidfile() {
    if (!opt.pidfile.empty()) {
        auto locked = PidFile::lock(opt.pidfile);
        if (!locked) return common::Error{locked.error()};
        pidfile.emplace(std::move(*locked));
        log(LogLevel::Debug, "pidfile {}: locked", opt.pidfile);
    }
    const auto created = prepare_data_dir(opt, *cfg);
    if (!created) return common::Error{created.error()};
    if (*created) log(LogLevel::Notice, "data-dir {}: created", cfg->data_dir);
    return {};
}

// The TUN queues (the device created if missing), then tun-ip, tun-up,
// tun-route and the MTU.
common::Status Startup::open_tun() {
    // workers N: N threads, one TUN queue each; workers 0: TAYGA's single
    // queue, translated by the main thread's event loop.
    main_thread_translates = cfg->workers == 0u;
    const unsigned queues =
        cfg->workers ? std::max(1u, *cfg->workers) : std::max(1u, std::thread::hardware_concurrency());
    auto opened = io::TunDevice::open(cfg->tun_device, queues, cfg->offload);
    if (!opened) return common::Error{opened.error()};
    tun.emplace(std::move(*opened));
    log(LogLevel::Debug, "tun-device {}: {} queue{} open{}{}{}", tun->name(), tun->fds().size(),
        tun->fds().size() == 1 ? "" : "s", tun->created() ? ", device created" : ", device existed",
        tun->multi_queue() ? ", multi-queue" : "", tun->vnet_hdr() ? ", virtio-net header" : "");
    const auto configured = configure_interface(*cfg);
    if (!configured) return common::Error{configured.error()};
    mtu = *configured;
    return {};
}

// dynamic-pool, with the leases of the last run (TAYGA's dynamic.map).
common::Status Startup::open_pool() {
    dynamic_map = cfg->data_dir.empty() ? "" : cfg->data_dir + "/dynamic.map";
    if (!cfg->dynamic_pool) return {};
    auto created = addr::DynamicPool::create(pool_options(*cfg));
    if (!created) return common::Error{"dynamic-pool: " + created.error()};
    pool = std::move(*created);
    pool->set_now(static_cast<std::int64_t>(std::time(nullptr)));
    if (!dynamic_map.empty()) {
        auto loaded = pool->load(dynamic_map);
        if (!loaded) return common::Error{dynamic_map + ": " + loaded.error()};
        for (const auto& m : loaded->messages) log(LogLevel::Warning, "{}", m);
        log(LogLevel::Info, "{}: {} lease{} restored", dynamic_map, loaded->loaded, loaded->loaded == 1 ? "" : "s");
    } else {
        log(LogLevel::Warning, "dynamic-pool without data-dir: leases do not survive a restart");
    }
    log_pool_sizes(pool.get());
    return {};
}

// Routing loop check: the notifications first, so that no change between
// the first read and the subscription goes unseen.
common::Status Startup::watch_routes() {
    auto monitor = netlink::RouteMonitor::open();
    if (monitor) {
        route_monitor.emplace(std::move(*monitor));
    } else {
        log(LogLevel::Warning, "routes are read at start and reload only: {}", monitor.error());
    }
    auto read = read_routes(cfg->tun_device);
    if (read) {
        routes = std::move(read).value();
        log(LogLevel::Info, "routing loop check: {}", describe_routes(*routes, cfg->tun_device));
    } else {
        routes_error = read.error();
        log(LogLevel::Warning, "routing loop check off: {}", routes_error);
    }
    return {};
}

common::Status Startup::build_first_tables() {
    auto first = build_shared_tables(*cfg, TablesEnv{pool.get(), mtu, routes});
    // The validator refuses what the builder cannot take: a failure here
    // is a validator bug, refused like a bad configuration.
    if (!first) return common::Error{first.error()};
    log_tables_built(**first, *cfg, mtu);
    source.emplace(std::move(first).value());
    return {};
}

// fast-path: the program loaded and attached to the TUN device's egress
// with the first tables, while the daemon still has the privileges for it
// (CAP_BPF and CAP_NET_ADMIN; CAP_PERFMON spares the verifier's Spectre v1
// pass). Whatever keeps it from running is
// logged once and the daemon runs TUN-only: it never stops the start.
common::Status Startup::start_fast_path() {
    const unsigned ifindex = ::if_nametoindex(tun->name().c_str());
    if (ifindex == 0) return common::Error{"tun-device " + tun->name() + ": " + std::strerror(errno)};
    return fast_path.start(*cfg, ifindex, *source->load(), pool.get());
}

// Detach (unless -n/-d), then the pid into the pidfile.
common::Status Startup::detach_from_terminal() {
    if (!foreground) {
        common::log_init(sink, level);
        auto detached = detach();
        if (!detached) return common::Error{detached.error()};
        ready_fd = std::move(detached).value();
        log(LogLevel::Debug, "detached, pid {}", ::getpid());
    }
    if (pidfile) return pidfile->write_pid();
    return {};
}

// The control socket is made while still root, owned by the group the
// daemon drops to, so nat64dctl works for root and that group only.
common::Status Startup::open_control_socket() {
    const std::string path =
        cfg->control_socket.empty() ? default_control_socket(cfg->tun_device) : cfg->control_socket;
    ::mkdir(path.substr(0, path.rfind('/')).c_str(), 0755);  // /run/nat64d when not made by systemd
    // control-group: nat64dctl for that group's members, whatever group
    // the daemon itself runs as.
    gid_t gid = target_gid(opt);
    if (!cfg->control_group.empty()) {
        const group* gr = ::getgrnam(cfg->control_group.c_str());
        if (gr == nullptr) return common::Error{"control-group " + cfg->control_group + ": no such group"};
        gid = gr->gr_gid;
    }
    auto srv = ControlServer::listen(path, gid);
    if (!srv) return common::Error{srv.error()};
    control.emplace(std::move(*srv));
    log(LogLevel::Debug, "control socket {}: listening", path);
    return {};
}

// metrics-listen is bound while still root (ports below 1024), and served
// once the signal mask is set.
common::Status Startup::bind_metrics() {
    if (!cfg->metrics_listen) return {};
    auto bound = MetricsServer::bind(*cfg->metrics_listen);
    if (!bound) return common::Error{bound.error()};
    metrics = std::move(*bound);
    return {};
}

// No thread runs yet: the capabilities dropped here are dropped for every
// thread started later (workers, metrics-listen).
common::Status Startup::drop_privileges_and_check() {
    const auto dropped = drop_privileges(opt, *cfg);
    if (!dropped) return common::Error{dropped.error()};
    log(LogLevel::Debug, "running as uid {} gid {}{}, no capabilities, no_new_privs{}", ::getuid(), ::getgid(),
        opt.chroot ? ", chrooted to " + cfg->data_dir : "",
        dropped->bounding_cleared ? ", bounding set empty" : ", bounding set as given (no CAP_SETPCAP to empty it)");
    // Said now rather than at exit: without capabilities the daemon can
    // remove its files only from directories its user may write to.
    if (pidfile && !pidfile->removable())
        log(LogLevel::Notice,
            "pidfile {}: its directory is not writable by uid {}; the file will be emptied, not "
            "removed, at exit",
            opt.pidfile, ::geteuid());
    if (control && !control->removable())
        log(LogLevel::Notice,
            "control socket {}: its directory is not writable by uid {}; the socket file will "
            "stay at exit (the next start replaces it)",
            control->path(), ::geteuid());
    return check_data_dir_writable(*cfg, opt.chroot ? "/" : cfg->data_dir);
}

// Signals are taken synchronously by the main thread; the workers inherit
// the mask, so none of them is ever interrupted by one.
common::Status Startup::block_signals() {
    sigemptyset(&sigs);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&sigs, s);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    return {};
}

common::Status Startup::start_workers() {
    std::mt19937 rng{std::random_device{}()};
    for (const int fd : tun->fds()) {
        // RFC 7915 §5.1 identification: each worker starts at a random point.
        workers.push_back(
            std::make_unique<io::Worker>(fd, *source, static_cast<std::uint16_t>(rng()), tun->vnet_hdr()));
    }
    if (main_thread_translates) {
        log(LogLevel::Debug, "workers 0: the main thread translates (one queue, no worker threads)");
    } else {
        for (auto& w : workers) {
            ends.push_back(std::make_unique<WorkerEnd>());
            threads.emplace_back([&w, this, end = ends.back().get()] {
                try {
                    end->why = w->run(stop);
                } catch (const std::exception& e) {
                    end->why = e.what();
                }
                end->ended.store(true, std::memory_order_release);
            });
        }
        log(LogLevel::Debug, "{} worker thread{} started", threads.size(), threads.size() == 1 ? "" : "s");
    }
    log(LogLevel::Info, "nat64d {} translating on {} (mtu {}, {} queue{}{}{}{})", NAT64D_VERSION, tun->name(), mtu,
        workers.size(), workers.size() == 1 ? "" : "s", main_thread_translates ? " in the main thread" : "",
        tun->offload_active() ? ", offload" : "", tun->created() ? ", device created" : "");
    return {};
}

// From the workers' start to the end of the event loop: the runtime state
// (control requests, reloads, ticks), metrics-listen served, READY=1, then
// the main thread's loop until a signal or a failure stops it. Returns the
// exit status.
int Startup::serve() {
    std::string root = opt.chroot ? cfg->data_dir : "";
    // After the chroot, data-dir is "/".
    const std::string lease_file = dynamic_map.empty() || root.empty() ? dynamic_map : "/dynamic.map";
    Runtime rt{opt, root, pool.get(), lease_file, mtu, *source, workers};
    rt.fast_path = &fast_path;
    rt.reloader.emplace(rt.reload_pieces(), opt.config_file, *base, *cfg, root);
    rt.main_thread_translates = main_thread_translates;
    rt.routes = std::move(routes);
    rt.routes_error = std::move(routes_error);
    rt.route_monitor = std::move(route_monitor);
    rt.tun_device = cfg->tun_device;
    rt.instance = cfg->metrics_instance.empty() ? cfg->tun_device : cfg->metrics_instance;
    // The workers run already: a failure from here on stops them in order
    // (the event loop is skipped) rather than by an exception.
    int exit_code = 0;
    if (metrics) {
        if (auto st = metrics->start([&rt] { return format_metrics(rt.snapshot()); }); !st) {
            log(LogLevel::Crit, "nat64d: {}", st.error());
            exit_code = 1;
            stop = true;
        } else {
            log(LogLevel::Info, "metrics-listen {}: serving GET /metrics (instance \"{}\")",
                to_string(*cfg->metrics_listen), rt.instance);
        }
    }
    // The main thread's event loop: signals (signalfd), control requests,
    // a once-a-second tick for periodic work, and with `workers 0` the TUN
    // queue itself.
    common::UniqueFd sfd(::signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sfd) {
        log(LogLevel::Crit, "nat64d: signalfd: {}", std::strerror(errno));
        exit_code = 1;
        stop = true;
    }
    if (!stop) {
        notify("READY=1\nSTATUS=translating");
        if (ready_fd) {
            const char byte = 1;
            (void)!::write(ready_fd.get(), &byte, 1);
        }
    }
    ready_fd.reset();
    if (event_loop(rt, sfd.get()) != 0) exit_code = 1;
    stop = true;  // also after a failure that left the loop: the workers end too
    notify("STOPPING=1");
    sfd.reset();
    shut_down(rt);
    return exit_code;
}

// The main thread's event loop until a signal or a failure stops it (or
// `stop` was set already); 1 after a failure, else 0.
int Startup::event_loop(Runtime& rt, int sfd) {
    int exit_code = 0;
    auto next_metrics = std::chrono::steady_clock::now();
    std::int64_t last_tick = 0;
    const int queue_fd = main_thread_translates ? workers.front()->fd() : -1;
    // WatchdogSec=: pings only while every worker thread moves. With
    // `workers 0` there are none; the loop translating is its own proof.
    std::optional<Watchdog> watchdog;
    if (const auto t = watchdog_timeout(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), ::getpid())) {
        watchdog.emplace(*t, threads.size(), WatchdogClock::now());
        log(LogLevel::Debug, "systemd watchdog: timeout {} ms, WATCHDOG=1 every {} ms while all workers progress",
            t->count() / 1000, t->count() / 2000);
    }
    std::vector<std::uint64_t> heartbeats(threads.size());
    bool watchdog_held = false;  // logged once per stall, not every wake-up
    std::vector<pollfd> fds;
    while (!stop) {
        // Signals, the queue (workers 0), then the control socket and its
        // connections; none of them can hold the loop (control.hpp).
        fds.assign({{sfd, POLLIN, 0}, {queue_fd, POLLIN, 0}});
        if (control) control->add_poll_fds(fds);
        int timeout_ms = watchdog ? static_cast<int>(watchdog->poll_limit().count()) : 1000;
        if (control) timeout_ms = control->poll_timeout_ms(ControlServer::Clock::now(), timeout_ms);
        if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
            log(LogLevel::Crit, "poll: {}; exiting", std::strerror(errno));
            exit_code = 1;
            break;
        }
        if ((fds[1].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
            // As when a worker thread's queue fails: the daemon ends.
            log(LogLevel::Crit, "tun-device {}: the queue failed (the device was deleted?); exiting", tun->name());
            exit_code = 1;
            break;
        }
        if ((fds[1].revents & POLLIN) != 0) {
            workers.front()->on_readable();
        }
        if (control)
            control->on_poll(
                std::span<const pollfd>(fds).subspan(2),
                [&rt](std::string_view r) {
                    log(LogLevel::Debug, "control request {}", common::quote(r.substr(0, 64)));
                    return rt.handle(r);
                },
                ControlServer::Clock::now());
        signalfd_siginfo si;
        while (::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
            log(LogLevel::Debug, "signal {} received", strsignal(static_cast<int>(si.ssi_signo)));
            switch (si.ssi_signo) {
                case SIGHUP: rt.reload(); break;
                case SIGUSR1: log_counters(rt.snapshot()); break;
                default: stop = true; break;
            }
        }
        for (std::size_t i = 0; i < ends.size(); ++i) {
            if (!ends[i]->ended.load(std::memory_order_acquire) || stop) continue;
            log(LogLevel::Crit, "worker {} of {} on {} ended: {}; exiting", i + 1, ends.size(), tun->name(),
                ends[i]->why.empty() ? "no reason given" : ends[i]->why);
            exit_code = 1;
            stop = true;
        }
        if (stop) break;
        if (watchdog) {
            for (std::size_t i = 0; i < threads.size(); ++i) heartbeats[i] = workers[i]->heartbeat();
            if (watchdog->should_ping(WatchdogClock::now(), heartbeats)) {
                notify("WATCHDOG=1");
                watchdog_held = false;
            } else if (!watchdog->stuck().empty() && !watchdog_held) {
                log(LogLevel::Err, "worker {} shows no progress: systemd watchdog pings held back",
                    watchdog->stuck().front() + 1);
                watchdog_held = true;
            }
        }
        // Once a second, however often packets wake the loop.
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        if (now != last_tick) {
            rt.tick(now);
            last_tick = now;
        }
        if (!rt.running().metrics_file.empty() && std::chrono::steady_clock::now() >= next_metrics) {
            write_metrics_file(rt.running().metrics_file, format_metrics(rt.snapshot()));
            next_metrics = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        }
    }
    return exit_code;
}

// Workers joined, leases and counters saved, files and the device removed.
void Startup::shut_down(Runtime& rt) {
    metrics.reset();  // its thread reads the workers' counters: it goes first
    for (auto& t : threads) t.join();
    log(LogLevel::Info, "stopping");
    rt.tick(static_cast<std::int64_t>(std::time(nullptr)));
    rt.save_leases(static_cast<std::int64_t>(std::time(nullptr)));
    log_counters(rt.snapshot());
    if (!rt.running().metrics_file.empty())
        write_metrics_file(rt.running().metrics_file, format_metrics(rt.snapshot()));
    fast_path.stop("");
    // The device goes (if this process made it) before the pidfile does, so
    // that whoever waits for the pidfile to vanish finds the daemon done.
    workers.clear();
    tun.reset();
    control.reset();
    pidfile.reset();
    log(LogLevel::Debug, "stopped");
}

// The daemon's life: the start-up steps, stopped by the first that fails,
// then serve(). Returns the exit status, or the failed step's message; by
// then everything made so far is undone (`s` is gone).
common::Result<int> start_and_serve(const Options& opt) {
    Startup s{opt};
    const auto loaded = s.load_configuration();
    if (!loaded) return common::Error{loaded.error()};
    if (const std::optional<int> done = *loaded) return *done;
    for (const Startup::Step step : Startup::kSteps) {
        if (common::Status st = (s.*step)(); !st) return common::Error{st.error()};
    }
    return s.serve();
}

// A failed start-up step is reported once, here: on the terminal until the
// detach (or the sink named), in the log after it; exit status 1.
int run(const Options& opt) {
    const common::Result<int> status = start_and_serve(opt);
    if (status) return *status;
    log(LogLevel::Crit, "nat64d: {}", status.error());
    return 1;
}

}  // namespace
}  // namespace nat64d::daemon

int main(int argc, char** argv) {
    using namespace nat64d::daemon;
    auto opt = parse_args(argc, argv);
    if (!opt) {
        std::fprintf(stderr, "nat64d: %s\n%s", opt.error().c_str(), usage().c_str());
        return 1;
    }
    for (const auto& w : opt->warnings) std::fprintf(stderr, "nat64d: warning: %s\n", w.c_str());
    if (opt->help) {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    if (opt->version) {
        std::printf("nat64d %s\n", NAT64D_VERSION);
        return 0;
    }
    // Before anything changes directory (detach, chroot) or re-reads -c.
    if (std::filesystem::path(opt->config_file).is_relative() ||
        (!opt->pidfile.empty() && std::filesystem::path(opt->pidfile).is_relative())) {
        std::error_code ec;
        const auto cwd = std::filesystem::current_path(ec);
        if (ec) {
            std::fprintf(stderr, "nat64d: cannot resolve relative -c/-p paths: %s\n", ec.message().c_str());
            return 1;
        }
        make_paths_absolute(*opt, cwd.string());
    }
    // Start-up failures come back from run() as errors; what arrives here
    // is truly exceptional (std::bad_alloc, a library's exception).
    try {
        return run(*opt);
    } catch (const std::exception& e) {
        nat64d::common::log(nat64d::common::LogLevel::Crit, "nat64d: {}", e.what());
        return 1;
    }
}
