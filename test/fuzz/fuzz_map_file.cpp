// Fuzz target fuzz_map_file: any text as a map-file, applied to a
// configuration with a prefix, both own addresses, a dynamic pool and two
// maps to clash with. Invariants, besides the absence of memory and UB
// errors:
//  - a map-file never stops anything: every message starts with its name
//    and holds no control byte;
//  - the lines kept are marked as map-file lines, clash neither with the
//    configuration (map_conflicts) nor with each other, and with the
//    configuration's own maps form a table the translator accepts;
//  - the lines kept, written out as `map` lines, read back to the same
//    entries with no message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "addr/map_file.hpp"
#include "addr/map_table.hpp"
#include "config/config.hpp"

namespace {

[[noreturn]] void violated(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "invariant violated: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

const nat64d::Config& base() {
    static const nat64d::Config cfg = [] {
        nat64d::config::Diagnostics diag;
        auto c = nat64d::config::load_tayga_text(
            "tun-device nat64\nipv4-addr 192.0.2.1\nipv6-addr 2001:db8:ff::1\nprefix 3fff:6464::/96\n"
            "dynamic-pool 198.51.100.0/24\nmap 192.0.2.0/28 2001:db8::/124\nmap 203.0.113.5 2001:db8:5::5\n",
            "base.conf", {}, diag);
        if (!c) violated("base configuration refused");
        return *c;
    }();
    return cfg;
}

void check_messages(const std::vector<std::string>& list) {
    for (const auto& m : list) {
        if (m.rfind("fuzz.map:", 0) != 0) violated("message without the file name", m);
        for (const char c : m) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f) violated("unescaped control byte in a message", m);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = nat64d::addr::parse_map_file(text, "fuzz.map");
    const auto applied = nat64d::config::apply_map_file(base(), parsed);
    check_messages(applied.diag.errors);
    check_messages(applied.diag.warnings);
    nat64d::addr::MapTable table;
    for (const auto& m : base().maps) {
        if (!table.add(m)) violated("base map refused");
    }
    std::string rewritten;
    for (const auto& m : applied.entries) {
        if (!m.from_map_file) violated("map-file entry not marked");
        if (!nat64d::config::map_conflicts(base(), m).empty())
            violated("map-file entry clashes with the configuration");
        if (!table.add(m)) violated("map-file entries clash");
        rewritten += "map " + to_string(m.v4) + " " + to_string(m.v6) + "\n";
    }
    const auto again = nat64d::addr::parse_map_file(rewritten, "fuzz.map");
    if (!again.errors.empty()) violated("kept lines written out are refused", again.errors.front().text);
    const auto applied_again = nat64d::config::apply_map_file(base(), again);
    if (!applied_again.diag.errors.empty() || applied_again.entries.size() != applied.entries.size()) {
        violated("kept lines written out apply differently", rewritten);
    }
    for (std::size_t i = 0; i < applied.entries.size(); ++i) {
        if (!(applied_again.entries[i] == applied.entries[i]))
            violated("kept lines written out read back differently", rewritten);
    }
    return 0;
}
