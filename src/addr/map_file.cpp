#include "addr/map_file.hpp"

#include <fmt/format.h>

#include <strings.h>

#include "addr/persist.hpp"
#include "addr/special.hpp"
#include "common/text.hpp"

namespace nat64d::addr {
namespace {

using common::quote;
using common::split_words;

bool equals_ignore_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

common::Result<MapEntry> parse_map(std::string_view a4, std::string_view a6, const SourcePos& pos) {
    const auto v4 = parse_prefix4(a4, /*allow_host_bits=*/true);
    if (!v4) return common::Error{"expected an IPv4 address or subnet but found " + quote(a4)};
    if (!parse_prefix4(a4)) return common::Error{quote(a4) + " has host bits set"};
    const auto v6 = parse_prefix6(a6, /*allow_host_bits=*/true);
    if (!v6) return common::Error{"expected an IPv6 address or subnet but found " + quote(a6)};
    if (!parse_prefix6(a6)) return common::Error{quote(a6) + " has host bits set"};
    // RFC 7757 §3.2: the host part is carried over bit for bit.
    if (32 - v4->len != 128 - v6->len)
        return common::Error{fmt::format("IPv4 and IPv6 subnet must be of the same size, but found {} and {}",
                                         to_string(*v4), to_string(*v6))};
    // TAYGA looks at the address the prefix starts with; the packet path
    // drops reserved addresses whatever the map says (special.hpp).
    if (is_reserved_ipv4(v4->addr))
        return common::Error{fmt::format("Cannot use reserved address {} in map directive", to_string(v4->addr))};
    if (is_reserved_ipv6(v6->addr))
        return common::Error{fmt::format("Cannot use reserved address {} in map directive", to_string(v6->addr))};
    return MapEntry{{*v4, *v6}, pos};
}

std::string map_caution(const MapEntry& entry) {
    if (!is_link_local_ipv4(entry.v4.addr)) return {};
    return fmt::format("Using link-local address {} in map directive, use with caution", to_string(entry.v4.addr));
}

MapFileResult parse_map_file(std::string_view content, const std::string& name) {
    MapFileResult out;
    common::for_each_config_line(
        content,
        [&](unsigned line_no, std::string_view line) {
            const auto words = split_words(line);
            if (words.empty()) return;
            const std::string where = fmt::format("{}:{}", name, line_no);
            const auto error = [&](std::string message) {
                out.errors.push_back(MapFileNote{line_no, fmt::format("{}: {}", where, message)});
            };
            if (!equals_ignore_case(words[0], "map")) {
                error(fmt::format("{} is not allowed in a map-file (only map lines are)", quote(words[0])));
                return;
            }
            if (words.size() != 3) {
                error(fmt::format("map: incorrect number of arguments (expected 2, found {})", words.size() - 1));
                return;
            }
            auto entry = parse_map(words[1], words[2], SourcePos{name, line_no});
            if (!entry) {
                error("map: " + entry.error());
                return;
            }
            entry->from_map_file = true;
            if (auto caution = map_caution(*entry); !caution.empty())
                out.warnings.push_back(MapFileNote{line_no, fmt::format("{}: {}", where, caution)});
            out.entries.push_back(std::move(*entry));
        },
        [&](unsigned line_no) {
            out.errors.push_back(MapFileNote{
                line_no, fmt::format("{}:{}: NUL byte in a map-file line (a binary or damaged file?)", name, line_no)});
        });
    return out;
}

common::Result<MapFileResult> read_map_file(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) return common::Error{text.error()};
    if (!text->has_value()) return common::Error{fmt::format("unable to open {}: No such file or directory", path)};
    return parse_map_file(**text, path);
}

}  // namespace nat64d::addr
