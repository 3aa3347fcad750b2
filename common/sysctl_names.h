#pragma once

#include <string>
#include <string_view>

// Sysctl names as the kubelet reads them, shared by admission (manifests) and the runtime
// that writes them: one table, so what admission allows is what the runtime can write.
namespace podkeeper {

// The namespace a sysctl (or a prefix such as "net." or "kernel.shm") belongs to: "net",
// "ipc" or "uts"; "" for node-wide ones, which a pod must never set. The kubelet's table
// (k8s.io/component-helpers/node/util/sysctl), plus the UTS names the runtime can write.
inline std::string sysctlNamespace(std::string_view name) {
  if (name.starts_with("net.")) return "net";
  if (name == "kernel.hostname" || name == "kernel.domainname") return "uts";
  if (name.starts_with("kernel.shm") || name.starts_with("kernel.msg") || name == "kernel.sem" ||
      name.starts_with("fs.mqueue.")) {
    return "ipc";
  }
  return "";
}

// "net/ipv4/ip_forward" -> "net.ipv4.ip_forward": a name whose first separator is '/' uses
// '/' between its parts (and may hold '.' inside one), as the kubelet's NormalizeName reads it.
inline std::string normalizeSysctlName(std::string_view name) {
  std::string out(name);
  const size_t sep = out.find_first_of("./");
  if (sep == std::string::npos || out[sep] == '.') return out;
  for (char& c : out) {
    if (c == '.') {
      c = '/';
    } else if (c == '/') {
      c = '.';
    }
  }
  return out;
}

}  // namespace podkeeper
