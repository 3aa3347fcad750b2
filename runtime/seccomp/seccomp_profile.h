#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// A seccomp profile in the OCI runtime-spec format (linux.seccomp, as Localhost profiles are
// written for the kubelet): what the agent compiles into the BPF program a container loads.
namespace podkeeper::runtime {

enum class SeccompAction { Allow, Errno, KillThread, KillProcess, Trap, Trace, Log };
enum class SeccompOp {
  NotEqual,
  LessThan,
  LessEqual,
  Equal,
  GreaterEqual,
  GreaterThan,
  MaskedEqual
};

struct SeccompArg {
  unsigned index = 0;  // 0..5
  uint64_t value = 0;
  uint64_t valueTwo = 0;  // the compared value for MaskedEqual (value is the mask)
  SeccompOp op = SeccompOp::Equal;
  bool operator==(const SeccompArg&) const = default;
};

struct SeccompRule {
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::Allow;
  std::optional<uint32_t> errnoRet;  // Errno and Trace; default EPERM
  std::vector<SeccompArg> args;      // all must match (several on one index: any of them)
  bool operator==(const SeccompRule&) const = default;
};

struct SeccompProfile {
  SeccompAction defaultAction = SeccompAction::Errno;
  std::optional<uint32_t> defaultErrnoRet;  // default EPERM
  std::vector<std::string> architectures;   // "SCMP_ARCH_X86", ...; the native one is implied
  std::vector<SeccompRule> syscalls;
  bool operator==(const SeccompProfile&) const = default;
};

// Parses a profile. Errors name the file, the field (e.g. syscalls[2].action) and the value.
// Docker's conditional fields (includes, excludes) and seccomp notify are refused rather than
// ignored: ignoring them would allow more than the profile says.
Result<SeccompProfile> decodeSeccompProfile(std::string_view json, const std::string& file);

// "SCMP_ACT_ERRNO" -> Errno; nullopt for anything else.
std::optional<SeccompAction> seccompActionFromName(std::string_view name);

// Reads root/relative, refusing paths that leave root (also through symlinks); at most 4 MiB.
Result<std::string> readLocalhostSeccompProfile(const std::string& root,
                                                const std::string& relative);
// The same, then decodes.
Result<SeccompProfile> loadLocalhostSeccompProfile(const std::string& root,
                                                   const std::string& relative);

}  // namespace podkeeper::runtime
