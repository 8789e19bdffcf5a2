// systemd's watchdog (sd_watchdog_enabled(3), WatchdogSec= in the unit)
// without libsystemd: the main loop sends WATCHDOG=1 over $NOTIFY_SOCKET
// every half timeout, but only while every worker thread shows progress. A
// stuck worker (or a stuck main loop) thus stops the pings and systemd
// restarts the daemon.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace nat64d::daemon {

using WatchdogClock = std::chrono::steady_clock;

// $WATCHDOG_USEC when it is meant for this process ($WATCHDOG_PID unset or
// our pid) and a valid positive number; nullopt otherwise.
[[nodiscard]] std::optional<std::chrono::microseconds> watchdog_timeout(const char* usec, const char* pid, long self);

class Watchdog {
public:
    // `timeout`: systemd's WatchdogSec. Pings go out every timeout/2; a
    // worker whose heartbeat has not moved for timeout/2 counts as stuck.
    Watchdog(std::chrono::microseconds timeout, std::size_t workers, WatchdogClock::time_point now);

    // Called by the main loop on each wake-up with every worker's heartbeat
    // (io::Worker::heartbeat). True when WATCHDOG=1 is due now: a half
    // timeout has passed since the last ping and no heartbeat is stale.
    [[nodiscard]] bool should_ping(WatchdogClock::time_point now, std::span<const std::uint64_t> heartbeats);

    // How long the main loop may sleep in poll() without missing a ping.
    [[nodiscard]] std::chrono::milliseconds poll_limit() const noexcept;

    // The workers (by index) whose heartbeat was stale at the last call.
    [[nodiscard]] const std::vector<std::size_t>& stuck() const noexcept { return stuck_; }

private:
    std::chrono::microseconds interval_;
    WatchdogClock::time_point last_ping_;
    std::vector<std::uint64_t> seen_;
    std::vector<WatchdogClock::time_point> moved_;
    std::vector<std::size_t> stuck_;
};

}  // namespace nat64d::daemon
