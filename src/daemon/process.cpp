#include "daemon/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "daemon/control.hpp"

namespace nat64d::daemon {

// Classic double fork: the daemon is no session leader and cannot regain a
// controlling terminal. The original process waits on a pipe and exits only
// when the daemon reports ready (0) or fails to start (1), so that whoever
// started it — a shell, start-stop-daemon — finds the pidfile written and
// the translator running. Returns the pipe's write end.
int detach() {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) throw StartupError(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) throw StartupError(std::string("fork: ") + std::strerror(errno));
    if (pid > 0) {
        ::close(ready[1]);
        char byte = 0;
        ssize_t n = 0;
        do n = ::read(ready[0], &byte, 1); while (n < 0 && errno == EINTR);
        std::_Exit(n == 1 ? 0 : 1);
    }
    ::close(ready[0]);
    if (::setsid() < 0) throw StartupError(std::string("setsid: ") + std::strerror(errno));
    const pid_t pid2 = ::fork();
    if (pid2 < 0) throw StartupError(std::string("fork: ") + std::strerror(errno));
    if (pid2 > 0) std::_Exit(0);
    if (::chdir("/") != 0) throw StartupError(std::string("chdir /: ") + std::strerror(errno));
    const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) throw StartupError(std::string("/dev/null: ") + std::strerror(errno));
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
    ::close(devnull);
    return ready[1];
}

// The group the daemon runs as after drop_privileges (-g, else -u's group).
gid_t target_gid(const Options& opt) {
    if (!opt.group.empty()) {
        if (const group* gr = ::getgrnam(opt.group.c_str())) return gr->gr_gid;
    }
    if (!opt.user.empty()) {
        if (const passwd* pw = ::getpwnam(opt.user.c_str())) return pw->pw_gid;
    }
    return ::getgid();
}

PidFile::PidFile(const std::string& path) : path_(path) {
    // The lock is taken before the file is truncated, so that a refused
    // second daemon leaves the running one's pid in place. A daemon that
    // stops unlinks the file while still holding the lock: if that happened
    // between our open() and flock(), our lock is on a removed file, so try
    // again with the one now at `path`.
    for (int attempt = 0; attempt < 5; ++attempt) {
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) throw StartupError("pidfile " + path + ": " + std::strerror(errno));
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            char buf[32] = {};
            const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
            ::close(fd);
            if (err != EWOULDBLOCK) throw StartupError("pidfile " + path + ": cannot lock it: " + std::strerror(err));
            std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
            while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
            throw StartupError("pidfile " + path + " is locked by a running daemon" +
                               (pid.empty() ? std::string() : " (pid " + pid + ")") +
                               "; not starting a second one with the same pidfile");
        }
        struct stat held, now;
        if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_dev == now.st_dev &&
            held.st_ino == now.st_ino) {
            fd_ = fd;
            break;
        }
        ::close(fd);
    }
    if (fd_ < 0) throw StartupError("pidfile " + path + ": replaced while being locked, repeatedly");
    (void)::fchmod(fd_, 0644);  // whatever the umask, as before
    name_ = split_path(path).second;
    dir_fd_ = ::open(split_path(path).first.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
}

void PidFile::write_pid() {
    const std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        throw StartupError("pidfile " + path_ + ": " + std::strerror(errno));
    }
}

PidFile::~PidFile() {
    // Removed while the lock is held, so no second daemon takes over a file
    // that is about to disappear (see the constructor for the other side).
    if (dir_fd_ >= 0) {
        ::unlinkat(dir_fd_, name_.c_str(), 0);
        ::close(dir_fd_);
    }
    ::close(fd_);
}

// TAYGA makes a missing data-dir (mkdir 0777 less the umask) unless -u is
// given, and refuses to start with -u. nat64d does the same, with 0755
// whatever the umask: the directory holds the translator's state and is
// nobody else's to write into.
bool prepare_data_dir(const Options& opt, const Config& cfg) {
    if (cfg.data_dir.empty()) return false;
    struct stat st;
    if (::stat(cfg.data_dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) throw StartupError("data-dir " + cfg.data_dir + ": not a directory");
        return false;
    }
    if (errno != ENOENT) throw StartupError("data-dir " + cfg.data_dir + ": " + std::strerror(errno));
    if (!opt.user.empty()) {
        throw StartupError("data-dir " + cfg.data_dir + " does not exist; create it, writable by user '" + opt.user +
                           "', before starting with -u (nat64d creates it only when it keeps its identity)");
    }
    if (::mkdir(cfg.data_dir.c_str(), 0755) != 0 || ::chmod(cfg.data_dir.c_str(), 0755) != 0) {
        throw StartupError("data-dir " + cfg.data_dir + ": cannot create it: " + std::strerror(errno));
    }
    return true;
}

void check_data_dir_writable(const Config& cfg, const std::string& dir) {
    if (cfg.data_dir.empty() || !cfg.dynamic_pool) return;
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        throw StartupError("data-dir " + cfg.data_dir + ": not writable by uid " + std::to_string(::geteuid()) + " (" +
                           std::strerror(errno) + "); dynamic-pool leases could not be saved");
    }
}

// -r, -g, -u, in that order: the user and group are looked up before the
// chroot hides /etc/passwd; the gid is set before the uid gives it up.
void drop_privileges(const Options& opt, const Config& cfg) {
    uid_t uid = 0;
    gid_t gid = 0;
    const bool set_user = !opt.user.empty();
    const bool set_group = !opt.group.empty() || set_user;
    if (set_user) {
        const passwd* pw = ::getpwnam(opt.user.c_str());
        if (pw == nullptr) throw StartupError("user '" + opt.user + "' not found");
        uid = pw->pw_uid;
        gid = pw->pw_gid;
    }
    if (!opt.group.empty()) {
        const group* gr = ::getgrnam(opt.group.c_str());
        if (gr == nullptr) throw StartupError("group '" + opt.group + "' not found");
        gid = gr->gr_gid;
    }
    if (opt.chroot) {
        if (cfg.data_dir.empty()) throw StartupError("--chroot needs data-dir in the configuration");
        if (::chroot(cfg.data_dir.c_str()) != 0 || ::chdir("/") != 0) {
            throw StartupError("chroot " + cfg.data_dir + ": " + std::strerror(errno));
        }
    }
    if (set_group) {
        if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0) {
            throw StartupError(std::string("setgid: ") + std::strerror(errno));
        }
    }
    if (set_user && ::setuid(uid) != 0) throw StartupError(std::string("setuid: ") + std::strerror(errno));
}

}  // namespace nat64d::daemon
