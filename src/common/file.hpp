// Reading the files an operator (or a local user) hands the daemon:
// tayga.conf / TOML configuration, map-file, dynamic.map.
#pragma once

#include <cstddef>
#include <string>

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

}  // namespace nat64d::common
