#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/seccomp/seccomp_profile.h"

// The agent's side of seccomp: a profile becomes a classic BPF program with libseccomp. The
// program is stored with the container, and the shim (which does not link libseccomp) and
// `exec` load it as it is.
namespace podkeeper::runtime {

struct SeccompCompileOptions {
  // The built-in profile lists syscalls of every kernel and ABI, as moby's does; names this
  // libseccomp does not know are skipped there. In a Localhost profile they are an error.
  bool skipUnknownSyscalls = false;
};

// Errors are prefixed with source (e.g. "seccomp profile /var/lib/podkeeper/seccomp/x.json")
// and name the field and value, e.g. syscalls[2].names[0]: unknown syscall "mkdri".
Result<std::vector<sock_filter>> compileSeccompProfile(const SeccompProfile& profile,
                                                       const std::string& source,
                                                       SeccompCompileOptions options = {});

}  // namespace podkeeper::runtime
