#pragma once

#include <memory>

#include "common/error.h"
#include "runtime/cgroup/cgroup_manager.h"

// The driver for this machine's cgroup mode, chosen at start: v1, v2 or hybrid (v1
// controllers with a unified tree beside them).
namespace podkeeper::runtime::cgroup {

// Detects the mode (statfs on mountRoot, plus mountinfo) and builds the matching driver.
Result<std::unique_ptr<CgroupManager>> makeCgroupManager(const CgroupConfig& config);

class ProcessSignaller;  // runtime/cgroup/process_signaller.h

// The same with the OS seams passed in: probe replaces statfs; signaller (nullptr = the real
// one) replaces kill(2) and the waits of killAll/remove. With a fixture mountRoot, a
// mountinfoPath listing mounts under it and a probe answering TMPFS_MAGIC (v1/hybrid) or
// CGROUP2_SUPER_MAGIC (v2), this builds a real driver over plain directories.
Result<std::unique_ptr<CgroupManager>> makeCgroupManager(
    const CgroupConfig& config, const FsProbe& probe,
    std::shared_ptr<ProcessSignaller> signaller = nullptr);

}  // namespace podkeeper::runtime::cgroup
