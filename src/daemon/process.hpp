// Process-level start-up steps of the daemon, as TAYGA orders them after
// the TUN device is set up: detach, pidfile, chroot and privilege drop.
#pragma once

#include <sys/types.h>

#include <stdexcept>
#include <string>

#include "daemon/cli.hpp"
#include "nat64d/config.hpp"

namespace nat64d::daemon {

// Start-up failures: caught once in main(), printed, exit 1 (STYLE.md "Errors").
struct StartupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Classic double fork; returns the write end of the readiness pipe, on
// which the daemon writes one byte once it translates (see process.cpp).
int detach();

// The group the daemon runs as after drop_privileges (-g, else -u's group).
gid_t target_gid(const Options& opt);

// -p PIDFILE: written (0644, via rename) on construction, removed on
// destruction, also from inside a chroot.
class PidFile {
public:
    explicit PidFile(const std::string& path);
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;
    ~PidFile();

private:
    std::string name_;
    int dir_fd_ = -1;
};

// -r, -g, -u (chroot to data-dir, setgid, setuid).
void drop_privileges(const Options& opt, const Config& cfg);

}  // namespace nat64d::daemon
