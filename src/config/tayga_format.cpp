// Parse pass for the tayga.conf(5) syntax. Like TAYGA: one directive per
// line, words separated by whitespace, '#' starts a comment anywhere on the
// line, directive names (and keyword values) compared in any case. Like
// TAYGA 0.9.5+, every line is read and every problem reported.
#include <fmt/core.h>

#include <vector>

#include "config/front_ends.hpp"

namespace nat64d::config::detail {
bool parse_tayga(std::string_view text, const std::string& name, Draft& draft, Diagnostics& diag) {
    common::for_each_config_line(
        text,
        [&](unsigned line_no, std::string_view line) {
            const auto words = split_words(line);
            if (words.empty()) return;

            const SourcePos pos{name, line_no};
            const std::string where = fmt::format("{}:{}", name, line_no);
            const Directive* d = find_directive(words[0]);
            if (d == nullptr) {
                diag.errors.push_back(fmt::format("{}: unknown directive {}", where, quote(words[0])));
                return;
            }
            apply_directive(*d, Args(words).subspan(1), pos, where, draft, diag);
        },
        [&](unsigned line_no) {
            diag.errors.push_back(
                fmt::format("{}:{}: NUL byte in a configuration line (a binary or damaged file?)", name, line_no));
        });
    return true;
}

}  // namespace nat64d::config::detail
