#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/error.h"

// mkdir -p, the one implementation (the state directory's trees and the cgroup drivers').
namespace podkeeper {

// Makes `path` and those of its parents that are missing, each with `mode` (an existing
// directory keeps its own), deepest first: the last component is tried first and a parent
// only when it is missing (ENOENT). A start makes a dozen directories beneath trees that
// exist, and a walk from the root tried every ancestor of each (a hundred failed mkdir calls
// per start). Nothing is made at or above `stopAt` ("" for no limit): a missing `stopAt`
// fails with ENOENT naming the directory beneath it. An existing non-directory counts as
// existing (EEXIST), as mkdir -p's callers here always took it.
Result<void> makeDirs(const std::string& path, mode_t mode, std::string_view stopAt = {});

}  // namespace podkeeper
