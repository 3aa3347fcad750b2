#pragma once

// podkeeper-shim --join: runs one command in a running container (exec probes, hooks and
// `podkeeper exec` alike). Started from the sealed copy of the shim by startJoiner
// (runtime/exec/container_exec.h) with the descriptors of runtime/exec/join_plan.h: it reads its
// plan, which arrives once the starter has placed it in the container's cgroup, enters every
// namespace of the container's init, forks the command (born in the container's pid
// namespace), reports its pid, reaps it and exits with its status. Stdio is whatever the
// starter gave it: a pipe for probes and hooks, the caller's own for `podkeeper exec`.
namespace podkeeper::runtime::shim {

int runJoiner();

}  // namespace podkeeper::runtime::shim
