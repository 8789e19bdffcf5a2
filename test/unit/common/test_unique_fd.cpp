// common::UniqueFd: the one owner of a descriptor closes it exactly once.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "common/unique_fd.hpp"

using nat64d::common::UniqueFd;

namespace {

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

// A fresh descriptor (the read end of a pipe; the write end is closed).
int fresh_fd() {
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    ::close(ends[1]);
    return ends[0];
}

}  // namespace

TEST_CASE("UniqueFd: empty by default", "[common][fd]") {
    const UniqueFd fd;
    CHECK(fd.get() == -1);
    CHECK_FALSE(fd.valid());
    CHECK_FALSE(static_cast<bool>(fd));
}

TEST_CASE("UniqueFd: closes its descriptor when destroyed", "[common][fd]") {
    const int raw = fresh_fd();
    {
        const UniqueFd fd(raw);
        CHECK(fd.get() == raw);
        CHECK(fd.valid());
        CHECK(is_open(raw));
    }
    CHECK_FALSE(is_open(raw));
}

TEST_CASE("UniqueFd: a move hands over ownership; the moved-from one closes nothing", "[common][fd]") {
    const int raw = fresh_fd();
    UniqueFd a(raw);
    UniqueFd b(std::move(a));
    CHECK(a.get() == -1);  // NOLINT(bugprone-use-after-move): the moved-from state is what is tested
    CHECK(b.get() == raw);
    b.reset();
    CHECK_FALSE(is_open(raw));
    // The number is free again and the next descriptor takes it: destroying
    // the moved-from `a` must not close that unrelated descriptor.
    const int reused = fresh_fd();
    { const UniqueFd gone(std::move(a)); }  // NOLINT(bugprone-use-after-move)
    CHECK(is_open(reused));
    ::close(reused);
}

TEST_CASE("UniqueFd: move assignment closes the descriptor it held", "[common][fd]") {
    const int first = fresh_fd();
    const int second = fresh_fd();
    UniqueFd a(first);
    UniqueFd b(second);
    a = std::move(b);
    CHECK_FALSE(is_open(first));
    CHECK(a.get() == second);
    CHECK(b.get() == -1);  // NOLINT(bugprone-use-after-move)
    CHECK(is_open(second));
    auto& self = a;
    a = std::move(self);  // self-assignment keeps the descriptor
    CHECK(a.get() == second);
    CHECK(is_open(second));
}

TEST_CASE("UniqueFd: release gives the descriptor up without closing it", "[common][fd]") {
    const int raw = fresh_fd();
    int released = -1;
    {
        UniqueFd fd(raw);
        released = fd.release();
        CHECK(fd.get() == -1);
    }
    CHECK(released == raw);
    CHECK(is_open(raw));
    ::close(raw);
}

TEST_CASE("UniqueFd: reset closes the old descriptor and takes the new one", "[common][fd]") {
    const int first = fresh_fd();
    const int second = fresh_fd();
    UniqueFd fd(first);
    fd.reset(second);
    CHECK_FALSE(is_open(first));
    CHECK(fd.get() == second);
    fd.reset(second);  // the same number again: kept open, not closed under itself
    CHECK(is_open(second));
    fd.reset();
    CHECK_FALSE(is_open(second));
    CHECK_FALSE(fd.valid());
}

TEST_CASE("UniqueFd: close reports close(2)'s result and leaves it empty", "[common][fd]") {
    const int raw = fresh_fd();
    UniqueFd fd(raw);
    CHECK(fd.close() == 0);
    CHECK_FALSE(fd.valid());
    CHECK_FALSE(is_open(raw));
    CHECK(fd.close() == 0);  // nothing held: nothing to close

    // A descriptor closed behind its back: the error reaches the caller.
    const int other = fresh_fd();
    UniqueFd stale(other);
    ::close(other);
    errno = 0;
    CHECK(stale.close() == -1);
    CHECK(errno == EBADF);
    CHECK_FALSE(stale.valid());
}
