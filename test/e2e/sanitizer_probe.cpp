// A program with one deliberate bug, run the way nat64d runs in the
// end-to-end tests: detached (forked, stderr on /dev/null) and optionally
// chrooted. test/e2e/sanitized.sh must fail on its report: this pins that a
// sanitizer report of a detached daemon is not lost (built and registered
// only in sanitized builds, test/e2e/CMakeLists.txt).
// Usage: sanitizer_probe overflow|leak|undefined|race [CHROOT-DIR]
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

// Not optimised away: the compiler cannot see through a volatile pointer.
char* volatile g_sink = nullptr;
int g_shared = 0;

int overflow() {
    char* p = new char[16];
    g_sink = p;
    const int past = 16 + (std::rand() & 0);  // one past the end, unknown to the compiler
    g_sink[past] = 1;
    delete[] p;
    return 0;
}

int leak() {
    // Many blocks, each one's only reference overwritten by the next: LSan
    // scans registers and stacks conservatively, and a stale copy of one
    // pointer can hide that block, never all of them.
    for (int i = 0; i < 16; ++i) g_sink = new char[64];
    g_sink = nullptr;
    return 0;
}

int undefined() {
    volatile int big = 0x7fffffff;
    const int sum = big + 1;  // signed overflow
    return sum == 0 ? 1 : 0;
}

int race() {
    std::atomic<bool> go{false};
    std::thread t([&] {
        while (!go.load(std::memory_order_relaxed)) {
        }
        ++g_shared;
    });
    go = true;
    ++g_shared;
    t.join();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s overflow|leak|undefined|race [CHROOT-DIR]\n", argv[0]);
        return 2;
    }
    // As nat64d detaches: the bug happens in a child whose stderr is /dev/null.
    const pid_t pid = ::fork();
    if (pid < 0) return 2;
    if (pid > 0) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        return 0;  // the caller sees success: only the report tells
    }
    const int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, STDERR_FILENO);
    if (argc > 2 && (::chroot(argv[2]) != 0 || ::chdir("/") != 0)) return 2;
    if (std::strcmp(argv[1], "overflow") == 0) return overflow();
    if (std::strcmp(argv[1], "leak") == 0) return leak();
    if (std::strcmp(argv[1], "undefined") == 0) return undefined();
    if (std::strcmp(argv[1], "race") == 0) return race();
    return 2;
}
