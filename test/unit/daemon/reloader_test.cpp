// daemon::Reloader: the reload pipeline (configuration -> map-file merge ->
// sealed settings -> tables -> pool exclusions -> publish) over fake
// pieces, one test per outcome. A refused reload leaves everything as it
// was: nothing published, the pool untouched, the running configuration
// the same.
#include "daemon/reloader.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "addr/dynamic_pool.hpp"
#include "config/config.hpp"

namespace nat64d::daemon {
namespace {

using common::LogLevel;

const std::string kFile = "/etc/nat64d.conf";
const std::string kBase =
    "tun-device nat64\nipv4-addr 192.0.2.1\nprefix 3fff:6464::/96\nmap 198.51.100.10 2001:db8::10\n";

Config parsed(const std::string& text) {
    config::Diagnostics diag;
    auto cfg = config::load_tayga_text(text, kFile, {}, diag);
    INFO((diag.errors.empty() ? std::string{} : diag.errors.front()));
    REQUIRE(cfg);
    return *cfg;
}

// Records what the pipeline asked of each piece.
struct Fake {
    std::optional<Config> next_config;  // what reading the configuration file gives
    int config_reads = 0;
    std::optional<std::string> map_file_text;  // nullopt: unreadable
    std::vector<std::string> map_paths;
    std::string build_error;  // non-empty: building the tables fails with it
    std::vector<std::shared_ptr<const xlat::Tables>> published;
    std::vector<PoolExclusions> exclusions;
    std::vector<std::pair<LogLevel, std::string>> logs;
    addr::DynamicPool* pool = nullptr;
    // The kernel fast path (with_fast_path): what it was given, and why it
    // was stopped.
    std::string fast_path_error;  // non-empty: publishing to it fails with it
    std::vector<std::pair<std::shared_ptr<const xlat::Tables>, std::vector<Prefix4>>> fast_published;
    std::vector<std::string> fast_stopped;

    ReloadPieces pieces(bool with_pool, bool with_fast_path = false) {
        ReloadPieces p;
        p.read_config = [this] {
            ++config_reads;
            return next_config;
        };
        p.read_map_file = [this](const std::string& path) -> common::Result<addr::MapFileResult> {
            map_paths.push_back(path);
            if (!map_file_text) return common::Error{"unable to open " + path + ": No such file or directory"};
            return addr::parse_map_file(*map_file_text, path);
        };
        p.build_tables = [this](const Config& cfg) -> common::Result<std::shared_ptr<const xlat::Tables>> {
            if (!build_error.empty()) return common::Error{build_error};
            return build_shared_tables(cfg, TablesEnv{pool, 1500u, nullptr});
        };
        if (with_pool) {
            p.exclude_from_pool = [this](const PoolExclusions& e) {
                exclusions.push_back(e);
                if (pool != nullptr) pool->set_exclusions(e.excluded4, e.excluded6);
            };
        }
        p.publish = [this](std::shared_ptr<const xlat::Tables> t) { published.push_back(std::move(t)); };
        p.log = [this](LogLevel level, const std::string& line) { logs.emplace_back(level, line); };
        if (with_fast_path) {
            p.publish_fast_path = [this](const xlat::Tables& t, const std::vector<Prefix4>& deny4) -> common::Status {
                // The workers have the same tables already.
                REQUIRE_FALSE(published.empty());
                CHECK(published.back().get() == &t);
                fast_published.emplace_back(published.back(), deny4);
                if (!fast_path_error.empty()) return common::Error{fast_path_error};
                return {};
            };
            p.stop_fast_path = [this](const std::string& why) { fast_stopped.push_back(why); };
        }
        return p;
    }

    [[nodiscard]] bool logged(LogLevel level, const std::string& line) const {
        return std::find(logs.begin(), logs.end(), std::pair{level, line}) != logs.end();
    }
};

Reloader make(Fake& fake, const Config& running, bool with_pool = false, std::string root = "") {
    return Reloader(fake.pieces(with_pool), kFile, running, running, std::move(root));
}

// The fast-path cases: a reloader with the kernel fast path's pieces,
// running kBase, about to read kBase with one more map.
struct FastPathReload {
    Fake fake;
    const Config running = parsed(kBase);
    Reloader r{fake.pieces(false, true), kFile, running, running, ""};

    FastPathReload() { fake.next_config = parsed(kBase + "map 198.51.100.11 2001:db8::11\n"); }
};

std::vector<std::string> names(const std::vector<std::string_view>& v) {
    return {v.begin(), v.end()};
}

}  // namespace

TEST_CASE("Reloader: a good configuration is applied, its tables published", "[daemon][reload]") {
    Fake fake;
    const auto running = parsed(kBase);
    auto r = make(fake, running);
    fake.next_config = parsed(kBase + "icmp-rate 10\nmap 198.51.100.11 2001:db8::11\n");
    const auto out = r.reload();
    CHECK(out.ok);
    CHECK(out.failure.empty());
    CHECK(out.mappings == 2u);
    CHECK(names(out.applied) == std::vector<std::string>{"map", "icmp-rate"});
    CHECK(out.restart.empty());
    REQUIRE(fake.published.size() == 1);
    CHECK(fake.published[0]->icmp_rate == 10u);
    CHECK(fake.published[0]->maps.map_4to6(*parse_ipv4("198.51.100.11")) == parse_ipv6("2001:db8::11"));
    CHECK(r.running().icmp_rate == 10u);
    CHECK(r.running().maps.size() == 2);
    CHECK(fake.map_paths.empty());  // no map-file configured
    CHECK(fake.logged(LogLevel::Info, "reload done: 2 mappings"));
    CHECK(format_reload_reply(out) == "ok: reloaded, 2 mappings\n");
}

TEST_CASE("Reloader: nothing changed still republishes the same settings", "[daemon][reload]") {
    Fake fake;
    const auto running = parsed(kBase);
    auto r = make(fake, running);
    fake.next_config = running;
    const auto out = r.reload();
    CHECK(out.ok);
    CHECK(out.applied.empty());
    CHECK(out.restart.empty());
    CHECK(fake.published.size() == 1);
    CHECK(config::changed_directives(r.running(), running).empty());
    CHECK(fake.logs == std::vector<std::pair<LogLevel, std::string>>{{LogLevel::Info, "reload done: 1 mappings"}});
    CHECK(format_reload_reply(out) == "ok: reloaded, 1 mappings\n");
}

TEST_CASE("Reloader: a refused configuration keeps the running one, nothing else is read", "[daemon][reload]") {
    Fake fake;
    const auto running = parsed(kBase + "map-file /var/lib/nat64d/maps.conf\n");
    auto r = make(fake, running, true);
    fake.next_config = std::nullopt;
    fake.map_file_text = "map 198.51.100.12 2001:db8::12\n";
    const auto out = r.reload();
    CHECK_FALSE(out.ok);
    CHECK(out.failure == "/etc/nat64d.conf: configuration refused (see the log)");
    CHECK(fake.config_reads == 1);
    CHECK(fake.map_paths.empty());
    CHECK(fake.published.empty());
    CHECK(fake.exclusions.empty());
    CHECK(config::changed_directives(r.running(), running).empty());
    CHECK(fake.logged(LogLevel::Err, "reload failed: configuration refused, keeping the running one"));
    CHECK(format_reload_reply(out) ==
          "error: reload failed, the running configuration and mappings stay: /etc/nat64d.conf: configuration "
          "refused (see the log)\n");
}

TEST_CASE("Reloader: an unreadable map-file keeps the running configuration and mappings", "[daemon][reload]") {
    Fake fake;
    const auto running = parsed(kBase + "map-file /var/lib/nat64d/maps.conf\n");
    auto r = make(fake, running, true);
    fake.next_config = parsed(kBase + "map-file /var/lib/nat64d/maps.conf\nicmp-rate 10\n");
    fake.map_file_text = std::nullopt;
    const auto out = r.reload();
    CHECK_FALSE(out.ok);
    CHECK(out.failure == "map-file: unable to open /var/lib/nat64d/maps.conf: No such file or directory");
    CHECK(fake.map_paths == std::vector<std::string>{"/var/lib/nat64d/maps.conf"});
    CHECK(fake.published.empty());
    CHECK(fake.exclusions.empty());
    CHECK(r.running().icmp_rate == running.icmp_rate);  // the new file's edit is not taken either
    CHECK(fake.logged(LogLevel::Err, "map-file: unable to open /var/lib/nat64d/maps.conf: No such file or directory"));
    CHECK(fake.logged(LogLevel::Err,
                      "reload failed: map-file unreadable, keeping the running configuration and mappings"));
}

TEST_CASE("Reloader: map-file lines join the maps; a clashing line is skipped and reported", "[daemon][reload]") {
    Fake fake;
    const auto running = parsed(kBase + "map-file /var/lib/nat64d/maps.conf\n");
    auto r = make(fake, running);
    fake.next_config = running;
    // Line 2 claims the IPv4 side of a tayga.conf map: skipped (TAYGA's conf-wins rule).
    fake.map_file_text = "map 198.51.100.12 2001:db8::12\nmap 198.51.100.10 2001:db8::99\n";
    const auto out = r.reload();
    CHECK(out.ok);
    CHECK(out.mappings == 2u);
    REQUIRE(out.skipped.size() == 1);
    CHECK(out.skipped[0].rfind("/var/lib/nat64d/maps.conf:2: ", 0) == 0);
    CHECK(fake.logged(LogLevel::Info, "reload done: 2 mappings, 1 map-file problem(s) skipped"));
    CHECK(format_reload_reply(out) == "ok: reloaded, 2 mappings\nmap-file lines skipped:\n  " + out.skipped[0] + "\n");
}

TEST_CASE("Reloader: chrooted, the configuration file is not read and map-file's path loses the root",
          "[daemon][reload]") {
    Fake fake;
    const auto running = parsed(kBase + "data-dir /var/lib/nat64d\nmap-file /var/lib/nat64d/maps.conf\n");
    auto r = make(fake, running, false, "/var/lib/nat64d");
    fake.map_file_text = "map 198.51.100.12 2001:db8::12\n";
    const auto out = r.reload();
    CHECK(out.ok);
    CHECK(fake.config_reads == 0);
    CHECK(fake.map_paths == std::vector<std::string>{"/maps.conf"});
    CHECK(out.mappings == 2u);
    CHECK(fake.logged(LogLevel::Info, "chrooted: reloading map-file only, /etc/nat64d.conf stays as it is"));
}

TEST_CASE("Reloader: changed restart-only settings keep their running values and are named", "[daemon][reload]") {
    Fake fake;
    const auto running = parsed(kBase + "workers 2\n");
    auto r = make(fake, running);
    fake.next_config = parsed(kBase + "workers 4\noffload no\nicmp-burst 5\n");
    const auto out = r.reload();
    CHECK(out.ok);
    CHECK(names(out.restart) == std::vector<std::string>{"workers", "offload"});
    CHECK(names(out.applied) == std::vector<std::string>{"icmp-burst"});
    CHECK(r.running().workers == 2u);
    CHECK(r.running().offload == running.offload);
    CHECK(r.running().icmp_burst == 5u);
    CHECK(fake.logged(LogLevel::Warning, "reload: workers changed, needs restart; keeping the running value"));
    CHECK(fake.logged(LogLevel::Warning, "reload: offload changed, needs restart; keeping the running value"));
    CHECK(fake.logged(LogLevel::Info, "reload done: 1 mappings, needs restart: workers, offload"));
    CHECK(format_reload_reply(out) ==
          "ok: reloaded, 1 mappings\nneeds restart, running value kept: workers, offload\n");
}

TEST_CASE("Reloader: tables that cannot be built refuse the reload before the pool is touched", "[daemon][reload]") {
    Fake fake;
    const auto running = parsed(kBase);
    auto r = make(fake, running, true);
    fake.next_config = parsed(kBase + "map 198.51.100.11 2001:db8::11\n");
    fake.build_error = "map 198.51.100.11: overlaps";
    const auto out = r.reload();
    CHECK_FALSE(out.ok);
    CHECK(out.failure == "map 198.51.100.11: overlaps");
    CHECK(fake.published.empty());
    CHECK(fake.exclusions.empty());
    CHECK(r.running().maps.size() == 1);
    CHECK(fake.logged(LogLevel::Err, "reload failed: map 198.51.100.11: overlaps"));
}

TEST_CASE_METHOD(FastPathReload, "Reloader: the kernel fast path gets the published tables and the deny4 list",
                 "[daemon][reload]") {
    fake.next_config = parsed(kBase + "deny4 203.0.113.0/24\nmap 198.51.100.11 2001:db8::11\n");
    const auto out = r.reload();
    CHECK(out.ok);
    REQUIRE(fake.fast_published.size() == 1);
    CHECK(fake.fast_published[0].first == fake.published[0]);
    CHECK(fake.fast_published[0].second == std::vector<Prefix4>{*parse_prefix4("203.0.113.0/24")});
    CHECK(fake.fast_stopped.empty());
    CHECK(out.fast_path_failure.empty());
    CHECK(format_reload_reply(out) == "ok: reloaded, 2 mappings\n");
}

TEST_CASE_METHOD(FastPathReload, "Reloader: a fast path that cannot take the new tables is detached; the reload stands",
                 "[daemon][reload]") {
    fake.fast_path_error = "kernel fast path: filling the map table: Cannot allocate memory";
    const auto out = r.reload();
    // The workers translate with the new tables; the program, which holds
    // the old ones, is stopped rather than kept.
    CHECK(out.ok);
    CHECK(fake.published.size() == 1);
    CHECK(r.running().maps.size() == 2);
    REQUIRE(fake.fast_stopped.size() == 1);
    CHECK(fake.fast_stopped[0] ==
          "publishing the reloaded tables failed: kernel fast path: filling the map table: Cannot allocate memory");
    CHECK(out.fast_path_failure == fake.fast_path_error);
    CHECK(fake.logged(LogLevel::Err,
                      "reload: the kernel fast path could not take the new tables (kernel fast path: filling the map "
                      "table: Cannot allocate memory); detaching it, translating through the TUN device only"));
    CHECK(format_reload_reply(out) ==
          "ok: reloaded, 2 mappings\nfast path detached (TUN-only now): kernel fast path: filling the map table: "
          "Cannot allocate memory\n");
}

TEST_CASE_METHOD(FastPathReload, "Reloader: a refused reload gives the fast path nothing", "[daemon][reload]") {
    fake.build_error = "map 198.51.100.11: overlaps";
    CHECK_FALSE(r.reload().ok);
    CHECK(fake.fast_published.empty());
    CHECK(fake.fast_stopped.empty());
}

TEST_CASE("Reloader: a new map revokes the lease on its IPv4 address before it translates (RFC 7757 §3.2)",
          "[daemon][reload]") {
    Fake fake;
    const auto running = parsed(kBase + "dynamic-pool 198.51.100.0/24\n");
    auto created = addr::DynamicPool::create(pool_options(running));
    REQUIRE(created);
    auto& pool = **created;
    pool.set_now(1000);
    const auto restored = pool.restore(
        {addr::LeaseRecord{*parse_ipv4("198.51.100.20"), *parse_ipv6("2001:db8:5::1"), 990, 0}}, "dynamic.map");
    REQUIRE(restored.loaded == 1u);
    (void)pool.take_events();
    fake.pool = &pool;
    auto r = make(fake, running, true);
    fake.next_config = parsed(kBase + "dynamic-pool 198.51.100.0/24\nmap 198.51.100.20 2001:db8::20\n");
    const auto out = r.reload();
    CHECK(out.ok);
    REQUIRE(fake.exclusions.size() == 1);
    const auto& e4 = fake.exclusions[0].excluded4;
    CHECK(std::find(e4.begin(), e4.end(), *parse_prefix4("198.51.100.20/32")) != e4.end());
    const auto events = pool.take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == addr::PoolEventKind::Revoked);
    CHECK(events[0].v4 == *parse_ipv4("198.51.100.20"));
    CHECK(pool.leases().empty());
    REQUIRE(fake.published.size() == 1);
    CHECK(fake.published[0]->maps.map_4to6(*parse_ipv4("198.51.100.20")) == parse_ipv6("2001:db8::20"));
}

TEST_CASE("merge_map_file: no map-file, nothing read", "[daemon][reload]") {
    const auto cfg = parsed(kBase);
    config::Diagnostics diag;
    int reads = 0;
    const auto merged = merge_map_file(
        cfg, "",
        [&](const std::string&) -> common::Result<addr::MapFileResult> {
            ++reads;
            return addr::MapFileResult{};
        },
        diag);
    REQUIRE(merged);
    CHECK(reads == 0);
    CHECK(merged->maps.size() == 1);
    CHECK(diag.errors.empty());
}

}  // namespace nat64d::daemon
