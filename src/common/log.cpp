#include "common/log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace nat64d::common {
namespace {

std::atomic<LogSink> g_sink{LogSink::Stderr};
std::atomic<int> g_max_level{static_cast<int>(LogLevel::Info)};
std::mutex g_stderr_mutex;
std::string g_ident = "nat64d";
std::atomic<bool> g_journal_prefix{false};

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

}  // namespace

void log_init(LogSink sink, LogLevel max_level, std::string_view ident) {
    g_ident = ident;
    g_max_level = static_cast<int>(max_level);
    if (sink == LogSink::Syslog) openlog(g_ident.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
    g_journal_prefix = sink == LogSink::Stderr && stderr_is_journal();
    g_sink = sink;
}

bool log_enabled(LogLevel level) noexcept { return static_cast<int>(level) <= g_max_level.load(); }

void log_write(LogLevel level, std::string_view message) {
    if (g_sink.load() == LogSink::Syslog) {
        syslog(static_cast<int>(level), "%.*s", static_cast<int>(message.size()), message.data());
        return;
    }
    const std::lock_guard lock(g_stderr_mutex);
    if (g_journal_prefix.load()) {
        std::fprintf(stderr, "<%d>%.*s\n", static_cast<int>(level), static_cast<int>(message.size()), message.data());
    } else {
        std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
    }
    std::fflush(stderr);
}

}  // namespace nat64d::common
