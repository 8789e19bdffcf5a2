// Log facade: one function family, two sinks (stderr in the foreground,
// syslog when detached). Never called on the packet path except through the
// rate-limited hooks of the worker.
#pragma once

#include <fmt/core.h>

#include <string_view>

namespace nat64d::common {

// syslog(3) priorities, so that the syslog sink passes them through and
// journald sees proper levels.
enum class LogLevel { Crit = 2, Err = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

enum class LogSink { Stderr, Syslog };

// Chooses the sink and the most verbose level printed. Thread-safe to call
// before workers start; log_write itself is thread-safe.
void log_init(LogSink sink, LogLevel max_level, std::string_view ident = "nat64d");
[[nodiscard]] bool log_enabled(LogLevel level) noexcept;
void log_write(LogLevel level, std::string_view message);

template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
    if (log_enabled(level)) log_write(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace nat64d::common
