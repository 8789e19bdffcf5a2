// Test helper: runs checks that change network configuration in a forked
// child inside a fresh network namespace (unshare(CLONE_NEWNET)), so unit
// tests never touch the host's interfaces, addresses or routes. The child
// collects failures as text and sends them to the parent through a pipe; the
// parent reports them with Catch2. Without root (or /dev/net/tun, or the
// right to make a namespace) the test is skipped (support/skip.hpp: the
// test binary exits 77, ctest says "Skipped"); its test case is tagged
// [root].
//
// Shared by test/unit/netlink and test/unit/io (tun_test.cpp).
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "support/skip.hpp"

namespace nat64d::test {

// Failure collector used inside the child. expect*() records and goes on;
// require*() records and ends the body.
class NetnsChecks {
public:
    struct Abort {};

    bool expect(bool condition, const std::string& what) {
        if (!condition) failures_.push_back(what);
        return condition;
    }
    void require(bool condition, const std::string& what) {
        if (!expect(condition, what)) throw Abort{};
    }
    // Status or Result<T>: must be ok; the error text is recorded otherwise.
    template <typename R>
    bool expect_ok(const R& r, const std::string& what) {
        return expect(r.ok(), r.ok() ? std::string() : what + ": " + r.error());
    }
    template <typename R>
    void require_ok(const R& r, const std::string& what) {
        if (!expect_ok(r, what)) throw Abort{};
    }
    // Status or Result<T>: must fail with exactly `text`.
    template <typename R>
    bool expect_error(const R& r, const std::string& text, const std::string& what) {
        if (r.ok()) return expect(false, what + ": succeeded, expected error \"" + text + "\"");
        return expect(r.error() == text, what + ": error \"" + r.error() + "\", expected \"" + text + "\"");
    }
    // Must fail with an error starting with `prefix` (the rest is the
    // kernel's extended-ACK text, which varies between kernel versions).
    template <typename R>
    bool expect_error_prefix(const R& r, const std::string& prefix, const std::string& what) {
        if (r.ok()) return expect(false, what + ": succeeded, expected error \"" + prefix + "...\"");
        return expect(r.error().rfind(prefix, 0) == 0,
                      what + ": error \"" + r.error() + "\", expected it to start with \"" + prefix + "\"");
    }

    [[nodiscard]] std::string text() const {
        std::string out;
        for (const auto& f : failures_) out += f + "\n";
        return out;
    }

private:
    std::vector<std::string> failures_;
};

inline constexpr int kNetnsSkip = 77;

inline void run_in_netns(const std::function<void(NetnsChecks&)>& body) {
    if (skip_unless_root("a network namespace and /dev/net/tun")) return;
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) {
        skip("/dev/net/tun is not available");
        return;
    }
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(pipe_fds[0]);
        std::string out;
        int status = 0;
        if (::unshare(CLONE_NEWNET) != 0) {
            out = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
            status = kNetnsSkip;
        } else {
            NetnsChecks checks;
            try {
                body(checks);
            } catch (const NetnsChecks::Abort&) {
            } catch (const std::exception& e) {
                checks.expect(false, std::string("exception: ") + e.what());
            } catch (...) {
                checks.expect(false, "unknown exception");
            }
            out = checks.text();
            status = out.empty() ? 0 : 1;
        }
        for (std::size_t done = 0; done < out.size();) {
            const ssize_t n = ::write(pipe_fds[1], out.data() + done, out.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        std::fflush(stdout);
        std::fflush(stderr);
        ::_exit(status);  // no Catch2 or static destructors in the child
    }
    ::close(pipe_fds[1]);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
    int wstatus = 0;
    while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == kNetnsSkip) {
        skip(out);
        return;
    }
    INFO("child (in a new network namespace) reported:\n" << out);
    const bool exited = WIFEXITED(wstatus);
    REQUIRE(exited);
    const int exit_code = WEXITSTATUS(wstatus);
    CHECK(exit_code == 0);
    CHECK(out.empty());
}

// Makes a TUN device with plain ioctls, independent of src/io, the way other
// tools do: `flags` as given to TUNSETIFF (TAYGA's --mktun: IFF_TUN only;
// `ip tuntap add mode tun`: IFF_TUN | IFF_NO_PI). Returns the queue fd (the
// caller closes it) or -1 with errno set.
inline int raw_tun(const std::string& name, short flags, bool persist) {
    const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -1;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    ifr.ifr_flags = flags;
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0 || (persist && ::ioctl(fd, TUNSETPERSIST, 1UL) < 0)) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

}  // namespace nat64d::test
