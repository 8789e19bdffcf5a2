// Skipping a test that cannot run here (not root, no /dev/net/tun, no mount
// namespace), so that it is reported skipped and never passes with nothing
// asserted. Catch2 v2 has no SKIP: a test case calls skip() and returns;
// the main of every unit test (test/catch_main.cpp) then exits with
// kSkipExitCode (ctest's SKIP_RETURN_CODE) when something was skipped and
// nothing failed. Such test cases carry the tag [root]: the ctest entry
// unit_<m> runs "~[root]", unit_<m>_root runs "[root]" (test/CMakeLists.txt).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>

namespace nat64d::test {

inline constexpr int kSkipExitCode = 77;

// How many times skip() was called in this process.
inline int& skip_count() {
    static int count = 0;
    return count;
}

// Records a skip and prints "SKIPPED: <why>"; the test case returns after it.
inline void skip(const std::string& why) {
    std::printf("SKIPPED: %s\n", why.c_str());
    std::fflush(stdout);
    ++skip_count();
}

// skip()s and returns true when the process is not root.
inline bool skip_unless_root(const std::string& needs) {
    if (::geteuid() == 0) return false;
    skip("needs root (" + needs + ")");
    return true;
}

}  // namespace nat64d::test
