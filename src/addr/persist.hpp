// dynamic.map, TAYGA's lease file (written with common::write_file_atomic).
//
// The format, as TAYGA 0.9.2 writes it: a block of `###` comment lines
// (title, "Last written:" date), a blank line, then one lease per line,
// `IPv4<TAB>IPv6<TAB>last-use` with last-use in Unix seconds. TAYGA reads
// the fields split on any whitespace and skips blank lines and lines whose
// first word starts with `#`; so do we.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/dynamic_pool.hpp"
#include "common/result.hpp"

namespace nat64d::addr {

struct DynamicMapFile {
    std::vector<LeaseRecord> records;  // well-formed lines, in file order, with their line numbers
    // "NAME:LINE: ignoring malformed line: ..." for the first
    // kMaxMalformedMessages other lines, then "NAME: ... and K more
    // malformed lines ignored".
    std::vector<std::string> messages;
    std::size_t malformed = 0;  // lines ignored
};

inline constexpr std::size_t kMaxMalformedMessages = 20;

// Never fails: a malformed line is reported and skipped.
[[nodiscard]] DynamicMapFile parse_dynamic_map(std::string_view content, std::string_view name);

// The file's text: the comment header (with `now` as the write time, in UTC)
// and one line per record, in the given order.
[[nodiscard]] std::string format_dynamic_map(const std::vector<LeaseRecord>& records, std::int64_t now);

// The whole file, or nullopt when it does not exist; a file that is not a
// regular one or is over common::kMaxInputFileSize is an error.
[[nodiscard]] common::Result<std::optional<std::string>> read_text_file(const std::string& path);

}  // namespace nat64d::addr
