// The daemon's pieces that need no privileges: command line, control
// socket protocol, counters formats, readiness notification.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "config/config.hpp"
#include "daemon/cli.hpp"
#include "daemon/control.hpp"
#include "daemon/mappings.hpp"
#include "daemon/metrics_http.hpp"
#include "daemon/notify.hpp"
#include "daemon/process.hpp"
#include "daemon/running_config.hpp"
#include "daemon/stats.hpp"
#include "daemon/watchdog.hpp"

using namespace nat64d;
using namespace nat64d::daemon;

namespace {

common::Result<Options> args(std::vector<std::string> words) {
    words.insert(words.begin(), "nat64d");
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    return parse_args(static_cast<int>(words.size()), argv.data());
}

// Why the command line is refused ("accepted" when it is not).
std::string refusal(std::vector<std::string> words) {
    const auto r = args(std::move(words));
    return r ? std::string("accepted") : r.error();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string temp_path(const char* name) {
    return (std::filesystem::temp_directory_path() / (std::string(name) + std::to_string(::getpid()))).string();
}

}  // namespace

TEST_CASE("TAYGA's command line: -c -d -n -u -g -r -p --mktun --rmtun", "[daemon][cli]") {
    auto o = args({"-c", "/etc/tayga.conf", "-d", "-n", "-u", "nobody", "-g", "nogroup", "-r", "-p", "/run/t.pid"});
    REQUIRE(o);
    CHECK(o->config_file == "/etc/tayga.conf");
    CHECK(o->debug);
    CHECK(o->nodetach);
    CHECK(o->user == "nobody");
    CHECK(o->group == "nogroup");
    CHECK(o->chroot);
    CHECK(o->pidfile == "/run/t.pid");
    o = args({"--config", "x.toml", "--mktun"});
    REQUIRE(o);
    CHECK(o->config_file == "x.toml");
    CHECK(o->mktun);
    o = args({"--rmtun", "--config=t.conf", "--pidfile", "p"});
    REQUIRE(o);
    CHECK(o->rmtun);
    CHECK(o->config_file == "t.conf");
    CHECK(o->pidfile == "p");
    CHECK(args({})->config_file == "/etc/nat64d.conf");
    CHECK(args({"-t"})->check_config);
    CHECK(args({"--check-config"})->check_config);
    CHECK(args({"-V"})->version);
    CHECK(args({"-h"})->help);
}

TEST_CASE("Command line errors are refused with a message", "[daemon][cli]") {
    CHECK(refusal({"-x"}) == "unknown option -x");
    CHECK(refusal({"--frobnicate"}) == "unknown option --frobnicate");
    CHECK(refusal({"-c"}) == "option -c requires an argument");
    CHECK(refusal({"--mktun", "--rmtun"}) == "--mktun and --rmtun exclude each other");
    CHECK(refusal({"stray"}) == "unexpected argument 'stray'");
    CHECK(refusal({"-n", "", "tayga.conf"}) == "unexpected argument 'tayga.conf'");
    CHECK(refusal({"--", "x"}) == "unexpected argument 'x'");
    // TAYGA refuses what --mktun/--rmtun would ignore.
    CHECK(refusal({"--rmtun", "--user=nobody"}) == "cannot use -u or --user with --rmtun");
    CHECK(refusal({"--mktun", "-g", "nogroup"}) == "cannot use -g or --group with --mktun");
    CHECK(refusal({"-r", "--mktun"}) == "cannot use -r or --chroot with --mktun");
}

TEST_CASE("Empty positional arguments are skipped, wherever they stand (clatd runs `tayga --mktun \"\"`)",
          "[daemon][cli]") {
    auto o = args({"--mktun", ""});
    REQUIRE(o);
    CHECK(o->mktun);
    o = args({"", "-c", "/etc/tayga.conf", "", "-n", "", "--", ""});
    REQUIRE(o);
    CHECK(o->config_file == "/etc/tayga.conf");
    CHECK(o->nodetach);
    CHECK(o->warnings.empty());
}

TEST_CASE("Log sinks: --syslog, --stdout, --journal; -d means stdout unless a sink is named", "[daemon][cli][log]") {
    using common::LogSink;
    // Without a sink option: stderr in the foreground, syslog once detached.
    CHECK(log_sink(*args({}), false) == LogSink::Syslog);
    CHECK(log_sink(*args({"-n"}), true) == LogSink::Stderr);
    // -d: TAYGA's "implies --nodetach and --stdout".
    CHECK(log_sink(*args({"-d"}), true) == LogSink::Stdout);
    CHECK(log_sink(*args({"--syslog"}), false) == LogSink::Syslog);
    CHECK(log_sink(*args({"-n", "--syslog"}), true) == LogSink::Syslog);
    CHECK(log_sink(*args({"--stdout"}), false) == LogSink::Stdout);
    CHECK(log_sink(*args({"-n", "--journal"}), true) == LogSink::Journal);
    // A named sink stands with -d, on either side of it.
    CHECK(log_sink(*args({"-d", "--journal"}), true) == LogSink::Journal);
    CHECK(log_sink(*args({"--syslog", "-d"}), true) == LogSink::Syslog);
    // The last one named wins.
    CHECK(log_sink(*args({"--journal", "--stdout"}), true) == LogSink::Stdout);
    // --mktun/--rmtun report on stdout whatever is asked: a warning, as TAYGA.
    auto o = args({"--mktun", "--journal"});
    REQUIRE(o);
    CHECK_FALSE(o->log_sink);
    REQUIRE(o->warnings.size() == 1);
    CHECK(o->warnings[0] == "--syslog, --stdout and --journal do not apply to --mktun, which reports on stdout");
}

TEST_CASE("Relative -c and -p are taken from the start-up directory", "[daemon][cli]") {
    auto o = args({"-c", "tayga.conf", "-p", "./run/t.pid"});
    REQUIRE(o);
    make_paths_absolute(*o, "/srv/nat64");
    CHECK(o->config_file == "/srv/nat64/tayga.conf");
    CHECK(o->pidfile == "/srv/nat64/run/t.pid");
    o = args({"-c", "../etc/t.conf"});
    make_paths_absolute(*o, "/");
    CHECK(o->config_file == "/../etc/t.conf");
    CHECK(o->pidfile.empty());  // none asked for, none made up
    o = args({"-c", "/etc/t.conf", "-p", "/run/t.pid"});
    make_paths_absolute(*o, "/srv");
    CHECK(o->config_file == "/etc/t.conf");
    CHECK(o->pidfile == "/run/t.pid");
}

TEST_CASE("Pidfile: locked while the daemon lives; a second one is refused and leaves the first's pid",
          "[daemon][pidfile]") {
    const std::string path = temp_path("nat64d-pid-test-");
    {
        auto first = PidFile::lock(path);
        REQUIRE(first);
        REQUIRE(first->write_pid());
        const std::string mine = std::to_string(::getpid()) + "\n";
        CHECK(read_file(path) == mine);
        CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
              (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
               std::filesystem::perms::group_read | std::filesystem::perms::others_read));
        // flock(2) locks belong to the open file, so a second open in the
        // same process conflicts just as another process's would.
        const auto second = PidFile::lock(path);
        REQUIRE_FALSE(second);  // a second pidfile on the same path is refused
        CHECK(second.error() == "pidfile " + path + " is locked by a running daemon (pid " +
                                    std::to_string(::getpid()) + "); not starting a second one with the same pidfile");
        CHECK(read_file(path) == mine);
    }
    CHECK_FALSE(std::filesystem::exists(path));
    // A stale file of a daemon that died (no lock on it) is taken over.
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        std::fputs("99999999\n", f);
        std::fclose(f);
        auto again = PidFile::lock(path);
        REQUIRE(again);
        REQUIRE(again->write_pid());
        CHECK(read_file(path) == std::to_string(::getpid()) + "\n");
    }
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_FALSE(PidFile::lock("/nonexistent-dir-nat64d/t.pid"));
}

TEST_CASE("data-dir: a missing one is made 0755, unless -u would drop to a user that could not write it",
          "[daemon][data-dir]") {
    const std::string base = temp_path("nat64d-data-test-");
    std::filesystem::create_directory(base);
    Config cfg;
    Options opt;
    CHECK_FALSE(prepare_data_dir(opt, cfg).value());  // no data-dir: nothing to do
    cfg.data_dir = base + "/state";
    const mode_t old_mask = ::umask(077);
    CHECK(prepare_data_dir(opt, cfg).value());
    ::umask(old_mask);
    CHECK(std::filesystem::is_directory(cfg.data_dir));
    CHECK((std::filesystem::status(cfg.data_dir).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_all | std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
           std::filesystem::perms::others_read | std::filesystem::perms::others_exec));
    CHECK_FALSE(prepare_data_dir(opt, cfg).value());  // there now
    opt.user = "nobody";
    cfg.data_dir = base + "/other";
    const auto refused = prepare_data_dir(opt, cfg);
    REQUIRE_FALSE(refused);  // a missing data-dir is not made with -u
    CHECK(refused.error() == "data-dir " + cfg.data_dir +
                                 " does not exist; create it, writable by user 'nobody', before starting "
                                 "with -u (nat64d creates it only when it keeps its identity)");
    CHECK_FALSE(std::filesystem::exists(cfg.data_dir));
    opt.user.clear();
    cfg.data_dir = base + "/missing-parent/state";
    CHECK_FALSE(prepare_data_dir(opt, cfg));
    std::FILE* f = std::fopen((base + "/file").c_str(), "w");
    std::fclose(f);
    cfg.data_dir = base + "/file";
    CHECK(prepare_data_dir(opt, cfg).error() == "data-dir " + cfg.data_dir + ": not a directory");
    std::filesystem::remove_all(base);
}

namespace {

// The control server's part of the main loop, on a thread until destroyed.
struct ServerLoop {
    ControlServer& srv;
    ControlServer::Handler handler;
    std::atomic<bool> stop{false};
    std::thread t;
    ServerLoop(ControlServer& s, ControlServer::Handler h) : srv(s), handler(std::move(h)), t([this] { loop(); }) {}
    ~ServerLoop() { halt(); }
    void halt() {
        stop = true;
        if (t.joinable()) t.join();
    }
    void loop() {
        std::vector<pollfd> fds;
        while (!stop) {
            fds.clear();
            srv.add_poll_fds(fds);
            ::poll(fds.data(), fds.size(), srv.poll_timeout_ms(ControlServer::Clock::now(), 20));
            srv.on_poll(fds, handler, ControlServer::Clock::now());
        }
    }
};

int connect_to(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
}

// What the server sent before closing (up to `ms`).
std::string read_reply(int fd, int ms) {
    std::string out;
    char buf[256];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, ms) == 1) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace

TEST_CASE("Control socket: one request line, one reply; bad requests get an error, never a crash",
          "[daemon][control]") {
    const std::string path = temp_path("nat64d-ctl-test-");
    {
        auto srv = ControlServer::listen(path, ::getgid());
        REQUIRE(srv);
        CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::others_all) ==
              std::filesystem::perms::none);
        ServerLoop loop(*srv, [](std::string_view r) { return "echo:" + std::string(r) + "\n"; });
        auto reply = control_request(path, "stats --json");
        REQUIRE(reply);
        CHECK(*reply == "echo:stats --json\n");

        // A client that sends more than kMaxRequest bytes gets an error reply.
        reply = control_request(path, std::string(kMaxRequest + 10, 'a'));
        REQUIRE(reply);
        CHECK(*reply == "error: request too long\n");

        // A client that connects and sends nothing is cut off at the deadline.
        const auto t0 = std::chrono::steady_clock::now();
        const int fd = connect_to(path);
        CHECK(read_reply(fd, 4000) == "error: request timed out\n");
        const auto took = std::chrono::steady_clock::now() - t0;
        CHECK(took >= kRequestDeadline - std::chrono::milliseconds(50));
        CHECK(took < kRequestDeadline + std::chrono::milliseconds(1000));
        ::close(fd);
    }
    // Closing removes the socket file; a stale one from a crash is
    // replaced; a regular file is not.
    CHECK_FALSE(std::filesystem::exists(path));
    {
        // A socket file nobody listens on: what a crash leaves.
        const int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
        REQUIRE(::bind(stale, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        ::close(stale);
        REQUIRE(std::filesystem::is_socket(path));
        auto again = ControlServer::listen(path, ::getgid());
        REQUIRE(again);
    }
    FILE* f = std::fopen(path.c_str(), "w");
    std::fclose(f);
    auto refused = ControlServer::listen(path, ::getgid());
    CHECK_FALSE(refused);
    std::filesystem::remove(path);
}

TEST_CASE("Control socket: a live daemon's socket is not taken over (connect() probe)", "[daemon][control]") {
    const std::string path = temp_path("nat64d-ctl-probe-");
    auto first = ControlServer::listen(path, ::getgid());
    REQUIRE(first);
    auto second = ControlServer::listen(path, ::getgid());
    REQUIRE_FALSE(second);
    CHECK(second.error().find("another nat64d answers on it") != std::string::npos);
    // The first one's socket is still there and still answers.
    ServerLoop loop(*first, [](std::string_view) { return std::string("first\n"); });
    auto reply = control_request(path, "status");
    REQUIRE(reply);
    CHECK(*reply == "first\n");
}

TEST_CASE("Control socket: a slow client does not hold up others; too many are refused", "[daemon][control]") {
    const std::string path = temp_path("nat64d-ctl-slow-");
    auto srv = ControlServer::listen(path, ::getgid());
    REQUIRE(srv);
    ServerLoop loop(*srv, [](std::string_view r) { return "echo:" + std::string(r) + "\n"; });
    // One byte at a time, never a whole line.
    const int slow = connect_to(path);
    REQUIRE(::write(slow, "s", 1) == 1);
    const auto t0 = std::chrono::steady_clock::now();
    auto reply = control_request(path, "status", 1000);
    REQUIRE(reply);
    CHECK(*reply == "echo:status\n");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));

    // kMaxClients open at once (the slow one included); the next are closed at once.
    std::vector<int> idle;
    for (std::size_t i = 1; i < kMaxClients; ++i) idle.push_back(connect_to(path));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int extra = connect_to(path);
    CHECK(read_reply(extra, 1000) == "error: too many connections\n");
    ::close(extra);
    // The slots come back once the idle ones pass their deadline.
    for (const int fd : idle) CHECK(read_reply(fd, 4000) == "error: request timed out\n");
    CHECK(read_reply(slow, 4000) == "error: request timed out\n");
    reply = control_request(path, "stats", 1000);
    REQUIRE(reply);
    CHECK(*reply == "echo:stats\n");
    loop.halt();
    CHECK(srv->refused() == 1);
    CHECK(srv->timed_out() == kMaxClients);
    CHECK(srv->clients() == 0);
    for (const int fd : idle) ::close(fd);
    ::close(slow);
}

TEST_CASE("No daemon: the client says so", "[daemon][control]") {
    const auto reply = control_request(temp_path("nat64d-none-"), "status");
    REQUIRE_FALSE(reply);
}

TEST_CASE("Control socket name: the network namespace's inode outside the initial one", "[daemon][control]") {
    CHECK(control_socket_name("/run/nat64d", "nat64", 0) == "/run/nat64d/nat64.sock");
    CHECK(control_socket_name("/run/nat64d", "nat64", 4026532000) == "/run/nat64d/nat64@net-4026532000.sock");
}

TEST_CASE("Default control socket: RUNTIME_DIRECTORY or /run/nat64d, per tun-device", "[daemon][control]") {
    ::unsetenv("RUNTIME_DIRECTORY");
    CHECK(default_control_socket("nat64") == "/run/nat64d/nat64.sock");
    ::setenv("RUNTIME_DIRECTORY", "/run/nat64d-clat:/run/other", 1);
    CHECK(default_control_socket("clat") == "/run/nat64d-clat/clat.sock");
    ::unsetenv("RUNTIME_DIRECTORY");
}

TEST_CASE("Counters: table, JSON and Prometheus text carry the same numbers", "[daemon][stats]") {
    StatsSnapshot s;
    s.tun_device = "nat64";
    s.instance = "nat64";
    s.start_time = 1700000000;
    s.workers = 2;
    s.uptime_seconds = 12.5;
    s.counters.packets_4to6 = 10;
    s.counters.bytes_4to6 = 1000;
    s.counters.packets_6to4 = 20;
    s.counters.bytes_6to4 = 2000;
    s.counters.drops[static_cast<std::size_t>(Reason::TtlExpired)] = 3;
    s.counters.icmp_errors_sent = 3;
    s.counters.icmp_errors_by_kind[static_cast<std::size_t>(xlat::IcmpErrorKind::TimeExceeded)] = 3;
    s.counters.icmp_errors_rate_limited = 9;
    s.counters.icmp_errors_held_back_by_kind[static_cast<std::size_t>(xlat::IcmpErrorKind::TimeExceeded)] = 9;
    s.reloads_ok = 1;
    s.pool = PoolStats{4, 1, 250, 2, 7};

    const auto table = format_stats_table(s);
    CHECK(table.find("packets translated 6to4                          20") != std::string::npos);
    CHECK(table.find("ttl-expired                                     3") != std::string::npos);
    CHECK(table.find("dynamic addresses free                          250") != std::string::npos);

    const auto json = format_stats_json(s);
    CHECK(json.find("\"packets\":{\"4to6\":10,\"6to4\":20}") != std::string::npos);
    CHECK(json.find("\"ttl-expired\":3") != std::string::npos);
    CHECK(json.find("\"dynamic_leases\":{\"active\":4,\"dormant\":1,\"free\":250}") != std::string::npos);

    const auto m = format_metrics(s);
    CHECK(m.find("# TYPE nat64d_translated_packets_total counter\n") != std::string::npos);
    CHECK(m.find("nat64d_translated_packets_total{instance=\"nat64\",direction=\"6to4\"} 20\n") != std::string::npos);
    CHECK(m.find("nat64d_dropped_packets_total{instance=\"nat64\",reason=\"ttl-expired\"} 3\n") != std::string::npos);
    CHECK(m.find("nat64d_dropped_packets_total{instance=\"nat64\",reason=\"bad-version\"} 0\n") != std::string::npos);
    CHECK(m.find("nat64d_dynamic_leases{instance=\"nat64\",state=\"free\"} 250\n") != std::string::npos);
    // Failed dynamic.map writes and leases revoked by a static map.
    CHECK(m.find("nat64d_dynamic_map_save_failures_total{instance=\"nat64\"} 2\n") != std::string::npos);
    CHECK(m.find("nat64d_dynamic_leases_revoked_total{instance=\"nat64\"} 7\n") != std::string::npos);
    CHECK(json.find("\"dynamic_leases_revoked\":7,\"dynamic_map_saves_failed\":2,") != std::string::npos);
    CHECK(table.find("dynamic.map saves failed                          2") != std::string::npos);
    CHECK(table.find("dynamic leases revoked                            7") != std::string::npos);
    CHECK(m.find("nat64d_uptime_seconds{instance=\"nat64\"} 12.500\n") != std::string::npos);
    CHECK(m.find("nat64d_icmp_errors_generated_total{instance=\"nat64\",kind=\"time-exceeded\"} 3\n") !=
          std::string::npos);
    CHECK(m.find("# TYPE nat64d_build_info gauge\nnat64d_build_info{instance=\"nat64\",version=\"" NAT64D_VERSION
                 "\"} 1\n") != std::string::npos);
    CHECK(
        m.find("# TYPE nat64d_start_time_seconds gauge\nnat64d_start_time_seconds{instance=\"nat64\"} 1700000000\n") !=
        std::string::npos);
    CHECK(json.find("\"icmp_errors_by_kind\":{\"dest-unreachable\":0,\"time-exceeded\":3,") != std::string::npos);
    // Errors held back by the rate limit, by kind (RFC 4443 §2.4(f)).
    CHECK(json.find("\"icmp_errors_held_back_by_kind\":{\"dest-unreachable\":0,\"time-exceeded\":9,") !=
          std::string::npos);
    CHECK(m.find("nat64d_icmp_errors_held_back_total{instance=\"nat64\",kind=\"time-exceeded\"} 9\n") !=
          std::string::npos);
    const auto held = table.find("ICMP errors held back (rate limit) ");
    REQUIRE(held != std::string::npos);
    const auto held_kind = table.find('\n', held) + 1;
    CHECK(table.substr(held_kind, table.find('\n', held_kind) - held_kind).starts_with("  time-exceeded "));
    CHECK(table.substr(held_kind, table.find('\n', held_kind) - held_kind).ends_with(" 9"));
    const auto te = table.find("\n  time-exceeded ");
    REQUIRE(te != std::string::npos);
    CHECK(table.substr(te + 1, table.find('\n', te + 1) - te - 1).ends_with(" 3"));
    // Every sample line belongs to a family declared with HELP and TYPE.
    std::size_t samples = 0;
    for (std::size_t at = 0; at < m.size();) {
        const auto nl = m.find('\n', at);
        const auto line = m.substr(at, nl - at);
        at = nl + 1;
        if (line.rfind('#', 0) == 0) continue;
        ++samples;
        const auto name = line.substr(0, line.find_first_of("{ "));
        CHECK(m.find("# TYPE " + name + " ") != std::string::npos);
    }
    // ... the last 1 + 4 + 4: the fast path's families, present (zeros)
    // without it.
    CHECK(samples == 1 + 1 + 2 + 2 + 1 + 2 + 2 + xlat::kIcmpErrorKinds + xlat::kIcmpErrorKinds + 1 + 1 + kReasonCount +
                         1 + 1 + 2 + 3 + 1 + 1 + 1 + 1 + 1 + 4 + 4);
    CHECK(m.find("nat64d_fast_path_attached{instance=\"nat64\"} 0\n") != std::string::npos);
    CHECK(m.find("nat64d_fast_path_packets_total{instance=\"nat64\",path=\"fast\",direction=\"6to4\"} 0\n") !=
          std::string::npos);
    CHECK(m.find("nat64d_fast_path_packets_total{instance=\"nat64\",path=\"slow\",direction=\"6to4\"} 20\n") !=
          std::string::npos);
    CHECK(json.find("\"fast_path\"") == std::string::npos);
    CHECK(table.find("kernel fast path") == std::string::npos);
}

TEST_CASE("Counters: the kernel fast path's beside the daemon's, labelled by path", "[daemon][stats]") {
    StatsSnapshot s;
    s.tun_device = "nat64";
    s.instance = "nat64";
    s.counters.packets_4to6 = 10;
    s.counters.bytes_4to6 = 1000;
    FastPathStats f;
    f.state = "attached (tcx)";
    f.attached = true;
    f.packets_4to6 = 700;
    f.packets_6to4 = 800;
    f.bytes_4to6 = 70000;
    f.bytes_6to4 = 80000;
    f.counters = {{"translated_4to6", "IPv4 packets translated", 700},
                  {"pass_fragment", "a fragment", 5},
                  {"pass_ttl", "TTL or hop limit would expire", 0},
                  {"dropped_error", "a helper failed", 1}};
    s.fast_path = f;

    const auto table = format_stats_table(s);
    CHECK(table.find("\nkernel fast path: attached (tcx)\n") != std::string::npos);
    CHECK(table.find("\n  packets translated 6to4                       800\n") != std::string::npos);
    CHECK(table.find("  pass_fragment                                   5  a fragment\n") != std::string::npos);
    CHECK(table.find("pass_ttl") == std::string::npos);  // zeros left out
    CHECK(table.find("\npackets translated 4to6                          10\n") != std::string::npos);

    const auto json = format_stats_json(s);
    CHECK(json.find("\"fast_path\":{\"state\":\"attached (tcx)\",\"attached\":true,\"packets\":{\"4to6\":700,"
                    "\"6to4\":800},\"bytes\":{\"4to6\":70000,\"6to4\":80000},\"counters\":{\"translated_4to6\":700,"
                    "\"pass_fragment\":5,\"pass_ttl\":0,\"dropped_error\":1}},") != std::string::npos);
    // The daemon's own counters keep their place.
    CHECK(json.find("\"packets\":{\"4to6\":10,\"6to4\":0}") != std::string::npos);

    const auto m = format_metrics(s);
    CHECK(m.find("nat64d_fast_path_attached{instance=\"nat64\"} 1\n") != std::string::npos);
    CHECK(m.find("nat64d_fast_path_packets_total{instance=\"nat64\",path=\"fast\",direction=\"4to6\"} 700\n") !=
          std::string::npos);
    CHECK(m.find("nat64d_fast_path_packets_total{instance=\"nat64\",path=\"slow\",direction=\"4to6\"} 10\n") !=
          std::string::npos);
    CHECK(m.find("nat64d_fast_path_bytes_total{instance=\"nat64\",path=\"fast\",direction=\"6to4\"} 80000\n") !=
          std::string::npos);
    CHECK(m.find("nat64d_fast_path_passed_packets_total{instance=\"nat64\",reason=\"fragment\"} 5\n") !=
          std::string::npos);
    CHECK(m.find("nat64d_fast_path_passed_packets_total{instance=\"nat64\",reason=\"ttl\"} 0\n") != std::string::npos);
    CHECK(m.find("nat64d_fast_path_dropped_packets_total{instance=\"nat64\"} 1\n") != std::string::npos);
    // The daemon's families are unchanged.
    CHECK(m.find("nat64d_translated_packets_total{instance=\"nat64\",direction=\"4to6\"} 10\n") != std::string::npos);
}

TEST_CASE("Counters: fast-path direct's counters in the table and as their own metrics family", "[daemon][stats]") {
    StatsSnapshot s;
    s.instance = "nat64";
    FastPathStats f;
    f.state = "attached (tcx, direct)";
    f.attached = true;
    f.counters = {{"direct_6to4", "IPv6 packets translated and sent to the egress device", 42},
                  {"direct_fallback_no_neigh", "no resolved neighbour: ingress redirect", 3}};
    s.fast_path = f;
    const auto table = format_stats_table(s);
    CHECK(table.find("  direct_6to4                                    42  IPv6 packets translated") !=
          std::string::npos);
    const auto m = format_metrics(s);
    CHECK(m.find("# TYPE nat64d_fast_path_direct_packets_total counter\n") != std::string::npos);
    CHECK(m.find("nat64d_fast_path_direct_packets_total{instance=\"nat64\",result=\"6to4\"} 42\n") !=
          std::string::npos);
    CHECK(m.find("nat64d_fast_path_direct_packets_total{instance=\"nat64\",result=\"fallback_no_neigh\"} 3\n") !=
          std::string::npos);
    // Without direct counters (fast-path on), no such family.
    s.fast_path->counters.clear();
    CHECK(format_metrics(s).find("nat64d_fast_path_direct_packets_total") == std::string::npos);
}

namespace {

// The sample lines of a metrics text (no comments), each as "name{labels}".
std::vector<std::string> series_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        out.push_back(line.substr(0, line.rfind(' ')));
    }
    return out;
}

}  // namespace

TEST_CASE("Metrics: every sample carries the instance label first, so two daemons never share a series",
          "[daemon][stats][metrics]") {
    StatsSnapshot a;
    a.tun_device = a.instance = "nat64";
    StatsSnapshot b = a;
    b.tun_device = "clat";
    b.instance = "edge \"b\"\\1";  // metrics-instance, escaped in the text
    b.pool = PoolStats{1, 0, 10};
    const auto ma = format_metrics(a);
    const auto mb = format_metrics(b);
    const auto sa = series_of(ma);
    const auto sb = series_of(mb);
    REQUIRE_FALSE(sa.empty());
    for (const auto& series : sa) {
        INFO(series);
        CHECK(series.find("{instance=\"nat64\"") != std::string::npos);
    }
    for (const auto& series : sb) {
        INFO(series);
        CHECK(series.find("{instance=\"edge \\\"b\\\"\\\\1\"") != std::string::npos);
    }
    // Both texts together, as node_exporter's textfile collector reads two
    // files: not one series twice.
    std::vector<std::string> all = sa;
    all.insert(all.end(), sb.begin(), sb.end());
    std::sort(all.begin(), all.end());
    CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
    // And one instance alone has no series twice either.
    std::vector<std::string> one = sb;
    std::sort(one.begin(), one.end());
    CHECK(std::adjacent_find(one.begin(), one.end()) == one.end());
}

TEST_CASE("Metrics: label values escape backslash, double quote and line feed (text format 0.0.4)",
          "[daemon][stats][metrics]") {
    CHECK(prometheus_label_value("nat64") == "nat64");
    CHECK(prometheus_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}

TEST_CASE("metrics-listen replies: GET and HEAD /metrics 200, other methods 405, other paths 404",
          "[daemon][metrics]") {
    int calls = 0;
    const std::function<std::string()> render = [&calls] {
        ++calls;
        return std::string("nat64d_workers{instance=\"nat64\"} 2\n");
    };
    auto r = metrics_reply("GET", "/metrics", render);
    CHECK(r.status == 200);
    CHECK(r.body == "nat64d_workers{instance=\"nat64\"} 2\n");
    CHECK(metrics_reply("HEAD", "/metrics", render).status == 200);
    for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "get"}) {
        INFO(method);
        r = metrics_reply(method, "/metrics", render);
        CHECK(r.status == 405);
        CHECK(r.allow_header);
    }
    for (const char* path : {"/", "/metrics/", "/metric", "/Metrics", "/favicon.ico"}) {
        INFO(path);
        r = metrics_reply("GET", path, render);
        CHECK(r.status == 404);
        CHECK_FALSE(r.allow_header);
    }
    CHECK(metrics_reply("POST", "/x", render).status == 404);
    CHECK(calls == 2);  // rendered for the 200 replies only
}

namespace {

// One HTTP/1.0 exchange with 127.0.0.1:port; the whole reply.
std::string http_exchange(std::uint16_t port, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
    std::string reply;
    char buf[4096];
    for (int i = 0; i < 100; ++i) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 3000) != 1) break;
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
}

}  // namespace

TEST_CASE("metrics-listen: libmicrohttpd serves the rendered text on a loopback port", "[daemon][metrics]") {
    ListenAddr where;
    where.v4 = *parse_ipv4("127.0.0.1");
    where.port = 0;  // the kernel picks one
    auto server = MetricsServer::bind(where);
    REQUIRE(server);
    const std::uint16_t port = (*server)->port();
    REQUIRE(port != 0);
    REQUIRE((*server)->start([] { return std::string("nat64d_workers{instance=\"t\"} 1\n"); }));
    auto reply = http_exchange(port, "GET /metrics HTTP/1.0\r\n\r\n");
    CHECK(reply.rfind("HTTP/1.1 200 ", 0) == 0);
    CHECK(reply.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
    CHECK(reply.ends_with("\r\n\r\nnat64d_workers{instance=\"t\"} 1\n"));
    reply = http_exchange(port, "POST /metrics HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello");
    CHECK(reply.rfind("HTTP/1.1 405 ", 0) == 0);
    CHECK(reply.find("Allow: GET, HEAD\r\n") != std::string::npos);
    reply = http_exchange(port, "GET /other HTTP/1.0\r\n\r\n");
    CHECK(reply.rfind("HTTP/1.1 404 ", 0) == 0);
    // A port in use is refused with the address in the message.
    where.port = port;
    auto second = MetricsServer::bind(where);
    REQUIRE_FALSE(second);
    CHECK(second.error().rfind("metrics-listen 127.0.0.1:" + std::to_string(port) + ": ", 0) == 0);
}

namespace {

Config mappings_config() {
    Config c;
    MapEntry host;
    host.v4 = *parse_prefix4("198.51.100.2/32");
    host.v6 = *parse_prefix6("2001:db8:6::2/128");
    host.pos = {"/etc/nat64d.conf", 4};
    MapEntry net;
    net.v4 = *parse_prefix4("203.0.113.0/24");
    net.v6 = *parse_prefix6("2001:db8:1::/120");
    net.pos = {"/etc/nat64d.conf", 5};
    c.maps = {host, net};
    return c;
}

LeaseView lease_view_at(std::int64_t now) {
    LeaseView v;
    v.now = now;
    // Active, used 30 s ago; dormant, last used 3 hours ago.
    v.leases.push_back({*parse_ipv4("198.51.100.130"), *parse_ipv6("2001:db8:6::77"), now - 30, true});
    v.leases.push_back({*parse_ipv4("198.51.100.131"), *parse_ipv6("2001:db8:6::78"), now - 3 * 3600, false});
    return v;
}

}  // namespace

TEST_CASE("mappings ADDRESS: static maps whose side contains it, leases with either address equal to it",
          "[daemon][mappings]") {
    const Config c = mappings_config();
    const std::int64_t now = 1700000000;  // 2023-11-14T22:13:20Z
    const auto pool = lease_view_at(now);
    const auto all = format_mappings(c, pool, std::nullopt, false);
    CHECK(std::count(all.begin(), all.end(), '\n') == 4);

    // An IPv4 address inside a mapped prefix finds that map.
    CHECK(format_mappings(c, pool, parse_address_filter("203.0.113.77"), false) ==
          "static  203.0.113.0/24       2001:db8:1::/120                             /etc/nat64d.conf:5\n");
    // IPv6, any spelling of the address.
    CHECK(format_mappings(c, pool, parse_address_filter("2001:DB8:6:0::2"), false) ==
          "static  198.51.100.2/32      2001:db8:6::2/128                            /etc/nat64d.conf:4\n");
    // A lease, by its IPv4 address: age, dormancy and expiry.
    CHECK(format_mappings(c, pool, parse_address_filter("198.51.100.130"), false) ==
          "dynamic 198.51.100.130       2001:db8:6::77                               active, last use 30s ago, "
          "dormant 2023-11-15T00:16:50Z (in 2h03m), expires 2023-11-28T22:12:50Z (in 13d23h)\n");
    // A dormant lease, by its IPv6 address: no dormancy time, only expiry.
    CHECK(format_mappings(c, pool, parse_address_filter("2001:db8:6::78"), false) ==
          "dynamic 198.51.100.131       2001:db8:6::78                               dormant, last use 3h00m ago, "
          "expires 2023-11-28T19:13:20Z (in 13d21h)\n");
    // Nothing: said so.
    CHECK(format_mappings(c, pool, parse_address_filter("192.0.2.9"), false) == "no mapping for 192.0.2.9\n");
    CHECK(format_mappings(c, std::nullopt, parse_address_filter("198.51.100.130"), false) ==
          "no mapping for 198.51.100.130\n");
    // JSON: the same selection, times as Unix seconds.
    CHECK(format_mappings(c, pool, parse_address_filter("2001:db8:6::77"), true) ==
          "{\"static\":[],\"dynamic\":[{\"ipv4\":\"198.51.100.130\",\"ipv6\":\"2001:db8:6::77\",\"state\":\"active\","
          "\"last_use\":1699999970,\"last_use_age\":30,\"dormant_at\":1700007410,\"expires\":1701209570}]}\n");
    CHECK(
        format_mappings(c, pool, parse_address_filter("198.51.100.2"), true) ==
        "{\"static\":[{\"ipv4\":\"198.51.100.2/32\",\"ipv6\":\"2001:db8:6::2/128\",\"source\":\"/etc/nat64d.conf:4\"}],"
        "\"dynamic\":[]}\n");
    CHECK_FALSE(parse_address_filter("198.51.100.0/24"));
    CHECK_FALSE(parse_address_filter("host.example"));
}

TEST_CASE("short_duration and utc_time", "[daemon][mappings]") {
    CHECK(short_duration(0) == "0s");
    CHECK(short_duration(59) == "59s");
    CHECK(short_duration(61) == "1m01s");
    CHECK(short_duration(7440) == "2h04m");
    CHECK(short_duration(14 * 86400) == "14d00h");
    CHECK(short_duration(-5) == "0s");
    CHECK(utc_time(0) == "1970-01-01T00:00:00Z");
    CHECK(utc_time(1700000000) == "2023-11-14T22:13:20Z");
}

TEST_CASE("config: the running settings, then the file's pending changes by reload class", "[daemon][config]") {
    config::Diagnostics diag;
    const std::string base = "tun-device nat64\nipv4-addr 192.0.2.1\nprefix 3fff:6464::/96\n";
    const auto running = config::load_tayga_text(base + "workers 2\n", "/etc/nat64d.conf", {}, diag);
    REQUIRE(running);
    OnDisk same{"/etc/nat64d.conf", running, {}, false};
    auto out = format_running_config(*running, same);
    CHECK(out.rfind(config::to_tayga_syntax(*running), 0) == 0);
    CHECK(out.ends_with("# no pending changes: /etc/nat64d.conf gives the running settings\n"));

    const auto edited = config::load_tayga_text(base + "workers 4\nlog drop\nmetrics-listen 127.0.0.1:9164\n",
                                                "/etc/nat64d.conf", {}, diag);
    REQUIRE(edited);
    out = format_running_config(*running, OnDisk{"/etc/nat64d.conf", edited, {}, false});
    CHECK(
        out.ends_with("# pending in /etc/nat64d.conf:\n"
                      "#   log: applied by reload\n"
                      "#   workers: needs restart\n"
                      "#   metrics-listen: needs restart\n"));

    out = format_running_config(*running,
                                OnDisk{"/etc/nat64d.conf", std::nullopt, {"/etc/nat64d.conf:3: prefix: bad"}, false});
    CHECK(
        out.ends_with("# /etc/nat64d.conf is refused as it stands; a reload now would keep the running settings:\n"
                      "#   /etc/nat64d.conf:3: prefix: bad\n"));
    out = format_running_config(*running, OnDisk{"/etc/nat64d.conf", std::nullopt, {}, true});
    CHECK(out.ends_with("# /etc/nat64d.conf is out of reach in the chroot: a reload reads the map-file only\n"));
    // The whole reply still reads as a configuration, giving the running settings.
    config::Diagnostics again;
    const auto parsed = config::load_tayga_text(
        format_running_config(*running, OnDisk{"/etc/nat64d.conf", edited, {}, false}), "reply", {}, again);
    REQUIRE(parsed);
    CHECK(config::changed_directives(*running, *parsed).empty());
}

TEST_CASE("json_string escapes quotes, backslashes and control characters (RFC 8259 §7)", "[daemon][stats]") {
    CHECK(json_string("a\"b\\c\n") == "\"a\\\"b\\\\c\\u000a\"");
}

TEST_CASE("sd_notify protocol: one datagram to $NOTIFY_SOCKET", "[daemon][notify]") {
    ::unsetenv("NOTIFY_SOCKET");
    CHECK(notify("READY=1"));  // not under systemd: nothing to do
    const std::string path = temp_path("nat64d-notify-");
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    CHECK(notify("READY=1\nSTATUS=translating"));
    char buf[128] = {};
    CHECK(::recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT) == 26);
    CHECK(std::string(buf) == "READY=1\nSTATUS=translating");
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
    ::unlink(path.c_str());
}

TEST_CASE("split_path: directory and name of the socket or pidfile", "[daemon][control]") {
    CHECK(split_path("/run/nat64d/nat64.sock") == std::pair<std::string, std::string>{"/run/nat64d", "nat64.sock"});
    CHECK(split_path("/nat64d.pid") == std::pair<std::string, std::string>{"/", "nat64d.pid"});
    CHECK(split_path("ctl.sock") == std::pair<std::string, std::string>{".", "ctl.sock"});
}

TEST_CASE("watchdog: WATCHDOG_USEC taken only for this pid and when a positive number", "[daemon][watchdog]") {
    CHECK(watchdog_timeout("4000000", nullptr, 42) == std::chrono::microseconds(4000000));
    CHECK(watchdog_timeout("4000000", "42", 42) == std::chrono::microseconds(4000000));
    CHECK_FALSE(watchdog_timeout("4000000", "43", 42));  // inherited from a parent
    CHECK_FALSE(watchdog_timeout(nullptr, nullptr, 42));
    CHECK_FALSE(watchdog_timeout("", nullptr, 42));
    CHECK_FALSE(watchdog_timeout("0", nullptr, 42));
    CHECK_FALSE(watchdog_timeout("-5", nullptr, 42));
    CHECK_FALSE(watchdog_timeout("10s", nullptr, 42));
    CHECK_FALSE(watchdog_timeout("4000000", "x", 42));
}

TEST_CASE("watchdog: a ping every half timeout while all heartbeats move, none once one stalls", "[daemon][watchdog]") {
    using namespace std::chrono_literals;
    auto t = WatchdogClock::time_point{} + 1000s;  // a fake clock
    Watchdog wd(4s, 2, t);
    CHECK(wd.poll_limit() == 1000ms);  // never sleeps past a ping: half of the 2 s interval, capped at 1 s
    std::vector<std::uint64_t> beats{1, 1};
    CHECK(wd.should_ping(t, beats));  // at once after READY=1
    int pings = 0;
    // 10 s of a healthy daemon, woken every 500 ms, workers beating every 200 ms.
    for (int i = 0; i < 20; ++i) {
        t += 500ms;
        beats[0] += 2;
        beats[1] += 3;
        if (wd.should_ping(t, beats)) ++pings;
        CHECK(wd.stuck().empty());
    }
    CHECK(pings == 5);  // one every 2 s
    // Worker 2 stops moving: within the interval pings still go out, then none.
    const auto stalled_at = t;
    int late_pings = 0;
    for (int i = 0; i < 20; ++i) {
        t += 500ms;
        beats[0] += 2;
        if (wd.should_ping(t, beats)) {
            ++late_pings;
            CHECK(t - stalled_at < 2s);
        }
    }
    CHECK(late_pings <= 1);
    REQUIRE(wd.stuck().size() == 1);
    CHECK(wd.stuck().front() == 1);
    // It moves again: pings resume at once.
    t += 500ms;
    beats[0] += 2;
    beats[1] += 1;
    CHECK(wd.should_ping(t, beats));
    CHECK(wd.stuck().empty());
}

TEST_CASE("watchdog: no workers (`workers 0`): the main loop's own ping rhythm", "[daemon][watchdog]") {
    using namespace std::chrono_literals;
    auto t = WatchdogClock::time_point{} + 50s;
    Watchdog wd(1s, 0, t);
    CHECK(wd.poll_limit() == 250ms);
    CHECK(wd.should_ping(t, {}));
    CHECK_FALSE(wd.should_ping(t + 499ms, {}));
    CHECK(wd.should_ping(t + 500ms, {}));
}
