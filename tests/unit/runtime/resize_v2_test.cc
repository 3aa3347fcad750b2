// In-place resize down to the files: LinuxRuntime::updateResources through the real cgroup v2
// driver on a fixture directory standing in for a cgroup2 mount (cpu.max, cpu.weight,
// memory.max), with the sandbox's record rewritten once the writes succeeded.
#include <gtest/gtest.h>
#include <linux/magic.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/bundle/state_json.h"
#include "runtime/cgroup/select/make_manager.h"
#include "runtime/linux/linux_runtime.h"
#include "runtime/sys/atomic_file.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::runtime {
namespace {

namespace cg = runtime::cgroup;
constexpr const char* kUid = "6a1c9d3e-0000-4000-8000-000000000002";

class ResizeV2 : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(cgroupDir_.path());
    write("cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    write("cgroup.subtree_control", "\n");
    auto probe = [](const std::string&) -> Result<int64_t> { return CGROUP2_SUPER_MAGIC; };
    auto m = cg::makeCgroupManager({cgroupDir_.path(), cgroupDir_.file("no-mountinfo")}, probe);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    cgroups_ = std::move(*m);
    ASSERT_EQ(cgroups_->mode(), cg::Mode::V2);
    for (const std::string& path : {pod_, pod_ + "/app"}) {
      ASSERT_TRUE(cgroups_->create(path).has_value());
      for (const char* f : {"cpu.weight", "cpu.max", "memory.max", "pids.max", "cgroup.procs"})
        write(path + "/" + f, "");
      write(path + "/pids.max", "512\n");
    }
    runtime::RuntimeConfig cfg;
    cfg.stateDir = state_.file("run");
    cfg.rootDir = state_.file("lib");
    runtime_ = std::make_unique<runtime::LinuxRuntime>(cfg, *cgroups_);
    const auto& layout = runtime_->layout();
    ASSERT_TRUE(makeDirs(layout.container(kUid, "app").dir, 0755).has_value());
    runtime::SandboxRecord sandbox;
    sandbox.uid = kUid;
    sandbox.name = "web";
    sandbox.namespace_ = "default";
    sandbox.specHash = "old";
    sandbox.cgroupParent = pod_;
    ASSERT_TRUE(
        runtime::writeFileAtomic(layout.sandboxFile(kUid), runtime::encodeSandboxRecord(sandbox))
            .has_value());
    runtime::ContainerRecord app;
    app.name = "app";
    app.cgroupPath = pod_ + "/app";
    ASSERT_TRUE(runtime::writeFileAtomic(layout.container(kUid, "app").state(),
                                         runtime::encodeContainerRecord(app))
                    .has_value());
  }
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(cgroupDir_.file(rel)) << text;
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(cgroupDir_.file(rel));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  support::TempDir cgroupDir_{"pk-v2-resize"};
  support::TempDir state_{"pk-v2-resize-state"};
  std::string pod_ = std::string("pk/burstable/pod") + kUid;
  std::unique_ptr<cg::CgroupManager> cgroups_;
  std::unique_ptr<runtime::LinuxRuntime> runtime_;
};

TEST_F(ResizeV2, NewLimitsReachTheContainerAndPodFilesAndTheRecord) {
  cg::Resources app;
  app.cpuShares = 102;
  app.cpuQuotaUs = 40000;
  app.memoryLimitBytes = 256 << 20;
  app.pidsLimit = 7;  // left alone: a resize writes cpu and memory only
  cg::Resources pod = app;
  pod.memoryLimitBytes = 512 << 20;
  runtime::ResourceUpdate u{kUid, {}, pod, {{"app", app}}, "new", "{\"v\":1}"};
  auto r = runtime_->updateResources(u);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(read(pod_ + "/app/cpu.max"), "40000 100000");
  EXPECT_EQ(read(pod_ + "/app/memory.max"), std::to_string(256 << 20));
  EXPECT_EQ(read(pod_ + "/memory.max"), std::to_string(512 << 20));
  EXPECT_EQ(read(pod_ + "/app/pids.max"), "512\n");
  auto state = runtime_->inspect(kUid);
  ASSERT_TRUE(state.has_value() && state->has_value());
  EXPECT_EQ((*state)->specHash, "new");
  EXPECT_EQ((*state)->allocated, "{\"v\":1}");
}

TEST_F(ResizeV2, AFailedWriteLeavesTheRecordAsItWas) {
  std::filesystem::remove_all(cgroupDir_.file(pod_ + "/app/memory.max"));
  std::filesystem::create_directory(cgroupDir_.file(pod_ + "/app/memory.max"));  // unwritable
  cg::Resources app;
  app.memoryLimitBytes = 256 << 20;
  runtime::ResourceUpdate u{kUid, {}, std::nullopt, {{"app", app}}, "new", "x"};
  EXPECT_FALSE(runtime_->updateResources(u).has_value());
  auto state = runtime_->inspect(kUid);
  ASSERT_TRUE(state.has_value() && state->has_value());
  EXPECT_EQ((*state)->specHash, "old");
}

}  // namespace
}  // namespace podkeeper::runtime
