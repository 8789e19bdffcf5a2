// Reload (SIGHUP, `nat64dctl reload`) as one component over injected
// pieces, so that every outcome is unit-tested without files, netlink or
// threads. The pipeline:
//   configuration file -> map-file merge -> sealed settings kept ->
//   tables built -> pool exclusions -> tables published.
// Any step that fails refuses the whole reload: nothing after it runs and
// the running configuration, mappings and tables stay.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/map_file.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "config/config.hpp"
#include "daemon/tables_builder.hpp"
#include "nat64d/config.hpp"
#include "xlat/xlat.hpp"

namespace nat64d::daemon {

// map-file: its lines join the configuration's own maps as
// config::apply_map_file says (a malformed line, or one that clashes with
// tayga.conf, is skipped with an error in `diag`; a later line replaces an
// earlier one it clashes with). nullopt only when `read` cannot read the
// file (the reason in `diag.errors`): fatal at start (as TAYGA), the
// running mappings stay on reload. `path` is where the file is now (it
// differs from cfg.map_file after a chroot).
using MapFileReader = std::function<common::Result<addr::MapFileResult>(const std::string& path)>;
[[nodiscard]] std::optional<Config> merge_map_file(const Config& cfg, const std::string& path,
                                                   const MapFileReader& read, config::Diagnostics& diag);

// The pieces a reload uses, each replaceable by a test.
struct ReloadPieces {
    // Reads and validates the configuration file, reporting its diagnostics;
    // nullopt: refused. Not called when chrooted (the file is out of reach:
    // the running file's settings are taken again).
    std::function<std::optional<Config>()> read_config;
    MapFileReader read_map_file;
    // Builds the tables of the new configuration (routes and MTU are the
    // caller's; tables_builder.hpp).
    std::function<common::Result<std::shared_ptr<const xlat::Tables>>(const Config&)> build_tables;
    // The new exclusions handed to the dynamic pool (leases on newly mapped
    // addresses are revoked there). Not set: no dynamic-pool.
    std::function<void(const PoolExclusions&)> exclude_from_pool;
    std::function<void(std::shared_ptr<const xlat::Tables>)> publish;
    // The kernel fast path (daemon/fast_path.hpp), given the same tables
    // right after the workers (and the configuration's deny4 list, which
    // built t.deny4). When it fails, stop_fast_path detaches the program
    // (TUN-only from then on) rather than leave it translating with the
    // old tables; the reload itself stands: the workers have the new ones.
    // Not set: no fast path running.
    std::function<common::Status(const xlat::Tables&, const std::vector<Prefix4>& deny4)> publish_fast_path;
    std::function<void(const std::string& why)> stop_fast_path;
    // Where the reload's log lines go.
    std::function<void(common::LogLevel, const std::string&)> log;
};

// What one reload did, for the log and the `nat64dctl reload` reply.
struct ReloadOutcome {
    bool ok = false;
    std::string failure;                    // why it was refused (ok false)
    std::vector<std::string> skipped;       // map-file lines skipped (ok true)
    std::vector<std::string_view> restart;  // changed settings that need a restart, kept at running values
    std::vector<std::string_view> applied;  // changed settings the reload applied (directive names)
    std::size_t mappings = 0;               // maps in force afterwards
    std::string fast_path_failure;          // the fast path was detached: why (ok true)
};

class Reloader {
public:
    // `base`: the configuration file as read at start; `running`: base plus
    // its map-file's entries, in force. `root`: data-dir when chrooted into
    // it (stripped from map-file's path), else empty.
    // `config_file` names the file in log lines and replies.
    Reloader(ReloadPieces pieces, std::string config_file, Config base, Config running, std::string root);

    ReloadOutcome reload();

    [[nodiscard]] const Config& running() const noexcept { return running_; }
    [[nodiscard]] const Config& base() const noexcept { return base_; }
    [[nodiscard]] bool chrooted() const noexcept { return !root_.empty(); }

private:
    void say(common::LogLevel level, const std::string& line) const;

    ReloadPieces pieces_;
    std::string config_file_;
    Config base_;
    Config running_;
    std::string root_;
};

// The `nat64dctl reload` reply: the outcome, the settings that wait for a
// restart, then every map-file line skipped.
[[nodiscard]] std::string format_reload_reply(const ReloadOutcome& outcome);

}  // namespace nat64d::daemon
