// Where a setting came from (file and line), so that later checks, reload
// and the map table's clash messages can cite it.
#pragma once

#include <string>

namespace nat64d {

struct SourcePos {
    std::string file;
    unsigned line = 0;
};

}  // namespace nat64d
