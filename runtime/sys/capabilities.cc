#include "runtime/sys/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

namespace podkeeper::runtime {
namespace {

// Index = capability number (include/uapi/linux/capability.h).
constexpr const char* kCapabilityNames[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};
constexpr int kCapabilityCount = sizeof(kCapabilityNames) / sizeof(kCapabilityNames[0]);

std::string normalize(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::toupper(c); });
  if (n.starts_with("CAP_")) n.erase(0, 4);
  return n;
}

std::optional<int> capabilityNumber(const std::string& name) {
  const std::string n = normalize(name);
  for (int i = 0; i < kCapabilityCount; ++i) {
    if (n == kCapabilityNames[i]) return i;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& defaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CHOWN",   "DAC_OVERRIDE", "FSETID",           "FOWNER",
      "MKNOD",   "NET_RAW",      "SETGID",           "SETUID",
      "SETFCAP", "SETPCAP",      "NET_BIND_SERVICE", "SYS_CHROOT",
      "KILL",    "AUDIT_WRITE"};
  return caps;
}

Result<std::vector<std::string>> containerCapabilities(const std::vector<std::string>& add,
                                                       const std::vector<std::string>& drop,
                                                       bool privileged) {
  uint64_t mask = 0;
  if (privileged) {
    mask = (uint64_t{1} << kCapabilityCount) - 1;
  } else {
    auto m = capabilityMask(defaultCapabilities());
    if (!m) return fail(m.error());
    mask = *m;
  }
  for (const auto& name : drop) {
    if (normalize(name) == "ALL") {
      mask = 0;
      continue;
    }
    auto n = capabilityNumber(name);
    if (!n)
      return failMsg("securityContext.capabilities.drop: unknown capability \"" + name + "\"");
    mask &= ~(uint64_t{1} << *n);
  }
  for (const auto& name : add) {
    if (normalize(name) == "ALL") {
      mask = (uint64_t{1} << kCapabilityCount) - 1;
      continue;
    }
    auto n = capabilityNumber(name);
    if (!n) return failMsg("securityContext.capabilities.add: unknown capability \"" + name + "\"");
    mask |= uint64_t{1} << *n;
  }
  std::vector<std::string> out;
  for (int i = 0; i < kCapabilityCount; ++i) {
    if (mask & (uint64_t{1} << i)) out.emplace_back(kCapabilityNames[i]);
  }
  return out;
}

Result<uint64_t> capabilityMask(const std::vector<std::string>& names) {
  uint64_t mask = 0;
  for (const auto& name : names) {
    auto n = capabilityNumber(name);
    if (!n) return failMsg("unknown capability \"" + name + "\"");
    mask |= uint64_t{1} << *n;
  }
  return mask;
}

Result<void> dropBoundingSet(uint64_t mask) {
  for (int cap = 0;; ++cap) {
    const int in = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (in < 0) break;  // past the kernel's last capability
    if (in == 1 && !(cap < 64 && (mask & (uint64_t{1} << cap)))) {
      if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
        return failSys(errno, "drop capability " + std::to_string(cap) + " from bounding set");
      }
    }
  }
  return {};
}

Result<void> setProcessCapabilities(uint64_t mask) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  // Only what this process holds can be kept: a privileged container on a machine without,
  // say, CAP_SYS_RESOURCE runs without it rather than not at all.
  if (::syscall(SYS_capget, &header, data) != 0) return failSys(errno, "capget");
  const uint64_t held = data[0].permitted | (uint64_t{data[1].permitted} << 32);
  mask &= held;
  for (int i = 0; i < 2; ++i) {
    const auto word = static_cast<uint32_t>(mask >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = 0;
  }
  if (::syscall(SYS_capset, &header, data) != 0) return failSys(errno, "capset");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return failSys(errno, "clear ambient capabilities");
  }
  return {};
}

}  // namespace podkeeper::runtime
