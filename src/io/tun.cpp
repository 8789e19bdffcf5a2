#include "io/tun.hpp"
#include "io/vnet.hpp"

#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

#include <fmt/core.h>

#include "common/log.hpp"
#include "common/unique_fd.hpp"
#include "netlink/netlink.hpp"

namespace nat64d::io {

namespace {

using common::Error;
using common::LogLevel;
using common::Result;
using common::Status;

constexpr const char* kCloneDevice = "/dev/net/tun";
// Bare IP packets: no struct tun_pi in front (tuntap.rst, "Frame format").
constexpr short kBaseFlags = IFF_TUN | IFF_NO_PI;
// TUN_F_USO4 and TUN_F_USO6 of <linux/if_tun.h> since Linux 6.2.
constexpr unsigned long kTunUso4 = 0x20;
constexpr unsigned long kTunUso6 = 0x40;

using common::UniqueFd;

// One attempt to open a queue: the fd, or the errno and whether it was the
// open(2) of the clone device or the TUNSETIFF that failed.
struct Attach {
    UniqueFd fd;
    int error = 0;
    bool open_failed = false;
};

Attach attach_queue(const std::string& name, short flags) {
    Attach result;
    const int fd = ::open(kCloneDevice, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        result.error = errno;
        result.open_failed = true;
        return result;
    }
    result.fd.reset(fd);
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.data(), name.size());  // checked shorter than IFNAMSIZ
    ifr.ifr_flags = flags;
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
        result.error = errno;
        result.fd.reset(-1);
    }
    return result;
}

// Attaches one queue, multi-queue first; when that is refused with EINVAL on
// an existing device, retries without IFF_MULTI_QUEUE (a device made by
// `ip tuntap add` or TAYGA). `multi_queue` tells which one worked.
Attach attach_any(const std::string& name, bool existed, short extra, bool& multi_queue) {
    Attach a = attach_queue(name, static_cast<short>(kBaseFlags | IFF_MULTI_QUEUE | extra));
    multi_queue = true;
    if (!a.fd && !a.open_failed && a.error == EINVAL && existed) {
        a = attach_queue(name, static_cast<short>(kBaseFlags | extra));
        multi_queue = false;
    }
    return a;
}

std::string attach_error(const std::string& name, const Attach& a) {
    if (a.open_failed)
        return fmt::format("tun-device {}: cannot open {}: {}", name, kCloneDevice, std::strerror(a.error));
    switch (a.error) {
        case EPERM:
            return fmt::format("tun-device {}: cannot attach: {} (CAP_NET_ADMIN is needed)", name,
                               std::strerror(a.error));
        case EBUSY:
            return fmt::format(
                "tun-device {}: in use by another process (a device without multi-queue "
                "support takes a single queue)",
                name);
        case E2BIG:
            return fmt::format("tun-device {}: too many queues (the kernel allows at most {})", name, kMaxTunQueues);
        case EINVAL:
            return fmt::format(
                "tun-device {}: cannot attach: {} (is it a TAP device or an interface of another "
                "kind?)",
                name, std::strerror(a.error));
        default: return fmt::format("tun-device {}: cannot attach: {}", name, std::strerror(a.error));
    }
}

// The kernel's dev_valid_name() rules, plus '%': TUNSETIFF would treat
// "tun%d" as a pattern and make a device of another name.
Status check_name(const std::string& name) {
    const bool bad_char = std::any_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || c == '%' || c == '\0' || std::isspace(static_cast<unsigned char>(c)) != 0;
    });
    if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == ".." || bad_char)
        return Error{
            fmt::format("tun-device {}: invalid interface name (1 to {} characters, none of / : % "
                        "or blanks)",
                        name, IFNAMSIZ - 1)};
    return {};
}

Status set_persist(const std::string& name, bool persist) {
    bool multi_queue = true;
    Attach a = attach_any(name, tun_exists(name), 0, multi_queue);
    if (!a.fd) return Error{attach_error(name, a)};
    if (::ioctl(a.fd.get(), TUNSETPERSIST, persist ? 1UL : 0UL) < 0)
        return Error{fmt::format("tun-device {}: cannot {} persistence: {}", name, persist ? "set" : "clear",
                                 std::strerror(errno))};
    return {};
}

// The queue steering program of a multi-queue device (TUNSETSTEERINGEBPF):
// the queue is the packet's flow hash when the stack has one (a local
// socket's, RSS, GRO), else the number of the CPU that routed it, modulo
// the queues. Without it the kernel dissects every packet for its flow
// hash and looks the flow up in the device's flow table (tun's automq);
// with it, what is known already decides, and a flow with a hash keeps
// one queue (its order). A classic socket-filter program of four
// instructions: no libbpf, no BTF, loadable wherever the bpf() call is.
Status install_steering(const std::string& name, int queue_fd) {
    const bpf_insn prog[] = {
        // r0 = skb->hash
        {.code = BPF_LDX | BPF_MEM | BPF_W,
         .dst_reg = BPF_REG_0,
         .src_reg = BPF_REG_1,
         .off = static_cast<std::int16_t>(offsetof(__sk_buff, hash)),
         .imm = 0},
        // if r0 != 0: return it
        {.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 1, .imm = 0},
        // r0 = bpf_get_smp_processor_id()
        {.code = BPF_JMP | BPF_CALL, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = BPF_FUNC_get_smp_processor_id},
        {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
    };
    static constexpr char kLicense[] = "GPL";
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insns = reinterpret_cast<std::uintptr_t>(prog);
    attr.insn_cnt = static_cast<std::uint32_t>(std::size(prog));
    attr.license = reinterpret_cast<std::uintptr_t>(kLicense);
    const UniqueFd fd{static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr))};
    if (!fd) return Error{fmt::format("tun-device {}: steering program not loaded: {}", name, std::strerror(errno))};
    int prog_fd = fd.get();
    // The device keeps its own reference to the program.
    if (::ioctl(queue_fd, TUNSETSTEERINGEBPF, &prog_fd) < 0)
        return Error{fmt::format("tun-device {}: steering program not attached: {}", name, std::strerror(errno))};
    return {};
}

}  // namespace

TunDevice::TunDevice(TunDevice&& other) noexcept
    : name_(std::move(other.name_)),
      created_(other.created_),
      multi_queue_(other.multi_queue_),
      vnet_hdr_(other.vnet_hdr_),
      offload_active_(other.offload_active_),
      uso_active_(other.uso_active_),
      steering_(other.steering_),
      queues_(std::exchange(other.queues_, {})) {}

TunDevice& TunDevice::operator=(TunDevice&& other) noexcept {
    if (this != &other) {
        queues_.clear();
        name_ = std::move(other.name_);
        created_ = other.created_;
        multi_queue_ = other.multi_queue_;
        vnet_hdr_ = other.vnet_hdr_;
        offload_active_ = other.offload_active_;
        uso_active_ = other.uso_active_;
        steering_ = other.steering_;
        queues_ = std::exchange(other.queues_, {});
    }
    return *this;
}

TunDevice::~TunDevice() = default;

std::vector<int> TunDevice::fds() const {
    std::vector<int> out;
    out.reserve(queues_.size());
    for (const UniqueFd& q : queues_) out.push_back(q.get());
    return out;
}

Result<TunDevice> TunDevice::open(const std::string& name, unsigned queues, bool offload) {
    if (auto ok = check_name(name); !ok) return Error{ok.error()};
    if (queues == 0 || queues > kMaxTunQueues)
        return Error{fmt::format("tun-device {}: {} queues asked for, 1 to {} possible", name, queues, kMaxTunQueues)};

    const bool existed = tun_exists(name);
    if (existed) {
        // Two translators on one device would each see a share of the
        // packets. A multi-queue device that exists with queues attached
        // belongs to a running process (a non-persistent one exists only
        // then), so refuse it, as the kernel itself does for a single-queue
        // device (EBUSY, see attach_error). Kernels before 4.15 do not
        // report queues; the attach below is tried then.
        if (auto sock = netlink::Socket::open()) {
            auto info = sock->tun_info(name);
            if (info && info->queues.value_or(0) > 0)
                return Error{fmt::format("tun-device {}: in use by another process ({} queue{} attached)", name,
                                         *info->queues, *info->queues == 1 ? "" : "s")};
        }
    }
    TunDevice dev;
    dev.name_ = name;
    dev.created_ = !existed;
    dev.queues_.reserve(queues);  // so that push_back cannot throw with an fd in hand

    const short extra = offload ? IFF_VNET_HDR : 0;
    for (unsigned i = 0; i < queues; ++i) {
        Attach a;
        if (i == 0) {
            a = attach_any(name, existed, extra, dev.multi_queue_);
        } else {
            a = attach_queue(name, static_cast<short>(kBaseFlags | IFF_MULTI_QUEUE | extra));
        }
        if (!a.fd) return Error{attach_error(name, a)};
        dev.queues_.push_back(std::move(a.fd));
        if (!dev.multi_queue_) {
            if (queues > 1)
                common::log(LogLevel::Warning,
                            "tun-device {}: made without multi-queue support (by 'ip tuntap add' or TAYGA's "
                            "--mktun?), using 1 queue instead of {}; recreate it with nat64d --rmtun and --mktun "
                            "to use {}",
                            name, queues, queues);
            else
                common::log(LogLevel::Info, "tun-device {}: made without multi-queue support, using it as such", name);
            break;
        }
    }

    if (auto st = dev.set_up_features(offload); !st) return Error{st.error()};
    return dev;
}

// After the queues are attached: the steering program, the check that no
// other process asked for packet information, the offloads.
Status TunDevice::set_up_features(bool offload) {
    if (queues_.size() > 1) {
        if (auto st = install_steering(name_, queues_.front().get())) {
            steering_ = true;
        } else {
            // An optimisation only: the kernel's own queue choice stays.
            common::log(LogLevel::Debug, "{}", st.error());
        }
    }

    // The first queue attached to a device sets its TUN features; if another
    // process already had one open with packet information, ours would see
    // a 4-byte header in front of every packet.
    ifreq ifr{};
    if (::ioctl(queues_.front().get(), TUNGETIFF, &ifr) < 0)
        return Error{fmt::format("tun-device {}: cannot read its flags: {}", name_, std::strerror(errno))};
    if ((ifr.ifr_flags & IFF_TUN) == 0 || (ifr.ifr_flags & IFF_NO_PI) == 0)
        return Error{
            fmt::format("tun-device {}: another process has it open with packet information headers "
                        "(IFF_NO_PI is not in effect); stop that process first",
                        name_)};
    if (offload) {
        vnet_hdr_ = true;
        // The header size is the device's: the plain virtio_net_hdr.
        int hdr_size = static_cast<int>(kVnetHdrLen);
        if (::ioctl(queues_.front().get(), TUNSETVNETHDRSZ, &hdr_size) < 0)
            return Error{
                fmt::format("tun-device {}: cannot set the vnet header size: {}", name_, std::strerror(errno))};
        // Offered, not required: without them the header stays (all zero)
        // and packets come one by one. UDP segmentation (USO, Linux 6.2+;
        // the UAPI headers of older systems lack the flags) is offered
        // first and dropped if the kernel refuses it.
        const unsigned long tcp = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
        const int fd = queues_.front().get();
        if (::ioctl(fd, TUNSETOFFLOAD, tcp | kTunUso4 | kTunUso6) == 0) {
            offload_active_ = true;
            uso_active_ = true;
        } else if (::ioctl(fd, TUNSETOFFLOAD, tcp) == 0) {
            offload_active_ = true;
        } else {
            common::log(LogLevel::Warning, "tun-device {}: the kernel refused checksum/segmentation offload: {}", name_,
                        std::strerror(errno));
        }
    }
    return {};
}

Status make_persistent(const std::string& name) {
    if (auto ok = check_name(name); !ok) return ok;
    return set_persist(name, true);
}

Status remove_persistent(const std::string& name) {
    if (auto ok = check_name(name); !ok) return ok;
    if (!tun_exists(name)) return Error{fmt::format("tun-device {}: no such TUN device", name)};
    return set_persist(name, false);
}

bool tun_exists(const std::string& name) {
    auto sock = netlink::Socket::open();
    if (!sock) return false;
    if (auto info = sock->tun_info(name)) return !info->tap;
    // Kernels before 4.15 give no TUN details: the link kind must do.
    auto kind = sock->link_kind(name);
    return kind && *kind == "tun";
}

}  // namespace nat64d::io
