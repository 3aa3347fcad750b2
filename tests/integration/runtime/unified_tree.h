#pragma once

// Running the runtime on the unified tree alone, on a hybrid machine whose cgroup2 mount has
// none of the cpu, memory or pids controllers.
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include <memory>

#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/v2/v2_manager.h"

namespace podkeeper::runtime::testing {

inline constexpr const char* kUnified = "/sys/fs/cgroup/unified";

inline bool unifiedTreeMounted() {
  struct statfs s {};
  return ::statfs(kUnified, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

// The real v2 driver, applying only the device program: cpu.max, memory.max and pids.max do
// not exist in this unified tree, and a device program needs no controller.
class UnifiedTreeDriver : public cgroup::CgroupManager {
 public:
  explicit UnifiedTreeDriver(std::unique_ptr<cgroup::CgroupManager> real)
      : real_(std::move(real)) {}
  cgroup::Mode mode() const override { return real_->mode(); }
  Result<void> create(const cgroup::CgroupPath& p) override { return real_->create(p); }
  Result<void> apply(const cgroup::CgroupPath& p, const cgroup::Resources& r) override {
    if (!r.devices) return {};
    auto* v2 = dynamic_cast<cgroup::V2Manager*>(real_.get());
    if (!v2) return failMsg("not the v2 driver");
    return v2->applyDevices(p, *r.devices);
  }
  Result<void> addProcess(const cgroup::CgroupPath& p, pid_t pid) override {
    return real_->addProcess(p, pid);
  }
  Result<std::optional<int>> openForCloneInto(const cgroup::CgroupPath& p) override {
    return real_->openForCloneInto(p);
  }
  Result<std::vector<UniqueFd>> openSelfJoin(const cgroup::CgroupPath& p) override {
    return real_->openSelfJoin(p);
  }
  Result<std::vector<pid_t>> pids(const cgroup::CgroupPath& p) const override {
    return real_->pids(p);
  }
  Result<cgroup::Stats> stats(const cgroup::CgroupPath& p) const override {
    return real_->stats(p);
  }
  Result<void> killAll(const cgroup::CgroupPath& p) override { return real_->killAll(p); }
  Result<void> remove(const cgroup::CgroupPath& p) override { return real_->remove(p); }
  bool exists(const cgroup::CgroupPath& p) const override { return real_->exists(p); }

 private:
  std::unique_ptr<cgroup::CgroupManager> real_;
};

// A runtime fixture (Base: RuntimeFixture or a subclass) given only the unified tree, with
// UnifiedTreeDriver as the agent's driver; skipped where that tree is not a cgroup2 mount.
template <class Base>
class OnUnifiedTree : public Base {
 protected:
  cgroup::CgroupConfig cgroupConfig() const override {
    cgroup::CgroupConfig c;
    c.mountRoot = kUnified;
    return c;
  }
  std::unique_ptr<cgroup::CgroupManager> agentDriver(
      std::unique_ptr<cgroup::CgroupManager> detected) override {
    return std::make_unique<UnifiedTreeDriver>(std::move(detected));
  }
  void SetUp() override {
    if (!unifiedTreeMounted()) GTEST_SKIP() << kUnified << " is not a cgroup2 mount";
    Base::SetUp();
  }
};

}  // namespace podkeeper::runtime::testing
