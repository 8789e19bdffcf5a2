// TUN device queues (Linux Documentation/networking/tuntap.rst). Each queue
// is one fd on /dev/net/tun attached to the same device; the io workers own
// one queue each and poll() it (the fds are non-blocking).
//
// Multi-queue and persistence. The kernel refuses (EINVAL) to attach a queue
// whose IFF_MULTI_QUEUE flag differs from the one the device was created
// with, and this is decided at creation, also for persistent devices. So
// every device nat64d makes — by `--mktun` or by open() when the device is
// missing — is created with IFF_MULTI_QUEUE even when only one queue is
// asked for, and open() always asks for IFF_MULTI_QUEUE first: then a later
// start with more workers, or with one, can attach to it. A persistent
// device made without it (`ip tuntap add mode tun`, TAYGA's `--mktun`) can
// only ever have one queue: open() falls back to one plain queue, logs it,
// and returns a single fd, so an existing TAYGA set-up keeps working.
//
// Packet information. Queues are attached with IFF_NO_PI: packets are bare
// IP. The TUN features are taken from whoever attaches the first queue, so
// a device made by TAYGA (which uses the 4-byte tun_pi header) is fine as
// long as no TAYGA process is still attached; open() checks the effective
// flags and fails rather than misparse packets.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace nat64d::io {

// The kernel's MAX_TAP_QUEUES.
inline constexpr unsigned kMaxTunQueues = 256;

class TunDevice {
public:
    // Attaches `queues` queues (1..kMaxTunQueues) to the TUN device `name`,
    // creating it (non-persistent) when it does not exist. Each fd is opened
    // O_RDWR | O_CLOEXEC | O_NONBLOCK. fds().size() is `queues`, or 1 when
    // the device exists without multi-queue support (see above). A device
    // that another process has queues on (a running nat64d or TAYGA) is
    // refused: the kernel would spread the packets over both.
    //
    // With `offload`, each queue carries a struct virtio_net_hdr in front of
    // every packet (IFF_VNET_HDR) and the device is offered checksum and TCP
    // segmentation offload (TUNSETOFFLOAD: TUN_F_CSUM, TSO4, TSO6, TSO_ECN,
    // and USO4, USO6 where the kernel has them), so that the kernel hands
    // over and takes back TCP and UDP super-packets of up to 64 KiB that are
    // translated once instead of once per segment. vnet_hdr() tells whether
    // the header is in use; offload_active() whether the kernel took the
    // offloads, uso_active() whether UDP segmentation was among them.
    static common::Result<TunDevice> open(const std::string& name, unsigned queues, bool offload = false);

    TunDevice(TunDevice&& other) noexcept;
    TunDevice& operator=(TunDevice&& other) noexcept;
    TunDevice(const TunDevice&) = delete;
    TunDevice& operator=(const TunDevice&) = delete;
    // Closes the queues. What happens to the device then is the kernel's
    // rule: a device without IFF_PERSIST disappears with its last queue — so
    // one that this process created goes away at exit, together with its
    // addresses and routes — while a persistent one (made by --mktun, by
    // TAYGA or by `ip tuntap add`) stays, with its configuration, for the
    // next start. Nothing here ever clears IFF_PERSIST; only
    // remove_persistent() does.
    ~TunDevice();

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    // True when the device did not exist before open(), i.e. this process
    // created it.
    [[nodiscard]] bool created() const noexcept { return created_; }
    // False when the device had no IFF_MULTI_QUEUE and a single plain queue
    // was attached instead.
    [[nodiscard]] bool multi_queue() const noexcept { return multi_queue_; }
    // The queues' descriptors, still owned by the device.
    [[nodiscard]] std::vector<int> fds() const;
    [[nodiscard]] bool vnet_hdr() const noexcept { return vnet_hdr_; }
    [[nodiscard]] bool offload_active() const noexcept { return offload_active_; }
    [[nodiscard]] bool uso_active() const noexcept { return uso_active_; }
    // Whether the queue steering program is attached (multi-queue only;
    // needs the bpf() call, i.e. root or CAP_BPF).
    [[nodiscard]] bool steering() const noexcept { return steering_; }

private:
    TunDevice() = default;
    [[nodiscard]] common::Status set_up_features(bool offload);

    std::string name_;
    bool created_ = false;
    bool multi_queue_ = true;
    bool vnet_hdr_ = false;
    bool offload_active_ = false;
    bool uso_active_ = false;
    bool steering_ = false;
    std::vector<common::UniqueFd> queues_;
};

// --mktun: creates the device (with IFF_MULTI_QUEUE) if it is missing and
// sets IFF_PERSIST, so that it outlives the process and can be configured
// before nat64d starts. Idempotent on a device that is already persistent,
// including one made without multi-queue.
common::Status make_persistent(const std::string& name);

// --rmtun: clears IFF_PERSIST; the device disappears as soon as no process
// has a queue open (at once, unless a running daemon still holds it). An
// error when there is no such TUN device.
common::Status remove_persistent(const std::string& name);

// True when a TUN device (not TAP) with this name exists in the current
// network namespace.
bool tun_exists(const std::string& name);

}  // namespace nat64d::io
