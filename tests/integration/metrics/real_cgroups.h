#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/exporter.h"
#include "metrics/targets.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "support.h"
#include "tests/support/cgroup_tree.h"

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
  support::CgroupRootGuard root_;
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

// A fixture: the machine's cgroup driver, one RealPod (namespace ns, name pod) and an
// Exporter over it. Skips without root. TearDown drops the exporter before the pod.
class RealPodTest : public ::testing::Test {
 protected:
  RealPodTest(std::string ns, std::string pod, ExporterOptions options = {})
      : ns_(std::move(ns)), podName_(std::move(pod)), options_(std::move(options)) {}
  void SetUp() override;
  void TearDown() override;
  // The /metrics/cadvisor body.
  std::string scrape();

  std::unique_ptr<runtime::cgroup::CgroupManager> cgroups;
  std::unique_ptr<RealPod> pod;
  std::unique_ptr<RealPodTargets> targets;
  std::unique_ptr<Exporter> exporter;

 private:
  std::string ns_, podName_;
  ExporterOptions options_;
};

}  // namespace podkeeper::metrics::testing
