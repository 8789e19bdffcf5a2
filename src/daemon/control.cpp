#include "daemon/control.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace nat64d::daemon {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

bool fill_addr(const std::string& path, sockaddr_un& addr) {
    std::memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
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
        // Left behind by a crash: replace it. Anything else is not ours.
        if (!S_ISSOCK(st.st_mode)) return common::Error{"control-socket " + path + ": exists and is not a socket"};
        ::unlink(path.c_str());
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return common::Error{errno_text("control-socket socket")};
    // Created with no permissions for others from the first instant.
    const mode_t old_mask = ::umask(0117);
    const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ::umask(old_mask);
    if (rc != 0 || ::listen(fd, 16) != 0) {
        auto err = common::Error{errno_text("control-socket " + path)};
        ::close(fd);
        return err;
    }
    if (::geteuid() == 0 && ::chown(path.c_str(), 0, gid) != 0) {
        auto err = common::Error{errno_text("control-socket chown " + path)};
        ::close(fd);
        ::unlink(path.c_str());
        return err;
    }
    ::chmod(path.c_str(), 0660);
    const int dir_fd = ::open(split_path(path).first.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    return ControlServer(fd, path, dir_fd);
}

ControlServer::ControlServer(ControlServer&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)), dir_fd_(o.dir_fd_) {
    o.fd_ = -1;
    o.dir_fd_ = -1;
}

ControlServer::~ControlServer() {
    if (fd_ < 0) return;
    ::close(fd_);
    if (dir_fd_ >= 0) {
        ::unlinkat(dir_fd_, split_path(path_).second.c_str(), 0);
        ::close(dir_fd_);
    } else {
        ::unlink(path_.c_str());
    }
}

std::pair<std::string, std::string> split_path(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

void ControlServer::serve_one(const std::function<std::string(std::string_view)>& handler) const {
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    const timeval tv{1, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string request;
    char buf[256];
    bool complete = false;
    while (request.size() <= kMaxRequest) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) {
            complete = n == 0;  // the client closed its side: whole request read
            break;
        }
        request.append(buf, static_cast<std::size_t>(n));
        if (request.find('\n') != std::string::npos) {
            complete = true;
            break;
        }
    }
    if (request.size() > kMaxRequest) {
        write_all(c, "error: request too long\n");
    } else if (!complete) {
        write_all(c, "error: incomplete request\n");
    } else {
        request = request.substr(0, request.find('\n'));
        write_all(c, handler(request));
    }
    ::close(c);
}

common::Result<std::string> control_request(const std::string& path, std::string_view request, int timeout_ms) {
    sockaddr_un addr;
    if (!fill_addr(path, addr)) return common::Error{path + ": path too long"};
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return common::Error{errno_text("socket")};
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        auto err = common::Error{errno_text(path)};
        ::close(fd);
        return err;
    }
    std::string line(request);
    line += '\n';
    write_all(fd, line);
    ::shutdown(fd, SHUT_WR);
    std::string reply;
    char buf[4096];
    pollfd p{fd, POLLIN, 0};
    while (true) {
        const int r = ::poll(&p, 1, timeout_ms);
        if (r <= 0) {
            ::close(fd);
            return common::Error{path + ": no reply"};
        }
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
}

std::string default_control_socket(const std::string& tun_device) {
    std::string dir = "/run/nat64d";
    if (const char* rd = std::getenv("RUNTIME_DIRECTORY"); rd != nullptr && *rd != '\0') {
        dir = rd;
        dir = dir.substr(0, dir.find(':'));
    }
    return dir + "/" + tun_device + ".sock";
}

}  // namespace nat64d::daemon
