// common::SnapshotPublisher: RCU-style publication with versions, the
// machinery under the dynamic pool's lease snapshot and io::TablesSource.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/snapshot.hpp"

using nat64d::common::SnapshotPublisher;
using nat64d::common::SnapshotReader;

TEST_CASE("SnapshotPublisher: a new reader picks up the current snapshot", "[common][snapshot]") {
    SnapshotPublisher<int> pub(std::make_shared<const int>(7));
    CHECK(pub.version() == 1);
    SnapshotReader<int> reader;
    CHECK(pub.view(reader) == 7);
    CHECK(reader.version == 1);
    CHECK(reader.publisher != 0);
    CHECK(*pub.current() == 7);
}

TEST_CASE("SnapshotPublisher: a reader keeps its snapshot until the version moves", "[common][snapshot]") {
    SnapshotPublisher<int> pub;
    CHECK(pub.version() == 0);
    CHECK(pub.current() == nullptr);
    pub.publish(std::make_shared<const int>(1));
    SnapshotReader<int> reader;
    const int* first = &pub.view(reader);
    CHECK(&pub.view(reader) == first);  // same version: the same object, no copy
    auto second = std::make_shared<const int>(2);
    pub.publish(second);
    CHECK(pub.version() == 2);
    CHECK(&pub.view(reader) == second.get());
    CHECK(reader.version == 2);
}

TEST_CASE("SnapshotPublisher: an old snapshot lives as long as a reader holds it", "[common][snapshot]") {
    SnapshotPublisher<int> pub(std::make_shared<const int>(1));
    SnapshotReader<int> reader;
    (void)pub.view(reader);
    std::weak_ptr<const int> old = reader.snap;
    pub.publish(std::make_shared<const int>(2));
    CHECK_FALSE(old.expired());  // the reader has not come back yet
    CHECK(pub.view(reader) == 2);
    CHECK(old.expired());  // its last reader moved on: freed
}

TEST_CASE("SnapshotPublisher: a reader moved to another publisher notices it", "[common][snapshot]") {
    // Same version number, different publisher: the id tells them apart.
    SnapshotPublisher<int> a(std::make_shared<const int>(1));
    SnapshotPublisher<int> b(std::make_shared<const int>(2));
    SnapshotReader<int> reader;
    CHECK(a.view(reader) == 1);
    CHECK(b.view(reader) == 2);
    CHECK(a.view(reader) == 1);
}

TEST_CASE("SnapshotPublisher: readers on other threads see every snapshot whole (threads)", "[common][snapshot]") {
    // Each snapshot is a vector whose elements all equal its size: a reader
    // that ever sees a mixed one saw a half-published snapshot. Run under
    // ThreadSanitizer in the sanitizer build.
    using Snap = std::vector<int>;
    SnapshotPublisher<Snap> pub(std::make_shared<const Snap>(1, 1));
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&] {
            SnapshotReader<Snap> reader;
            std::uint64_t last_version = 0;
            for (int i = 0; i < 200000 && !stop.load(); ++i) {
                const Snap& s = pub.view(reader);
                for (const int v : s) {
                    if (v != static_cast<int>(s.size())) ++bad;
                }
                if (reader.version < last_version) ++bad;  // versions never go back
                last_version = reader.version;
            }
        });
    }
    for (int n = 2; n <= 300; ++n) pub.publish(std::make_shared<const Snap>(n, n));
    stop = true;
    for (auto& t : readers) t.join();
    CHECK(bad.load() == 0);
    CHECK(pub.version() == 300);
}
