// Small text helpers shared by the configuration front ends, the map-file
// and dynamic.map readers and the control socket.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nat64d::common {

// Words separated by blanks (space, tab, CR, VT, FF), as TAYGA's
// strtok-based parser splits a line.
[[nodiscard]] std::vector<std::string_view> split_words(std::string_view text);

// "'text'" for messages, with control and non-ASCII bytes shown as \xNN so
// that a message about a bad byte is itself readable.
[[nodiscard]] std::string quote(std::string_view text);

// Calls f(line_number, line) for every line of `text` (1-based numbers,
// "\n" separated, the '#' comment cut off), the way tayga.conf is read. A
// line holding a NUL byte goes to on_nul(line_number) instead: TAYGA's C
// reader would see the line end there, we would not, so such a line is an
// error rather than a silent difference.
template <typename F, typename G>
void for_each_config_line(std::string_view text, F&& f, G&& on_nul) {
    unsigned line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto eol = text.find('\n');
        const std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        if (line.find('\0') != std::string_view::npos) {
            on_nul(line_no);
        } else {
            f(line_no, line.substr(0, line.find('#')));
        }
    }
}

// The 1-based number of the first line holding a NUL byte, 0 if none.
[[nodiscard]] unsigned first_nul_line(std::string_view text);

}  // namespace nat64d::common
