#include "addr/persist.hpp"

#include "common/file.hpp"
#include "common/text.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>

namespace nat64d::addr {
namespace {

using common::quote;
using common::split_words;

// Owns a file descriptor (RAII).
class UniqueFd {
public:
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] int get() const noexcept { return fd_; }
    // Closes now and reports close(2)'s error, which for a written file can
    // be the first sign of a failed write-back.
    [[nodiscard]] int close() noexcept {
        const int rc = ::close(fd_);
        fd_ = -1;
        return rc;
    }

private:
    int fd_;
};

std::string errno_text(int err) {
    return std::strerror(err);
}

// Unix seconds: decimal digits only (TAYGA refuses signs and trailing junk).
std::optional<std::int64_t> parse_time(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;  // 18 digits cannot overflow int64
    std::int64_t v = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

}  // namespace

DynamicMapFile parse_dynamic_map(std::string_view content, std::string_view name) {
    DynamicMapFile out;
    unsigned line_no = 0;
    std::size_t bad = 0;
    while (!content.empty()) {
        ++line_no;
        const auto eol = content.find('\n');
        const std::string_view line = content.substr(0, eol);
        content = eol == std::string_view::npos ? std::string_view{} : content.substr(eol + 1);

        auto malformed = [&](const std::string& why) {
            // A file of a million bad lines must not become a million log
            // lines: the first few say what is wrong, a count the rest.
            if (++bad <= kMaxMalformedMessages)
                out.messages.push_back(fmt::format("{}:{}: ignoring malformed line: {}", name, line_no, why));
        };
        if (line.find('\0') != std::string_view::npos) {
            malformed("NUL byte (a binary or damaged file?)");
            continue;
        }
        const auto words = split_words(line);
        if (words.empty() || words[0].front() == '#') continue;
        if (words.size() != 3) {
            malformed(fmt::format("expected IPv4 address, IPv6 address and last-use time, found {} field{}",
                                  words.size(), words.size() == 1 ? "" : "s"));
            continue;
        }
        const auto v4 = parse_ipv4(words[0]);
        if (!v4) {
            malformed("expected an IPv4 address but found " + quote(words[0]));
            continue;
        }
        const auto v6 = parse_ipv6(words[1]);
        if (!v6) {
            malformed("expected an IPv6 address but found " + quote(words[1]));
            continue;
        }
        const auto t = parse_time(words[2]);
        if (!t) {
            malformed("expected a last-use time in Unix seconds but found " + quote(words[2]));
            continue;
        }
        out.records.push_back(LeaseRecord{*v4, *v6, *t, line_no});
    }
    if (bad > kMaxMalformedMessages)
        out.messages.push_back(fmt::format("{}: ... and {} more malformed line{} ignored", name,
                                           bad - kMaxMalformedMessages, bad - kMaxMalformedMessages == 1 ? "" : "s"));
    out.malformed = bad;
    return out;
}

std::string format_dynamic_map(const std::vector<LeaseRecord>& records, std::int64_t now) {
    // TAYGA's header shape (its reader skips every '#' line, so TAYGA can
    // read our file back too), with the time in UTC instead of local time.
    const std::time_t t = static_cast<std::time_t>(now);
    std::tm tm{};
    char when[64] = "unknown";
    if (gmtime_r(&t, &tm) != nullptr) std::strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y UTC", &tm);
    std::string out = fmt::format(
        "###\n###\n### nat64d dynamic map database (TAYGA's dynamic.map format)\n###\n"
        "### You can edit this (carefully!) as long as you shut down nat64d first\n###\n###\n"
        "### Last written: {}\n###\n###\n\n",
        when);
    for (const LeaseRecord& r : records)
        out += fmt::format("{}\t{}\t{}\n", to_string(r.v4), to_string(r.v6), r.last_use);
    return out;
}

common::Result<std::optional<std::string>> read_text_file(const std::string& path) {
    int open_errno = 0;
    auto text = common::read_input_file(path, &open_errno);
    if (!text) {
        if (open_errno == ENOENT) return std::optional<std::string>{};
        return common::Error{fmt::format("unable to read {}: {}", path, text.error())};
    }
    return std::optional<std::string>{std::move(*text)};
}

common::Status write_file_atomic(const std::string& path, std::string_view content) {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    // Every step below is relative to this descriptor, so a directory
    // swapped for a symlink half-way cannot redirect the rename.
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd.get() < 0) {
        const int err = errno;
        return common::Error{fmt::format("unable to open directory {}: {}", dir, errno_text(err))};
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
            return common::Error{
                fmt::format("unable to create a temp file for {}: getrandom: {}", path, errno_text(err))};
        }
        tmp_base = fmt::format(".{}.{:016x}~", base, r);
        raw_fd = ::openat(dfd.get(), tmp_base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (raw_fd < 0 && errno != EEXIST) break;
    }
    const std::string tmp = dir == "/" ? "/" + tmp_base : dir + "/" + tmp_base;
    if (raw_fd < 0) {
        const int err = errno;
        return common::Error{fmt::format("unable to create a temp file in {} for {}: {}", dir, base, errno_text(err))};
    }
    UniqueFd fd(raw_fd);
    // From here on the temp file is ours: remove it on any failure.
    auto fail = [&](const std::string& what, int err) {
        ::unlinkat(dfd.get(), tmp_base.c_str(), 0);
        return common::Status{common::Error{fmt::format("unable to {}: {}", what, errno_text(err))}};
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
        return common::Error{fmt::format("wrote {} but unable to fsync directory {}: {}", path, dir, errno_text(err))};
    }
    return {};
}

}  // namespace nat64d::addr
