// A reader thread's handle on a snapshot that a common::SnapshotPublisher
// (common/snapshot.hpp) publishes: light enough for any header that hands
// one to the packet path.
#pragma once

#include <cstdint>
#include <memory>

namespace nat64d::common {

// A reader thread's own view: its reference to the snapshot it reads, and
// which publisher and which version that is. Never shared between threads.
// A default constructed reader picks up the current snapshot on first use;
// one that moves to another publisher notices it (publisher ids are unique
// in the process, never 0).
template <typename T>
struct SnapshotReader {
    std::shared_ptr<const T> snap;
    std::uint64_t publisher = 0;  // 0: none yet
    std::uint64_t version = 0;
};

}  // namespace nat64d::common
