#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/process_signaller.h"
#include "runtime/cgroup/stat_file_cache.h"

// Operations on a cgroup and its descendants, shared by the v1 and v2 drivers.
namespace podkeeper::runtime::cgroup {

// Called for each level of a path, outermost first, once it exists (new or not).
using LevelHook = std::function<Result<void>(const std::string& parent, const std::string& dir)>;
// mkdir -p of base/path; base itself is never made. Without a hook, deepest first (makeDirs).
Result<void> mkdirAll(const std::string& base, const CgroupPath& path,
                      const LevelHook& onLevel = {});

// The pids listed in `file` (cgroup.procs, tasks, cgroup.threads) of dir and all descendants.
Result<std::vector<pid_t>> pidsInTree(const std::string& dir, const char* file);
// Processes (cgroup.procs) and threads (threadsFile: "tasks" on v1, "cgroup.threads" on v2)
// of dir and all descendants, in one walk through files' directories, reading with buf
// reused. The pid lists are read with a fresh open each time (see StatDir::readFresh), and a
// directory's count is kept for the rest of the scrape: a pod row and its container rows
// count each container once. Fails with ENOENT when dir is gone.
Result<TaskCount> countTasksInTree(StatFileCache& files, const std::string& dir,
                                   const char* threadsFile, std::string& buf);
// Stats with processes and threads counted by countTasksInTree (through files' buffer), for a
// driver's statsThrough to fill in the rest. Fails with ENOENT when dir is gone.
Result<Stats> statsWithTaskCounts(StatFileCache& files, const std::string& dir,
                                  const char* threadsFile);

// Whether path is a directory: a cgroup that exists in that hierarchy.
bool isDirectory(const std::string& path);

// rmdir of dir's descendants, then dir, retrying EBUSY while tasks finish exiting.
// A dir that does not exist is already removed.
Result<void> removeTree(const std::string& dir, ProcessSignaller& signaller);

}  // namespace podkeeper::runtime::cgroup
