// Prints the name of every configuration directive of the directive table
// (config::directives()), one per line, so that the documentation tests
// (check-docs.sh) compare the man page and the example files against the
// table itself rather than a copy of it.
#include <cstdio>

#include "config/config.hpp"

int main() {
    for (const auto& d : nat64d::config::directives()) {
        std::printf("%.*s\n", static_cast<int>(d.name.size()), d.name.data());
    }
    return 0;
}
