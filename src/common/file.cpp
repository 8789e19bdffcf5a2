#include "common/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace nat64d::common {
namespace {

const char* kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a plain file";
}

std::string size_text(std::size_t n) {
    if (n % (std::size_t{1} << 20) == 0) return fmt::format("{} MiB", n >> 20);
    return fmt::format("{} bytes", n);
}

}  // namespace

Result<std::string> read_input_file(const std::string& path, int* open_errno, std::size_t max) {
    if (open_errno != nullptr) *open_errno = 0;
    // O_NONBLOCK: open(2) of a FIFO without a writer would wait forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        const int err = errno;
        if (open_errno != nullptr) *open_errno = err;
        return Error{fmt::format("cannot open: {}", std::strerror(err))};
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return Error{fmt::format("cannot stat: {}", std::strerror(errno))};
    if (!S_ISREG(st.st_mode)) return Error{fmt::format("not a regular file ({})", kind_of(st.st_mode))};
    if (static_cast<std::uint64_t>(st.st_size) > max)
        return Error{fmt::format("larger than {} ({} bytes)", size_text(max), st.st_size)};
    std::string out;
    out.reserve(static_cast<std::size_t>(st.st_size));
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error{fmt::format("cannot read: {}", std::strerror(errno))};
        }
        out.append(buf, static_cast<std::size_t>(n));
        // The file grew while being read.
        if (out.size() > max) return Error{fmt::format("larger than {}", size_text(max))};
    }
    return out;
}

}  // namespace nat64d::common
