#include "daemon/watchdog.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace nat64d::daemon {

std::optional<std::chrono::microseconds> watchdog_timeout(const char* usec, const char* pid, long self) {
    if (usec == nullptr || *usec == '\0') return std::nullopt;
    // sd_watchdog_enabled(3): WATCHDOG_PID names the process the timeout is
    // for; a child that inherited the variables must not ping.
    if (pid != nullptr && *pid != '\0') {
        char* end = nullptr;
        errno = 0;
        const long p = std::strtol(pid, &end, 10);
        if (errno != 0 || *end != '\0' || p != self) return std::nullopt;
    }
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(usec, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || *usec == '-') return std::nullopt;
    return std::chrono::microseconds(static_cast<std::int64_t>(v));
}

Watchdog::Watchdog(std::chrono::microseconds timeout, std::size_t workers, WatchdogClock::time_point now)
    : interval_(std::max(timeout / 2, std::chrono::microseconds(1))),
      // The first ping goes out on the first call: READY=1 has just been sent.
      last_ping_(now - interval_),
      seen_(workers, 0),
      moved_(workers, now) {}

bool Watchdog::should_ping(WatchdogClock::time_point now, std::span<const std::uint64_t> heartbeats) {
    stuck_.clear();
    for (std::size_t i = 0; i < seen_.size() && i < heartbeats.size(); ++i) {
        if (heartbeats[i] != seen_[i]) {
            seen_[i] = heartbeats[i];
            moved_[i] = now;
        } else if (now - moved_[i] >= interval_) {
            stuck_.push_back(i);
        }
    }
    if (!stuck_.empty() || now - last_ping_ < interval_) return false;
    last_ping_ = now;
    return true;
}

std::chrono::milliseconds Watchdog::poll_limit() const noexcept {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(interval_ / 2);
    return std::clamp(ms, std::chrono::milliseconds(1), std::chrono::milliseconds(1000));
}

}  // namespace nat64d::daemon
