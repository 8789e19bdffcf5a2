// Reading the files an operator (or a local user) hands the daemon:
// tayga.conf / TOML configuration, map-file, dynamic.map; and replacing a
// file crash-safely (dynamic.map, metrics-file).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace nat64d::common {

// No configuration or lease file comes near this (a /16 pool's dynamic.map
// is about 4 MiB); anything larger is a mistake or an attack on memory.
inline constexpr std::size_t kMaxInputFileSize = std::size_t{16} << 20;

// The whole content of a regular file of at most `max` bytes. Anything else
// (a FIFO, which would block the reader, /dev/zero, which never ends, a
// directory, a socket) is refused before a byte is read; a FIFO or device
// is opened non-blocking so the check itself cannot hang. The error text
// does not name the file (the caller does): "cannot open: ...", "not a
// regular file (a FIFO)", "larger than 16 MiB". `open_errno` gets errno of
// a failed open(2), 0 otherwise.
[[nodiscard]] Result<std::string> read_input_file(const std::string& path, int* open_errno = nullptr,
                                                  std::size_t max = kMaxInputFileSize);

// Replaces `path` with `content` so that a crash, a full disk or any error
// leaves either the old file or the new one, never a mix: writes a new temp
// file with a random name (`.NAME.<16 hex digits>~`, created with O_EXCL
// and O_NOFOLLOW, so a planted symlink is never followed) in the same
// directory, fsyncs it, renames it over `path`, then fsyncs the directory so
// the rename itself is durable. On failure the temp file is removed and
// `path` is untouched.
[[nodiscard]] Status write_file_atomic(const std::string& path, std::string_view content);

}  // namespace nat64d::common
