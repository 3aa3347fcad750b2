#include "runtime/init/apparmor_exec.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"

namespace podkeeper::runtime {

AppArmorExecPlan appArmorExecPlan(const std::string& profile, const std::string& procSelf) {
  return {{procSelf + "/attr/apparmor/exec", procSelf + "/attr/exec"}, "exec " + profile};
}

Result<void> applyAppArmorExecPlan(const AppArmorExecPlan& plan) {
  for (const auto& path : plan.attrFiles) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno == ENOENT) continue;
      return failSys(errno, "open " + path);
    }
    if (::write(fd.get(), plan.content.data(), plan.content.size()) !=
        static_cast<ssize_t>(plan.content.size()))
      return failSys(errno, "write \"" + plan.content + "\" to " + path +
                                " (is the AppArmor profile loaded?)");
    return {};
  }
  return failSys(ENOENT, "no AppArmor attr file (" + plan.attrFiles.front() + ")");
}

}  // namespace podkeeper::runtime
