// Entry points: read a file, pick the syntax, run the parse pass and then
// the validation pass, hand out a Config only when nothing was wrong.
#include "config/config.hpp"

#include <fmt/core.h>

#include "common/file.hpp"
#include "common/text.hpp"
#include "config/front_ends.hpp"

namespace nat64d::config {
namespace {

using ParseFn = bool (*)(std::string_view, const std::string&, detail::Draft&, Diagnostics&);

std::optional<Config> load(ParseFn parse, std::string_view text, const std::string& name, const Environment& env,
                           Diagnostics& diag) {
    const std::size_t errors_before = diag.errors.size();
    if (const unsigned nul = common::first_nul_line(text); nul != 0) {
        diag.errors.push_back(
            fmt::format("{}:{}: NUL byte in a configuration line (a binary or damaged file?)", name, nul));
        return std::nullopt;
    }
    detail::Draft draft;
    draft.cfg.source_file = name;
    if (parse(text, name, draft, diag)) detail::validate(draft, env, diag);
    if (diag.errors.size() != errors_before) return std::nullopt;
    return std::move(draft.cfg);
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::optional<Config> load_tayga_text(std::string_view text, const std::string& name, const Environment& env,
                                      Diagnostics& diag) {
    return load(detail::parse_tayga, text, name, env, diag);
}

std::optional<Config> load_toml_text(std::string_view text, const std::string& name, const Environment& env,
                                     Diagnostics& diag) {
    return load(detail::parse_toml, text, name, env, diag);
}

std::optional<Config> load_file(const std::string& path, const Environment& env, Diagnostics& diag) {
    auto text = common::read_input_file(path);
    if (!text) {
        diag.errors.push_back(fmt::format("{}: {}", path, text.error()));
        return std::nullopt;
    }
    if (ends_with(path, ".toml")) return load_toml_text(*text, path, env, diag);
    return load_tayga_text(*text, path, env, diag);
}

}  // namespace nat64d::config
