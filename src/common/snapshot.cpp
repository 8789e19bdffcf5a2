#include "common/snapshot.hpp"

namespace nat64d::common {

std::uint64_t next_publisher_id() noexcept {
    // Ids let a reader tell publishers apart even when a new one is
    // allocated where a freed one was (tests, a restarted pool).
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace nat64d::common
