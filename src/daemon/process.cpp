#include "daemon/process.hpp"

#include <cap-ng.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/core.h>

#include "common/log.hpp"
#include "daemon/control.hpp"

namespace nat64d::daemon {
namespace {

// "WHAT: strerror(errno)".
common::Error errno_error(const std::string& what) {
    return common::Error{what + ": " + std::strerror(errno)};
}

}  // namespace

// Classic double fork: the daemon is no session leader and cannot regain a
// controlling terminal. The original process waits on a pipe and exits only
// when the daemon reports ready (0) or fails to start (1), so that whoever
// started it — a shell, start-stop-daemon — finds the pidfile written and
// the translator running. Returns the pipe's write end.
common::Result<common::UniqueFd> detach() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) return errno_error("pipe");
    common::UniqueFd read_end(ends[0]);
    common::UniqueFd write_end(ends[1]);
    const pid_t pid = ::fork();
    if (pid < 0) return errno_error("fork");
    if (pid > 0) {
        write_end.reset();
        char byte = 0;
        ssize_t n = 0;
        do n = ::read(read_end.get(), &byte, 1);
        while (n < 0 && errno == EINTR);
        std::_Exit(n == 1 ? 0 : 1);
    }
    read_end.reset();
    if (::setsid() < 0) return errno_error("setsid");
    const pid_t pid2 = ::fork();
    if (pid2 < 0) return errno_error("fork");
    if (pid2 > 0) std::_Exit(0);
    if (::chdir("/") != 0) return errno_error("chdir /");
    const common::UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!devnull) return errno_error("/dev/null");
    ::dup2(devnull.get(), STDIN_FILENO);
    ::dup2(devnull.get(), STDOUT_FILENO);
    ::dup2(devnull.get(), STDERR_FILENO);
    return write_end;
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

common::Result<PidFile> PidFile::lock(const std::string& path) {
    // The lock is taken before the file is truncated, so that a refused
    // second daemon leaves the running one's pid in place. A daemon that
    // stops unlinks the file while still holding the lock: if that happened
    // between our open() and flock(), our lock is on a removed file, so try
    // again with the one now at `path`.
    for (int attempt = 0; attempt < 5; ++attempt) {
        common::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
        if (!fd) return errno_error("pidfile " + path);
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            char buf[32] = {};
            const ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
            fd.reset();
            if (err != EWOULDBLOCK) return common::Error{"pidfile " + path + ": cannot lock it: " + std::strerror(err)};
            std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
            while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
            return common::Error{"pidfile " + path + " is locked by a running daemon" +
                                 (pid.empty() ? std::string() : " (pid " + pid + ")") +
                                 "; not starting a second one with the same pidfile"};
        }
        struct stat held, now;
        if (::fstat(fd.get(), &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_dev == now.st_dev &&
            held.st_ino == now.st_ino) {
            return PidFile(path, std::move(fd));
        }
    }
    return common::Error{"pidfile " + path + ": replaced while being locked, repeatedly"};
}

PidFile::PidFile(std::string path, common::UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {
    (void)::fchmod(fd_.get(), 0644);  // whatever the umask, as before
    name_ = split_path(path_).second;
    dir_fd_.reset(::open(split_path(path_).first.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
}

common::Status PidFile::write_pid() {
    const std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_.get(), 0) != 0 ||
        ::pwrite(fd_.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        return errno_error("pidfile " + path_);
    }
    return {};
}

bool PidFile::removable() const noexcept {
    return dir_writable(dir_fd_.get());
}

PidFile::~PidFile() {
    // Removed while the lock is held, so no second daemon takes over a file
    // that is about to disappear (see the constructor for the other side).
    if (dir_fd_) {
        if (::unlinkat(dir_fd_.get(), name_.c_str(), 0) != 0 && errno != ENOENT) {
            // After -u the daemon holds no capability and may not write to
            // a root-owned directory: the file stays, but empty, so that
            // nobody signals whatever process reuses this pid later.
            const int err = errno;
            (void)!::ftruncate(fd_.get(), 0);
            common::log(common::LogLevel::Notice, "pidfile {}: emptied, not removed ({})", path_, std::strerror(err));
        }
    }
    // fd_ closes last, with the lock (see the constructor).
}

// TAYGA makes a missing data-dir (mkdir 0777 less the umask) unless -u is
// given, and refuses to start with -u. nat64d does the same, with 0755
// whatever the umask: the directory holds the translator's state and is
// nobody else's to write into.
common::Result<bool> prepare_data_dir(const Options& opt, const Config& cfg) {
    if (cfg.data_dir.empty()) return false;
    struct stat st;
    if (::stat(cfg.data_dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) return common::Error{"data-dir " + cfg.data_dir + ": not a directory"};
        return false;
    }
    if (errno != ENOENT) return errno_error("data-dir " + cfg.data_dir);
    if (!opt.user.empty()) {
        return common::Error{"data-dir " + cfg.data_dir + " does not exist; create it, writable by user '" + opt.user +
                             "', before starting with -u (nat64d creates it only when it keeps its identity)"};
    }
    if (::mkdir(cfg.data_dir.c_str(), 0755) != 0 || ::chmod(cfg.data_dir.c_str(), 0755) != 0) {
        return errno_error("data-dir " + cfg.data_dir + ": cannot create it");
    }
    return true;
}

common::Status check_data_dir_writable(const Config& cfg, const std::string& dir) {
    if (cfg.data_dir.empty() || !cfg.dynamic_pool) return {};
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        return common::Error{"data-dir " + cfg.data_dir + ": not writable by uid " + std::to_string(::geteuid()) +
                             " (" + std::strerror(errno) + "); dynamic-pool leases could not be saved"};
    }
    return {};
}

namespace {

// True when no capability is left in the permitted, effective, inheritable
// or ambient set of the calling thread, as the kernel reports them now.
bool holds_no_capability() {
    if (capng_get_caps_process() != 0) return false;
    for (unsigned cap = 0; cap <= CAP_LAST_CAP; ++cap) {
        for (const capng_type_t set : {CAPNG_EFFECTIVE, CAPNG_PERMITTED, CAPNG_INHERITABLE, CAPNG_AMBIENT}) {
            if (capng_have_capability(set, cap) != 0) return false;
        }
    }
    return true;
}

}  // namespace

// -r, -g, -u, in that order: the user and group are looked up before the
// chroot hides /etc/passwd; the gid is set before the uid gives it up.
//
// Then no capability is kept. Everything that needs one is done by now:
// the TUN queues are attached (TUNSETIFF), tun-ip, tun-up and tun-route
// are applied over netlink (CAP_NET_ADMIN), the control socket and
// metrics-listen are bound (a port below 1024: CAP_NET_BIND_SERVICE). A
// reload changes none of these (they are restart settings); reading and
// writing the TUN queues, dynamic.map, the metrics-file and the map-file
// are plain file operations. So the daemon runs with empty permitted,
// effective, inheritable and ambient sets, an empty bounding set, and
// PR_SET_NO_NEW_PRIVS, so that nothing it might execute regains one.
common::Result<Dropped> drop_privileges(const Options& opt, const Config& cfg) {
    uid_t uid = 0;
    gid_t gid = 0;
    const bool set_user = !opt.user.empty();
    const bool set_group = !opt.group.empty() || set_user;
    if (set_user) {
        const passwd* pw = ::getpwnam(opt.user.c_str());
        if (pw == nullptr) return common::Error{"user '" + opt.user + "' not found"};
        uid = pw->pw_uid;
        gid = pw->pw_gid;
    }
    if (!opt.group.empty()) {
        const group* gr = ::getgrnam(opt.group.c_str());
        if (gr == nullptr) return common::Error{"group '" + opt.group + "' not found"};
        gid = gr->gr_gid;
    }
    if (opt.chroot) {
        if (cfg.data_dir.empty()) return common::Error{"--chroot needs data-dir in the configuration"};
        if (::chroot(cfg.data_dir.c_str()) != 0 || ::chdir("/") != 0) return errno_error("chroot " + cfg.data_dir);
    }
    if (capng_get_caps_process() != 0) return errno_error("capget");
    // The kernel lets only a holder of CAP_SETPCAP shrink the bounding set:
    // root has it; an unprivileged user started with ambient CAP_NET_ADMIN
    // alone has not, and keeps the bounding set it was given (the units
    // grant CAP_SETPCAP for this). It is harmless then: with nothing
    // permitted and no_new_privs, no capability can be raised or gained.
    Dropped out;
    out.bounding_cleared = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) == 1;
    capng_clear(CAPNG_SELECT_ALL);
    if (out.bounding_cleared && capng_apply(CAPNG_SELECT_BOUNDS) != 0) return errno_error("capability bounding set");
    // An id that is already ours needs no change (and an unprivileged user
    // could not make one): -u naming the user the daemon runs as.
    const int new_uid = set_user && uid != ::getuid() ? static_cast<int>(uid) : -1;
    const int new_gid = set_group && (gid != ::getgid() || ::geteuid() == 0) ? static_cast<int>(gid) : -1;
    if (new_uid != -1 || new_gid != -1) {
        // setresgid, setgroups(0) (no supplementary group of root's stays),
        // setresuid, keeping across the change only what the cleared state
        // above holds: nothing.
        if (const int rc = capng_change_id(new_uid, new_gid, CAPNG_DROP_SUPP_GRP); rc != 0) {
            return common::Error{fmt::format("setuid/setgid to {}:{}: {} (libcap-ng step {})", new_uid, new_gid,
                                             std::strerror(errno), -rc)};
        }
    }
    if (capng_apply(static_cast<capng_select_t>(CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT)) != 0) {
        return errno_error("capset");
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno_error("prctl(PR_SET_NO_NEW_PRIVS)");
    if (!holds_no_capability()) return common::Error{"capabilities: some are still held after dropping them all"};
    return out;
}

}  // namespace nat64d::daemon
