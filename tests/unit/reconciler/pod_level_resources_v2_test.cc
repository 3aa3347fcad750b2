// Pod-level resources (spec.resources) from a manifest to the pod cgroup's files, through the
// real v2 driver on a fixture directory standing in for a cgroup2 mount.
#include <gtest/gtest.h>
#include <linux/magic.h>

#include <fstream>
#include <sstream>

#include "manifests/decode.h"
#include "reconciler/runtime_specs.h"
#include "runtime/cgroup/select/make_manager.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::reconciler {
namespace {

constexpr const char* kPodLevelLimits = R"(apiVersion: v1
kind: Pod
metadata: {name: web, uid: 6a1c9d3e-0000-4000-8000-000000000001}
spec:
  resources:
    requests: {cpu: 500m, memory: 64Mi}
    limits: {cpu: 1500m, memory: 256Mi}
  containers:
  - name: app
    image: busybox
    resources:
      requests: {cpu: 100m, memory: 16Mi}
      limits: {cpu: 200m, memory: 32Mi}
  - name: helper
    image: busybox
)";

class PodLevelResourcesV2 : public ::testing::Test {
 protected:
  void SetUp() override {
    write("cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    write("cgroup.subtree_control", "\n");
    auto probe = [](const std::string&) -> Result<int64_t> { return CGROUP2_SUPER_MAGIC; };
    auto m = runtime::cgroup::makeCgroupManager({dir_.path(), dir_.file("no-mountinfo")}, probe);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    cgroups_ = std::move(*m);
    ASSERT_EQ(cgroups_->mode(), runtime::cgroup::Mode::V2);
    paths_.cgroupRoot = "pk";
    paths_.podPidsLimit = 1024;
  }

  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(dir_.file(rel)) << text;
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(dir_.file(rel));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  manifests::DecodedPod decode(const std::string& yaml) const {
    auto r = manifests::decodeManifest("web.yaml", yaml);
    EXPECT_TRUE(r.ok());
    for (const auto& d : r.diagnostics) ADD_FAILURE() << d.field << ": " << d.message;
    return r.pods.at(0);
  }

  // The pod cgroup as ensureSandbox makes it: created, the kernel's files appear, then apply.
  std::string applyPodCgroup(const manifests::DecodedPod& pod) {
    const auto spec = sandboxSpec(pod, paths_);
    EXPECT_TRUE(cgroups_->create(spec.cgroupParent).has_value());
    for (const char* f : {"cpu.weight", "cpu.max", "memory.max", "pids.max", "cgroup.procs"}) {
      write(spec.cgroupParent + "/" + f, "");
    }
    auto r = cgroups_->apply(spec.cgroupParent, spec.resources);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return spec.cgroupParent;
  }

  support::TempDir dir_{"pk-v2-podlevel"};
  std::unique_ptr<runtime::cgroup::CgroupManager> cgroups_;
  NodePaths paths_;
};

TEST_F(PodLevelResourcesV2, PodLimitsGoToThePodCgroupsCpuMaxMemoryMaxAndPidsMax) {
  const auto pod = decode(kPodLevelLimits);

  const std::string cg = applyPodCgroup(pod);

  // Requests below limits at pod level: Burstable, whatever the containers say.
  EXPECT_EQ(cg, "pk/burstable/pod" + pod.uid);
  EXPECT_EQ(read(cg + "/cpu.max"), "150000 100000");
  EXPECT_EQ(read(cg + "/memory.max"), "268435456");
  EXPECT_EQ(read(cg + "/pids.max"), "1024");
  EXPECT_EQ(read(cg + "/cpu.weight"), "20");  // 500m: shares 512, weight 1 + (512-2)*9999/262142
}

TEST_F(PodLevelResourcesV2, PodLimitsEqualToRequestsMakeTheCgroupGuaranteed) {
  std::string yaml = kPodLevelLimits;
  yaml.replace(yaml.find("requests: {cpu: 500m, memory: 64Mi}"), 35,
               "requests: {cpu: 1500m, memory: 256Mi}");
  const auto pod = decode(yaml);

  const std::string cg = applyPodCgroup(pod);

  // The containers alone would be Burstable (helper has nothing); pod-level values decide.
  EXPECT_EQ(cg, "pk/pod" + pod.uid);
  EXPECT_EQ(read(cg + "/cpu.max"), "150000 100000");
  EXPECT_EQ(read(cg + "/memory.max"), "268435456");
}

TEST_F(PodLevelResourcesV2, WithoutPodLevelLimitsAnUnlimitedContainerLeavesThePodUnlimited) {
  std::string yaml = kPodLevelLimits;
  const auto from = yaml.find("  resources:\n    requests: {cpu: 500m");
  yaml.erase(from, yaml.find("  containers:") - from);
  const auto pod = decode(yaml);

  const std::string cg = applyPodCgroup(pod);

  EXPECT_EQ(cg, "pk/burstable/pod" + pod.uid);
  EXPECT_EQ(read(cg + "/cpu.max"), "max 100000");
  EXPECT_EQ(read(cg + "/memory.max"), "max");
}

}  // namespace
}  // namespace podkeeper::reconciler
