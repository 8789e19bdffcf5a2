#include "common/text.hpp"

#include <fmt/core.h>

namespace nat64d::common {

std::vector<std::string_view> split_words(std::string_view text) {
    const auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_blank(text[i])) ++i;
        const std::size_t start = i;
        while (i < text.size() && !is_blank(text[i])) ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
    return words;
}

std::string quote(std::string_view text) {
    std::string out = "'";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f || c == '\\') {
            out += fmt::format("\\x{:02x}", u);
        } else {
            out += c;
        }
    }
    out += '\'';
    return out;
}

unsigned first_nul_line(std::string_view text) {
    const auto nul = text.find('\0');
    if (nul == std::string_view::npos) return 0;
    unsigned line_no = 1;
    for (std::size_t i = 0; i < nul; ++i) line_no += text[i] == '\n';
    return line_no;
}

}  // namespace nat64d::common
