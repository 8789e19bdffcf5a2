// Standalone driver for the fuzz targets when libFuzzer is not there (g++):
// replays every file of the corpus directories given, then runs a bounded
// number of seeded mutations of them (byte flips, truncation, splices), so
// that CI exercises the invariants on every build.
//
// A seed named NAME@OUTCOME states what it is meant to reach: when the
// target reports outcomes (nat64d_fuzz_outcome(), e.g. "forward" or
// "drop:bad-ipv4-checksum"), a seed that reaches another one fails the
// run, so a seed cannot silently stop testing what it was made for.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// What the last input reached; defined by the targets that can tell.
extern "C" const char* nat64d_fuzz_outcome() __attribute__((weak));

int main(int argc, char** argv) {
    std::vector<std::vector<std::uint8_t>> corpus;
    int wrong = 0;
    std::size_t checked = 0;
    for (int i = 1; i < argc; ++i) {
        for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
            std::ifstream in(entry.path(), std::ios::binary);
            corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            const auto& c = corpus.back();
            LLVMFuzzerTestOneInput(c.data(), c.size());
            const std::string name = entry.path().filename().string();
            const auto at = name.find('@');
            if (nat64d_fuzz_outcome == nullptr || at == std::string::npos) continue;
            ++checked;
            const std::string want = name.substr(at + 1);
            const std::string got = nat64d_fuzz_outcome();
            if (got != want) {
                std::fprintf(stderr, "seed %s: reached %s, not %s\n", name.c_str(), got.c_str(), want.c_str());
                ++wrong;
            }
        }
    }
    if (corpus.empty()) {
        std::fprintf(stderr, "no corpus files\n");
        return 1;
    }
    if (wrong != 0) return 1;
    std::mt19937 rng(12345);  // fixed seed: the same run every time
    constexpr int kMutations = 20000;
    for (int n = 0; n < kMutations; ++n) {
        auto input = corpus[rng() % corpus.size()];
        switch (rng() % 4) {
            case 0:  // flip a few bytes
                for (int k = 0; k < 1 + static_cast<int>(rng() % 4) && !input.empty(); ++k) {
                    input[rng() % input.size()] = static_cast<std::uint8_t>(rng());
                }
                break;
            case 1:  // truncate
                if (!input.empty()) input.resize(rng() % input.size());
                break;
            case 2: {  // splice with another entry
                const auto& other = corpus[rng() % corpus.size()];
                if (!other.empty() && !input.empty()) {
                    const std::size_t at = rng() % input.size();
                    input.resize(at);
                    input.insert(input.end(), other.begin() + static_cast<long>(rng() % other.size()), other.end());
                }
                break;
            }
            default:  // append random bytes
                for (int k = 0; k < static_cast<int>(rng() % 16); ++k)
                    input.push_back(static_cast<std::uint8_t>(rng()));
                break;
        }
        LLVMFuzzerTestOneInput(input.data(), input.size());
    }
    std::printf("replayed %zu corpus files (%zu with their outcome checked) and %d mutations\n", corpus.size(), checked,
                kMutations);
    return 0;
}
