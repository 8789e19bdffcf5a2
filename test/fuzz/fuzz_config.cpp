// Fuzz targets fuzz_config_tayga and fuzz_config_toml (NAT64D_FUZZ_TOML 0
// or 1): any text as a configuration file in tayga.conf(5) syntax or in
// TOML. Invariants, besides the absence of memory and UB errors:
//  - a refused text reports at least one error; every message (error or
//    warning) starts with the file name and holds no control byte (bytes
//    from the file are escaped: a message cannot forge a log line);
//  - what an accepted text gives, printed as `nat64d --check-config` does
//    (to_tayga_syntax), is accepted by the tayga.conf reader with no
//    warning and gives the same settings (changed_directives() empty), and
//    printed again gives the same text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"

#ifndef NAT64D_FUZZ_TOML
#error "NAT64D_FUZZ_TOML must be 0 or 1"
#endif

namespace {

[[noreturn]] void violated(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "invariant violated: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

void check_messages(const nat64d::config::Diagnostics& diag, std::string_view name) {
    for (const auto* list : {&diag.errors, &diag.warnings}) {
        for (const auto& m : *list) {
            if (m.rfind(std::string(name) + ":", 0) != 0) violated("message without the file name", m);
            for (const char c : m) {
                const auto u = static_cast<unsigned char>(c);
                if (u < 0x20 || u == 0x7f) violated("unescaped control byte in a message", m);
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string name = NAT64D_FUZZ_TOML ? "fuzz.toml" : "fuzz.conf";
    nat64d::config::Diagnostics diag;
    const auto cfg = NAT64D_FUZZ_TOML ? nat64d::config::load_toml_text(text, name, {}, diag)
                                      : nat64d::config::load_tayga_text(text, name, {}, diag);
    check_messages(diag, name);
    if (!cfg) {
        if (diag.errors.empty()) violated("refused without an error");
        return 0;
    }
    if (!diag.errors.empty()) violated("accepted with errors", diag.errors.front());
    const std::string shown = nat64d::config::to_tayga_syntax(*cfg);
    nat64d::config::Diagnostics again_diag;
    const auto again = nat64d::config::load_tayga_text(shown, "effective.conf", {}, again_diag);
    if (!again) violated("the effective settings are refused", shown + "\n" + again_diag.errors.front());
    if (!again_diag.warnings.empty())
        violated("the effective settings read with a warning", again_diag.warnings.front());
    const auto changed = nat64d::config::changed_directives(*cfg, *again);
    if (!changed.empty())
        violated("the effective settings read back differ", std::string(changed.front()) + "\n" + shown);
    if (nat64d::config::to_tayga_syntax(*again) != shown) violated("the effective settings print differently", shown);
    return 0;
}
