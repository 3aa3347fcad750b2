#pragma once

#include <cstdint>

#include "runtime/seccomp/seccomp_profile.h"

namespace podkeeper::runtime {

// seccompProfile RuntimeDefault: the allowlist of containerd's and moby's default profile for
// x86-64 (with its 32-bit and x32 ABIs), deny with EPERM. The parts that depend on the
// container's capabilities (bit i of capabilityMask = capability number i) are included as
// those runtimes include them: CAP_SYS_ADMIN allows mount, unshare, setns, clone with
// namespace flags and clone3; without it clone3 fails with ENOSYS so libc falls back to
// clone. ptrace is allowed as moby allows it on kernels >= 4.8 (the kernel's own ptrace
// checks apply). keyctl, add_key, request_key, kexec_*, pivot_root, userfaultfd and the
// io_uring calls are never allowed.
SeccompProfile runtimeDefaultSeccompProfile(uint64_t capabilityMask);

}  // namespace podkeeper::runtime
