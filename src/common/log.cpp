#include "common/log.hpp"

#include <syslog.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace nat64d::common {
namespace {

std::atomic<LogSink> g_sink{LogSink::Stderr};
std::atomic<int> g_max_level{static_cast<int>(LogLevel::Info)};
std::mutex g_stderr_mutex;
std::string g_ident = "nat64d";

}  // namespace

void log_init(LogSink sink, LogLevel max_level, std::string_view ident) {
    g_ident = ident;
    g_max_level = static_cast<int>(max_level);
    if (sink == LogSink::Syslog) openlog(g_ident.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
    g_sink = sink;
}

bool log_enabled(LogLevel level) noexcept { return static_cast<int>(level) <= g_max_level.load(); }

void log_write(LogLevel level, std::string_view message) {
    if (g_sink.load() == LogSink::Syslog) {
        syslog(static_cast<int>(level), "%.*s", static_cast<int>(message.size()), message.data());
        return;
    }
    const std::lock_guard lock(g_stderr_mutex);
    std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
    std::fflush(stderr);
}

}  // namespace nat64d::common
