#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/container_runtime.h"

// The kubelet's AtomicWriter layout for downwardAPI volumes, so a reader inside the container
// sees either all the old files or all the new ones:
//   <dir>/..2024_05_01_10_00_00.123456789/<files>   one timestamped directory per version
//   <dir>/..data -> ..2024_05_01_10_00_00.123456789  swapped with one rename()
//   <dir>/<name> -> ..data/<name>                   per top-level name of the payload
namespace podkeeper::runtime {

// "..2006_01_02_15_04_05.<nanoseconds>" for a CLOCK_REALTIME time, in UTC.
std::string timestampDirName(int64_t realtimeNs);

// Why a payload cannot be written ("" when it can): each path relative, without "..", no
// component starting with ".." (the layout's own names), no path twice.
std::string checkPayload(const std::vector<DownwardAPIFile>& files);

// The first component of each path: the names that get a symlink through ..data.
std::set<std::string> userVisibleNames(const std::vector<DownwardAPIFile>& files);

// Writes files into dir (created 0755 when missing) unless the current version holds exactly
// them, with exactly their modes; gid, when set, owns every file and directory of the new
// version (files get g+r, directories g+rx and setgid, as the kubelet's fsGroup does).
// Returns whether a new version was written. nowNs names the new version.
Result<bool> writeAtomically(const std::string& dir, const std::vector<DownwardAPIFile>& files,
                             std::optional<int64_t> gid, int64_t nowNs);

}  // namespace podkeeper::runtime
