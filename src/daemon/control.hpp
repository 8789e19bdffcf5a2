// The control socket (nat64dctl): a Unix stream socket, one request line
// per connection, one reply, then close. Only root and the daemon's group
// can connect (mode 0660), so no further authentication is needed.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace nat64d::daemon {

// Requests are at most this long; longer ones get an error reply.
inline constexpr std::size_t kMaxRequest = 1024;

class ControlServer {
public:
    // Binds `path` (a stale socket file is replaced, any other file is an
    // error), mode 0660, owner root:`gid` when running as root.
    static common::Result<ControlServer> listen(const std::string& path, gid_t gid);

    ControlServer(ControlServer&& o) noexcept;
    ControlServer& operator=(ControlServer&&) = delete;
    ControlServer(const ControlServer&) = delete;
    ~ControlServer();  // closes and removes the socket file

    [[nodiscard]] int fd() const noexcept { return fd_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

    // Accepts one pending connection, reads its request (1 s timeout),
    // writes handler(request) and closes. Never throws on client errors.
    void serve_one(const std::function<std::string(std::string_view)>& handler) const;

private:
    ControlServer(int fd, std::string path, int dir_fd) : fd_(fd), path_(std::move(path)), dir_fd_(dir_fd) {}
    int fd_ = -1;
    std::string path_;
    // The socket's directory, opened before any chroot, so that the socket
    // file can still be removed from inside one (unlinkat).
    int dir_fd_ = -1;
};

// Splits "/run/nat64d/x.sock" into its directory ("/run/nat64d") and name.
[[nodiscard]] std::pair<std::string, std::string> split_path(const std::string& path);

// Client side (nat64dctl, tests): sends `request`, returns the whole reply.
[[nodiscard]] common::Result<std::string> control_request(const std::string& path, std::string_view request,
                                                          int timeout_ms = 5000);

// The default socket path: $RUNTIME_DIRECTORY (first entry), else
// /run/nat64d, plus "/TUN-DEVICE.sock" — one per instance.
[[nodiscard]] std::string default_control_socket(const std::string& tun_device);

}  // namespace nat64d::daemon
