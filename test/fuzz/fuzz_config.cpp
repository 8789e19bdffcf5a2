// Fuzz target: any text through both configuration front ends. Invariants:
// a refused text reports at least one error and every error starts with the
// file name; an accepted one prints settings that are accepted again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    nat64d::config::Diagnostics d1, d2;
    check(nat64d::config::load_tayga_text(text, "fuzz.conf", {}, d1), d1, "fuzz.conf");
    check(nat64d::config::load_toml_text(text, "fuzz.toml", {}, d2), d2, "fuzz.toml");
    return 0;
}
