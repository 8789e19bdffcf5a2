#include "daemon/reloader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace nat64d::daemon {

std::optional<Config> merge_map_file(const Config& cfg, const std::string& path, const MapFileReader& read,
                                     config::Diagnostics& diag) {
    if (cfg.map_file.empty()) return cfg;
    const auto file = read(path);
    if (!file) {
        diag.errors.push_back("map-file: " + file.error());
        return std::nullopt;
    }
    auto applied = config::apply_map_file(cfg, *file);
    diag.errors.insert(diag.errors.end(), applied.diag.errors.begin(), applied.diag.errors.end());
    diag.warnings.insert(diag.warnings.end(), applied.diag.warnings.begin(), applied.diag.warnings.end());
    Config out = cfg;
    out.maps.insert(out.maps.end(), applied.entries.begin(), applied.entries.end());
    return out;
}

Reloader::Reloader(ReloadPieces pieces, std::string config_file, Config base, Config running, std::string root)
    : pieces_(std::move(pieces)),
      config_file_(std::move(config_file)),
      base_(std::move(base)),
      running_(std::move(running)),
      root_(std::move(root)) {}

void Reloader::say(common::LogLevel level, const std::string& line) const {
    if (pieces_.log) pieces_.log(level, line);
}

ReloadOutcome Reloader::reload() {
    using common::LogLevel;
    ReloadOutcome out;
    // In a chroot the configuration file is out of reach: only the
    // map-file (inside data-dir) is read again.
    std::optional<Config> next_base = root_.empty() ? pieces_.read_config() : base_;
    if (!root_.empty())
        say(LogLevel::Info, fmt::format("chrooted: reloading map-file only, {} stays as it is", config_file_));
    if (!next_base) {
        out.failure = config_file_ + ": configuration refused (see the log)";
        say(LogLevel::Err, "reload failed: configuration refused, keeping the running one");
        return out;
    }
    // An unreadable map-file refuses the whole reload: the running
    // mappings stay (TAYGA keeps them too).
    std::string path = next_base->map_file;
    if (!root_.empty() && path.rfind(root_, 0) == 0) path = path.substr(root_.size());
    config::Diagnostics diag;
    const std::optional<Config> next = merge_map_file(*next_base, path, pieces_.read_map_file, diag);
    for (const auto& w : diag.warnings) say(LogLevel::Warning, w);
    for (const auto& e : diag.errors) say(LogLevel::Err, e);
    if (!next) {
        out.failure = diag.errors.empty() ? "map-file unreadable" : diag.errors.front();
        say(LogLevel::Err, "reload failed: map-file unreadable, keeping the running configuration and mappings");
        return out;
    }
    // Sealed settings keep their running values, so that what runs is
    // what `nat64dctl config` shows.
    for (const auto name : config::changed_directives(running_, *next)) {
        (config::reload_class(name) == config::Reload::Restart ? out.restart : out.applied).push_back(name);
    }
    for (const auto name : out.restart)
        say(LogLevel::Warning, fmt::format("reload: {} changed, needs restart; keeping the running value", name));
    Config effective = *next;
    config::keep_sealed(effective, running_);
    auto tables = pieces_.build_tables(effective);
    if (!tables) {
        out.failure = tables.error();
        say(LogLevel::Err, "reload failed: " + tables.error());
        return out;
    }
    // Addresses that a new mapping claims leave the pool with their
    // leases before the mapping translates; those of removed mappings
    // return to it.
    if (pieces_.exclude_from_pool) pieces_.exclude_from_pool(pool_exclusions(effective));
    const std::shared_ptr<const xlat::Tables> published = std::move(tables).value();
    pieces_.publish(published);
    if (pieces_.publish_fast_path) {
        if (auto st = pieces_.publish_fast_path(*published, effective.deny4); !st) {
            out.fast_path_failure = st.error();
            say(LogLevel::Err, "reload: the kernel fast path could not take the new tables (" + st.error() +
                                   "); detaching it, translating through the TUN device only");
            if (pieces_.stop_fast_path) pieces_.stop_fast_path("publishing the reloaded tables failed: " + st.error());
        }
    }
    running_ = std::move(effective);
    base_ = std::move(*next_base);
    out.ok = true;
    out.mappings = running_.maps.size();
    out.skipped = std::move(diag.errors);
    std::string line = fmt::format("reload done: {} mappings", out.mappings);
    if (!out.skipped.empty()) line += fmt::format(", {} map-file problem(s) skipped", out.skipped.size());
    if (!out.restart.empty()) line += ", needs restart: " + fmt::format("{}", fmt::join(out.restart, ", "));
    say(LogLevel::Info, line);
    return out;
}

std::string format_reload_reply(const ReloadOutcome& o) {
    std::string out =
        o.ok ? fmt::format("ok: reloaded, {} mappings\n", o.mappings)
             : fmt::format("error: reload failed, the running configuration and mappings stay: {}\n", o.failure);
    if (!o.fast_path_failure.empty())
        out += fmt::format("fast path detached (TUN-only now): {}\n", o.fast_path_failure);
    if (!o.restart.empty()) out += fmt::format("needs restart, running value kept: {}\n", fmt::join(o.restart, ", "));
    if (!o.skipped.empty()) out += "map-file lines skipped:\n";
    for (const auto& line : o.skipped) out += "  " + line + "\n";
    return out;
}

}  // namespace nat64d::daemon
