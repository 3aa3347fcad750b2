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

// The same temporary file and rename, without the two fsyncs: a reader still never sees half
// a file, but a power loss may lose it. For the records of a start (state.json), which
// describe processes that do not outlive a reboot either; each fsync costs milliseconds on a
// disk-backed state directory.
Result<void> replaceFile(const std::string& path, std::string_view content, mode_t mode = 0600);

// Creates path, which must not exist (O_EXCL, no symlink followed), with exactly `mode`, and
// writes content in place: for a file nothing reads before its writer is done, such as a new
// container's config.json, read by the shim the agent starts afterwards. No fsync (as above).
Result<void> writeNewFile(const std::string& path, std::string_view content, mode_t mode = 0600);

// Reads a whole file. Error code ENOENT when it does not exist.
Result<std::string> readWholeFile(const std::string& path);

}  // namespace podkeeper::runtime
