// addr::FreeRuns: the dynamic pool's free addresses as offset runs, and
// TAYGA's search order (first free at or above the hashed offset, wrapping).
#include <catch2/catch.hpp>

#include <map>

#include "addr/free_runs.hpp"

using nat64d::addr::FreeRuns;
using Runs = std::map<std::uint32_t, std::uint32_t>;

TEST_CASE("FreeRuns: take splits a run, give joins it back", "[addr][free]") {
    FreeRuns f(1, 255);
    CHECK(f.count() == 255);
    f.take(10);
    CHECK(f.runs() == Runs{{1, 9}, {11, 255}});
    f.take(1);
    f.take(255);
    CHECK(f.runs() == Runs{{2, 9}, {11, 254}});
    CHECK(f.count() == 252);
    f.take(10);  // not free: nothing changes
    f.take(0);
    CHECK(f.runs() == Runs{{2, 9}, {11, 254}});
    f.give(10);
    CHECK(f.runs() == Runs{{2, 254}});
    f.give(1);
    f.give(255);
    CHECK(f.runs() == Runs{{1, 255}});
    f.give(100);  // already free
    CHECK(f.runs() == Runs{{1, 255}});
}

TEST_CASE("FreeRuns: give of an isolated offset makes a run of one", "[addr][free]") {
    FreeRuns f(1, 3);
    f.take(1);
    f.take(2);
    f.take(3);
    CHECK(f.empty());
    CHECK(f.count() == 0);
    f.give(2);
    CHECK(f.runs() == Runs{{2, 2}});
    f.give(3);  // joins the run before it
    f.give(1);  // joins the run after it
    CHECK(f.runs() == Runs{{1, 3}});
}

TEST_CASE("FreeRuns: remove_range cuts every run it overlaps", "[addr][free]") {
    FreeRuns f(1, 100);
    f.take(50);
    f.remove_range(40, 60);
    CHECK(f.runs() == Runs{{1, 39}, {61, 100}});
    f.remove_range(1, 1);
    f.remove_range(100, 200);  // partly outside
    CHECK(f.runs() == Runs{{2, 39}, {61, 99}});
    f.remove_range(0, 1000);
    CHECK(f.empty());
}

TEST_CASE("FreeRuns: find_from is TAYGA's search, wrapping to the bottom", "[addr][free]") {
    FreeRuns f(1, 255);
    CHECK(f.find_from(80) == 80u);  // free: itself
    f.remove_range(80, 90);
    CHECK(f.find_from(80) == 91u);  // the next free above
    CHECK(f.find_from(85) == 91u);
    f.remove_range(91, 255);
    CHECK(f.find_from(85) == 1u);  // none above: wraps to the lowest free
    CHECK(f.find_from(0) == 1u);   // offset 0 is never in a run
    CHECK(f.contains(79));
    CHECK_FALSE(f.contains(80));
    CHECK_FALSE(f.contains(0));
    f.remove_range(1, 79);
    CHECK_FALSE(f.find_from(5).has_value());
}
