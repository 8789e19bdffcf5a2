// Process-level start-up steps of the daemon, as TAYGA orders them around
// the TUN device: data-dir, pidfile, detach, chroot and privilege drop.
// Each failure is returned as the message the daemon prints (or logs)
// before it exits with status 1.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "daemon/cli.hpp"
#include "nat64d/config.hpp"

namespace nat64d::daemon {

// Classic double fork; returns the write end of the readiness pipe, on
// which the daemon writes one byte once it translates (see process.cpp).
[[nodiscard]] common::Result<common::UniqueFd> detach();

// The group the daemon runs as after drop_privileges (-g, else -u's group).
gid_t target_gid(const Options& opt);

// -p PIDFILE. lock() opens the file and takes an exclusive flock(2) on it
// without waiting: a second daemon given the same pidfile stops there with
// an error naming the running one, before it touches the file, the device
// or anything else. The lock belongs to the open file, so it survives
// detach()'s forks and lasts until the daemon exits. write_pid()
// stores the daemon's pid (once it is known, after detach); the destructor
// removes the file, also from inside a chroot; where the daemon may no
// longer write to the file's directory (after -u, without capabilities) it
// empties the file instead, so that its pid, which another process may
// reuse, is not read as the daemon's.
class PidFile {
public:
    [[nodiscard]] static common::Result<PidFile> lock(const std::string& path);
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;
    PidFile(PidFile&&) noexcept = default;  // the moved-from one removes nothing
    PidFile& operator=(PidFile&&) = delete;
    ~PidFile();

    [[nodiscard]] common::Status write_pid();
    // Whether the destructor will be able to remove the file (see
    // ControlServer::removable()).
    [[nodiscard]] bool removable() const noexcept;

private:
    PidFile(std::string path, common::UniqueFd fd);

    std::string path_;
    std::string name_;
    common::UniqueFd fd_;
    common::UniqueFd dir_fd_;
};

// data-dir as TAYGA treats it: made (mode 0755) when it does not exist yet
// and the daemon keeps the identity it was started with; refused when -u
// would drop to a user that could not write a directory made by root.
// Returns true when it was created.
[[nodiscard]] common::Result<bool> prepare_data_dir(const Options& opt, const Config& cfg);

// After drop_privileges: with dynamic-pool, data-dir must be writable by the
// daemon, or leases would silently not persist. `dir` is where data-dir is
// now ("/" once chrooted into it).
[[nodiscard]] common::Status check_data_dir_writable(const Config& cfg, const std::string& dir);

// What drop_privileges() left: `bounding_cleared` is false when the
// daemon was started without CAP_SETPCAP (an unprivileged user given only
// CAP_NET_ADMIN), which the kernel requires to shrink the bounding set.
struct Dropped {
    bool bounding_cleared = false;
};

// -r, -g, -u (chroot to data-dir, setgid, setuid), then every capability
// given up and PR_SET_NO_NEW_PRIVS set, whoever started the daemon: root
// with or without -u, or an unprivileged user with ambient CAP_NET_ADMIN.
// Must run before any thread is started (capabilities belong to a thread;
// new threads inherit them). Fails when a step fails or a capability is
// still held afterwards.
[[nodiscard]] common::Result<Dropped> drop_privileges(const Options& opt, const Config& cfg);

}  // namespace nat64d::daemon
