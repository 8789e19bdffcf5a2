#include "addr/free_runs.hpp"

#include <iterator>

namespace nat64d::addr {

void FreeRuns::take(std::uint32_t offset) {
    auto it = runs_.upper_bound(offset);
    if (it == runs_.begin()) return;
    --it;
    const std::uint32_t first = it->first;
    const std::uint32_t last = it->second;
    if (offset > last) return;  // not free
    if (first == offset && last == offset) {
        runs_.erase(it);
    } else if (first == offset) {
        runs_.emplace_hint(std::next(it), offset + 1, last);
        runs_.erase(it);
    } else if (last == offset) {
        it->second = offset - 1;
    } else {
        runs_.emplace_hint(std::next(it), offset + 1, last);
        it->second = offset - 1;
    }
}

void FreeRuns::give(std::uint32_t offset) {
    auto next = runs_.upper_bound(offset);
    const bool joins_next = next != runs_.end() && next->first == offset + 1;
    if (next != runs_.begin()) {
        auto prev = std::prev(next);
        if (prev->second >= offset) return;  // already free
        if (prev->second + 1 == offset) {
            prev->second = joins_next ? next->second : offset;
            if (joins_next) runs_.erase(next);
            return;
        }
    }
    if (joins_next) {
        runs_.emplace_hint(next, offset, next->second);
        runs_.erase(next);
    } else {
        runs_.emplace_hint(next, offset, offset);
    }
}

void FreeRuns::remove_range(std::uint32_t first, std::uint32_t last) {
    // Runs overlapping [first, last] are cut back.
    auto it = runs_.upper_bound(first);
    if (it != runs_.begin()) --it;
    while (it != runs_.end() && it->first <= last) {
        const std::uint32_t f = it->first;
        const std::uint32_t l = it->second;
        if (l < first) {
            ++it;
            continue;
        }
        it = runs_.erase(it);
        if (f < first) runs_.emplace(f, first - 1);
        if (l > last) runs_.emplace(last + 1, l);
    }
}

std::optional<std::uint32_t> FreeRuns::find_from(std::uint32_t from) const noexcept {
    if (runs_.empty()) return std::nullopt;
    auto it = runs_.upper_bound(from);
    if (it != runs_.begin() && std::prev(it)->second >= from) return from;
    if (it != runs_.end()) return it->first;
    return runs_.begin()->first;
}

bool FreeRuns::contains(std::uint32_t offset) const noexcept {
    const auto it = runs_.upper_bound(offset);
    return it != runs_.begin() && std::prev(it)->second >= offset;
}

std::uint64_t FreeRuns::count() const noexcept {
    std::uint64_t n = 0;
    for (const auto& [first, last] : runs_) n += std::uint64_t{last} - first + 1;
    return n;
}

}  // namespace nat64d::addr
