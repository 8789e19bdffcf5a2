#include "bpf/fastpath.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_set>

#include <fmt/format.h>

// The generated skeleton is C; its initialisers are not pedantic C++.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "fastpath.skel.h"
#pragma GCC diagnostic pop

namespace nat64d::bpf {
namespace {

using common::Error;
using common::Result;
using common::Status;

// BPF_TCX_EGRESS (kernel 6.6 UAPI); Debian 12's headers predate it.
constexpr int kTcxEgress = 47;
// The clsact filter's handle and priority: fixed, so that a later run
// finds a filter left behind (remove_stale).
constexpr std::uint32_t kTcHandle = 0x64;
constexpr std::uint32_t kTcPriority = 0x6464;

std::string errno_text(int err) {
    return std::strerror(err < 0 ? -err : err);
}

Error failed(std::string_view what, int err) {
    return Error{fmt::format("kernel fast path: {}: {}", what, errno_text(err))};
}

// Deletes every key of `map` (an idle table set before it is refilled).
template <typename Key>
Status clear_map(const bpf_map* map) {
    const int fd = bpf_map__fd(map);
    std::vector<Key> keys;
    Key k{};
    bool first = true;
    while (bpf_map_get_next_key(fd, first ? nullptr : &k, &k) == 0) {
        keys.push_back(k);
        first = false;
    }
    for (const Key& key : keys) {
        if (bpf_map_delete_elem(fd, &key) != 0 && errno != ENOENT) {
            return failed(fmt::format("clearing map {}", bpf_map__name(map)), errno);
        }
    }
    return {};
}

// libbpf prints the kernel's message for every failed netlink request; the
// tc requests below fail on purpose (no qdisc yet, no stale filter), and
// their results say all there is to say.
class QuietLibbpf {
public:
    QuietLibbpf() : old_(libbpf_set_print(nullptr)) {}
    ~QuietLibbpf() { libbpf_set_print(old_); }
    QuietLibbpf(const QuietLibbpf&) = delete;
    QuietLibbpf& operator=(const QuietLibbpf&) = delete;

private:
    libbpf_print_fn_t old_;
};

bpf_tc_hook egress_hook(unsigned ifindex) {
    bpf_tc_hook h{};
    h.sz = sizeof h;
    h.ifindex = static_cast<int>(ifindex);
    h.attach_point = BPF_TC_EGRESS;
    return h;
}

bpf_tc_opts our_filter() {
    bpf_tc_opts o{};
    o.sz = sizeof o;
    o.handle = kTcHandle;
    o.priority = kTcPriority;
    return o;
}

// The devices of this network namespace with an Ethernet header
// (ARPHRD_ETHER: Ethernet, veth, bridge, bond, VLAN, macvlan...).
Result<std::unordered_set<std::uint32_t>> ethernet_devices() {
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return failed("a socket to list the devices", errno);
    struct if_nameindex* all = ::if_nameindex();
    if (all == nullptr) {
        const int e = errno;
        ::close(s);
        return failed("listing the devices", e);
    }
    std::unordered_set<std::uint32_t> out;
    for (const struct if_nameindex* i = all; i->if_index != 0 && i->if_name != nullptr; ++i) {
        ifreq ifr{};
        std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", i->if_name);
        // A device gone since the listing is simply not one.
        if (::ioctl(s, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER) out.insert(i->if_index);
    }
    ::if_freenameindex(all);
    ::close(s);
    return out;
}

}  // namespace

Result<std::unique_ptr<FastPath>> FastPath::load(const LoadOptions& o) {
    std::unique_ptr<FastPath> fp{new FastPath()};
    fp->skel_ = fastpath_bpf__open();
    if (fp->skel_ == nullptr) return failed("opening the BPF object", errno);
    fp->skel_->rodata->l2_len = o.l2_len;
    fp->skel_->rodata->tun_ifindex = o.tun_ifindex;
    if (o.direct && o.l2_len != 0) return Error{"kernel fast path: direct mode needs l2_len 0 (the TUN device)"};
    fp->skel_->rodata->direct_mode = o.direct ? 1 : 0;
    fp->direct_ = o.direct;
    const std::uint32_t leases = std::max<std::uint32_t>(o.max_leases, 1);
    if (const int e = bpf_map__set_max_entries(fp->skel_->maps.lease4, leases); e != 0)
        return failed("sizing the lease maps", e);
    if (const int e = bpf_map__set_max_entries(fp->skel_->maps.lease6, leases); e != 0)
        return failed("sizing the lease maps", e);
    if (const int e = fastpath_bpf__load(fp->skel_); e != 0) {
        return failed("loading the BPF program (needs CAP_BPF and CAP_NET_ADMIN, a kernel with BTF)", e);
    }
    if (Status s = fp->seed_ids(nullptr); !s) return Error{s.error()};
    if (o.direct) {
        if (auto n = fp->refresh_direct_devices(); !n) return Error{n.error()};
    }
    return fp;
}

FastPath::~FastPath() {
    detach();
    fastpath_bpf__destroy(skel_);
}

Status FastPath::seed_ids(const xlat::Ipv4IdGenerator::Key* same_key) {
    // RFC 7739 §5: the Identification must not be predictable off the path:
    // every CPU's generator gets its own random SipHash key.
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) return failed("counting the CPUs", cpus);
    const std::size_t size = bpf_map__value_size(skel_->maps.ipv4_ids);
    const std::size_t stride = (size + 7) / 8 * 8;
    std::vector<std::uint8_t> values(stride * static_cast<std::size_t>(cpus), 0);
    for (int cpu = 0; cpu < cpus; ++cpu) {
        xlat::Ipv4IdGenerator::Key key{};
        if (same_key != nullptr) {
            key = *same_key;
        } else {
            std::size_t got = 0;
            while (got < key.size()) {
                const ssize_t n = ::getrandom(key.data() + got, key.size() - got, 0);
                if (n < 0) {
                    if (errno == EINTR) continue;
                    return failed("getrandom", errno);
                }
                got += static_cast<std::size_t>(n);
            }
        }
        // The key words as xlat::Ipv4IdGenerator reads them: little-endian.
        nat64d_bpf_id_state st{};
        for (int i = 7; i >= 0; --i) {
            st.k0 = (st.k0 << 8) | key[static_cast<std::size_t>(i)];
            st.k1 = (st.k1 << 8) | key[static_cast<std::size_t>(i) + 8];
        }
        std::memcpy(values.data() + stride * static_cast<std::size_t>(cpu), &st, sizeof st);
    }
    const std::uint32_t zero = 0;
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.ipv4_ids), &zero, values.data(), BPF_ANY) != 0)
        return failed("seeding the IPv4 Identification keys", errno);
    return {};
}

Status FastPath::set_id_key(const xlat::Ipv4IdGenerator::Key& key) {
    return seed_ids(&key);
}

Status FastPath::publish(const xlat::Tables& t, std::span<const Prefix4> deny4) {
    const TableSet set = make_table_set(t, deny4);
    if (set.maps.size() > NAT64D_BPF_MAX_MAPS) {
        return Error{fmt::format("kernel fast path: {} map entries, at most {}", set.maps.size(), NAT64D_BPF_MAX_MAPS)};
    }
    if (set.deny4.size() > NAT64D_BPF_MAX_MAPS) {
        return Error{
            fmt::format("kernel fast path: {} deny4 entries, at most {}", set.deny4.size(), NAT64D_BPF_MAX_MAPS)};
    }
    const std::uint32_t idle = (__atomic_load_n(&skel_->bss->active_set, __ATOMIC_ACQUIRE) & 1) ^ 1;
    const bpf_map* map4 = idle == 0 ? skel_->maps.map4_0 : skel_->maps.map4_1;
    const bpf_map* map6 = idle == 0 ? skel_->maps.map6_0 : skel_->maps.map6_1;
    if (Status s = clear_map<nat64d_bpf_key4>(map4); !s) return s;
    if (Status s = clear_map<nat64d_bpf_key6>(map6); !s) return s;
    const bpf_map* deny = idle == 0 ? skel_->maps.deny4_0 : skel_->maps.deny4_1;
    if (Status s = clear_map<nat64d_bpf_key4>(deny); !s) return s;
    const std::uint8_t one = 1;
    for (const nat64d_bpf_key4& k : set.deny4) {
        if (bpf_map_update_elem(bpf_map__fd(deny), &k, &one, BPF_ANY) != 0)
            return failed("writing a deny4 entry", errno);
    }
    for (const MapPair& p : set.maps) {
        if (bpf_map_update_elem(bpf_map__fd(map4), &p.key4, &p.val4, BPF_ANY) != 0)
            return failed("writing a map entry (IPv4 side)", errno);
        if (bpf_map_update_elem(bpf_map__fd(map6), &p.key6, &p.val6, BPF_ANY) != 0)
            return failed("writing a map entry (IPv6 side)", errno);
    }
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.settings), &idle, &set.settings, BPF_ANY) != 0)
        return failed("writing the settings", errno);
    // The switch: one aligned 32-bit store into the program's .bss.
    __atomic_store_n(&skel_->bss->active_set, idle, __ATOMIC_RELEASE);
    return {};
}

Status FastPath::add_lease(const Ipv6Addr& v6, const Ipv4Addr& v4) {
    nat64d_bpf_lease6_val l6{};
    std::memcpy(l6.v4, v4.bytes.data(), 4);
    nat64d_bpf_lease4_val l4{};
    std::memcpy(l4.v6, v6.bytes.data(), 16);
    std::uint32_t k4 = 0;
    std::memcpy(&k4, v4.bytes.data(), 4);
    // The IPv4 side first: a packet may find it before the other side is
    // there, and then only its 4->6 direction is fast for a moment.
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.lease4), &k4, &l4, BPF_ANY) != 0)
        return failed("mirroring a lease", errno);
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.lease6), v6.bytes.data(), &l6, BPF_ANY) != 0)
        return failed("mirroring a lease", errno);
    return {};
}

Status FastPath::remove_lease(const Ipv6Addr& v6, const Ipv4Addr& v4) {
    std::uint32_t k4 = 0;
    std::memcpy(&k4, v4.bytes.data(), 4);
    if (bpf_map_delete_elem(bpf_map__fd(skel_->maps.lease6), v6.bytes.data()) != 0 && errno != ENOENT)
        return failed("removing a lease", errno);
    if (bpf_map_delete_elem(bpf_map__fd(skel_->maps.lease4), &k4) != 0 && errno != ENOENT)
        return failed("removing a lease", errno);
    return {};
}

Result<std::vector<LeaseUse>> FastPath::lease_uses() const {
    std::vector<LeaseUse> out;
    const int fd6 = bpf_map__fd(skel_->maps.lease6);
    const int fd4 = bpf_map__fd(skel_->maps.lease4);
    Ipv6Addr k{};
    bool first = true;
    while (bpf_map_get_next_key(fd6, first ? nullptr : k.bytes.data(), k.bytes.data()) == 0) {
        first = false;
        nat64d_bpf_lease6_val v{};
        if (bpf_map_lookup_elem(fd6, k.bytes.data(), &v) != 0) continue;  // removed meanwhile
        LeaseUse u;
        u.v6 = k;
        std::memcpy(u.v4.bytes.data(), v.v4, 4);
        u.last_use_ns = v.last_use_ns;
        std::uint32_t k4 = 0;
        std::memcpy(&k4, v.v4, 4);
        nat64d_bpf_lease4_val v4{};
        if (bpf_map_lookup_elem(fd4, &k4, &v4) == 0)
            u.last_use_ns = std::max<std::uint64_t>(u.last_use_ns, v4.last_use_ns);
        out.push_back(u);
    }
    return out;
}

Result<CounterValues> FastPath::counters() const {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) return failed("counting the CPUs", cpus);
    CounterValues sum{};
    std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus));
    for (std::uint32_t i = 0; i < kCounterCount; ++i) {
        if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.counters), &i, per_cpu.data()) != 0)
            return failed("reading the counters", errno);
        for (const std::uint64_t v : per_cpu) sum[i] += v;
    }
    return sum;
}

Result<std::size_t> FastPath::refresh_direct_devices() {
    auto now = ethernet_devices();
    if (!now) return Error{now.error()};
    std::vector<std::uint64_t> words(NAT64D_BPF_ETHER_WORDS, 0);
    std::size_t known = 0;
    for (const std::uint32_t i : *now) {
        if (i / 64 >= words.size()) continue;  // past the bitmap: the ingress way
        words[i / 64] |= std::uint64_t{1} << (i % 64);
        ++known;
    }
    // Word by word (each an 8-byte store in the kernel): a packet meanwhile
    // finds a device or not, and without it takes the ingress path.
    std::vector<std::uint32_t> keys(words.size());
    for (std::uint32_t k = 0; k < keys.size(); ++k) keys[k] = k;
    auto n = static_cast<std::uint32_t>(keys.size());
    if (bpf_map_update_batch(bpf_map__fd(skel_->maps.ether_devices), keys.data(), words.data(), &n, nullptr) != 0)
        return failed("updating the Ethernet devices", errno);
    return known;
}

Status FastPath::attach(unsigned ifindex, AttachMode mode) {
    if (attached_ != Attachment::None) return Error{"kernel fast path: already attached"};
    const int prog = bpf_program__fd(skel_->progs.nat64d_fastpath);
    int tcx_err = EOPNOTSUPP;
    if (mode == AttachMode::Auto) {
        // A tcx link belongs to this process: it goes when the daemon does.
        const int link =
            bpf_link_create(prog, static_cast<int>(ifindex), static_cast<bpf_attach_type>(kTcxEgress), nullptr);
        if (link >= 0) {
            link_fd_ = link;
            ifindex_ = ifindex;
            attached_ = Attachment::Tcx;
            return {};
        }
        tcx_err = errno;
    }
    const QuietLibbpf quiet;
    bpf_tc_hook hook = egress_hook(ifindex);
    if (const int e = bpf_tc_hook_create(&hook); e != 0 && e != -EEXIST) {
        return Error{fmt::format("kernel fast path: no tcx link ({}) and no clsact qdisc ({})", errno_text(tcx_err),
                                 errno_text(e))};
    }
    bpf_tc_opts opts = our_filter();
    opts.prog_fd = prog;
    opts.flags = BPF_TC_F_REPLACE;
    if (const int e = bpf_tc_attach(&hook, &opts); e != 0) {
        return Error{fmt::format("kernel fast path: no tcx link ({}) and no clsact filter ({})", errno_text(tcx_err),
                                 errno_text(e))};
    }
    ifindex_ = ifindex;
    attached_ = Attachment::Clsact;
    return {};
}

void FastPath::detach() noexcept {
    if (attached_ == Attachment::Tcx) {
        ::close(link_fd_);
        link_fd_ = -1;
    } else if (attached_ == Attachment::Clsact) {
        const QuietLibbpf quiet;
        bpf_tc_hook hook = egress_hook(ifindex_);
        bpf_tc_opts opts = our_filter();
        (void)bpf_tc_detach(&hook, &opts);  // the device may be gone already
    }
    attached_ = Attachment::None;
}

Result<bool> FastPath::remove_stale(unsigned ifindex) {
    const QuietLibbpf quiet;
    bpf_tc_hook hook = egress_hook(ifindex);
    bpf_tc_opts opts = our_filter();
    const int q = bpf_tc_query(&hook, &opts);
    if (q == -ENOENT || q == -EINVAL) return false;  // no filter, or no clsact qdisc at all
    if (q != 0) return failed("looking for a filter left by an earlier run", q);
    bpf_tc_opts del = our_filter();
    if (const int e = bpf_tc_detach(&hook, &del); e != 0)
        return failed("removing the filter left by an earlier run", e);
    return true;
}

Result<TestRunResult> FastPath::test_run(std::span<const std::uint8_t> frame) const {
    TestRunResult r;
    r.data.resize(frame.size() + 256);
    bpf_test_run_opts opts{};  // not LIBBPF_OPTS: a GNU statement expression
    opts.sz = sizeof opts;
    opts.data_in = frame.data();
    opts.data_size_in = static_cast<std::uint32_t>(frame.size());
    opts.data_out = r.data.data();
    opts.data_size_out = static_cast<std::uint32_t>(r.data.size());
    opts.repeat = 1;
    if (const int e = bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.nat64d_fastpath), &opts); e != 0)
        return failed("BPF_PROG_TEST_RUN", e);
    r.retval = opts.retval;
    r.data.resize(opts.data_size_out);
    return r;
}

}  // namespace nat64d::bpf
