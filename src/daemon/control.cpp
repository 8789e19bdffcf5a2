#include "daemon/control.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/text.hpp"

namespace nat64d::daemon {
namespace {

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

bool fill_addr(const std::string& path, sockaddr_un& addr) {
    std::memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
}

// One try to tell a client why it is closed; never waits.
void write_all_nonblocking(int fd, std::string_view data) {
    (void)!::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// Writes all of `data`, giving up on errors (a client that went away).
void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            return;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

common::Result<ControlServer> ControlServer::listen(const std::string& path, gid_t gid) {
    sockaddr_un addr;
    if (!fill_addr(path, addr)) return common::Error{"control-socket " + path + ": path too long"};
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) {
        // Left behind by a crash: replace it. Anything else is not ours,
        // and a socket that answers belongs to a running daemon (perhaps
        // one in another network namespace with the same tun-device).
        if (!S_ISSOCK(st.st_mode)) return common::Error{"control-socket " + path + ": exists and is not a socket"};
        common::UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!probe) return common::Error{errno_text("control-socket socket")};
        const bool alive = ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
        probe.reset();
        if (alive)
            return common::Error{"control-socket " + path +
                                 ": another nat64d answers on it; give this one its own control-socket"};
        ::unlink(path.c_str());
    }
    common::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return common::Error{errno_text("control-socket socket")};
    // Created with no permissions for others from the first instant.
    const mode_t old_mask = ::umask(0117);
    const int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ::umask(old_mask);
    if (rc != 0 || ::listen(fd.get(), 16) != 0) return common::Error{errno_text("control-socket " + path)};
    if (::geteuid() == 0 && ::chown(path.c_str(), 0, gid) != 0) {
        auto err = common::Error{errno_text("control-socket chown " + path)};
        fd.reset();
        ::unlink(path.c_str());
        return err;
    }
    ::chmod(path.c_str(), 0660);
    common::UniqueFd dir_fd(::open(split_path(path).first.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    return ControlServer(std::move(fd), path, std::move(dir_fd));
}

ControlServer::~ControlServer() {
    if (!fd_) return;  // moved from
    fd_.reset();
    if (dir_fd_) {
        ::unlinkat(dir_fd_.get(), split_path(path_).second.c_str(), 0);
    } else {
        ::unlink(path_.c_str());
    }
}

bool ControlServer::removable() const noexcept {
    return dir_fd_ && dir_writable(dir_fd_.get());
}

bool dir_writable(int dir_fd) noexcept {
    // AT_EACCESS: the effective ids and capabilities, which are what
    // unlinkat() will be judged by.
    return dir_fd >= 0 && ::faccessat(dir_fd, ".", W_OK | X_OK, AT_EACCESS) == 0;
}

std::pair<std::string, std::string> split_path(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

void ControlServer::add_poll_fds(std::vector<pollfd>& fds) const {
    fds.push_back({fd_.get(), POLLIN, 0});
    for (const auto& c : clients_) fds.push_back({c.fd.get(), static_cast<short>(c.answered ? POLLOUT : POLLIN), 0});
}

void ControlServer::accept_all(Clock::time_point now) {
    while (true) {
        common::UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!c) return;  // EAGAIN: none left (or the client already went)
        if (clients_.size() >= kMaxClients) {
            // A client that opens many connections only loses its own.
            write_all_nonblocking(c.get(), "error: too many connections\n");
            ++refused_;
            continue;
        }
        clients_.push_back(Client{std::move(c), now + kRequestDeadline, {}, {}, false});
    }
}

Framed frame_request(std::string_view received, bool eof) {
    const auto nl = received.find('\n');
    // A line that ends within kMaxRequest bytes is served even when the
    // client sent more behind it; one that does not is refused.
    if (received.size() > kMaxRequest && (nl == std::string_view::npos || nl > kMaxRequest)) {
        return Framed{Framed::What::TooLong, {}};
    }
    if (nl != std::string_view::npos || eof) return Framed{Framed::What::Request, received.substr(0, nl)};
    return Framed{};
}

common::Result<ControlRequest> parse_request(std::string_view request) {
    using Kind = ControlRequest::Kind;
    const auto words = common::split_words(request);
    if (words.empty()) return common::Error{"error: empty request\n"};
    const auto& cmd = words[0];
    const bool json = words.size() == 2 && words[1] == "--json";
    const bool plain = words.size() == 1;
    if (cmd == "status" && plain) return ControlRequest{Kind::Status, false, {}};
    if (cmd == "stats" && (plain || json)) return ControlRequest{Kind::Stats, json, {}};
    if (cmd == "metrics" && plain) return ControlRequest{Kind::Metrics, false, {}};
    if (cmd == "config" && plain) return ControlRequest{Kind::Config, false, {}};
    if (cmd == "reload" && plain) return ControlRequest{Kind::Reload, false, {}};
    if (cmd == "mappings" && words.size() <= 3) {
        // `mappings [ADDRESS] [--json]`, in either order.
        ControlRequest r{Kind::Mappings, false, {}};
        for (std::size_t i = 1; i < words.size(); ++i) {
            if (words[i] == "--json" && !r.json) {
                r.json = true;
            } else if (!r.filter) {
                r.filter = parse_address_filter(words[i]);
                if (!r.filter) {
                    return common::Error{"error: mappings: " + common::quote(words[i]) +
                                         " is not an IPv4 or IPv6 address\n"};
                }
            } else {
                return common::Error{"error: mappings takes one address and --json at most\n"};
            }
        }
        return r;
    }
    // The request is quoted (control bytes escaped): a client cannot make
    // the reply, or a log line that shows it, say something else.
    return common::Error{"error: unknown request " + common::quote(request.substr(0, 64)) +
                         " (expected status, stats [--json], mappings [ADDRESS] [--json], config, reload, metrics)\n"};
}

bool ControlServer::serve(Client& c, short revents, const Handler& handler) {
    if (!c.answered && (revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        char buf[256];
        bool eof = false;
        while (c.in.size() <= kMaxRequest) {
            const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            if (n <= 0) {
                eof = n == 0;  // the client closed its side: whole request read
                if (n < 0) return false;
                break;
            }
            c.in.append(buf, static_cast<std::size_t>(n));
            if (c.in.find('\n') != std::string::npos) break;
        }
        const Framed f = frame_request(c.in, eof);
        if (f.what == Framed::What::TooLong) {
            c.out = "error: request too long\n";
        } else if (f.what == Framed::What::Request) {
            c.out = handler(f.request);
        } else {
            return true;  // wait for more
        }
        c.answered = true;
    }
    if (!c.answered) return true;
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;  // the rest on POLLOUT
        if (n <= 0) return false;
        c.out.erase(0, static_cast<std::size_t>(n));
    }
    return false;
}

void ControlServer::on_poll(std::span<const pollfd> fds, const Handler& handler, Clock::time_point now) {
    // The entries follow add_poll_fds(): listener, then clients_ in order.
    std::vector<Client> kept;
    kept.reserve(clients_.size());
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        Client& c = clients_[i];
        const short revents = i + 1 < fds.size() ? fds[i + 1].revents : 0;
        bool open = true;
        if (revents != 0) open = serve(c, revents, handler);
        if (open && now >= c.deadline) {
            // Too slow to ask or to read the answer: the loop does not wait.
            if (!c.answered) write_all_nonblocking(c.fd.get(), "error: request timed out\n");
            ++timed_out_;
            open = false;
        }
        if (open) kept.push_back(std::move(c));  // a closed one's fd closes with clients_
    }
    clients_ = std::move(kept);
    if (!fds.empty() && (fds[0].revents & POLLIN) != 0) accept_all(now);
}

int ControlServer::poll_timeout_ms(Clock::time_point now, int cap) const {
    int ms = cap;
    for (const auto& c : clients_) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(c.deadline - now).count();
        ms = std::min(ms, static_cast<int>(std::max<std::int64_t>(left, 0)));
    }
    return ms;
}

common::Result<std::string> control_request(const std::string& path, std::string_view request, int timeout_ms) {
    sockaddr_un addr;
    if (!fill_addr(path, addr)) return common::Error{path + ": path too long"};
    const common::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return common::Error{errno_text("socket")};
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        return common::Error{errno_text(path)};
    std::string line(request);
    line += '\n';
    write_all(fd.get(), line);
    ::shutdown(fd.get(), SHUT_WR);
    std::string reply;
    char buf[4096];
    pollfd p{fd.get(), POLLIN, 0};
    while (true) {
        const int r = ::poll(&p, 1, timeout_ms);
        if (r <= 0) return common::Error{path + ": no reply"};
        const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    return reply;
}

namespace {

std::string runtime_dir() {
    std::string dir = "/run/nat64d";
    if (const char* rd = std::getenv("RUNTIME_DIRECTORY"); rd != nullptr && *rd != '\0') {
        dir = rd;
        dir = dir.substr(0, dir.find(':'));
    }
    return dir;
}

unsigned long netns_inode(const char* path) {
    struct stat st;
    return ::stat(path, &st) == 0 ? static_cast<unsigned long>(st.st_ino) : 0;
}

}  // namespace

std::string control_socket_name(const std::string& dir, const std::string& tun_device, unsigned long netns) {
    if (netns == 0) return dir + "/" + tun_device + ".sock";
    return dir + "/" + tun_device + "@net-" + std::to_string(netns) + ".sock";
}

// Kernels that give the initial network namespace a fixed inode number
// (PROC_NET_INIT_INO in include/linux/proc_ns.h) let a process that may not
// look at /proc/1 (no CAP_SYS_PTRACE over pid 1) still tell.
constexpr unsigned long kInitNetInode = 0xEFFFFFF9UL;

std::string default_control_socket(const std::string& tun_device) {
    const unsigned long self = netns_inode("/proc/self/ns/net");
    const unsigned long init = netns_inode("/proc/1/ns/net");
    const bool initial = self == 0 || (init != 0 ? self == init : self == kInitNetInode);
    return control_socket_name(runtime_dir(), tun_device, initial ? 0 : self);
}

std::string find_control_socket(const std::string& tun_device) {
    const unsigned long self = netns_inode("/proc/self/ns/net");
    if (self != 0 && netns_inode("/proc/1/ns/net") == 0) {
        const std::string own = control_socket_name(runtime_dir(), tun_device, self);
        struct stat st;
        if (::stat(own.c_str(), &st) == 0) return own;
    }
    return default_control_socket(tun_device);
}

}  // namespace nat64d::daemon
