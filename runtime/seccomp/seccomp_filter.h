#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "common/error.h"

// The loading side of seccomp, used by the shim's container init and by exec: a compiled BPF
// program (see seccomp_compile.h) stored as raw instructions in the container's directory.
namespace podkeeper::runtime {

// Reads a stored program; an empty or torn file is an error naming it.
Result<std::vector<sock_filter>> readSeccompProgram(const std::string& path);

// seccomp(SECCOMP_SET_MODE_FILTER). Needs no_new_privs or CAP_SYS_ADMIN. Allocates nothing,
// so it may run in a child forked from a threaded process.
Result<void> loadSeccompProgram(const std::vector<sock_filter>& program);

}  // namespace podkeeper::runtime
