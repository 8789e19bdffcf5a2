#include "common/log.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace nat64d::common {
namespace {

std::atomic<LogSink> g_sink{LogSink::Stderr};
std::atomic<int> g_max_level{static_cast<int>(LogLevel::Info)};
std::mutex g_write_mutex;  // one line at a time on stdout/stderr
std::string g_ident = "nat64d";
std::atomic<bool> g_journal_prefix{false};
// Entries with fields go to the journal's socket: the Journal sink, or
// stderr connected to the journal.
std::atomic<bool> g_fields_to_journal{false};
std::atomic<int> g_journal_fd{-1};

// systemd connects stderr to the journal and says so in $JOURNAL_STREAM
// ("DEV:INODE" of that stream). Then a "<N>" prefix (sd-daemon(3)) carries
// the syslog priority of each line into the journal.
bool stderr_is_journal() {
    const char* js = std::getenv("JOURNAL_STREAM");
    if (js == nullptr) return false;
    struct stat st;
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
    return dev == st.st_dev && ino == st.st_ino;
}

void write_line(std::FILE* to, std::string_view prefix, std::string_view message) {
    const std::lock_guard lock(g_write_mutex);
    std::fprintf(to, "%.*s%.*s\n", static_cast<int>(prefix.size()), prefix.data(), static_cast<int>(message.size()),
                 message.data());
    std::fflush(to);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    if (value.find('\n') == std::string_view::npos) {
        out.append("=").append(value).append("\n");
        return;
    }
    out.append("\n");
    std::uint64_t size = value.size();
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
    out.append(value).append("\n");
}

// One datagram per entry. The journal socket's receive buffer is what it is;
// a larger send buffer lets a burst wait instead of failing (as
// sd_journal_send does).
bool journal_send(LogLevel level, std::string_view message, std::span<const LogField> fields = {}) {
    const int fd = g_journal_fd.load();
    if (fd < 0) return false;
    const std::string entry = journal_entry(level, g_ident, static_cast<long>(::getpid()), message, fields);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, kJournalSocket, sizeof addr.sun_path - 1);
    return ::sendto(fd, entry.data(), entry.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr),
                    sizeof addr) == static_cast<ssize_t>(entry.size());
}

}  // namespace

std::string_view priority_name(LogLevel level) noexcept {
    switch (level) {
        case LogLevel::Crit: return "crit";
        case LogLevel::Err: return "err";
        case LogLevel::Warning: return "warning";
        case LogLevel::Notice: return "notice";
        case LogLevel::Info: return "info";
        case LogLevel::Debug: return "debug";
    }
    return "???";
}

std::string journal_entry(LogLevel level, std::string_view ident, long pid, std::string_view message,
                          std::span<const LogField> fields) {
    std::string out;
    append_field(out, "PRIORITY", std::to_string(static_cast<int>(level)));
    append_field(out, "SYSLOG_IDENTIFIER", ident);
    append_field(out, "SYSLOG_PID", std::to_string(pid));
    append_field(out, "MESSAGE", message);
    for (const auto& f : fields) append_field(out, f.name, f.value);
    return out;
}

void log_init(LogSink sink, LogLevel max_level, std::string_view ident) {
    g_ident = ident;
    g_max_level = static_cast<int>(max_level);
    if (sink == LogSink::Syslog) openlog(g_ident.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
    const bool stderr_journal = sink == LogSink::Stderr && stderr_is_journal();
    if ((sink == LogSink::Journal || stderr_journal) && g_journal_fd.load() < 0) {
        const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            const int size = 8 * 1024 * 1024;
            (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        }
        g_journal_fd = fd;
    }
    // When the journal cannot be reached, its entries fall back to stderr
    // with the sd-daemon prefixes, which a journal-connected stderr
    // understands and a terminal shows readably enough.
    g_journal_prefix = stderr_journal || sink == LogSink::Journal;
    g_fields_to_journal = stderr_journal || sink == LogSink::Journal;
    g_sink = sink;
}

bool log_enabled(LogLevel level) noexcept {
    return static_cast<int>(level) <= g_max_level.load();
}

void log_write(LogLevel level, std::string_view message) {
    switch (g_sink.load()) {
        case LogSink::Syslog:
            syslog(static_cast<int>(level), "%.*s", static_cast<int>(message.size()), message.data());
            return;
        case LogSink::Stdout: write_line(stdout, "[" + std::string(priority_name(level)) + "] ", message); return;
        case LogSink::Journal:
            if (journal_send(level, message)) return;
            break;
        case LogSink::Stderr: break;
    }
    if (g_journal_prefix.load()) {
        write_line(stderr, "<" + std::to_string(static_cast<int>(level)) + ">", message);
    } else {
        write_line(stderr, "", message);
    }
}

void log_write(LogLevel level, std::string_view message, std::span<const LogField> fields) {
    // Unreachable journal: the text alone, by the sink's usual way.
    if (g_fields_to_journal.load() && journal_send(level, message, fields)) return;
    log_write(level, message);
}

}  // namespace nat64d::common
