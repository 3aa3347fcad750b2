#pragma once

#include <string>
#include <vector>

#include "common/error.h"

// Confining the container's command with an AppArmor profile as runc does: the profile is set
// for the next exec by writing "exec <profile>" to the process's attr file, right before
// execve, so the runtime's own steps run unconfined and the command starts confined.
namespace podkeeper::runtime {

struct AppArmorExecPlan {
  std::vector<std::string> attrFiles;  // tried in order: the first that exists is written
  std::string content;                 // "exec <profile>"
};

// The plan for a profile name (kRuntimeDefaultAppArmorProfile for RuntimeDefault, the
// localhostProfile for Localhost). procSelf is the calling process's /proc directory (a
// fake one in tests). Pure.
AppArmorExecPlan appArmorExecPlan(const std::string& profile,
                                  const std::string& procSelf = "/proc/self");

// Writes the plan from the calling process (the container's init, just before exec): the
// first attr file that exists (the kernel's /proc/self/attr/apparmor/exec since 5.8, else
// the older /proc/self/attr/exec). Fails naming the file when the kernel refuses it.
Result<void> applyAppArmorExecPlan(const AppArmorExecPlan& plan);

}  // namespace podkeeper::runtime
