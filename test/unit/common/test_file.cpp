// Input caps of the file reader behind tayga.conf, TOML, map-file and
// dynamic.map: only regular files, at most kMaxInputFileSize bytes, and
// nothing that can make the reader hang.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include "support/tempdir.hpp"

#include "common/file.hpp"
#include "common/text.hpp"

using namespace nat64d::common;

namespace {

using nat64d::test::TempDir;

}  // namespace

TEST_CASE("read_input_file: a regular file is read whole", "[common][file]") {
    TempDir dir;
    const std::string path = dir.file("a.conf");
    std::ofstream(path, std::ios::binary) << std::string("tun-device nat64\n\0x", 19);
    int err = -1;
    const auto r = read_input_file(path, &err);
    REQUIRE(r.ok());
    CHECK(*r == std::string("tun-device nat64\n\0x", 19));
    CHECK(err == 0);
    const auto missing = read_input_file(dir.file("none"), &err);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error() == "cannot open: No such file or directory");
    CHECK(err == ENOENT);
}

TEST_CASE("read_input_file: FIFO, /dev/zero and a directory are refused without reading", "[common][file]") {
    TempDir dir;
    const std::string fifo = dir.file("fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // No writer: a blocking open(2) would never return.
    const auto start = std::chrono::steady_clock::now();
    const auto f = read_input_file(fifo);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    REQUIRE_FALSE(f.ok());
    CHECK(f.error() == "not a regular file (a FIFO)");
    const auto zero = read_input_file("/dev/zero");
    REQUIRE_FALSE(zero.ok());
    CHECK(zero.error() == "not a regular file (a character device)");
    const auto d = read_input_file(dir.path.string());
    REQUIRE_FALSE(d.ok());
    CHECK(d.error() == "not a regular file (a directory)");
}

TEST_CASE("read_input_file: a file over the cap is refused", "[common][file]") {
    CHECK(kMaxInputFileSize == 16u * 1024 * 1024);
    TempDir dir;
    const std::string path = dir.file("big");
    {
        std::ofstream out(path, std::ios::binary);
        out << std::string(1025, 'x');
    }
    CHECK(read_input_file(path, nullptr, 1025).ok());
    const auto r = read_input_file(path, nullptr, 1024);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == "larger than 1024 bytes (1025 bytes)");
    // The real cap, with a sparse file: nothing is read.
    std::filesystem::resize_file(path, kMaxInputFileSize + 1);
    const auto big = read_input_file(path);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error() == "larger than 16 MiB (16777217 bytes)");
    std::filesystem::resize_file(path, kMaxInputFileSize);
    CHECK(read_input_file(path).ok());
}

TEST_CASE("first_nul_line: the line of the first NUL byte", "[common][file]") {
    CHECK(first_nul_line("a\nb\n") == 0);
    CHECK(first_nul_line(std::string_view("\0", 1)) == 1);
    CHECK(first_nul_line(std::string_view("a\nb\nc\0d\n\0", 9)) == 3);
}

TEST_CASE("quote: control bytes and DEL are escaped", "[common][file]") {
    CHECK(quote(std::string_view("a\0b\x1b[2J\x7f\n", 9)) == "'a\\x00b\\x1b[2J\\x7f\\x0a'");
}
