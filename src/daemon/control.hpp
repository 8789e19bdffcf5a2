// The control socket (nat64dctl): a Unix stream socket, one request line
// per connection, one reply, then close. Only root and the daemon's group
// (or control-group) can connect (mode 0660), so no further authentication
// is needed. Connections are served without blocking from the main loop:
// a slow or silent client never delays signals, saves or the tick.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "daemon/mappings.hpp"

namespace nat64d::daemon {

// Requests are at most this long; longer ones get an error reply.
inline constexpr std::size_t kMaxRequest = 1024;
// A connection has this long to send its request and take its reply.
inline constexpr std::chrono::milliseconds kRequestDeadline{2000};
// Connections served at once; more are closed as soon as accepted.
inline constexpr std::size_t kMaxClients = 8;

// What the bytes a connection sent so far amount to: not yet a request
// (wait for more), a request (the first line, or everything before the
// client closed its side), or one too long to serve.
struct Framed {
    enum class What { Wait, Request, TooLong } what = What::Wait;
    std::string_view request;  // What::Request: the line, without its '\n'
};
// `received`: every byte read so far; `eof`: the client closed its side.
[[nodiscard]] Framed frame_request(std::string_view received, bool eof);

// The requests nat64dctl sends (nat64dctl(8)).
struct ControlRequest {
    enum class Kind { Status, Stats, Metrics, Mappings, Config, Reload } kind = Kind::Status;
    bool json = false;                    // stats --json, mappings --json
    std::optional<AddressFilter> filter;  // mappings ADDRESS
};

// The request, or the error reply to send instead ("error: ...\n", bytes
// of the request quoted with control and non-ASCII bytes escaped).
[[nodiscard]] common::Result<ControlRequest> parse_request(std::string_view request);

class ControlServer {
public:
    using Clock = std::chrono::steady_clock;
    using Handler = std::function<std::string(std::string_view)>;

    // Binds `path`, mode 0660, owner root:`gid` when running as root. A
    // socket file left by a crash is replaced; one that a live daemon still
    // answers on (connect() succeeds) is an error, as is any other file.
    static common::Result<ControlServer> listen(const std::string& path, gid_t gid);

    ControlServer(ControlServer&& o) noexcept = default;
    ControlServer& operator=(ControlServer&&) = delete;
    ControlServer(const ControlServer&) = delete;
    ~ControlServer();  // closes and removes the socket file (see removable())

    // Whether the daemon, as it runs now, may remove the socket file at
    // exit: after -u/-g it holds no capability, so a directory it cannot
    // write to (root's /run/nat64d) keeps the file; the next start finds
    // nobody answering on it and replaces it.
    [[nodiscard]] bool removable() const noexcept;

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

    // Appends the listening socket and every open connection to `fds`, for
    // the caller's poll().
    void add_poll_fds(std::vector<pollfd>& fds) const;

    // Given the entries add_poll_fds() added (same order, revents filled):
    // accepts new connections (beyond kMaxClients they are closed at once),
    // reads what arrived, answers a complete request with handler(request),
    // writes what the socket takes, and closes connections that are done or
    // past kRequestDeadline. Never blocks, never throws on client errors.
    void on_poll(std::span<const pollfd> fds, const Handler& handler, Clock::time_point now);

    // Milliseconds until the next connection's deadline (at most `cap`).
    [[nodiscard]] int poll_timeout_ms(Clock::time_point now, int cap) const;

    [[nodiscard]] std::size_t clients() const noexcept { return clients_.size(); }
    // Connections refused because kMaxClients were open, and closed at their deadline.
    [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }
    [[nodiscard]] std::uint64_t timed_out() const noexcept { return timed_out_; }

private:
    struct Client {
        common::UniqueFd fd;
        Clock::time_point deadline;
        std::string in;
        std::string out;
        bool answered = false;  // `out` holds the whole reply
    };
    ControlServer(common::UniqueFd fd, std::string path, common::UniqueFd dir_fd)
        : fd_(std::move(fd)), path_(std::move(path)), dir_fd_(std::move(dir_fd)) {}
    void accept_all(Clock::time_point now);
    // Reads and answers; false when the connection is finished.
    bool serve(Client& c, short revents, const Handler& handler);
    common::UniqueFd fd_;
    std::vector<Client> clients_;
    std::uint64_t refused_ = 0;
    std::uint64_t timed_out_ = 0;
    std::string path_;
    // The socket's directory, opened before any chroot, so that the socket
    // file can still be removed from inside one (unlinkat).
    common::UniqueFd dir_fd_;
};

// Splits "/run/nat64d/x.sock" into its directory ("/run/nat64d") and name.
[[nodiscard]] std::pair<std::string, std::string> split_path(const std::string& path);

// Whether this process, with its current user, group and capabilities, may
// add and remove entries in the directory open as `dir_fd` (an O_PATH
// descriptor, usable also from inside a chroot).
[[nodiscard]] bool dir_writable(int dir_fd) noexcept;

// Client side (nat64dctl, tests): sends `request`, returns the whole reply.
[[nodiscard]] common::Result<std::string> control_request(const std::string& path, std::string_view request,
                                                          int timeout_ms = 5000);

// The default socket path: $RUNTIME_DIRECTORY (first entry), else
// /run/nat64d, plus "/TUN-DEVICE.sock" — one per instance. Outside the
// initial network namespace (where the same TUN name may exist in each
// namespace, and /run is shared) the namespace's inode is part of the
// name: "/TUN-DEVICE@net-INODE.sock".
[[nodiscard]] std::string default_control_socket(const std::string& tun_device);

// The name for a network namespace with inode `netns` (0: the initial one).
[[nodiscard]] std::string control_socket_name(const std::string& dir, const std::string& tun_device,
                                              unsigned long netns);

// nat64dctl: the socket of a daemon in our network namespace. As
// default_control_socket(), but when /proc/1/ns/net cannot be read (the
// daemon may have read it where we cannot) a socket named after our own
// namespace is preferred if it exists.
[[nodiscard]] std::string find_control_socket(const std::string& tun_device);

}  // namespace nat64d::daemon
