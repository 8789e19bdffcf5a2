// dynamic.map, TAYGA's lease file, and crash-safe file writing.
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

// Replaces `path` with `content` so that a crash, a full disk or any error
// leaves either the old file or the new one, never a mix: writes a new temp
// file with a random name (`.NAME.<16 hex digits>~`, created with O_EXCL
// and O_NOFOLLOW, so a planted symlink is never followed) in the same
// directory, fsyncs it, renames it over `path`, then fsyncs the directory so
// the rename itself is durable. On failure the temp file is removed and
// `path` is untouched.
[[nodiscard]] common::Status write_file_atomic(const std::string& path, std::string_view content);

}  // namespace nat64d::addr
