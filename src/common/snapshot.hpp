// RCU-style publication of an immutable snapshot to reader threads, with
// versions: the writer replaces the snapshot (publish), each reader thread
// keeps its own reference (SnapshotReader) and compares version numbers;
// only when the version moved does it take a short mutex to copy the new
// reference. A reader never waits for a writer building a snapshot (that
// happens before publish), and an old snapshot dies with its last reader.
//
// Why a mutex and not std::atomic<std::shared_ptr>: libstdc++ 12's
// atomic<shared_ptr> releases its internal lock after a load with relaxed
// order, so its pointer read is not ordered before a concurrent store
// (ThreadSanitizer reports it). The mutex is held only to copy or replace
// the pointer, never while a snapshot is built or freed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "common/snapshot_reader.hpp"

namespace nat64d::common {

// A new id for each publisher made in this process (never 0).
[[nodiscard]] std::uint64_t next_publisher_id() noexcept;

template <typename T>
class SnapshotPublisher {
public:
    // No snapshot yet: publish() one before any view().
    SnapshotPublisher() noexcept : id_(next_publisher_id()) {}
    explicit SnapshotPublisher(std::shared_ptr<const T> initial) noexcept : SnapshotPublisher() {
        publish(std::move(initial));
    }
    SnapshotPublisher(const SnapshotPublisher&) = delete;
    SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;

    // Makes `next` the current snapshot and bumps the version. The previous
    // snapshot is released after the mutex (if this was its last
    // reference, freeing it holds up no reader).
    void publish(std::shared_ptr<const T> next) noexcept {
        std::shared_ptr<const T> previous;
        const std::lock_guard lock(mutex_);
        previous = std::exchange(current_, std::move(next));
        // The pointer is read only under the mutex; the version (release,
        // paired with view()'s acquire) only tells readers to come for it.
        version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
        // (`previous` is destroyed after `lock`: declared before it.)
    }

    // The snapshot `reader` is to read: its own, or the current one when
    // the version moved (or the reader is new, or was another publisher's).
    // One atomic load when nothing changed. Requires a published snapshot.
    [[nodiscard]] const T& view(SnapshotReader<T>& reader) const noexcept {
        if (reader.version != version_.load(std::memory_order_acquire) || reader.publisher != id_) [[unlikely]] {
            // Dropped after the mutex is released: if this reader held the
            // previous snapshot last, freeing it must not hold up the others.
            std::shared_ptr<const T> previous = std::move(reader.snap);
            const std::lock_guard lock(mutex_);
            reader.snap = current_;
            reader.version = version_.load(std::memory_order_relaxed);  // current_'s, under the mutex
            reader.publisher = id_;
        }
        return *reader.snap;
    }

    // A reference to the current snapshot (null before the first publish).
    [[nodiscard]] std::shared_ptr<const T> current() const {
        const std::lock_guard lock(mutex_);
        return current_;
    }

    // Bumped by every publish (0: none yet).
    [[nodiscard]] std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }

private:
    const std::uint64_t id_;
    mutable std::mutex mutex_;
    std::shared_ptr<const T> current_;  // under mutex_
    std::atomic<std::uint64_t> version_{0};
};

}  // namespace nat64d::common
