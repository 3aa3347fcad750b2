#include "real_cgroups.h"

#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "metrics/machine.h"
#include "runtime/cgroup/select/make_manager.h"

namespace podkeeper::metrics::testing {
namespace {

double nowSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

void check(const Result<void>& r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error().message);
}

}  // namespace

RealPod::RealPod(runtime::cgroup::CgroupManager& cgroups, std::string ns, std::string pod)
    : cgroups_(cgroups),
      root_("pk-test-metrics-" + std::to_string(::getpid())),
      podCgroup_(root_.root() + "/pod" + pod) {
  check(cgroups_.create(podCgroup_), "create " + podCgroup_);
  podTarget_ = ContainerTarget{ns, pod, "uid-" + pod, "", "", podCgroup_, nowSeconds()};
}

RealPod::~RealPod() {
  std::lock_guard lock(mu_);
  for (auto& c : containers_) c.child->kill();
}

void RealPod::addContainer(const std::string& name, const std::string& image,
                           const runtime::cgroup::Resources& r, WorkloadChild::Kind kind,
                           size_t allocBytes) {
  const std::string path = podCgroup_ + "/" + name;
  check(cgroups_.create(path), "create " + path);
  check(cgroups_.apply(path, r), "apply " + path);
  auto child = std::make_unique<WorkloadChild>(kind, allocBytes);
  check(cgroups_.addProcess(path, child->pid()), "addProcess " + path);
  child->release();
  std::lock_guard lock(mu_);
  containers_.push_back({ContainerTarget{podTarget_.namespace_, podTarget_.pod, podTarget_.podUid,
                                         name, image, path, nowSeconds()},
                         std::move(child)});
}

void RealPod::stopContainer(const std::string& name) {
  std::lock_guard lock(mu_);
  for (auto it = containers_.begin(); it != containers_.end(); ++it) {
    if (it->target.container != name) continue;
    it->child->kill();
    (void)cgroups_.remove(it->target.cgroupPath);
    containers_.erase(it);
    return;
  }
}

std::vector<ContainerTarget> RealPod::targets() const {
  std::lock_guard lock(mu_);
  std::vector<ContainerTarget> out{podTarget_};
  for (const auto& c : containers_) out.push_back(c.target);
  return out;
}

void RealPodTest::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for cgroups";
  auto m = runtime::cgroup::makeCgroupManager(runtime::cgroup::CgroupConfig{});
  ASSERT_TRUE(m) << m.error().message;
  cgroups = std::move(*m);
  pod = std::make_unique<RealPod>(*cgroups, ns_, podName_);
  targets = std::make_unique<RealPodTargets>(*pod);
  auto machine = readMachineInfo();
  ASSERT_TRUE(machine) << machine.error().message;
  exporter = std::make_unique<Exporter>(*targets, *cgroups, *machine, options_);
}

void RealPodTest::TearDown() {
  exporter.reset();
  targets.reset();
  pod.reset();
}

std::string RealPodTest::scrape() {
  std::string out;
  exporter->renderCadvisor(out);
  return out;
}

}  // namespace podkeeper::metrics::testing
