// The free addresses of the dynamic pool as runs of offsets (first ->
// last, disjoint, never adjacent), the allocator under the lease policy.
// Memory grows with the number of gaps, not with the pool's size: a /8 pool
// with a few hundred leases is a few hundred runs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace nat64d::addr {

class FreeRuns {
public:
    FreeRuns() = default;
    // Every offset of [first, last] free (first <= last).
    FreeRuns(std::uint32_t first, std::uint32_t last) { runs_.emplace(first, last); }

    // take() and give() allocate (if at all) before they change anything,
    // so a bad_alloc leaves the runs as they were; remove_range() is for
    // runs being built (the pool swaps them in when complete).

    // `offset` is no longer free (nothing happens if it was not).
    void take(std::uint32_t offset);
    // `offset` is free again (nothing happens if it already was).
    void give(std::uint32_t offset);
    // No offset of [first, last] is free any more.
    void remove_range(std::uint32_t first, std::uint32_t last);

    // TAYGA's search: the first free offset at or above `from`, wrapping
    // to the lowest free one; nullopt when nothing is free.
    [[nodiscard]] std::optional<std::uint32_t> find_from(std::uint32_t from) const noexcept;
    [[nodiscard]] bool contains(std::uint32_t offset) const noexcept;
    // How many offsets are free.
    [[nodiscard]] std::uint64_t count() const noexcept;
    [[nodiscard]] bool empty() const noexcept { return runs_.empty(); }
    // The runs, lowest first (for tests and diagnostics).
    [[nodiscard]] const std::map<std::uint32_t, std::uint32_t>& runs() const noexcept { return runs_; }

    void swap(FreeRuns& other) noexcept { runs_.swap(other.runs_); }

private:
    std::map<std::uint32_t, std::uint32_t> runs_;
};

}  // namespace nat64d::addr
