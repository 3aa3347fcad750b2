#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/targets.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "support.h"

namespace podkeeper::metrics::testing {

// A pod cgroup with container cgroups under a root unique to this test process
// ("pk-test-metrics-<pid>"), each holding a workload child. Everything is killed and
// removed on destruction.
class RealPod {
 public:
  RealPod(runtime::cgroup::CgroupManager& cgroups, std::string ns, std::string pod);
  ~RealPod();
  RealPod(const RealPod&) = delete;
  RealPod& operator=(const RealPod&) = delete;

  // Creates <pod>/<name>, applies r, starts the workload in it.
  void addContainer(const std::string& name, const std::string& image,
                    const runtime::cgroup::Resources& r, WorkloadChild::Kind kind,
                    size_t allocBytes = 0);
  // Kills the container's workload and removes its cgroup and target.
  void stopContainer(const std::string& name);
  std::vector<ContainerTarget> targets() const;
  const std::string& podCgroup() const { return podCgroup_; }

 private:
  struct Container {
    ContainerTarget target;
    std::unique_ptr<WorkloadChild> child;
  };
  runtime::cgroup::CgroupManager& cgroups_;
  std::string root_;
  std::string podCgroup_;
  ContainerTarget podTarget_;
  mutable std::mutex mu_;  // targets() runs on the server's loop thread
  std::vector<Container> containers_;
};

class RealPodTargets : public TargetSource {
 public:
  explicit RealPodTargets(const RealPod& pod) : pod_(pod) {}
  std::vector<ContainerTarget> targets() const override { return pod_.targets(); }

 private:
  const RealPod& pod_;
};

}  // namespace podkeeper::metrics::testing
