// The main of every unit test: Catch2's, except that a run in which a test
// case skipped (support/skip.hpp) and none failed exits with
// kSkipExitCode, which ctest reports as skipped, not passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "support/skip.hpp"

int main(int argc, char* argv[]) {
    const int failed = Catch::Session().run(argc, argv);
    if (failed == 0 && nat64d::test::skip_count() > 0) return nat64d::test::kSkipExitCode;
    return failed;
}
