// Log facade: one function family, four sinks (TAYGA's --syslog, --stdout,
// --journal, and stderr in the foreground). Never called on the packet path
// except through the rate-limited hooks of the worker.
#pragma once

#include <fmt/core.h>

#include <span>
#include <string>
#include <string_view>

namespace nat64d::common {

// syslog(3) priorities, so that the syslog sink passes them through and
// journald sees proper levels.
enum class LogLevel { Crit = 2, Err = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

enum class LogSink {
    Stderr,   // plain lines; "<N>" priority prefixes when stderr is the journal ($JOURNAL_STREAM),
              // and then entries with fields go to the journal's socket as with Journal
    Stdout,   // TAYGA's --stdout: "[info] message"
    Syslog,   // syslog(3), facility daemon
    Journal,  // systemd's native journal protocol (datagrams to kJournalSocket)
};

inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// Chooses the sink and the most verbose level printed. Thread-safe to call
// before workers start; log_write itself is thread-safe.
void log_init(LogSink sink, LogLevel max_level, std::string_view ident = "nat64d");
[[nodiscard]] bool log_enabled(LogLevel level) noexcept;
void log_write(LogLevel level, std::string_view message);

// A journal field of a structured entry: NAME=value, NAME in upper case
// letters, digits and '_' (systemd.journal-fields(7)), e.g. NAT64D_REASON.
struct LogField {
    std::string_view name;
    std::string_view value;
};

// A message with fields. Where the entry reaches the journal (the Journal
// sink, or stderr when it is the journal) the fields go with it through the
// native protocol, so that `journalctl NAT64D_REASON=spoofed-source`
// finds it; syslog, stdout and a plain stderr get the message text alone,
// as log_write() writes it.
void log_write(LogLevel level, std::string_view message, std::span<const LogField> fields);

template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
    if (log_enabled(level)) log_write(level, fmt::format(format, std::forward<Args>(args)...));
}

// syslog's name of a priority ("err", "info", ...), as TAYGA's --stdout prints it.
[[nodiscard]] std::string_view priority_name(LogLevel level) noexcept;

// One journal entry in the native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL):
// PRIORITY=, SYSLOG_IDENTIFIER=, SYSLOG_PID= and MESSAGE= fields, then
// `fields` in their order, each "NAME=value\n"; a value with a newline in
// it takes the protocol's binary-safe form "NAME\n" + 64-bit little-endian
// length + bytes + "\n".
[[nodiscard]] std::string journal_entry(LogLevel level, std::string_view ident, long pid, std::string_view message,
                                        std::span<const LogField> fields = {});

}  // namespace nat64d::common
