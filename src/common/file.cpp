#include "common/file.hpp"

#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sys/random.h>
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

std::string errno_text(int err) {
    return std::strerror(err);
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
    const UniqueFd closer(fd);
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

Status write_file_atomic(const std::string& path, std::string_view content) {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    // Every step below is relative to this descriptor, so a directory
    // swapped for a symlink half-way cannot redirect the rename.
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd.get() < 0) {
        const int err = errno;
        return Error{fmt::format("unable to open directory {}: {}", dir, errno_text(err))};
    }

    // A fixed temp name (TAYGA's `path~`) lets anyone who can write to the
    // directory plant a symlink there and have a root daemon overwrite the
    // file it points to. A fresh random name created with O_EXCL (which
    // refuses any existing entry, symlinks included) and O_NOFOLLOW is
    // always a new file of our own.
    std::string tmp_base;
    int raw_fd = -1;
    for (int attempt = 0; attempt < 16 && raw_fd < 0; ++attempt) {
        std::uint64_t r = 0;
        if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) {
            const int err = errno;
            return Error{fmt::format("unable to create a temp file for {}: getrandom: {}", path, errno_text(err))};
        }
        tmp_base = fmt::format(".{}.{:016x}~", base, r);
        raw_fd = ::openat(dfd.get(), tmp_base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (raw_fd < 0 && errno != EEXIST) break;
    }
    const std::string tmp = dir == "/" ? "/" + tmp_base : dir + "/" + tmp_base;
    if (raw_fd < 0) {
        const int err = errno;
        return Error{fmt::format("unable to create a temp file in {} for {}: {}", dir, base, errno_text(err))};
    }
    UniqueFd fd(raw_fd);
    // From here on the temp file is ours: remove it on any failure.
    auto fail = [&](const std::string& what, int err) {
        ::unlinkat(dfd.get(), tmp_base.c_str(), 0);
        return Status{Error{fmt::format("unable to {}: {}", what, errno_text(err))}};
    };
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            return fail("write " + tmp, err);
        }
        done += static_cast<std::size_t>(n);
    }
    // The data must be on disk before the rename makes it the file.
    if (::fsync(fd.get()) != 0) {
        const int err = errno;
        return fail("fsync " + tmp, err);
    }
    if (fd.close() != 0) {
        const int err = errno;
        return fail("close " + tmp, err);
    }
    if (::renameat(dfd.get(), tmp_base.c_str(), dfd.get(), base.c_str()) != 0) {
        const int err = errno;
        return fail("rename " + tmp + " to " + path, err);
    }

    // And the rename itself must survive a crash: fsync the directory.
    if (::fsync(dfd.get()) != 0) {
        const int err = errno;
        return Error{fmt::format("wrote {} but unable to fsync directory {}: {}", path, dir, errno_text(err))};
    }
    return {};
}

}  // namespace nat64d::common
