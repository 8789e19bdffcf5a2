// The log facade's stderr sink: plain lines, or "<priority>" prefixes when
// stderr is the systemd journal ($JOURNAL_STREAM names it).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/log.hpp"

using namespace nat64d::common;

namespace {

// Runs `body` with stderr redirected to a temporary file; returns what it wrote.
template <typename F>
std::string capture_stderr(F body) {
    char path[] = "/tmp/nat64d-log-test.XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    std::fflush(stderr);
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(fd, STDERR_FILENO);
    body(fd);
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    ::close(fd);
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    ::unlink(path);
    return ss.str();
}

}  // namespace

TEST_CASE("log: stderr sink writes one line per message, filtered by level", "[common][log]") {
    ::unsetenv("JOURNAL_STREAM");
    const auto out = capture_stderr([](int) {
        log_init(LogSink::Stderr, LogLevel::Info);
        log(LogLevel::Info, "translating on {}", "nat64");
        log(LogLevel::Debug, "not shown");
    });
    CHECK(out == "translating on nat64\n");
}

TEST_CASE("log: under systemd's journal each line carries its syslog priority (sd-daemon(3))", "[common][log]") {
    const auto out = capture_stderr([](int fd) {
        struct stat st;
        REQUIRE(::fstat(fd, &st) == 0);
        const std::string js = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
        ::setenv("JOURNAL_STREAM", js.c_str(), 1);
        log_init(LogSink::Stderr, LogLevel::Debug);
        log(LogLevel::Err, "bad");
        log(LogLevel::Info, "fine");
        ::unsetenv("JOURNAL_STREAM");
    });
    CHECK(out == "<3>bad\n<6>fine\n");
    log_init(LogSink::Stderr, LogLevel::Info);
}
