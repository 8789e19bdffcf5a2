// The log facade's sinks: stderr (plain lines, or "<priority>" prefixes when
// stderr is the systemd journal, $JOURNAL_STREAM names it), TAYGA's --stdout
// lines, and the journal's native protocol entries.
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

// Runs `body` with stderr (or stdout) redirected to a temporary file;
// returns what it wrote.
template <typename F>
std::string capture_stderr(F body, std::FILE* stream = stderr) {
    const int target = ::fileno(stream);
    char path[] = "/tmp/nat64d-log-test.XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    std::fflush(stream);
    const int saved = ::dup(target);
    ::dup2(fd, target);
    body(fd);
    std::fflush(stream);
    ::dup2(saved, target);
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

TEST_CASE("log: TAYGA's --stdout sink prefixes each line with its priority name", "[common][log]") {
    const auto out = capture_stderr(
        [](int) {
            log_init(LogSink::Stdout, LogLevel::Debug);
            log(LogLevel::Crit, "gone");
            log(LogLevel::Warning, "careful");
            log(LogLevel::Notice, "note");
            log(LogLevel::Debug, "detail {}", 7);
        },
        stdout);
    CHECK(out == "[crit] gone\n[warning] careful\n[notice] note\n[debug] detail 7\n");
    log_init(LogSink::Stderr, LogLevel::Info);
}

TEST_CASE("log: journal native protocol entries (systemd.io/JOURNAL_NATIVE_PROTOCOL)", "[common][log]") {
    CHECK(journal_entry(LogLevel::Err, "nat64d", 4242, "tun-device nat64: gone") ==
          "PRIORITY=3\nSYSLOG_IDENTIFIER=nat64d\nSYSLOG_PID=4242\nMESSAGE=tun-device nat64: gone\n");
    CHECK(journal_entry(LogLevel::Debug, "nat64d", 1, "") ==
          "PRIORITY=7\nSYSLOG_IDENTIFIER=nat64d\nSYSLOG_PID=1\nMESSAGE=\n");
    // A value with a newline: the field name, a newline, its length as a
    // 64-bit little-endian number, the bytes, a newline.
    const std::string two_lines = "first\nsecond";
    CHECK(journal_entry(LogLevel::Info, "nat64d", 9, two_lines) ==
          std::string("PRIORITY=6\nSYSLOG_IDENTIFIER=nat64d\nSYSLOG_PID=9\nMESSAGE\n") +
              std::string("\x0c\0\0\0\0\0\0\0", 8) + "first\nsecond\n");
}

TEST_CASE("log: journal entries carry structured fields after MESSAGE, in their order", "[common][log]") {
    const LogField fields[] = {
        {"NAT64D_REASON", "spoofed-source"}, {"NAT64D_DIRECTION", "6to4"}, {"NAT64D_SRC", "3fff:6464::c633:6401"}};
    CHECK(journal_entry(LogLevel::Info, "nat64d", 77, "drop x", fields) ==
          "PRIORITY=6\nSYSLOG_IDENTIFIER=nat64d\nSYSLOG_PID=77\nMESSAGE=drop x\n"
          "NAT64D_REASON=spoofed-source\nNAT64D_DIRECTION=6to4\nNAT64D_SRC=3fff:6464::c633:6401\n");
    // A field value with a newline takes the binary-safe form too.
    const LogField odd[] = {{"NAT64D_NOTE", "a\nb"}};
    CHECK(journal_entry(LogLevel::Info, "nat64d", 1, "m", odd) ==
          std::string("PRIORITY=6\nSYSLOG_IDENTIFIER=nat64d\nSYSLOG_PID=1\nMESSAGE=m\nNAT64D_NOTE\n") +
              std::string("\x03\0\0\0\0\0\0\0", 8) + "a\nb\n");
}

TEST_CASE("log: syslog-free sinks print only the message of an entry with fields", "[common][log]") {
    ::unsetenv("JOURNAL_STREAM");
    const LogField fields[] = {{"NAT64D_REASON", "ttl-expired"}};
    const auto out = capture_stderr([&](int) {
        log_init(LogSink::Stderr, LogLevel::Info);
        log_write(LogLevel::Info, "drop 192.0.2.1 -> 198.51.100.2 proto 17: ttl-expired", fields);
    });
    CHECK(out == "drop 192.0.2.1 -> 198.51.100.2 proto 17: ttl-expired\n");
    const auto std_out = capture_stderr(
        [&](int) {
            log_init(LogSink::Stdout, LogLevel::Info);
            log_write(LogLevel::Info, "drop y", fields);
        },
        stdout);
    CHECK(std_out == "[info] drop y\n");
    log_init(LogSink::Stderr, LogLevel::Info);
}
