// A map-file's lines against the configuration and against each other, in
// file order, as TAYGA's map-file reload takes them (config.hpp,
// apply_map_file).
#include <fmt/core.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/front_ends.hpp"

namespace nat64d::config {
namespace {

// The maps in force while the file is read, indexed for the two clash
// rules: the same IPv4 prefix (exact lookup) and overlapping IPv6 sides.
// The IPv6 sides in the index never overlap each other (that is what the
// rules keep true), so the ones overlapping a new prefix P are those
// starting inside P, plus at most one starting before P: the nearest
// one, if it contains P's first address.
class MapIndex {
public:
    void insert(const MapEntry* e) {
        by_v4_.emplace(e->v4, e);
        by_v6_.emplace(e->v6.addr, e);
    }

    void erase(const MapEntry* e) {
        by_v4_.erase(e->v4);
        by_v6_.erase(e->v6.addr);
    }

    // Every entry that clashes with `m`, each once, earliest line first.
    [[nodiscard]] std::vector<const MapEntry*> clashes(const MapEntry& m) const {
        std::vector<const MapEntry*> out;
        if (const auto it = by_v4_.find(m.v4); it != by_v4_.end()) out.push_back(it->second);
        auto it = by_v6_.lower_bound(m.v6.addr);
        if (it != by_v6_.begin()) {
            const auto before = std::prev(it);
            if (before->second->v6.contains(m.v6.addr)) out.push_back(before->second);
        }
        for (; it != by_v6_.end() && m.v6.contains(it->first); ++it) out.push_back(it->second);
        // tayga.conf's first, then by line; the address breaks ties (several
        // TOML maps can share a line) so that duplicates end up adjacent.
        std::sort(out.begin(), out.end(), [](const MapEntry* a, const MapEntry* b) {
            if (a->from_map_file != b->from_map_file) return !a->from_map_file;
            if (a->pos.line != b->pos.line) return a->pos.line < b->pos.line;
            return std::less<const MapEntry*>{}(a, b);
        });
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

private:
    std::map<Prefix4, const MapEntry*> by_v4_;
    std::map<Ipv6Addr, const MapEntry*> by_v6_;
};

std::string describe(const MapEntry& e) {
    return fmt::format("map {} {}", detail::host_or_prefix(e.v4), detail::host_or_prefix(e.v6));
}

}  // namespace

MapFileApplied apply_map_file(const Config& cfg, const addr::MapFileResult& file) {
    struct Note {
        unsigned line;
        bool warning;
        std::string text;
    };
    std::vector<Note> notes;
    const auto skipped = [&notes](unsigned line, const std::string& text) {
        notes.push_back(Note{line, false, text + " (line skipped)"});
    };
    for (const auto& e : file.errors) skipped(e.line, e.text);
    for (const auto& w : file.warnings) notes.push_back(Note{w.line, true, w.text});

    MapIndex index;
    for (const MapEntry& m : cfg.maps) {
        if (!m.from_map_file) index.insert(&m);
    }
    std::vector<bool> live(file.entries.size(), false);
    for (std::size_t i = 0; i < file.entries.size(); ++i) {
        const MapEntry& m = file.entries[i];
        const std::string where = detail::at(m.pos, "");
        std::vector<std::string> refused = map_conflicts(cfg, m);
        const auto clashes = index.clashes(m);
        for (const MapEntry* c : clashes) {
            if (!c->from_map_file) refused.push_back(detail::map_clash_message(m, *c));
        }
        if (!refused.empty()) {
            for (const auto& r : refused) skipped(m.pos.line, where + r);
            continue;
        }
        // Only earlier map-file lines are left: the later line wins.
        for (const MapEntry* c : clashes) {
            notes.push_back(Note{
                m.pos.line, true,
                fmt::format("{}{} replaces {} at {}:{} ({}; the later line wins)", where, describe(m), describe(*c),
                            c->pos.file, c->pos.line, c->v4 == m.v4 ? "same IPv4 prefix" : "overlapping IPv6 sides")});
            index.erase(c);
            live[static_cast<std::size_t>(c - file.entries.data())] = false;
        }
        index.insert(&m);
        live[i] = true;
    }

    MapFileApplied out;
    for (std::size_t i = 0; i < file.entries.size(); ++i) {
        if (live[i]) out.entries.push_back(file.entries[i]);
    }
    std::stable_sort(notes.begin(), notes.end(), [](const Note& a, const Note& b) { return a.line < b.line; });
    for (auto& n : notes) (n.warning ? out.diag.warnings : out.diag.errors).push_back(std::move(n.text));
    return out;
}

}  // namespace nat64d::config
