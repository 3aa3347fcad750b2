#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/error.h"

namespace podkeeper::runtime {

// Writes path as a whole or not at all: temp file in the same directory, fsync, rename,
// fsync of the directory. A reader never sees a half-written file, even after a crash.
// The file gets exactly `mode` (the umask does not apply); the default keeps it to root, as
// state files hold specs and env values.
Result<void> writeFileAtomic(const std::string& path, std::string_view content, mode_t mode = 0600);

// Reads a whole file. Error code ENOENT when it does not exist.
Result<std::string> readWholeFile(const std::string& path);

}  // namespace podkeeper::runtime
