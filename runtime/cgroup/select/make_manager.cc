#include "runtime/cgroup/select/make_manager.h"

#include <algorithm>

#include "runtime/cgroup/layout.h"
#include "runtime/cgroup/process_signaller.h"
#include "runtime/cgroup/select/hybrid_manager.h"
#include "runtime/cgroup/v1/v1_manager.h"
#include "runtime/cgroup/v2/v2_manager.h"

namespace podkeeper::runtime::cgroup {
namespace {

// The agent cannot limit or measure containers without these.
Result<void> requireV1Controllers(const std::vector<Hierarchy>& hs, const std::string& root) {
  for (const char* c : {"cpu", "cpuacct", "memory"}) {
    const bool found =
        std::any_of(hs.begin(), hs.end(), [&](const Hierarchy& h) { return h.has(c); });
    if (!found)
      return failMsg(std::string("cgroup v1 controller ") + c + " not mounted under " + root);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<CgroupManager>> makeCgroupManager(const CgroupConfig& config) {
  return makeCgroupManager(config, statfsMagic, nullptr);
}

Result<std::unique_ptr<CgroupManager>> makeCgroupManager(
    const CgroupConfig& config, const FsProbe& probe, std::shared_ptr<ProcessSignaller> signaller) {
  if (!signaller) signaller = systemSignaller();
  auto layout = detectLayout(config, probe);
  if (!layout) return fail(layout.error());
  if (layout->mode == Mode::V2) {
    return std::make_unique<V2Manager>(*layout->unified, std::move(signaller));
  }
  auto used = usedV1Hierarchies(layout->v1);
  if (auto r = requireV1Controllers(used, config.mountRoot); !r) return fail(r.error());
  V1Manager v1(std::move(used), signaller);
  if (layout->mode == Mode::V1) return std::make_unique<V1Manager>(std::move(v1));
  V2Manager unified(*layout->unified, std::move(signaller), {});
  return std::make_unique<HybridManager>(std::move(v1), std::move(unified));
}

}  // namespace podkeeper::runtime::cgroup
