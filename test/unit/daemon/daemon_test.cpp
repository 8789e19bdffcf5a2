// The daemon's pieces that need no privileges: command line, control
// socket protocol, counters formats, readiness notification.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "daemon/cli.hpp"
#include "daemon/control.hpp"
#include "daemon/notify.hpp"
#include "daemon/stats.hpp"

using namespace nat64d;
using namespace nat64d::daemon;

namespace {

std::optional<Options> args(std::vector<std::string> words, std::string& error) {
    words.insert(words.begin(), "nat64d");
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    return parse_args(static_cast<int>(words.size()), argv.data(), error);
}

std::string temp_path(const char* name) {
    return (std::filesystem::temp_directory_path() / (std::string(name) + std::to_string(::getpid()))).string();
}

}  // namespace

TEST_CASE("TAYGA's command line: -c -d -n -u -g -r -p --mktun --rmtun", "[daemon][cli]") {
    std::string err;
    auto o = args({"-c", "/etc/tayga.conf", "-d", "-n", "-u", "nobody", "-g", "nogroup", "-r", "-p", "/run/t.pid"}, err);
    REQUIRE(o);
    CHECK(o->config_file == "/etc/tayga.conf");
    CHECK(o->debug);
    CHECK(o->nodetach);
    CHECK(o->user == "nobody");
    CHECK(o->group == "nogroup");
    CHECK(o->chroot);
    CHECK(o->pidfile == "/run/t.pid");
    o = args({"--config", "x.toml", "--mktun"}, err);
    REQUIRE(o);
    CHECK(o->config_file == "x.toml");
    CHECK(o->mktun);
    o = args({"--rmtun", "--user=nobody", "--pidfile", "p"}, err);
    REQUIRE(o);
    CHECK(o->rmtun);
    CHECK(o->user == "nobody");
    CHECK(args({}, err)->config_file == "/etc/nat64d.conf");
    CHECK(args({"-t"}, err)->check_config);
    CHECK(args({"--check-config"}, err)->check_config);
    CHECK(args({"-V"}, err)->version);
    CHECK(args({"-h"}, err)->help);
}

TEST_CASE("Command line errors are refused with a message", "[daemon][cli]") {
    std::string err;
    CHECK_FALSE(args({"-x"}, err));
    CHECK(err == "unknown option -x");
    CHECK_FALSE(args({"--frobnicate"}, err));
    CHECK(err == "unknown option --frobnicate");
    CHECK_FALSE(args({"-c"}, err));
    CHECK(err == "option -c requires an argument");
    CHECK_FALSE(args({"--mktun", "--rmtun"}, err));
    CHECK(err == "--mktun and --rmtun exclude each other");
    CHECK_FALSE(args({"stray"}, err));
    CHECK(err == "unexpected argument 'stray'");
}

TEST_CASE("Control socket: one request line, one reply; bad requests get an error, never a crash", "[daemon][control]") {
    const std::string path = temp_path("nat64d-ctl-test-");
  {
    auto srv = ControlServer::listen(path, ::getgid());
    REQUIRE(srv);
    CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::others_all) ==
          std::filesystem::perms::none);
    const auto handler = [](std::string_view r) { return "echo:" + std::string(r) + "\n"; };
    const auto serve = [&] {
        pollfd p{srv->fd(), POLLIN, 0};
        REQUIRE(::poll(&p, 1, 3000) == 1);
        srv->serve_one(handler);
    };

    std::thread t(serve);
    auto reply = control_request(path, "stats --json");
    t.join();
    REQUIRE(reply);
    CHECK(*reply == "echo:stats --json\n");

    // A client that sends more than kMaxRequest bytes gets an error reply.
    t = std::thread(serve);
    reply = control_request(path, std::string(kMaxRequest + 10, 'a'));
    t.join();
    REQUIRE(reply);
    CHECK(*reply == "error: request too long\n");

    // A client that connects and sends nothing for a second is cut off.
    t = std::thread(serve);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    t.join();
    char buf[64] = {};
    CHECK(::read(fd, buf, sizeof buf - 1) > 0);
    CHECK(std::string(buf) == "error: incomplete request\n");
    ::close(fd);

  }
    // Closing removes the socket file; a stale one from a crash is
    // replaced; a regular file is not.
    CHECK_FALSE(std::filesystem::exists(path));
    {
        auto again = ControlServer::listen(path, ::getgid());
        REQUIRE(again);
    }
    FILE* f = std::fopen(path.c_str(), "w");
    std::fclose(f);
    auto refused = ControlServer::listen(path, ::getgid());
    CHECK_FALSE(refused);
    std::filesystem::remove(path);
}

TEST_CASE("No daemon: the client says so", "[daemon][control]") {
    const auto reply = control_request(temp_path("nat64d-none-"), "status");
    REQUIRE_FALSE(reply);
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
    s.workers = 2;
    s.uptime_seconds = 12.5;
    s.counters.packets_4to6 = 10;
    s.counters.bytes_4to6 = 1000;
    s.counters.packets_6to4 = 20;
    s.counters.bytes_6to4 = 2000;
    s.counters.drops[static_cast<std::size_t>(Reason::TtlExpired)] = 3;
    s.counters.icmp_errors_sent = 3;
    s.counters.icmp_errors_by_kind[static_cast<std::size_t>(xlat::IcmpErrorKind::TimeExceeded)] = 3;
    s.reloads_ok = 1;
    s.pool = PoolStats{4, 1, 250};

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
    CHECK(m.find("nat64d_translated_packets_total{direction=\"6to4\"} 20\n") != std::string::npos);
    CHECK(m.find("nat64d_dropped_packets_total{reason=\"ttl-expired\"} 3\n") != std::string::npos);
    CHECK(m.find("nat64d_dropped_packets_total{reason=\"bad-version\"} 0\n") != std::string::npos);
    CHECK(m.find("nat64d_dynamic_leases{state=\"free\"} 250\n") != std::string::npos);
    CHECK(m.find("nat64d_uptime_seconds 12.500\n") != std::string::npos);
    CHECK(m.find("nat64d_icmp_errors_generated_total{kind=\"time-exceeded\"} 3\n") != std::string::npos);
    CHECK(json.find("\"icmp_errors_by_kind\":{\"dest-unreachable\":0,\"time-exceeded\":3,") != std::string::npos);
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
    CHECK(samples == 2 + 2 + 1 + 2 + 2 + xlat::kIcmpErrorKinds + 1 + 1 + kReasonCount + 1 + 1 + 2 + 3 + 1 + 1);
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
