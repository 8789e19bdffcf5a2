// systemd's readiness protocol (sd_notify(3)) without libsystemd: one
// datagram to $NOTIFY_SOCKET. A no-op when the variable is unset.
#pragma once

#include <string_view>

namespace nat64d::daemon {

// Sends e.g. "READY=1\nSTATUS=translating". Returns false if it could not.
bool notify(std::string_view state);

}  // namespace nat64d::daemon
