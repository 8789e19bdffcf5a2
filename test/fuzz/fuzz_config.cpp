// Fuzz target: any text through both configuration front ends, and as a
// map-file. Invariants: a refused text reports at least one error and every
// error starts with the file name; an accepted one prints settings that are
// accepted again. A map-file never fails: every message starts with its
// name, and the lines it keeps, with the configuration's own maps, form a
// table the translator accepts (no clash left).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "addr/map_file.hpp"
#include "addr/map_table.hpp"
#include "config/config.hpp"

namespace {

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
}

void check(const std::optional<nat64d::Config>& cfg, const nat64d::config::Diagnostics& diag, std::string_view name) {
    if (!cfg) {
        if (diag.errors.empty()) violated("refused without an error");
        for (const auto& e : diag.errors) {
            if (e.rfind(name, 0) != 0) violated("error without the file name");
        }
        return;
    }
    nat64d::config::Diagnostics again;
    if (!nat64d::config::load_tayga_text(nat64d::config::to_tayga_syntax(*cfg), "effective.conf", {}, again)) {
        violated("effective settings refused");
    }
}

// The configuration a fuzzed map-file is applied to: a prefix, both own
// addresses, a pool and two maps to clash with.
const nat64d::Config& map_file_base() {
    static const nat64d::Config cfg = [] {
        nat64d::config::Diagnostics diag;
        auto c = nat64d::config::load_tayga_text(
            "tun-device nat64\nipv4-addr 192.0.2.1\nipv6-addr 2001:db8:ff::1\nprefix 3fff:6464::/96\n"
            "dynamic-pool 198.51.100.0/24\nmap 192.0.2.0/28 2001:db8::/124\nmap 203.0.113.5 2001:db8:5::5\n",
            "base.conf", {}, diag);
        if (!c) violated("map-file base configuration refused");
        return *c;
    }();
    return cfg;
}

void check_map_file(std::string_view text) {
    const nat64d::Config& base = map_file_base();
    const auto applied = nat64d::config::apply_map_file(base, nat64d::addr::parse_map_file(text, "fuzz.map"));
    for (const auto* list : {&applied.diag.errors, &applied.diag.warnings}) {
        for (const auto& m : *list) {
            if (m.rfind("fuzz.map:", 0) != 0) violated("map-file message without the file name");
        }
    }
    nat64d::addr::MapTable table;
    for (const auto& m : base.maps) {
        if (!table.add(m)) violated("base map refused");
    }
    for (const auto& m : applied.entries) {
        if (!m.from_map_file) violated("map-file entry not marked");
        if (!nat64d::config::map_conflicts(base, m).empty()) violated("map-file entry clashes with the configuration");
        if (!table.add(m)) violated("map-file entries clash");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    nat64d::config::Diagnostics d1, d2;
    check(nat64d::config::load_tayga_text(text, "fuzz.conf", {}, d1), d1, "fuzz.conf");
    check(nat64d::config::load_toml_text(text, "fuzz.toml", {}, d2), d2, "fuzz.toml");
    check_map_file(text);
    return 0;
}
