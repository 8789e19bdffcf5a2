#include "daemon/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "addr/persist.hpp"
#include "daemon/control.hpp"

namespace nat64d::daemon {
namespace {

// Replaced atomically (temp file, fsync, rename), so a reader never sees half a pid.
void write_pidfile(const std::string& path) {
    if (auto st = addr::write_file_atomic(path, std::to_string(::getpid()) + "\n"); !st) {
        throw StartupError(path + ": " + st.error());
    }
}

}  // namespace

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

PidFile::PidFile(const std::string& path) {
    write_pidfile(path);
    name_ = split_path(path).second;
    dir_fd_ = ::open(split_path(path).first.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
}

PidFile::~PidFile() {
    if (dir_fd_ < 0) return;
    ::unlinkat(dir_fd_, name_.c_str(), 0);
    ::close(dir_fd_);
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
